"""The gate pack: what a scanner keeps to answer provisionally while it is offline.

For each badge of the event (replaced ones too) a keyed hash of its code, the holder's status and
display name, nothing more. The key is the event's own (derived from the application's secret), so a
pack says nothing about codes to anyone without the scanner's copy of it, and nothing about another
event's. A scanner fetches the whole pack once, then every minute only what changed since its last
copy (badges issued or replaced, registrations changed); it never learns the codes themselves.

The check-in window comes along, so that a scan outside it is not shown green offline either.
Entries are ``[hash, status, name]`` with status ``a`` (confirmed), ``i`` (confirmed and checked in
when the pack was read: amber offline, wherever it happened), ``p`` (not confirmed: pending,
waitlisted, rejected), ``c`` (cancelled) or ``r`` (badge replaced by a new one). A delta also
carries the badges of people checked in (or whose check-in was annulled) since the last copy. A scanner computes
the hash with WebCrypto: base64url (no padding) of the first :data:`HASH_BYTES` bytes of
HMAC-SHA256(key, code), the code as :func:`eventops.badges.codes.parse` gives it.
"""
import base64
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import aliased

from ..badges.models import Badge
from ..core.timeutil import now_utc
from ..extensions import db
from ..registration.models import STATUS_APPROVED, STATUS_CANCELLED, Registration
from . import services
from .models import CheckIn, Scan

VERSION = 1
#: 96 bits: no two of an event's badges share a hash (collisions are at 2^48 badges)
HASH_BYTES = 12
#: a delta reaches back this much before the scanner's last copy, so that a change committed while
#: that copy was being read is not missed (entries sent twice are harmless: they replace)
OVERLAP = timedelta(minutes=2)
#: older copies get the whole pack again
MAX_DELTA_AGE = timedelta(days=2)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def key_for(event) -> bytes:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, f"eventops gate pack v{VERSION} event {event.id}".encode(), hashlib.sha256).digest()


def code_hash(key: bytes, code: str) -> str:
    return _b64(hmac.new(key, code.encode("ascii"), hashlib.sha256).digest()[:HASH_BYTES])


def _status(revoked_at, registration_status, checked_in=False) -> str:
    if revoked_at is not None:
        return "r"
    if registration_status == STATUS_APPROVED:
        return "i" if checked_in else "a"
    if registration_status == STATUS_CANCELLED:
        return "c"
    return "p"


def parse_since(value) -> datetime | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace(" ", "+").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(timezone.utc) if moment.tzinfo else None


def build(event, *, since: datetime | None = None) -> bytes:
    """The pack as compact UTF-8 JSON: everything, or what changed since ``since`` (a previous
    pack's ``as_of``)."""
    now = now_utc()
    full = since is None or since > now or now - since > MAX_DELTA_AGE
    query = (select(Badge.code, Badge.revoked_at, Registration.status, Registration.name, CheckIn.id)
             .join(Registration, Registration.id == Badge.registration_id)
             .outerjoin(CheckIn, (CheckIn.registration_id == Registration.id) & CheckIn.annulled_at.is_(None))
             .where(Badge.event_id == event.id))
    if not full:
        after = since - OVERLAP
        # a check-in's moment may be the scanner's, earlier than its arrival: the scan's arrival counts
        arrived = select(Scan.id).where(Scan.registration_id == Registration.id, Scan.received_at >= after,
                                        Scan.status == "ok").exists()
        earlier = aliased(CheckIn)  # not the standing one the query joins
        annulled = select(earlier.id).where(earlier.registration_id == Registration.id,
                                            earlier.annulled_at >= after).exists()
        query = query.where(or_(Badge.issued_at >= after, Badge.revoked_at >= after,
                                Registration.updated_at >= after, Registration.status_changed_at >= after,
                                CheckIn.at >= after, arrived, annulled))
    key = key_for(event)
    entries = [[code_hash(key, code), _status(revoked_at, status, check_in is not None), name]
               for code, revoked_at, status, name, check_in in db.session.execute(query)]
    opens, closes = services.window(event)
    body = {"v": VERSION, "event": event.slug, "key": _b64(key), "key_id": _b64(hashlib.sha256(key).digest()[:6]),
            "hash_bytes": HASH_BYTES, "as_of": now.isoformat(), "window": [opens.isoformat(), closes.isoformat()],
            "full": full, "entries": entries}
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
