"""The negotiation zone's pages for organizers: the grid (the draft, by day and zone), the changes
not announced yet, tables, brokers, requests, the schedule button, placing, moving and
cancelling by hand, announcing, a participant's agenda, PDFs; and the public programme. The
board of the day is :mod:`.views_day`, the participants' pages :mod:`.views_participant`."""
import json
from datetime import date, datetime, time

from flask import Response, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..core.errors import InvalidInput
from ..core.forms import ActionForm
from ..core.timeutil import local_to_utc, now_utc, to_zone
from ..core.urls import safe_next
from ..core.views import download, event_view, of_event, perform
from ..jobs import services as jobs
from ..registration.models import Registration
from . import jobs as meeting_jobs
from . import ical, links, outputs, pickers, placing, publishing, scheduling, views_day, views_participant, zone  # noqa: F401
from .blueprint import bp
from .models import CANCEL_REASONS, SESSION_KINDS, Meeting, MeetingRequest

__all__ = ["bp"]


# --- the zone's page ----------------------------------------------------------------------------

def _days(event, slots):
    days = []
    for slot in slots:
        day = to_zone(slot.starts_at, event.timezone).date()
        if day not in days:
            days.append(day)
    return days


def _manage_page(event, form=None, status=200):
    """The zone's page; ``form``: a submitted form to show again (a picker's search without
    JavaScript, or an error), with its pickers' matches."""
    form = form if form is not None else request.args
    args = request.args
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    days = _days(event, slots)
    day = _parse_day(args.get("day")) or (days[0] if days else None)
    if day not in days and days:
        day = days[0]
    zones = sorted({t.zone for t in tables})
    chosen_zone = args.get("zone") if args.get("zone") in zones else ""
    day_slots = [s for s in slots if to_zone(s.starts_at, event.timezone).date() == day]
    shown_tables = [t for t in tables if not chosen_zone or t.zone == chosen_zone]
    meetings = placing.meetings_of(event, slot_ids=[s.id for s in day_slots])
    changes = {m.id: m for m in publishing.changes_of(event, limit=200)}
    for meeting in publishing.undoable_of(event):
        changes.setdefault(meeting.id, meeting)
    requests_q, requests_status = (args.get("rq") or "").strip()[:100], args.get("rstatus") or ""
    if requests_q:
        listed = zone.find_requests(event, requests_q, statuses=tuple(
            [requests_status] if requests_status in ("new", "accepted", "declined", "cancelled")
            else ("new", "accepted", "declined", "cancelled")), limit=100)
    else:
        listed = zone.requests_of(event, status=requests_status or None, limit=100)
    settings = zone.settings_of(event)
    body = render_template(
        "meetings/manage.html", event=event, slots=slots, tables=tables, days=days, day=day, zones=zones,
        chosen_zone=chosen_zone, day_slots=day_slots, shown_tables=shown_tables,
        grid={(m.slot_id, m.table_id): m for m in meetings}, placed=placing.count_scheduled(event),
        changes=sorted(changes.values(), key=lambda m: (m.slot.starts_at, m.table.code)),
        change_counts=publishing.change_counts(event),
        brokers=zone.brokers_of(event), listed=listed, requests_q=requests_q, requests_status=requests_status,
        request_count=zone.count_requests(event), action_form=ActionForm(), form=form,
        pending=publishing.pending_announcements(event), settings=settings,
        optin_questions=zone.optin_questions(event), session_kinds=SESSION_KINDS, cancel_reasons=CANCEL_REASONS,
        pick_from=pickers.people_picker(event, form, "from", staff=True),
        pick_to=pickers.people_picker(event, form, "to", staff=True),
        pick_broker=pickers.people_picker(event, form, "registration", staff=True, category="broker"),
        pick_request=pickers.request_picker(event, form, "request"),
        pick_person=pickers.people_picker(event, args, "person", staff=True),
        preselect={"slot": _int(form.get("slot")), "table": _int(form.get("table"))})
    return body, status


def _parse_day(value):
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _back(event):
    """Back to the zone's page, keeping its day and zone filters."""
    args = {k: v for k, v in (("day", request.form.get("day_shown")), ("zone", request.form.get("zone_shown"))) if v}
    return redirect(url_for("meetings.manage", slug=event.slug, **args))


def _searching() -> bool:
    """A picker's search was submitted without JavaScript: show the matches, change nothing."""
    return bool(request.form.get("find"))


@bp.route("/manage/<slug>/meetings/")
@event_view("event.manage")
def manage(event):
    return _manage_page(event)


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


