"""A person at the door, for the organizer's page: check-ins (annulled ones too) and every scan."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import literal, select

from ..accounts.models import User
from ..extensions import db
from .models import CheckIn, Device, Gate, Scan, TestScan
from .statuses import STATUSES


def check_ins_of(registration) -> list[CheckIn]:
    """A person's check-ins, annulled ones too, oldest first."""
    return list(db.session.scalars(select(CheckIn).where(CheckIn.registration_id == registration.id)
                                   .order_by(CheckIn.at)))


@dataclass
class ScanLine:
    at: datetime
    received_at: datetime | None
    status: str
    gate: str | None
    device: str | None
    staff: str | None
    nonce: str
    test: bool = False

    @property
    def message(self):
        return STATUSES[self.status].message

    @property
    def late(self) -> bool:
        """Sent well after it was scanned (from a scanner's offline queue)."""
        return self.received_at is not None and self.received_at - self.at > timedelta(seconds=30)


def scans_of(registration, limit=500) -> list[ScanLine]:
    """Every scan of a person (failed ones too, and test-mode ones, marked), newest first."""
    lines = []
    for model, test in ((Scan, False), (TestScan, True)):
        user_column = model.user_id if model is Scan else literal(None)
        rows = db.session.execute(
            select(model.at, model.received_at, model.status, Gate.name, Device.name, User.name, User.email,
                   model.nonce)
            .outerjoin(Gate, Gate.id == model.gate_id).outerjoin(Device, Device.id == model.device_id)
            .outerjoin(User, User.id == user_column)
            .where(model.registration_id == registration.id).order_by(model.at.desc()).limit(limit))
        lines += [ScanLine(at, received, status, gate, device, (name or email) if (name or email) else None, nonce, test)
                  for at, received, status, gate, device, name, email, nonce in rows]
    return sorted(lines, key=lambda line: line.at, reverse=True)[:limit]
