"""Creating and changing events; who works at them."""
import re
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ..accounts import services as accounts
from ..accounts.models import EVENT_ROLES, ROLE_ORGANIZER, EventRole
from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError, InvalidInput
from ..core.timeutil import to_zone
from ..core.models import MailMessage
from ..extensions import db
from .models import CATEGORIES, DEFAULT_TAGS, QUESTION_KINDS, CategoryCapacity, Event, Question
from .signals import capacity_changed, question_deleting

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{1,62}[a-z0-9])$")


class EventError(DomainError):
    pass


@dataclass
class EventData:
    slug: str
    name_zh: str
    name_en: str = ""
    venue_zh: str = ""
    venue_en: str = ""
    description_zh: str = ""
    description_en: str = ""
    starts_at: datetime | None = None          # aware
    ends_at: datetime | None = None            # aware
    timezone: str = "Asia/Shanghai"
    capacity: int | None = None
    category_capacities: dict = field(default_factory=dict)   # category -> int
    registration_opens_at: datetime | None = None
    registration_closes_at: datetime | None = None
    requires_approval: bool = False
    auto_promote: bool = True
    published: bool = True
    signing_requires_confirmation: bool = False
    interest_tags: list = field(default_factory=list)
    #: English labels of the tags, {tag: label}; None on a new event: the defaults' own labels
    interest_tags_en: dict | None = None


def split_label(line: str) -> tuple[str, str]:
    """'临床试验 | Clinical trials' -> ('临床试验', 'Clinical trials'); a line without a bar has no
    English label. (A full-width bar counts too: it is what a Chinese keyboard types.)"""
    text = (line or "").replace("｜", "|")
    zh, _bar, en = text.partition("|")
    return " ".join(zh.split()), " ".join(en.split())


def parse_labelled_lines(lines) -> tuple[list[str], list[str]]:
    """Lines of 'Chinese | English' as (values, English labels), blank lines and repeats dropped."""
    values, english = [], []
    for line in lines or ():
        zh, en = split_label(line)
        if zh and zh not in values:
            values.append(zh)
            english.append(en)
    return values, english


def labelled_lines(values, english) -> str:
    """The inverse of :func:`parse_labelled_lines`, for the organizer's form."""
    english = list(english or [])
    return "\n".join(f"{v} | {english[i]}" if i < len(english) and english[i] else v for i, v in enumerate(values))


def _check(data: EventData, event=None):
    errors = {}
    if not SLUG.match(data.slug or ""):
        errors["slug"] = _("Use 3 to 64 lower-case letters, digits and dashes.")
    elif db.session.scalar(select(Event.id).where(Event.slug == data.slug, Event.id != getattr(event, "id", None))):
        errors["slug"] = _("Another event already uses this address.")
    if not (data.name_zh or "").strip():
        errors["name_zh"] = _("Please enter the Chinese name.")
    if data.timezone not in available_timezones():
        errors["timezone"] = _("Unknown time zone.")
    if not data.starts_at or not data.ends_at:
        errors["starts_at"] = _("Please enter when the event starts and ends.")
    elif data.ends_at <= data.starts_at:
        errors["ends_at"] = _("The event must end after it starts.")
    if data.registration_opens_at and data.registration_closes_at and \
            data.registration_closes_at <= data.registration_opens_at:
        errors["registration_closes_at"] = _("Registration must close after it opens.")
    if data.capacity is not None and data.capacity < 0:
        errors["capacity"] = _("Capacity cannot be negative.")
    for category, value in (data.category_capacities or {}).items():
        if category not in CATEGORIES:
            errors["category_capacities"] = _("Unknown category.")
        elif value is not None and value < 0:
            errors[f"cap_{category}"] = _("Capacity cannot be negative.")
    if errors:
        raise InvalidInput(errors)


