"""The day itself: marking meetings held or no-show, people at risk, a freed table given to a
standby request whose two people are checked in and free (and both told at once), and the
zone's side of re-planning."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventops.checkin import services as checkin
from eventops.core.models import MailMessage
from eventops.core.timeutil import freeze_now
from eventops.extensions import db
from eventops.meetings import day, placing, publishing, scheduling, zone
from eventops.meetings.models import Meeting

from ..factories import door_staff, login


@pytest.fixture
def clock():
    moments = []

    def set_to(moment):
        moments.append(moment)
        freeze_now(moment)
    yield set_to
    freeze_now(None)


def _check_in(event, people, organizer):
    gate = checkin.gates_of(event)[0] if checkin.gates_of(event) else checkin.add_gate(event, "东门", actor=organizer)
    for n, person in enumerate(people):
        checkin.scan(event, gate=gate, nonce=f"test-{person.id}-{n:04d}", registration_id=person.id)


@pytest.fixture
def day_zone(zone_event, organizer):
    """Two announced meetings in the second slot (09:25): 郑小飞–张忠德 at T001, 刘宏–黄艺凤 at T002,
    and two standby requests: 周文浩–郑小飞 (weight 2) and 周文浩–张忠德."""
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    first = placing.place(event, zone.ask(event, p[0], p[1], actor=organizer), slots[1], tables[0], actor=organizer)
    second = placing.place(event, zone.ask(event, p[2], p[3], actor=organizer), slots[1], tables[1], actor=organizer)
    publishing.announce(event, actor=organizer)
    strong = zone.ask(event, p[4], p[2], weight=2, actor=organizer)
    weak = zone.ask(event, p[4], p[3], actor=organizer)
    db.session.commit()
    return {**zone_event, "slots": slots, "tables": tables, "first": first, "second": second,
            "strong": strong, "weak": weak}


def test_held_and_no_show_only_once_the_slot_started(day_zone, organizer, clock):
    event, slots, first = day_zone["event"], day_zone["slots"], day_zone["first"]
    clock(slots[1].starts_at - timedelta(minutes=5))
    with pytest.raises(zone.ZoneError) as early:
        day.mark(first, "held", actor=organizer)
    assert early.value.code == "not_started"
    clock(slots[1].starts_at + timedelta(minutes=2))
    day.mark(first, "held", actor=organizer)
    db.session.commit()
    assert first.held_at is not None and first.status == "scheduled"
    with pytest.raises(zone.ZoneError):
        day.mark(first, "no_show", actor=organizer)
    day.unmark(first, actor=organizer)
    assert first.held_at is None


def test_a_meeting_with_a_draft_change_cannot_be_marked(day_zone, organizer, clock):
    event, slots, tables, first = day_zone["event"], day_zone["slots"], day_zone["tables"], day_zone["first"]
    placing.move(first, slots[3], tables[0], actor=organizer)
    clock(slots[1].starts_at + timedelta(minutes=2))
    with pytest.raises(zone.ZoneError) as refused:
        day.mark(first, "held", actor=organizer)
    assert refused.value.code == "not_published"


def test_at_risk_when_not_checked_in_before_the_meeting(day_zone, organizer, clock):
    event, p, slots = day_zone["event"], day_zone["people"], day_zone["slots"]
    zone.save_settings(event, at_risk_minutes=10, actor=organizer)
    _check_in(event, [p[0], p[2]], organizer)
    clock(slots[1].starts_at - timedelta(minutes=15))  # the slot before is on: too early to worry
    board = day.board(event, staff=True)
    assert board.upcoming.id == slots[1].id and board.at_risk == set()
    clock(slots[1].starts_at - timedelta(minutes=9))
    board = day.board(event, staff=True)
    first, second = day_zone["first"], day_zone["second"]
    assert board.at_risk == {(first.id, p[1].id), (second.id, p[3].id)}
    assert board.present == {p[0].id, p[2].id}
    public = day.board(event)
    assert public.at_risk == set() and public.present == set()  # the hall's screen names nobody as absent


def test_no_show_then_standby_placement_tells_both_people(day_zone, organizer, clock, client, app):
    event, p, slots, tables = day_zone["event"], day_zone["people"], day_zone["slots"], day_zone["tables"]
    second, strong, weak = day_zone["second"], day_zone["strong"], day_zone["weak"]
    _check_in(event, [p[0], p[1], p[2], p[4]], organizer)  # 黄艺凤 (p[3]) never comes
    clock(slots[1].starts_at + timedelta(minutes=3))
    staff = door_staff(event, "host@example.cn")
    login(client, staff)
    page = client.post(f"/manage/{event.slug}/meetings/{second.id}/mark", data={"outcome": "no_show"},
                       follow_redirects=True)
    assert page.status_code == 200
    db.session.expire_all()
    second = db.session.get(Meeting, second.id)
    assert (second.status, second.published_status, second.cancel_reason) == ("cancelled", "cancelled", "no_show")
    assert second.request.status == "cancelled"
    board = day.board(event, staff=True)
    assert [(s.id, t.id) for s, t, _offers in board.freed] == [(slots[1].id, tables[1].id)]
    offers = board.freed[0][2]
    # 刘宏 (p[2]) is free now: his meeting was the no-show; 周文浩–黄艺凤 does not fit (she is absent)
    assert [o.request.id for o in offers] == [strong.id]
    assert weak.id not in [o.request.id for o in day.offers(event, slots[1])]
    mails_before = {m.id for m in db.session.scalars(select(MailMessage))}
    placed = client.post(f"/manage/{event.slug}/meetings/standby",
                         data={"slot": slots[1].id, "table": tables[1].id, "request": strong.id}, follow_redirects=True)
    assert placed.status_code == 200
    db.session.expire_all()
    meeting = placing.meeting_of_request(strong)
    assert (meeting.status, meeting.published_status, meeting.table_id, meeting.slot_id) == (
        "scheduled", "scheduled", tables[1].id, slots[1].id)
    new_mail = [m for m in db.session.scalars(select(MailMessage)) if m.id not in mails_before]
    assert sorted(m.to_address for m in new_mail) == sorted([p[4].email, p[2].email])
    assert all("T002" in m.body for m in new_mail)
    # the table is taken now: a second click (another host, the same tap twice) places nothing
    again = client.post(f"/manage/{event.slug}/meetings/standby",
                        data={"slot": slots[1].id, "table": tables[1].id, "request": weak.id})
    assert again.status_code == 302
    assert placing.meeting_of_request(weak) is None
    assert day.board(event, staff=True).freed == []


def test_offers_best_first_and_never_a_busy_or_absent_person(day_zone, organizer, clock):
    event, p, slots = day_zone["event"], day_zone["people"], day_zone["slots"]
    first = day_zone["first"]
    extra = zone.ask(event, p[4], p[0], actor=organizer)  # 周文浩–郑小飞, weight 1
    _check_in(event, p[:5], organizer)
    clock(slots[1].starts_at + timedelta(minutes=1))
    day.mark(first, "no_show", actor=organizer)
    db.session.commit()
    offers = day.offers(event, slots[1])
    # 郑小飞 (p[0]) is free since his meeting is off; 刘宏 (p[2]) is busy at T002
    assert [o.request.id for o in offers] == [extra.id]
    day.mark(day_zone["second"], "no_show", actor=organizer)
    offers = day.offers(event, slots[1])
    assert [o.request.id for o in offers][:1] == [day_zone["strong"].id]  # weight 2 first
    assert {o.request.id for o in offers} == {day_zone["strong"].id, day_zone["weak"].id, extra.id}


def test_taking_back_a_no_show(day_zone, organizer, clock):
    event, slots, second = day_zone["event"], day_zone["slots"], day_zone["second"]
    clock(slots[1].starts_at + timedelta(minutes=1))
    day.mark(second, "no_show", actor=organizer)
    day.unmark(second, actor=organizer)
    db.session.commit()
    assert (second.status, second.published_status, second.request.status) == ("scheduled", "scheduled", "accepted")
    assert second.sequence == 2  # cancelled, then confirmed again: calendars follow


def test_the_day_board_needs_staff(day_zone, client, organizer):
    event = day_zone["event"]
    assert client.get(f"/manage/{event.slug}/meetings/day").status_code in (302, 401)
    from ..factories import make_user
    stranger = make_user("stranger@example.cn")
    login(client, stranger)
    assert client.get(f"/manage/{event.slug}/meetings/day").status_code == 403
    assert client.post(f"/manage/{event.slug}/meetings/{day_zone['first'].id}/mark",
                       data={"outcome": "held"}).status_code == 403


def test_replan_keeps_held_started_and_present_peoples_announced_meetings(day_zone, organizer, clock):
    event, p, slots, tables = day_zone["event"], day_zone["people"], day_zone["slots"], day_zone["tables"]
    later = placing.place(event, zone.ask(event, p[0], p[3], actor=organizer), slots[3], tables[0], actor=organizer)
    absent = placing.place(event, zone.ask(event, p[1], p[2], actor=organizer), slots[3], tables[1], actor=organizer)
    publishing.announce(event, actor=organizer)
    draft = placing.place(event, zone.ask(event, p[4], p[0], actor=organizer), slots[2], tables[0], actor=organizer)
    db.session.commit()
    now = slots[1].starts_at + timedelta(minutes=5)
    instance, current = scheduling.replan_instance(event, now=now, present={p[0].id, p[3].id, p[2].id})
    fixed = {f["request"] for f in instance["fixed"]}
    # started (the 09:25 slot), and announced with both people present; not: someone absent, a draft
    assert fixed == {f"r{day_zone['first'].request_id}", f"r{day_zone['second'].request_id}", f"r{later.request_id}"}
    assert {c["request"] for c in current} == {f"r{absent.request_id}", f"r{draft.request_id}"}
    participant = {x["id"]: x for x in instance["participants"]}[f"p{p[4].id}"]
    assert participant["available"] == [slots[2].code, slots[3].code]  # only slots not started
    from eventops.meetings.solver import load_instance
    load_instance(instance)  # a valid instance: the kept meetings break no rule
