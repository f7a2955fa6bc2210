"""From the database to the scheduler and back: the schedule button.

- :func:`build_instance` turns the zone into an instance (``shared/specs/meeting-instance.md``):
  accepted requests, one per pair of people (a pair whose meeting was cancelled is left out until
  an organizer re-opens its request), and as ``fixed`` every draft meeting that must stay where
  it is: announced ones, ones placed or moved by hand, ones held.
- :func:`run` solves it and writes the solver's other meetings into the draft; nobody outside the
  back office sees them until they are announced (:mod:`.publishing`). A request's meeting is
  always the same row (its calendar UID stays).
- :func:`replan` is "re-plan the rest of the day" (a job: :mod:`.jobs`): :func:`replan_instance`
  says what stays fixed then (held, started, announced to two people who are here) and where the
  others are now; the solver's ``replan`` keeps the best weight and moves as few of them as it
  can; the result goes into the draft, to be announced as usual (:mod:`.publishing`).
"""
from flask_babel import gettext as _
from sqlalchemy import delete, select, true

from ..checkin.stats import standing_for
from ..core import audit
from ..core.db import lock_row
from ..core.timeutil import to_zone
from ..extensions import db
from ..registration.models import Registration
from .models import Availability, Meeting, MeetingRequest, MeetingSeat
from .placing import put
from .solver import load_instance, solve
from .solver import replan as solver_replan
from .zone import ZoneError, brokers_of, slots_of, tables_of


def _pairs(event):
    """Accepted requests between two known people, one per pair: weight 3 when both asked. A pair
    with a cancelled request is left out (its meeting was cancelled: decisions stay)."""
    requests = db.session.scalars(select(MeetingRequest).where(
        MeetingRequest.event_id == event.id, MeetingRequest.status.in_(("accepted", "cancelled")),
        MeetingRequest.from_registration_id.is_not(None), MeetingRequest.to_registration_id.is_not(None))
        .order_by(MeetingRequest.id)).all()
    pairs = {}
    for request in requests:
        key = frozenset((request.from_registration_id, request.to_registration_id))
        pairs.setdefault(key, []).append(request)
    # the request that has the pair's meeting stands for the pair (its row, its calendar UID)
    with_meeting = set(db.session.scalars(select(Meeting.request_id).where(Meeting.event_id == event.id)))
    out = {}
    for key, group in pairs.items():
        if any(r.status == "cancelled" for r in group):
            continue
        directions = {(r.from_registration_id, r.to_registration_id) for r in group}
        representative = next((r for r in group if r.id in with_meeting), group[0])
        weight = 3 if len(directions) == 2 else max(r.weight for r in group)
        out[representative.id] = (representative, weight, any(r.needs_broker for r in group))
    return out


def standby(event) -> dict:
    """The pairs of :func:`_pairs` with no scheduled meeting in the draft nor in the published
    schedule: {representative request id: (request, weight, needs a broker)}."""
    placed = set(db.session.scalars(select(Meeting.request_id).where(
        Meeting.event_id == event.id, (Meeting.status == "scheduled") | (Meeting.published_status == "scheduled"))))
    return {rid: pair for rid, pair in _pairs(event).items() if rid not in placed}


def _kept(event):
    """Draft meetings the schedule button keeps where they are: announced (as they are in the
    draft), placed or moved by hand, or held."""
    return db.session.scalars(select(Meeting).where(
        Meeting.event_id == event.id, Meeting.status == "scheduled",
        (Meeting.published_status == "scheduled") | Meeting.pinned | Meeting.held_at.is_not(None))).all()


