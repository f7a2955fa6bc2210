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
    """The name as typed (full-width brackets stay full-width), white space squeezed; only the
    key folds compatibility forms for matching."""
    return " ".join(unicodedata.normalize("NFC", name or "").split())


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


def search(fragment: str, limit: int = 20) -> list[Organisation]:
    """Organisations whose name contains ``fragment`` (folded as the key is): names that start
    with it first, then by name."""
    key = name_key(fragment)
    if not key:
        return []
    starts = db.case((Organisation.name_key.startswith(key, autoescape=True), 0), else_=1)
    return list(db.session.scalars(
        db.select(Organisation).where(contains(Organisation.name_key, key))
        .order_by(starts, Organisation.name).limit(limit)
    ))


def suggestions(limit: int = 1000) -> list[str]:
    """Known organisation names, for the browser's suggestions on registration forms."""
    return list(db.session.scalars(db.select(Organisation.name).order_by(Organisation.name).limit(limit)))
