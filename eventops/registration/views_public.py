"""Public registration and the registrant's personal page (reached only by its secret link)."""
from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from ..core.forms import ActionForm
from ..core.views import download, event_view, get_event_or_404, perform, personal_view, render_form
from ..events.models import CATEGORIES
from ..events.rules import rules_of
from ..extensions import limiter
from ..organisations import services as organisations
from ..organisations.models import ORG_TYPES
from . import mails, services
from .forms import PUBLIC_CATEGORIES, ResendForm, form_data, form_to_data, registration_form_class
from .models import STATUS_CANCELLED

bp = Blueprint("registration", __name__)

#: suggestions the organisation search offers at most
ORG_SUGGESTIONS = 8


def _locale():
    return str(get_locale() or "zh")


def _organisation_search(form):
    """Without JavaScript the organisation field is searched by a button of its own: the form
    comes back with what was typed and the matching names to pick from (nothing is submitted).
    Returns the matches, or None when the request was not a search."""
    picked = request.form.get("org_pick")
    if picked is not None:
        form.organisation.data = picked
        found = organisations.find_by_name(picked)
        if found is not None:
            form.org_type.data = found.org_type
        return []
    if "org_search" not in request.form:
        return None
    return organisations.search(form.organisation.data or "", ORG_SUGGESTIONS)


def _register_page(event, form, *, status=None, duplicate=False, org_matches=None, expired=False):
    state = event.registration_state()
    full = services.full_categories(event, [c for c, _label in form.category.choices]) if state == "open" else set()
    page, code = render_form("registration/register.html", event=event, form=form, state=state,
                             resend_form=ResendForm(), full=full, duplicate=duplicate,
                             org_matches=org_matches, expired=expired)
    return page, status or code


@bp.route("/e/<slug>/register", methods=["GET", "POST"])
@limiter.limit("30 per minute", methods=["POST"])
@event_view(public=True)
def register(event):
    form = registration_form_class(event)()
    if request.method == "POST" and event.registration_state() == "open":
        org_matches = _organisation_search(form)
        if org_matches is not None:
            return _register_page(event, form, org_matches=org_matches, status=200)
        done = perform(lambda: services.register(
            event, form_to_data(form), locale=_locale(), public=True,
            user=current_user if current_user.is_authenticated else None), form=form, field="general")
        if done:
            return redirect(url_for("registration.personal", token=done.value[1], new=1))
        duplicate = getattr(done.error, "code", None) == "already_registered"
        return _register_page(event, form, duplicate=duplicate, status=409 if duplicate else 400)
    return _register_page(event, form)


@bp.route("/e/<slug>/organisations")
@event_view(public=True)
def organisation_search(event):
    """The organisation field's typeahead: known names containing ``q`` (JSON), with their type."""
    q = (request.args.get("q") or "")[:100]
    found = organisations.search(q, ORG_SUGGESTIONS) if len(q.strip()) >= 1 else []
    response = jsonify([{"name": o.name, "type": o.org_type, "type_label": str(ORG_TYPES.get(o.org_type, ""))}
                        for o in found])
    response.headers["Cache-Control"] = "public, max-age=60"
    response.vary.add("Cookie")  # the type labels follow the language
    return response


@bp.route("/e/<slug>/resend", methods=["POST"])
@limiter.limit("5 per 10 minutes")
@event_view(public=True)
def resend(event):
    form = ResendForm()
    if form.email.data or form.mobile.data:
        perform(lambda: services.resend_link(event, email=form.email.data or "", mobile=form.mobile.data or ""),
                (_("If these details belong to a registration, a mail with its personal link is on its way to "
                   "the address it was made with. The links you already have keep working."), "info"))
    else:
        flash(_("Please enter your e-mail address."), "error")
    return redirect(url_for("registration.register", slug=event.slug))


@bp.errorhandler(CSRFError)
def form_expired(error):
    """A form sent with an expired or missing token (the page was open for hours, the session
    cookie went): it comes back with everything typed and a fresh token, nothing is saved."""
    endpoint, args = request.endpoint, request.view_args or {}
    message = _("The form had expired, so nothing was sent. We kept what you typed: check it and submit again.")
    if endpoint == "registration.register":
        event = get_event_or_404(args.get("slug"), public=True)
        form = registration_form_class(event)()
        return _register_page(event, form, expired=True, status=400)
    if endpoint == "registration.edit":
        registration = services.by_token(args.get("token"))
        if registration is not None and registration.status != STATUS_CANCELLED:
            form = registration_form_class(registration.event, editing=True)()
            return _edit_page(registration, form, args["token"], expired=True, status=400)
    flash(message, "error")
    if endpoint == "registration.resend":
        return redirect(url_for("registration.register", slug=args.get("slug")))
    if "token" in args and services.by_token(args["token"]) is not None:
        return redirect(url_for("registration.personal", token=args["token"]))
    return redirect(url_for("events.index"))


@bp.route("/r/<token>")
@personal_view()
def personal(registration, token):
    event = registration.event
    return render_template("registration/personal.html", registration=registration, event=event,
                           token=token, new=request.args.get("new") == "1",
                           rules=rules_of(event), action_form=ActionForm(), categories=CATEGORIES,
                           cancelled=registration.status == STATUS_CANCELLED,
                           position=services.waitlist_position(registration),
                           other_links=services.other_links(registration, token),
                           when_and_where=mails.when_and_where(event, _locale()))


def _edit_page(registration, form, token, *, expired=False, duplicate=False, org_matches=None, status=None):
    page, code = render_form("registration/edit.html", registration=registration, event=registration.event,
                             form=form, token=token, expired=expired, duplicate=duplicate, org_matches=org_matches)
    return page, status or code


@bp.route("/r/<token>/edit", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"],
               key_func=lambda: "edit:" + services.hash_token((request.view_args or {}).get("token", ""))[:32])
@personal_view()
def edit(registration, token):
    event = registration.event
    if registration.status == STATUS_CANCELLED:
        flash(_("This registration has been cancelled and can no longer be changed."), "error")
        return redirect(url_for("registration.personal", token=token))
    form_class = registration_form_class(event, editing=True)
    if request.method == "GET":
        return _edit_page(registration, form_class(data=form_data(registration)), token)
    form = form_class()
    org_matches = _organisation_search(form)
    if org_matches is not None:
        return _edit_page(registration, form, token, org_matches=org_matches, status=200)
    done = perform(lambda: services.update_details(registration, form_to_data(form)),
                   _("Your details have been saved."), form=form, field="general")
    if done:
        return redirect(url_for("registration.personal", token=token))
    duplicate = getattr(done.error, "code", None) == "already_registered"
    return _edit_page(registration, form, token, duplicate=duplicate, status=409 if duplicate else 400)


@bp.route("/r/<token>/cancel", methods=["POST"])
@personal_view()
def cancel(registration, token):
    perform(lambda: services.cancel(registration), (_("Your registration has been cancelled."), "info"))
    return redirect(url_for("registration.personal", token=token))


@bp.route("/r/<token>/links/revoke", methods=["POST"])
@personal_view()
def revoke_links(registration, token):
    """Only this link keeps working: every other personal link of the registration stops."""
    perform(lambda: services.revoke_other_links(registration, token),
            lambda n: (_("Done: %(n)d other links no longer work. This one still does.", n=n), "success"))
    return redirect(url_for("registration.personal", token=token))


@bp.route("/r/<token>/event.ics")
@personal_view()
def calendar(registration, token):
    return download(mails.calendar(registration), "event.ics", inline=True)


__all__ = ["bp", "PUBLIC_CATEGORIES"]
