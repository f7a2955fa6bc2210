"""Who may do what at an event: each permission and the event roles that hold it. Views declare
the permission they need (``@event_view("checkin.manage")``, ``core.views``), which asks
:func:`can` on the server; admins hold every permission."""
from ..extensions import db
from .models import ROLE_DOOR_STAFF, ROLE_LEDGER_CLERK, ROLE_ORGANIZER, EventRole

# permission -> the event roles that hold it
PERMISSIONS = {
    "event.overview": {ROLE_ORGANIZER, ROLE_DOOR_STAFF, ROLE_LEDGER_CLERK},  # to be sent to one's page
    "event.manage": {ROLE_ORGANIZER},
    "registrations.view": {ROLE_ORGANIZER},
    "registrations.edit": {ROLE_ORGANIZER},
    "registrations.export": {ROLE_ORGANIZER},
    "registrations.import": {ROLE_ORGANIZER},
    "registrations.message": {ROLE_ORGANIZER},
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
