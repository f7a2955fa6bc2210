"""Changing the draft by hand: place a request, move a meeting, cancel it with a reason, undo the
last change while it is a draft, re-open a cancelled request.

Rules:

- Every change is to the draft; nobody outside the back office sees it until it is announced
  (:mod:`.publishing`).
- A meeting placed or moved by hand is *pinned*: the schedule button keeps it where it is.
- A cancellation needs a reason (:data:`~.models.CANCEL_REASONS`). It also cancels the meeting's
  request, so the schedule button does not place the pair again (nor can the participants ask
  each other again) until an organizer re-opens the request.
- Undo puts back the draft as it was before the last change by hand (the cancelled request
  too), as long as that change has not been announced; it is refused when the place has been
  taken since.
- The database refuses a table, a broker or a person twice in one slot (partial unique indexes,
  MeetingSeat), so two organizers changing the grid at the same moment cannot double-book.

Services flush; callers commit."""
from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ..core import audit
from ..core.errors import InvalidInput
from ..core.timeutil import now_utc
from ..extensions import db
from ..registration.models import Registration
from .models import CANCEL_REASONS, Availability, Broker, Meeting, MeetingRequest, MeetingSeat, MeetingSlot, NegotiationTable
from .zone import ZoneError, of_event


def _race() -> str:
    # someone booked the same table, person or broker at the same moment: the database said no
    return _("Someone else has just booked this table, person or broker in this slot.")


def meetings_of(event, *, slot_ids=None):
    """The draft's scheduled meetings (in these slots), by time and table (the grid)."""
    query = select(Meeting).join(MeetingSlot, Meeting.slot_id == MeetingSlot.id).where(
        Meeting.event_id == event.id, Meeting.status == "scheduled")
    if slot_ids is not None:
        query = query.where(Meeting.slot_id.in_(slot_ids)).options(
            selectinload(Meeting.participant_a), selectinload(Meeting.participant_b), selectinload(Meeting.broker))
    return db.session.scalars(query.order_by(MeetingSlot.starts_at, Meeting.table_id)).all()


def count_scheduled(event) -> int:
    return db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.event_id == event.id,
                                                                             Meeting.status == "scheduled"))


def meeting_of_request(request) -> Meeting | None:
    return db.session.scalar(select(Meeting).where(Meeting.request_id == request.id))


# --- seats and rows -------------------------------------------------------------------------------

def seat(meeting):
    """The two seats of a scheduled draft meeting (one person, one slot: MeetingSeat)."""
    db.session.add_all([MeetingSeat(meeting_id=meeting.id, slot_id=meeting.slot_id, registration_id=r)
                        for r in (meeting.participant_a_id, meeting.participant_b_id)])
    db.session.flush()


def unseat(meeting):
    db.session.execute(delete(MeetingSeat).where(MeetingSeat.meeting_id == meeting.id))


def put(event, request, slot, table, broker_id, *, pinned=False) -> Meeting:
    """The request's meeting, scheduled in the draft at (slot, table, broker): its row when it has
    one (a meeting cancelled before keeps its calendar UID), else a new row. Seats included."""
    slot_id, table_id = slot.id, table.id  # loaded before a new row joins the session (autoflush)
    meeting = meeting_of_request(request)
    if meeting is None:
        meeting = Meeting(event_id=event.id, request_id=request.id, participant_a_id=request.from_registration_id,
                          participant_b_id=request.to_registration_id, sequence=0)
    else:
        unseat(meeting)
    meeting.status = "scheduled"  # cancel_reason stays: it is the published cancellation's, if any
    meeting.slot_id, meeting.table_id, meeting.broker_id = slot_id, table_id, broker_id
    meeting.pinned = pinned
    meeting.updated_at = now_utc()
    db.session.add(meeting)
    db.session.flush()
    seat(meeting)
    return meeting


def _snapshot(meeting) -> dict:
    return {"status": meeting.status, "slot_id": meeting.slot_id, "table_id": meeting.table_id,
            "broker_id": meeting.broker_id, "cancel_reason": meeting.cancel_reason, "pinned": meeting.pinned,
            "request_status": meeting.request.status, "request_reason": meeting.request.cancel_reason}


# --- rules ----------------------------------------------------------------------------------------

def conflicts(event, request, slot, table, broker, ignore=None) -> list[str]:
    """Every rule a draft meeting of ``request`` at (slot, table, broker) would break, in words."""
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
    if broker is not None and broker.event_id != event.id:
        raise ZoneError("not_found", _("No such broker in this event."), status=404)
    problems = conflicts(event, request, slot, table, broker, ignore)
    if problems:
        raise ZoneError("conflict", " ".join(problems), status=409)


# --- changes by hand ----------------------------------------------------------------------------

def place(event, request, slot, table, broker=None, *, actor) -> Meeting:
    """An organizer puts an accepted request on the grid by hand (pinned)."""
    if request.event_id != event.id or not request.from_registration_id or not request.to_registration_id:
        raise ZoneError("not_found", _("No such request in this event."), status=404)
    if request.status == "cancelled":
        raise ZoneError("cancelled", _("This request's meeting was cancelled: re-open the request first."), status=409)
    if request.status != "accepted":
        raise ZoneError("not_accepted", _("Only an accepted request can be placed."), status=409)
    existing = meeting_of_request(request)
    if existing is not None and existing.status == "scheduled":
        raise ZoneError("conflict", _("This request already has a meeting."), status=409)
    _check(event, request, slot, table, broker)
    before = _snapshot(existing) if existing is not None else {"created": True}
    try:
        with db.session.begin_nested():
            meeting = put(event, request, slot, table, getattr(broker, "id", None), pinned=True)
    except IntegrityError:
        raise ZoneError("conflict", _race(), status=409)
    meeting.undo = before
    audit.record(actor, "meetings.place", meeting, event=event, details={"slot": slot.code, "table": table.code})
    return meeting


