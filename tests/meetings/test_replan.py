"""Re-plan the rest of the day from the zone: the organizer's button runs a job that keeps held,
started and present people's announced meetings, moves as few others as it can for the best
weight, writes the draft, reports and audits what changed; announcing then mails the changed."""
import sys
from datetime import timedelta

import pytest
from sqlalchemy import select

from eventops.core.models import AuditEntry
from eventops.extensions import db
from eventops.jobs.models import Job
from eventops.meetings import bounded, day, placing, publishing, scheduling, zone
from eventops.meetings.models import Meeting
from eventops.meetings.solver import replan

from ..factories import door_staff, login
from .test_day import _check_in, clock, day_zone  # noqa: F401 (fixtures)
from .test_drafts import sent  # noqa: F401 (fixture)


def _afternoon(day_zone, organizer):
    """Besides the two announced 09:25 meetings: two announced at 10:40 (郑小飞–黄艺凤 at T001,
    张忠德–刘宏 at T002) and one in the draft at 10:15 (周文浩–郑小飞 at T001). 张忠德 is not checked in."""
    event, p, slots, tables = day_zone["event"], day_zone["people"], day_zone["slots"], day_zone["tables"]
    later = placing.place(event, zone.ask(event, p[0], p[3], actor=organizer), slots[3], tables[0], actor=organizer)
    absent = placing.place(event, zone.ask(event, p[1], p[2], actor=organizer), slots[3], tables[1], actor=organizer)
    publishing.announce(event, actor=organizer)
    draft = placing.place(event, zone.ask(event, p[4], p[0], actor=organizer), slots[2], tables[0], actor=organizer)
    _check_in(event, [p[0], p[2], p[3], p[4]], organizer)
    db.session.commit()
    return later, absent, draft


def test_the_button_moves_one_meeting_to_add_a_heavier_one_and_announcing_mails_the_changed(
        day_zone, organizer, client, clock, sent):  # noqa: F811
    event, p, slots, tables = day_zone["event"], day_zone["people"], day_zone["slots"], day_zone["tables"]
    later, absent, draft = _afternoon(day_zone, organizer)
    draft_request = draft.request_id
    clock(slots[1].starts_at + timedelta(minutes=5))
    login(client, organizer)
    assert "replan-button" in client.get(f"/manage/{event.slug}/meetings/").get_data(as_text=True)
    response = client.post(f"/manage/{event.slug}/meetings/replan")
    job = db.session.scalar(select(Job).where(Job.kind == "meetings.replan"))
    assert response.headers["Location"].endswith(f"/jobs/{job.id}")
    assert job.state == "done" and not job.result["overran"], job.error  # the real solver, in a child
    # 周文浩–刘宏 (weight 2, standby) fits at 10:40 only if 张忠德–刘宏 (张忠德 absent: not fixed)
    # moves to 10:15; nothing else moves: not the started ones, not 郑小飞–黄艺凤 (both here)
    assert (job.result["moved"], job.result["added"], job.result["dropped"]) == (1, 1, 0)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1" in page and "/meetings/?changes=1#changes" in page
    db.session.expire_all()
    assert (absent.slot_id, absent.change) == (slots[2].id, "moved")
    assert (later.slot_id, later.table_id, later.change) == (slots[3].id, tables[0].id, None)
    # (a meeting never announced is written again: apply_schedule gives it a new row)
    draft = db.session.scalar(select(Meeting).where(Meeting.request_id == draft_request))
    assert (draft.slot_id, draft.table_id, draft.status) == (slots[2].id, tables[0].id, "scheduled")
    strong = db.session.scalar(select(Meeting).where(Meeting.request_id == day_zone["strong"].id))
    assert (strong.slot_id, strong.change) == (slots[3].id, "new")
    for first in (day_zone["first"], day_zone["second"]):
        assert first.change is None and first.slot_id == slots[1].id
    log = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "meetings.replan"))
    assert log.details["moved"] == 1 and log.details["added"] == 1 and log.details["present"] == 4
    sent.clear()
    told = publishing.announce(event, actor=organizer)
    db.session.commit()
    # the moved meeting's two people and the new one's (周文浩's draft meeting is new too)
    assert {p[1].id, p[2].id, p[4].id} <= told and sorted(m["to"] for m in sent) == sorted(told)
    mail = next(m for m in sent if m["to"] == p[1].id)
    assert "10:40" in mail["body"] and "10:15" in mail["body"]  # from the old time to the new one


