from flask_babel import gettext as _
from sqlalchemy import select

from ..core.errors import DomainError
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


def authenticate(email: str, password: str) -> User | None:
    user = db.session.scalar(select(User).where(User.email == (email or "").strip().lower()))
    if user is None or not user.active:
        # same work as a real check, so response time does not tell which addresses exist
        User(password_hash="pbkdf2:sha256:600000$x$0").check_password(password or "")
        return None
    if not user.check_password(password or ""):
        return None
    user.last_login_at = now_utc()
    return user


def load_by_session_token(token: str) -> User | None:
    if not token:
        return None
    return db.session.scalar(select(User).where(User.session_token == token))
