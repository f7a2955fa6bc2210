"""Registration rules: places, the waitlist, approval, duplicates, personal links.

Every function that changes who holds a place takes the event's row lock first
(``core.db.lock_row``), so the counts it reads cannot change before it commits: capacity never
overshoots and one person is never registered twice, on SQLite and on PostgreSQL alike.
Services flush; the caller commits once.
"""
import hashlib
import secrets

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.mail import send_mail
from ..core.urls import absolute_url
from ..core.timeutil import now_utc
from ..extensions import db
from ..organisations import services as organisations
from . import validation
from .models import (ACTIVE, PLACE_HOLDING, STATUS_APPROVED, STATUS_CANCELLED, STATUS_PENDING,
                     STATUS_REJECTED, STATUS_WAITLISTED, Registration)
from .validation import RegistrationData


class RegistrationError(DomainError):
    pass


# --- tokens -----------------------------------------------------------------------------------

def new_token() -> tuple[str, str]:
    """A personal-link secret (192 bits) and the hash that is stored."""
    token = secrets.token_urlsafe(24)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def by_token(token: str) -> Registration | None:
    if not token or len(token) > 64:
        return None
    return db.session.scalar(select(Registration).where(Registration.token_hash == hash_token(token)))


# --- places -----------------------------------------------------------------------------------

def places_taken(event) -> tuple[int, dict[str, int]]:
    """(places held in the whole event, places held per category)."""
    rows = db.session.execute(
        select(Registration.category, func.count()).where(
            Registration.event_id == event.id, Registration.status.in_(PLACE_HOLDING)
        ).group_by(Registration.category)
    ).all()
    per_category = {category: count for category, count in rows}
    return sum(per_category.values()), per_category


def has_room_for(event, category) -> bool:
    """Whether one more place is free, counting only what a limit applies to (the event's places
    when it has a capacity, the category's when it has one): an event without limits costs no
    count at all, and a limited category counts only its own rows."""
    holding = (Registration.event_id == event.id) & Registration.status.in_(PLACE_HOLDING)
    if event.capacity is not None:
        if db.session.scalar(select(func.count()).select_from(Registration).where(holding)) >= event.capacity:
            return False
    limit = event.category_capacity(category)
    if limit is not None:
        taken = db.session.scalar(select(func.count()).select_from(Registration).where(
            holding, Registration.category == category))
        if taken >= limit:
            return False
    return True


def _has_room(event, category, total, per_category) -> bool:
    if event.capacity is not None and total >= event.capacity:
        return False
    limit = event.category_capacity(category)
    if limit is not None and per_category.get(category, 0) >= limit:
        return False
    return True


def _find_duplicate(event, mobile, email_key, exclude_id=None):
    """The active registration with this mobile number or e-mail. Two look-ups, each answered by
    its partial unique index (the literal predicate lets SQLite use it; an OR would scan)."""
    for column, value in ((Registration.mobile, mobile), (Registration.email_key, email_key)):
        query = select(Registration).where(Registration.event_id == event.id, column == value, ACTIVE)
        if exclude_id is not None:
            query = query.where(Registration.id != exclude_id)
        found = db.session.scalars(query.limit(1)).first()
        if found is not None:
            return found
    return None


def _duplicate_error(existing, mobile):
    if existing.mobile == mobile:
        return RegistrationError("already_registered", _(
            "This mobile number is already registered for this event. Use the personal link in your "
            "confirmation mail, or ask for it again below."), field="mobile", status=409)
    return RegistrationError("already_registered", _(
        "This e-mail address is already registered for this event. Use the personal link in your "
        "confirmation mail, or ask for it again below."), field="email", status=409)


# --- registering ------------------------------------------------------------------------------

