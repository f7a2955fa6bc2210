"""The back office's list of registrations: search, filters, sorting, pages, statistics."""
from dataclasses import dataclass

from sqlalchemy import func, or_, select
from sqlalchemy.orm import contains_eager

from ..core.db import contains
from ..extensions import db
from ..organisations.models import Organisation
from .models import Registration

SORTS = {
    "newest": (Registration.created_at.desc(), Registration.id.desc()),
    "oldest": (Registration.created_at.asc(), Registration.id.asc()),
    "name": (Registration.name.asc(), Registration.id.asc()),
    "organisation": (Organisation.name.asc(), Registration.id.asc()),
    "category": (Registration.category.asc(), Registration.id.asc()),
    "status": (Registration.status.asc(), Registration.id.asc()),
}


@dataclass
class Filters:
    q: str = ""
    category: str = ""
    org_type: str = ""
    status: str = ""
    sort: str = "newest"


def filtered(event, filters: Filters):
    query = (select(Registration).join(Organisation, Registration.organisation_id == Organisation.id)
             .options(contains_eager(Registration.organisation))  # one join, not a second eager one
             .where(Registration.event_id == event.id))
    q = (filters.q or "").strip()[:100]
    if q:
        digits = "".join(ch for ch in q if ch.isdigit())
        conditions = [
            contains(func.lower(Registration.name), q.lower()),
            contains(Organisation.name_key, "".join(q.lower().split())),
            contains(Registration.email_key, q.lower()),
        ]
        if len(digits) >= 3:
            conditions.append(contains(Registration.mobile, digits))
        query = query.where(or_(*conditions))
    if filters.category:
        query = query.where(Registration.category == filters.category)
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.org_type:
        query = query.where(Organisation.org_type == filters.org_type)
    return query


def page(event, filters: Filters, number: int = 1, per_page: int = 50):
    """(registrations on that page, how many match in all)."""
    query = filtered(event, filters)
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    number = max(1, number)
    order = SORTS.get(filters.sort, SORTS["newest"])
    items = list(db.session.scalars(query.order_by(*order).limit(per_page).offset((number - 1) * per_page)))
    return items, total


def counts_by(event, column) -> dict[str, int]:
    return dict(db.session.execute(
        select(column, func.count()).select_from(Registration)
        .join(Organisation, Registration.organisation_id == Organisation.id)
        .where(Registration.event_id == event.id).group_by(column)).all())


def waitlisted_by_category(event) -> dict[str, int]:
    return dict(db.session.execute(
        select(Registration.category, func.count()).where(
            Registration.event_id == event.id, Registration.status == "waitlisted")
        .group_by(Registration.category)).all())


def statistics(event) -> dict:
    return {
        "by_status": counts_by(event, Registration.status),
        "by_category": counts_by(event, Registration.category),
        "by_org_type": counts_by(event, Organisation.org_type),
    }


def event_organisations(event) -> list[Organisation]:
    """The organisations taking part in the event: those with an active registration."""
    taking_part = select(Registration.organisation_id).where(
        Registration.event_id == event.id, Registration.status != "cancelled")
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(taking_part))
                                   .order_by(Organisation.name)))
