"""A participant's negotiations: their published agenda, requests to and from them, asking
someone to meet (found by typing), and the calendar feed. Opened by the personal link
(``/r/<token>/meetings``) or by the meetings link of the change mails (``/m/<key>``,
:mod:`.links`), which opens this page and nothing else of the registration."""
from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ..core.forms import ActionForm
from ..core.views import download, perform, personal_view
from . import ical, links, pickers, publishing, zone
from .blueprint import bp


def _page(registration, *, here, ics_url, back_url, people_url, status=200):
    event = registration.event
    form = request.form if request.method == "POST" else request.args
    if request.method == "POST" and not request.form.get("find"):
        answer = request.form.get("answer")
        if answer in ("accept", "decline"):
            done = perform(lambda: zone.answer(registration, request.form.get("request", type=int),
                                               accept=answer == "accept"),
                           _("Thank you, your answer has been recorded."))
        else:
            done = perform(lambda: zone.ask(event, registration, zone.person(
                event, request.form.get("to", type=int), field="to", message=_("Choose whom you want to meet.")),
                topic=request.form.get("topic", ""), message=request.form.get("message", "")),
                _("Your request has been sent."))
        if done:
            return redirect(here)
        status = 400
    return render_template(
        "meetings/agenda.html", event=event, registration=registration, meetings=publishing.agenda_of(registration),
        incoming=zone.requests_to(registration), outgoing=zone.requests_from(registration), action_form=ActionForm(),
        takes_part=zone.takes_part(registration), form=form, ics_url=ics_url, back_url=back_url, here=here,
        people_url=people_url, pick_to=pickers.people_picker(event, form, "to", asked_by=registration)), status


def _people(registration):
    response = pickers.as_json([pickers.person_option(p) for p in zone.find_people(
        registration.event, request.args.get("q", ""), asked_by=registration)])
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/r/<token>/meetings", methods=["GET", "POST"])
@personal_view(approved=True)
def agenda(registration, token):
    return _page(registration, here=url_for("meetings.agenda", token=token),
                 ics_url=url_for("meetings.agenda_ics", token=token),
                 back_url=url_for("registration.personal", token=token),
                 people_url=url_for("meetings.people", token=token))


@bp.route("/r/<token>/meetings/people")
@personal_view(approved=True)
def people(registration, token):
    return _people(registration)


@bp.route("/r/<token>/agenda.ics")
@personal_view(approved=True)
def agenda_ics(registration, token):
    return download(ical.person_calendar(registration.event, registration, publishing.agenda_of(registration)),
                    "agenda.ics", inline=True)


def _by_key(key):
    registration = links.registration_for(key)
    if registration is None:
        abort(404)
    return registration


@bp.route("/m/<key>", methods=["GET", "POST"])
def agenda_by_key(key):
    registration = _by_key(key)
    return _page(registration, here=url_for("meetings.agenda_by_key", key=key),
                 ics_url=url_for("meetings.agenda_ics_by_key", key=key), back_url=None,
                 people_url=url_for("meetings.people_by_key", key=key))


@bp.route("/m/<key>/people")
def people_by_key(key):
    return _people(_by_key(key))


@bp.route("/m/<key>/agenda.ics")
def agenda_ics_by_key(key):
    registration = _by_key(key)
    return download(ical.person_calendar(registration.event, registration, publishing.agenda_of(registration)),
                    "agenda.ics", inline=True)
