"""Aware time: stored in UTC, shown in the event's time zone."""
from datetime import datetime, timezone
from zoneinfo import ZoneInfo


def now_utc() -> datetime:
    """The one clock of the application (tests replace it with ``freeze_now``)."""
    return _clock()


def _system_clock():
    return datetime.now(timezone.utc)


_clock = _system_clock


def freeze_now(moment):
    """Test helper: make ``now_utc()`` return ``moment`` (or follow a callable)."""
    global _clock
    if moment is None:
        _clock = _system_clock
    elif callable(moment):
        _clock = moment
    else:
        _clock = lambda: moment  # noqa: E731


def to_zone(moment: datetime | None, tz: str) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(ZoneInfo(tz))


def local_to_utc(naive_local: datetime, tz: str) -> datetime:
    """A wall-clock time typed by an organizer in the event's zone, as aware UTC."""
    return naive_local.replace(tzinfo=ZoneInfo(tz)).astimezone(timezone.utc)


def known_zone(tz) -> bool:
    try:
        ZoneInfo(tz)
    except (ValueError, KeyError, TypeError, OSError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True
