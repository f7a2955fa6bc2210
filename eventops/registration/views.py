"""Public registration and the registrant's personal page (reached only by its secret link)."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from ..core.errors import DomainError, InvalidInput
from ..core.forms import attach_errors
from ..events.forms import ActionForm
from ..events.models import CATEGORIES
from ..events.services import by_slug
from ..extensions import db, limiter
from ..organisations.models import Organisation
from . import services
from .forms import ResendForm, registration_form_class
from .models import STATUS_CANCELLED
from .validation import RegistrationData

bp = Blueprint("registration", __name__)


def _event_or_404(slug):
    event = by_slug(slug, with_rules=True)
    if event is None or not event.published:
        abort(404)
    return event


def form_to_data(form, event) -> RegistrationData:
    return RegistrationData(
        name=form.name.data, organisation=form.organisation.data, org_type=form.org_type.data,
        position=form.position.data, mobile=form.mobile.data, email=form.email.data,
        category=form.category.data if hasattr(form, "category") else "",
        tags=form.tags.data or [],
        answers={str(q.id): getattr(form, f"q_{q.id}").data for q in event.questions})


def organisation_suggestions(limit=1000):
    return db.session.scalars(select(Organisation.name).order_by(Organisation.name).limit(limit)).all()


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
def register(slug):
    event = _event_or_404(slug)
    form = registration_form_class(event)()
    state = event.registration_state()
    if state == "open" and form.validate_on_submit():
        try:
            registration, token = services.register(
                event, form_to_data(form, event), locale=str(get_locale() or "zh"),
                user=current_user if current_user.is_authenticated else None)
            db.session.commit()
            return redirect(url_for("registration.personal", token=token, new=1))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
        except DomainError as exc:
            db.session.rollback()
            if exc.field:
                attach_errors(form, {exc.field: exc.message})
            else:
                flash(exc.message, "error")
    status = 400 if form.errors else 200
    return render_template("registration/register.html", event=event, form=form, state=state,
                           organisations=organisation_suggestions(), resend_form=ResendForm()), status


@bp.route("/e/<slug>/resend", methods=["POST"])
@limiter.limit("5 per 10 minutes")
def resend(slug):
    event = _event_or_404(slug)
    form = ResendForm()
    if form.validate_on_submit():
        services.resend_link(event, form.email.data)
        db.session.commit()
        flash(_("If this address is registered, a mail with your personal link is on its way."), "info")
    else:
        flash(_("Please enter your e-mail address."), "error")
    return redirect(url_for("registration.register", slug=slug))


def _by_token_or_404(token):
    registration = services.by_token(token)
    if registration is None:
        abort(404)
    return registration


@bp.route("/r/<token>")
def personal(token):
    registration = _by_token_or_404(token)
    event = registration.event
    questions = {str(q.id): q for q in event.questions}
    return render_template("registration/personal.html", registration=registration, event=event,
                           token=token, new=request.args.get("new") == "1", questions=questions,
                           action_form=ActionForm(), categories=CATEGORIES,
                           cancelled=registration.status == STATUS_CANCELLED)


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
def edit(token):
    registration = _by_token_or_404(token)
    event = registration.event
    if registration.status == STATUS_CANCELLED:
        flash(_("This registration has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("registration.personal", token=token))
    form_class = registration_form_class(event, editing=True)
    if request.method == "GET":
        data = services.data_from_registration(registration)
        form = form_class(data={**services.as_dict(data),
                                **{f"q_{k}": v for k, v in data.answers.items()}})
    else:
        form = form_class()
    if form.validate_on_submit():
        try:
            services.update_details(registration, form_to_data(form, event))
            db.session.commit()
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("registration.personal", token=token))
        except InvalidInput as exc:
            db.session.rollback()
            attach_errors(form, exc.errors)
        except DomainError as exc:
            db.session.rollback()
            attach_errors(form, {exc.field or "name": exc.message})
    return render_template("registration/edit.html", registration=registration, event=event, form=form,
                           token=token, organisations=organisation_suggestions()), 400 if form.errors else 200


@bp.route("/r/<token>/cancel", methods=["POST"])
def cancel(token):
    registration = _by_token_or_404(token)
    if ActionForm().validate_on_submit():
        try:
            services.cancel(registration)
            db.session.commit()
            flash(_("Your registration has been cancelled."), "info")
        except DomainError as exc:
            db.session.rollback()
            flash(exc.message, "error")
    return redirect(url_for("registration.personal", token=token))
