"""The negotiation zone's pages: organizers (grid, tables, brokers, requests, the schedule button,
manual changes, announcements, PDFs), participants (agenda, requests, calendar subscription), the
public programme and the zone's now-and-next board."""
import json
from datetime import date, datetime, time

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from ..core.errors import DomainError, InvalidInput
from ..core.permissions import require
from ..core.views import of_event, perform
from ..core.timeutil import local_to_utc, now_utc
from ..events.forms import ActionForm
from ..events.views import get_event_or_404
from ..extensions import db
from ..registration.models import STATUS_APPROVED, Registration
from ..registration.services import by_token
from . import ical, outputs, scheduling, zone
from .solver import InstanceError
from .models import SESSION_KINDS, Broker, Meeting, MeetingRequest, MeetingSlot, NegotiationTable, ProgrammeSession

bp = Blueprint("meetings", __name__)


def _manage(slug):
    event = get_event_or_404(slug)
    require("event.manage", event)
    return event


def _fail(exc):
    db.session.rollback()
    flash("; ".join(exc.errors.values()) if isinstance(exc, InvalidInput) else exc.message, "error")


@bp.route("/manage/<slug>/meetings/")
@login_required
def manage(slug):
    event = _manage(slug)
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meetings = scheduling.meetings_of(event)
    grid = {(m.slot_id, m.table_id): m for m in meetings}
    return render_template("meetings/manage.html", event=event, slots=slots, tables=tables, grid=grid,
                           meetings=meetings, brokers=zone.brokers_of(event), requests=zone.requests_of(event),
                           action_form=ActionForm(), people=_people(event),
                           pending=sum(1 for m in db.session.scalars(select(Meeting).where(
                               Meeting.event_id == event.id, Meeting.sequence != Meeting.notified_sequence))))


def _people(event):
    return db.session.scalars(select(Registration).where(Registration.event_id == event.id,
                                                         Registration.status == STATUS_APPROVED)
                              .order_by(Registration.name).limit(3000)).all()


def _clock(value):
    try:
        return time.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput({"time": _("Times look like 09:00.")})


