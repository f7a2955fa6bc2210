from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime, append_only
from ..core.timeutil import now_utc
from ..extensions import db

CONTRACT_CATEGORIES = {
    "technology_transfer": _l("Technology transfer"),
    "strategic_cooperation": _l("Strategic cooperation"),
    "clinical_trial": _l("Clinical trial"),
    "investment": _l("Investment"),
    "other": _l("Other"),
}

KIND_RECORD = "record"            # a signed contract (target_id set: it corrects that entry)
KIND_REVERSAL = "reversal"        # cancels the record entry target_id
KIND_CONFIRMATION = "confirmation"  # a second person confirms the record entry target_id
KINDS = (KIND_RECORD, KIND_REVERSAL, KIND_CONFIRMATION)


class SigningSession(db.Model):
    """One signing ceremony of an event (the larger conference held 26)."""

    __tablename__ = "signing_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    room: Mapped[str] = mapped_column(String(200), default="")
    starts_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    #: when the session's signing was declared finished (a checkpoint is written then)
    closed_at = mapped_column(UTCDateTime)


class LedgerEntry(db.Model):
    """One line of the ledger. Rows are only ever inserted: the database refuses UPDATE and DELETE
    (triggers, see the migration), and each row carries the hash of the one before it, so an edit
    made by someone who got around the triggers is found by ``flask ledger verify``."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("event_id", "seq"),
        UniqueConstraint("event_id", "idempotency_key"),
        # an entry is reversed, confirmed or corrected at most once
        Index("uq_ledger_entries_kind_target", "kind", "target_id", unique=True,
              sqlite_where=text("target_id IS NOT NULL"), postgresql_where=text("target_id IS NOT NULL")),
        Index("ix_ledger_entries_event_kind", "event_id", "kind", "seq"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    #: 1, 2, 3... within the event, without gaps
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    #: the entry this one reverses, confirms or corrects
    target_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id", ondelete="RESTRICT"))
    title: Mapped[str] = mapped_column(String(300), default="")
    category: Mapped[str] = mapped_column(String(32), default="")
    #: whole fen; NULL for an undisclosed amount (counted as a contract, outside the total)
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("signing_sessions.id", ondelete="RESTRICT"))
    signed_at = mapped_column(UTCDateTime)
    #: [{"id": organisation id, "name": its name when recorded}, ...]
    parties = mapped_column(JSON, nullable=False, default=list)
    signatories = mapped_column(JSON, nullable=False, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    #: recorded while the event wanted a second person's confirmation before counting an entry
    needs_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    recorded_by_label: Mapped[str] = mapped_column(String(255))
    recorded_at = mapped_column(UTCDateTime, nullable=False)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    #: HMAC of the content and the mac before, keyed by EVENTOPS_LEDGER_KEY (chain.py); None when
    #: the entry was recorded without a key
    mac: Mapped[str | None] = mapped_column(String(64))

    session = relationship("SigningSession")
    target = relationship("LedgerEntry", remote_side="LedgerEntry.id")

    @property
    def category_label(self):
        return CONTRACT_CATEGORIES.get(self.category, self.category)


class LedgerHead(db.Model):
    """The end of an event's chain and its running totals, kept in step with every append under
    this row's lock: the live total is one row read, however long the ledger."""

    __tablename__ = "ledger_heads"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    #: the last entry's mac (None until an entry is recorded with the ledger key)
    last_mac: Mapped[str | None] = mapped_column(String(64))
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    contracts: Mapped[int] = mapped_column(Integer, default=0)
    undisclosed: Mapped[int] = mapped_column(Integer, default=0)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    lock_version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class LedgerTotal(db.Model):
    """Running totals per signing session and category (derived; `flask ledger verify` recomputes)."""

    __tablename__ = "ledger_totals"
    __table_args__ = (UniqueConstraint("event_id", "session_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("signing_sessions.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    contracts: Mapped[int] = mapped_column(Integer, default=0)
    undisclosed: Mapped[int] = mapped_column(Integer, default=0)


class LedgerCheckpoint(db.Model):
    """The ledger's end (sequence number and entry hash) at a moment that matters, kept outside
    the ledger tables and signed with the ledger key: ``ledger verify`` fails when the chain no
    longer reaches a checkpoint (a truncated tail). Only ever inserted."""

    __tablename__ = "ledger_checkpoints"
    __table_args__ = (Index("ix_ledger_checkpoints_event_seq", "event_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="RESTRICT"))
    seq: Mapped[int] = mapped_column(Integer)
    #: the hash of entry ``seq`` (GENESIS for an empty ledger)
    entry_hash: Mapped[str] = mapped_column(String(64))
    #: chain.checkpoint_mac with the ledger key; None when no key was set
    mac: Mapped[str | None] = mapped_column(String(64))
    #: session_closed, press_summary
    reason: Mapped[str] = mapped_column(String(32))
    session_id: Mapped[int | None] = mapped_column(ForeignKey("signing_sessions.id", ondelete="RESTRICT"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)


append_only(LedgerEntry.__table__, "ledger_entries")
append_only(LedgerCheckpoint.__table__, "ledger_checkpoints")
