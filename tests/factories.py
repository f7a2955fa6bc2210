"""Factory helpers for tests: people, events and registration data."""
from datetime import datetime, timedelta, timezone
from itertools import count

from eventops.accounts import services as accounts
from eventops.accounts.models import ROLE_DOOR_STAFF, ROLE_ORGANIZER, EventRole
from eventops.events import services as events
from eventops.extensions import db
from eventops.registration.validation import RegistrationData

PASSWORD = "correct horse battery"
_seq = count(1)


def make_user(email=None, *, name="", admin=False, password=PASSWORD):
    user = accounts.create_user(email or f"user{next(_seq)}@example.cn", password, name=name, is_admin=admin)
    db.session.commit()
    return user


def make_event(organizer, **overrides):
    now = datetime.now(timezone.utc)
    values = dict(
        slug=f"event-{next(_seq)}", name_zh="广州研究型医院联盟院企合作活动", name_en="Hospital–industry day",
        venue_zh="广州", venue_en="Guangzhou", starts_at=now + timedelta(days=30),
        ends_at=now + timedelta(days=30, hours=8), timezone="Asia/Shanghai",
        registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=29),
        interest_tags=["临床试验", "成果转化", "创新药"])
    values.update(overrides)
    event = events.create_event(events.EventData(**values), actor=organizer)
    db.session.commit()
    return event


def grant(user, event, role=ROLE_ORGANIZER):
    db.session.add(EventRole(user_id=user.id, event_id=event.id, role=role))
    db.session.commit()


def door_staff(event, email=None):
    user = make_user(email)
    grant(user, event, ROLE_DOOR_STAFF)
    return user


def person(n=None, **overrides):
    n = next(_seq) if n is None else n
    values = dict(name=f"张{n}媛", organisation="广东省人民医院", org_type="hospital", position="主任医师",
                  mobile=f"139{n:08d}", email=f"p{n}@example.cn", category="attendee", tags=["临床试验"])
    values.update(overrides)
    return RegistrationData(**values)


def login(client, user, password=PASSWORD):
    response = client.post("/login", data={"email": user.email, "password": password})
    assert response.status_code == 302, response.data[:500]
    return response


def job_file(client, response):
    """The file of the job a POST started: the tests' queue runs jobs in place (eager), so the
    job has ended when the POST answers; its page says so and offers the file."""
    assert response.status_code == 302 and "/jobs/" in response.headers["Location"], response.headers
    page = client.get(response.headers["Location"])
    assert page.status_code == 200 and 'data-state="done"' in page.get_data(as_text=True), page.get_data(as_text=True)
    return client.get(response.headers["Location"] + "/file")
