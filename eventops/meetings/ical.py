"""iCalendar files: a person's meetings (their published version) and the event programme.

A meeting's UID belongs to its request (``meeting-r<request id>@<host of EVENTOPS_BASE_URL>``): a
meeting cancelled and placed again keeps it, and its SEQUENCE rises with each announced change,
so calendars update the entry they have. Cancelled meetings are sent as CANCELLED; times are in
the event's time zone."""
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import current_app
from icalendar import Calendar, Event as VEvent, Timezone, TimezoneStandard

from ..core.timeutil import now_utc, to_zone

PRODID = "-//EventOps//Partnering conference//ZH"
#: the UIDs' domain when EVENTOPS_BASE_URL is not set (set it in production: UIDs must not change)
FALLBACK_DOMAIN = "eventops.local"


def domain() -> str:
    """The host of EVENTOPS_BASE_URL: the domain of every UID this installation writes."""
    return urlsplit(current_app.config.get("BASE_URL") or "").hostname or FALLBACK_DOMAIN


def meeting_uid(request_id: int) -> str:
    return f"meeting-r{request_id}@{domain()}"


def _calendar(name, tz):
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", tz)
    zone = Timezone()
    zone.add("tzid", tz)
    standard = TimezoneStandard()  # Asia/Shanghai keeps +08:00 all year
    offset = ZoneInfo(tz).utcoffset(now_utc().replace(tzinfo=None))
    standard.add("dtstart", now_utc().replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0, tzinfo=None))
    standard.add("tzoffsetfrom", offset)
    standard.add("tzoffsetto", offset)
    standard.add("tzname", "CST" if tz == "Asia/Shanghai" else tz)
    zone.add_component(standard)
    calendar.add_component(zone)
    return calendar


def person_calendar(event, registration, meetings) -> bytes:
    """The published version of ``meetings`` (never a draft) as seen by ``registration``."""
    calendar = _calendar(f"{event.name_zh} · 洽谈日程", event.timezone)
    for meeting in meetings:
        shown = meeting.published
        if shown is None:
            continue
        other = meeting.other(registration.id)
        item = VEvent()
        item.add("uid", meeting_uid(meeting.request_id))
        item.add("sequence", meeting.sequence)
        item.add("dtstamp", meeting.published_at or meeting.updated_at)
        item.add("dtstart", to_zone(shown.slot.starts_at, event.timezone))
        item.add("dtend", to_zone(shown.slot.ends_at, event.timezone))
        item.add("summary", f"洽谈：{other.name}（{other.organisation.name}）")
        item.add("location", f"一对一洽谈区 {shown.table.code}")
        description = meeting.request.topic or ""
        if shown.broker is not None:
            description += f"\n经纪人：{shown.broker.registration.name}"
        item.add("description", description.strip())
        item.add("status", "CANCELLED" if shown.cancelled else "CONFIRMED")
        calendar.add_component(item)
    return calendar.to_ical()


def programme_calendar(event, sessions) -> bytes:
    calendar = _calendar(f"{event.name_zh} · 日程", event.timezone)
    for session in sessions:
        item = VEvent()
        item.add("uid", f"session-{session.id}@eventops")
        item.add("sequence", session.sequence)
        item.add("dtstamp", now_utc())
        item.add("dtstart", to_zone(session.starts_at, event.timezone))
        item.add("dtend", to_zone(session.ends_at, event.timezone))
        item.add("summary", session.title_zh)
        item.add("location", session.room)
        if session.speakers:
            item.add("description", "嘉宾：" + "、".join(session.speakers))
        calendar.add_component(item)
    return calendar.to_ical()
