from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db


class Badge(db.Model):
    """A registration's badge code. Reissuing revokes the old row and adds a new one, so an old
    printout scans as 'revoked' rather than 'invalid'."""

    __tablename__ = "badges"
    __table_args__ = (
        # one active badge per registration
        Index("uq_badges_registration_active", "registration_id", unique=True,
              sqlite_where=text("revoked_at IS NULL"), postgresql_where=text("revoked_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    #: the secret in the QR code: 26 characters of a 32-letter alphabet (130 bits)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    issued_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    revoked_at = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    registration = relationship("Registration")
