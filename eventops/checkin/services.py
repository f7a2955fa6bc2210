"""Check-in rules. A scan is answered with one of the statuses of :mod:`.statuses`; the answer and
the scan are stored together, and a retried request (same nonce) gets the stored answer back.

- A person is admitted once: a partial unique index on the standing check-in, written with
  ``INSERT ... ON CONFLICT DO NOTHING``, so two gates scanning one badge at the same instant admit it
  once, on PostgreSQL and SQLite alike, without a lock or a savepoint.
- The same nonce again gets the stored answer; the same nonce with another code or from another
  device is a ``nonce_conflict`` and changes nothing.
- A scan carries the moment it was scanned (a queue sends it late): it is recorded at that moment,
  never in the future and never older than ``CHECKIN_LATE_HOURS``; outside the event's check-in
  window (:mod:`.window`) the answer is ``not_open``.
- A device in test mode gets the answers a real scan would get, stored apart (``test_scans``), and
  admits nobody.
- An ok scan costs two statements on PostgreSQL: :func:`resolve` (event, device, gate, the badge,
  its holder and their standing check-in: one join, columns rather than ORM entities), then the
  check-in and its scan row in one INSERT (data-modifying CTEs; it also notes the device as seen,
  at most once a minute). SQLite, which has no such CTEs, takes the two INSERTs apart. A retried
  scan is told by the scan row's INSERT (the nonce's unique index), not by a look-up.
"""
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_babel import gettext as _
from sqlalchemy import delete, false, select
from sqlalchemy.orm.attributes import set_committed_value

from ..badges.codes import parse as parse_code
from ..badges.models import Badge
from ..core import audit
from ..core.errors import DomainError
from ..core.timeutil import now_utc
from ..events.models import CATEGORIES
from ..extensions import db
from ..registration.models import STATUS_APPROVED, STATUS_CANCELLED, Registration
from . import statements
from .models import CheckIn, Device, Gate, Scan, TestScan
from .statuses import FAILED, STATUSES
from .window import default_window, moment_of, window  # noqa: F401  (default_window: for callers)

NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
#: ids beyond a 32-bit integer column are nobody's (and must not reach the database as parameters)
MAX_ID = 2**31 - 1
#: ``last_seen_at`` of a device is written at most this often
SEEN_EVERY = timedelta(minutes=1)


class CheckInError(DomainError):
    pass


@dataclass(frozen=True, slots=True)
class Written:
    """A scan row as just written (a plain record, not an ORM object: nothing for the session to
    track, flush or expire)."""
    id: int
    event_id: int
    nonce: str
    presented: str
    status: str
    gate_id: int
    registration_id: int | None
    check_in_id: int | None
    user_id: int | None
    device_id: int | None
    at: datetime
    received_at: datetime


@dataclass
class ScanResult:
    status: str
    scan: Written | Scan | TestScan | None  # None for a nonce conflict (nothing was stored)
    registration: "Holder | None" = None     # who the badge is for, as the door shows them
    check_in_id: int | None = None       # the standing check-in (new, or the earlier one)
    replayed: bool = False
    previous_at: datetime | None = None  # already_checked_in: when and where the person came in
    previous_gate: str | None = None
    test: bool = False                   # answered in test mode: nothing was admitted

    @property
    def http_status(self):
        return STATUSES[self.status].http

    @property
    def check_in(self) -> CheckIn | None:
        """The standing check-in (loaded on access; a new one is already in the session)."""
        return db.session.get(CheckIn, self.check_in_id) if self.check_in_id else None


# --- gates and devices ------------------------------------------------------------------------

def gates_of(event) -> list[Gate]:
    return list(db.session.scalars(select(Gate).where(Gate.event_id == event.id).order_by(Gate.position, Gate.id)))


def add_gate(event, name, *, actor) -> Gate:
    name = " ".join((name or "").split())[:100]
    if not name:
        raise CheckInError("gate", _("Please enter the gate's name."), field="name")
    if db.session.scalar(select(Gate.id).where(Gate.event_id == event.id, Gate.name == name)):
        raise CheckInError("gate", _("A gate with this name exists."), field="name")
    gate = Gate(event_id=event.id, name=name, position=len(gates_of(event)))
    db.session.add(gate)
    db.session.flush()
    audit.record(actor, "gate.create", gate, event=event, details={"name": name})
    return gate


