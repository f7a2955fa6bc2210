import secrets

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

ROLE_ORGANIZER = "organizer"
ROLE_DOOR_STAFF = "door_staff"
ROLE_LEDGER_CLERK = "ledger_clerk"
#: staffs the negotiation zone's tables: marks meetings held or no-show, fills freed tables
ROLE_ZONE_HOST = "zone_host"
EVENT_ROLES = (ROLE_ORGANIZER, ROLE_DOOR_STAFF, ROLE_LEDGER_CLERK, ROLE_ZONE_HOST)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    #: the id Flask-Login keeps in the session; replaced at logout and password change, which ends
    #: every session that still carries the old one
    session_token: Mapped[str] = mapped_column(String(64), unique=True, default=lambda: secrets.token_hex(16))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    last_login_at = mapped_column(UTCDateTime)

    event_roles = relationship("EventRole", back_populates="user", cascade="all, delete-orphan")
    managed_organisations = relationship("OrganisationManager", back_populates="user",
                                         cascade="all, delete-orphan")

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def rotate_session_token(self) -> None:
        self.session_token = secrets.token_hex(16)

    def get_id(self):
        return self.session_token

    @property
    def is_active(self):
        return self.active


class EventRole(db.Model):
    """A user's role at one event: organizer (everything) or door staff (scan and look up only)."""

    __tablename__ = "event_roles"
    __table_args__ = (UniqueConstraint("user_id", "event_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))

    user = relationship("User", back_populates="event_roles")
    event = relationship("Event")


class OrganisationManager(db.Model):
    """An exhibitor manager: edits the profile, booth and staff of one organisation."""

    __tablename__ = "organisation_managers"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)

    user = relationship("User", back_populates="managed_organisations")
    organisation = relationship("Organisation")
