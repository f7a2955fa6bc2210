"""The negotiation zone's pages: organizers (grid, tables, brokers, requests, the schedule button,
manual changes, announcements, PDFs), participants (agenda, requests, calendar subscription), the
public programme and the zone's now-and-next board."""
import json
from datetime import date, datetime, time

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import InvalidInput
from ..core.forms import ActionForm
from ..core.timeutil import local_to_utc, now_utc
from ..core.views import download, event_view, of_event, perform, personal_view
from ..jobs import services as jobs
from . import ical, outputs, scheduling, zone
from . import jobs as meeting_jobs
from .models import SESSION_KINDS, Meeting

bp = Blueprint("meetings", __name__)


@bp.route("/manage/<slug>/meetings/")
@event_view("event.manage")
def manage(event):
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meetings = scheduling.meetings_of(event)
    return render_template("meetings/manage.html", event=event, slots=slots, tables=tables,
                           grid={(m.slot_id, m.table_id): m for m in meetings}, meetings=meetings,
                           brokers=zone.brokers_of(event), requests=zone.requests_of(event),
                           action_form=ActionForm(), people=zone.participants(event),
                           pending=scheduling.pending_announcements(event))


# --- what organizers type: days, times, numbers --------------------------------------------------

def _day(value) -> date:
    try:
        return date.fromisoformat(value or "")
    except ValueError:
        raise InvalidInput({"day": _("Give the day as 2025-05-24 and numbers for lengths.")})


def _clock(value) -> time:
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput({"time": _("Times look like 09:00.")})


def _number(name, default) -> int:
    value = request.form.get(name) or default
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidInput({name: _("Give the day as 2025-05-24 and numbers for lengths.")})


def _id(name):
    return request.form.get(name, type=int)


@bp.route("/manage/<slug>/meetings/grid", methods=["POST"])
@event_view("event.manage")
def grid(event):
    def add():
        breaks = []
        for part in (request.form.get("breaks") or "").split():
            start, _sep, end = part.partition("-")
            breaks.append((_clock(start), _clock(end)))
        created = zone.generate_slots(event, _day(request.form.get("day")), _clock(request.form.get("start")),
                                      _clock(request.form.get("end")), length=_number("length", 20),
                                      gap=_number("gap", 5), breaks=breaks, actor=current_user)
        if count := _number("tables", 0):
            zone.add_tables(event, count, zone=request.form.get("zone") or "A", actor=current_user)
        return created
    perform(add, lambda created: _("%(n)d slots added.", n=len(created)))
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.route("/manage/<slug>/meetings/brokers", methods=["POST"])
@event_view("event.manage")
def broker(event):
    form = request.form
    perform(lambda: zone.set_broker(
        event, zone.person(event, _id("registration"), field="registration", message=_("Choose the broker.")),
        specialties=(form.get("specialties") or "").split(), languages=(form.get("languages") or "").split(),
        available=(form.get("available") or "").split(), max_meetings=form.get("max_meetings", type=int),
        actor=current_user), _("The broker has been saved."))
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.route("/manage/<slug>/meetings/requests", methods=["POST"])
@event_view("event.manage")
def on_behalf(event):
    def add():
        people = [zone.person(event, _id(key), field="from", message=_("Choose both people.")) for key in ("from", "to")]
        return zone.ask(event, *people, topic=request.form.get("topic", ""),
                        needs_broker=bool(request.form.get("needs_broker")),
                        weight=request.form.get("weight", type=int) or 1, actor=current_user)
    perform(add, _("The request has been added."))
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.route("/manage/<slug>/meetings/schedule", methods=["POST"])
@event_view("event.manage")
def schedule(event):
    """The scheduler runs as a job (one per event at a time), under its time limit."""
    seconds = meeting_jobs.seconds_from(request.form.get("seconds"))
    done = perform(lambda: jobs.start(event, meeting_jobs.SCHEDULE.name, {"time_limit": seconds}, actor=current_user,
                                      dedupe_key=f"schedule:{event.id}"))
    if not done:
        return redirect(url_for("meetings.manage", slug=event.slug))
    return redirect(url_for("jobs.show", slug=event.slug, job_id=done.value.id))


