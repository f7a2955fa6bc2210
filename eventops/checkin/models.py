from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import OfEvent, UTCDateTime, append_only
from ..core.timeutil import now_utc
from ..extensions import db

class Gate(OfEvent, db.Model):
    __tablename__ = "gates"
    __table_args__ = (UniqueConstraint("event_id", "name"),)

    name: Mapped[str] = mapped_column(String(100))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Device(db.Model):
    """A scanner (handheld, turnstile, tablet) that authenticates with its own token."""

    __tablename__ = "devices"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    #: SHA-256 of the bearer token; the token is shown once, when issued
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    revoked_at = mapped_column(UTCDateTime)
    #: written at most once a minute (services.SEEN_EVERY), not at every scan
    last_seen_at = mapped_column(UTCDateTime)
    #: a device in test mode may scan outside the check-in window; its scans go to test_scans, admit
    #: nobody and are never counted
    test_mode: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class CheckIn(db.Model):
    """The fact that a person came in. At most one standing check-in per registration (a partial
    unique index), so two gates scanning one badge at the same instant admit it once. An organizer
    can annul it: the row stays, marked with who, when and why."""

    __tablename__ = "check_ins"
    __table_args__ = (
        Index("uq_check_ins_registration_standing", "registration_id", unique=True,
              sqlite_where=text("annulled_at IS NULL"), postgresql_where=text("annulled_at IS NULL")),
        Index("ix_check_ins_event_at", "event_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    gate_id: Mapped[int] = mapped_column(ForeignKey("gates.id", ondelete="RESTRICT"))
    at = mapped_column(UTCDateTime, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    annulled_at = mapped_column(UTCDateTime)
    annulled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    annul_reason: Mapped[str | None] = mapped_column(String(300))

    gate = relationship("Gate")
    registration = relationship("Registration")


class Scan(OfEvent, db.Model):
    """Every scan, failed ones too. Only ever inserted (the database refuses UPDATE and DELETE).
    The nonce makes a retried request harmless: the same nonce gets the stored answer."""

    __tablename__ = "scans"
    __table_args__ = (
        UniqueConstraint("event_id", "nonce"),
        Index("ix_scans_event_at", "event_id", "at"),
        Index("ix_scans_device_status", "device_id", "status"),
        Index("ix_scans_registration_at", "registration_id", "at"),
    )

    nonce: Mapped[str] = mapped_column(String(64))
    #: what was presented, cut to 64 printable characters
    presented: Mapped[str] = mapped_column(String(64), default="")
    #: the answer's code (statuses.STATUSES)
    status: Mapped[str] = mapped_column(String(24))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    check_in_id: Mapped[int | None] = mapped_column(ForeignKey("check_ins.id", ondelete="CASCADE"))
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id", ondelete="RESTRICT"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="SET NULL"))
    #: the moment of the scan: when the scanner saw the badge (sent late from an offline queue, it is
    #: bounded by services.moment_of), else when the server received it
    at = mapped_column(UTCDateTime, nullable=False)
    #: when the server received it (NULL on scans stored before scanners sent their moment)
    received_at = mapped_column(UTCDateTime)


append_only(Scan.__table__, "scans")


class TestScan(OfEvent, db.Model):
    """A scan by a device in test mode: answered as a real scan would be, stored apart, admits nobody
    and counts nowhere (so that trying the door before the event leaves no trace in the numbers)."""

    __tablename__ = "test_scans"
    __test__ = False  # not a pytest test class
    __table_args__ = (
        UniqueConstraint("event_id", "nonce"),
        Index("ix_test_scans_registration_id", "registration_id"),
    )

    nonce: Mapped[str] = mapped_column(String(64))
    presented: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(String(24))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    gate_id: Mapped[int | None] = mapped_column(ForeignKey("gates.id", ondelete="CASCADE"))
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"))
    at = mapped_column(UTCDateTime, nullable=False)
    received_at = mapped_column(UTCDateTime, nullable=False)
