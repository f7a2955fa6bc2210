"""The server's rules for a scan: nonce conflicts, the check-in window and test mode, the moment a
late scan is recorded at, limits on what a request may hold, tokens of one event only, error codes."""
import json
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn, Scan, TestScan
from eventops.core.timeutil import freeze_now
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import door_staff, login, make_event, person


def count(model):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def scan(door, code, *, nonce=None, device=None, gate=0, **kw):
    result = checkin.scan(door["event"], gate=door["gates"][gate], nonce=nonce or uuid.uuid4().hex, code=code,
                          device=device, user=None if device else door["staff"], **kw)
    db.session.commit()
    return result


@pytest.fixture
def devices(door, organizer):
    issued = [checkin.issue_device(door["event"], f"闸机{n}", actor=organizer) for n in range(2)]
    db.session.commit()
    return issued


def url(event, path="checkins"):
    return f"/api/v1/events/{event.slug}/{path}"


# --- nonces -------------------------------------------------------------------------------------

def test_the_same_nonce_with_another_code_is_a_conflict_and_changes_nothing(door):
    first = scan(door, door["codes"]["guest"], nonce="shared-nonce-01")
    assert first.status == "ok"
    second = scan(door, door["codes"]["other"], nonce="shared-nonce-01")
    assert second.status == "nonce_conflict" and second.http_status == 409 and second.registration is None
    assert count(Scan) == 1 and count(CheckIn) == 1
    assert db.session.scalar(select(CheckIn.registration_id)) == door["guest"].id   # the second person is not in
    assert scan(door, door["codes"]["other"]).status == "ok"                        # scanned again: admitted


def test_a_retry_after_the_check_in_was_annulled_gets_the_stored_answer_and_admits_nobody(door, organizer):
    """A retried scan is told by its scan row's INSERT, after the check-in's: with the person's
    check-in annulled in between, the retry would admit them again, unless that check-in is undone."""
    first = scan(door, door["codes"]["guest"], nonce="annulled-retry-1")
    checkin.annul(first.check_in, actor=organizer, reason="扫错人")
    db.session.commit()
    again = scan(door, door["codes"]["guest"], nonce="annulled-retry-1")
    db.session.commit()
    assert (again.status, again.replayed) == ("ok", True) and again.scan.id == first.scan.id
    assert count(Scan) == 1 and count(CheckIn) == 1
    assert db.session.scalar(select(CheckIn.annulled_at)) is not None      # nobody stands checked in
    conflict = scan(door, door["codes"]["other"], nonce="annulled-retry-1")  # another badge, same nonce
    db.session.commit()
    assert conflict.status == "nonce_conflict" and count(CheckIn) == 1


def test_a_retried_failed_scan_gets_its_stored_answer(door):
    assert scan(door, "EO1:" + "B" * 26, nonce="failed-retry-01").status == "invalid"
    again = scan(door, "EO1:" + "B" * 26, nonce="failed-retry-01")
    assert (again.status, again.replayed) == ("invalid", True) and count(Scan) == 1


def test_the_same_nonce_from_another_device_is_a_conflict(door, devices):
    (one, _t1), (two, _t2) = devices
    assert scan(door, door["codes"]["guest"], nonce="device-nonce-1", device=one).status == "ok"
    assert scan(door, door["codes"]["guest"], nonce="device-nonce-1", device=one).replayed
    assert scan(door, door["codes"]["guest"], nonce="device-nonce-1", device=two).status == "nonce_conflict"
    assert count(Scan) == 1


def test_nonce_conflict_through_the_api(client, door, devices):
    auth = {"Authorization": f"Bearer {devices[0][1]}"}
    gate = door["gates"][0].id
    first = client.post(url(door["event"]), json={"code": door["codes"]["guest"], "gate": gate, "nonce": "api-nonce-001"},
                        headers=auth)
    conflict = client.post(url(door["event"]), json={"code": door["codes"]["other"], "gate": gate, "nonce": "api-nonce-001"},
                           headers=auth)
    assert first.status_code == 200
    assert conflict.status_code == 409 and conflict.get_json()["status"] == "nonce_conflict"
    assert "attendee" not in conflict.get_json()   # never the first person's name for the second badge
    assert count(CheckIn) == 1


