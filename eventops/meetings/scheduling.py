"""From the database to the scheduler and back: build the instance (spec format), apply the
schedule, change meetings by hand with conflict checks, announce changes."""
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, or_, select
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.errors import InvalidInput
from ..core.mail import send_mail
from ..core.timeutil import now_utc, to_zone
from ..extensions import db
from ..registration.models import Registration
from .models import Availability, Broker, Meeting, MeetingRequest, MeetingSeat, MeetingSlot, NegotiationTable
from .solver import load_instance, solve
from .zone import ZoneError, brokers_of, of_event, slots_of, tables_of


def _pairs(event):
    """Accepted requests between two known people, one per pair: weight 3 when both asked."""
    requests = db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status == "accepted",
        MeetingRequest.from_registration_id.is_not(None), MeetingRequest.to_registration_id.is_not(None))
        .order_by(MeetingRequest.id)).all()
    pairs = {}
    for request in requests:
        key = frozenset((request.from_registration_id, request.to_registration_id))
        pairs.setdefault(key, []).append(request)
    out = {}
    for key, group in pairs.items():
        directions = {(r.from_registration_id, r.to_registration_id) for r in group}
        representative = group[0]
        weight = 3 if len(directions) == 2 else max(r.weight for r in group)
        out[representative.id] = (representative, weight, any(r.needs_broker for r in group))
    return out


def build_instance(event) -> dict:
    """The event's negotiation zone as a scheduler instance (``shared/specs/meeting-instance.md``)."""
    tz = event.timezone
    slots = slots_of(event)
    pairs = _pairs(event)
    announced = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id, Meeting.status == "scheduled",
                                                         Meeting.notified_sequence >= 0)).all()
    for meeting in announced:  # an announced meeting stays, even if its request changed since
        pairs.setdefault(meeting.request_id, (meeting.request, meeting.request.weight, meeting.broker_id is not None))
    people = {pid for rep, _w, _b in pairs.values() for pid in (rep.from_registration_id, rep.to_registration_id)}
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(Registration.id.in_(people)))} if people else {}
    limits = {a.registration_id: a for a in db.session.scalars(select(Availability).where(Availability.registration_id.in_(people)))} if people else {}

    def participant(reg_id):
        entry = {"id": f"p{reg_id}", "org": f"o{registrations[reg_id].organisation_id}"}
        limit = limits.get(reg_id)
        if limit is not None:
            if limit.arrives_at or limit.leaves_at:
                entry["available"] = [s.code for s in slots if (not limit.arrives_at or s.starts_at >= limit.arrives_at)
                                      and (not limit.leaves_at or s.ends_at <= limit.leaves_at)]
            if limit.max_meetings is not None:
                entry["max_meetings"] = limit.max_meetings
        return entry

    brokers = []
    for broker in brokers_of(event):
        entry = {"id": f"b{broker.id}", "specialties": list(broker.specialties)}
        if broker.available:
            entry["available"] = [code for code in broker.available if code in {s.code for s in slots}]
        if broker.max_meetings is not None:
            entry["max_meetings"] = broker.max_meetings
        brokers.append(entry)
    return {
        "slots": [{"id": s.code, "start": to_zone(s.starts_at, tz).isoformat(), "end": to_zone(s.ends_at, tz).isoformat()}
                  for s in slots],
        "tables": [{"id": t.code, "zone": t.zone} for t in tables_of(event)],
        "participants": [participant(pid) for pid in sorted(people)],
        "brokers": brokers,
        "requests": [{"id": f"r{rep.id}", "from": f"p{rep.from_registration_id}", "to": f"p{rep.to_registration_id}",
                      "weight": weight, "topic": rep.topic or "", "needs_broker": needs}
                     for rep, weight, needs in pairs.values()],
        "fixed": [{"request": f"r{m.request_id}", "slot": m.slot.code, "table": m.table.code,
                   "broker": f"b{m.broker_id}" if m.broker_id else None} for m in announced],
    }


def run(event, *, actor, time_limit=10.0, solver=None) -> dict:
    """Solve the zone again. Announced meetings stay as they are; meetings nobody was told about
    yet are replaced. An invalid instance raises InstanceError and changes nothing. ``solver``
    (instance, time_limit) -> schedule replaces the solver in this process (the job passes
    ``bounded.solve_within``, which keeps the time limit whatever the solver does)."""
    instance = build_instance(event)
    load_instance(instance)  # raises InstanceError(problems) before anything changes
    schedule = (solver or solve)(instance, time_limit)
    fixed = {f["request"] for f in instance["fixed"]}
    drafts = select(Meeting.id).where(Meeting.event_id == event.id, Meeting.status == "scheduled",
                                      Meeting.notified_sequence < 0)
    db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id.in_(drafts)))
    db.session.execute(delete(Meeting).where(Meeting.id.in_(drafts)))
    slots = {s.code: s for s in slots_of(event)}
    tables = {t.code: t for t in tables_of(event)}
    for placed in schedule["meetings"]:
        if placed["request"] in fixed:
            continue
        request = db.session.get(MeetingRequest, int(placed["request"][1:]))
        _create(event, request, slots[placed["slot"]], tables[placed["table"]],
                int(placed["broker"][1:]) if placed.get("broker") else None)
    db.session.flush()
    audit.record(actor, "meetings.schedule", event=event, details={
        "placed": len(schedule["meetings"]), "unscheduled": len(schedule["unscheduled"]),
        "objective": schedule["objective"]})
    return schedule


