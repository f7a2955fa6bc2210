"""Registration rules: places, the waitlist, approval, duplicates, personal links.

Every function that changes who holds a place takes the event's row lock first
(``_lock_event`` / ``core.db.lock_row``), so the counts it reads cannot change before it commits:
capacity never overshoots and one person is never registered twice, on SQLite and on PostgreSQL
alike. The counts are not counted: triggers keep ``Event.places_held`` and
``registration_counts`` exact in the transaction that changes a registration (see
``triggers``), and a sign-up reads the event's places held in the statement that takes the lock.
Services flush; the caller commits once.

Personal links: a registration's first link is ``Registration.token_hash``; later ones (asked for
again, sent with a status mail) are ``RegistrationLink`` rows. Issuing a link never revokes
another; revoking all others is the registrant's explicit action.

Nothing a stranger can type learns whether someone is registered beyond what the refusal of a
second registration must say: the refusal names no field and offers to mail the personal link to
the address of the registration that exists.
"""
import hashlib
import secrets
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select, text, union_all, update
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.urls import absolute_url
from ..core.timeutil import now_utc
from ..events.rules import rules_of
from ..extensions import db
from ..organisations import services as organisations
from . import mails, validation
from .models import (ACTIVE, PLACE_HOLDING, STATUS_APPROVED, STATUS_CANCELLED, STATUS_PENDING,
                     STATUS_REJECTED, STATUS_WAITLISTED, Registration, RegistrationCount,
                     RegistrationLink)
from .validation import RegistrationData

#: a registration gets at most one "send my link again" mail in this span, whoever asks
RESEND_INTERVAL = timedelta(minutes=2)


class RegistrationError(DomainError):
    pass


# --- personal links ---------------------------------------------------------------------------

def new_token() -> tuple[str, str]:
    """A personal-link secret (192 bits) and the hash that is stored."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def by_token(token: str) -> Registration | None:
    """The registration a personal link opens: its first link, or a later one not revoked."""
    if not token or len(token) > 64:
        return None
    digest = hash_token(token)
    found = db.session.scalar(select(Registration).where(Registration.token_hash == digest))
    if found is not None:
        return found
    return db.session.scalar(select(Registration).join(
        RegistrationLink, RegistrationLink.registration_id == Registration.id).where(
        RegistrationLink.token_hash == digest, RegistrationLink.revoked_at.is_(None)))


def issue_link(registration, kind: str = "mail", *, now=None) -> str:
    """A new personal link for ``registration`` (the others keep working). Returns the secret."""
    token, digest = new_token()
    db.session.add(RegistrationLink(registration_id=registration.id, token_hash=digest, kind=kind,
                                    created_at=now or now_utc()))
    return token


#: what ``Registration.token_hash`` holds once the first link is revoked: unique, and never a
#: SHA-256 hex digest (the dash), so no secret opens it
REVOKED = "-"


def _revoked_first_link() -> str:
    return REVOKED + secrets.token_hex(32)[:63]


def other_links(registration, token: str) -> int:
    """How many personal links of ``registration`` work besides ``token``'s."""
    digest = hash_token(token)
    rows = db.session.scalar(select(func.count()).select_from(RegistrationLink).where(
        RegistrationLink.registration_id == registration.id, RegistrationLink.revoked_at.is_(None),
        RegistrationLink.token_hash != digest))
    first_works = registration.token_hash != digest and not registration.token_hash.startswith(REVOKED)
    return rows + (1 if first_works else 0)


def links_generation(registration) -> str:
    """A fingerprint of the registration's personal links that changes whenever links are revoked
    (for credentials derived from them, such as the meetings link): the first link's hash and the
    last revocation."""
    last = db.session.scalar(select(func.max(RegistrationLink.revoked_at)).where(
        RegistrationLink.registration_id == registration.id))
    return hashlib.sha256(f"{registration.token_hash}|{last.isoformat() if last else ''}".encode()).hexdigest()[:16]