# --- the window and test mode -------------------------------------------------------------------

def test_default_window_is_whole_local_days():
    from eventops.events.models import Event
    tz = timezone(timedelta(hours=8))
    event = Event(timezone="Asia/Shanghai", starts_at=datetime(2026, 11, 26, 9, tzinfo=tz),
                  ends_at=datetime(2026, 11, 28, 17, tzinfo=tz))
    assert checkin.default_window(event) == (datetime(2026, 11, 26, tzinfo=tz), datetime(2026, 11, 29, tzinfo=tz))
    event.ends_at = datetime(2026, 11, 29, 0, tzinfo=tz)   # ends at midnight: the 28th was the last day
    assert checkin.default_window(event)[1] == datetime(2026, 11, 29, tzinfo=tz)
    event.checkin_opens_at, event.checkin_closes_at = datetime(2026, 11, 25, 18, tzinfo=tz), datetime(2026, 11, 28, 20, tzinfo=tz)
    assert checkin.window(event) == (event.checkin_opens_at, event.checkin_closes_at)


def test_outside_the_window_the_answer_is_not_open(app, organizer):
    now = datetime.now(timezone.utc)
    event = make_event(organizer, starts_at=now + timedelta(days=90), ends_at=now + timedelta(days=90, hours=8))
    with app.test_request_context():
        guest, _ = registrations.register(event, person(1))
        gate = checkin.add_gate(event, "东门", actor=organizer)
        from eventops.badges import services as badges
        code = badges.badge_for(guest).code
        db.session.commit()
    early = checkin.scan(event, gate=gate, nonce="early-test-scan", code=code)
    db.session.commit()
    assert early.status == "not_open" and early.http_status == 403 and early.registration.id == guest.id
    assert count(CheckIn) == 0 and count(Scan) == 1            # stored, for the person's history; not counted
    checkin.set_window(event, now - timedelta(hours=1), now + timedelta(hours=1), actor=organizer)
    db.session.commit()
    assert checkin.scan(event, gate=gate, nonce="in-window-scan", code=code).status == "ok"
    db.session.commit()
    with pytest.raises(checkin.CheckInError):
        checkin.set_window(event, now, now - timedelta(minutes=1), actor=organizer)
    db.session.rollback()
    checkin.set_window(event, None, None, actor=organizer)       # back to the default
    assert checkin.window(event) == checkin.default_window(event)


def test_test_mode_answers_stores_apart_and_counts_nowhere(app, door, devices, organizer):
    device, token = devices[0]
    checkin.set_test_mode(door["event"], device, True, actor=organizer)
    db.session.commit()
    first = scan(door, door["codes"]["guest"], device=device)
    again = scan(door, door["codes"]["guest"], device=device)
    assert (first.status, first.test) == ("ok", True)
    assert again.status == "already_checked_in" and again.previous_gate == "东门"
    assert scan(door, "EO1:NOPE", device=device).status == "invalid"
    assert count(TestScan) == 3 and count(CheckIn) == 0 and count(Scan) == 0
    # outside the window too (trying the door the week before)
    door["event"].checkin_opens_at = datetime.now(timezone.utc) + timedelta(days=6)
    door["event"].checkin_closes_at = datetime.now(timezone.utc) + timedelta(days=7)
    db.session.commit()
    assert scan(door, door["codes"]["other"], device=device).status == "ok"
    assert scan(door, door["codes"]["other"]).status == "not_open"       # a real scanner at that moment
    checkin.set_test_mode(door["event"], device, False, actor=organizer)
    door["event"].checkin_opens_at = door["event"].checkin_closes_at = None
    db.session.commit()
    assert scan(door, door["codes"]["guest"], device=device).status == "ok"   # the real admission
    assert count(CheckIn) == 1


