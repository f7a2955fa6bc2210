"""The day itself, on the now-and-next board: what is on now and next (the published schedule),
who is at risk of missing a meeting, marking meetings held or no-show, and filling a freed
table-slot from the standby requests.

Rules:

- Table hosts and staff mark a meeting once its slot has started: *held*, or *no-show* (a
  cancellation with reason ``no_show``, published at once: the calendar feeds say CANCELLED,
  nobody is mailed, and the request is not scheduled again unless an organizer re-opens it). A
  meeting with a change not yet announced cannot be marked: the board shows the published one.
- A participant not checked in (``checkin``'s standing check-ins) ``at_risk_minutes`` before a
  meeting of theirs is *at risk*.
- A table-slot freed by a cancellation or a no-show, now or next, is offered to the standby
  requests (accepted pairs without a meeting) whose two people are both checked in and free then
  (in the draft and in the published schedule), available and under their caps, with a broker
  free then when they need one; best first: weight, then the pair with fewer meetings so far,
  then the oldest request. One click places it and mails those two people at once.

Services flush; callers commit."""
from dataclasses import dataclass, field
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..checkin.stats import standing_for
from ..core import audit
from ..core.db import lock_row
from ..core.timeutil import now_utc
from ..extensions import db
from .models import Availability, Broker, Meeting, MeetingSeat, MeetingSlot, NegotiationTable
from .placing import put, seat, unseat
from .publishing import announce_meetings, publish, published_meetings_of
from .scheduling import standby
from .zone import ZoneError, brokers_of, settings_of, slots_of, tables_of


@dataclass
class Offer:
    request: object
    weight: int
    broker: Broker | None


@dataclass
class Board:
    now: object
    current: MeetingSlot | None          # the slot in progress (staff: or the one just ended)
    upcoming: MeetingSlot | None
    meetings: list = field(default_factory=list)   # published, in those two slots
    no_shows: list = field(default_factory=list)   # marked no-show in those two slots
    present: set = field(default_factory=set)      # checked-in people among them
    at_risk: set = field(default_factory=set)      # (meeting id, registration id)
    freed: list = field(default_factory=list)      # (slot, table, [Offer])

    def of(self, slot):
        return [m for m in self.meetings if slot is not None and m.published_slot_id == slot.id]

    def no_shows_of(self, slot):
        return [m for m in self.no_shows if slot is not None and m.published_slot_id == slot.id]


def board(event, *, now=None, staff=False, offers_per_cell=3) -> Board:
    now = now or now_utc()
    slots = slots_of(event)
    current = next((s for s in slots if s.starts_at <= now < s.ends_at), None)
    if current is None and staff:  # between slots: the one that has just ended, to mark it
        current = next((s for s in reversed(slots) if s.ends_at <= now and now - s.ends_at < timedelta(hours=2)), None)
    upcoming = next((s for s in slots if s.starts_at > now), None)
    shown = [s for s in (current, upcoming) if s is not None]
    result = Board(now=now, current=current, upcoming=upcoming,
                   meetings=published_meetings_of(event, slot_ids=[s.id for s in shown]) if shown else [])
    if not staff:
        return result
    if shown:
        result.no_shows = db.session.scalars(select(Meeting).where(
            Meeting.event_id == event.id, Meeting.published_slot_id.in_([s.id for s in shown]),
            Meeting.published_status == "cancelled", Meeting.cancel_reason == "no_show")
            .order_by(Meeting.published_table_id)).all()
    people = {p for m in result.meetings for p in (m.participant_a_id, m.participant_b_id)}
    result.present = standing_for(people)
    minutes = settings_of(event).at_risk_minutes
    for meeting in result.meetings:
        if meeting.held_at is None and now >= meeting.published_slot.starts_at - timedelta(minutes=minutes):
            result.at_risk |= {(meeting.id, p) for p in (meeting.participant_a_id, meeting.participant_b_id)
                               if p not in result.present}
    for slot in shown:
        cells = freed_cells(event, slot)
        if cells:
            candidates = offers(event, slot, limit=offers_per_cell)
            result.freed.extend((slot, table, candidates) for table in cells)
    return result