def revoke_other_links(registration, token: str, *, now=None) -> int:
    """Make every personal link of ``registration`` stop working except ``token``'s (the
    registrant's choice on their page, after a link went where it should not). Returns how many
    stopped."""
    digest = hash_token(token)
    if by_token(token) is not registration:
        raise RegistrationError("not_found", _("This link does not open this registration."), status=404)
    revoked = db.session.execute(
        update(RegistrationLink).where(RegistrationLink.registration_id == registration.id,
                                       RegistrationLink.revoked_at.is_(None),
                                       RegistrationLink.token_hash != digest)
        .values(revoked_at=now or now_utc())).rowcount
    if registration.token_hash != digest and not registration.token_hash.startswith(REVOKED):
        # the first link: its hash gives way to a value no secret hashes to
        registration.token_hash = _revoked_first_link()
        revoked += 1
    db.session.flush()
    return revoked


def resend_link(event, email: str = "", mobile: str = "", *, now=None) -> bool:
    """Mail a new personal link to the registration with that e-mail address or mobile number, at
    the address it was made with (never at an address the asker typed). Existing links keep
    working. At most one such mail per registration every RESEND_INTERVAL, whoever asks.

    The caller answers the same whether or not anything was sent, so nobody can probe who came.
    """
    now = now or now_utc()
    email_key = validation.normalise_email(email or "")
    email_key = email_key.lower() if email_key else None
    mobile = validation.normalise_mobile(mobile or "") if mobile else None
    if not email_key and not mobile:
        return False
    registration = _find_duplicate(event, mobile or "", email_key or "", load=True)
    if registration is None:
        return False
    recent = db.session.scalar(select(func.count()).select_from(RegistrationLink).where(
        RegistrationLink.registration_id == registration.id, RegistrationLink.kind == "resend",
        RegistrationLink.created_at > now - RESEND_INTERVAL))
    if recent:
        return False
    mails.send(registration, "link", issue_link(registration, "resend", now=now))
    return True


def personal_url(token: str) -> str:
    return absolute_url("registration.personal", token=token)


# --- places -----------------------------------------------------------------------------------

def places_taken(event) -> tuple[int, dict[str, int]]:
    """(places held in the whole event, places held per category), from the counters."""
    rows = db.session.execute(
        select(RegistrationCount.category, func.sum(RegistrationCount.n)).where(
            RegistrationCount.event_id == event.id, RegistrationCount.status.in_(PLACE_HOLDING))
        .group_by(RegistrationCount.category)).all()
    per_category = {category: int(n) for category, n in rows if n}
    return sum(per_category.values()), per_category


def held_in(event, category) -> int:
    """Places held in one category (one read of at most two counter rows)."""
    return int(db.session.scalar(select(func.coalesce(func.sum(RegistrationCount.n), 0)).where(
        RegistrationCount.event_id == event.id, RegistrationCount.category == category,
        RegistrationCount.status.in_(PLACE_HOLDING))) or 0)


def has_room_for(event, category, *, capacity=..., held=None, rules=None) -> bool:
    """Whether one more place is free in ``category``. Call it under the event's lock when the
    answer decides anything. ``capacity`` and ``held`` may come from the lock's own statement."""
    capacity = event.capacity if capacity is ... else capacity
    if capacity is not None:
        held = event_places_held(event) if held is None else held
        if held >= capacity:
            return False
    limit = (rules or rules_of(event)).capacity(category)
    if limit is not None and held_in(event, category) >= limit:
        return False
    return True


def event_places_held(event) -> int:
    return int(db.session.scalar(text("SELECT places_held FROM events WHERE id = :id"), {"id": event.id}))


def full_categories(event, categories) -> set[str]:
    """Of ``categories``, those where a new registration would go on the waitlist now (for the
    form's notice; not a decision: that is taken again under the lock)."""
    rules = rules_of(event)
    if event.capacity is not None and event_places_held(event) >= event.capacity:
        return set(categories)
    limited = [c for c in categories if rules.capacity(c) is not None]
    if not limited:
        return set()
    _total, per_category = places_taken(event)
    return {c for c in limited if per_category.get(c, 0) >= rules.capacity(c)}


def _has_room(event, category, total, per_category) -> bool:
    if event.capacity is not None and total >= event.capacity:
        return False
    limit = rules_of(event).capacity(category)
    if limit is not None and per_category.get(category, 0) >= limit:
        return False
    return True


