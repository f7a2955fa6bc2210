"""The negotiation zone from the database: grid, requests, the schedule button, re-scheduling with
announced meetings fixed, decisions that stay, manual changes and announcements to only the
people concerned."""
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar
from sqlalchemy import func, select

from eventops.core.models import MailMessage
from eventops.extensions import db
from eventops.meetings import placing, publishing, scheduling, zone
from eventops.meetings.models import Meeting
from eventops.meetings.solver import InstanceError, check

from ..factories import login


def test_slot_grid_skips_breaks(zone_event):
    slots = zone.slots_of(zone_event["event"])
    starts = [s.starts_at.astimezone(ZoneInfo("Asia/Shanghai")).strftime("%H:%M") for s in slots]
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


def _meeting(request):
    return db.session.scalar(select(Meeting).where(Meeting.request_id == request.id))


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
    told = publishing.announce(event, actor=organizer)
    db.session.commit()
    assert told == {r.id for r in p[:5]}
    assert _meeting(requests[0]).broker_id == zone_event["broker"].id

    # 周文浩 (p[4]) withdraws from one meeting; the schedule is solved again; nobody else is disturbed
    before = {m.id: (m.slot_id, m.table_id) for m in placing.meetings_of(event)}
    cancelled = _meeting(requests[3])
    placing.cancel(cancelled, reason="withdrew", actor=organizer)
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=5)
    db.session.commit()
    after = {m.id: (m.slot_id, m.table_id) for m in placing.meetings_of(event)}
    assert after == {k: v for k, v in before.items() if k != cancelled.id}
    mails_before = db.session.scalar(select(func.count()).select_from(MailMessage))
    told = publishing.announce(event, actor=organizer)
    db.session.commit()
    assert told == {p[4].id, p[3].id}  # only the two people of the cancelled meeting
    assert db.session.scalar(select(func.count()).select_from(MailMessage)) == mails_before + 2


def test_cancel_then_schedule_the_cancelled_request_stays_unscheduled(zone_event, organizer):
    """Decisions stay: a meeting cancelled by hand is not brought back by the next run (before
    this, it came back with a new id and a new calendar UID), until an organizer re-opens it."""
    event, p = zone_event["event"], zone_event["people"]
    request = _accepted(event, p[0], p[1], organizer)
    other = _accepted(event, p[2], p[3], organizer)
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=3)
    meeting = _meeting(request)
    meeting_id = meeting.id
    placing.cancel(meeting, reason="organizer", actor=organizer)
    db.session.commit()
    for _round in range(2):  # the plenty of room in the grid changes nothing
        result = scheduling.run(event, actor=organizer, time_limit=3)
        db.session.commit()
        assert f"r{request.id}" not in {m["request"] for m in result["meetings"]}
        assert f"r{request.id}" not in {r["id"] for r in scheduling.build_instance(event)["requests"]}
        assert f"r{other.id}" in {m["request"] for m in result["meetings"]}
    rows = db.session.scalars(select(Meeting).where(Meeting.request_id == request.id)).all()
    assert [(m.id, m.status, m.cancel_reason) for m in rows] == [(meeting_id, "cancelled", "organizer")]
    assert request.status == "cancelled" and request.cancel_reason == "organizer"
    # neither side can ask again; an organizer re-opens, and the same meeting row is placed again
    with pytest.raises(zone.ZoneError) as refused:
        zone.ask(event, p[1], p[0])
    assert refused.value.code == "cancelled"
    placing.reopen(request, actor=organizer)
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=3)
    db.session.commit()
    again = db.session.scalars(select(Meeting).where(Meeting.request_id == request.id)).all()
    assert [(m.id, m.status) for m in again] == [(meeting_id, "scheduled")]


def test_the_other_direction_of_a_cancelled_pair_does_not_bring_it_back(zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    first = _accepted(event, p[0], p[1], organizer)
    back = zone.ask(event, p[1], p[0])
    zone.respond(back, p[0], accept=True)  # both asked: one meeting, weight 3
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=3)
    assert _meeting(back) is None
    placing.cancel(_meeting(first), reason="withdrew", actor=organizer)
    db.session.commit()
    result = scheduling.run(event, actor=organizer, time_limit=3)
    db.session.commit()
    assert result["meetings"] == [] and scheduling.build_instance(event)["requests"] == []
    assert back.status == "accepted"  # their own answer stands; the pair is left alone


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