# --- held, no-show --------------------------------------------------------------------------------

def _markable(meeting, now):
    if meeting.published_status != "scheduled" or meeting.change is not None:
        raise ZoneError("not_published", _("This meeting has a change that is not announced yet; announce or undo it first."),
                        status=409)
    if meeting.published_slot.starts_at > now:
        raise ZoneError("not_started", _("This meeting has not started yet."), status=409)


def mark(meeting, outcome, *, actor, now=None) -> Meeting:
    """Mark a published meeting held, or a no-show (module docstring)."""
    now = now or now_utc()
    if outcome not in ("held", "no_show"):
        raise ZoneError("outcome", _("Mark the meeting held or no-show."), status=400)
    lock_row("events", meeting.event_id)  # two hosts tapping at once: one after the other
    db.session.refresh(meeting)
    if meeting.held_at is not None:
        raise ZoneError("marked", _("This meeting is already marked held."), status=409)
    _markable(meeting, now)
    meeting.marked_by_id, meeting.updated_at = getattr(actor, "id", None), now
    if outcome == "held":
        meeting.held_at = now
    else:
        meeting.status, meeting.cancel_reason = "cancelled", "no_show"
        unseat(meeting)
        request = meeting.request
        request.status, request.cancel_reason, request.cancelled_at = "cancelled", "no_show", now
        publish([meeting], now=now)
    db.session.flush()
    audit.record(actor, f"meetings.{outcome}", meeting, event=meeting.event)
    return meeting


def unmark(meeting, *, actor, now=None) -> Meeting:
    """Take back a mark made by mistake: held becomes unmarked; a no-show is scheduled again
    (published at once), unless its table, a person or the broker has been given away since."""
    now = now or now_utc()
    lock_row("events", meeting.event_id)
    db.session.refresh(meeting)
    if meeting.held_at is not None:
        meeting.held_at = None
    elif meeting.status == "cancelled" and meeting.cancel_reason == "no_show" and meeting.change is None:
        try:
            with db.session.begin_nested():
                meeting.status = "scheduled"
                db.session.flush()
                seat(meeting)
        except IntegrityError:
            raise ZoneError("conflict", _("The table or one of the people has been given another meeting since."),
                            status=409)
        request = meeting.request
        request.status, request.cancel_reason, request.cancelled_at = "accepted", None, None
        publish([meeting], now=now)
    else:
        raise ZoneError("not_marked", _("This meeting is not marked."), status=409)
    meeting.updated_at = now
    db.session.flush()
    audit.record(actor, "meetings.unmark", meeting, event=meeting.event)
    return meeting


# --- freed table-slots and standby requests --------------------------------------------------------

def freed_cells(event, slot) -> list[NegotiationTable]:
    """Tables of ``slot`` freed by a cancellation or a no-show and free since, in the draft and in
    the published schedule."""
    freed = set(db.session.scalars(select(Meeting.published_table_id).where(
        Meeting.event_id == event.id, Meeting.published_slot_id == slot.id, Meeting.published_status == "cancelled")))
    if not freed:
        return []
    taken = set(db.session.scalars(select(Meeting.table_id).where(Meeting.slot_id == slot.id,
                                                                  Meeting.status == "scheduled")))
    taken |= set(db.session.scalars(select(Meeting.published_table_id).where(
        Meeting.published_slot_id == slot.id, Meeting.published_status == "scheduled")))
    return [t for t in tables_of(event) if t.id in freed and t.id not in taken]


def _busy_in(slot) -> tuple[set[int], set[int]]:
    """(people, brokers) with a meeting in ``slot``, in the draft or in the published schedule."""
    people = set(db.session.scalars(select(MeetingSeat.registration_id).where(MeetingSeat.slot_id == slot.id)))
    brokers = set(db.session.scalars(select(Meeting.broker_id).where(Meeting.slot_id == slot.id,
                                                                     Meeting.status == "scheduled")))
    for a, b, broker in db.session.execute(
            select(Meeting.participant_a_id, Meeting.participant_b_id, Meeting.published_broker_id)
            .where(Meeting.published_slot_id == slot.id, Meeting.published_status == "scheduled")):
        people |= {a, b}
        brokers.add(broker)
    brokers.discard(None)
    return people, brokers