def gate_key(gate_ref) -> tuple[int | None, str | None]:
    """(id, None) for a gate given by id (a number, or digits), (None, name) for one given by name,
    (None, None) for anything that cannot be a gate (so that it is looked up nowhere)."""
    if isinstance(gate_ref, bool):
        return None, None
    if isinstance(gate_ref, int):
        return (gate_ref, None) if 0 < gate_ref <= MAX_ID else (None, None)
    if isinstance(gate_ref, str):
        text = gate_ref.strip()
        if text.isascii() and text.isdigit():
            return (int(text), None) if len(text) < 11 and 0 < int(text) <= MAX_ID else (None, None)
        if 0 < len(text) <= 100:
            return None, text
    return None, None


def _gate_matches(gate_ref):
    gate_id, name = gate_key(gate_ref)
    if gate_id is not None:
        return Gate.id == gate_id
    if name is not None:
        return Gate.name == name
    return false()


def gate_of(event, gate_ref) -> Gate:
    """A gate of the event given by id (number or digits) or by name; 400 ``unknown_gate`` otherwise."""
    gate = db.session.scalar(select(Gate).where(Gate.event_id == event.id, _gate_matches(gate_ref)))
    if gate is None:
        raise CheckInError("unknown_gate", _("Unknown gate."), status=400)
    return gate


def token_hash(token) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def _token_ok(token) -> bool:
    return isinstance(token, str) and token.startswith("eod_") and len(token) <= 100


def issue_device(event, name, *, actor) -> tuple[Device, str]:
    name = " ".join((name or "").split())[:100]
    if not name:
        raise CheckInError("device", _("Please name the device."), field="name")
    token = "eod_" + secrets.token_urlsafe(32)
    device = Device(event_id=event.id, name=name, token_hash=token_hash(token), created_by_id=actor.id,
                    created_at=now_utc())
    db.session.add(device)
    db.session.flush()
    audit.record(actor, "device.issue", device, event=event, details={"name": name})
    return device, token


def revoke_device(event, device, *, actor):
    if device.revoked_at is None:
        device.revoked_at = now_utc()
        audit.record(actor, "device.revoke", device, event=event, details={"name": device.name})
        db.session.flush()


def set_test_mode(event, device, on: bool, *, actor):
    if device.test_mode != bool(on):
        device.test_mode = bool(on)
        audit.record(actor, "device.test_mode", device, event=event, details={"name": device.name, "on": bool(on)})
        db.session.flush()


def device_for_token(token) -> Device | None:
    if not _token_ok(token):
        return None
    device = db.session.scalar(select(Device).where(Device.token_hash == token_hash(token)))
    if device is None or device.revoked_at is not None:
        return None
    return device


def devices_of(event):
    return list(db.session.scalars(select(Device).where(Device.event_id == event.id).order_by(Device.id)))


@dataclass(frozen=True)
class DoorEvent:
    """What a scan needs of its event (:func:`.window.window` reads the window from it)."""
    id: int
    slug: str
    timezone: str
    starts_at: datetime
    ends_at: datetime
    checkin_opens_at: datetime | None
    checkin_closes_at: datetime | None


@dataclass
class DoorDevice:
    id: int
    test_mode: bool
    last_seen_at: datetime | None


@dataclass(frozen=True)
class DoorGate:
    id: int
    name: str


@dataclass(frozen=True)
class Holder:
    """The person a badge (or a search at the door) is for, as the scanner shows them."""
    id: int
    event_id: int
    name: str
    category: str
    status: str
    organisation: str
    org_type: str

    @property
    def category_label(self):
        return CATEGORIES.get(self.category, self.category)

    @classmethod
    def of(cls, registration: Registration) -> "Holder":
        org = registration.organisation
        return cls(registration.id, registration.event_id, registration.name, registration.category,
                   registration.status, org.name, org.org_type)


@dataclass
class _Found:
    """What the look-up found of the badge: a failed verdict already (``status``), or its holder and
    the check-in that stands for them."""
    status: str | None = None
    registration: Holder | None = None
    standing_id: int | None = None
    standing_at: datetime | None = None
    standing_gate: str | None = None


@dataclass
class Door:
    """What a scanner's request is about, found in one round trip by :func:`resolve`."""
    event: DoorEvent
    device: DoorDevice | None = None   # the device of the bearer token, if it is one of this event's
    gate: DoorGate | None = None       # the gate asked for, if it is one of this event's
    found: _Found | None = None        # the badge (or person) asked for, if one was


