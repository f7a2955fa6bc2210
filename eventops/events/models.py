from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import UTCDateTime
from ..core.timeutil import now_utc
from ..extensions import db

CATEGORIES = {
    "attendee": _l("Attendee"),
    "exhibitor": _l("Exhibitor"),
    "broker": _l("Broker"),
    "speaker": _l("Speaker"),
    "media": _l("Media"),
    "vip": _l("VIP"),
    "staff": _l("Staff"),
}

QUESTION_KINDS = {
    "text": _l("Short text"),
    "textarea": _l("Long text"),
    "choice": _l("One choice"),
    "multi": _l("Several choices"),
    "yesno": _l("Yes / no"),
}

DEFAULT_TAGS = ["临床试验", "成果转化", "创新药", "医疗器械", "体外诊断", "基因与细胞治疗",
                "核医药", "罕见病", "数字医疗", "投融资", "政策"]


def _bilingual(zh, en):
    locale = str(get_locale() or "zh")
    if locale.startswith("en"):
        return en or zh
    return zh or en


class Event(db.Model):
    __tablename__ = "events"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name_zh: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    venue_zh: Mapped[str] = mapped_column(String(200), default="")
    venue_en: Mapped[str] = mapped_column(String(200), default="")
    starts_at = mapped_column(UTCDateTime, nullable=False)
    ends_at = mapped_column(UTCDateTime, nullable=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    #: places for the whole event; None means no overall limit
    capacity: Mapped[int | None] = mapped_column(Integer)
    registration_opens_at = mapped_column(UTCDateTime)
    registration_closes_at = mapped_column(UTCDateTime)
    #: registrations wait for an organizer's approval before they are confirmed
    requires_approval: Mapped[bool] = mapped_column(Boolean, default=False)
    #: freed places go to the waitlist automatically, in order; off: organizers pick by hand
    auto_promote: Mapped[bool] = mapped_column(Boolean, default=True)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    #: a signed contract counts in the live total only once a second person confirms it
    signing_requires_confirmation: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    interest_tags = mapped_column(JSON, nullable=False, default=list)
    #: when the door opens and closes (check-in window); None: 00:00 of the first day, end of the last
    #: day, in the event's time zone (checkin.services.window)
    checkin_opens_at = mapped_column(UTCDateTime)
    checkin_closes_at = mapped_column(UTCDateTime)
    #: bumped by every writer that must see the event's registrations unchanged (core.db.lock_row)
    lock_version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    created_at = mapped_column(UTCDateTime, nullable=False, default=now_utc)

    category_capacities = relationship("CategoryCapacity", back_populates="event",
                                       cascade="all, delete-orphan", order_by="CategoryCapacity.category")
    questions = relationship("Question", back_populates="event", cascade="all, delete-orphan",
                             order_by="Question.position")

    @property
    def name(self):
        return _bilingual(self.name_zh, self.name_en)

    @property
    def venue(self):
        return _bilingual(self.venue_zh, self.venue_en)

    @property
    def description(self):
        return _bilingual(self.description_zh, self.description_en)

    def category_capacity(self, category: str) -> int | None:
        for cc in self.category_capacities:
            if cc.category == category:
                return cc.capacity
        return None

    def registration_state(self, now=None) -> str:
        """'not_open', 'open' or 'closed' at ``now``."""
        now = now or now_utc()
        if self.registration_opens_at and now < self.registration_opens_at:
            return "not_open"
        closes = self.registration_closes_at or self.ends_at
        if now >= closes:
            return "closed"
        return "open"


class CategoryCapacity(db.Model):
    __tablename__ = "category_capacities"
    __table_args__ = (UniqueConstraint("event_id", "category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"))
    category: Mapped[str] = mapped_column(String(32))
    capacity: Mapped[int] = mapped_column(Integer)

    event = relationship("Event", back_populates="category_capacities")


class Question(db.Model):
    """A custom question of an event's registration form."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    label_zh: Mapped[str] = mapped_column(String(300))
    label_en: Mapped[str] = mapped_column(String(300), default="")
    kind: Mapped[str] = mapped_column(String(16), default="text")
    #: the choices of 'choice' and 'multi' questions
    options = mapped_column(JSON, nullable=False, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)

    event = relationship("Event", back_populates="questions")

    @property
    def label(self):
        return _bilingual(self.label_zh, self.label_en)
