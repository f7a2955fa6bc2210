"""Places held are counters kept by triggers, read with the event's lock; the rules and the form
class are cached per event and rules version; a sign-up runs a fixed, small number of statements
(reported here, deterministically: the benchmark measures the time)."""
import re
import threading
from contextlib import contextmanager

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, text, update

from eventops.core.timeutil import now_utc
from eventops.events import services as events
from eventops.events.models import Event
from eventops.extensions import db
from eventops.registration import csvio, services
from eventops.registration.models import Registration, RegistrationCount

from ..factories import make_event, person
from .test_races import form_of


def counted(event_id):
    """What the counters should say, counted the slow way."""
    rows = db.session.execute(select(Registration.category, Registration.status, func.count())
                              .where(Registration.event_id == event_id)
                              .group_by(Registration.category, Registration.status)).all()
    return {(c, s): n for c, s, n in rows}


def counters(event_id):
    rows = db.session.execute(select(RegistrationCount.category, RegistrationCount.status, RegistrationCount.n)
                              .where(RegistrationCount.event_id == event_id)).all()
    return {(c, s): n for c, s, n in rows if n}


def places_held(event_id):
    return db.session.scalar(text("SELECT places_held FROM events WHERE id = :id"), {"id": event_id})


def check(event):
    db.session.expire_all()
    expected = counted(event.id)
    assert counters(event.id) == expected
    assert places_held(event.id) == sum(n for (c, s), n in expected.items() if s in ("pending", "approved"))


def test_counters_follow_every_kind_of_change(app, organizer):
    event = make_event(organizer, capacity=3, category_capacities={"media": 1})
    with app.test_request_context():
        people = [services.register(event, person(n, category="media" if n % 3 == 0 else "attendee"))[0]
                  for n in range(1, 7)]
        db.session.commit()
        check(event)
        services.cancel(people[0])            # promotes from the waitlist
        db.session.commit()
        check(event)
        services.reject(people[1], actor=organizer)
        db.session.commit()
        check(event)
        # a bulk INSERT of several rows in one statement, as the CSV import does
        content = "姓名,单位,手机,邮箱,类别\n" + "\n".join(
            f"导入{n},广东省人民医院,137{n:08d},imp{n}@example.cn,{'媒体' if n % 2 else '参会者'}" for n in range(5))
        batch = csvio.upload(event, "x.csv", content.encode(), actor=organizer)
        csvio.run(event, batch, {k: int(v) for k, v in batch.mapping.items()}, actor=organizer)
        db.session.commit()
        check(event)
        # an UPDATE of many rows in one statement, and a DELETE
        db.session.execute(update(Registration).where(Registration.event_id == event.id,
                                                      Registration.status == "waitlisted").values(status="cancelled"))
        db.session.commit()
        check(event)
        db.session.execute(Registration.__table__.delete().where(Registration.id == people[2].id))
        db.session.commit()
        check(event)
        # a change that is not a status or category leaves the counters alone
        db.session.execute(update(Registration).values(position="新职务"))
        db.session.commit()
        check(event)


@contextmanager
def statements():
    seen = []

    def record(conn, cursor, statement, parameters, context, executemany):
        seen.append(" ".join(statement.split()))
    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)


@pytest.mark.parametrize("limits,expected", [
    # the event, the lock (with capacity, places held, rules version), the duplicate look-up, the
    # organisation, the INSERTs of the registration and of its mail, with the mail's sealed link
    # (the outbox keeps the body without it) and its calendar attachment; then the commit
    ({}, 8),                                            # no limit at all
    ({"capacity": 800}, 8),                             # the event's limit: read with the lock
    ({"category_capacities": {"attendee": 500}}, 9),    # a category's limit: one counter read
])
def test_statements_per_sign_up(app, client, organizer, limits, expected, capsys):
    event = make_event(organizer, **limits)
    events.add_question(event, label_zh="是否参加洽谈", kind="yesno", actor=organizer)
    db.session.commit()
    url = f"/e/{event.slug}/register"
    client.get(url)                                       # the rules are read once per version
    client.post(url, data=form_of(person(1)))             # the organisation exists from now on
    with statements() as seen:
        response = client.post(url, data=form_of(person(2)))
    assert response.status_code == 302
    work = [s for s in seen if not re.match(r"(BEGIN|COMMIT|SAVEPOINT|RELEASE)", s, re.I)]
    with capsys.disabled():
        print(f"\nstatements per sign-up ({limits or 'no limit'}): {len(work)} + commit")
        for s in work:
            print("   ", s[:110])
    assert len(work) == expected, work
    # nothing counts the registrations, nothing reads the questions or the places per category
    assert not any("count(" in s.lower() and "from registrations" in s.lower() for s in work)
    assert not any("from questions" in s.lower() or "from category_capacities" in s.lower() for s in work)
    # the registration, its mail, the sealed link, the calendar attachment
    assert sum(1 for s in work if s.upper().startswith("INSERT")) == 4
    assert "RETURNING" in next(s for s in work if s.upper().startswith("UPDATE EVENTS"))


def test_a_change_in_another_session_reaches_the_cached_form_through_its_version(app, client, organizer):
    event = make_event(organizer)
    url = f"/e/{event.slug}/register"
    assert "是否参加洽谈" not in client.get(url).get_data(as_text=True)
    version = event.rules_version

    def another_worker():
        # another machine's worker: its own session, nothing shared with this one but the database
        with app.app_context():
            other = db.session.get(Event, event.id)
            events.add_question(other, label_zh="是否参加洽谈", kind="yesno", actor=organizer)
            db.session.commit()
            db.session.remove()
    thread = threading.Thread(target=another_worker)
    thread.start()
    thread.join(30)
    db.session.expire_all()
    assert db.session.get(Event, event.id).rules_version != version
    assert "是否参加洽谈" in client.get(url).get_data(as_text=True)
    # and a change of places per category is seen by the very next sign-up's decision
    with app.app_context():
        other = db.session.get(Event, event.id)
        data = events.EventData(**{k: getattr(other, k) for k in (
            "slug", "name_zh", "starts_at", "ends_at", "registration_opens_at", "registration_closes_at")},
            category_capacities={"attendee": 0})
        events.update_event(other, data, actor=organizer)
        db.session.commit()
        db.session.remove()
    location = client.post(url, data=form_of(person(1))).headers["Location"]
    assert "new=1" in location
    assert db.session.scalar(select(Registration.status)) == "waitlisted"


def test_an_unrelated_change_keeps_the_version(app, organizer):
    event = make_event(organizer)
    version = event.rules_version
    with app.test_request_context():
        services.register(event, person(1))             # takes the lock, moves places_held
        db.session.commit()
    db.session.expire_all()
    assert db.session.get(Event, event.id).rules_version == version
    assert places_held(event.id) == 1


def test_capacity_is_read_under_the_lock_not_from_a_stale_object(app, organizer):
    event = make_event(organizer, capacity=10)
    with app.test_request_context():
        stale = db.session.get(Event, event.id)
        # the capacity drops behind this session's back (another worker's settings page)
        db.session.execute(update(Event).where(Event.id == event.id).values(capacity=0)
                           .execution_options(synchronize_session=False))
        assert stale.capacity == 10
        registration, _token = services.register(stale, person(1), now=now_utc())
        assert registration.status == "waitlisted"
