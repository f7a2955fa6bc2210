"""Twenty gates scan one badge at the same instant: exactly one is admitted (PostgreSQL in CI's
second run, SQLite in the first), with real threads and HTTP requests."""
import threading
import uuid

from sqlalchemy import func, select

from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn, Scan
from eventops.extensions import db


def test_twenty_simultaneous_scans_of_one_badge_give_one_ok(app, door, organizer):
    tokens = []
    for n in range(20):
        _device, token = checkin.issue_device(door["event"], f"闸机{n}", actor=organizer)
        tokens.append(token)
    db.session.commit()
    url = f"/api/v1/events/{door['event'].slug}/checkins"
    gate_ids, code = [g.id for g in door["gates"]], door["codes"]["guest"]
    barrier = threading.Barrier(20)
    answers = [None] * 20

    def worker(n):
        client = app.test_client()
        barrier.wait()
        response = client.post(url, json={"code": code, "gate": gate_ids[n % 2],
                                          "nonce": uuid.uuid4().hex}, headers={"Authorization": f"Bearer {tokens[n]}"})
        answers[n] = response.get_json()["status"]

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(answers) == ["already_checked_in"] * 19 + ["ok"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 20