#: where a registration comes from when it waits for an organizer's approval (on an event that
#: requires it): the public form and the CSV import. An organizer's own entry is their approval.
NEEDS_APPROVAL = ("web", "import")


def status_with_a_place(event, source) -> str:
    """The status of a registration from ``source`` that gets a place: awaiting review when the
    event requires approval of such registrations, else confirmed."""
    return STATUS_PENDING if (event.requires_approval and source in NEEDS_APPROVAL) else STATUS_APPROVED


def arrival_statuses(event, categories, *, source) -> list[str]:
    """The statuses that new registrations of ``categories`` (in this order) get from ``source``,
    taking places while there is room, as one sign-up after another would: confirmed or awaiting
    review while the event and the category have room, waitlisted after. Read from the counters;
    call it under the event's lock when the answer decides anything (a forecast otherwise)."""
    total, per_category = places_taken(event)
    with_place = status_with_a_place(event, source)
    statuses = []
    for category in categories:
        if _has_room(event, category, total, per_category):
            total += 1
            per_category[category] = per_category.get(category, 0) + 1
            statuses.append(with_place)
        else:
            statuses.append(STATUS_WAITLISTED)
    return statuses


def waitlist_position(registration) -> int | None:
    """Where a waitlisted person stands: 1 + the waitlisted people before them (by registration
    order, as the waitlist moves) who compete for the same place: those of the same category,
    and when the event has an overall limit, everyone."""
    if registration.status != STATUS_WAITLISTED:
        return None
    event = registration.event
    ahead = select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status == STATUS_WAITLISTED,
        (Registration.created_at < registration.created_at)
        | ((Registration.created_at == registration.created_at) & (Registration.id < registration.id)))
    if event.capacity is None:
        ahead = ahead.where(Registration.category == registration.category)
    return 1 + db.session.scalar(ahead)


def _lock_event(event):
    """Take the event's row lock and read, in the same statement, what a sign-up decides on:
    (overall capacity, places held, rules version) as they are under the lock."""
    row = db.session.execute(text(
        "UPDATE events SET lock_version = lock_version + 1 WHERE id = :id "
        "RETURNING capacity, places_held, rules_version"), {"id": event.id}).one()
    return row.capacity, row.places_held, row.rules_version


def _find_duplicate(event, mobile, email_key, exclude_id=None, *, load=False):
    """The active registration with this mobile number or e-mail: its id (or, with ``load``, the
    registration). One statement of two look-ups, each answered by its partial unique index (the
    literal predicate lets SQLite use it; an OR would scan)."""
    def lookup(column, value):
        query = select(Registration.id).where(Registration.event_id == event.id, column == value, ACTIVE)
        if exclude_id is not None:
            query = query.where(Registration.id != exclude_id)
        return query
    found = db.session.scalar(union_all(lookup(Registration.mobile, mobile),
                                        lookup(Registration.email_key, email_key)).limit(1))
    if found is None or not load:
        return found
    return db.session.get(Registration, found)


def _duplicate_error():
    return RegistrationError("already_registered", _(
        "These details cannot be used for a new registration. If you registered before, we can send "
        "your personal link to the e-mail address of that registration."), status=409)


def _duplicate_on_edit_error():
    return RegistrationError("already_registered", _(
        "This mobile number or e-mail address cannot be used for this registration. Please check "
        "it, or ask the organizers."), status=409)


# --- registering ------------------------------------------------------------------------------

