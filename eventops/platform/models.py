"""The platform's records. They belong to the installation, not to one event: a policy, a
clinical trial or an article stays true from one year's event to the next. What comes from an
event (an achievement shown in its corridor, a contract in its ledger) keeps its event."""
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Date, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

REVIEW_STATUSES = {"draft": _l("Draft"), "submitted": _l("Awaiting review"), "published": _l("Published"),
                   "rejected": _l("Returned for changes")}
LEVELS = {"national": _l("National"), "provincial": _l("Provincial"), "municipal": _l("Municipal"),
          "district": _l("District")}
#: Guangzhou's districts; the four with boards in the corridor first
DISTRICTS = ["越秀", "荔湾", "黄埔", "南沙", "天河", "海珠", "白云", "番禺", "花都", "增城", "从化"]
VALIDITY = {"current": _l("In force"), "expiring": _l("Expiring soon"), "expired": _l("Expired"),
            "upcoming": _l("Not yet in force")}
STAGES = {"research": _l("Research"), "pilot": _l("Pilot"), "licensed": _l("Licensed"),
          "market": _l("On the market")}
TRIAL_PHASES = {"I": _l("Phase I"), "II": _l("Phase II"), "III": _l("Phase III"), "IV": _l("Phase IV"),
                "device": _l("Device trial"), "ivd": _l("Diagnostic trial"), "other": _l("Other study")}
LINK_KINDS = ("organisation", "contract", "policy")


def _bilingual(zh, en):
    return (en or zh) if str(get_locale() or "zh").startswith("en") else (zh or en)


class Policy(db.Model):
    """A policy entry of 汇政策: public once a platform reviewer has published it."""

    __tablename__ = "policies"
    __table_args__ = (Index("ix_policies_status_issued", "status", "issued_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(300))
    title_en: Mapped[str] = mapped_column(String(300), default="")
    #: the issuing body as printed on the document (several bodies joined by 、)
    issuer: Mapped[str] = mapped_column(String(200))
    level: Mapped[str] = mapped_column(String(16))
    #: for district policies: 越秀, 荔湾, 黄埔, 南沙...
    district: Mapped[str] = mapped_column(String(16), default="")
    document_no: Mapped[str] = mapped_column(String(100), default="")
    issued_on = mapped_column(Date, nullable=False)
    #: validity; no end date: in force until withdrawn
    valid_from = mapped_column(Date)
    valid_until = mapped_column(Date)
    topics = mapped_column(JSON, nullable=False, default=list)
    summary_zh: Mapped[str] = mapped_column(Text, default="")
    summary_en: Mapped[str] = mapped_column(Text, default="")
    source_url: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    #: the organisation whose manager submitted it (a department or an association); None: organizers
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(String(500), default="")
    published_at = mapped_column(UTCDateTime)
    #: lower-cased text of everything searchable, kept in step by the service
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    organisation = relationship("Organisation")
    attachments = relationship("PolicyAttachment", order_by="PolicyAttachment.id", cascade="all, delete-orphan",
                               back_populates="policy")

    @property
    def title(self):
        return _bilingual(self.title_zh, self.title_en)

    @property
    def summary(self):
        return _bilingual(self.summary_zh, self.summary_en)

    @property
    def level_label(self):
        label = LEVELS.get(self.level, self.level)
        return f"{label} · {self.district}" if self.level == "district" and self.district else label

    @property
    def status_label(self):
        return REVIEW_STATUSES.get(self.status, self.status)


class PolicyAttachment(db.Model):
    """A policy's PDF, kept in the database; its type is read from its bytes."""

    __tablename__ = "policy_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data = mapped_column(LargeBinary, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    policy = relationship("Policy", back_populates="attachments")


class PolicyPush(db.Model):
    """An organisation a published policy was pushed to, and why. One per policy and organisation:
    publishing again after an edit tells no one twice."""

    __tablename__ = "policy_pushes"
    __table_args__ = (UniqueConstraint("policy_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    reasons = mapped_column(JSON, nullable=False, default=list)
    #: how many managers were mailed
    managers: Mapped[int] = mapped_column(Integer, default=0)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    organisation = relationship("Organisation")


class PolicySession(db.Model):
    """A policy-interpretation session of an event's programme that presents a policy."""

    __tablename__ = "policy_sessions"
    __table_args__ = (UniqueConstraint("policy_id", "session_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("policies.id", ondelete="CASCADE"))
    session_id: Mapped[int] = mapped_column(ForeignKey("programme_sessions.id", ondelete="CASCADE"), index=True)

    session = relationship("ProgrammeSession")


class Achievement(db.Model):
    """An achievement an organisation showed in an event's corridor (the achievements showcase),
    with the stage it has reached."""

    __tablename__ = "achievements"
    __table_args__ = (Index("ix_achievements_org", "organisation_id", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    booth_id: Mapped[int | None] = mapped_column(ForeignKey("booths.id", ondelete="SET NULL"))
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    stage: Mapped[str] = mapped_column(String(16))
    summary: Mapped[str] = mapped_column(Text, default="")
    topics = mapped_column(JSON, nullable=False, default=list)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    organisation = relationship("Organisation")
    event = relationship("Event")
    booth = relationship("Booth")

    @property
    def title(self):
        return _bilingual(self.title_zh, self.title_en)

    @property
    def stage_label(self):
        return STAGES.get(self.stage, self.stage)


class ClinicalTrial(db.Model):
    """A clinical trial a hospital undertakes, entered by one of its managers; public once reviewed."""

    __tablename__ = "clinical_trials"
    __table_args__ = (Index("ix_clinical_trials_org_status", "organisation_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    #: the registry number (CTR2025xxxx, NCT0xxxxxxx, ChiCTR...)
    registration_no: Mapped[str] = mapped_column(String(40), default="")
    phase: Mapped[str] = mapped_column(String(8))
    sponsor: Mapped[str] = mapped_column(String(200), default="")
    topics = mapped_column(JSON, nullable=False, default=list)
    started_on = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="submitted")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_at = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(String(500), default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    organisation = relationship("Organisation")

    @property
    def phase_label(self):
        return TRIAL_PHASES.get(self.phase, self.phase)

    @property
    def status_label(self):
        return REVIEW_STATUSES.get(self.status, self.status)


class Article(db.Model):
    """An article of 院企合作巡礼, written in Markdown; public once reviewed and published."""

    __tablename__ = "articles"
    __table_args__ = (Index("ix_articles_status_published", "status", "published_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    review_note: Mapped[str] = mapped_column(String(500), default="")
    published_at = mapped_column(UTCDateTime)
    search_text: Mapped[str] = mapped_column(Text, default="")
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)
    updated_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    links = relationship("ArticleLink", cascade="all, delete-orphan", order_by="ArticleLink.id")

    @property
    def title(self):
        return _bilingual(self.title_zh, self.title_en)

    @property
    def status_label(self):
        return REVIEW_STATUSES.get(self.status, self.status)


class ArticleLink(db.Model):
    """What an article is about: an organisation (hospital, company), a ledger entry (a signed
    contract) or a policy."""

    __tablename__ = "article_links"
    __table_args__ = (UniqueConstraint("article_id", "kind", "target_id"),
                      Index("ix_article_links_target", "kind", "target_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    target_id: Mapped[int] = mapped_column(Integer)
