"""The draft and the published schedule.

Scheduling runs, moves and cancellations change the draft (:mod:`.scheduling`, :mod:`.placing`);
participants' pages, agendas, calendar feeds, the board and the PDFs show the published version
of each meeting. "Announce" publishes every changed meeting at once and mails only the people
whose meetings changed: each change with its old and new time and table, the link to their
negotiations page, and their agenda as a calendar file. A standby meeting placed on the day is
published and mailed at once, alone (:func:`announce_meetings`).

Services flush; callers commit."""
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import selectinload

from ..core import audit
from ..core.db import lock_row
from ..core.mail import Attachment, send_mail
from ..core.timeutil import now_utc, to_zone
from ..extensions import db
from . import ical, links
from .models import Meeting, MeetingSlot


def changed():
    """The SQL condition "announcing would tell someone about this meeting" (Meeting.change)."""
    return or_(
        and_(Meeting.published_status.is_(None), Meeting.status == "scheduled"),
        and_(Meeting.published_status.is_not(None), Meeting.status != Meeting.published_status),
        and_(Meeting.status == "scheduled", Meeting.published_status == "scheduled",
             or_(Meeting.slot_id != Meeting.published_slot_id, Meeting.table_id != Meeting.published_table_id,
                 Meeting.broker_id.is_distinct_from(Meeting.published_broker_id))))


_LOAD = (selectinload(Meeting.participant_a), selectinload(Meeting.participant_b), selectinload(Meeting.slot),
         selectinload(Meeting.table), selectinload(Meeting.published_slot), selectinload(Meeting.published_table),
         selectinload(Meeting.request))


def pending_announcements(event) -> int:
    """Meetings changed since they were last announced."""
    return db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.event_id == event.id, changed()))


def changes_of(event, *, limit=None) -> list[Meeting]:
    """The draft's changes that are not announced yet, by the draft's time."""
    query = (select(Meeting).join(MeetingSlot, Meeting.slot_id == MeetingSlot.id).where(Meeting.event_id == event.id, changed())
             .options(*_LOAD).order_by(MeetingSlot.starts_at, Meeting.table_id))
    return db.session.scalars(query.limit(limit) if limit else query).all()


def change_counts(event) -> dict[str, int]:
    """How many changes of each kind announcing would tell (Meeting.change): new (and back on
    the agenda), moved, cancelled."""
    def count(*conditions):
        return db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.event_id == event.id, *conditions))
    return {"new": count(Meeting.status == "scheduled", or_(Meeting.published_status.is_(None),
                                                            Meeting.published_status == "cancelled")),
            "cancelled": count(Meeting.status == "cancelled", Meeting.published_status == "scheduled"),
            "moved": count(changed(), Meeting.status == "scheduled", Meeting.published_status == "scheduled")}


def undoable_of(event) -> list[Meeting]:
    """Meetings with a change by hand that can still be undone."""
    return db.session.scalars(select(Meeting).where(Meeting.event_id == event.id, Meeting.undo.is_not(None))
                              .options(*_LOAD)).all()


# --- what participants see --------------------------------------------------------------------------

def agenda_of(registration) -> list[Meeting]:
    """A person's published meetings (cancelled ones too, once announced), by their published time."""
    return db.session.scalars(select(Meeting).join(MeetingSlot, Meeting.published_slot_id == MeetingSlot.id).where(
        or_(Meeting.participant_a_id == registration.id, Meeting.participant_b_id == registration.id),
        Meeting.published_status.is_not(None)).options(*_LOAD).order_by(MeetingSlot.starts_at)).all()


def draft_agenda_of(registration) -> list[Meeting]:
    """A person's meetings in the draft, scheduled or with a change to announce (organizers)."""
    return db.session.scalars(select(Meeting).join(MeetingSlot, Meeting.slot_id == MeetingSlot.id).where(
        or_(Meeting.participant_a_id == registration.id, Meeting.participant_b_id == registration.id),
        or_(Meeting.status == "scheduled", Meeting.published_status.is_not(None)))
        .options(*_LOAD).order_by(MeetingSlot.starts_at)).all()


def published_meetings_of(event, *, slot_ids=None) -> list[Meeting]:
    """The published schedule's meetings (not cancelled), by time and table: the board, the PDFs."""
    query = select(Meeting).join(MeetingSlot, Meeting.published_slot_id == MeetingSlot.id).where(
        Meeting.event_id == event.id, Meeting.published_status == "scheduled")
    if slot_ids is not None:
        query = query.where(Meeting.published_slot_id.in_(slot_ids))
    return db.session.scalars(query.options(*_LOAD).order_by(MeetingSlot.starts_at, Meeting.published_table_id)).all()


# --- publishing ---------------------------------------------------------------------------------

