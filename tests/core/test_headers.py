"""What production relies on in every answer: HSTS with secure cookies, no-store where people's
data is, a request id in the response and in the log lines, /healthz for load balancers, and no
redirect to another site."""
import logging

import pytest

from eventops import create_app, health

from ..conftest import config_for
from ..factories import PASSWORD, login


def test_no_hsts_over_plain_http_settings(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


class TestSecureCookies:
    @pytest.fixture
    def app_config(self):
        return {"SESSION_COOKIE_SECURE": True, "REMEMBER_COOKIE_SECURE": True}

    def test_hsts_when_cookies_are_secure(self, client):
        assert client.get("/").headers["Strict-Transport-Security"] == "max-age=31536000"
        assert client.get("/healthz").headers["Strict-Transport-Security"] == "max-age=31536000"


def test_personal_and_back_office_answers_are_not_stored(client, organizer, event):
    login(client, organizer)
    for url in ["/home", "/manage/", f"/manage/{event.slug}/registrations", "/login", "/healthz",
                f"/api/v1/events/{event.slug}/gates", f"/api/v1/events/{event.slug}/checkins/search?q=张"]:
        assert client.get(url).headers.get("Cache-Control") == "no-store", url
    # the public pages may be kept
    assert client.get(f"/e/{event.slug}").headers.get("Cache-Control") != "no-store"


def test_every_answer_has_a_request_id_and_the_log_lines_carry_it(app, client, organizer, caplog):
    caplog.set_level(logging.WARNING, logger="eventops")
    response = client.post("/login", data={"email": organizer.email, "password": "wrong password"})
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 16
    failed = [r for r in caplog.records if "failed sign-in" in r.getMessage()]
    assert failed and failed[-1].request_id == request_id
    assert organizer.email not in failed[-1].getMessage()  # an account's hash, not its address
    assert client.get("/login").headers["X-Request-ID"] != request_id
    # a client's own id is not taken without a proxy in front
    assert client.get("/login", headers={"X-Request-ID": "planted-0123456789"}).headers["X-Request-ID"] != "planted-0123456789"
    logging.getLogger("eventops.test").warning("outside a request")
    assert caplog.records[-1].request_id == "-"


class TestBehindProxy:
    @pytest.fixture
    def app_config(self):
        return {"PROXY_COUNT": 1}

    def test_nginx_request_id_is_kept(self, client):
        given = "5d41402abc4b2a76b9719d911017c592"
        assert client.get("/login", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
        assert client.get("/login", headers={"X-Request-ID": "bad id <script>"}).headers["X-Request-ID"] != "bad id <script>"


def test_healthz_reports_each_check(app, client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["checks"]["database"]["ok"] is True
    assert "redis" not in body["checks"]  # not configured


def test_healthz_reports_workers_behind_when_a_job_waits_too_long(app, client, organizer, event):
    from datetime import timedelta

    from eventops.core.timeutil import now_utc
    from eventops.extensions import db
    from eventops.jobs.models import Job
    assert client.get("/healthz").get_json()["checks"]["workers"]["ok"] is True
    job = Job(event_id=event.id, kind="badges.print", params={}, state="queued", created_by_id=organizer.id,
              created_at=now_utc() - timedelta(seconds=app.config["JOB_WAIT_ALERT_SECONDS"] - 30), result={})
    db.session.add(job)
    db.session.commit()
    assert client.get("/healthz").get_json()["checks"]["workers"]["ok"] is True  # waiting, not too long yet
    job.created_at = now_utc() - timedelta(seconds=app.config["JOB_WAIT_ALERT_SECONDS"] + 30)
    db.session.commit()
    response = client.get("/healthz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "degraded"  # the pages still work
    assert body["checks"]["workers"] == {"ok": False, "critical": False, "ms": body["checks"]["workers"]["ms"],
                                         "error": "WorkersBehind"}
    job.state = "running"  # a worker took it
    db.session.commit()
    assert client.get("/healthz").get_json()["status"] == "ok"


def test_healthz_with_redis(database_url, clean_redis):
    app = create_app(config_for(database_url, REDIS_URL=clean_redis))
    body = app.test_client().get("/healthz").get_json()
    assert body["status"] == "ok" and body["checks"]["redis"] == {"ok": True, "critical": False,
                                                                   "ms": body["checks"]["redis"]["ms"]}


def test_healthz_when_redis_does_not_answer(database_url):
    from .._ports import closed_port
    app = create_app(config_for(database_url, REDIS_URL=f"redis://127.0.0.1:{closed_port()}/0"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 200  # every instance shares Redis: do not take them all out
    body = response.get_json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["ok"] is False and body["checks"]["redis"]["error"] == "ConnectionError"
    assert "127.0.0.1" not in response.get_data(as_text=True)


def test_healthz_when_the_database_does_not_answer(tmp_path):
    from .._ports import closed_port
    app = create_app(config_for(f"postgresql://eventops@127.0.0.1:{closed_port()}/nothing"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["status"] == "fail" and response.get_json()["checks"]["database"]["ok"] is False


def test_more_checks_can_be_registered(app, client):
    def workers():
        raise TimeoutError("no worker answered")
    health.register_check(app, "workers", workers, critical=False)
    body = client.get("/healthz").get_json()
    assert body["status"] == "degraded" and body["checks"]["workers"]["error"] == "TimeoutError"
    health.register_check(app, "workers", lambda: None, critical=True)
    assert client.get("/healthz").get_json()["status"] == "ok"


@pytest.mark.parametrize("target", ["/%09/evil.example", "//evil.example", "/\\evil.example", "https://evil.example/",
                                    "/%0a/evil.example", "%2F%2Fevil.example", "/%5Cevil.example", "javascript:alert(1)"])
def test_no_redirect_leaves_the_site(client, organizer, target):
    from urllib.parse import urlsplit
    for url in [f"/lang/en?next={target}", f"/login?next={target}"]:
        if url.startswith("/login"):
            response = client.post(url, data={"email": organizer.email, "password": PASSWORD})
        else:
            response = client.get(url)
        if response.status_code == 400:
            continue  # control characters: refused outright
        location = response.headers["Location"]
        assert location.startswith("/") and not location.startswith(("//", "/\\")), (url, location)
        assert urlsplit(location).netloc == "", (url, location)


def test_the_language_switch_returns_to_the_page(client):
    assert client.get("/lang/en?next=/e/some-event?x=1").headers["Location"] == "/e/some-event?x=1"