def _parsed_registration_id(value) -> int | None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        return None
    return value


def resolve(slug, *, token=None, gate_ref=None, code=None, registration_id=None) -> Door | None:
    """The event at ``slug`` with, in the same statement, the device of ``token`` (only one of this
    event's, not revoked), the gate ``gate_ref`` (only one of this event's), and the badge ``code`` or
    the person ``registration_id`` with their standing check-in (``Door.found``, when either is
    given). None when there is no such event."""
    if not isinstance(slug, str) or len(slug) > 64:
        return None
    gate_id, gate_name = gate_key(gate_ref)
    params = {"slug": slug, "token_hash": token_hash(token) if _token_ok(token) else None,
              "gate_id": gate_id, "gate_name": gate_name}
    by = "registration" if registration_id is not None else "code" if code is not None else None
    if by == "registration":
        params["registration_id"] = _parsed_registration_id(registration_id)
    elif by == "code":
        params["code"] = parse_code(code)
    row = db.session.connection().execute(statements.door(by), params).first()
    if row is None:
        return None
    event = DoorEvent(*row[:_DEVICE])
    device = DoorDevice(*row[_DEVICE:_GATE]) if row[_DEVICE] is not None else None
    gate = DoorGate(*row[_GATE:_BADGE]) if row[_GATE] is not None else None
    return Door(event, device, gate, _found(event, row[_BADGE:]) if by else None)


# where each part starts in a row of statements.door()
_DEVICE = len(statements.EVENT)
_GATE = _DEVICE + len(statements.DEVICE)
_BADGE = _GATE + len(statements.GATE)
_HOLDER = 2  # after the badge's event and revocation
_STANDING = _HOLDER + len(statements.HOLDER)


def _found(event, row) -> _Found:
    """The verdict so far from the look-up's badge part: (badge event, badge revoked at) + holder + standing."""
    badge_event_id, revoked_at, holder, standing = row[0], row[1], row[_HOLDER:_STANDING], row[_STANDING:]
    if holder[0] is None:
        return _Found("invalid")
    if badge_event_id != event.id:
        return _Found("wrong_event")
    return _Found("revoked" if revoked_at is not None else None, Holder(*holder), *standing)


# --- the check-in window (see .window) ----------------------------------------------------------

def set_window(event, opens_at, closes_at, *, actor):
    """Set the check-in window (aware datetimes), or go back to the default with both None."""
    if (opens_at is None) != (closes_at is None):
        raise CheckInError("window", _("Give both the opening and the closing time, or neither."), field="checkin_opens_at")
    if opens_at is not None and closes_at <= opens_at:
        raise CheckInError("window", _("Check-in must close after it opens."), field="checkin_closes_at")
    event.checkin_opens_at, event.checkin_closes_at = opens_at, closes_at
    audit.record(actor, "checkin.window", event, event=event,
                 details={"opens_at": opens_at.isoformat() if opens_at else None,
                          "closes_at": closes_at.isoformat() if closes_at else None})
    db.session.flush()


def parse_moment(value) -> datetime | None:
    """An ISO 8601 date and time with its offset (``2026-11-26T09:03:12.345+08:00`` or ``...Z``), as
    aware UTC; a CheckInError for anything else."""
    if value is None:
        return None
    moment = None
    if isinstance(value, str) and 10 <= len(value) <= 40:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        raise CheckInError("bad_moment", _("A scan's time must be an ISO 8601 date and time with its offset."),
                           status=400)
    return moment.astimezone(timezone.utc)


# --- scanning ---------------------------------------------------------------------------------

def _printable(raw) -> str:
    if not isinstance(raw, str):
        return ""
    return "".join(ch for ch in raw[:64] if ch.isprintable())


def _insert(model):
    return statements.insert(db.session.get_bind().dialect.name, model)


def _lookup(event, code, registration_id) -> _Found:
    """The badge (or the person, by id), their holder and standing check-in: one statement."""
    return resolve(event.slug, code=code if registration_id is None else None, registration_id=registration_id).found


