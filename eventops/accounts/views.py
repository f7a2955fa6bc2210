"""Signing in and out, and setting a password from a mailed link."""
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ..core.urls import safe_next
from ..core.views import perform, render_form
from ..extensions import db, limiter
from . import services
from .forms import ForgotForm, LoginForm, ResetForm

bp = Blueprint("accounts", __name__)


def _account_key():
    return "login:" + (request.form.get("email") or "").strip().lower()[:255]


def _failed(response):
    return response.status_code == 401


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
        return redirect(safe_next(request.args.get("next")) or url_for("dashboard.home"))
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
        return redirect(url_for("accounts.login"))
    return render_form("accounts/reset.html", form=form)
