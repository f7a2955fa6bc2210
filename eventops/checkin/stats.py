"""Live numbers for organizers: arrivals over time, by category, type and gate, no-shows."""
import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Integer, func, select, true

from ..core.timeutil import to_zone
from ..extensions import db
from ..organisations.models import Organisation
from ..registration.models import STATUS_APPROVED, Registration
from . import services
from .models import CheckIn, Gate


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


#: bucket sizes the arrivals chart may use, in minutes
NICE_MINUTES = (5, 10, 15, 20, 30, 60, 120, 180, 240, 360, 720, 1440)
#: at most this many bars, however long the check-in window
MAX_BUCKETS = 96
#: steps between two labels of the time axis, in minutes
TICK_MINUTES = (15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080)


@dataclass
class Arrivals:
    start: datetime            # of the first bucket (UTC)
    size: timedelta            # of each bucket
    counts: list[int]          # arrivals in each bucket, gaps included

    @property
    def buckets(self) -> list[tuple[datetime, int]]:
        return [(self.start + i * self.size, n) for i, n in enumerate(self.counts)]

    @property
    def peak(self) -> int:
        return max(self.counts, default=0)

    @property
    def total(self) -> int:
        return sum(self.counts)

    def ticks(self, tz: str, most: int = 12) -> list[tuple[int, str, str]]:
        """Where the time axis is labelled: (bucket index, local time, local date when the day
        changes), at round local times (every 15 minutes... every day), at most ``most`` of them."""
        size = int(self.size.total_seconds() // 60)
        span = size * len(self.counts)
        step = next((m for m in TICK_MINUTES if m >= size and span / m <= most), TICK_MINUTES[-1])
        out, last_day = [], None
        for index, (start, _n) in enumerate(self.buckets):
            local = to_zone(start, tz)
            minute = local.hour * 60 + local.minute
            on_step = minute % step == 0 if step < 1440 else minute == 0 and local.toordinal() % (step // 1440) == 0
            if on_step:
                out.append((index, local.strftime("%H:%M"), local.strftime("%m-%d") if local.date() != last_day else ""))
                last_day = local.date()
        return out


def chart_range(event, first_arrival=None) -> tuple[datetime, datetime]:
    """The part of the check-in window the chart covers: the window, from the day of the first
    arrival when the window opened days earlier."""
    opens, closes = services.window(event)
    if first_arrival is not None:
        local = to_zone(first_arrival, event.timezone)
        day = local.replace(hour=0, minute=0, second=0, microsecond=0).astimezone(timezone.utc)
        opens = min(max(opens, day), closes)
    return opens, closes


def bucket_size(span: timedelta) -> timedelta:
    for minutes in NICE_MINUTES:
        if span <= timedelta(minutes=minutes) * MAX_BUCKETS:
            return timedelta(minutes=minutes)
    days = -(-span // (timedelta(days=1) * MAX_BUCKETS))
    return timedelta(days=days)


def _bucket_expression(start, size):
    """The bucket number of a check-in, computed by the database."""
    seconds = size.total_seconds()
    if db.session.get_bind().dialect.name == "postgresql":
        return func.floor(func.extract("epoch", CheckIn.at - start) / seconds)
    # SQLite keeps UTC as text; julianday counts days
    origin = start.astimezone(timezone.utc).replace(tzinfo=None).isoformat(sep=" ")
    return func.cast(((func.julianday(CheckIn.at) - func.julianday(origin)) * 86400 + 0.001) / seconds, Integer)


def arrivals(event) -> Arrivals:
    """Standing check-ins per bucket over the check-in window (see :func:`chart_range`): at most
    :data:`MAX_BUCKETS` bars of a round size, however long the window."""
    first = db.session.scalar(select(func.min(CheckIn.at)).where(_standing(event)))
    start, end = chart_range(event, first)
    size = bucket_size(end - start)
    count = max(1, -(-(end - start) // size))
    bucket = _bucket_expression(start, size).label("bucket")
    rows = db.session.execute(select(bucket, func.count()).where(_standing(event), CheckIn.at >= start, CheckIn.at < end)
                              .group_by(bucket)).all()
    counts = [0] * count
    for index, n in rows:
        if index is not None and 0 <= int(index) < count:
            counts[int(index)] += n
    return Arrivals(start, size, counts)


def fingerprint(event) -> str:
    """Changes whenever any figure of the live page does: one statement of a few aggregates."""
    check_ins = select(func.count(), func.max(CheckIn.id), func.count(CheckIn.annulled_at)).where(
        CheckIn.event_id == event.id).subquery()
    registrations = select(func.count(), func.max(Registration.updated_at), func.max(Registration.status_changed_at)).where(
        Registration.event_id == event.id).subquery()
    gates = select(func.count(), func.max(Gate.id)).where(Gate.event_id == event.id).subquery()
    row = db.session.execute(select(check_ins, registrations, gates).select_from(
        check_ins.join(registrations, true()).join(gates, true()))).one()
    return hashlib.sha256(repr((tuple(row), event.checkin_opens_at, event.checkin_closes_at, event.timezone))
                          .encode()).hexdigest()[:32]


def no_shows(event):
    """Confirmed people without a standing check-in, by organisation and name."""
    checked = select(CheckIn.registration_id).where(_standing(event))
    return db.session.scalars(
        select(Registration).join(Organisation).where(
            Registration.event_id == event.id, Registration.status == STATUS_APPROVED,
            Registration.id.not_in(checked)).order_by(Organisation.name, Registration.name))
