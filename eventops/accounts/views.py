"""Signing in and out, and setting a password from a mailed link."""
import hashlib
import secrets

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from itsdangerous import BadSignature, URLSafeSerializer

from ..core.urls import safe_next
from ..core.views import perform, render_form
from ..extensions import db, limiter
from . import services
from .forms import ForgotForm, LoginForm, ResetForm

bp = Blueprint("accounts", __name__)


# --- failed sign-ins -----------------------------------------------------------------------------
#
# Guessing is stopped without handing a stranger the power to lock the owner out:
# - per account and address (EVENTOPS_LOGIN_LIMIT_ACCOUNT): one guesser at one account stops soon;
# - per account, from all addresses together (EVENTOPS_LOGIN_LIMIT_ACCOUNT_CEILING): a slower
#   ceiling against guessing from many addresses;
# - per address (EVENTOPS_LOGIN_LIMIT_ADDRESS): one address trying many accounts.
# A browser that has signed in to an account before carries a signed device cookie naming it
# (OWASP's "device cookies"): its attempts at that account are counted per device, and neither the
# account's ceiling nor its address's count applies to them. So the door staff's own phone still
# signs in while someone hammers their account, and a mailed password link marks the browser that
# used it as known too. Only failures count (a 401); the counts live in Redis when
# EVENTOPS_REDIS_URL is set, shared by every worker and machine. Key names carry a hash of the
# e-mail address, never the address.

DEVICE_COOKIE = "eventops_device"
DEVICE_COOKIE_AGE = 365 * 24 * 3600
DEVICE_ACCOUNTS = 8  # accounts remembered per browser (a shared door tablet)


def _submitted_email() -> str:
    return (request.form.get("email") or "").strip().lower()[:255]


def _account_hash(email: str) -> str:
    return hashlib.sha256(email.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _device_serializer():
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="eventops-login-device")


def _device() -> dict:
    """The browser's device cookie: {"d": device id, "a": [account hashes]}; empty when absent or forged."""
    try:
        data = _device_serializer().loads(request.cookies.get(DEVICE_COOKIE, ""))
    except BadSignature:
        return {}
    if not (isinstance(data, dict) and isinstance(data.get("d"), str) and isinstance(data.get("a"), list)):
        return {}
    return data


def _known_device() -> bool:
    """Whether this browser has signed in to the account it is now trying before."""
    return _account_hash(_submitted_email()) in _device().get("a", [])


def _remember_device(response, email: str):
    device = _device()
    accounts = [a for a in device.get("a", []) if a != _account_hash(email)]
    value = {"d": device.get("d") or secrets.token_urlsafe(16), "a": [_account_hash(email)] + accounts[:DEVICE_ACCOUNTS - 1]}
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps(value), max_age=DEVICE_COOKIE_AGE,
                        secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
    return response


def _account_and_origin_key() -> str:
    """The account with the address it is tried from, or with the known device trying it."""
    origin = ("device:" + _device()["d"]) if _known_device() else get_remote_address()
    return f"login:{_account_hash(_submitted_email())}:{origin}"


def _account_key() -> str:
    return f"login:{_account_hash(_submitted_email())}"


def _failed(response):
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed,
               exempt_when=_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT_CEILING"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed, exempt_when=_known_device)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_and_origin_key, deduct_when=_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            current_app.logger.warning("failed sign-in: account %s, address %s, known device: %s",
                                       _account_hash(_submitted_email())[:12], get_remote_address(), _known_device())
            flash(_("Wrong e-mail address or password."), "error")
            db.session.rollback()
            return render_template("accounts/login.html", form=form), 401
        # a fresh session at login: nothing from before the login (a planted session) survives
        session.clear()
        login_user(user, remember=form.remember.data)
        db.session.commit()
        return _remember_device(redirect(safe_next(request.args.get("next")) or url_for("dashboard.home")), user.email)
    return render_form("accounts/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    # a new session token ends this session everywhere, including copies of the cookie
    current_user.rotate_session_token()
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("events.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        perform(lambda: services.request_password_reset(form.email.data),
                (_("If an account uses this address, a mail with a link to set a new password is on its way."), "info"))
        return redirect(url_for("accounts.login"))
    return render_form("accounts/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This link has expired or has already been used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetForm()
    if form.validate_on_submit() and perform(lambda: services.set_password(user, form.password.data),
                                             _("Your password has been set. Please sign in."),
                                             form=form, field="password"):
        # the mailed link proves the account's owner is at this browser: it signs in as a known
        # device, whatever strangers have been trying against the account
        return _remember_device(redirect(url_for("accounts.login")), user.email)
    return render_form("accounts/reset.html", form=form)
