import uuid

import pytest

from eventops.checkin import services as checkin
from eventops.extensions import db

from ..factories import login


def body(code, gate, nonce=None, **extra):
    return {"code": code, "gate": gate, "nonce": nonce or uuid.uuid4().hex, **extra}


@pytest.fixture
def device_token(door, organizer):
    _device, token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
    db.session.commit()
    return token


def url(door):
    return f"/api/v1/events/{door['event'].slug}/checkins"


def test_statuses_and_http_codes_for_a_device(client, door, device_token):
    auth = {"Authorization": f"Bearer {device_token}"}
    gate = door["gates"][0].id
    ok = client.post(url(door), json=body("EO1:" + door["codes"]["guest"], gate), headers=auth)
    assert ok.status_code == 200
    data = ok.get_json()
    assert data["status"] == "ok" and data["attendee"]["name"] == "欧阳钇媛" and data["attendee"]["vip"]
    again = client.post(url(door), json=body(door["codes"]["guest"], "南门"), headers=auth)
    assert again.status_code == 409 and again.get_json()["previous"]["gate"] == "东门"
    assert client.post(url(door), json=body("nope", gate), headers=auth).get_json()["status"] == "invalid"
    assert client.post(url(door), json=body(door["codes"]["waiting"], gate), headers=auth).status_code == 403


def test_retry_with_the_same_nonce_gets_the_same_answer(client, door, device_token):
    auth = {"Authorization": f"Bearer {device_token}"}
    payload = body(door["codes"]["guest"], door["gates"][0].id, nonce="same-nonce-123")
    first = client.post(url(door), json=payload, headers=auth)
    second = client.post(url(door), json=payload, headers=auth)
    assert first.status_code == second.status_code == 200
    assert second.get_json()["replayed"] and second.get_json()["status"] == "ok"