def create_event(data: EventData, *, actor) -> Event:
    _check(data)
    if data.interest_tags_en is None:
        data.interest_tags_en = {t: DEFAULT_TAGS[t] for t in data.interest_tags if t in DEFAULT_TAGS}
    event = Event()
    _apply(event, data)
    db.session.add(event)
    db.session.flush()
    db.session.add(EventRole(user_id=actor.id, event_id=event.id, role=ROLE_ORGANIZER))
    audit.record(actor, "event.create", event, event=event, details={"slug": event.slug})
    db.session.flush()
    return event


def update_event(event: Event, data: EventData, *, actor) -> list:
    """Change an event. Its places may have changed: ``capacity_changed`` is sent, and the
    people moved from the waitlist (by registration, in order) are returned."""
    _check(data, event)
    lock_row("events", event.id)
    before = _describe(event)
    _apply(event, data)
    db.session.flush()
    after = _describe(event)
    audit.record(actor, "event.update", event, event=event,
                 details={k: [before[k], v] for k, v in after.items() if before[k] != v})
    return [person for _receiver, done in capacity_changed.send(event, actor=actor) for person in done or ()]


def _apply(event, data):
    for name in ("slug", "name_zh", "name_en", "venue_zh", "venue_en", "description_zh",
                 "description_en", "starts_at", "ends_at", "timezone", "capacity",
                 "registration_opens_at", "registration_closes_at", "requires_approval",
                 "auto_promote", "published", "signing_requires_confirmation"):
        setattr(event, name, getattr(data, name))
    tags, english = parse_labelled_lines(data.interest_tags)
    given = data.interest_tags_en if data.interest_tags_en is not None else dict(event.interest_tags_en or {})
    english = {t: en or given.get(t, "") for t, en in zip(tags, english)}
    event.interest_tags = tags
    event.interest_tags_en = {t: en for t, en in english.items() if en}
    wanted = {c: v for c, v in (data.category_capacities or {}).items() if v is not None}
    for cc in list(event.category_capacities):
        if cc.category not in wanted:
            event.category_capacities.remove(cc)
        else:
            cc.capacity = wanted.pop(cc.category)
    for category, value in wanted.items():
        event.category_capacities.append(CategoryCapacity(category=category, capacity=value))


DESCRIBED = ("slug", "name_zh", "name_en", "venue_zh", "venue_en", "description_zh", "description_en", "timezone",
             "starts_at", "ends_at", "registration_opens_at", "registration_closes_at", "capacity",
             "requires_approval", "auto_promote", "published", "signing_requires_confirmation", "interest_tags",
             "interest_tags_en")


def _describe(event):
    """Every setting an organizer can change, as the audit log shows it (times in the event's zone)."""
    out = {}
    for name in DESCRIBED:
        value = getattr(event, name)
        if isinstance(value, datetime):
            value = to_zone(value, event.timezone).strftime("%Y-%m-%d %H:%M")
        out[name] = list(value) if isinstance(value, list) else value
    out["category_capacities"] = {c.category: c.capacity for c in event.category_capacities}
    return out


def add_question(event, *, label_zh, label_en="", kind="text", options=(), required=False, actor) -> Question:
    """Add a question. ``options`` are lines 'Chinese | English' (the English label optional)."""
    errors = {}
    if not (label_zh or "").strip():
        errors["label_zh"] = _("Please enter the question in Chinese.")
    if kind not in QUESTION_KINDS:
        errors["kind"] = _("Unknown kind of question.")
    options, options_en = parse_labelled_lines(options)
    if kind in ("choice", "multi") and len(options) < 2:
        errors["options"] = _("Give at least two choices, one per line.")
    if errors:
        raise InvalidInput(errors)
    position = max([q.position for q in event.questions], default=0) + 1
    question = Question(event=event, position=position, label_zh=label_zh.strip()[:300],
                        label_en=(label_en or "").strip()[:300], kind=kind,
                        options=options if kind in ("choice", "multi") else [],
                        options_en=options_en if kind in ("choice", "multi") else [], required=bool(required))
    db.session.add(question)
    db.session.flush()
    audit.record(actor, "question.create", question, event=event, details={"label": question.label_zh})
    return question