def _meeting_counts(event, column) -> dict[int, int]:
    return dict(db.session.execute(select(column, func.count()).where(
        Meeting.event_id == event.id, Meeting.status == "scheduled").group_by(column)).all())


def offers(event, slot, *, limit=None) -> list[Offer]:
    """The standby requests that could take a freed table in ``slot``, best first (module docstring)."""
    pairs = standby(event)
    if not pairs:
        return []
    people = {p for rep, _w, _n in pairs.values() for p in (rep.from_registration_id, rep.to_registration_id)}
    present = standing_for(people)
    busy, busy_brokers = _busy_in(slot)
    counts = _meeting_counts(event, Meeting.participant_a_id)
    for person, n in _meeting_counts(event, Meeting.participant_b_id).items():
        counts[person] = counts.get(person, 0) + n
    limits = {a.registration_id: a for a in db.session.scalars(
        select(Availability).where(Availability.registration_id.in_(people)))}
    broker_counts = _meeting_counts(event, Meeting.broker_id)
    brokers = [b for b in brokers_of(event) if b.id not in busy_brokers and (not b.available or slot.code in b.available)
               and (b.max_meetings is None or broker_counts.get(b.id, 0) < b.max_meetings)]

    def fits(person):
        limit = limits.get(person)
        if person not in present or person in busy:
            return False
        if limit is None:
            return True
        if (limit.arrives_at and slot.starts_at < limit.arrives_at) or (limit.leaves_at and slot.ends_at > limit.leaves_at):
            return False
        return limit.max_meetings is None or counts.get(person, 0) < limit.max_meetings

    found = []
    for rep, weight, needs in pairs.values():
        a, b = rep.from_registration_id, rep.to_registration_id
        if not (fits(a) and fits(b)):
            continue
        broker = None
        if needs:
            eligible = [x for x in brokers if not rep.topic or rep.topic in x.specialties]
            if not eligible:
                continue
            broker = min(eligible, key=lambda x: (broker_counts.get(x.id, 0), x.id))
        found.append((-weight, counts.get(a, 0) + counts.get(b, 0), rep.id, Offer(rep, weight, broker)))
    found.sort(key=lambda item: item[:3])
    chosen = [item[3] for item in found]
    return chosen[:limit] if limit else chosen


def place_standby(event, slot, table, request, *, actor) -> Meeting:
    """Give a freed table-slot to a standby request (one of :func:`offers`), publish the meeting
    and mail its two people at once."""
    if slot is None or table is None or slot.event_id != event.id or table.event_id != event.id:
        raise ZoneError("not_found", _("No such slot or table in this event."), status=404)
    lock_row("events", event.id)  # two hosts filling one table at once: the second finds it taken
    if table not in freed_cells(event, slot):
        raise ZoneError("taken", _("This table is not free in this slot any more."), status=409)
    if slot.ends_at <= now_utc():
        raise ZoneError("over", _("This slot is over."), status=409)
    offer = next((o for o in offers(event, slot) if o.request.id == getattr(request, "id", None)), None)
    if offer is None:
        raise ZoneError("not_standby", _("This request cannot take the table now (someone is busy, absent or placed "
                                         "already)."), status=409)
    try:
        with db.session.begin_nested():
            meeting = put(event, request, slot, table, getattr(offer.broker, "id", None), pinned=True)
    except IntegrityError:
        raise ZoneError("conflict", _("Someone else has just booked this table, person or broker in this slot."),
                        status=409)
    told = announce_meetings(event, [meeting], actor=actor)
    audit.record(actor, "meetings.standby", meeting, event=event,
                 details={"slot": slot.code, "table": table.code, "people": len(told)})
    return meeting


def of_slot_table(event, slot_id, table_id):
    """The slot and table of this event chosen on the board (by id), or (None, None)."""
    slot = db.session.get(MeetingSlot, slot_id) if isinstance(slot_id, int) else None
    table = db.session.get(NegotiationTable, table_id) if isinstance(table_id, int) else None
    if slot is None or table is None or slot.event_id != event.id or table.event_id != event.id:
        return None, None
    return slot, table