@bp.route("/manage/<slug>/meetings/settings", methods=["POST"])
@event_view("event.manage")
def settings(event):
    minutes = request.form.get("at_risk_minutes", "").strip()
    perform(lambda: zone.save_settings(event, optin_question_id=_id("optin_question"),
                                       at_risk_minutes=int(minutes) if minutes.isdigit() else -1, actor=current_user),
            _("The zone's settings have been saved."))
    return redirect(url_for("meetings.manage", slug=event.slug) + "#settings")


@bp.route("/manage/<slug>/meetings/brokers", methods=["POST"])
@event_view("event.manage")
def broker(event):
    if _searching():
        return _manage_page(event, request.form)
    form = request.form
    done = perform(lambda: zone.set_broker(
        event, zone.person(event, _id("registration"), field="registration", message=_("Choose the broker.")),
        specialties=(form.get("specialties") or "").split(), languages=(form.get("languages") or "").split(),
        available=(form.get("available") or "").split(), max_meetings=form.get("max_meetings", type=int),
        actor=current_user), _("The broker has been saved."))
    if not done:
        return _manage_page(event, request.form, 400)
    return _back(event)


@bp.route("/manage/<slug>/meetings/requests", methods=["POST"])
@event_view("event.manage")
def on_behalf(event):
    if _searching():
        return _manage_page(event, request.form)

    def add():
        people = [zone.person(event, _id(key), field=key, message=_("Choose both people.")) for key in ("from", "to")]
        return zone.ask(event, *people, topic=request.form.get("topic", ""),
                        needs_broker=bool(request.form.get("needs_broker")),
                        weight=request.form.get("weight", type=int) or 1, actor=current_user)
    if not perform(add, _("The request has been added.")):
        return _manage_page(event, request.form, 400)
    return _back(event)


@bp.route("/manage/<slug>/meetings/requests/<int:request_id>/reopen", methods=["POST"])
@event_view("event.manage")
def reopen(event, request_id):
    meeting_request = of_event(MeetingRequest, request_id, event)
    perform(lambda: placing.reopen(meeting_request, actor=current_user),
            _("The request is open again: the next schedule run may place it, or place it by hand."))
    return redirect(safe_next(request.form.get("next")) or url_for("meetings.manage", slug=event.slug) + "#requests")


@bp.route("/manage/<slug>/meetings/schedule", methods=["POST"])
@event_view("event.manage")
def schedule(event):
    """The scheduler runs as a job (one per event at a time), under its time limit."""
    return _solver_job(event, meeting_jobs.SCHEDULE, {"time_limit": meeting_jobs.seconds_from(request.form.get("seconds"))})


def _solver_job(event, kind, params):
    """Start the scheduler's job (one solver job per event at a time: pressing again while it runs
    leads to the running one) and go to its page."""
    done = perform(lambda: jobs.start(event, kind.name, params, actor=current_user, dedupe_key=f"schedule:{event.id}"))
    if not done:
        return redirect(url_for("meetings.manage", slug=event.slug))
    return redirect(url_for("jobs.show", slug=event.slug, job_id=done.value.id))


@bp.route("/manage/<slug>/meetings/replan", methods=["POST"])
@event_view("event.manage")
def replan(event):
    """Re-plan the rest of the day (a job): held, started and announced meetings of people who are
    here stay; the others move as little as possible. The result is a draft to announce."""
    return _solver_job(event, meeting_jobs.REPLAN, {})


@bp.route("/manage/<slug>/meetings/place", methods=["POST"])
@event_view("event.manage")
def place(event):
    if _searching():
        return _manage_page(event, request.form)
    done = perform(lambda: placing.place_or_move(event, request_id=_id("request"), slot_id=_id("slot"),
                                                 table_id=_id("table"), broker_id=_id("broker"),
                                                 meeting_id=_id("meeting"), actor=current_user),
                   _("The meeting is on the grid (draft): announce the changes to tell the people concerned."))
    if not done:
        return _manage_page(event, request.form, 400)
    return _back(event)


@bp.route("/manage/<slug>/meetings/announce", methods=["POST"])
@event_view("event.manage")
def announce(event):
    perform(lambda: publishing.announce(event, actor=current_user),
            lambda people: _("The schedule is published; %(n)d people were told about their changed meetings.",
                             n=len(people)))
    return _back(event)


# --- one meeting --------------------------------------------------------------------------------

@bp.route("/manage/<slug>/meetings/<int:meeting_id>")
@event_view("event.manage")
def meeting(event, meeting_id):
    """One meeting: its draft and published versions; move, cancel (with a reason), undo."""
    row = of_event(Meeting, meeting_id, event)
    return render_template("meetings/meeting.html", event=event, meeting=row, slots=zone.slots_of(event),
                           tables=zone.tables_of(event), brokers=zone.brokers_of(event), action_form=ActionForm(),
                           cancel_reasons=CANCEL_REASONS)


