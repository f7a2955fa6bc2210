"""Live numbers for organizers: arrivals over time, by category, type and gate, no-shows."""
from datetime import timedelta

from sqlalchemy import func, select

from ..extensions import db
from ..organisations.models import Organisation
from ..registration.models import STATUS_APPROVED, Registration
from .models import CheckIn

BUCKET = timedelta(minutes=5)


def _standing(event):
    return (CheckIn.event_id == event.id) & CheckIn.annulled_at.is_(None)


def standing_for(registration_ids) -> set[int]:
    if not registration_ids:
        return set()
    return set(db.session.scalars(select(CheckIn.registration_id).where(
        CheckIn.registration_id.in_(registration_ids), CheckIn.annulled_at.is_(None))))


def expected(event) -> int:
    return db.session.scalar(select(func.count()).select_from(Registration).where(
        Registration.event_id == event.id, Registration.status == STATUS_APPROVED))


def arrived(event) -> int:
    return db.session.scalar(select(func.count()).select_from(CheckIn).where(_standing(event)))


def by_gate(event) -> dict[int, int]:
    return dict(db.session.execute(select(CheckIn.gate_id, func.count()).where(_standing(event))
                                   .group_by(CheckIn.gate_id)).all())


def by_column(event, column) -> list[tuple[str, int, int]]:
    """(value, expected, arrived) for a registration or organisation column."""
    expected_rows = dict(db.session.execute(
        select(column, func.count()).select_from(Registration).join(Organisation)
        .where(Registration.event_id == event.id, Registration.status == STATUS_APPROVED).group_by(column)).all())
    arrived_rows = dict(db.session.execute(
        select(column, func.count()).select_from(CheckIn).join(Registration, CheckIn.registration_id == Registration.id)
        .join(Organisation).where(_standing(event)).group_by(column)).all())
    keys = sorted(set(expected_rows) | set(arrived_rows), key=lambda k: -expected_rows.get(k, 0))
    return [(k, expected_rows.get(k, 0), arrived_rows.get(k, 0)) for k in keys]


def arrivals(event) -> list[tuple]:
    """[(start of a 5-minute bucket, arrivals in it)], from the first to the last arrival, gaps included."""
    times = db.session.scalars(select(CheckIn.at).where(_standing(event)).order_by(CheckIn.at)).all()
    if not times:
        return []
    def floor(t):
        return t.replace(minute=t.minute - t.minute % 5, second=0, microsecond=0)
    counts = {}
    for t in times:
        counts[floor(t)] = counts.get(floor(t), 0) + 1
    start, end, out = floor(times[0]), floor(times[-1]), []
    while start <= end:
        out.append((start, counts.get(start, 0)))
        start += BUCKET
    return out


def no_shows(event):
    """Confirmed people without a standing check-in, by organisation and name."""
    checked = select(CheckIn.registration_id).where(_standing(event))
    return db.session.scalars(
        select(Registration).join(Organisation).where(
            Registration.event_id == event.id, Registration.status == STATUS_APPROVED,
            Registration.id.not_in(checked)).order_by(Organisation.name, Registration.name))