def test_test_mode_through_the_api(client, door, devices, organizer):
    device, token = devices[0]
    checkin.set_test_mode(door["event"], device, True, actor=organizer)
    db.session.commit()
    answer = client.post(url(door["event"]), json={"code": door["codes"]["guest"], "gate": door["gates"][0].id,
                                                  "nonce": uuid.uuid4().hex}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.get_json()["test"] is True
    gates = client.get(url(door["event"], "gates"), headers={"Authorization": f"Bearer {token}"}).get_json()
    assert gates["total"] == 0 and gates["test_mode"] is True


# --- the moment of a scan -------------------------------------------------------------------------

def test_a_late_scan_is_recorded_when_it_was_scanned(door):
    now = datetime.now(timezone.utc).replace(microsecond=0)
    freeze_now(now)
    try:
        ten_ago = scan(door, door["codes"]["guest"], scanned_at=now - timedelta(minutes=10))
        assert ten_ago.scan.at == now - timedelta(minutes=10) and ten_ago.scan.received_at == now
        assert db.session.get(CheckIn, ten_ago.check_in_id).at == now - timedelta(minutes=10)
        future = scan(door, door["codes"]["other"], scanned_at=now + timedelta(hours=3))
        assert future.scan.at == now                                          # never in the future
        ancient = scan(door, "EO1:NOPE", scanned_at=now - timedelta(days=3))
        assert ancient.scan.at == now - timedelta(hours=12)                  # never older than the bound
        # a scanner whose clock is two hours fast: its own age of the scan counts, not its clock
        skewed = scan(door, "EO1:NOPE", scanned_at=now + timedelta(hours=2) - timedelta(minutes=7),
                      sent_at=now + timedelta(hours=2))
        assert skewed.scan.at == now - timedelta(minutes=7)
    finally:
        freeze_now(None)


def test_a_late_scan_through_the_api(client, door, devices):
    moment = (datetime.now(timezone.utc) - timedelta(minutes=20)).replace(microsecond=0)
    answer = client.post(url(door["event"]), headers={"Authorization": f"Bearer {devices[0][1]}"}, json={
        "code": door["codes"]["guest"], "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex,
        "scanned_at": moment.astimezone(timezone(timedelta(hours=8))).isoformat()})
    assert answer.status_code == 200
    assert datetime.fromisoformat(answer.get_json()["scanned_at"]) == moment
    bad = client.post(url(door["event"]), headers={"Authorization": f"Bearer {devices[0][1]}"}, json={
        "code": door["codes"]["other"], "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex, "scanned_at": "yesterday"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "bad_moment"


def test_previous_is_a_full_local_date_and_time(client, door, devices):
    auth = {"Authorization": f"Bearer {devices[0][1]}"}
    first = client.post(url(door["event"]), json={"code": door["codes"]["guest"], "gate": door["gates"][0].id,
                                                 "nonce": uuid.uuid4().hex}, headers=auth).get_json()
    again = client.post(url(door["event"]), json={"code": door["codes"]["guest"], "gate": door["gates"][1].id,
                                                 "nonce": uuid.uuid4().hex}, headers=auth).get_json()
    local = datetime.fromisoformat(first["scanned_at"]).astimezone(timezone(timedelta(hours=8)))
    assert again["previous"]["at"] == local.strftime("%Y-%m-%d %H:%M:%S") and again["previous"]["gate"] == "东门"


# --- what a request may hold ----------------------------------------------------------------------

def test_a_body_over_16_kb_is_413(client, door, devices):
    auth = {"Authorization": f"Bearer {devices[0][1]}"}
    big = json.dumps({"code": door["codes"]["guest"], "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex,
                      "padding": "x" * (2 * 1024 * 1024)})
    response = client.post(url(door["event"]), data=big, content_type="application/json", headers=auth)
    assert response.status_code == 413 and response.get_json()["error"] == "too_large"
    assert count(Scan) == 0 and count(CheckIn) == 0
    just = json.dumps({"code": door["codes"]["guest"], "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex,
                       "padding": "x" * (15 * 1024)})
    assert client.post(url(door["event"]), data=just, content_type="application/json", headers=auth).status_code == 200


@pytest.mark.parametrize("gate", [10**30, -1, 0, True, 1.5, "１", "9" * 40, "", " ", None, [1], {"id": 1}, "没有这个门"])
def test_a_gate_that_is_no_gate_is_400(client, door, devices, gate):
    response = client.post(url(door["event"]), json={"code": door["codes"]["guest"], "gate": gate, "nonce": uuid.uuid4().hex},
                           headers={"Authorization": f"Bearer {devices[0][1]}"})
    assert response.status_code == 400 and response.get_json()["error"] == "unknown_gate"


def test_a_gate_by_name_or_by_id_as_text(client, door, devices):
    auth = {"Authorization": f"Bearer {devices[0][1]}"}
    by_name = client.post(url(door["event"]), json={"code": door["codes"]["guest"], "gate": " 南门 ", "nonce": uuid.uuid4().hex},
                          headers=auth)
    by_text = client.post(url(door["event"]), json={"code": door["codes"]["other"], "gate": str(door["gates"][0].id),
                                                   "nonce": uuid.uuid4().hex}, headers=auth)
    assert by_name.status_code == by_text.status_code == 200


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER", "BeArEr"])
def test_bearer_in_any_case(client, door, devices, scheme):
    response = client.post(url(door["event"]), json={"code": door["codes"]["guest"], "gate": door["gates"][0].id,
                                                    "nonce": uuid.uuid4().hex},
                           headers={"Authorization": f"{scheme}   {devices[0][1]}"})
    assert response.status_code == 200


def test_a_device_token_works_only_at_its_own_event(app, client, door, devices, organizer):
    other = make_event(organizer, slug="another-event")
    checkin.add_gate(other, "北门", actor=organizer)
    db.session.commit()
    auth = {"Authorization": f"Bearer {devices[0][1]}"}
    for method, path in [("post", "checkins"), ("get", "checkins/pack"), ("get", "gates"), ("get", "checkins/search?q=张三"),
                         ("get", "scanner/session")]:
        response = getattr(client, method)(url(other, path), headers=auth,
                                           json={"code": "x", "gate": "北门", "nonce": uuid.uuid4().hex} if method == "post" else None)
        assert response.status_code == 401 and response.get_json()["error"] == "unauthorized", path
    # and at its own event every endpoint a device may use answers
    assert client.get(url(door["event"], "gates"), headers=auth).status_code == 200
    assert client.get(url(door["event"], "checkins/pack"), headers=auth).status_code == 200


def test_every_api_error_carries_a_code_and_a_translated_message(client, door, devices):
    auth = {"Authorization": f"Bearer {devices[0][1]}"}
    event = door["event"]
    good = {"code": door["codes"]["guest"], "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex}
    answers = {
        "not_found": client.post("/api/v1/events/no-such-event/checkins", json=good, headers=auth),
        "unauthorized": client.post(url(event), json=good, headers={"Authorization": "Bearer eod_nope"}),
        "bad_request": client.post(url(event), data="{", content_type="application/json", headers=auth),
        "unknown_gate": client.post(url(event), json={**good, "gate": "无"}, headers=auth),
        "nonce": client.post(url(event), json={**good, "nonce": "短"}, headers=auth),
        "method_not_allowed": client.get(url(event), headers=auth),
        "forbidden": client.get(url(event, "checkins/search?q=欧阳"), headers=auth),
    }
    for code, response in answers.items():
        body = response.get_json()
        assert body["error"] == code, (code, body)
        assert body["message"] and body["message"] != code
        assert "status" not in body                       # an error is never mistaken for a verdict
    assert any("\u4e00" <= ch <= "\u9fff" for ch in answers["unknown_gate"].get_json()["message"])   # 中文 by default
    english = client.post(url(event) + "?lang=en", json={**good, "gate": "无"}, headers=auth).get_json()
    assert english == {"error": "unknown_gate", "message": "Unknown gate."}


def test_anonymous_session_and_csrf_errors_are_codes(app, door):
    client = app.test_client()
    assert client.post(url(door["event"]), json={}).get_json()["error"] == "unauthorized"
    login(client, door_staff(door["event"], "door2@example.cn"))
    app.config["WTF_CSRF_ENABLED"] = True
    answer = client.post(url(door["event"]), json={"code": "x", "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex})
    assert answer.status_code == 400 and answer.get_json()["error"] == "csrf"
