import unicodedata

from sqlalchemy.exc import IntegrityError

from ..core.db import contains
from ..extensions import db
from .models import ORG_TYPES, Organisation


def name_key(name: str) -> str:
    """Fold an organisation name so that '广东省人民医院 ' and '广东省人民医院' match."""
    folded = unicodedata.normalize("NFKC", name or "")
    return "".join(folded.split()).lower()


def clean_name(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name or "").split())


def find_by_name(name: str) -> Organisation | None:
    return db.session.scalar(db.select(Organisation).where(Organisation.name_key == name_key(name)))


def find_or_create(name: str, org_type: str) -> Organisation:
    """The organisation of that name, created with ``org_type`` if it is new.

    An existing organisation keeps its type: a registrant cannot re-type a hospital.
    Safe against two sign-ups adding the same new name at once (unique key + savepoint).
    """
    if org_type not in ORG_TYPES:
        org_type = "other"
    existing = find_by_name(name)
    if existing is not None:
        return existing
    org = Organisation(name=clean_name(name), name_key=name_key(name), org_type=org_type)
    try:
        with db.session.begin_nested():
            db.session.add(org)
    except IntegrityError:
        existing = find_by_name(name)
        if existing is None:
            raise
        return existing
    return org


def search(prefix: str, limit: int = 20) -> list[Organisation]:
    key = name_key(prefix)
    if not key:
        return []
    return list(db.session.scalars(
        db.select(Organisation).where(contains(Organisation.name_key, key))
        .order_by(Organisation.name).limit(limit)
    ))


def suggestions(limit: int = 1000) -> list[str]:
    """Known organisation names, for the browser's suggestions on registration forms."""
    return list(db.session.scalars(db.select(Organisation.name).order_by(Organisation.name).limit(limit)))
