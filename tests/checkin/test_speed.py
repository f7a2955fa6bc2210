"""What a scan costs in SQL statements, counted at the driver (SQLAlchemy's before_cursor_execute):
an ok scan by a device is at most 2 on PostgreSQL (event, device, gate, the badge, its holder and
their standing check-in in one join; the check-in and its scan row in one INSERT, which also notes
the device as seen), 3 on SQLite (two INSERTs), and ``last_seen_at`` is written at most once a minute."""
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event as sa_event

from eventops.badges import services as badges
from eventops.checkin import services as checkin
from eventops.checkin.models import Device
from eventops.core.timeutil import freeze_now, now_utc
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import person


class Statements:
    def __init__(self, engine):
        self.engine, self.seen = engine, []

    def __enter__(self):
        sa_event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa_event.remove(self.engine, "before_cursor_execute", self._count)

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.seen.append(statement)

    def __len__(self):
        return len(self.seen)


@pytest.fixture
def crowd(app, door, organizer):
    event = door["event"]
    event.capacity = None
    db.session.commit()
    with app.test_request_context():
        people = [registrations.register(event, person(200 + n))[0] for n in range(8)]
        codes = [badges.badge_for(p).code for p in people]
        db.session.commit()
    _device, token = checkin.issue_device(event, "东门闸机", actor=organizer)
    db.session.commit()
    return {"codes": codes, "token": token, "url": f"/api/v1/events/{event.slug}/checkins", "gate": door["gates"][0].id}


def post(client, crowd, code):
    return client.post(crowd["url"], json={"code": code, "gate": crowd["gate"], "nonce": uuid.uuid4().hex},
                       headers={"Authorization": f"Bearer {crowd['token']}"})


def test_an_ok_scan_costs_at_most_two_statements(client, crowd, is_postgres):
    costs = []
    for n, code in enumerate(crowd["codes"]):
        with Statements(db.engine) as statements:
            response = post(client, crowd, code)
        assert response.status_code == 200 and response.get_json()["status"] == "ok"
        costs.append(len(statements))
        # SQLite writes the check-in and the scan apart, and notes the device as seen in a statement of
        # its own (once a minute)
        assert len(statements) <= (2 if is_postgres else 3 if n > 0 else 4), statements.seen
    with Statements(db.engine) as statements:
        assert post(client, crowd, crowd["codes"][0]).status_code == 409
    assert len(statements) <= 2, statements.seen          # already checked in: no insert of a check-in
    with Statements(db.engine) as statements:
        assert post(client, crowd, "EO1:" + "A" * 26).status_code == 404
    assert len(statements) <= 2, statements.seen
    print("statements per ok scan:", costs)


def test_last_seen_is_written_at_most_once_a_minute(client, crowd):
    start = now_utc()
    freeze_now(start)
    try:
        post(client, crowd, crowd["codes"][0])
        db.session.expire_all()
        device = db.session.query(Device).one()
        assert device.last_seen_at == start
        freeze_now(start + timedelta(seconds=59))
        post(client, crowd, crowd["codes"][1])
        db.session.expire_all()
        assert db.session.get(Device, device.id).last_seen_at == start
        freeze_now(start + timedelta(seconds=61))
        post(client, crowd, crowd["codes"][2])
        db.session.expire_all()
        assert db.session.get(Device, device.id).last_seen_at == start + timedelta(seconds=61)
    finally:
        freeze_now(None)
