import hashlib
import secrets
from functools import lru_cache

from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from ..core.errors import DomainError
from ..core.mail import send_mail
from ..core.urls import absolute_url
from ..core.timeutil import now_utc
from ..extensions import db
from .models import User

MIN_PASSWORD = 10


class AccountError(DomainError):
    pass


def create_user(email: str, password: str, *, name: str = "", is_admin: bool = False) -> User:
    email = (email or "").strip().lower()
    if "@" not in email or len(email) > 255:
        raise AccountError("email", _("Please enter a valid e-mail address."), field="email")
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("password", _("The password needs at least %(n)d characters.", n=MIN_PASSWORD), field="password")
    if db.session.scalar(select(User.id).where(User.email == email)):
        raise AccountError("exists", _("An account with this e-mail address already exists."), field="email")
    user = User(email=email, name=(name or "").strip()[:100], is_admin=is_admin)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    """A hash made exactly as set_password makes one (same method, same cost), of a password
    nobody knows."""
    return generate_password_hash(secrets.token_hex(16))


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        # the same work as checking a real account's password, so that the time of the answer
        # does not tell which addresses have an account
        User(password_hash=_dummy_hash()).check_password(password or "")
        return None
    if not user.check_password(password or ""):
        return None
    user.last_login_at = now_utc()
    return user


def load_by_session_token(token: str) -> User | None:
    if not token:
        return None
    return db.session.scalar(select(User).where(User.session_token == token))


# --- password reset and invitations -------------------------------------------------------------

RESET_MAX_AGE = 48 * 3600


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="eventops-password-reset")


def _fingerprint(user):
    # changes with the password, so a link works once
    return hashlib.sha256(user.password_hash.encode()).hexdigest()[:16]


def password_reset_token(user: User) -> str:
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    try:
        data = _serializer().loads(token, max_age=RESET_MAX_AGE)
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict):
        return None
    user = db.session.get(User, data.get("u")) if isinstance(data.get("u"), int) else None
    if user is None or not user.active or data.get("f") != _fingerprint(user):
        return None
    return user


def set_password(user: User, password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("password", _("The password needs at least %(n)d characters.", n=MIN_PASSWORD), field="password")
    user.set_password(password)
    user.rotate_session_token()  # every other session of this account ends
    db.session.flush()


def find_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))


def invite(email: str, name: str = "") -> User:
    """An account for someone who has none yet, with an unusable random password until they set one."""
    return create_user(email, secrets.token_urlsafe(32), name=name)


def reset_url(user: User) -> str:
    return absolute_url("accounts.reset_password", token=password_reset_token(user))


def request_password_reset(email: str) -> None:
    """Someone asked for a new password: an active account of that address gets a mail with a
    link; nobody learns whether the address has an account."""
    user = find_by_email(email)
    if user is not None and user.active:
        mail_reset_link(user)


def mail_reset_link(user: User, *, invited_to=None) -> None:
    if invited_to is not None:
        subject = _("You have been invited to %(event)s on EventOps", event=invited_to.name)
        intro = _("An organizer of %(event)s has given you access. Set your password with this link (valid for 48 hours):",
                  event=invited_to.name)
    else:
        subject = _("Set a new EventOps password")
        intro = _("Someone (hopefully you) asked to set a new password. Use this link within 48 hours; if it was not you, ignore this mail.")
    token = password_reset_token(user)
    link = absolute_url("accounts.reset_password", token=token)
    # the token is a key to the account: the outbox keeps the mail without it (core.mail)
    send_mail(user.email, subject, "\n\n".join([intro, link]), event=invited_to, secrets=[token])
