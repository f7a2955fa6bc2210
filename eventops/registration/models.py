from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..events.models import CATEGORIES
from ..extensions import db
from . import triggers

STATUS_PENDING = "pending"
STATUS_APPROVED = "approved"
STATUS_WAITLISTED = "waitlisted"
STATUS_REJECTED = "rejected"
STATUS_CANCELLED = "cancelled"

STATUSES = {
    STATUS_PENDING: _l("Awaiting review"),
    STATUS_APPROVED: _l("Confirmed"),
    STATUS_WAITLISTED: _l("Waitlisted"),
    STATUS_REJECTED: _l("Not accepted"),
    STATUS_CANCELLED: _l("Cancelled"),
}
#: statuses that hold one of the event's places
PLACE_HOLDING = (STATUS_PENDING, STATUS_APPROVED)

#: an active registration (literal, so that SQLite can use the partial indexes below)
ACTIVE = text("status <> 'cancelled'")


class Registration(db.Model):
    __tablename__ = "registrations"
    __table_args__ = (
        # one active registration per person and event: the service checks under the event lock,
        # and these partial unique indexes make the database refuse a second one regardless
        Index("uq_registrations_event_mobile_active", "event_id", "mobile", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
        Index("uq_registrations_event_email_active", "event_id", "email_key", unique=True,
              sqlite_where=ACTIVE, postgresql_where=ACTIVE),
        # one index per sort order of the back office, ending in the id: keyset pages
        Index("ix_registrations_event_status", "event_id", "status", "id"),
        Index("ix_registrations_event_category", "event_id", "category", "id"),
        Index("ix_registrations_event_created", "event_id", "created_at", "id"),
        Index("ix_registrations_event_name", "event_id", "name", "id"),
        # the back office's search (queries.py): on PostgreSQL a GIN index of the text's trigrams
        # (pg_trgm; btree_gin for the event); on SQLite a narrow index that a search scans
        # instead of the table
        Index("ix_registrations_event_search", "event_id", "search_text", postgresql_using="gin",
              postgresql_ops={"search_text": "gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    name: Mapped[str] = mapped_column(String(50))
    position: Mapped[str] = mapped_column(String(100), default="")
    #: normalised: 11 digits for mainland China, '+' and digits otherwise
    mobile: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(255))
    #: e-mail folded to lower case, for the one-registration-per-person rule
    email_key: Mapped[str] = mapped_column(String(255))
    category: Mapped[str] = mapped_column(String(32))
    tags = mapped_column(JSON, nullable=False, default=list)
    #: answers to the event's custom questions, keyed by question id (as text)
    answers = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16))
    #: SHA-256 of the secret in the registrant's personal link; the secret itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: web, import or organizer
    source: Mapped[str] = mapped_column(String(16), default="web")
    #: the upload (``ImportBatch``) that brought this person in, for an imported registration (no
    #: foreign key: an upload and its registrations go with their event)
    import_batch_id: Mapped[int | None] = mapped_column(Integer)
    #: the language the registrant used; later mails are written in it
    locale: Mapped[str] = mapped_column(String(8), default="zh")
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    status_changed_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    #: what the back office searches: lower-case name, organisation key, e-mail key and mobile,
    #: separated by U+001F; written by triggers (``triggers``), whoever inserts or changes the row
    search_text = deferred(mapped_column(Text))

    event = relationship("Event")
    organisation = relationship("Organisation", lazy="joined")

    @property
    def status_label(self):
        return STATUSES.get(self.status, self.status)

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)


triggers.install(Registration.__table__)


class RegistrationLink(db.Model):
    """A personal link issued after the first one (mailed again on request, or with a status mail).

    The first link's hash is ``Registration.token_hash``; every later one is a row here, so that
    sending a link never stops the ones already sent from working. Revoking all others is the
    registrant's explicit choice (``services.revoke_other_links``)."""

    __tablename__ = "registration_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the secret; the secret itself is never stored
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: why it was issued: resend (asked for again) or mail (with a status mail)
    kind: Mapped[str] = mapped_column(String(16))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    revoked_at = mapped_column(UTCDateTime)


class RegistrationCount(db.Model):
    """How many registrations an event has per category and status, kept by triggers on
    ``registrations`` (see ``registration.triggers``) in the transaction that changes them: the
    back office reads its totals here, and ``Event.places_held`` is kept by the same triggers."""

    __tablename__ = "registration_counts"

    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(32), primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    n: Mapped[int] = mapped_column(Integer, default=0, nullable=False)


class ImportBatch(db.Model):
    """An uploaded CSV kept in the database between the preview and the import (so any worker on
    any machine can finish it), and what the import did."""

    __tablename__ = "import_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    filename: Mapped[str] = mapped_column(String(255))
    encoding: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(db.Text)
    #: uploaded, imported
    status: Mapped[str] = mapped_column(String(16), default="uploaded")
    mapping = mapped_column(JSON, nullable=False, default=dict)
    result = mapped_column(JSON, nullable=False, default=dict)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
