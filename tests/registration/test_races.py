"""Simultaneous sign-ups, with real threads and real HTTP requests against the test database
(PostgreSQL in CI's second run, SQLite in the first)."""
import threading

from sqlalchemy import select

from eventops.extensions import db
from eventops.registration.models import Registration

from ..factories import make_event, person


def form_of(data, **extra):
    return {"name": data.name, "organisation": data.organisation, "org_type": data.org_type,
            "position": data.position, "mobile": data.mobile, "email": data.email,
            "category": data.category, **extra}


def post_all(app, url, forms):
    barrier = threading.Barrier(len(forms))
    codes = [None] * len(forms)

    def worker(index):
        client = app.test_client()
        barrier.wait()
        codes[index] = client.post(url, data=forms[index]).status_code

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(forms))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return codes


def test_fifty_simultaneous_signups_for_the_last_five_places(app, organizer):
    event = make_event(organizer, capacity=20)
    for n in range(15):
        app.test_client().post(f"/e/{event.slug}/register", data=form_of(person(n)))
    url = f"/e/{event.slug}/register"
    codes = post_all(app, url, [form_of(person(1000 + i)) for i in range(50)])
    assert codes == [302] * 50
    db.session.expire_all()
    late = db.session.scalars(select(Registration.status).where(
        Registration.event_id == event.id, Registration.mobile.like("139000010%"))).all()
    assert len(late) == 50
    assert late.count("approved") == 5
    assert late.count("waitlisted") == 45
    total = db.session.scalars(select(Registration.status).where(Registration.event_id == event.id)).all()
    assert total.count("approved") == 20


def test_the_same_person_submitting_twice_at_once_is_registered_once(app, organizer):
    event = make_event(organizer)
    same = form_of(person(7))
    codes = post_all(app, f"/e/{event.slug}/register", [same] * 8)
    assert sorted(codes) == [302] + [409] * 7
    db.session.expire_all()
    rows = db.session.scalars(select(Registration).where(Registration.event_id == event.id)).all()
    assert len(rows) == 1
