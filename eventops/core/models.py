"""Shared records: the audit log and the mail outbox."""
from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import db
from .db import UTCDateTime
from .timeutil import now_utc


class AuditEntry(db.Model):
    """Who changed what, when: one row per change made by organizers and staff. Never updated."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_event_at", "event_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    #: the actor's e-mail at the time, kept even if the account goes away
    actor_label: Mapped[str] = mapped_column(String(255), default="")
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[int | None]
    details = mapped_column(JSON, nullable=False, default=dict)

    actor = db.relationship("User", lazy="joined")


class MailMessage(db.Model):
    """Every mail the application sends, kept as an outbox that organizers and tests can read."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_event_created", "event_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    #: queued (outbox only, or waiting for SMTP), sent, failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    sent_at = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
