"""Check-in rules. A scan is answered with one of the statuses of :mod:`.statuses`; the answer and
the scan are stored together, and a retried request (same nonce) gets the stored answer back."""
import hashlib
import re
import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..badges import services as badges
from ..core import audit
from ..core.db import begin_write
from ..core.errors import DomainError
from ..core.timeutil import now_utc
from ..extensions import db
from ..registration.models import (STATUS_APPROVED, STATUS_CANCELLED, Registration)
from .models import CheckIn, Device, Gate, Scan
from .statuses import FAILED, STATUSES

NONCE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class CheckInError(DomainError):
    pass


@dataclass
class ScanResult:
    status: str
    scan: Scan
    registration: Registration | None = None
    check_in: CheckIn | None = None      # the standing check-in (new, or the earlier one)
    replayed: bool = False

    @property
    def http_status(self):
        return STATUSES[self.status].http


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


def gate_of(event, gate_ref) -> Gate:
    """A gate given by id (number or digits) or by name."""
    gate = None
    if isinstance(gate_ref, int) or (isinstance(gate_ref, str) and gate_ref.isdigit() and len(gate_ref) < 10):
        gate = db.session.get(Gate, int(gate_ref))
    elif isinstance(gate_ref, str) and len(gate_ref) <= 100:
        gate = db.session.scalar(select(Gate).where(Gate.event_id == event.id, Gate.name == gate_ref.strip()))
    if gate is None or gate.event_id != event.id:
        raise CheckInError("unknown_gate", _("Unknown gate."), status=400)
    return gate


def _hash(token):
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def issue_device(event, name, *, actor) -> tuple[Device, str]:
    name = " ".join((name or "").split())[:100]
    if not name:
        raise CheckInError("device", _("Please name the device."), field="name")
    token = "eod_" + secrets.token_urlsafe(32)
    device = Device(event_id=event.id, name=name, token_hash=_hash(token), created_by_id=actor.id, created_at=now_utc())
    db.session.add(device)
    db.session.flush()
    audit.record(actor, "device.issue", device, event=event, details={"name": name})
    return device, token


def revoke_device(event, device, *, actor):
    if device.revoked_at is None:
        device.revoked_at = now_utc()
        audit.record(actor, "device.revoke", device, event=event, details={"name": device.name})
        db.session.flush()


def device_for_token(token) -> Device | None:
    if not isinstance(token, str) or not token.startswith("eod_") or len(token) > 100:
        return None
    device = db.session.scalar(select(Device).where(Device.token_hash == _hash(token)))
    if device is None or device.revoked_at is not None:
        return None
    return device


def devices_of(event):
    return list(db.session.scalars(select(Device).where(Device.event_id == event.id).order_by(Device.id)))


# --- scanning ---------------------------------------------------------------------------------

def _printable(raw) -> str:
    if not isinstance(raw, str):
        return ""
    return "".join(ch for ch in raw[:64] if ch.isprintable())


def _replay(event, nonce) -> ScanResult | None:
    scan = db.session.scalar(select(Scan).where(Scan.event_id == event.id, Scan.nonce == nonce))
    if scan is None:
        return None
    registration = db.session.get(Registration, scan.registration_id) if scan.registration_id else None
    check_in = db.session.get(CheckIn, scan.check_in_id) if scan.check_in_id else None
    return ScanResult(scan.status, scan, registration, check_in, replayed=True)


def _standing(registration_id) -> CheckIn | None:
    return db.session.scalar(select(CheckIn).where(CheckIn.registration_id == registration_id,
                                                   CheckIn.annulled_at.is_(None)))


def scan(event, *, gate, nonce, code=None, registration_id=None, user=None, device=None) -> ScanResult:
    """Answer one scan (of a badge code, or of a person found by name, by id) and store it.

    The caller commits. Safe against the same badge at two gates at once (unique standing
    check-in) and against a retried request (unique nonce).
    """
    if not isinstance(nonce, str) or not NONCE.match(nonce):
        raise CheckInError("nonce", _("Each scan needs a nonce of 8 to 64 letters, digits, '-' or '_'."), status=400)
    replay = _replay(event, nonce)
    if replay is not None:
        return replay
    begin_write()
    now = now_utc()
    registration, status, presented = None, None, _printable(code) if code is not None else f"#{registration_id}"

    if registration_id is not None:
        registration = db.session.get(Registration, registration_id) if isinstance(registration_id, int) else None
        if registration is None:
            status = "invalid"
        elif registration.event_id != event.id:
            registration, status = None, "wrong_event"
    else:
        badge = badges.by_code(code)
        if badge is None:
            status = "invalid"
        elif badge.event_id != event.id:
            status = "wrong_event"
        else:
            registration = db.session.get(Registration, badge.registration_id)
            if badge.revoked_at is not None:
                status = "revoked"

    check_in = None
    if status is None:
        if registration.status == STATUS_CANCELLED:
            status = "cancelled"
        elif registration.status != STATUS_APPROVED:
            status = "not_approved"
        else:
            check_in = CheckIn(event_id=event.id, registration_id=registration.id, gate_id=gate.id, at=now,
                               user_id=getattr(user, "id", None), device_id=getattr(device, "id", None))
            try:
                with db.session.begin_nested():
                    db.session.add(check_in)
                status = "ok"
            except IntegrityError:
                check_in, status = _standing(registration.id), "already_checked_in"

    record = Scan(event_id=event.id, nonce=nonce, presented=presented, status=status, gate_id=gate.id,
                  registration_id=getattr(registration, "id", None) if status not in FAILED else None,
                  check_in_id=getattr(check_in, "id", None), user_id=getattr(user, "id", None),
                  device_id=getattr(device, "id", None), at=now)
    try:
        with db.session.begin_nested():
            db.session.add(record)
    except IntegrityError:
        # the same nonce arrived twice at once: the first one's answer stands
        replay = _replay(event, nonce)
        if replay is None:
            raise
        return replay
    if device is not None:
        device.last_seen_at = now
    return ScanResult(status, record, registration if status not in FAILED else None, check_in)


def check_ins_of(registration) -> list[CheckIn]:
    """A person's check-ins, annulled ones too, oldest first."""
    return list(db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration.id)
                                   .order_by(CheckIn.at)))


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
