"""At the same instant: two organizers book one table in one slot (the database lets one have
it), two organizers announce (each person is mailed once), two table hosts fill one freed table
(one meeting, its two people told). Threads and HTTP; PostgreSQL in CI's second run."""
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


def _together(workers):
    barrier = threading.Barrier(len(workers))

    def run(work):
        barrier.wait()
        work()
    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)


def test_two_organizers_announce_at_once_each_person_is_mailed_once(app, zone_event, organizer):
    from eventops.core.models import MailMessage
    from eventops.meetings import placing
    event, p = zone_event["event"], zone_event["people"]
    second = make_user("second@example.cn")
    grant(second, event)
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    placing.place(event, zone.ask(event, p[0], p[1], actor=organizer), slots[0], tables[0], actor=organizer)
    placing.place(event, zone.ask(event, p[2], p[3], actor=organizer), slots[0], tables[1], actor=organizer)
    db.session.commit()
    before = db.session.scalar(select(func.count()).select_from(MailMessage))
    clients = []
    for user in (organizer, second):
        client = app.test_client()
        login(client, user)
        clients.append(client)
    url = f"/manage/{event.slug}/meetings/announce"  # read here: the threads have no app context
    _together([lambda c=c: c.post(url) for c in clients])
    db.session.expire_all()
    mails = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()[before:]
    assert sorted(m.to_address for m in mails) == sorted(x.email for x in p[:4])
    assert all(m.published_status == "scheduled" and m.sequence == 0 for m in db.session.scalars(select(Meeting)))


def test_two_hosts_fill_one_freed_table_at_once(app, zone_event, organizer):
    from datetime import timedelta

    from eventops.checkin import services as checkin
    from eventops.core.models import MailMessage
    from eventops.core.timeutil import freeze_now
    from eventops.meetings import day, placing, publishing
    event, p = zone_event["event"], zone_event["people"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    gone = placing.place(event, zone.ask(event, p[0], p[1], actor=organizer), slots[0], tables[0], actor=organizer)
    publishing.announce(event, actor=organizer)
    standby = [zone.ask(event, p[2], p[0], actor=organizer), zone.ask(event, p[3], p[4], actor=organizer)]
    gate = checkin.add_gate(event, "东门", actor=organizer)
    for n in range(5):
        checkin.scan(event, gate=gate, nonce=f"race-{n:06d}", registration_id=p[n].id)
    freeze_now(slots[0].starts_at + timedelta(minutes=2))
    try:
        day.mark(gone, "no_show", actor=organizer)
        db.session.commit()
        assert {o.request.id for o in day.offers(event, slots[0])} == {r.id for r in standby}
        hosts = []
        for n in range(2):
            host = make_user(f"host{n}@example.cn")
            grant(host, event, "zone_host")
            client = app.test_client()
            login(client, host)
            hosts.append(client)
        before = db.session.scalar(select(func.count()).select_from(MailMessage))
        url = f"/manage/{event.slug}/meetings/standby"
        forms = [{"slot": slots[0].id, "table": tables[0].id, "request": r.id} for r in standby]
        _together([lambda c=c, f=f: c.post(url, data=f) for c, f in zip(hosts, forms)])
        db.session.expire_all()
        placed = db.session.scalars(select(Meeting).where(Meeting.slot_id == slots[0].id, Meeting.table_id == tables[0].id,
                                                          Meeting.status == "scheduled")).all()
        assert len(placed) == 1  # one table, one meeting
        assert db.session.scalar(select(func.count()).select_from(MailMessage)) == before + 2  # its two people
    finally:
        freeze_now(None)
