"""Two organizers book one table in one slot at the same instant: the database lets one have it
(threads and HTTP; PostgreSQL in CI's second run)."""
import threading

from sqlalchemy import func, select

from eventops.extensions import db
from eventops.meetings import zone
from eventops.meetings.models import Meeting, MeetingSeat

from ..factories import grant, login, make_user


def test_two_organizers_book_one_table_slot_at_once(app, zone_event, organizer):
    event, p = zone_event["event"], zone_event["people"]
    second = make_user("second@example.cn")
    grant(second, event)
    requests = [zone.ask(event, p[0], p[1], actor=organizer).id, zone.ask(event, p[2], p[3], actor=organizer).id]
    db.session.commit()
    slot, table = zone.slots_of(event)[0].id, zone.tables_of(event)[0].id
    url = f"/manage/{event.slug}/meetings/place"
    clients = []
    for user in (organizer, second):
        client = app.test_client()
        login(client, user)
        clients.append(client)
    for _round in range(4):
        barrier = threading.Barrier(2)

        def worker(n):
            barrier.wait()
            clients[n].post(url, data={"request": requests[n], "slot": slot, "table": table})

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        db.session.expire_all()
        booked = db.session.scalars(select(Meeting).where(Meeting.slot_id == slot, Meeting.table_id == table,
                                                          Meeting.status == "scheduled")).all()
        assert len(booked) == 1  # never two meetings at one table in one slot
        db.session.execute(db.delete(MeetingSeat))
        db.session.execute(db.delete(Meeting))
        db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Meeting)) == 0