def delete_question(question, *, actor):
    question_deleting.send(question)  # a part that depends on the question may refuse
    audit.record(actor, "question.delete", question, event=question.event, details={"label": question.label_zh})
    db.session.delete(question)
    db.session.flush()


def grant_role(event, email: str, role: str, *, actor) -> EventRole:
    if role not in EVENT_ROLES:
        raise EventError("role", _("Unknown role."))
    user = accounts.find_by_email(email)
    if user is None:
        # someone new to EventOps: an account they activate by setting a password from the mail
        user = accounts.invite(email)
        accounts.mail_reset_link(user, invited_to=event)
    existing = db.session.scalar(select(EventRole).where(
        EventRole.user_id == user.id, EventRole.event_id == event.id, EventRole.role == role))
    if existing:
        return existing
    grant = EventRole(user_id=user.id, event_id=event.id, role=role)
    db.session.add(grant)
    db.session.flush()
    audit.record(actor, "role.grant", grant, event=event, details={"user": user.email, "role": role})
    return grant


def revoke_role(grant: EventRole, *, actor):
    if grant.user_id == actor.id and grant.role == ROLE_ORGANIZER:
        raise EventError("self", _("You cannot remove yourself as organizer."))
    audit.record(actor, "role.revoke", grant, event=grant.event, details={"user": grant.user.email, "role": grant.role})
    db.session.delete(grant)
    db.session.flush()


def may_create_events(user) -> bool:
    """Admins and organizers of some event may create events."""
    return user.is_admin or any(r.role == ROLE_ORGANIZER for r in user.event_roles)


def events_for(user) -> list[Event]:
    if user.is_admin:
        return list(db.session.scalars(select(Event).order_by(Event.starts_at.desc())))
    mine = select(EventRole.event_id).where(EventRole.user_id == user.id)
    return list(db.session.scalars(select(Event).where(Event.id.in_(mine)).order_by(Event.starts_at.desc())))


def team_of(event) -> list[EventRole]:
    return list(db.session.scalars(select(EventRole).where(EventRole.event_id == event.id)
                                   .order_by(EventRole.role, EventRole.id)))


OUTBOX_FILTERS = ("failed", "queued", "sent", "unsent")


def outbox_of(event, *, page=1, per_page=50, status=""):
    """A page of the mails sent for the event, newest first; ``status`` keeps those in that state
    (``queued`` includes the ones a worker is sending)."""
    query = select(MailMessage).where(MailMessage.event_id == event.id)
    if status == "queued":
        query = query.where(MailMessage.status.in_(("queued", "sending")))
    elif status in OUTBOX_FILTERS:
        query = query.where(MailMessage.status == status)
    return db.paginate(query.order_by(MailMessage.id.desc()), page=max(page or 1, 1), per_page=per_page,
                       error_out=False)


def failed_mail_count(event) -> int:
    return db.session.scalar(select(func.count()).select_from(MailMessage).where(
        MailMessage.event_id == event.id, MailMessage.status == "failed"))


def public_events() -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.published.is_(True)).order_by(Event.starts_at.desc())))


def by_slug(slug: str, *, with_rules=False) -> Event | None:
    """The event at that address; ``with_rules`` loads its questions and capacities in the same
    round trip (the registration form needs both)."""
    query = select(Event).where(Event.slug == slug)
    if with_rules:
        query = query.options(selectinload(Event.questions), selectinload(Event.category_capacities))
    return db.session.scalar(query)


def zone(event) -> ZoneInfo:
    return ZoneInfo(event.timezone)


def default_tags() -> list[str]:
    return list(DEFAULT_TAGS)


def default_tag_lines() -> str:
    """The default tags as the organizer's form shows them: 'Chinese | English', one per line."""
    return labelled_lines(list(DEFAULT_TAGS), list(DEFAULT_TAGS.values()))