@pytest.mark.parametrize("raw,content_type", [
    (b"{not json", "application/json"), (b"[1,2]", "application/json"), (b"\xff\xfe", "application/json"),
    (b"code=x", "application/x-www-form-urlencoded"),
])
def test_malformed_requests_are_400(client, door, device_token, raw, content_type):
    response = client.post(url(door), data=raw, content_type=content_type,
                           headers={"Authorization": f"Bearer {device_token}"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_bad_fields_are_400_not_500(client, door, device_token):
    auth = {"Authorization": f"Bearer {device_token}"}
    assert client.post(url(door), json={"code": "x", "gate": "没有这个门", "nonce": "n" * 10}, headers=auth).status_code == 400
    assert client.post(url(door), json={"code": "x", "gate": door["gates"][0].id, "nonce": "短"}, headers=auth).status_code == 400
    assert client.post(url(door), json={"code": ["x"], "gate": door["gates"][0].id, "nonce": "n" * 10},
                       headers=auth).get_json()["status"] == "invalid"
    assert client.post(url(door), json={"registration_id": 1, "gate": 1, "nonce": "n" * 12}, headers=auth).status_code == 400


def test_unknown_or_revoked_tokens_are_refused(client, door, device_token, organizer):
    assert client.post(url(door), json=body("x", 1), headers={"Authorization": "Bearer eod_wrong"}).status_code == 401
    device = checkin.devices_of(door["event"])[0]
    checkin.revoke_device(door["event"], device, actor=organizer)
    db.session.commit()
    assert client.post(url(door), json=body("x", 1), headers={"Authorization": f"Bearer {device_token}"}).status_code == 401


def test_signed_in_staff_scan_and_search(client, door):
    login(client, door["staff"])
    response = client.post(url(door), json=body(door["codes"]["other"], door["gates"][1].id))
    assert response.status_code == 200
    found = client.get(f"/api/v1/events/{door['event'].slug}/checkins/search?q=欧阳").get_json()["results"]
    assert [p["name"] for p in found] == ["欧阳钇媛"]
    by_person = client.post(url(door), json={"registration_id": found[0]["id"], "gate": door["gates"][0].id,
                                             "nonce": uuid.uuid4().hex})
    assert by_person.get_json()["status"] == "ok"
    gates = client.get(f"/api/v1/events/{door['event'].slug}/gates").get_json()
    assert gates["total"] == 2 and gates["expected"] == 2


def test_anonymous_and_other_events_staff_cannot_scan(app, client, door, organizer):
    assert client.post(url(door), json=body("x", 1)).status_code == 401
    from ..factories import door_staff, make_event
    other = make_event(organizer, slug="other-event")
    login(client, door_staff(other, "other-door@example.cn"))
    assert client.post(url(door), json=body("x", 1)).status_code == 403
    assert client.get(f"/api/v1/events/{door['event'].slug}/checkins/search?q=欧阳").status_code == 403


class TestWithCsrfAndLimits:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True, "RATELIMIT_ENABLED": True, "FAILED_SCAN_LIMIT": "5 per minute"}

    def test_cookie_sessions_need_the_csrf_header(self, client, door):
        page = client.get("/login")
        token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
        client.post("/login", data={"email": "door@example.cn", "password": "correct horse battery", "csrf_token": token})
        assert client.post(url(door), json=body(door["codes"]["guest"], door["gates"][0].id)).status_code == 400
        scanner = client.get(f"/manage/{door['event'].slug}/scan").get_data(as_text=True)
        token = scanner.split('data-csrf="')[1].split('"')[0]
        response = client.post(url(door), json=body(door["codes"]["guest"], door["gates"][0].id),
                               headers={"X-CSRFToken": token})
        assert response.status_code == 200, response.get_data(as_text=True)

    def test_failed_scans_are_slowed_per_device_and_valid_badges_never(self, client, door, device_token,
                                                                        organizer, monkeypatch):
        from eventops.checkin import api
        paused = []
        monkeypatch.setattr(api, "_pause", paused.append)
        auth = {"Authorization": f"Bearer {device_token}"}
        gate = door["gates"][0].id
        for _ in range(5):
            assert client.post(url(door), json=body("bad", gate), headers=auth).status_code == 404
        assert paused == []
        answer = client.post(url(door), json=body("bad", gate), headers=auth)
        assert answer.status_code == 404 and answer.get_json()["status"] == "invalid"   # answered, slowly
        assert paused == [app_delay(client)]
        # the same device, a valid badge: admitted at once
        assert client.post(url(door), json=body(door["codes"]["guest"], gate), headers=auth).status_code == 200
        assert len(paused) == 1
        # another device (another gate) is not slowed by this one's failures
        _other, other_token = checkin.issue_device(door["event"], "南门闸机", actor=organizer)
        db.session.commit()
        assert client.post(url(door), json=body("bad", gate), headers={"Authorization": f"Bearer {other_token}"}).status_code == 404
        assert len(paused) == 1

    def test_staff_scanners_count_apart(self, client, door, monkeypatch):
        from eventops.checkin import api
        paused = []
        monkeypatch.setattr(api, "_pause", paused.append)
        scanner = client.get("/login")
        login_with_csrf(client, door["staff"])
        token = client.get(f"/api/v1/events/{door['event'].slug}/scanner/session").get_json()["csrf"]
        gate = door["gates"][0].id
        for n in range(6):
            headers = {"X-CSRFToken": token, "X-Scanner-Id": "tablet-east-0001"}
            assert client.post(url(door), json=body("bad", gate), headers=headers).status_code == 404
        assert len(paused) == 1
        headers = {"X-CSRFToken": token, "X-Scanner-Id": "tablet-south-002"}
        assert client.post(url(door), json=body("bad", gate), headers=headers).status_code == 404
        assert len(paused) == 1
        assert scanner.status_code == 200


def app_delay(client):
    return client.application.config["FAILED_SCAN_DELAY"]


def login_with_csrf(client, user):
    page = client.get("/login")
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    response = client.post("/login", data={"email": user.email, "password": "correct horse battery", "csrf_token": token})
    assert response.status_code == 302
