"""The negotiation zone from the database: grid, requests, the schedule button, re-scheduling with
announced meetings fixed, manual changes and announcements to only the people concerned."""
import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from eventops.core.models import MailMessage
from eventops.extensions import db
from eventops.meetings import scheduling, zone
from eventops.meetings.models import Meeting
from eventops.meetings.solver import InstanceError, check

from ..factories import login


def test_slot_grid_skips_breaks(zone_event):
    slots = zone.slots_of(zone_event["event"])
    starts = [s.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Shanghai")).strftime("%H:%M") for s in slots]
    assert starts == ["09:00", "09:25", "10:15", "10:40"]  # 09:50-10:10 would cross the 10:00 break


def test_requests_answers_and_mutual_weight(zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    ask = zone.ask(event, p[2], p[0], topic="核医药", needs_broker=True)
    assert ask.status == "new"
    zone.respond(ask, p[0], accept=True)
    back = zone.ask(event, p[0], p[2], topic="核医药")
    zone.respond(back, p[2], accept=True)
    with pytest.raises(zone.ZoneError):
        zone.respond(back, p[2], accept=False)
    with pytest.raises(zone.ZoneError):
        zone.ask(event, p[2], p[0])
    db.session.commit()
    instance = scheduling.build_instance(event)
    assert len(instance["requests"]) == 1 and instance["requests"][0]["weight"] == 3
    assert instance["requests"][0]["needs_broker"] is True


def _accepted(event, a, b, organizer, **kw):
    return zone.ask(event, a, b, actor=organizer, **kw)


def test_schedule_button_then_reschedule_keeps_announced_meetings(zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    requests = [_accepted(event, p[0], p[2], organizer, topic="核医药", needs_broker=True),
                _accepted(event, p[1], p[2], organizer), _accepted(event, p[3], p[0], organizer),
                _accepted(event, p[4], p[3], organizer), _accepted(event, p[1], p[4], organizer)]
    db.session.commit()
    result = scheduling.run(event, actor=organizer, time_limit=5)
    db.session.commit()
    assert check(scheduling.build_instance(event), result) == []
    assert len(result["meetings"]) == 5
    told = scheduling.announce(event, actor=organizer)
    db.session.commit()
    assert told == {r.id for r in p[:5]}
    broker_meeting = db.session.scalar(select(Meeting).where(Meeting.request_id == requests[0].id))
    assert broker_meeting.broker_id == zone_event["broker"].id

    # 周文浩 (p[4]) cancels one meeting; the schedule is solved again; nobody else is disturbed
    before = {m.id: (m.slot_id, m.table_id) for m in scheduling.meetings_of(event)}
    cancelled = db.session.scalar(select(Meeting).where(Meeting.request_id == requests[3].id))
    scheduling.cancel(cancelled, actor=organizer)
    requests[3].status = "cancelled"
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=5)
    db.session.commit()
    after = {m.id: (m.slot_id, m.table_id) for m in scheduling.meetings_of(event)}
    assert all(after[k] == v for k, v in before.items() if k != cancelled.id)
    mails_before = db.session.scalar(select(func.count()).select_from(MailMessage))
    told = scheduling.announce(event, actor=organizer)
    db.session.commit()
    assert told == {p[4].id, p[3].id}  # only the two people of the cancelled meeting
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == mails_before + 2


def test_an_invalid_instance_changes_nothing(zone_event, organizer, monkeypatch):
    event, p = zone_event["event"], zone_event["people"]
    _accepted(event, p[0], p[1], organizer)
    db.session.commit()
    original = scheduling.build_instance

    def broken(ev):
        instance = original(ev)
        instance["slots"][0]["end"] = instance["slots"][0]["start"]
        return instance
    monkeypatch.setattr(scheduling, "build_instance", broken)
    with pytest.raises(InstanceError) as exc:
        scheduling.run(event, actor=organizer)
    assert any("s001" in str(problem) for problem in exc.value.problems)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0


def test_manual_changes_are_checked(zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    first = _accepted(event, p[0], p[1], organizer)
    second = _accepted(event, p[0], p[2], organizer)
    nuclear = _accepted(event, p[3], p[4], organizer, topic="核医药", needs_broker=True)
    meeting = scheduling.place(event, first, slots[0], tables[0], actor=organizer)
    with pytest.raises(zone.ZoneError) as exc:
        scheduling.place(event, second, slots[0], tables[1], actor=organizer)  # 郑小飞 is busy then
    assert "郑小飞" in exc.value.message
    with pytest.raises(zone.ZoneError):
        scheduling.place(event, nuclear, slots[0], tables[1], actor=organizer)  # needs a broker
    scheduling.place(event, nuclear, slots[0], tables[1], zone_event["broker"], actor=organizer)
    moved = scheduling.move(meeting, slots[1], tables[0], actor=organizer)
    assert moved.sequence == 1
    db.session.commit()


def test_icalendar_round_trip(zone_event, organizer, client):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meeting = scheduling.place(event, _accepted(event, p[0], p[2], organizer, topic="核医药合作"), slots[0], tables[1],
                               actor=organizer)
    other = scheduling.place(event, _accepted(event, p[0], p[1], organizer), slots[1], tables[0], actor=organizer)
    scheduling.announce(event, actor=organizer)
    scheduling.move(meeting, slots[2], tables[1], actor=organizer)
    scheduling.cancel(other, actor=organizer)
    db.session.commit()
    from eventops.meetings.ical import person_calendar
    calendar = Calendar.from_ical(person_calendar(event, p[0], scheduling.agenda_of(p[0])))
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {meeting.uid, other.uid}
    moved, cancelled = events[meeting.uid], events[other.uid]
    assert int(moved["SEQUENCE"]) == 1 and str(moved["STATUS"]) == "CONFIRMED"
    start = moved.decoded("DTSTART")
    assert start.utcoffset().total_seconds() == 8 * 3600
    assert start.strftime("%H:%M") == "10:15" and start == slots[2].starts_at
    assert moved["DTSTART"].params.get("TZID") == "Asia/Shanghai"
    assert "刘宏" in str(moved["SUMMARY"]) and "T002" in str(moved["LOCATION"])
    assert str(cancelled["STATUS"]) == "CANCELLED" and int(cancelled["SEQUENCE"]) == 1


def test_pages(zone_event, organizer, client, app):
    event, p = zone_event["event"], zone_event["people"]
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/meetings/")
    assert page.status_code == 200
    client.post(f"/manage/{event.slug}/meetings/requests", data={"from": p[0].id, "to": p[2].id, "topic": "核医药"})
    response = client.post(f"/manage/{event.slug}/meetings/schedule", data={"seconds": "3"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
    assert client.get(f"/manage/{event.slug}/meetings/tables.pdf").data.startswith(b"%PDF")
    assert client.get(f"/manage/{event.slug}/meetings/brokers.pdf").data.startswith(b"%PDF")
    assert client.get(f"/manage/{event.slug}/meetings/instance.json").get_json()["requests"][0]["from"] == f"p{p[0].id}"
    assert client.get(f"/e/{event.slug}/meetings/board").status_code == 200
    client.post(f"/manage/{event.slug}/meetings/sessions", data={"title": "院企合作主论坛", "kind": "forum",
                                                                 "day": "2030-05-24", "start": "09:00", "end": "10:30",
                                                                 "room": "主会场", "speakers": "张忠德 郑小飞"})
    assert "院企合作主论坛" in client.get(f"/e/{event.slug}/programme").get_data(as_text=True)
    programme = Calendar.from_ical(client.get(f"/e/{event.slug}/programme.ics").data)
    assert [str(e["SUMMARY"]) for e in programme.walk("VEVENT")] == ["院企合作主论坛"]
