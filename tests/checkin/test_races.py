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


def _at_once(app, count, request):
    """``count`` threads, each its own test client, send ``request(client, n)`` at the same instant."""
    barrier = threading.Barrier(count)
    answers = [None] * count

    def worker(n):
        client = app.test_client()
        barrier.wait()
        answers[n] = request(client, n)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return answers


def test_one_nonce_sent_at_once_with_two_badges_admits_one_and_leaves_no_stray_check_in(app, door, organizer):
    """A scanner retrying while its first try is in flight sends the same nonce twice; a broken one
    might send it with another badge. Whatever the order, one scan row stands for the nonce, the
    person it names is the one admitted, the other answer is a replay or a conflict, and no
    check-in stands without its scan row (the admitting statement writes both, or neither)."""
    _device, token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
    db.session.commit()
    url = f"/api/v1/events/{door['event'].slug}/checkins"
    codes, gate_id = [door["codes"]["guest"], door["codes"]["other"]], door["gates"][0].id
    for round_ in range(5):
        nonce = uuid.uuid4().hex
        answers = _at_once(app, 6, lambda client, n: client.post(url, json={
            "code": codes[n % 2], "gate": gate_id, "nonce": nonce},
            headers={"Authorization": f"Bearer {token}"}).get_json()["status"])
        db.session.expire_all()
        scans = list(db.session.scalars(select(Scan).where(Scan.nonce == nonce)))
        assert len(scans) == 1
        standing = list(db.session.scalars(select(CheckIn).where(CheckIn.annulled_at.is_(None))))
        if scans[0].status == "ok":
            assert [c.registration_id for c in standing] == [scans[0].registration_id]
            assert scans[0].check_in_id == standing[0].id
        else:
            assert scans[0].status == "already_checked_in" and round_ > 0
        assert set(answers) <= {"ok", "already_checked_in", "nonce_conflict"} and "nonce_conflict" in answers
        for check_in in standing:  # undo for the next round: both people can be admitted again
            check_in.annulled_at, check_in.annul_reason = check_in.at, "test round"
        db.session.commit()
    no_scan = select(func.count()).select_from(CheckIn).where(~select(Scan.id).where(
        Scan.check_in_id == CheckIn.id, Scan.status == "ok").exists())
    assert db.session.scalar(no_scan) == 0
