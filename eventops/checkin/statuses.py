"""The answers a scan can get: one table of code, HTTP status and the message door staff read.
The services store the code, the API answers with the status and the message. Each of these is a
*verdict*: a scanner's queue lets a scan go only when it gets one (any other answer, a network
error, 401, 429 or 5xx, keeps it)."""
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Status:
    code: str
    http: int
    message: object  # a lazy translation: str() it in a request


STATUSES = {s.code: s for s in (
    Status("ok", 200, _l("Welcome")),
    Status("already_checked_in", 409, _l("Already checked in")),
    Status("invalid", 404, _l("Not a valid badge")),
    Status("revoked", 410, _l("This badge was replaced by a new one")),
    Status("cancelled", 410, _l("Registration cancelled")),
    Status("not_approved", 403, _l("Registration not confirmed")),
    Status("wrong_event", 422, _l("Badge of another event")),
    Status("not_open", 403, _l("Check-in is not open at this time")),
    Status("nonce_conflict", 409, _l("This scan number was already used for another badge: please scan again")),
)}
#: the answers that show who the badge belongs to
SHOWS_ATTENDEE = frozenset({"ok", "already_checked_in", "not_approved", "cancelled", "revoked", "not_open"})
#: the answers that count as failed scans (someone trying codes)
FAILED = frozenset({"invalid", "wrong_event"})
#: the answers stored as a scan (a nonce conflict changes nothing, so it is not stored)
STORED = frozenset(STATUSES) - {"nonce_conflict"}
