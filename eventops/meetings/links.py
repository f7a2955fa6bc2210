"""A participant's meetings link: ``/m/<key>`` opens their negotiations page (agenda, requests,
calendar feed) and nothing else of their registration.

The personal link ``/r/<token>`` cannot go into a change mail: only its hash is stored, and
issuing a new one would end the old. The meetings key is instead signed with the application's
secret key (HMAC, itsdangerous) over the registration's id and a fingerprint of its personal
links (``registration.services.links_generation``): it is the same in every mail (and so is the
calendar subscription made from it), nothing is stored, and it stops working when the registrant
revokes their other links or the registration is no longer confirmed. ("Send my link again" adds a
link and revokes none, so it leaves this one working too.)"""
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from ..core.urls import absolute_url
from ..extensions import db
from ..registration.models import STATUS_APPROVED, Registration
from ..registration.services import links_generation

_SALT = "eventops.meetings.agenda-link"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def key_for(registration) -> str:
    return _serializer().dumps([registration.id, links_generation(registration)])


def registration_for(key) -> Registration | None:
    """The confirmed registration ``key`` opens, or None (forged, outdated, not confirmed)."""
    if not isinstance(key, str) or len(key) > 200:
        return None
    try:
        reg_id, fingerprint = _serializer().loads(key)
    except (BadSignature, ValueError, TypeError):
        return None
    registration = db.session.get(Registration, reg_id) if isinstance(reg_id, int) else None
    if registration is None or registration.status != STATUS_APPROVED or links_generation(registration) != fingerprint:
        return None
    return registration


def agenda_url(registration) -> str:
    """The absolute address of the person's negotiations page, for a mail."""
    return absolute_url("meetings.agenda_by_key", key=key_for(registration))
