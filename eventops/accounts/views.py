from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.errors import DomainError
from ..events import services as events
from ..exhibitors import services as exhibitor_services
from ..extensions import db, limiter
from . import services
from .forms import ForgotForm, LoginForm, ResetForm

bp = Blueprint("accounts", __name__)


def _account_key():
    return "login:" + (request.form.get("email") or "").strip().lower()[:255]


def _failed(response):
    return response.status_code == 401


def _safe_next(target):
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            flash(_("Wrong e-mail address or password."), "error")
            db.session.rollback()
            return render_template("accounts/login.html", form=form), 401
        # a fresh session at login: nothing from before the login (a planted session) survives
        session.clear()
        login_user(user, remember=form.remember.data)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")) or url_for("accounts.home"))
    status = 400 if form.errors else 200
    return render_template("accounts/login.html", form=form), status


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


@bp.route("/home")
@login_required
def home():
    my_events = events.events_for(current_user)
    if not my_events and not current_user.is_admin:
        profile = exhibitor_services.latest_profile_of(current_user)
        if profile is not None:  # an exhibitor manager
            return redirect(url_for("portal.organisation", slug=profile.event.slug, org_id=profile.organisation_id))
    if len(my_events) == 1 and not current_user.is_admin:
        return redirect(url_for("events.dashboard", slug=my_events[0].slug))
    return redirect(url_for("events.manage_index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5 per 15 minutes", methods=["POST"])
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        user = services.find_by_email(form.email.data)
        if user is not None and user.active:
            services.mail_reset_link(user)
            db.session.commit()
        flash(_("If an account uses this address, a mail with a link to set a new password is on its way."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/forgot.html", form=form), 400 if form.errors else 200


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token):
    user = services.user_for_reset_token(token)
    if user is None:
        flash(_("This link has expired or has already been used. Ask for a new one."), "error")
        return redirect(url_for("accounts.forgot_password"))
    form = ResetForm()
    if form.validate_on_submit():
        try:
            services.set_password(user, form.password.data)
            db.session.commit()
            flash(_("Your password has been set. Please sign in."), "success")
            return redirect(url_for("accounts.login"))
        except DomainError as exc:
            db.session.rollback()
            form.password.errors = list(form.password.errors) + [exc.message]
    return render_template("accounts/reset.html", form=form), 400 if form.errors else 200