@bp.route("/manage/<slug>/meetings/place", methods=["POST"])
@event_view("event.manage")
def place(event):
    perform(lambda: scheduling.place_or_move(event, request_id=_id("request"), slot_id=_id("slot"),
                                             table_id=_id("table"), broker_id=_id("broker"),
                                             meeting_id=_id("meeting"), actor=current_user),
            _("The meeting is on the grid."))
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.route("/manage/<slug>/meetings/<int:meeting_id>/cancel", methods=["POST"])
@event_view("event.manage")
def cancel(event, meeting_id):
    meeting = of_event(Meeting, meeting_id, event)
    perform(lambda: scheduling.cancel(meeting, actor=current_user),
            _("The meeting has been cancelled. Announce the changes to tell the people concerned."))
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.route("/manage/<slug>/meetings/announce", methods=["POST"])
@event_view("event.manage")
def announce(event):
    perform(lambda: scheduling.announce(event, actor=current_user),
            lambda people: _("%(n)d people were told about their changed meetings.", n=len(people)))
    return redirect(url_for("meetings.manage", slug=event.slug))


@bp.route("/manage/<slug>/meetings/instance.json")
@event_view("event.manage")
def instance_json(event):
    return download(json.dumps(scheduling.build_instance(event), ensure_ascii=False, indent=1),
                    f"{event.slug}-instance.json")


@bp.route("/manage/<slug>/meetings/<kind>.pdf")
@event_view("event.manage")
def pdf(event, kind):
    meetings = scheduling.meetings_of(event)
    if kind == "tables":
        body = outputs.table_cards(event, zone.tables_of(event), meetings)
    elif kind == "brokers":
        body = outputs.broker_schedules(event, zone.brokers_of(event), meetings)
    else:
        abort(404)
    return download(body, f"{event.slug}-{kind}.pdf", inline=True)


@bp.route("/manage/<slug>/meetings/sessions", methods=["POST"])
@event_view("event.manage")
def add_session(event):
    def add():
        day = _day(request.form.get("day"))
        title = (request.form.get("title") or "").strip()
        if not title:
            raise InvalidInput({"title": _("Please enter a title.")})
        kind = request.form.get("kind")
        return zone.add_session(
            event, kind=kind if kind in SESSION_KINDS else "forum", title_zh=title, room=request.form.get("room", ""),
            starts_at=local_to_utc(datetime.combine(day, _clock(request.form.get("start"))), event.timezone),
            ends_at=local_to_utc(datetime.combine(day, _clock(request.form.get("end"))), event.timezone),
            speakers=(request.form.get("speakers") or "").split())
    perform(add, _("The session has been added to the programme."))
    return redirect(url_for("meetings.manage", slug=event.slug))


# --- participants -----------------------------------------------------------------------------

@bp.route("/r/<token>/meetings", methods=["GET", "POST"])
@personal_view(approved=True)
def agenda(registration, token):
    event = registration.event
    if request.method == "POST":
        answer = request.form.get("answer")
        if answer in ("accept", "decline"):
            perform(lambda: zone.answer(registration, _id("request"), accept=answer == "accept"),
                    _("Thank you, your answer has been recorded."))
        else:
            perform(lambda: zone.ask(event, registration, zone.person(event, _id("to"), field="to",
                                                                      message=_("Choose whom you want to meet.")),
                                     topic=request.form.get("topic", ""), message=request.form.get("message", "")),
                    _("Your request has been sent."))
        return redirect(url_for("meetings.agenda", token=token))
    return render_template("meetings/agenda.html", event=event, registration=registration, token=token,
                           meetings=scheduling.agenda_of(registration), incoming=zone.requests_to(registration),
                           outgoing=zone.requests_from(registration), action_form=ActionForm(),
                           people=[p for p in zone.participants(event) if p.id != registration.id])


@bp.route("/r/<token>/agenda.ics")
@personal_view(approved=True)
def agenda_ics(registration, token):
    return download(ical.person_calendar(registration.event, registration, scheduling.agenda_of(registration)),
                    "agenda.ics", inline=True)


# --- public -----------------------------------------------------------------------------------

@bp.route("/e/<slug>/programme")
@event_view(public=True)
def programme(event):
    return render_template("meetings/programme.html", event=event, sessions=zone.sessions_of(event))


@bp.route("/e/<slug>/programme.ics")
@event_view(public=True)
def programme_ics(event):
    return Response(ical.programme_calendar(event, zone.sessions_of(event)), mimetype="text/calendar")


@bp.route("/e/<slug>/meetings/board")
@event_view(public=True)
def board(event):
    """For screens in the zone: the meetings of the current slot and of the next one, by table."""
    now = now_utc()
    slots = zone.slots_of(event)
    current = next((s for s in slots if s.starts_at <= now < s.ends_at), None)
    upcoming = [s for s in slots if s.starts_at > now][:1]
    shown = {s.id for s in [current, *upcoming] if s is not None}
    return render_template("meetings/board.html", event=event, current=current,
                           upcoming=upcoming[0] if upcoming else None,
                           meetings=[m for m in scheduling.meetings_of(event) if m.slot_id in shown])
