"""Shared records: the audit log and the mail outbox."""
from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, text
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


#: mails a worker still has to deliver (literal, so that SQLite can use the partial index)
MAIL_DUE = text("status IN ('queued', 'sending')")


class MailMessage(db.Model):
    """Every mail the application sends, kept as an outbox that organizers and tests can read.

    The body is stored as organizers may read it: a secret link in it is replaced by a marker
    (``⟪secret:N⟫``) and kept sealed in :class:`MailSecret` until the mail is delivered
    (see ``core.mail``)."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        Index("ix_mail_messages_event_created", "event_id", "created_at"),
        Index("ix_mail_messages_due", "next_attempt_at", sqlite_where=MAIL_DUE, postgresql_where=MAIL_DUE),
        Index("ix_mail_messages_event_status", "event_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    to_address: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    #: unsent (no SMTP configured: the outbox only), queued (a worker will send it at
    #: next_attempt_at), sending (a worker holds it until claimed_until), sent, failed
    status: Mapped[str] = mapped_column(String(16), default="queued")
    sent_at = mapped_column(UTCDateTime)
    #: the last attempt's error
    error: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: when a queued mail is due (its first attempt, or the next one after a failure)
    next_attempt_at = mapped_column(UTCDateTime)
    #: a sending worker's claim ends here; after it the mail counts as interrupted and is retried
    claimed_until = mapped_column(UTCDateTime)
    #: makes a second send of the same mail a no-op (a message to registrants run twice)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)

    attachments = db.relationship("MailAttachment", order_by="MailAttachment.id", lazy="selectin",
                                  cascade="all, delete-orphan")
    attempt_log = db.relationship("MailAttempt", order_by="MailAttempt.number", lazy="select",
                                  cascade="all, delete-orphan")


class MailAttempt(db.Model):
    """One try at delivering a mail: when, and what the SMTP server (or the worker) said."""

    __tablename__ = "mail_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    started_at = mapped_column(UTCDateTime, nullable=False)
    finished_at = mapped_column(UTCDateTime)
    #: sent, failed, interrupted (the worker stopped while it held the mail)
    outcome: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)


class MailAttachment(db.Model):
    """A file sent with a mail (an ICS invitation...), kept with the outbox row."""

    __tablename__ = "mail_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    #: a MIME type with its parameters, e.g. ``text/calendar; method=REQUEST``
    content_type: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class MailSecret(db.Model):
    """The secret links of a mail not delivered yet, encrypted with a key derived from the
    application's secret key; the row is deleted once the mail is sent."""

    __tablename__ = "mail_secrets"

    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"), primary_key=True)
    sealed: Mapped[str] = mapped_column(Text)
