from flask_babel import gettext as _
from sqlalchemy import func, insert, select

from ..core import audit, fonts
from ..core.db import contains
from ..core.errors import DomainError
from ..core.timeutil import now_utc
from ..extensions import db
from ..events.models import CATEGORIES
from ..organisations.models import ORG_TYPES, Organisation
from ..registration.models import STATUS_APPROVED, Registration
from . import render
from .codes import new_code, parse, payload
from .models import Badge

BAND_LABELS = {"vip": "贵宾", "staff": "工作人员", "media": "媒体", "broker": "专业经纪人", "speaker": "演讲嘉宾",
               "exhibitor": "展商", "hospital": "医院", "enterprise": "企业", "government": "政府部门",
               "association": "行业协会", "service_agency": "服务机构", "university": "高校/科研院所", "other": "嘉宾"}
SORTS = {"name": (Registration.name,), "organisation": (Organisation.name, Registration.name),
         "category": (Registration.category, Organisation.name, Registration.name)}


def by_code(presented) -> Badge | None:
    """The badge whose code was presented (a QR payload ``EO1:...`` or the code typed), revoked
    ones too; None for anything that is not a known code."""
    code = parse(presented)
    return db.session.scalar(select(Badge).where(Badge.code == code)) if code else None


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


def badge_data(registration, badge) -> render.BadgeData:
    key = registration.category if registration.category in render.BAND_BY_CATEGORY else registration.organisation.org_type
    return render.BadgeData(
        name=registration.name, organisation=registration.organisation.name, position=registration.position,
        category=registration.category, org_type=registration.organisation.org_type,
        band_label=BAND_LABELS.get(key, "嘉宾"), event_name=registration.event.name_zh, payload=payload(badge.code))


def selection(event, *, category="", org_type="", organisation="", sort=""):
    """The approved registrations a bulk print covers, in print order."""
    query = (select(Registration).join(Organisation, Registration.organisation_id == Organisation.id)
             .where(Registration.event_id == event.id, Registration.status == STATUS_APPROVED))
    if category in CATEGORIES:
        query = query.where(Registration.category == category)
    if org_type in ORG_TYPES:
        query = query.where(Organisation.org_type == org_type)
    organisation = (organisation or "").strip()[:100]
    if organisation:
        query = query.where(contains(Organisation.name, organisation))
    return query.order_by(*SORTS.get(sort, SORTS["organisation"]), Registration.id)


def count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))


def unprintable(event, query, *, limit=50):
    """The people of a print whose badge would have a character that no font has (a private-use
    or unassigned code point, a character of a block no installed font covers), so that someone
    fixes the name, or supplies a font, before printing: (how many, the first ``limit`` of them as
    (registration id, name, organisation, the missing characters as ``U+E000``)). The event's name, on every badge,
    counts for all of them."""
    in_event_name = fonts.missing(event.name_zh or "")
    columns = query.with_only_columns(Registration.id, Registration.name, Organisation.name, Registration.position)
    found, total = [], 0
    for registration_id, name, organisation, position in db.session.execute(columns.execution_options(yield_per=2000)):
        chars = fonts.missing(f"{name}{organisation}{position or ''}")
        if chars or in_event_name:
            total += 1
            if len(found) < limit:
                found.append((registration_id, name, organisation,
                              [f"U+{ord(ch):04X}" for ch in dict.fromkeys(chars + in_event_name)]))
    return total, found


def print_run(event, **criteria):
    """Badges for a bulk print: issues the missing ones, then returns how many there are and an
    iterator of their render data (read in batches, so 30,000 badges never sit in memory)."""
    issue_missing(event)
    query = selection(event, **criteria).add_columns(Badge).join(
        Badge, (Badge.registration_id == Registration.id) & Badge.revoked_at.is_(None))

    def badges():
        for registration, badge in db.session.execute(query.execution_options(yield_per=500)):
            yield badge_data(registration, badge)
    return count(query), badges()