def build_instance(event, *, fixed=None, from_slot=None) -> dict:
    """The event's negotiation zone as a scheduler instance (``shared/specs/meeting-instance.md``).
    ``fixed``: the meetings to keep (default :func:`_kept`); ``from_slot``: only slots starting at
    or after this moment are open to the others (re-planning)."""
    tz = event.timezone
    slots = slots_of(event)
    pairs = _pairs(event)
    announced = _kept(event) if fixed is None else fixed
    for meeting in announced:  # a kept meeting stays, even if its request changed since
        pairs.setdefault(meeting.request_id, (meeting.request, meeting.request.weight, meeting.broker_id is not None))
    people = {pid for rep, _w, _b in pairs.values() for pid in (rep.from_registration_id, rep.to_registration_id)}
    registrations = {r.id: r for r in db.session.scalars(select(Registration).where(Registration.id.in_(people)))} if people else {}
    limits = {a.registration_id: a for a in db.session.scalars(select(Availability).where(Availability.registration_id.in_(people)))} if people else {}

    kept_slots = {}
    for meeting in announced:
        for reg_id in (meeting.participant_a_id, meeting.participant_b_id, f"b{meeting.broker_id}"):
            kept_slots.setdefault(reg_id, set()).add(meeting.slot.code)

    def open_slot(slot, key):
        return from_slot is None or slot.starts_at >= from_slot or slot.code in kept_slots.get(key, ())

    def participant(reg_id):
        entry = {"id": f"p{reg_id}", "org": f"o{registrations[reg_id].organisation_id}"}
        limit = limits.get(reg_id)
        if limit is not None and limit.max_meetings is not None:
            entry["max_meetings"] = limit.max_meetings
        if (limit is not None and (limit.arrives_at or limit.leaves_at)) or from_slot is not None:
            entry["available"] = [s.code for s in slots if open_slot(s, reg_id) and (
                limit is None or ((not limit.arrives_at or s.starts_at >= limit.arrives_at)
                                  and (not limit.leaves_at or s.ends_at <= limit.leaves_at)))]
        return entry

    brokers = []
    for broker in brokers_of(event):
        entry = {"id": f"b{broker.id}", "specialties": list(broker.specialties)}
        if broker.available or from_slot is not None:
            entry["available"] = [s.code for s in slots if (not broker.available or s.code in broker.available)
                                  and open_slot(s, f"b{broker.id}")]
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
    """Solve the zone again. Kept meetings (:func:`_kept`) stay as they are; the solver's other
    meetings replace the draft's. An invalid instance raises InstanceError and changes nothing.
    ``solver`` (instance, time_limit) -> schedule replaces the solver in this process (the job
    passes ``bounded.solve_within``, which keeps the time limit whatever the solver does)."""
    instance = build_instance(event)
    load_instance(instance)  # raises InstanceError(problems) before anything changes
    schedule = solver(instance, time_limit) if solver is not None else solve(instance, time_limit=time_limit)
    apply_schedule(event, schedule, {f["request"] for f in instance["fixed"]})
    audit.record(actor, "meetings.schedule", event=event, details={
        "placed": len(schedule["meetings"]), "unscheduled": len(schedule["unscheduled"]),
        "objective": schedule["objective"]})
    return schedule


def apply_schedule(event, schedule, fixed: set[str]) -> None:
    """Write a schedule into the draft. The draft's meetings not in ``fixed`` (request ids of the
    instance) come off it first: a row never published goes; a published one is cancelled in the
    draft (back where it was published, when that was as cancelled). Then each placed request gets
    its meeting, in its own row again when it has one."""
    slots = {s.code: s for s in slots_of(event)}
    tables = {t.code: t for t in tables_of(event)}
    fixed_ids = {int(r[1:]) for r in fixed}
    loose = select(Meeting.id).where(Meeting.event_id == event.id, Meeting.status == "scheduled",
                                     Meeting.request_id.not_in(fixed_ids) if fixed_ids else true())
    db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id.in_(loose)))
    db.session.execute(delete(Meeting).where(Meeting.id.in_(loose.where(Meeting.published_status.is_(None)))))
    for meeting in db.session.scalars(select(Meeting).where(Meeting.id.in_(loose))):
        meeting.status, meeting.undo, meeting.pinned = "cancelled", None, False
        if meeting.published_status == "cancelled":
            meeting.slot_id, meeting.table_id = meeting.published_slot_id, meeting.published_table_id
            meeting.broker_id = meeting.published_broker_id
    db.session.flush()
    db.session.expire_all()
    for placed in schedule["meetings"]:
        if placed["request"] in fixed:
            continue
        request = db.session.get(MeetingRequest, int(placed["request"][1:]))
        meeting = put(event, request, slots[placed["slot"]], tables[placed["table"]],
                      int(placed["broker"][1:]) if placed.get("broker") else None)
        meeting.undo = None
    db.session.flush()