def _verdict(event, found: _Found, moment, *, in_test_mode=False) -> str | None:
    """The answer for what was found, or None: admit (if nobody stands checked in)."""
    if found.status is not None:
        return found.status
    if found.registration.status == STATUS_CANCELLED:
        return "cancelled"
    if found.registration.status != STATUS_APPROVED:
        return "not_approved"
    opens, closes = window(event)
    if not in_test_mode and not opens <= moment < closes:
        return "not_open"
    if found.standing_id is not None:
        return "already_checked_in"
    return None


def _stored(event, nonce) -> Scan | None:
    return db.session.scalar(select(Scan).where(Scan.event_id == event.id, Scan.nonce == nonce))


def _replayed(event, stored, presented, device) -> ScanResult:
    """The answer for a nonce already stored: the same answer again, or a conflict."""
    if stored.presented != presented or stored.device_id != getattr(device, "id", None):
        return ScanResult("nonce_conflict", None)
    registration = db.session.get(Registration, stored.registration_id) if stored.registration_id else None
    check_in_id = getattr(stored, "check_in_id", None)
    previous_at = previous_gate = None
    if stored.status == "already_checked_in" and check_in_id is not None:
        check_in = db.session.get(CheckIn, check_in_id)
        previous_at, previous_gate = check_in.at, check_in.gate.name
    return ScanResult(stored.status, stored, Holder.of(registration) if registration is not None else None,
                      check_in_id, replayed=True, previous_at=previous_at, previous_gate=previous_gate,
                      test=isinstance(stored, TestScan))


def _seen_due(device, now) -> bool:
    return device is not None and (device.last_seen_at is None or now - device.last_seen_at >= SEEN_EVERY)


def _seen(carry, device_id, now) -> dict:
    """The parameters noting the device as seen, when the statement carries it."""
    return {"device_id": device_id, "at": now} if carry else {}


def _note_seen(device, now, *, written=False):
    """``last_seen_at`` of the device is ``now`` (``written``: the scan's own statement wrote it)."""
    if not written:
        db.session.connection().execute(statements.note_seen(), {"seen_device_id": device.id, "seen_at": now})
    if isinstance(device, Device):
        set_committed_value(device, "last_seen_at", now)  # as written: nothing for the session to flush
    else:
        device.last_seen_at = now


def scan(event, *, gate, nonce, code=None, registration_id=None, user=None, device=None, scanned_at=None,
         sent_at=None, door: Door | None = None) -> ScanResult:
    """Answer one scan (of a badge code, or of a person found by name, by id) and store it.

    ``event``, ``gate`` and ``device`` are the models or what :func:`resolve` found of them;
    ``scanned_at``/``sent_at`` are the scanner's clock when it scanned and when it sent (see
    :func:`moment_of`); ``door`` is what :func:`resolve` found for this scan's code (the caller
    looked it up: no statement of its own here). The caller commits. Safe against the
    same badge at two gates at once (unique standing check-in) and against a retried request
    (unique nonce).
    """
    if not isinstance(nonce, str) or not NONCE.match(nonce):
        raise CheckInError("nonce", _("Each scan needs a nonce of 8 to 64 letters, digits, '-' or '_'."), status=400)
    now = now_utc()
    moment = moment_of(scanned_at, sent_at, now)
    presented = f"#{registration_id}" if registration_id is not None else _printable(code)
    if device is not None and device.test_mode:
        return _test_scan(event, gate=gate, nonce=nonce, code=code, registration_id=registration_id,
                          device=device, presented=presented, moment=moment, now=now, door=door)
    if door is None:
        door = resolve(event.slug, code=code if registration_id is None else None, registration_id=registration_id)
    # a retried scan (its nonce stored already) is told by the INSERT of its scan row, which then
    # writes nothing: the stored answer is given again, and a check-in written on the way is undone
    found = door.found
    status = _verdict(event, found, moment)
    registration = found.registration
    user_id, device_id = getattr(user, "id", None), getattr(device, "id", None)
    connection = db.session.connection()
    dialect = connection.dialect.name
    seen = _seen_due(device, now)
    carry = seen and dialect == "postgresql"  # the device noted as seen by the next write (a CTE)
    values = dict(event_id=event.id, nonce=nonce, presented=presented, status=status, gate_id=gate.id,
                  registration_id=registration.id if registration is not None else None,
                  check_in_id=None, user_id=user_id, device_id=device_id, at=moment, received_at=now)
    new_check_in = scan_id = None
    seen_written = False
    if status is None:
        check_in = statements.check_in_values(event_id=event.id, registration_id=registration.id, gate_id=gate.id,
                                              at=moment, user_id=user_id, device_id=device_id)
        if dialect == "postgresql":  # the check-in and its scan row in one statement
            values.update(status="ok", check_in_id=None)
            new_check_in, scan_id = connection.execute(statements.admit(seen=carry), {
                **check_in, **statements.scan_values(values, **_seen(carry, device_id, now))}).first()
            seen_written, carry = carry, False
        else:
            new_check_in = connection.execute(statements.add_check_in(dialect), check_in).scalar()
        if new_check_in is not None:
            status = "ok"
        else:  # another gate admitted the person a moment ago
            status = "already_checked_in"
            found.standing_id, found.standing_at, found.standing_gate = connection.execute(
                statements.standing(), {"registration_id": registration.id}).first()
    check_in_id = new_check_in if status == "ok" else found.standing_id if status == "already_checked_in" else None
    values.update(status=status, check_in_id=check_in_id)
    if new_check_in is None or dialect != "postgresql":  # not written with the check-in
        scan_id = connection.execute(statements.add_scan(dialect, seen=carry),
                                     statements.scan_values(values, **_seen(carry, device_id, now))).scalar()
        seen_written = seen_written or carry
    if scan_id is None:
        # the nonce is stored already (a retry, or a request that ran alongside): that scan stands
        if new_check_in is not None:
            connection.execute(delete(CheckIn).where(CheckIn.id == new_check_in))
        return _replayed(event, _stored(event, nonce), presented, device)
    if seen:
        _note_seen(device, now, written=seen_written)
    shown = registration if status not in FAILED else None
    return ScanResult(status, Written(id=scan_id, **values), shown, check_in_id,
                      previous_at=found.standing_at if status == "already_checked_in" else None,
                      previous_gate=found.standing_gate if status == "already_checked_in" else None)