def test_replanning_again_changes_nothing(day_zone, organizer, clock):
    event, slots = day_zone["event"], day_zone["slots"]
    _afternoon(day_zone, organizer)
    now = slots[1].starts_at + timedelta(minutes=5)
    clock(now)
    first = scheduling.replan(event, actor=organizer, now=now, time_limit=2)
    db.session.commit()
    assert (len(first["moved"]), len(first["added"])) == (1, 1)
    before = {m.request_id: (m.slot_id, m.table_id, m.broker_id) for m in db.session.scalars(
        select(Meeting).where(Meeting.status == "scheduled"))}
    again = scheduling.replan(event, actor=organizer, now=now, time_limit=2)
    db.session.commit()
    assert again["moved"] == again["added"] == again["dropped"] == []
    after = {m.request_id: (m.slot_id, m.table_id, m.broker_id) for m in db.session.scalars(
        select(Meeting).where(Meeting.status == "scheduled"))}
    assert after == before


def test_with_everybody_here_announced_meetings_stay_and_weight_comes_first(day_zone, organizer, clock):
    event, p, slots = day_zone["event"], day_zone["people"], day_zone["slots"]
    later, absent, draft = _afternoon(day_zone, organizer)
    draft_request = draft.request_id
    _check_in(event, [p[1]], organizer)
    db.session.commit()
    now = slots[1].starts_at + timedelta(minutes=5)
    clock(now)
    result = scheduling.replan(event, actor=organizer, now=now, time_limit=2)
    db.session.commit()
    # 张忠德–刘宏 is fixed now, so 周文浩–刘宏 (weight 2) goes where the draft 周文浩–郑小飞 (weight 1)
    # is, at 10:15: that one has nowhere else to go (郑小飞 meets at 10:40) and comes off
    assert result["moved"] == [] and result["dropped"] == [f"r{draft_request}"]
    assert result["added"] == [f"r{day_zone['strong'].id}"] and result["objective"] == result["baseline"] + 1
    db.session.expire_all()
    assert (absent.slot_id, absent.change, later.change) == (slots[3].id, None, None)
    # never announced: its row goes
    assert db.session.scalar(select(Meeting).where(Meeting.request_id == draft_request)) is None


def test_a_mark_made_while_the_solver_works_stops_the_replan(day_zone, organizer, clock):
    event, slots = day_zone["event"], day_zone["slots"]
    later, absent, draft = _afternoon(day_zone, organizer)
    now = slots[1].starts_at + timedelta(minutes=5)
    clock(now)
    first = day_zone["first"]

    def solver(instance, current, time_limit):
        schedule = replan(instance, current, time_limit)
        day.mark(first, "held", actor=organizer, now=now)  # a host on the board, meanwhile
        return schedule
    with pytest.raises(zone.ZoneError) as changed:
        scheduling.replan(event, actor=organizer, now=now, time_limit=1, solver=solver)
    assert changed.value.code == "changed"
    db.session.rollback()
    db.session.expire_all()
    assert db.session.get(Meeting, absent.id).slot_id == slots[3].id  # nothing written


def test_only_organizers_may_replan(day_zone, organizer, client):
    event = day_zone["event"]
    staff = door_staff(event, "door@example.cn")
    login(client, staff)
    assert client.post(f"/manage/{event.slug}/meetings/replan").status_code == 403
    assert db.session.scalar(select(Job).where(Job.kind == "meetings.replan")) is None


def test_a_replan_that_overruns_keeps_the_current_meetings_and_adds_around_them(monkeypatch):
    """A child that never returns is killed at the deadline; the quick plan made beside it keeps the
    current meetings that still fit and adds what fits around them."""
    monkeypatch.setattr(bounded, "CHILD", [sys.executable, "-c", "import time; time.sleep(3600)"])
    slot = [{"id": f"s{i}", "start": f"2030-05-24T{9 + i:02d}:00:00+08:00",
             "end": f"2030-05-24T{9 + i:02d}:20:00+08:00"} for i in (1, 2)]
    instance = {"slots": slot, "tables": [{"id": "t1"}], "brokers": [], "fixed": [],
                "participants": [{"id": p} for p in ("a", "b", "c")],
                "requests": [{"id": "r1", "from": "a", "to": "b", "weight": 1},
                             {"id": "r2", "from": "a", "to": "c", "weight": 1}]}
    current = [{"request": "r1", "slot": "s2", "table": "t1", "broker": None}]
    schedule = bounded.replan_within(instance, current, 0.5, grace=0.3)
    assert schedule["overran"] is True and schedule["moved"] == [] and schedule["added"] == ["r2"]
    assert {m["request"]: m["slot"] for m in schedule["meetings"]} == {"r1": "s2", "r2": "s1"}


def test_a_zone_with_nothing_placed_yet_is_planned_from_now(zone_event, organizer, clock):
    event, p = zone_event["event"], zone_event["people"]
    slots = zone.slots_of(event)
    zone.ask(event, p[0], p[1], actor=organizer)
    db.session.commit()
    now = slots[1].starts_at + timedelta(minutes=1)
    clock(now)
    result = scheduling.replan(event, actor=organizer, now=now, time_limit=1)
    db.session.commit()
    assert result["moved"] == result["dropped"] == [] and len(result["added"]) == 1
    meeting = db.session.scalar(select(Meeting))
    assert meeting.slot.starts_at > now  # not in a slot that has started
