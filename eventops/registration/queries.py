"""The back office's list of registrations: search, filters, sorting, pages, statistics.

Built to stay fast at 30,000 registrations of one event:
- pages by keyset (``after``/``before`` a row's sort key and id), each order served by an index
  ending in the id, so the 300th page costs what the first does;
- search on one column, ``registrations.search_text`` (name, organisation key, e-mail key and
  mobile, kept by triggers: see ``triggers``), with a trigram GIN index on PostgreSQL and a narrow
  ``(event_id, search_text)`` index that SQLite scans instead of the table;
- totals from ``registration_counts`` when the filters are category and status only (exact, one
  row read per pair); otherwise counted, but only up to ``COUNT_CAP`` rows, and then shown as
  "more than" that.
"""
import base64
import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, or_, select, tuple_
from sqlalchemy.orm import contains_eager

from ..core.db import contains
from ..extensions import db
from ..organisations.models import Organisation
from ..organisations.services import name_key
from .models import Registration, RegistrationCount

#: counting stops here; the page says "more than"
COUNT_CAP = 5000

# each order: its key (one column) and direction; ties are broken by the id in the same direction
SORTS = {
    "newest": (Registration.created_at, "desc"),
    "oldest": (Registration.created_at, "asc"),
    "name": (Registration.name, "asc"),
    "organisation": (Organisation.name, "asc"),
    "category": (Registration.category, "asc"),
    "status": (Registration.status, "asc"),
}


@dataclass
class Filters:
    q: str = ""
    category: str = ""
    org_type: str = ""
    status: str = ""
    sort: str = "newest"


def search_terms(q: str) -> list[str]:
    """What ``q`` is looked for as in ``search_text``: as typed (lower case), folded like an
    organisation key (no spaces, full-width folded), and its digits when it has three or more
    (a mobile number typed with spaces or dashes)."""
    q = (q or "").strip()[:100].replace("\x1f", "")
    if not q:
        return []
    terms = [q.lower()]
    digits = "".join(ch for ch in q if ch.isdigit())
    for term in (name_key(q), digits if len(digits) >= 3 else ""):
        if term and term not in terms:
            terms.append(term)
    return terms


def filtered(event, filters: Filters, *, with_organisation=True):
    """The registrations of ``event`` that match ``filters`` (no order)."""
    query = select(Registration).where(Registration.event_id == event.id)
    if with_organisation or filters.org_type:
        query = (query.join(Organisation, Registration.organisation_id == Organisation.id)
                 .options(contains_eager(Registration.organisation)))  # one join, not a second eager one
    terms = search_terms(filters.q)
    if terms:
        query = query.where(or_(*[contains(Registration.search_text, term) for term in terms]))
    if filters.category:
        query = query.where(Registration.category == filters.category)
    if filters.status:
        query = query.where(Registration.status == filters.status)
    if filters.org_type:
        query = query.where(Organisation.org_type == filters.org_type)
    return query


# --- totals -----------------------------------------------------------------------------------

@dataclass
class Total:
    n: int
    #: the count stopped at COUNT_CAP: there are more than ``n``
    capped: bool = False


def _from_counters(filters: Filters) -> bool:
    return not filters.q.strip() and not filters.org_type


def total(event, filters: Filters) -> Total:
    """How many match: from the counters when they can say (no search, no type of organisation),
    else counted up to COUNT_CAP."""
    if _from_counters(filters):
        query = select(func.coalesce(func.sum(RegistrationCount.n), 0)).where(RegistrationCount.event_id == event.id)
        if filters.category:
            query = query.where(RegistrationCount.category == filters.category)
        if filters.status:
            query = query.where(RegistrationCount.status == filters.status)
        return Total(int(db.session.scalar(query)))
    inner = filtered(event, filters, with_organisation=bool(filters.org_type)).with_only_columns(Registration.id)
    n = db.session.scalar(select(func.count()).select_from(inner.limit(COUNT_CAP + 1).subquery()))
    return Total(min(n, COUNT_CAP), capped=n > COUNT_CAP)


# --- keyset pages -----------------------------------------------------------------------------

@dataclass
class Page:
    items: list
    total: Total
    #: cursors of the neighbouring pages (None: there is none)
    after: str | None = None
    before: str | None = None
    is_first: bool = True
    is_last: bool = True
    extra: dict = field(default_factory=dict)


def _encode(value, row_id) -> str:
    if isinstance(value, datetime):
        value = {"t": value.isoformat()}
    raw = json.dumps([value, row_id], ensure_ascii=False, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str | None):
    """(sort value, id) of a cursor, or None for a missing or malformed one (the first page)."""
    if not cursor or len(cursor) > 600:
        return None
    try:
        value, row_id = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if isinstance(value, dict):
            value = datetime.fromisoformat(value["t"])
            if value.tzinfo is None:
                return None
        if not isinstance(row_id, int) or not isinstance(value, (str, datetime)):
            return None
        return value, row_id
    except (ValueError, TypeError, KeyError, UnicodeDecodeError):
        return None


def _key_of(registration, sort):
    column, _direction = SORTS[sort]
    if column is Organisation.name:
        return registration.organisation.name
    return getattr(registration, column.key)