def _test_scan(event, *, gate, nonce, code, registration_id, device, presented, moment, now, door) -> ScanResult:
    """A scan of a device in test mode: the answer a real scan would get (the window aside), kept in
    test_scans; a badge already scanned in test mode answers as already checked in."""
    stored = db.session.scalar(select(TestScan).where(TestScan.event_id == event.id, TestScan.nonce == nonce))
    if stored is not None:
        return _replayed(event, stored, presented, device)
    found = door.found if door is not None else _lookup(event, code, registration_id)
    status = _verdict(event, found, moment, in_test_mode=True)
    if status is None:
        earlier = db.session.execute(
            select(TestScan.at, Gate.name).join(Gate, Gate.id == TestScan.gate_id)
            .where(TestScan.registration_id == found.registration.id, TestScan.status == "ok")
            .order_by(TestScan.at).limit(1)).first()
        if earlier is not None:
            status, found.standing_at, found.standing_gate = "already_checked_in", *earlier
        else:
            status = "ok"
    registration = found.registration if status not in FAILED else None
    values = dict(event_id=event.id, nonce=nonce, presented=presented, status=status, gate_id=gate.id,
                  registration_id=getattr(registration, "id", None), device_id=device.id, at=moment, received_at=now)
    scan_id = db.session.execute(_insert(TestScan).values(**values).on_conflict_do_nothing(
        index_elements=[TestScan.event_id, TestScan.nonce]).returning(TestScan.id)).scalar()
    if scan_id is None:
        return _replayed(event, db.session.scalar(select(TestScan).where(
            TestScan.event_id == event.id, TestScan.nonce == nonce)), presented, device)
    if _seen_due(device, now):
        _note_seen(device, now)
    return ScanResult(status, TestScan(id=scan_id, **values), registration, test=True,
                      previous_at=found.standing_at if status == "already_checked_in" else None,
                      previous_gate=found.standing_gate if status == "already_checked_in" else None)


# --- annulling -------------------------------------------------------------------------------------

def annul(check_in, *, actor, reason) -> CheckIn:
    if check_in.annulled_at is not None:
        raise CheckInError("already_annulled", _("This check-in has already been annulled."))
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise CheckInError("reason", _("Please give a reason."), field="reason")
    check_in.annulled_at, check_in.annulled_by_id, check_in.annul_reason = now_utc(), actor.id, reason
    db.session.flush()
    audit.record(actor, "checkin.annul", check_in, event=check_in.registration.event,
                 details={"registration": check_in.registration_id, "reason": reason})
    return check_in
