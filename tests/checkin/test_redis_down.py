"""Redis helps; it is not a single point of failure. With the rate limits' Redis on a closed port,
check-in, login and registration go on answering (the limits count in the process's memory); with
Redis up, its keys carry no token's characters."""
import socket
import uuid

import pytest
import redis

from eventops.checkin import services as checkin
from eventops.core.ratelimit import storage_uri
from eventops.extensions import db

from ..factories import PASSWORD, person
from ..registration.test_races import form_of


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TestRedisOnAClosedPort:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage_uri(f"redis://127.0.0.1:{closed_port()}/0"),
                "FAILED_SCAN_LIMIT": "3 per minute"}

    def test_check_in_answers(self, client, door, organizer, monkeypatch):
        from eventops.checkin import api
        paused = []
        monkeypatch.setattr(api, "_pause", paused.append)
        _device, token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
        db.session.commit()
        auth = {"Authorization": f"Bearer {token}"}
        url = f"/api/v1/events/{door['event'].slug}/checkins"
        ok = client.post(url, json={"code": door["codes"]["guest"], "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex},
                         headers=auth)
        assert ok.status_code == 200 and ok.get_json()["status"] == "ok"
        for _ in range(4):
            assert client.post(url, json={"code": "bad", "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex},
                               headers=auth).status_code == 404
        assert len(paused) == 1      # the limit still holds, in this process's memory

    def test_login_works(self, client, door):
        response = client.post("/login", data={"email": door["staff"].email, "password": PASSWORD})
        assert response.status_code == 302
        wrong = client.post("/login", data={"email": door["staff"].email, "password": "wrong password"})
        assert wrong.status_code == 401

    def test_registration_works(self, client, event):
        response = client.post(f"/e/{event.slug}/register", data=form_of(person(1, name="欧阳钇媛")))
        assert response.status_code == 302 and "/r/" in response.headers["Location"]


class TestRedisKeys:
    @pytest.fixture
    def app_config(self, clean_redis):
        return {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": storage_uri(clean_redis), "FAILED_SCAN_LIMIT": "3 per minute"}

    def test_keys_carry_no_token(self, client, door, organizer, clean_redis):
        _device, token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
        db.session.commit()
        url = f"/api/v1/events/{door['event'].slug}/checkins"
        for _ in range(2):
            client.post(url, json={"code": "bad", "gate": door["gates"][0].id, "nonce": uuid.uuid4().hex},
                        headers={"Authorization": f"bearer {token}"})
        keys = [k.decode() for k in redis.Redis.from_url(clean_redis).keys("*")]
        assert any("failed-scan" in k for k in keys), keys
        secret = token.removeprefix("eod_")
        for key in keys:
            assert not any(secret[i:i + 8] in key for i in range(len(secret) - 7)), key