def register(event, data: RegistrationData, *, actor=None, source="web", locale="zh", user=None,
             now=None, public=False) -> tuple[Registration, str]:
    """Register one person. Returns the registration and the secret of its personal link.

    Raises InvalidInput for bad fields (all of them at once) and RegistrationError when
    registration is closed or the person is already registered. ``public``: the public form's
    sign-up, which may choose only the public categories (never VIP, speaker or staff).

    Before the event's lock: the duplicate look-up and a known organisation's. Under it, until
    the commit: the lock (which also reads the capacity, places held and rules version), the
    category's count when that category has a limit, and the INSERTs of the registration and its
    mail (and of a new organisation).
    """
    now = now or now_utc()
    if source == "web":
        if not event.published:
            raise RegistrationError("not_found", _("This event is not open for registration."), status=404)
        state = event.registration_state(now)
        if state == "not_open":
            raise RegistrationError("not_open", _("Registration has not opened yet."))
        if state == "closed":
            raise RegistrationError("closed", _("Registration for this event is closed."))
    data = validation.clean(event, data, public=public)
    email_key = data.email.lower()
    # a known organisation is read before the lock (it is never renamed or removed); only a new
    # one is created under it
    organisation = organisations.find_by_name(data.organisation)
    # a second registration of the same person is refused here, before the lock; one that races
    # this look-up is refused by the partial unique indexes at the INSERT below, in the same words
    if _find_duplicate(event, data.mobile, email_key) is not None:
        raise _duplicate_error()

    capacity, held, version = _lock_event(event)
    rules = rules_of(event)
    if version != rules.version:
        # the rules changed since the event was read: read them as they are under the lock
        db.session.expire(event)
        rules = rules_of(event)

    if organisation is None:
        organisation = organisations.find_or_create(data.organisation, data.org_type)
    if has_room_for(event, data.category, capacity=capacity, held=held, rules=rules):
        status = status_with_a_place(event, source)
    else:
        status = STATUS_WAITLISTED
    token, token_hash = new_token()
    registration = Registration(
        event_id=event.id, organisation=organisation, name=data.name, position=data.position,
        mobile=data.mobile, email=data.email, email_key=email_key, category=data.category,
        tags=data.tags, answers=data.answers, status=status, token_hash=token_hash, source=source,
        locale=locale, user_id=getattr(user, "id", None), created_at=now, updated_at=now,
        status_changed_at=now,
    )
    registration.event = event
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        # the partial unique indexes refused a second active registration of this person
        raise _duplicate_error()
    if actor is not None:
        audit.record(actor, "registration.create", registration, event=event,
                     details={"status": status, "source": source})
    mails.send(registration, "registered", token)
    return registration, token


def update_details(registration, data: RegistrationData, *, actor=None) -> Registration:
    """Change a registrant's details. The category is kept: it decides the place they hold."""
    if registration.status == STATUS_CANCELLED:
        raise RegistrationError("cancelled", _("This registration has been cancelled and can no longer be changed."))
    event = registration.event
    if actor is None and event.registration_state() == "closed":
        raise RegistrationError("closed", _("Registration is closed; please contact the organizers to change your details."))
    data.category = registration.category
    data = validation.clean(event, data)
    lock_row("events", event.id)
    existing = _find_duplicate(event, data.mobile, data.email.lower(), exclude_id=registration.id, load=actor is not None)
    if existing is not None:
        if actor is None:
            raise _duplicate_on_edit_error()
        # organizers see every registration anyway: tell them which one
        field = "mobile" if existing.mobile == data.mobile else "email"
        raise RegistrationError("already_registered", _(
            "%(name)s is already registered with this %(what)s.", name=existing.name,
            what=_("mobile number") if field == "mobile" else _("e-mail address")), field=field, status=409)
    before = _snapshot(registration)
    registration.organisation = organisations.find_or_create(data.organisation, data.org_type)
    for name in ("name", "position", "mobile", "email", "tags", "answers"):
        setattr(registration, name, getattr(data, name))
    registration.email_key = data.email.lower()
    registration.updated_at = now_utc()
    db.session.flush()
    changes = {k: [before[k], v] for k, v in _snapshot(registration).items() if before[k] != v}
    if actor is not None and changes:
        audit.record(actor, "registration.update", registration, event=event, details=changes)
    return registration


def _snapshot(registration):
    return {"name": registration.name, "organisation": registration.organisation.name,
            "position": registration.position, "mobile": registration.mobile,
            "email": registration.email, "tags": list(registration.tags),
            "answers": dict(registration.answers)}


def _set_status(registration, status, actor, action, now=None):
    previous = registration.status
    registration.status = status
    registration.status_changed_at = registration.updated_at = now or now_utc()
    if actor is not None:
        audit.record(actor, action, registration, event=registration.event,
                     details={"from": previous, "to": status})


