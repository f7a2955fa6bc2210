"""Two gunicorn instances (two workers each) on one PostgreSQL and one Redis, as the README's
production setup runs them behind a load balancer: what one instance knows, the other knows."""
import os
import re
import sys
import threading
import uuid
from pathlib import Path

import pytest
import requests
from sqlalchemy import func, select

from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn, Scan
from eventops.extensions import db

from .checkin.conftest import door  # noqa: F401  (fixture)
from .conftest import PG_URL
from .factories import PASSWORD
from .servers import gunicorn

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [pytest.mark.postgres, pytest.mark.slow,
              pytest.mark.skipif(not PG_URL, reason="needs PostgreSQL (EVENTOPS_TEST_DATABASE_URL)")]


@pytest.fixture(scope="module")
def servers(_template, redis_url, tmp_path_factory):
    """Started once for the module; each test has its own rows (app) and an empty Redis (clean_redis)."""
    tmp_path = tmp_path_factory.mktemp("instances")
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "EVENTOPS_DATABASE_URL": PG_URL, "EVENTOPS_REDIS_URL": redis_url,
           "EVENTOPS_SECRET_KEY": "one secret for both instances", "EVENTOPS_SECURE_COOKIES": "0",
           "EVENTOPS_LOGIN_LIMIT_ACCOUNT": "4 per 15 minutes", "EVENTOPS_LOGIN_LIMIT_ADDRESS": "50 per 15 minutes",
           "EVENTOPS_FAILED_SCAN_LIMIT": "100 per minute"}
    bin_dir = Path(sys.executable).parent
    with gunicorn(bin_dir / "gunicorn", "wsgi:app", env=env, cwd=ROOT, log=tmp_path / "a.log", workers=2) as a, \
            gunicorn(bin_dir / "gunicorn", "wsgi:app", env=env, cwd=ROOT, log=tmp_path / "b.log", workers=2) as b:
        yield a, b


@pytest.fixture
def instances(servers, app, clean_redis):
    return servers


def token_from(page_text):
    found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page_text)
    assert found, page_text[:500]
    return found.group(1)


def sign_in(session, base, email, password):
    token = token_from(session.get(base + "/login", timeout=15).text)
    return session.post(base + "/login", data={"csrf_token": token, "email": email, "password": password},
                        allow_redirects=False, timeout=15)


def test_a_session_from_one_instance_works_on_the_other(instances, organizer):
    a, b = instances
    browser = requests.Session()  # one host name in front of both: the same cookies reach either
    assert sign_in(browser, a, organizer.email, PASSWORD).status_code == 302
    assert browser.get(b + "/manage/", allow_redirects=False, timeout=15).status_code == 200
    token = token_from(browser.get(b + "/manage/", timeout=15).text)
    assert browser.post(b + "/logout", data={"csrf_token": token}, allow_redirects=False, timeout=15).status_code == 302
    # a copy of the old cookie is no good on the first instance either
    response = browser.get(a + "/manage/", allow_redirects=False, timeout=15)
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_failed_sign_ins_split_across_instances_meet_one_limit(instances, organizer):
    a, b = instances
    guesser = requests.Session()
    answers = [sign_in(guesser, (a, b)[n % 2], organizer.email, f"guess {n}").status_code for n in range(4)]
    assert answers == [401] * 4
    assert sign_in(guesser, a, organizer.email, PASSWORD).status_code == 429
    assert sign_in(guesser, b, organizer.email, PASSWORD).status_code == 429


def test_twenty_simultaneous_scans_split_across_instances_admit_one(instances, door, organizer):
    a, b = instances
    tokens = []
    for n in range(20):
        _device, token = checkin.issue_device(door["event"], f"闸机{n}", actor=organizer)
        tokens.append(token)
    db.session.commit()
    path = f"/api/v1/events/{door['event'].slug}/checkins"
    code, gates = door["codes"]["guest"], [g.id for g in door["gates"]]
    barrier = threading.Barrier(20)
    answers = [None] * 20

    def gate(n):
        session = requests.Session()
        session.get((a, b)[n % 2] + "/healthz", timeout=15)  # connected before the barrier
        barrier.wait()
        response = session.post((a, b)[n % 2] + path, json={"code": code, "gate": gates[n % 2], "nonce": uuid.uuid4().hex},
                                headers={"Authorization": f"Bearer {tokens[n]}"}, timeout=60)
        answers[n] = (response.status_code, response.json()["status"])

    threads = [threading.Thread(target=gate, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert sorted(answers) == [(200, "ok")] + [(409, "already_checked_in")] * 19
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 20
