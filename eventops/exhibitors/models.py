from flask_babel import lazy_gettext as _l
from sqlalchemy import DDL, JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import OfEvent, UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

PROFILE_STATUSES = {"draft": _l("Draft"), "submitted": _l("Awaiting review"), "published": _l("Published"),
                    "rejected": _l("Returned for changes")}
ZONES = {"hospitals": _l("Alliance hospitals"), "companies": _l("Companies"), "districts": _l("District boards"),
         "achievements": _l("Achievements showcase")}
DEMAND_KINDS = {"technology_need": _l("Technology need"), "cooperation_offer": _l("Cooperation offer"),
                "trial_site_need": _l("Trial-site need")}
DEMAND_STATUSES = {"submitted": _l("Awaiting review"), "published": _l("Published"), "rejected": _l("Not published")}


class ExhibitorProfile(db.Model):
    """What an organisation shows at one event; public only once an organizer has published it."""

    __tablename__ = "exhibitor_profiles"
    __table_args__ = (UniqueConstraint("event_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default="draft")
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    #: hospitals: GCP-certified specialties; companies: technical fields
    specialties = mapped_column(JSON, nullable=False, default=list)
    tags = mapped_column(JSON, nullable=False, default=list)
    trial_capacity: Mapped[str] = mapped_column(Text, default="")   # hospitals
    projects: Mapped[str] = mapped_column(Text, default="")         # technology-transfer projects
    needs: Mapped[str] = mapped_column(Text, default="")            # drug and device needs
    products: Mapped[str] = mapped_column(Text, default="")         # companies
    strengths: Mapped[str] = mapped_column(Text, default="")
    cooperation: Mapped[str] = mapped_column(Text, default="")      # cooperation intentions
    #: lower-cased text of everything searchable, kept in step by the service
    search_text: Mapped[str] = mapped_column(Text, default="")
    logo_id: Mapped[int | None] = mapped_column(ForeignKey("uploads.id", ondelete="SET NULL"))
    review_note: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at = mapped_column(UTCDateTime)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    organisation = relationship("Organisation", lazy="joined")
    event = relationship("Event")
    #: the edit waiting for review, if any (only a published profile has one)
    pending = relationship("ProfileRevision", uselist=False, viewonly=True,
                           primaryjoin="and_(ProfileRevision.profile_id == ExhibitorProfile.id, "
                                       "ProfileRevision.status == 'submitted')")

    @property
    def status_label(self):
        return PROFILE_STATUSES.get(self.status, self.status)


class ProfileRevision(db.Model):
    """An edit of a published profile, waiting for review. The public page keeps showing the
    published version until an organizer publishes this one (its fields are then copied over)."""

    __tablename__ = "profile_revisions"
    __table_args__ = (Index("ix_profile_revisions_profile", "profile_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("exhibitor_profiles.id", ondelete="CASCADE"))
    #: the edited fields: the text fields, specialties and tags
    data = mapped_column(JSON, nullable=False, default=dict)
    #: submitted (waiting for review), published (copied into the profile), rejected
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    review_note: Mapped[str] = mapped_column(String(500), default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at = mapped_column(UTCDateTime)


class Upload(db.Model):
    """A logo or brochure, kept in the database (every machine serves it); type checked by content."""

    __tablename__ = "uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))          # logo, brochure
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))  # image/png, image/jpeg, application/pdf only
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data = mapped_column(LargeBinary, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)


class Booth(OfEvent, db.Model):
    """A booth of the corridor, positioned in metres on the floor plan."""

    __tablename__ = "booths"
    __table_args__ = (UniqueConstraint("event_id", "code"),)

    code: Mapped[str] = mapped_column(String(16))
    zone: Mapped[str] = mapped_column(String(16))
    x: Mapped[float] = mapped_column(Float)
    y: Mapped[float] = mapped_column(Float)
    width: Mapped[float] = mapped_column(Float, default=3)
    depth: Mapped[float] = mapped_column(Float, default=2)
    #: the exhibitor at this booth; set only by a conditional UPDATE (never two at once)
    profile_id: Mapped[int | None] = mapped_column(ForeignKey("exhibitor_profiles.id", ondelete="SET NULL"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")  # district boards: 越秀 ...

    profile = relationship("ExhibitorProfile")

    @property
    def zone_label(self):
        return ZONES.get(self.zone, self.zone)


#: The database refuses two booths of one event on the same floor space (touching edges are fine):
#: an exclusion constraint on PostgreSQL, triggers on SQLite. The migration writes the same out.
BOOTH_OVERLAP_DDL = {
    "postgresql": [
        "CREATE EXTENSION IF NOT EXISTS btree_gist",
        """ALTER TABLE booths ADD CONSTRAINT booths_no_overlap EXCLUDE USING gist (
             event_id WITH =, numrange(x::numeric, (x + width)::numeric) WITH &&,
             numrange(y::numeric, (y + depth)::numeric) WITH &&)""",
    ],
    "sqlite": [
        f"""CREATE TRIGGER booths_no_overlap_{when} BEFORE {what} ON booths
            WHEN EXISTS (SELECT 1 FROM booths b WHERE b.event_id = NEW.event_id AND b.id IS NOT NEW.id
                         AND b.x < NEW.x + NEW.width AND NEW.x < b.x + b.width
                         AND b.y < NEW.y + NEW.depth AND NEW.y < b.y + b.depth)
            BEGIN SELECT RAISE(ABORT, 'booths overlap'); END"""
        for when, what in (("insert", "INSERT"), ("update", "UPDATE OF x, y, width, depth, event_id"))
    ],
}
for _dialect, _statements in BOOTH_OVERLAP_DDL.items():
    for _statement in _statements:
        event.listen(Booth.__table__, "after_create", DDL(_statement).execute_if(dialect=_dialect))


class BoothApplication(db.Model):
    __tablename__ = "booth_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("exhibitor_profiles.id", ondelete="CASCADE"))
    #: booth codes in order of preference, or a zone
    preferences = mapped_column(JSON, nullable=False, default=list)
    zone: Mapped[str] = mapped_column(String(16), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending, assigned, declined
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    profile = relationship("ExhibitorProfile")


class PrincipalInvestigator(db.Model):
    __tablename__ = "principal_investigators"
    __table_args__ = (Index("ix_principal_investigators_event", "event_id", "hospital_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    hospital_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(50))
    department: Mapped[str] = mapped_column(String(100), default="")
    specialty: Mapped[str] = mapped_column(String(100), default="")
    research_areas = mapped_column(JSON, nullable=False, default=list)
    trial_experience: Mapped[str] = mapped_column(Text, default="")
    search_text: Mapped[str] = mapped_column(Text, default="")

    hospital = relationship("Organisation", lazy="joined")


class Demand(db.Model):
    """A need or an offer published on the demand board after review."""

    __tablename__ = "demands"
    __table_args__ = (Index("ix_demands_event_status", "event_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    tags = mapped_column(JSON, nullable=False, default=list)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at = mapped_column(UTCDateTime)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    organisation = relationship("Organisation", lazy="joined")
    event = relationship("Event")

    @property
    def kind_label(self):
        return DEMAND_KINDS.get(self.kind, self.kind)


class Recommendation(db.Model):
    """A counterpart recommended for a published demand, with why."""

    __tablename__ = "recommendations"
    __table_args__ = (UniqueConstraint("demand_id", "profile_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    demand_id: Mapped[int] = mapped_column(ForeignKey("demands.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("exhibitor_profiles.id", ondelete="CASCADE"))
    score: Mapped[float] = mapped_column(Float)
    reasons = mapped_column(JSON, nullable=False, default=list)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    profile = relationship("ExhibitorProfile")
    demand = relationship("Demand")


class Notice(db.Model):
    """An in-app notice for an organisation's managers (the targeted push of the demand board, and
    of the platform's policies: those have no event)."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_org", "organisation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    #: a path on this site (no host: it works whatever host serves the site)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    read_at = mapped_column(UTCDateTime)


class Lead(db.Model):
    """A visitor whose badge an exhibitor scanned at the booth, with the visitor's consent."""

    __tablename__ = "leads"
    __table_args__ = (UniqueConstraint("profile_id", "registration_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    profile_id: Mapped[int] = mapped_column(ForeignKey("exhibitor_profiles.id", ondelete="CASCADE"))
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id", ondelete="CASCADE"))
    consent_at = mapped_column(UTCDateTime, nullable=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    scanned_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    registration = relationship("Registration")