def _create(event, request, slot, table, broker_id) -> Meeting:
    meeting = Meeting(event_id=event.id, request_id=request.id, participant_a_id=request.from_registration_id,
                      participant_b_id=request.to_registration_id, slot_id=slot.id, table_id=table.id,
                      broker_id=broker_id, status="scheduled", sequence=0, notified_sequence=-1, updated_at=now_utc())
    db.session.add(meeting)
    db.session.flush()
    _seat(meeting)
    return meeting


def _seat(meeting):
    db.session.add_all([MeetingSeat(meeting_id=meeting.id, slot_id=meeting.slot_id, registration_id=r)
                        for r in (meeting.participant_a_id, meeting.participant_b_id)])
    db.session.flush()


def _conflicts(event, request, slot, table, broker, ignore=None) -> list[str]:
    """Every rule a meeting at (slot, table, broker) would break, in words."""
    problems = []
    people = (request.from_registration_id, request.to_registration_id)
    busy = select(MeetingSeat.registration_id).join(Meeting).where(
        MeetingSeat.slot_id == slot.id, MeetingSeat.registration_id.in_(people))
    if ignore is not None:
        busy = busy.where(Meeting.id != ignore.id)
    for reg_id in db.session.scalars(busy):
        problems.append(_("%(name)s already has a meeting in this slot.", name=db.session.get(Registration, reg_id).name))
    taken = select(Meeting.id).where(Meeting.slot_id == slot.id, Meeting.table_id == table.id, Meeting.status == "scheduled")
    if ignore is not None:
        taken = taken.where(Meeting.id != ignore.id)
    if db.session.scalar(taken):
        problems.append(_("Table %(code)s is taken in this slot.", code=table.code))
    for reg_id in people:
        limit = db.session.get(Availability, reg_id)
        if limit and ((limit.arrives_at and slot.starts_at < limit.arrives_at) or (limit.leaves_at and slot.ends_at > limit.leaves_at)):
            problems.append(_("%(name)s is not there at that time.", name=db.session.get(Registration, reg_id).name))
    if request.needs_broker:
        if broker is None:
            problems.append(_("This meeting needs a broker."))
        else:
            if request.topic and request.topic not in broker.specialties:
                problems.append(_("The broker's specialties do not cover %(topic)s.", topic=request.topic))
            if broker.available and slot.code not in broker.available:
                problems.append(_("The broker is not available in this slot."))
            booked = select(Meeting.id).where(Meeting.slot_id == slot.id, Meeting.broker_id == broker.id,
                                              Meeting.status == "scheduled")
            if ignore is not None:
                booked = booked.where(Meeting.id != ignore.id)
            if db.session.scalar(booked):
                problems.append(_("The broker already has a meeting in this slot."))
    elif broker is not None:
        problems.append(_("This meeting needs no broker."))
    return problems


def _check(event, request, slot, table, broker, ignore=None):
    for thing in (slot, table):
        if thing is None or thing.event_id != event.id:
            raise ZoneError("not_found", _("No such slot or table in this event."), status=404)
    problems = _conflicts(event, request, slot, table, broker, ignore)
    if problems:
        raise ZoneError("conflict", " ".join(problems), status=409)


def place(event, request, slot, table, broker=None, *, actor) -> Meeting:
    """An organizer puts a meeting on the grid by hand."""
    if request.event_id != event.id or not request.from_registration_id or not request.to_registration_id:
        raise ZoneError("not_found", _("No such request in this event."), status=404)
    if db.session.scalar(select(Meeting.id).where(Meeting.request_id == request.id, Meeting.status == "scheduled")):
        raise ZoneError("conflict", _("This request already has a meeting."), status=409)
    _check(event, request, slot, table, broker)
    try:
        with db.session.begin_nested():
            meeting = _create(event, request, slot, table, getattr(broker, "id", None))
    except IntegrityError:
        # someone booked the same table, person or broker at the same moment: the database said no
        raise ZoneError("conflict", _("Someone else has just booked this table, person or broker in this slot."), status=409)
    audit.record(actor, "meetings.place", meeting, event=event, details={"slot": slot.code, "table": table.code})
    return meeting