def replan_instance(event, *, now, present: set[int]) -> tuple[dict, list[dict]]:
    """The zone's side of "re-plan the rest of the day" (:func:`replan`). Returns the instance, whose ``fixed`` are the
    meetings that stay: held ones, ones whose slot has started, and announced ones (as announced)
    of two people who are ``present`` (checked in); the others may move to slots that have not
    started. And where those others are now (``[{"request", "slot", "table", "broker"}]``), so that
    the solver can change as few as possible. Apply its schedule with :func:`apply_schedule`."""
    draft = db.session.scalars(select(Meeting).where(Meeting.event_id == event.id,
                                                     Meeting.status == "scheduled")).all()

    def stays(m):
        return (m.held_at is not None or m.slot.starts_at <= now or (
            m.change is None and m.published_status == "scheduled"
            and {m.participant_a_id, m.participant_b_id} <= present))
    kept = [m for m in draft if stays(m)]
    instance = build_instance(event, fixed=kept, from_slot=now)
    current = [{"request": f"r{m.request_id}", "slot": m.slot.code, "table": m.table.code,
                "broker": f"b{m.broker_id}" if m.broker_id else None} for m in draft if not stays(m)]
    return instance, current


def present_people(event) -> set[int]:
    """Who of the people with a meeting in the draft is here (checked in, not annulled)."""
    people = set()
    for a, b in db.session.execute(select(Meeting.participant_a_id, Meeting.participant_b_id).where(
            Meeting.event_id == event.id, Meeting.status == "scheduled")):
        people |= {a, b}
    return standing_for(people)


def _zone_state(event) -> tuple:
    """What a re-plan is made from, to see whether it changed while the solver worked."""
    meetings = db.session.execute(select(
        Meeting.id, Meeting.status, Meeting.slot_id, Meeting.table_id, Meeting.broker_id, Meeting.held_at,
        Meeting.published_status, Meeting.published_slot_id, Meeting.published_table_id, Meeting.published_broker_id)
        .where(Meeting.event_id == event.id).order_by(Meeting.id)).all()
    requests = db.session.execute(select(MeetingRequest.id, MeetingRequest.status, MeetingRequest.weight).where(
        MeetingRequest.event_id == event.id).order_by(MeetingRequest.id)).all()
    return tuple(map(tuple, meetings)), tuple(map(tuple, requests))


def replan(event, *, actor, now, present=None, time_limit=5.0, solver=None) -> dict:
    """Re-plan the rest of the day in the draft (module docstring). ``present``: the registrations
    here (default: checked in); ``solver`` (instance, current, time_limit) -> schedule replaces the
    solver in this process (the job passes ``bounded.replan_within``). An invalid instance raises
    InstanceError, and meetings changed while the solver worked raise ZoneError("changed"); either
    way nothing changes. Returns the schedule, with ``moved``, ``dropped`` and
    ``added`` (request ids) beside the usual keys."""
    present = present_people(event) if present is None else set(present)
    before = _zone_state(event)
    instance, current = replan_instance(event, now=now, present=present)
    load_instance(instance)  # raises InstanceError(problems) before anything changes
    if solver is not None:
        schedule = solver(instance, current, time_limit)
    else:
        schedule = solver_replan(instance, current, time_limit=time_limit)
    # the board goes on while the solver works (a host marks a meeting held, a standby request
    # takes a freed table): the plan is written only if nothing it was made from has changed
    lock_row("events", event.id)
    if _zone_state(event) != before:
        raise ZoneError("changed", _("Meetings changed while the rest of the day was being re-planned (a mark, a move "
                                     "or a placement): nothing was written; re-plan again."), status=409)
    apply_schedule(event, schedule, {f["request"] for f in instance["fixed"]})
    audit.record(actor, "meetings.replan", event=event, details={
        "kept": len(instance["fixed"]), "moved": len(schedule.get("moved", ())),
        "dropped": len(schedule.get("dropped", ())), "added": len(schedule.get("added", ())),
        "placed": len(schedule["meetings"]), "objective": schedule["objective"],
        "baseline": schedule.get("baseline"), "present": len(present)})
    return schedule
