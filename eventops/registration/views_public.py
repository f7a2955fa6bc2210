"""Public registration and the registrant's personal page (reached only by its secret link)."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..core.forms import ActionForm
from ..core.views import event_view, perform, personal_view, render_form
from ..events.models import CATEGORIES
from ..extensions import limiter
from ..organisations import services as organisations
from . import services
from .forms import ResendForm, form_data, form_to_data, registration_form_class
from .models import STATUS_CANCELLED

bp = Blueprint("registration", __name__)


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@event_view(public=True, with_rules=True)
def register(event):
    form = registration_form_class(event)()
    state = event.registration_state()
    if state == "open" and form.validate_on_submit():
        done = perform(lambda: services.register(
            event, form_to_data(form, event), locale=str(get_locale() or "zh"),
            user=current_user if current_user.is_authenticated else None), form=form)
        if done:
            return redirect(url_for("registration.personal", token=done.value[1], new=1))
    return render_form("registration/register.html", event=event, form=form, state=state,
                       organisations=organisations.suggestions(), resend_form=ResendForm())


@bp.route("/e/<slug>/resend", methods=["POST"])
@limiter.limit("5 per 10 minutes")
@event_view(public=True)
def resend(event):
    form = ResendForm()
    if form.validate_on_submit():
        perform(lambda: services.resend_link(event, form.email.data),
                (_("If this address is registered, a mail with your personal link is on its way."), "info"))
    else:
        flash(_("Please enter your e-mail address."), "error")
    return redirect(url_for("registration.register", slug=event.slug))


@bp.route("/r/<token>")
@personal_view()
def personal(registration, token):
    return render_template("registration/personal.html", registration=registration, event=registration.event,
                           token=token, new=request.args.get("new") == "1",
                           questions={str(q.id): q for q in registration.event.questions},
                           action_form=ActionForm(), categories=CATEGORIES,
                           cancelled=registration.status == STATUS_CANCELLED)


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
@personal_view()
def edit(registration, token):
    event = registration.event
    if registration.status == STATUS_CANCELLED:
        flash(_("This registration has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("registration.personal", token=token))
    form_class = registration_form_class(event, editing=True)
    form = form_class(data=form_data(registration)) if request.method == "GET" else form_class()
    if form.validate_on_submit() and perform(
            lambda: services.update_details(registration, form_to_data(form, event)),
            _("Your details have been saved."), form=form, field="name"):
        return redirect(url_for("registration.personal", token=token))
    return render_form("registration/edit.html", registration=registration, event=event, form=form, token=token,
                       organisations=organisations.suggestions())


@bp.route("/r/<token>/cancel", methods=["POST"])
@personal_view()
def cancel(registration, token):
    perform(lambda: services.cancel(registration), (_("Your registration has been cancelled."), "info"))
    return redirect(url_for("registration.personal", token=token))