def test_manual_changes_are_checked_and_stay_through_a_run(zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    first = _accepted(event, p[0], p[1], organizer)
    second = _accepted(event, p[0], p[2], organizer)
    nuclear = _accepted(event, p[3], p[4], organizer, topic="核医药", needs_broker=True)
    meeting = placing.place(event, first, slots[0], tables[0], actor=organizer)
    with pytest.raises(zone.ZoneError) as exc:
        placing.place(event, second, slots[0], tables[1], actor=organizer)  # 郑小飞 is busy then
    assert "郑小飞" in exc.value.message
    with pytest.raises(zone.ZoneError):
        placing.place(event, nuclear, slots[0], tables[1], actor=organizer)  # needs a broker
    placing.place(event, nuclear, slots[0], tables[1], zone_event["broker"], actor=organizer)
    moved = placing.move(meeting, slots[3], tables[1], actor=organizer)
    assert moved.pinned and moved.change == "new"
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=3)  # placed by hand: kept where it is
    db.session.commit()
    db.session.refresh(moved)
    assert (moved.slot_id, moved.table_id, moved.status) == (slots[3].id, tables[1].id, "scheduled")


def test_cancel_needs_a_reason_and_undo_puts_it_back(zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    request = _accepted(event, p[0], p[1], organizer)
    meeting = placing.place(event, request, slots[1], tables[0], actor=organizer)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    with pytest.raises(zone.InvalidInput):
        placing.cancel(meeting, reason="", actor=organizer)
    placing.cancel(meeting, reason="no_show", actor=organizer)
    assert (meeting.change, request.status) == ("cancelled", "cancelled")
    placing.undo(meeting, actor=organizer)
    db.session.commit()
    assert (meeting.status, meeting.slot_id, meeting.change, request.status) == ("scheduled", slots[1].id, None, "accepted")
    assert db.session.scalar(select(func.count()).select_from(Meeting.__table__.metadata.tables["meeting_seats"])) == 2
    with pytest.raises(zone.ZoneError):
        placing.undo(meeting, actor=organizer)  # nothing left to undo
    # once announced, a change stays: undo is gone
    placing.move(meeting, slots[2], tables[1], actor=organizer)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    assert meeting.undo is None


def test_undo_is_refused_when_the_place_was_taken_since(zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meeting = placing.place(event, _accepted(event, p[0], p[1], organizer), slots[0], tables[0], actor=organizer)
    placing.cancel(meeting, reason="organizer", actor=organizer)
    placing.place(event, _accepted(event, p[2], p[3], organizer), slots[0], tables[0], actor=organizer)
    with pytest.raises(zone.ZoneError) as exc:
        placing.undo(meeting, actor=organizer)
    assert "T001" in exc.value.message
    assert meeting.status == "cancelled"


def test_pages(zone_event, organizer, client, app):
    event, p = zone_event["event"], zone_event["people"]
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/meetings/")
    assert page.status_code == 200
    client.post(f"/manage/{event.slug}/meetings/requests", data={"from": p[0].id, "to": p[2].id, "topic": "核医药"})
    response = client.post(f"/manage/{event.slug}/meetings/schedule", data={"seconds": "3"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 1
    meeting = db.session.scalar(select(Meeting))
    grid = client.get(f"/manage/{event.slug}/meetings/").get_data(as_text=True)
    assert f"/meetings/{meeting.id}" in grid and "×" not in grid.split('id="meeting-grid"')[1]
    assert client.get(f"/manage/{event.slug}/meetings/{meeting.id}").status_code == 200
    assert client.get(f"/manage/{event.slug}/meetings/tables.pdf").data.startswith(b"%PDF")
    assert client.get(f"/manage/{event.slug}/meetings/brokers.pdf").data.startswith(b"%PDF")
    assert client.get(f"/manage/{event.slug}/meetings/instance.json").get_json()["requests"][0]["from"] == f"p{p[0].id}"
    assert client.get(f"/e/{event.slug}/meetings/board").status_code == 200
    assert client.get(f"/manage/{event.slug}/meetings/day").status_code == 200
    assert client.get(f"/manage/{event.slug}/meetings/people/{p[0].id}").status_code == 200
    client.post(f"/manage/{event.slug}/meetings/sessions", data={"title": "院企合作主论坛", "kind": "forum",
                                                                 "day": "2030-05-24", "start": "09:00", "end": "10:30",
                                                                 "room": "主会场", "speakers": "张忠德 郑小飞"})
    assert "院企合作主论坛" in client.get(f"/e/{event.slug}/programme").get_data(as_text=True)
    programme = Calendar.from_ical(client.get(f"/e/{event.slug}/programme.ics").data)
    assert [str(e["SUMMARY"]) for e in programme.walk("VEVENT")] == ["院企合作主论坛"]


def test_cancel_page_asks_for_a_reason(zone_event, organizer, client):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meeting = placing.place(event, _accepted(event, p[0], p[1], organizer), slots[0], tables[0], actor=organizer)
    db.session.commit()
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/meetings/{meeting.id}").get_data(as_text=True)
    assert 'name="reason"' in page and "data-confirm" in page
    refused = client.post(f"/manage/{event.slug}/meetings/{meeting.id}/cancel", data={}, follow_redirects=True)
    assert "请选择取消洽谈的原因。" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "scheduled"
    client.post(f"/manage/{event.slug}/meetings/{meeting.id}/cancel", data={"reason": "withdrew"})
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "cancelled"
    client.post(f"/manage/{event.slug}/meetings/{meeting.id}/undo", data={})
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "scheduled"


def test_another_events_meeting_is_not_reachable(zone_event, organizer, client, app):
    from ..factories import make_event
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meeting = placing.place(event, _accepted(event, p[0], p[1], organizer), slots[0], tables[0], actor=organizer)
    other = make_event(organizer)
    db.session.commit()
    login(client, organizer)
    assert client.get(f"/manage/{other.slug}/meetings/{meeting.id}").status_code == 404
    assert client.post(f"/manage/{other.slug}/meetings/{meeting.id}/cancel", data={"reason": "organizer"}).status_code == 404


def test_bad_input_gets_a_clear_answer_never_a_500(zone_event, organizer, client):
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    meeting = placing.place(event, _accepted(event, p[0], p[1], organizer), slots[0], tables[0], actor=organizer)
    db.session.commit()
    login(client, organizer)
    base = f"/manage/{event.slug}/meetings"
    assert client.get(f"{base}/?day=2030-13-40&zone=ZZ&slot=x&table=-1&rq=%25&rstatus=nope").status_code == 200
    assert client.get(f"{base}/find/people?q=" + "郑" * 500).status_code == 200
    assert client.post(f"{base}/place", data={"request": "abc", "slot": "", "table": ""}).status_code == 400
    assert client.post(f"{base}/requests", data={"from": p[0].id, "to": p[0].id}).status_code == 400
    assert client.post(f"{base}/settings", data={"optin_question": "999999", "at_risk_minutes": "many"},
                       follow_redirects=True).status_code == 200
    assert zone.settings_of(event).at_risk_minutes == 15
    assert client.post(f"{base}/{meeting.id}/cancel", data={"reason": "bored"}, follow_redirects=True).status_code == 200
    assert client.post(f"{base}/{meeting.id}/mark", data={"outcome": "maybe"}, follow_redirects=True).status_code == 200
    assert client.post(f"{base}/standby", data={"slot": "1", "table": "x", "request": "2"}).status_code in (302, 404)
    assert client.get("/m/" + "a" * 5000).status_code == 404
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).status == "scheduled"
    meeting_id = meeting.id
    assert client.post(f"{base}/{meeting_id}/undo", follow_redirects=True).status_code == 200  # undo the placing
    db.session.expire_all()
    assert db.session.get(Meeting, meeting_id) is None
    assert client.post(f"{base}/{meeting_id}/undo").status_code == 404


def test_the_back_office_links_to_a_participants_negotiations(zone_event, organizer, client):
    event, p = zone_event["event"], zone_event["people"]
    login(client, organizer)
    page = client.get(f"/manage/{event.slug}/registrations/{p[0].id}").get_data(as_text=True)
    assert f"/manage/{event.slug}/meetings/people/{p[0].id}" in page


def test_the_optin_question_cannot_be_deleted_while_the_zone_uses_it(zone_event, organizer, client):
    """Deleting the question that decides who takes part would silently take in everyone: refused,
    with what to do instead; once the zone uses another (or none), it can go."""
    from eventops.events import services as events
    from eventops.events.models import Question
    event = zone_event["event"]
    question = events.add_question(event, label_zh="是否参加一对一洽谈？", kind="yesno", actor=organizer)
    db.session.flush()
    zone.save_settings(event, optin_question_id=question.id, actor=organizer)
    db.session.commit()
    login(client, organizer)
    page = client.post(f"/manage/{event.slug}/questions/{question.id}/delete", follow_redirects=True)
    assert page.status_code == 200 and "此问题决定谁参加一对一洽谈" in page.get_data(as_text=True)
    question_id = question.id
    db.session.expire_all()
    assert db.session.get(Question, question_id) is not None
    zone.save_settings(event, optin_question_id=None, actor=organizer)
    db.session.commit()
    client.post(f"/manage/{event.slug}/questions/{question_id}/delete")
    db.session.expire_all()
    assert db.session.get(Question, question_id) is None
