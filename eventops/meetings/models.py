"""The negotiation zone in the database: tables, the slot grid, brokers, availability, meeting
requests, meetings with their draft and their published version (the database refuses double
bookings in the draft), the zone's settings and the event programme."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import OfEvent, UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

REQUEST_STATUSES = {"new": _l("Awaiting an answer"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                    "cancelled": _l("Cancelled")}
#: why a meeting was cancelled; its request is then not scheduled again until an organizer re-opens it
CANCEL_REASONS = {"withdrew": _l("A participant withdrew"), "organizer": _l("Organizer's decision"),
                  "no_show": _l("No-show")}
SESSION_KINDS = {"forum": _l("Forum"), "keynote": _l("Keynote"), "signing": _l("Signing ceremony"),
                 "matchmaking": _l("One-to-one negotiations"), "policy": _l("Policy interpretation"),
                 "other": _l("Other")}
_SCHEDULED = text("status = 'scheduled'")


class MeetingRequest(db.Model):
    """Someone wants to meet someone: a participant (by their personal link), a visitor asking for
    a PI or an exhibitor (name and contact), an exhibitor manager (one click on the demand board),
    or an organizer on someone's behalf."""

    __tablename__ = "meeting_requests"
    __table_args__ = (Index("ix_meeting_requests_event", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    from_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    from_registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    from_name: Mapped[str] = mapped_column(String(50), default="")
    from_contact: Mapped[str] = mapped_column(String(255), default="")
    #: whom: a participant, a PI, an exhibitor profile or a demand
    target_kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
    to_organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: the person who will sit at the table for the other side, once known
    to_registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    topic: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    #: 1 or 2 by priority (organizers raise it); a pair asked for from both sides counts 3
    weight: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    needs_broker: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: new, accepted, declined; cancelled: its meeting was cancelled (the schedule button leaves the
    #: pair alone until an organizer re-opens the request)
    status: Mapped[str] = mapped_column(String(16), default="new")
    #: CANCEL_REASONS key, while cancelled
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    cancelled_at = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    responded_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    from_organisation = relationship("Organisation", foreign_keys=[from_organisation_id])
    to_organisation = relationship("Organisation", foreign_keys=[to_organisation_id])
    from_registration = relationship("Registration", foreign_keys=[from_registration_id])
    to_registration = relationship("Registration", foreign_keys=[to_registration_id])
    event = relationship("Event")

    @property
    def status_label(self):
        return REQUEST_STATUSES.get(self.status, self.status)

    @property
    def cancel_reason_label(self):
        return CANCEL_REASONS.get(self.cancel_reason, "") if self.cancel_reason else ""


class NegotiationTable(OfEvent, db.Model):
    __tablename__ = "negotiation_tables"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    code: Mapped[str] = mapped_column(String(16))
    zone: Mapped[str] = mapped_column(String(16), default="A")


class MeetingSlot(db.Model):
    __tablename__ = "meeting_slots"
    __table_args__ = (UniqueConstraint("event_id", "code"), Index("ix_meeting_slots_event_start", "event_id", "starts_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)


class Broker(db.Model):
    """A service agency's broker stationed in the zone."""

    __tablename__ = "brokers"
    __table_args__ = (UniqueConstraint("event_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    specialties = mapped_column(JSON, nullable=False, default=list)
    languages = mapped_column(JSON, nullable=False, default=list)
    #: slot codes the broker is free in; empty: every slot
    available = mapped_column(JSON, nullable=False, default=list)
    max_meetings: Mapped[int | None] = mapped_column(Integer)

    registration = relationship("Registration", lazy="joined")


class Availability(db.Model):
    """A participant who arrives late, leaves early or wants fewer meetings."""

    __tablename__ = "participant_availability"

    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    arrives_at = mapped_column(UTCDateTime)
    leaves_at = mapped_column(UTCDateTime)
    max_meetings: Mapped[int | None] = mapped_column(Integer)


@dataclass(frozen=True)
class Version:
    """One version of a meeting: where and when, or cancelled."""
    status: str
    slot: "MeetingSlot"
    table: "NegotiationTable"
    broker: "Broker | None"

    @property
    def cancelled(self):
        return self.status == "cancelled"


class Meeting(db.Model):
    """The meeting of one request (at most one row per request, ever: a meeting cancelled and placed
    again is the same row, so its calendar UID stays and its SEQUENCE rises).

    It has two versions. The **draft** (``status``, ``slot``, ``table``, ``broker``) is what the
    schedule button, moves and cancellations change; organizers see it on the grid. The
    **published** version (``published_*``) is what participants, their calendars, the board and
    the PDFs show; "announce" copies the draft over it and mails the people whose meetings
    changed. The database refuses a table or a broker twice in one slot in the draft (partial
    unique indexes) and a participant twice in one slot (MeetingSeat)."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("uq_meetings_slot_table_scheduled", "slot_id", "table_id", unique=True,
              sqlite_where=_SCHEDULED, postgresql_where=_SCHEDULED),
        Index("uq_meetings_slot_broker_scheduled", "slot_id", "broker_id", unique=True,
              sqlite_where=text("status = 'scheduled' AND broker_id IS NOT NULL"),
              postgresql_where=text("status = 'scheduled' AND broker_id IS NOT NULL")),
        Index("ix_meetings_event_status", "event_id", "status"),
        Index("ix_meetings_published_slot", "published_slot_id", "published_table_id"),
        UniqueConstraint("request_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("meeting_requests.id", ondelete="CASCADE"))
    participant_a_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    participant_b_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    #: the draft: scheduled or cancelled, and where (a cancelled draft keeps its last place)
    status: Mapped[str] = mapped_column(String(16), default="scheduled")
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("negotiation_tables.id", ondelete="CASCADE"))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("brokers.id", ondelete="SET NULL"))
    #: CANCEL_REASONS key of a cancelled draft
    cancel_reason: Mapped[str | None] = mapped_column(String(16))
    #: placed or moved by hand: the schedule button keeps it where it is
    pinned: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    #: the draft before the last change by hand ({"status", "slot_id", "table_id", "broker_id",
    #: "cancel_reason", "pinned", "request_status"}, or {"created": true}); cleared by announce
    undo = mapped_column(JSON(none_as_null=True))  # None is SQL NULL: "IS NOT NULL" means something to undo
    #: the published version; NULL status: never published
    published_status: Mapped[str | None] = mapped_column(String(16))
    published_slot_id: Mapped[int | None] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    published_table_id: Mapped[int | None] = mapped_column(ForeignKey("negotiation_tables.id", ondelete="CASCADE"))
    published_broker_id: Mapped[int | None] = mapped_column(ForeignKey("brokers.id", ondelete="SET NULL"))
    published_at = mapped_column(UTCDateTime)
    #: iCalendar's SEQUENCE of the published version: 0 when first published, raised at each
    #: publication that changes it
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    #: marked held at the table on the day (a no-show is a cancellation with reason no_show)
    held_at = mapped_column(UTCDateTime)
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    request = relationship("MeetingRequest")
    event = relationship("Event")
    participant_a = relationship("Registration", foreign_keys=[participant_a_id])
    participant_b = relationship("Registration", foreign_keys=[participant_b_id])
    slot = relationship("MeetingSlot", foreign_keys=[slot_id])
    table = relationship("NegotiationTable", foreign_keys=[table_id])
    broker = relationship("Broker", foreign_keys=[broker_id])
    published_slot = relationship("MeetingSlot", foreign_keys=[published_slot_id])
    published_table = relationship("NegotiationTable", foreign_keys=[published_table_id])
    published_broker = relationship("Broker", foreign_keys=[published_broker_id])

    @property
    def draft(self) -> Version:
        return Version(self.status, self.slot, self.table, self.broker)

    @property
    def published(self) -> Version | None:
        if self.published_status is None:
            return None
        return Version(self.published_status, self.published_slot, self.published_table, self.published_broker)

    @property
    def announced(self):
        return self.published_status is not None

    @property
    def change(self) -> str | None:
        """What announcing would tell people: new, moved, cancelled, restored, or None."""
        if self.published_status is None:
            return "new" if self.status == "scheduled" else None
        if self.status != self.published_status:
            return "cancelled" if self.status == "cancelled" else "restored"
        if self.status == "scheduled" and (self.slot_id, self.table_id, self.broker_id) != (
                self.published_slot_id, self.published_table_id, self.published_broker_id):
            return "moved"
        return None

    @property
    def cancel_reason_label(self):
        return CANCEL_REASONS.get(self.cancel_reason, "") if self.cancel_reason else ""

    def other(self, registration_id):
        return self.participant_b if self.participant_a_id == registration_id else self.participant_a


class MeetingSeat(db.Model):
    """Who sits where when: one row per participant of a scheduled meeting."""

    __tablename__ = "meeting_seats"
    __table_args__ = (UniqueConstraint("slot_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))


class ZoneSettings(db.Model):
    """How an event's negotiation zone works: who takes part, when someone is at risk."""

    __tablename__ = "meeting_zone_settings"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    #: the registration question (yes/no) whose "yes" means "I take part in one-to-one meetings";
    #: none: every confirmed participant takes part
    optin_question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="SET NULL"))
    #: a participant not checked in this many minutes before a meeting is flagged at risk
    at_risk_minutes: Mapped[int] = mapped_column(Integer, default=15, server_default="15")


class ProgrammeSession(db.Model):
    """A forum, keynote or signing ceremony of the event programme."""

    __tablename__ = "programme_sessions"
    __table_args__ = (Index("ix_programme_sessions_event_start", "event_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16), default="forum")
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(100), default="")
    speakers = mapped_column(JSON, nullable=False, default=list)
    description: Mapped[str] = mapped_column(Text, default="")
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, default=0)

    @property
    def kind_label(self):
        return SESSION_KINDS.get(self.kind, self.kind)
