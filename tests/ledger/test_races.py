"""Simultaneous recordings, with real threads and HTTP requests (PostgreSQL in CI's second run)."""
import threading

from sqlalchemy import func, select

from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.ledger.models import LedgerEntry

from ..factories import login
from .conftest import COMPANIES, HOSPITALS


def form(session, amount, key, n):
    return {"idempotency_key": key, "title": f"第{n}号合作协议", "category": "technology_transfer",
            "session_id": str(session.id), "amount": amount, "party_1": HOSPITALS[n % 3], "party_2": COMPANIES[n % 2]}


def post_all(app, cookie_client, url, forms):
    barrier = threading.Barrier(len(forms))
    codes = [None] * len(forms)

    def worker(index):
        client = app.test_client()
        client._cookies = dict(cookie_client._cookies)
        barrier.wait()
        codes[index] = client.post(url, data=forms[index]).status_code

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(forms))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return codes


def test_twenty_simultaneous_recordings_give_an_exact_total(app, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    client = app.test_client()
    login(client, clerk)
    amounts = [f"{1_000_000 * n + n}.{n:02d}" for n in range(1, 21)]
    codes = post_all(app, client, f"/manage/{event.slug}/signings/new",
                     [form(morning, amount, f"race-key-{n:04d}", n) for n, amount in enumerate(amounts, 1)])
    assert codes == [302] * 20
    db.session.expire_all()
    expected = sum(int(a.replace(".", "")) for a in amounts)
    summary = ledger.summary(event)
    assert (summary["total_fen"], summary["contracts"]) == (expected, 20)
    assert sorted(db.session.scalars(select(LedgerEntry.seq)).all()) == list(range(1, 21))
    assert ledger.verify(event) == []


def test_the_same_key_sent_twice_at_once_records_once(app, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    client = app.test_client()
    login(client, clerk)
    same = form(morning, "88888888.88", "same-key-0001", 1)
    codes = post_all(app, client, f"/manage/{event.slug}/signings/new", [same] * 6)
    assert codes == [302] * 6
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
    assert ledger.summary(event)["total_fen"] == 8_888_888_888
