"""Who may do what. Every view that touches an event's data asks ``require(...)`` on the server."""
from flask import abort
from flask_login import current_user

from ..accounts.models import ROLE_DOOR_STAFF, ROLE_LEDGER_CLERK, ROLE_ORGANIZER, EventRole
from ..extensions import db

# permission -> the event roles that hold it (admins hold every permission)
PERMISSIONS = {
    "event.manage": {ROLE_ORGANIZER},
    "registrations.view": {ROLE_ORGANIZER},
    "registrations.edit": {ROLE_ORGANIZER},
    "registrations.export": {ROLE_ORGANIZER},
    "registrations.import": {ROLE_ORGANIZER},
    "registrations.lookup": {ROLE_ORGANIZER, ROLE_DOOR_STAFF},
    "checkin.scan": {ROLE_ORGANIZER, ROLE_DOOR_STAFF},
    "checkin.manage": {ROLE_ORGANIZER},
    "badges.print": {ROLE_ORGANIZER},
    "ledger.view": {ROLE_ORGANIZER, ROLE_LEDGER_CLERK},
    "ledger.record": {ROLE_ORGANIZER, ROLE_LEDGER_CLERK},
    "ledger.export": {ROLE_ORGANIZER},
    "ledger.manage": {ROLE_ORGANIZER},
}


def event_roles(user, event) -> set[str]:
    if user is None or not getattr(user, "is_authenticated", False):
        return set()
    return set(db.session.scalars(
        db.select(EventRole.role).where(EventRole.user_id == user.id, EventRole.event_id == event.id)
    ))


def can(user, permission: str, event) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    return bool(event_roles(user, event) & PERMISSIONS[permission])


def require(permission: str, event) -> None:
    """Abort with 403 (or send to the login page) unless the current user holds ``permission``."""
    if not current_user.is_authenticated:
        abort(401)
    if not can(current_user, permission, event):
        abort(403)
