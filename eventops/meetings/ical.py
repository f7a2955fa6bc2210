"""iCalendar files: a person's meetings and the event programme. Stable UIDs, SEQUENCE raised on
every change, cancelled meetings sent as CANCELLED, times in the event's time zone."""
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event as VEvent, Timezone, TimezoneStandard

from ..core.timeutil import now_utc, to_zone

PRODID = "-//EventOps//Partnering conference//ZH"


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
    calendar = _calendar(f"{event.name_zh} · 洽谈日程", event.timezone)
    for meeting in meetings:
        other = meeting.participant_b if meeting.participant_a_id == registration.id else meeting.participant_a
        item = VEvent()
        item.add("uid", meeting.uid)
        item.add("sequence", meeting.sequence)
        item.add("dtstamp", meeting.updated_at)
        item.add("dtstart", to_zone(meeting.slot.starts_at, event.timezone))
        item.add("dtend", to_zone(meeting.slot.ends_at, event.timezone))
        item.add("summary", f"洽谈：{other.name}（{other.organisation.name}）")
        item.add("location", f"一对一洽谈区 {meeting.table.code}")
        description = meeting.request.topic or ""
        if meeting.broker is not None:
            description += f"\n经纪人：{meeting.broker.registration.name}"
        item.add("description", description.strip())
        item.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
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
