"""The negotiation zone in the database: tables, the slot grid, brokers, availability, meeting
requests, scheduled meetings (the database refuses double bookings) and the event programme."""
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

REQUEST_STATUSES = {"new": _l("Awaiting an answer"), "accepted": _l("Accepted"), "declined": _l("Declined"),
                    "cancelled": _l("Cancelled")}
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
    status: Mapped[str] = mapped_column(String(16), default="new")
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


class NegotiationTable(db.Model):
    __tablename__ = "negotiation_tables"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
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


class Meeting(db.Model):
    """A placed meeting. The database refuses a table or a broker twice in one slot (partial unique
    indexes) and a participant twice in one slot (MeetingSeat)."""

    __tablename__ = "meetings"
    __table_args__ = (
        Index("uq_meetings_slot_table_scheduled", "slot_id", "table_id", unique=True,
              sqlite_where=_SCHEDULED, postgresql_where=_SCHEDULED),
        Index("uq_meetings_slot_broker_scheduled", "slot_id", "broker_id", unique=True,
              sqlite_where=text("status = 'scheduled' AND broker_id IS NOT NULL"),
              postgresql_where=text("status = 'scheduled' AND broker_id IS NOT NULL")),
        Index("ix_meetings_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("meeting_requests.id", ondelete="CASCADE"))
    participant_a_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    participant_b_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    table_id: Mapped[int] = mapped_column(ForeignKey("negotiation_tables.id", ondelete="CASCADE"))
    broker_id: Mapped[int | None] = mapped_column(ForeignKey("brokers.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(16), default="scheduled")  # scheduled, cancelled
    #: raised on every change; iCalendar's SEQUENCE
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    #: the sequence people were last told about; -1: never announced
    notified_sequence: Mapped[int] = mapped_column(Integer, default=-1)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    request = relationship("MeetingRequest")
    event = relationship("Event")
    participant_a = relationship("Registration", foreign_keys=[participant_a_id])
    participant_b = relationship("Registration", foreign_keys=[participant_b_id])
    slot = relationship("MeetingSlot")
    table = relationship("NegotiationTable")
    broker = relationship("Broker")

    @property
    def announced(self):
        return self.notified_sequence >= 0

    @property
    def uid(self):
        return f"meeting-{self.id}@eventops"


class MeetingSeat(db.Model):
    """Who sits where when: one row per participant of a scheduled meeting."""

    __tablename__ = "meeting_seats"
    __table_args__ = (UniqueConstraint("slot_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("meeting_slots.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))


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