def register(event, data: RegistrationData, *, actor=None, source="web", locale="zh", user=None,
             now=None) -> tuple[Registration, str]:
    """Register one person. Returns the registration and the secret of its personal link.

    Raises InvalidInput for bad fields and RegistrationError when registration is closed or the
    person is already registered.
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
    data = validation.clean(event, data)
    email_key = data.email.lower()

    lock_row("events", event.id)
    existing = _find_duplicate(event, data.mobile, email_key)
    if existing is not None:
        raise _duplicate_error(existing, data.mobile)

    organisation = organisations.find_or_create(data.organisation, data.org_type)
    if has_room_for(event, data.category):
        status = STATUS_PENDING if (event.requires_approval and source == "web") else STATUS_APPROVED
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
    db.session.add(registration)
    try:
        db.session.flush()
    except IntegrityError:
        # the partial unique indexes refused a second active registration of this person
        raise RegistrationError("already_registered", _("You are already registered for this event."), status=409)
    if actor is not None:
        audit.record(actor, "registration.create", registration, event=event,
                     details={"status": status, "source": source})
    _mail(registration, "registered", token)
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
    existing = _find_duplicate(event, data.mobile, data.email.lower(), exclude_id=registration.id)
    if existing is not None:
        raise _duplicate_error(existing, data.mobile)
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


def cancel(registration, *, actor=None) -> list[Registration]:
    """Cancel (by the registrant when actor is None). Returns the people promoted from the waitlist."""
    lock_row("events", registration.event_id)
    db.session.refresh(registration)
    if registration.status == STATUS_CANCELLED:
        raise RegistrationError("already_cancelled", _("This registration is already cancelled."))
    _set_status(registration, STATUS_CANCELLED, actor, "registration.cancel")
    _mail(registration, "cancelled")
    return promote_waitlist(registration.event, actor=actor)


def approve(registration, *, actor) -> Registration:
    lock_row("events", registration.event_id)
    db.session.refresh(registration)
    if registration.status != STATUS_PENDING:
        raise RegistrationError("not_pending", _("Only registrations awaiting review can be approved."))
    _set_status(registration, STATUS_APPROVED, actor, "registration.approve")
    _mail(registration, "approved")
    return registration


def reject(registration, *, actor) -> list[Registration]:
    lock_row("events", registration.event_id)
    db.session.refresh(registration)
    if registration.status not in (STATUS_PENDING, STATUS_WAITLISTED, STATUS_APPROVED):
        raise RegistrationError("not_rejectable", _("This registration cannot be rejected in its current state."))
    _set_status(registration, STATUS_REJECTED, actor, "registration.reject")
    _mail(registration, "rejected")
    return promote_waitlist(registration.event, actor=actor)


def move_from_waitlist(registration, *, actor) -> Registration:
    """An organizer gives a free place to this waitlisted person, ahead of the queue."""
    lock_row("events", registration.event_id)
    db.session.refresh(registration)
    if registration.status != STATUS_WAITLISTED:
        raise RegistrationError("not_waitlisted", _("This person is not on the waitlist."))
    if not has_room_for(registration.event, registration.category):
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
    total, per_category = places_taken(event)
    promoted = []
    waiting = db.session.scalars(
        select(Registration).where(Registration.event_id == event.id,
                                   Registration.status == STATUS_WAITLISTED)
        .order_by(Registration.created_at, Registration.id)
    )
    for registration in waiting:
        if event.capacity is not None and total >= event.capacity:
            break
        if not _has_room(event, registration.category, total, per_category):
            continue
        status = STATUS_PENDING if (event.requires_approval and registration.source == "web") else STATUS_APPROVED
        _set_status(registration, status, actor, "registration.promote")
        total += 1
        per_category[registration.category] = per_category.get(registration.category, 0) + 1
        _mail(registration, "promoted")
        promoted.append(registration)
    db.session.flush()
    return promoted


def resend_link(event, email: str) -> bool:
    """Mail a fresh personal link to the registrant with that e-mail (the old link stops working).

    Answers the same whether or not the address is registered, so nobody can probe who came.
    """
    email = (email or "").strip().lower()
    registration = db.session.scalar(select(Registration).where(
        Registration.event_id == event.id, Registration.email_key == email,
        Registration.status != STATUS_CANCELLED))
    if registration is None:
        return False
    token, registration.token_hash = new_token()
    _mail(registration, "link", token)
    return True


def personal_url(token: str) -> str:
    return absolute_url("registration.personal", token=token)


# --- mails ------------------------------------------------------------------------------------

def _mail(registration, kind, token=None):
    event = registration.event
    with force_locale(registration.locale or "zh"):
        subject, lines = _mail_text(registration, kind)
        name = event.name
        if token:
            lines.append(_("Your personal link (see your status, change your details or cancel):"))
            lines.append(personal_url(token))
            lines.append(_("Keep this link to yourself: anyone who has it can change your registration."))
            if registration.status == STATUS_APPROVED:
                lines.append(_("Your badge, with the QR code to show at the entrance:"))
                lines.append(absolute_url("badges.personal_pdf", token=token))
        body = "\n\n".join([_("Dear %(name)s,", name=registration.name), *lines, name])
        # the token opens the registration: organizers read the outbox without it (core.mail)
        send_mail(registration.email, f"[{name}] {subject}", body, event=event, secrets=[token] if token else ())


def _mail_text(registration, kind):
    status = registration.status
    if kind == "registered":
        if status == STATUS_APPROVED:
            return _("Registration confirmed"), [_("Your registration is confirmed.")]
        if status == STATUS_PENDING:
            return _("Registration received"), [_("We have received your registration. The organizers will review it and write to you.")]
        return _("You are on the waitlist"), [_("The event is full; you are on the waitlist. We will write to you as soon as a place is free.")]
    if kind == "approved":
        return _("Registration confirmed"), [_("The organizers have approved your registration.")]
    if kind == "promoted":
        if status == STATUS_PENDING:
            return _("A place is free for you"), [_("A place has become free and your registration now awaits the organizers' review.")]
        return _("A place is free for you"), [_("A place has become free: your registration is now confirmed.")]
    if kind == "rejected":
        return _("Registration not accepted"), [_("We are sorry: the organizers could not accept your registration.")]
    if kind == "cancelled":
        return _("Registration cancelled"), [_("Your registration has been cancelled.")]
    return _("Your personal link"), [_("Here is your personal link again, as you asked.")]


def data_from_registration(registration) -> RegistrationData:
    return RegistrationData(
        name=registration.name, organisation=registration.organisation.name,
        org_type=registration.organisation.org_type, position=registration.position,
        mobile=registration.mobile, email=registration.email, category=registration.category,
        tags=list(registration.tags), answers=dict(registration.answers))