@bp.route("/manage/<slug>/meetings/grid", methods=["POST"])
@login_required
def grid(slug):
    event = _manage(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        day = date.fromisoformat(request.form.get("day", ""))
        breaks = []
        for part in (request.form.get("breaks") or "").split():
            start, _sep, end = part.partition("-")
            breaks.append((_clock(start), _clock(end)))
        created = zone.generate_slots(event, day, _clock(request.form.get("start")), _clock(request.form.get("end")),
                                      length=int(request.form.get("length") or 20), gap=int(request.form.get("gap") or 5),
                                      breaks=breaks, actor=current_user)
        count = int(request.form.get("tables") or 0)
        if count:
            zone.add_tables(event, count, zone=request.form.get("zone") or "A", actor=current_user)
        db.session.commit()
        flash(_("%(n)d slots added.", n=len(created)), "success")
    except ValueError:
        db.session.rollback()
        flash(_("Give the day as 2025-05-24 and numbers for lengths."), "error")
    except (InvalidInput, DomainError) as exc:
        _fail(exc)
    return redirect(url_for("meetings.manage", slug=slug))


@bp.route("/manage/<slug>/meetings/brokers", methods=["POST"])
@login_required
def broker(slug):
    event = _manage(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    def save():
        registration = db.session.get(Registration, request.form.get("registration", type=int) or 0)
        if registration is None:
            raise InvalidInput({"registration": _("Choose the broker.")})
        return zone.set_broker(event, registration, specialties=(request.form.get("specialties") or "").split(),
                               languages=(request.form.get("languages") or "").split(),
                               available=(request.form.get("available") or "").split(),
                               max_meetings=request.form.get("max_meetings", type=int), actor=current_user)
    perform(save, _("The broker has been saved."))
    return redirect(url_for("meetings.manage", slug=slug))


@bp.route("/manage/<slug>/meetings/requests", methods=["POST"])
@login_required
def on_behalf(slug):
    event = _manage(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    def add():
        people = [db.session.get(Registration, request.form.get(k, type=int) or 0) for k in ("from", "to")]
        if None in people:
            raise InvalidInput({"from": _("Choose both people.")})
        return zone.ask(event, people[0], people[1], topic=request.form.get("topic", ""),
                        needs_broker=bool(request.form.get("needs_broker")),
                        weight=request.form.get("weight", type=int) or 1, actor=current_user)
    perform(add, _("The request has been added."))
    return redirect(url_for("meetings.manage", slug=slug))


@bp.route("/manage/<slug>/meetings/schedule", methods=["POST"])
@login_required
def schedule(slug):
    event = _manage(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        result = scheduling.run(event, actor=current_user, time_limit=float(request.form.get("seconds") or 10))
        db.session.commit()
        flash(_("%(placed)d meetings placed, %(left)d could not be placed.", placed=len(result["meetings"]),
                left=len(result["unscheduled"])), "success")
        reasons = result.get("reasons") or {}
        for request_id in result["unscheduled"][:20]:
            flash(f"{request_id}: {reasons.get(request_id, '')}", "info")
    except InstanceError as exc:
        db.session.rollback()
        for problem in exc.problems[:20]:
            flash(f"{problem.get('entry')}: {problem.get('reason')}", "error")
    return redirect(url_for("meetings.manage", slug=slug))


@bp.route("/manage/<slug>/meetings/place", methods=["POST"])
@login_required
def place(slug):
    event = _manage(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    def put():
        meeting_request = db.session.get(MeetingRequest, request.form.get("request", type=int) or 0)
        slot = db.session.get(MeetingSlot, request.form.get("slot", type=int) or 0)
        table = db.session.get(NegotiationTable, request.form.get("table", type=int) or 0)
        broker_row = db.session.get(Broker, request.form.get("broker", type=int) or 0)
        if meeting_request is None:
            raise InvalidInput({"request": _("Choose the request.")})
        existing = db.session.get(Meeting, request.form.get("meeting", type=int) or 0)
        if existing is not None and existing.event_id == event.id:
            return scheduling.move(existing, slot, table, broker_row, actor=current_user)
        return scheduling.place(event, meeting_request, slot, table, broker_row, actor=current_user)
    perform(put, _("The meeting is on the grid."))
    return redirect(url_for("meetings.manage", slug=slug))


@bp.route("/manage/<slug>/meetings/<int:meeting_id>/cancel", methods=["POST"])
@login_required
def cancel(slug, meeting_id):
    event = _manage(slug)
    meeting = of_event(Meeting, meeting_id, event)
    if ActionForm().validate_on_submit():
        perform(lambda: scheduling.cancel(meeting, actor=current_user),
                _("The meeting has been cancelled. Announce the changes to tell the people concerned."))
    return redirect(url_for("meetings.manage", slug=slug))


@bp.route("/manage/<slug>/meetings/announce", methods=["POST"])
@login_required
def announce(slug):
    event = _manage(slug)
    if ActionForm().validate_on_submit():
        people = scheduling.announce(event, actor=current_user)
        db.session.commit()
        flash(_("%(n)d people were told about their changed meetings.", n=len(people)), "success")
    return redirect(url_for("meetings.manage", slug=slug))


@bp.route("/manage/<slug>/meetings/instance.json")
@login_required
def instance_json(slug):
    event = _manage(slug)
    response = Response(json.dumps(scheduling.build_instance(event), ensure_ascii=False, indent=1),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{event.slug}-instance.json"'
    return response


@bp.route("/manage/<slug>/meetings/<kind>.pdf")
@login_required
def pdf(slug, kind):
    event = _manage(slug)
    meetings = scheduling.meetings_of(event)
    if kind == "tables":
        body = outputs.table_cards(event, zone.tables_of(event), meetings)
    elif kind == "brokers":
        body = outputs.broker_schedules(event, zone.brokers_of(event), meetings)
    else:
        abort(404)
    return Response(body, mimetype="application/pdf")


# --- participants -----------------------------------------------------------------------------

def _participant(token):
    registration = by_token(token)
    if registration is None or registration.status != STATUS_APPROVED:
        abort(404)
    return registration


@bp.route("/r/<token>/meetings", methods=["GET", "POST"])
def agenda(token):
    registration = _participant(token)
    event = registration.event
    if request.method == "POST":
        if not ActionForm().validate_on_submit():
            abort(400)
        try:
            if request.form.get("answer") in ("accept", "decline"):
                asked = db.session.get(MeetingRequest, request.form.get("request", type=int) or 0)
                if asked is None:
                    abort(404)
                zone.respond(asked, registration, accept=request.form.get("answer") == "accept")
                flash(_("Thank you, your answer has been recorded."), "success")
            else:
                other = db.session.get(Registration, request.form.get("to", type=int) or 0)
                if other is None:
                    raise InvalidInput({"to": _("Choose whom you want to meet.")})
                zone.ask(event, registration, other, topic=request.form.get("topic", ""),
                         message=request.form.get("message", ""))
                flash(_("Your request has been sent."), "success")
            db.session.commit()
        except (InvalidInput, DomainError) as exc:
            _fail(exc)
        return redirect(url_for("meetings.agenda", token=token))
    incoming = db.session.scalars(select(MeetingRequest).where(MeetingRequest.to_registration_id == registration.id)
                                  .order_by(MeetingRequest.created_at.desc())).all()
    outgoing = db.session.scalars(select(MeetingRequest).where(MeetingRequest.from_registration_id == registration.id)
                                  .order_by(MeetingRequest.created_at.desc())).all()
    return render_template("meetings/agenda.html", event=event, registration=registration, token=token,
                           meetings=scheduling.agenda_of(registration), incoming=incoming, outgoing=outgoing,
                           people=[p for p in _people(event) if p.id != registration.id], action_form=ActionForm())


@bp.route("/r/<token>/agenda.ics")
def agenda_ics(token):
    registration = _participant(token)
    body = ical.person_calendar(registration.event, registration, scheduling.agenda_of(registration))
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


# --- public -----------------------------------------------------------------------------------

def _sessions(event):
    return db.session.scalars(select(ProgrammeSession).where(ProgrammeSession.event_id == event.id)
                              .order_by(ProgrammeSession.starts_at, ProgrammeSession.id)).all()


@bp.route("/e/<slug>/programme")
def programme(slug):
    event = get_event_or_404(slug)
    return render_template("meetings/programme.html", event=event, sessions=_sessions(event))


@bp.route("/e/<slug>/programme.ics")
def programme_ics(slug):
    event = get_event_or_404(slug)
    return Response(ical.programme_calendar(event, _sessions(event)), mimetype="text/calendar")


@bp.route("/e/<slug>/meetings/board")
def board(slug):
    """For screens in the zone: the meetings of the current slot and of the next one, by table."""
    event = get_event_or_404(slug)
    now = now_utc()
    slots = zone.slots_of(event)
    current = next((s for s in slots if s.starts_at <= now < s.ends_at), None)
    upcoming = [s for s in slots if s.starts_at > now][:1]
    shown = [s for s in [current, *upcoming] if s is not None]
    meetings = [m for m in scheduling.meetings_of(event) if m.slot_id in {s.id for s in shown}]
    return render_template("meetings/board.html", event=event, current=current, upcoming=upcoming[0] if upcoming else None,
                           meetings=meetings)


@bp.route("/manage/<slug>/meetings/sessions", methods=["POST"])
@login_required
def add_session(slug):
    event = _manage(slug)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        day = date.fromisoformat(request.form.get("day", ""))
        starts = local_to_utc(datetime.combine(day, _clock(request.form.get("start"))), event.timezone)
        ends = local_to_utc(datetime.combine(day, _clock(request.form.get("end"))), event.timezone)
        title = (request.form.get("title") or "").strip()
        if not title:
            raise InvalidInput({"title": _("Please enter a title.")})
        zone.add_session(event, kind=request.form.get("kind") if request.form.get("kind") in SESSION_KINDS else "forum",
                         title_zh=title, room=request.form.get("room", ""), starts_at=starts, ends_at=ends,
                         speakers=(request.form.get("speakers") or "").split())
        db.session.commit()
        flash(_("The session has been added to the programme."), "success")
    except ValueError:
        db.session.rollback()
        flash(_("Give the day as 2025-05-24 and numbers for lengths."), "error")
    except InvalidInput as exc:
        _fail(exc)
    return redirect(url_for("meetings.manage", slug=slug))