def _mail(registration, kind):
    """A status mail, with a new personal link (the registrant's others keep working)."""
    mails.send(registration, kind, issue_link(registration, "mail"))


def cancel(registration, *, actor=None) -> list[Registration]:
    """Cancel (by the registrant when actor is None). Returns the people promoted from the waitlist."""
    lock_row("events", registration.event_id)
    db.session.refresh(registration)
    if registration.status == STATUS_CANCELLED:
        raise RegistrationError("already_cancelled", _("This registration is already cancelled."))
    _set_status(registration, STATUS_CANCELLED, actor, "registration.cancel")
    _mail(registration, "cancelled")
    return promote_waitlist(registration.event, actor=actor)


def _decide(registration, to, *, allowed, actor, refusal: tuple[str, str]):
    """An organizer's decision under the event's lock: ``to`` from one of ``allowed`` statuses,
    audited and mailed; else a RegistrationError(``refusal``)."""
    lock_row("events", registration.event_id)
    db.session.refresh(registration)
    if registration.status not in allowed:
        raise RegistrationError(*refusal)
    action, mail = DECISIONS[to]
    _set_status(registration, to, actor, action)
    _mail(registration, mail)


#: an organizer's decision: its audit action and its mail
DECISIONS = {STATUS_APPROVED: ("registration.approve", "approved"), STATUS_REJECTED: ("registration.reject", "rejected")}


def approve(registration, *, actor) -> Registration:
    _decide(registration, STATUS_APPROVED, allowed=(STATUS_PENDING,), actor=actor,
            refusal=("not_pending", _("Only registrations awaiting review can be approved.")))
    return registration


def reject(registration, *, actor) -> list[Registration]:
    _decide(registration, STATUS_REJECTED, allowed=(STATUS_PENDING, STATUS_WAITLISTED, STATUS_APPROVED), actor=actor,
            refusal=("not_rejectable", _("This registration cannot be rejected in its current state.")))
    return promote_waitlist(registration.event, actor=actor)


def move_from_waitlist(registration, *, actor) -> Registration:
    """An organizer gives a free place to this waitlisted person, ahead of the queue."""
    lock_row("events", registration.event_id)
    db.session.refresh(registration)
    event = registration.event
    db.session.refresh(event)
    if registration.status != STATUS_WAITLISTED:
        raise RegistrationError("not_waitlisted", _("This person is not on the waitlist."))
    if not has_room_for(event, registration.category):
        raise RegistrationError("full", _("There is no free place in this category. Raise the capacity first."))
    _set_status(registration, STATUS_APPROVED, actor, "registration.promote")
    _mail(registration, "promoted")
    return registration


def on_capacity_changed(event, *, actor=None) -> list[Registration]:
    """Receiver of ``events.signals.capacity_changed`` (connected by create_app): the event's
    places changed under its lock, so new places go to the waitlist."""
    return promote_waitlist(event, actor=actor)


def promote_waitlist(event, *, actor=None) -> list[Registration]:
    """Give free places to waitlisted people in the order they registered. Caller holds the lock."""
    if not event.auto_promote:
        return []
    db.session.flush()  # the counters see the changes made so far in this transaction
    total, per_category = places_taken(event)
    promoted = []
    waiting = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == STATUS_WAITLISTED)
        .order_by(Registration.created_at, Registration.id)
    ).all()
    for registration in waiting:
        if event.capacity is not None and total >= event.capacity:
            break
        if not _has_room(event, registration.category, total, per_category):
            continue
        status = status_with_a_place(event, registration.source)
        _set_status(registration, status, actor, "registration.promote")
        total += 1
        per_category[registration.category] = per_category.get(registration.category, 0) + 1
        _mail(registration, "promoted")
        promoted.append(registration)
    db.session.flush()
    return promoted


def data_from_registration(registration) -> RegistrationData:
    return RegistrationData(
        name=registration.name, organisation=registration.organisation.name,
        org_type=registration.organisation.org_type, position=registration.position,
        mobile=registration.mobile, email=registration.email, category=registration.category,
        tags=list(registration.tags), answers=dict(registration.answers))
