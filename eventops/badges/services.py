from flask_babel import gettext as _
from sqlalchemy import insert, select

from ..core import audit
from ..core.errors import DomainError
from ..core.timeutil import now_utc
from ..extensions import db
from ..registration.models import Registration
from .codes import new_code
from .models import Badge


def active_badge(registration) -> Badge | None:
    return db.session.scalar(select(Badge).where(Badge.registration_id == registration.id,
                                                 Badge.revoked_at.is_(None)))


def badge_for(registration) -> Badge:
    """The registration's active badge, issued now if it has none."""
    badge = active_badge(registration)
    if badge is None:
        badge = Badge(event_id=registration.event_id, registration_id=registration.id, code=new_code(),
                      issued_at=now_utc())
        db.session.add(badge)
        db.session.flush()
    return badge


def issue_missing(event) -> int:
    """Issue badges, in one statement, to every registration of the event that has none."""
    has_badge = select(Badge.registration_id).where(Badge.event_id == event.id, Badge.revoked_at.is_(None))
    ids = db.session.scalars(select(Registration.id).where(
        Registration.event_id == event.id, Registration.id.not_in(has_badge))).all()
    now = now_utc()
    if ids:
        db.session.execute(insert(Badge), [dict(event_id=event.id, registration_id=i, code=new_code(), issued_at=now)
                                           for i in ids])
    return len(ids)


def reissue(registration, *, actor) -> Badge:
    """A new code; the old one now scans as 'revoked' (a lost or copied badge)."""
    if registration.status == "cancelled":
        raise DomainError("cancelled", _("A cancelled registration gets no badge."))
    old = active_badge(registration)
    if old is not None:
        old.revoked_at, old.revoked_by_id = now_utc(), actor.id
        db.session.flush()
    badge = badge_for(registration)
    audit.record(actor, "badge.reissue", registration, event=registration.event,
                 details={"old_badge": old.id if old else None, "new_badge": badge.id})
    return badge
