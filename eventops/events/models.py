import secrets

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..core.db import OfEvent, UTCDateTime
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

#: the interest tags a new event starts with, and their English labels
DEFAULT_TAGS = {"临床试验": "Clinical trials", "成果转化": "Technology transfer", "创新药": "Innovative drugs",
                "医疗器械": "Medical devices", "体外诊断": "In-vitro diagnostics",
                "基因与细胞治疗": "Gene and cell therapy", "核医药": "Nuclear medicine",
                "罕见病": "Rare diseases", "数字医疗": "Digital health", "投融资": "Investment and financing",
                "政策": "Policy"}


def _english() -> bool:
    return str(get_locale() or "zh").startswith("en")


def _bilingual(zh, en):
    if _english():
        return en or zh
    return zh or en


def new_rules_version() -> int:
    """A fresh value for ``Event.rules_version``: random, so that a value is never used for two
    states of an event's rules (not after a concurrent change, not after a database is restored
    or re-created with the same ids)."""
    return secrets.randbits(62) + 1


class Bilingual:
    """A label chosen by the request's language when it is shown, not when it is built: a form
    class built once per event serves Chinese and English pages alike."""

    __slots__ = ("zh", "en")

    def __init__(self, zh, en=""):
        self.zh, self.en = zh or "", en or ""

    def __str__(self):
        return _bilingual(self.zh, self.en)

    def __html__(self):
        from markupsafe import escape
        return str(escape(str(self)))

    def __eq__(self, other):
        return isinstance(other, Bilingual) and (self.zh, self.en) == (other.zh, other.en)

    def __hash__(self):
        return hash((self.zh, self.en))

    def __repr__(self):
        return f"Bilingual({self.zh!r}, {self.en!r})"


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
    #: English labels of the interest tags, {tag: label}; the tag itself (Chinese) is what is stored
    interest_tags_en = mapped_column(JSON, nullable=False, default=dict)
    #: bumped by every writer that must see the event's registrations unchanged (core.db.lock_row)
    lock_version: Mapped[int] = mapped_column(Integer, default=0, nullable=False)
    #: places held (pending and approved registrations), kept by triggers on ``registrations``
    #: (see registration.counters), so that a sign-up reads it with the event's lock
    places_held: Mapped[int] = mapped_column(Integer, default=0, server_default="0", nullable=False)
    #: changes whenever the event, its questions or its places per category change (see below):
    #: every worker keys what it caches of the event (form class, rules) by it
    rules_version: Mapped[int] = mapped_column(BigInteger, default=new_rules_version, server_default="0",
                                               nullable=False)
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

    def tag_label(self, tag: str) -> str:
        """An interest tag as the reader's language shows it."""
        return _bilingual(tag, (self.interest_tags_en or {}).get(tag, ""))

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


class CategoryCapacity(OfEvent, db.Model):
    __tablename__ = "category_capacities"
    __table_args__ = (UniqueConstraint("event_id", "category"),)

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
    #: the choices of 'choice' and 'multi' questions (as stored in the answers)
    options = mapped_column(JSON, nullable=False, default=list)
    #: English labels of the options, in the same order ("" where there is none)
    options_en = mapped_column(JSON, nullable=False, default=list)
    required: Mapped[bool] = mapped_column(Boolean, default=False)

    event = relationship("Event", back_populates="questions")

    @property
    def label(self):
        return _bilingual(self.label_zh, self.label_en)

    def option_label(self, option: str) -> str:
        english = dict(zip(self.options or [], self.options_en or []))
        return _bilingual(option, english.get(option, ""))


# --- the rules version: any change to an event, its questions or its places per category gives
# the event a new ``rules_version`` in the same transaction (mapper events, so that every writer,
# services, the demo, tests, is covered). Caches compare it with what they hold.

_NOT_RULES = {"lock_version", "places_held", "rules_version"}


@event.listens_for(Event, "before_update")
def _event_changed(mapper, connection, target):
    from sqlalchemy import inspect
    state = inspect(target)
    if any(attr.history.has_changes() for attr in state.attrs if attr.key not in _NOT_RULES):
        target.rules_version = new_rules_version()


def _rules_changed(mapper, connection, target):
    from sqlalchemy.orm import object_session
    from sqlalchemy.orm.attributes import set_committed_value
    from sqlalchemy.orm.util import identity_key

    version = new_rules_version()
    connection.execute(Event.__table__.update().where(Event.__table__.c.id == target.event_id)
                       .values(rules_version=version))
    # the event's object in this session, if loaded, sees the new version without a reload
    session = object_session(target)
    loaded = session.identity_map.get(identity_key(Event, target.event_id)) if session is not None else None
    if loaded is not None:
        set_committed_value(loaded, "rules_version", version)


for _model in (Question, CategoryCapacity):
    for _name in ("after_insert", "after_update", "after_delete"):
        event.listen(_model, _name, _rules_changed)