def move(meeting, slot, table, broker=None, *, actor) -> Meeting:
    """An organizer moves a draft meeting to another slot, table or broker (pinned)."""
    event = meeting.event
    if meeting.status != "scheduled":
        raise ZoneError("cancelled", _("This meeting is cancelled; undo the cancellation or re-open its request."),
                        status=409)
    _check(event, meeting.request, slot, table, broker, ignore=meeting)
    before = _snapshot(meeting)
    try:
        with db.session.begin_nested():
            unseat(meeting)
            meeting.slot_id, meeting.table_id, meeting.broker_id = slot.id, table.id, getattr(broker, "id", None)
            meeting.pinned = True
            meeting.updated_at = now_utc()
            db.session.flush()
            seat(meeting)
    except IntegrityError:
        raise ZoneError("conflict", _race(), status=409)
    db.session.refresh(meeting)
    meeting.undo = before
    audit.record(actor, "meetings.move", meeting, event=event, details={"slot": slot.code, "table": table.code})
    return meeting


def place_or_move(event, *, request_id, slot_id, table_id, broker_id=None, meeting_id=None, actor) -> Meeting:
    """An organizer puts a request on the grid (or moves its meeting) at a slot and table chosen
    by id; the same checks as :func:`place` and :func:`move`."""
    slot, table = of_event(MeetingSlot, slot_id, event), of_event(NegotiationTable, table_id, event)
    broker = of_event(Broker, broker_id, event)
    if slot is None:
        raise InvalidInput({"slot": _("Choose the slot.")})
    if table is None:
        raise InvalidInput({"table": _("Choose the table.")})
    existing = of_event(Meeting, meeting_id, event)
    if existing is not None:
        return move(existing, slot, table, broker, actor=actor)
    meeting_request = of_event(MeetingRequest, request_id, event)
    if meeting_request is None:
        raise InvalidInput({"request": _("Choose the request.")})
    return place(event, meeting_request, slot, table, broker, actor=actor)


def cancel(meeting, *, reason, actor) -> Meeting:
    """Cancel a draft meeting for a reason; its request is cancelled with it (not scheduled again
    until re-opened). Announcing tells the two people, if they had been told of the meeting."""
    if reason not in CANCEL_REASONS:
        raise InvalidInput({"reason": _("Choose why the meeting is cancelled.")})
    if meeting.status == "cancelled":
        raise ZoneError("cancelled", _("This meeting is already cancelled."))
    before = _snapshot(meeting)
    now = now_utc()
    meeting.status, meeting.cancel_reason, meeting.updated_at = "cancelled", reason, now
    unseat(meeting)
    request = meeting.request
    request.status, request.cancel_reason, request.cancelled_at = "cancelled", reason, now
    meeting.undo = before
    db.session.flush()
    audit.record(actor, "meetings.cancel", meeting, event=meeting.event, details={"reason": reason})
    return meeting


def undo(meeting, *, actor) -> Meeting | None:
    """Put back the draft as it was before the last change by hand. Returns the meeting, or None
    when the change was placing it (the row goes)."""
    before = meeting.undo
    if not before:
        raise ZoneError("nothing_to_undo", _("There is no change to undo on this meeting (announced changes stay)."))
    event = meeting.event
    if before.get("created"):
        if meeting.published_status is not None:  # cannot happen: announcing clears undo
            raise ZoneError("nothing_to_undo", _("There is no change to undo on this meeting (announced changes stay)."))
        unseat(meeting)
        db.session.delete(meeting)
        db.session.flush()
        audit.record(actor, "meetings.undo", event=event, details={"meeting": meeting.id})
        return None
    request = meeting.request
    slot, table = db.session.get(MeetingSlot, before["slot_id"]), db.session.get(NegotiationTable, before["table_id"])
    broker = db.session.get(Broker, before["broker_id"]) if before.get("broker_id") else None
    if before["status"] == "scheduled":
        problems = conflicts(event, request, slot, table, broker, ignore=meeting)
        if problems:
            raise ZoneError("conflict", _("The change cannot be undone: %(why)s", why=" ".join(problems)), status=409)
    try:
        with db.session.begin_nested():
            unseat(meeting)
            meeting.status, meeting.cancel_reason = before["status"], before.get("cancel_reason")
            meeting.slot_id, meeting.table_id, meeting.broker_id = slot.id, table.id, getattr(broker, "id", None)
            meeting.pinned = bool(before.get("pinned"))
            meeting.updated_at = now_utc()
            db.session.flush()
            if meeting.status == "scheduled":
                seat(meeting)
    except IntegrityError:
        raise ZoneError("conflict", _race(), status=409)
    request.status = before.get("request_status") or request.status
    request.cancel_reason = before.get("request_reason")
    if request.status != "cancelled":
        request.cancelled_at = None
    meeting.undo = None
    db.session.flush()
    db.session.refresh(meeting)
    audit.record(actor, "meetings.undo", meeting, event=event, details={"slot": slot.code, "table": table.code})
    return meeting


def reopen(request, *, actor) -> MeetingRequest:
    """An organizer re-opens a request whose meeting was cancelled: the schedule button may place
    the pair again (the same meeting, with the same calendar UID), or an organizer by hand."""
    if request.status != "cancelled":
        raise ZoneError("not_cancelled", _("Only a cancelled request can be re-opened."))
    request.status, request.cancel_reason, request.cancelled_at = "accepted", None, None
    db.session.flush()
    audit.record(actor, "meetings.reopen", request, event=request.event)
    return request
