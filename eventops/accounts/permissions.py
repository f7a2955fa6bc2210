"""Who may do what at an event: each permission and the event roles that hold it. Views declare
the permission they need (``@event_view("checkin.manage")``, ``core.views``), which asks
:func:`can` on the server; admins hold every permission.

The alliance's platform (``/platform``) spans every event of the installation, so its permissions
(:data:`PLATFORM_PERMISSIONS`, asked by :func:`can_platform`) go to the organizers of any event
and, for policies, to the managers of government departments and industry associations."""
from sqlalchemy import exists, select

from ..extensions import db
from .models import ROLE_DOOR_STAFF, ROLE_LEDGER_CLERK, ROLE_ORGANIZER, ROLE_ZONE_HOST, EventRole, OrganisationManager

# permission -> the event roles that hold it
PERMISSIONS = {
    "event.overview": {ROLE_ORGANIZER, ROLE_DOOR_STAFF, ROLE_LEDGER_CLERK, ROLE_ZONE_HOST},  # to be sent to one's page
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
    "ledger.export": {ROLE_ORGANIZER, ROLE_LEDGER_CLERK},
    "ledger.manage": {ROLE_ORGANIZER},
    # the negotiation zone on the day: mark meetings held or no-show, place standby requests
    "meetings.attend": {ROLE_ORGANIZER, ROLE_DOOR_STAFF, ROLE_ZONE_HOST},
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


# platform permission -> who holds it: "organizer" (an organizer of any event) and/or the types of
# organisation whose managers hold it
PLATFORM_PERMISSIONS = {
    "platform.review": {"organizer"},           # review and publish policies, trials, articles
    "platform.edit": {"organizer"},             # write articles, enter achievements, link sessions
    "policy.submit": {"organizer", "government", "association"},
}


def is_organizer_anywhere(user) -> bool:
    return bool(db.session.scalar(select(exists().where(EventRole.user_id == user.id,
                                                        EventRole.role == ROLE_ORGANIZER))))


def managed_types(user) -> set[str]:
    """The types of the organisations ``user`` manages."""
    grants = db.session.scalars(select(OrganisationManager).where(OrganisationManager.user_id == user.id))
    return {grant.organisation.org_type for grant in grants}


def can_platform(user, permission: str) -> bool:
    """Whether ``user`` holds a platform-wide permission (admins hold every one)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_admin:
        return True
    holders = PLATFORM_PERMISSIONS[permission]
    if "organizer" in holders and is_organizer_anywhere(user):
        return True
    return bool(managed_types(user) & holders)