@bp.route("/manage/<slug>/meetings/<int:meeting_id>/move", methods=["POST"])
@event_view("event.manage")
def move(event, meeting_id):
    row = of_event(Meeting, meeting_id, event)
    perform(lambda: placing.place_or_move(event, request_id=None, slot_id=_id("slot"), table_id=_id("table"),
                                          broker_id=_id("broker"), meeting_id=row.id, actor=current_user),
            _("The meeting has been moved (draft): announce the changes to tell the people concerned."))
    return redirect(url_for("meetings.meeting", slug=event.slug, meeting_id=row.id))


@bp.route("/manage/<slug>/meetings/<int:meeting_id>/cancel", methods=["POST"])
@event_view("event.manage")
def cancel(event, meeting_id):
    row = of_event(Meeting, meeting_id, event)
    done = perform(lambda: placing.cancel(row, reason=request.form.get("reason"), actor=current_user),
                   _("The meeting has been cancelled (draft); its request will not be scheduled again unless "
                     "you re-open it. Undo it below, or announce the changes to tell the people concerned."))
    return redirect(url_for("meetings.meeting", slug=event.slug, meeting_id=row.id) + ("" if done else "#cancel"))


@bp.route("/manage/<slug>/meetings/<int:meeting_id>/undo", methods=["POST"])
@event_view("event.manage")
def undo(event, meeting_id):
    row = of_event(Meeting, meeting_id, event)
    done = perform(lambda: placing.undo(row, actor=current_user), _("The change has been undone."))
    if done and done.value is not None and request.form.get("back") != "zone":
        return redirect(url_for("meetings.meeting", slug=event.slug, meeting_id=row.id))
    return redirect(url_for("meetings.manage", slug=event.slug, changes=1) + "#changes")


# --- people -------------------------------------------------------------------------------------

@bp.route("/manage/<slug>/meetings/people/<int:registration_id>")
@event_view("event.manage")
def person(event, registration_id):
    """A participant's negotiations as organizers see them: the published agenda, the draft, their
    requests, and their meetings link to pass on."""
    registration = of_event(Registration, registration_id, event)
    return render_template("meetings/person.html", event=event, registration=registration,
                           published=publishing.agenda_of(registration),
                           draft=publishing.draft_agenda_of(registration),
                           incoming=zone.requests_to(registration), outgoing=zone.requests_from(registration),
                           link=links.agenda_url(registration) if registration.status == "approved" else None,
                           takes_part=zone.takes_part(registration), action_form=ActionForm())


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/manage/<slug>/meetings/find/people")
@event_view("event.manage")
def find_people(event):
    category = request.args.get("category") or None
    return _no_store(pickers.as_json([pickers.person_option(p, staff=True) for p in zone.find_people(
        event, request.args.get("q", ""), staff=True, category=category)]))


@bp.route("/manage/<slug>/meetings/find/requests")
@event_view("event.manage")
def find_requests(event):
    return _no_store(pickers.as_json([pickers.request_option(r) for r in zone.find_requests(
        event, request.args.get("q", ""))]))


# --- files --------------------------------------------------------------------------------------

@bp.route("/manage/<slug>/meetings/instance.json")
@event_view("event.manage")
def instance_json(event):
    return download(json.dumps(scheduling.build_instance(event), ensure_ascii=False, indent=1),
                    f"{event.slug}-instance.json")


@bp.route("/manage/<slug>/meetings/<kind>.pdf")
@event_view("event.manage")
def pdf(event, kind):
    meetings = publishing.published_meetings_of(event)
    if kind == "tables":
        body = outputs.table_cards(event, zone.tables_of(event), meetings, printed_at=now_utc())
    elif kind == "brokers":
        body = outputs.broker_schedules(event, zone.brokers_of(event), meetings, printed_at=now_utc())
    else:
        abort(404)
    return download(body, f"{event.slug}-{kind}.pdf", inline=True)


# --- the programme ------------------------------------------------------------------------------

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


@bp.route("/e/<slug>/programme")
@event_view(public=True)
def programme(event):
    return render_template("meetings/programme.html", event=event, sessions=zone.sessions_of(event))


@bp.route("/e/<slug>/programme.ics")
@event_view(public=True)
def programme_ics(event):
    return Response(ical.programme_calendar(event, zone.sessions_of(event)), mimetype="text/calendar")