def move(meeting, slot, table, broker=None, *, actor) -> Meeting:
    event = meeting.event
    _check(event, meeting.request, slot, table, broker, ignore=meeting)
    try:
        with db.session.begin_nested():
            db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id))
            meeting.slot_id, meeting.table_id, meeting.broker_id = slot.id, table.id, getattr(broker, "id", None)
            meeting.sequence += 1
            meeting.updated_at = now_utc()
            db.session.flush()
            _seat(meeting)
    except IntegrityError:
        raise ZoneError("conflict", _("Someone else has just booked this table, person or broker in this slot."), status=409)
    db.session.refresh(meeting)
    audit.record(actor, "meetings.move", meeting, event=event, details={"slot": slot.code, "table": table.code})
    return meeting


def place_or_move(event, *, request_id, slot_id, table_id, broker_id=None, meeting_id=None, actor) -> Meeting:
    """An organizer puts a request on the grid (or moves its meeting) at a slot and table chosen
    by id; the same checks as :func:`place` and :func:`move`."""
    slot, table = of_event(MeetingSlot, slot_id, event), of_event(NegotiationTable, table_id, event)
    broker = of_event(Broker, broker_id, event)
    existing = of_event(Meeting, meeting_id, event)
    if existing is not None:
        return move(existing, slot, table, broker, actor=actor)
    meeting_request = of_event(MeetingRequest, request_id, event)
    if meeting_request is None:
        raise InvalidInput({"request": _("Choose the request.")})
    return place(event, meeting_request, slot, table, broker, actor=actor)


def pending_announcements(event) -> int:
    """Meetings changed since they were last announced."""
    return db.session.scalar(select(func.count()).select_from(Meeting).where(
        Meeting.event_id == event.id, Meeting.sequence != Meeting.notified_sequence))


def cancel(meeting, *, actor=None) -> Meeting:
    if meeting.status == "cancelled":
        raise ZoneError("cancelled", _("This meeting is already cancelled."))
    meeting.status = "cancelled"
    meeting.sequence += 1
    meeting.updated_at = now_utc()
    db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id))
    db.session.flush()
    if actor is not None:
        audit.record(actor, "meetings.cancel", meeting, event=meeting.event)
    return meeting


def announce(event, *, actor) -> set[int]:
    """Tell people about their new, moved or cancelled meetings — only those whose meetings changed
    since they were last told. Returns the ids of the people written to."""
    changed = db.session.scalars(select(Meeting).where(
        Meeting.event_id == event.id, Meeting.sequence != Meeting.notified_sequence,
        or_(Meeting.status == "scheduled", Meeting.notified_sequence >= 0))).all()
    per_person = {}
    for meeting in changed:
        for person in (meeting.participant_a, meeting.participant_b):
            per_person.setdefault(person.id, (person, []))[1].append(meeting)
        meeting.notified_sequence = meeting.sequence
    for person, meetings in per_person.values():
        with force_locale(person.locale or "zh"):
            lines = [_line(event, person, m) for m in sorted(meetings, key=lambda m: m.slot.starts_at)]
            send_mail(person.email, _("[%(event)s] Your negotiation schedule changed", event=event.name),
                      "\n".join([_("Dear %(name)s,", name=person.name), "", *lines]), event=event)
    db.session.flush()
    audit.record(actor, "meetings.announce", event=event, details={"meetings": len(changed), "people": len(per_person)})
    return set(per_person)


def _line(event, person, meeting):
    other = meeting.participant_b if meeting.participant_a_id == person.id else meeting.participant_a
    when = to_zone(meeting.slot.starts_at, event.timezone).strftime("%m-%d %H:%M")
    if meeting.status == "cancelled":
        return _("Cancelled: %(when)s with %(other)s", when=when, other=f"{other.name}（{other.organisation.name}）")
    return _("%(when)s, table %(table)s: %(other)s", when=when, table=meeting.table.code,
             other=f"{other.name}（{other.organisation.name}）")


def agenda_of(registration):
    """A person's meetings (cancelled ones too, once they had been announced), by time."""
    return db.session.scalars(select(Meeting).join(MeetingSlot).where(
        or_(Meeting.participant_a_id == registration.id, Meeting.participant_b_id == registration.id),
        or_(Meeting.status == "scheduled", Meeting.notified_sequence >= 0)).order_by(MeetingSlot.starts_at)).all()


def meetings_of(event):
    return db.session.scalars(select(Meeting).join(MeetingSlot).where(Meeting.event_id == event.id,
                                                                      Meeting.status == "scheduled")
                              .order_by(MeetingSlot.starts_at, Meeting.table_id)).all()
