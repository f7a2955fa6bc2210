"""The rules a registration's fields follow, shared by the web form, the personal page and the
CSV import, so that all three accept and refuse exactly the same input."""
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

from ..core.errors import InvalidInput  # noqa: F401 (re-exported for callers)
from ..events.models import CATEGORIES
from ..events.rules import rules_of
from ..organisations.models import ORG_TYPES

_MAINLAND = re.compile(r"^1[3-9]\d{9}$")
_INTERNATIONAL = re.compile(r"^\+[1-9]\d{6,14}$")
_EMAIL = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"'.]{2,}$")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}

LIMITS = {"name": 50, "organisation": 200, "position": 100, "email": 255, "answer": 1000}


@dataclass
class RegistrationData:
    name: str = ""
    organisation: str = ""
    org_type: str = "other"
    position: str = ""
    mobile: str = ""
    email: str = ""
    category: str = "attendee"
    tags: list = field(default_factory=list)
    answers: dict = field(default_factory=dict)


_SPACES = re.compile(r"\s+")


def clean_text(value) -> str:
    """Text as the person typed it, minus what nobody means to type: control and private-use
    characters dropped, white space at the ends removed and runs of it squeezed (an ideographic
    space stays one). Canonically equal spellings are unified (NFC), compatibility forms are not:
    full-width brackets stay full-width. Matching folds further where it must (mobile numbers,
    e-mail keys, organisation keys)."""
    value = unicodedata.normalize("NFC", str(value or ""))
    value = "".join(ch for ch in value if unicodedata.category(ch) not in _CONTROL or ch in "\n\t")
    return _SPACES.sub(lambda m: "\u3000" if m.group() == "\u3000" else " ", value).strip()


def clean_multiline(value) -> str:
    """Like :func:`clean_text`, keeping the lines."""
    value = unicodedata.normalize("NFC", str(value or "")).replace("\r\n", "\n")
    return "".join(ch for ch in value if unicodedata.category(ch) not in _CONTROL or ch in "\n\t").strip()


def normalise_mobile(raw: str) -> str | None:
    """'138 0013 8000', '+86-13800138000' -> '13800138000'; '+852 9123 4567' -> '+85291234567'."""
    value = unicodedata.normalize("NFKC", str(raw or ""))
    value = re.sub(r"[\s\-().]", "", value)
    if value.startswith("00"):
        value = "+" + value[2:]
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("86") and len(value) == 13:
        value = value[2:]
    if _MAINLAND.match(value) or _INTERNATIONAL.match(value):
        return value
    return None


def normalise_email(raw: str) -> str | None:
    value = unicodedata.normalize("NFKC", str(raw or "")).strip()
    if len(value) > LIMITS["email"] or not _EMAIL.match(value):
        return None
    return value


#: categories a member of the public may choose; the others (VIP, speaker, staff) are given by organizers
PUBLIC_CATEGORIES = ("attendee", "exhibitor", "broker", "media")


def clean(event, data: RegistrationData, *, partial_category: bool = False, public: bool = False) -> RegistrationData:
    """Return the cleaned data or raise InvalidInput with a translated message per bad field.
    ``public``: a sign-up on the public form, whose categories are :data:`PUBLIC_CATEGORIES`."""
    errors: dict[str, str] = {}
    out = RegistrationData()
    rules = rules_of(event)

    out.name = clean_text(data.name)
    if not out.name:
        errors["name"] = _("Please enter your name.")
    elif len(out.name) > LIMITS["name"]:
        errors["name"] = _("The name is too long (at most %(n)d characters).", n=LIMITS["name"])

    out.organisation = clean_text(data.organisation)
    if not out.organisation:
        errors["organisation"] = _("Please enter your organisation.")
    elif len(out.organisation) > LIMITS["organisation"]:
        errors["organisation"] = _("The organisation's name is too long (at most %(n)d characters).",
                                   n=LIMITS["organisation"])

    out.org_type = (data.org_type or "").strip()
    if out.org_type not in ORG_TYPES:
        errors["org_type"] = _("Please choose the type of your organisation.")

    out.position = clean_text(data.position)
    if len(out.position) > LIMITS["position"]:
        errors["position"] = _("The position is too long (at most %(n)d characters).", n=LIMITS["position"])

    mobile = normalise_mobile(data.mobile)
    if mobile is None:
        errors["mobile"] = _("Please enter a valid mobile number, for example 13800138000.")
    out.mobile = mobile or ""

    email = normalise_email(data.email)
    if email is None:
        errors["email"] = _("Please enter a valid e-mail address.")
    out.email = email or ""

    out.category = (data.category or "").strip()
    if out.category not in CATEGORIES or (public and out.category not in PUBLIC_CATEGORIES):
        errors["category"] = _("Please choose a category.")

    allowed_tags = set(rules.tags)
    tags = [clean_text(t) for t in (data.tags or [])]
    unknown = [t for t in tags if t not in allowed_tags]
    if unknown:
        errors["tags"] = _("Unknown interest: %(tag)s", tag=unknown[0][:40])
    out.tags = sorted(set(tags) & allowed_tags, key=rules.tags.index)

    out.answers = {}
    for question in rules.questions:
        key = str(question.id)
        raw = (data.answers or {}).get(key)
        answer, message = _clean_answer(question, raw)
        if message:
            errors[f"q_{question.id}"] = message
        elif answer not in (None, "", []):
            out.answers[key] = answer

    if errors:
        raise InvalidInput(errors)
    return out


def _clean_answer(question, raw):
    if question.kind == "multi":
        values = raw if isinstance(raw, list) else ([raw] if raw else [])
        values = [clean_text(v) for v in values if clean_text(v)]
        if any(v not in question.options for v in values):
            return None, _("Please choose from the list.")
        if question.required and not values:
            return None, _("Please answer this question.")
        return values, None
    value = clean_text(raw) if question.kind != "textarea" else clean_multiline(raw)
    if question.kind == "yesno":
        if value in ("", None) and not question.required:
            return None, None
        if value not in ("yes", "no"):
            return None, _("Please answer yes or no.")
        return value, None
    if question.required and not value:
        return None, _("Please answer this question.")
    if question.kind == "choice" and value and value not in question.options:
        return None, _("Please choose from the list.")
    if len(value) > LIMITS["answer"]:
        return None, _("The answer is too long (at most %(n)d characters).", n=LIMITS["answer"])
    return value, None