def keyset_page(event, filters: Filters, *, after=None, before=None, last=False, per_page=50) -> Page:
    """One page of the list in ``filters.sort`` order: the first, the one after or before a
    cursor, or the last.

    Without a search the page is one indexed query and the total comes from the counters. A
    search (or a type of organisation) must look at every row once anyway: that one pass reads
    the ids and sort keys of all matches (up to COUNT_CAP), which gives both the exact total and
    the page, and a second query loads the page's rows."""
    sort = filters.sort if filters.sort in SORTS else "newest"
    after_key, before_key = _decode(after), _decode(before)
    forward = not ((before and before_key is not None) or last)
    if not _from_counters(filters):
        found = _page_of_matches(event, filters, sort, after_key if forward else None,
                                 before_key if not forward else None, forward, per_page)
        if found is not None:
            return found
    column, direction = SORTS[sort]
    query = filtered(event, filters)
    key = tuple_(column, Registration.id)
    ascending = (direction == "asc") == forward
    if forward and after_key is not None:
        query = query.where(key > tuple_(*after_key) if direction == "asc" else key < tuple_(*after_key))
    elif not forward and before_key is not None:
        query = query.where(key < tuple_(*before_key) if direction == "asc" else key > tuple_(*before_key))
    order = (column.asc(), Registration.id.asc()) if ascending else (column.desc(), Registration.id.desc())
    rows = list(db.session.scalars(query.order_by(*order).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    if not forward:
        rows.reverse()
    return _finish(Page(items=rows, total=total(event, filters)), sort, forward, more,
                   after_key if forward else before_key)


def _finish(page, sort, forward, more, cursor_key) -> Page:
    rows = page.items
    if not rows:
        return page
    if forward:
        page.is_first, page.is_last = cursor_key is None, not more
    else:
        page.is_first, page.is_last = not more, cursor_key is None
    page.before = None if page.is_first else _encode(_key_of(rows[0], sort), rows[0].id)
    page.after = None if page.is_last else _encode(_key_of(rows[-1], sort), rows[-1].id)
    return page


def _page_of_matches(event, filters, sort, after_key, before_key, forward, per_page) -> Page | None:
    """The page and the exact total from one pass over the matches; None when there are more
    than COUNT_CAP (then the indexed keyset query and a capped count do)."""
    column, direction = SORTS[sort]
    needs_join = bool(filters.org_type) or column is Organisation.name
    query = filtered(event, filters, with_organisation=needs_join).with_only_columns(column, Registration.id)
    keys = db.session.execute(query.limit(COUNT_CAP + 1)).all()
    if len(keys) > COUNT_CAP:
        return None
    descending = direction == "desc"
    matches = len(keys)
    keys = sorted(((k, i) for k, i in keys), reverse=descending)
    if forward:
        if after_key is not None:
            keys = [k for k in keys if (k < after_key if descending else k > after_key)]
        chosen, more = keys[:per_page], len(keys) > per_page
    else:
        if before_key is not None:
            keys = [k for k in keys if (k > before_key if descending else k < before_key)]
        chosen, more = keys[-per_page:], len(keys) > per_page
    ids = [i for _k, i in chosen]
    loaded = {r.id: r for r in db.session.scalars(filtered(event, Filters()).where(Registration.id.in_(ids)))} if ids else {}
    page = Page(items=[loaded[i] for i in ids if i in loaded], total=Total(matches))
    return _finish(page, sort, forward, more, after_key if forward else before_key)


def page(event, filters: Filters, number: int = 1, per_page: int = 50):
    """(registrations on page ``number``, how many match, up to COUNT_CAP), for short lists (the
    door staff's look-up, the scanner's search); the back office pages by keyset."""
    sort = filters.sort if filters.sort in SORTS else "newest"
    column, direction = SORTS[sort]
    order = (column.asc(), Registration.id.asc()) if direction == "asc" else (column.desc(), Registration.id.desc())
    items = list(db.session.scalars(filtered(event, filters).order_by(*order)
                                    .limit(per_page).offset((max(1, number) - 1) * per_page)))
    return items, total(event, filters).n


# --- statistics -------------------------------------------------------------------------------

def counts_by(event, column) -> dict[str, int]:
    if column is Registration.status or column is Registration.category:
        counter = RegistrationCount.status if column is Registration.status else RegistrationCount.category
        rows = db.session.execute(select(counter, func.sum(RegistrationCount.n)).where(
            RegistrationCount.event_id == event.id).group_by(counter)).all()
        return {k: int(n) for k, n in rows if n}
    return dict(db.session.execute(
        select(column, func.count()).select_from(Registration)
        .join(Organisation, Registration.organisation_id == Organisation.id)
        .where(Registration.event_id == event.id).group_by(column)).all())


def waitlisted_by_category(event) -> dict[str, int]:
    rows = db.session.execute(select(RegistrationCount.category, RegistrationCount.n).where(
        RegistrationCount.event_id == event.id, RegistrationCount.status == "waitlisted")).all()
    return {c: n for c, n in rows if n}


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
