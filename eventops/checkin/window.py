"""When the door is open, and when a scan happened.

The check-in window of an event: its own (``events.checkin_opens_at``/``checkin_closes_at``), or by
default 00:00 of its first day to the end of its last day in its time zone. The moment of a scan:
what the scanner says (a queued scan arrives late), bounded by now and ``CHECKIN_LATE_HOURS``.
"""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

from ..core.timeutil import to_zone


def default_window(event) -> tuple[datetime, datetime]:
    """00:00 of the event's first day to the end of its last day, in the event's time zone."""
    zone = ZoneInfo(event.timezone)
    first = to_zone(event.starts_at, event.timezone).date()
    last = (to_zone(event.ends_at, event.timezone) - timedelta(microseconds=1)).date()
    opens = datetime.combine(first, time(0), tzinfo=zone)
    closes = datetime.combine(max(last, first) + timedelta(days=1), time(0), tzinfo=zone)
    return opens.astimezone(timezone.utc), closes.astimezone(timezone.utc)


def window(event) -> tuple[datetime, datetime]:
    """When check-in is open: the event's own window, or :func:`default_window`."""
    opens, closes = default_window(event)
    return event.checkin_opens_at or opens, event.checkin_closes_at or closes


def moment_of(scanned_at, sent_at, now) -> datetime:
    """When a scan happened, bounded: never after ``now``, never more than ``CHECKIN_LATE_HOURS`` before.

    With ``sent_at`` (the scanner's clock when it sent the scan) the scan's age on the scanner's own
    clock is taken from now, so a scanner whose clock is wrong still records the right moment."""
    if scanned_at is None:
        return now
    if sent_at is not None:
        moment = now - max(sent_at - scanned_at, timedelta(0))
    else:
        moment = min(scanned_at, now)
    return max(moment, now - timedelta(hours=current_app.config.get("CHECKIN_LATE_HOURS", 12)))
