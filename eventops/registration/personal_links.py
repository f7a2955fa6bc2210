"""Personal links mailed by the organizers: to the people an import brought in (when the organizer
ticks it on the import's confirm page), or to a selection of the back office's list (the rows
ticked, or everyone the filters match).

Each person gets a new link (``services.issue_link``: the links they have keep working) in a mail
through the outbox, delivered once the caller commits. Only people still in the running get one:
confirmed, awaiting review or waitlisted; cancelled and refused registrations are left out.

Many people are a job (``jobs.SEND_LINKS``), which commits every ``BATCH`` mails; work that may
run twice passes a ``key``, and a person whose mail under that key exists gets no second link
and no second mail. A few (up to ``INLINE_MAX``) are sent in the organizer's request.
"""
import re
import secrets

from sqlalchemy import func, select

from ..core import audit
from ..core.models import MailMessage
from ..core.timeutil import now_utc
from ..extensions import db
from . import mails, queries, services
from .models import STATUS_APPROVED, STATUS_PENDING, STATUS_WAITLISTED, Registration

#: the registrations a link is sent to
LINKABLE = (STATUS_APPROVED, STATUS_PENDING, STATUS_WAITLISTED)
#: mails written (and, in a job, committed) together
BATCH = 500
#: up to this many people the back office sends the links in the request; more are a job
INLINE_MAX = 50
#: at most this many ticked rows are taken from one request
MAX_SELECTED = 1000
SEND_KEY = re.compile(r"links-[A-Za-z0-9_-]{16}")


def recipients(event, *, ids=None, filters=None, import_batch_id=None):
    """The ids (a query, by id) of the registrations of ``event`` that a link goes to: those of
    ``ids``, or those matching the back office's ``filters`` (a ``queries.Filters`` as a dict),
    or those the import ``import_batch_id`` brought in; always only the ``LINKABLE`` ones."""
    if filters is not None:
        chosen = queries.Filters(**{k: v for k, v in filters.items() if k in queries.Filters.__dataclass_fields__})
        query = queries.filtered(event, chosen, with_organisation=bool(chosen.org_type)).with_only_columns(
            Registration.id)
    else:
        query = select(Registration.id).where(Registration.event_id == event.id)
    if ids is not None:
        query = query.where(Registration.id.in_([int(i) for i in ids][:MAX_SELECTED]))
    if import_batch_id is not None:
        query = query.where(Registration.import_batch_id == int(import_batch_id))
    return query.where(Registration.status.in_(LINKABLE)).order_by(Registration.id)


def count(event, **selection) -> int:
    return db.session.scalar(select(func.count()).select_from(recipients(event, **selection).subquery()))


def send(event, registration_ids, *, kind="sent", key=None, now=None) -> int:
    """A new personal link and its mail (``mails.send`` of ``kind``: sent, or imported) for each of
    these registrations that is still linkable. With ``key``, each mail's dedupe key is
    ``<key>:r<id>`` and those already written are skipped (one query for all of them). Returns
    how many mails were written. The caller commits."""
    if not registration_ids:
        return 0
    people = db.session.scalars(select(Registration).where(
        Registration.event_id == event.id, Registration.id.in_(list(registration_ids)),
        Registration.status.in_(LINKABLE)).order_by(Registration.id)).all()
    keys = {person.id: f"{key}:r{person.id}" for person in people} if key else {}
    written = set(db.session.scalars(select(MailMessage.dedupe_key).where(
        MailMessage.dedupe_key.in_(list(keys.values()))))) if keys else set()
    now = now or now_utc()
    sent = 0
    for person in people:
        dedupe_key = keys.get(person.id)
        if dedupe_key in written:
            continue
        mails.send(person, kind, services.issue_link(person, "sent", now=now), dedupe_key=dedupe_key)
        sent += 1
    db.session.flush()
    return sent


def new_send_key() -> str:
    """The key of one confirmation page (its hidden field): the mails it sends are keyed by it."""
    return "links-" + secrets.token_urlsafe(12)


def send_key(value) -> str | None:
    """A confirmation page's key as posted, or None when it is not one."""
    return value if isinstance(value, str) and SEND_KEY.fullmatch(value) else None


def send_now(event, selection: dict, *, actor, key=None) -> int:
    """Send the links of a small selection in the caller's transaction (the back office, up to
    ``INLINE_MAX`` people). With ``key`` (a confirmation page's), a person already sent a link
    under it gets none again. Returns how many mails were written."""
    ids = db.session.scalars(recipients(event, **selection)).all()
    sent = send(event, ids, key=key)
    record(event, actor, sent)
    return sent


def record(event, actor, sent: int, job=None) -> None:
    audit.record(actor, "registration.send_links", event=event,
                 details={"mails": sent, **({"job": job.id} if job is not None else {})})
