"""What the platform's modules share: the topic vocabulary, dates, the current event, text."""
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import InvalidInput
from ..core.timeutil import now_utc, to_zone
from ..events import services as events
from ..events.models import Event
from ..exhibitors.models import PrincipalInvestigator
from ..exhibitors.services import fold
from ..extensions import db

ZONE = "Asia/Shanghai"


def today() -> date:
    """The date in Guangzhou (validity is counted in the issuer's days)."""
    return to_zone(now_utc(), ZONE).date()


def vocabulary() -> list[str]:
    """The topics demands, PIs and exhibitors are tagged with: the installation's default tags and
    the interest tags of the published events, in that order, each once."""
    out = events.default_tags()
    for tags in db.session.scalars(select(Event.interest_tags).where(Event.published.is_(True))
                                   .order_by(Event.starts_at.desc())):
        out += [t for t in tags or [] if t not in out]
    return out


def clean_topics(values, *, field="topics") -> list[str]:
    """Topics chosen from the vocabulary; anything else is refused (a typo would match nothing)."""
    known = vocabulary()
    chosen = []
    for value in values or []:
        value = " ".join(str(value).split())
        if not value:
            continue
        if value not in known:
            raise InvalidInput({field: _("Unknown topic: %(topic)s", topic=value[:40])})
        if value not in chosen:
            chosen.append(value)
    return chosen


def checked_topics(values, errors: dict, *, field="topics") -> list[str]:
    """:func:`clean_topics`, its refusal written into ``errors`` rather than raised (as
    :func:`parse_date` does), so that a form's errors come in one round."""
    try:
        return clean_topics(values, field=field)
    except InvalidInput as exc:
        errors.update(exc.errors)
        return []


def parse_date(value, field, *, required=False) -> tuple[date | None, dict]:
    """A date typed as YYYY-MM-DD (or given as a date); returns (date, errors)."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value, {}
    text = (value or "").strip()
    if not text:
        return None, ({field: _("Please enter a date.")} if required else {})
    try:
        return date.fromisoformat(text), {}
    except ValueError:
        return None, {field: _("Enter the date as YYYY-MM-DD, for example 2025-05-24.")}


def current_event() -> Event | None:
    """The event whose find-a-PI and demand board the platform opens: the latest published event
    with PIs, else the latest published event."""
    with_pis = db.session.scalar(select(Event).where(Event.published.is_(True), Event.id.in_(
        select(PrincipalInvestigator.event_id))).order_by(Event.starts_at.desc()).limit(1))
    return with_pis or db.session.scalar(select(Event).where(Event.published.is_(True))
                                         .order_by(Event.starts_at.desc()).limit(1))


def published_event_ids():
    return select(Event.id).where(Event.published.is_(True))


def words(q: str, limit=5) -> list[str]:
    """The search words of a query, folded, at most ``limit`` of at most 50 characters."""
    return [fold(term[:50]) for term in (q or "").split()[:limit] if fold(term[:50])]


def clip(text, n) -> str:
    return (text or "").strip()[:n]