def publish(meetings, *, now=None) -> list[tuple]:
    """Copy each meeting's draft over its published version. Returns (meeting, old version or
    None, new version) for those that changed; SEQUENCE rises on every change after the first."""
    now = now or now_utc()
    done = []
    for meeting in meetings:
        change = meeting.change
        meeting.undo = None
        if change is None:
            continue
        old = meeting.published
        if old is not None:
            meeting.sequence += 1
        meeting.published_status, meeting.published_slot_id = meeting.status, meeting.slot_id
        meeting.published_table_id, meeting.published_broker_id = meeting.table_id, meeting.broker_id
        meeting.published_at = now
        db.session.flush()
        db.session.expire(meeting, ["published_slot", "published_table", "published_broker"])
        done.append((meeting, old, meeting.published))
    db.session.flush()
    return done


def announce(event, *, actor) -> set[int]:
    """Publish the draft: every changed meeting at once; mail only the people whose meetings
    changed. Returns the ids of the people written to. Under the event's row lock: two organizers
    pressing "announce" at once mail each person once."""
    lock_row("events", event.id)
    meetings = db.session.scalars(select(Meeting).where(
        Meeting.event_id == event.id, or_(changed(), Meeting.undo.is_not(None))).options(*_LOAD)).all()
    published = publish(meetings)
    told = _tell(event, published)
    audit.record(actor, "meetings.announce", event=event, details={"meetings": len(published), "people": len(told)})
    return told


def announce_meetings(event, meetings, *, actor) -> set[int]:
    """Publish these meetings alone, now, and tell their people (a standby meeting on the day)."""
    published = publish(meetings)
    told = _tell(event, published)
    audit.record(actor, "meetings.announce", event=event, details={"meetings": len(published), "people": len(told)})
    return told


def _tell(event, published) -> set[int]:
    per_person = {}
    for meeting, old, new in published:
        if old is None and new.cancelled:
            continue  # never announced, cancelled: nobody to tell
        for person in (meeting.participant_a, meeting.participant_b):
            per_person.setdefault(person.id, (person, []))[1].append((meeting, old, new))
    agendas = _published_by_person(event, set(per_person))
    for person, items in per_person.values():
        agenda = links.agenda_url(person)
        with force_locale(person.locale or "zh"):
            lines = [_line(event, person, *item) for item in sorted(items, key=lambda i: i[2].slot.starts_at)]
            body = "\n".join([
                _("Dear %(name)s,", name=person.name), "",
                _("The schedule of your one-to-one negotiations has changed:"), "",
                *(f"- {line}" for line in lines), "",
                _("Your negotiations, with your whole agenda and a calendar subscription:"),
                agenda, "",
                _("The attached calendar file updates these meetings in your calendar."), "", event.name])
            subject = _("[%(event)s] Your negotiation schedule changed", event=event.name)
        ics = ical.person_calendar(event, person, agendas.get(person.id, []))
        _send_change_mail(person, subject, body, event=event, ics=ics, secrets=[agenda])
    return set(per_person)


def _send_change_mail(person, subject, body, *, event, ics: bytes, secrets=()):
    """Hand a change mail to the mailer, with the person's agenda as an iCalendar attachment. The
    agenda link opens the person's negotiations: the outbox keeps the mail without it."""
    return send_mail(person.email, subject, body, event=event, secrets=secrets,
                     attachments=[Attachment("meetings.ics", "text/calendar; charset=utf-8; method=PUBLISH", ics)])


def _published_by_person(event, person_ids) -> dict[int, list[Meeting]]:
    if not person_ids:
        return {}
    meetings = db.session.scalars(select(Meeting).join(MeetingSlot, Meeting.published_slot_id == MeetingSlot.id).where(
        Meeting.event_id == event.id, Meeting.published_status.is_not(None),
        or_(Meeting.participant_a_id.in_(person_ids), Meeting.participant_b_id.in_(person_ids)))
        .options(*_LOAD).order_by(MeetingSlot.starts_at)).all()
    out = {}
    for meeting in meetings:
        for person_id in {meeting.participant_a_id, meeting.participant_b_id} & person_ids:
            out.setdefault(person_id, []).append(meeting)
    return out


def when(event, version) -> str:
    start = to_zone(version.slot.starts_at, event.timezone)
    return f"{start:%m-%d %H:%M}–{to_zone(version.slot.ends_at, event.timezone):%H:%M}"


def _line(event, person, meeting, old, new) -> str:
    other = meeting.other(person.id)
    who = f"{other.name}（{other.organisation.name}）"
    if new.cancelled:
        return _("Cancelled: %(when)s, table %(table)s, with %(other)s.", when=when(event, old), table=old.table.code,
                 other=who)
    broker = (" " + _("Broker: %(name)s.", name=new.broker.registration.name)) if new.broker is not None else ""
    if old is None or old.cancelled:
        return _("New: %(when)s, table %(table)s, with %(other)s.", when=when(event, new), table=new.table.code,
                 other=who) + broker
    return _("Moved: with %(other)s, from %(old_when)s at table %(old_table)s to %(when)s at table %(table)s.",
             other=who, old_when=when(event, old), old_table=old.table.code, when=when(event, new),
             table=new.table.code) + broker
