from datetime import datetime, timedelta, timezone

import pytest

from eventops.badges import services as badges
from eventops.checkin import services as checkin
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import door_staff, person


@pytest.fixture
def door(app, organizer):
    """An event under way (its check-in window is open) with two gates, door staff, and three
    people: confirmed, confirmed, waitlisted."""
    from ..factories import make_event
    now = datetime.now(timezone.utc)
    event = make_event(organizer, capacity=2, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))
    with app.test_request_context():
        guest, _ = registrations.register(event, person(1, name="欧阳钇媛", category="vip"))
        other, _ = registrations.register(event, person(2, name="李强", organisation="广州医药集团有限公司",
                                                        org_type="enterprise"))
        waiting, _ = registrations.register(event, person(3, name="王芳"))
        east = checkin.add_gate(event, "东门", actor=organizer)
        south = checkin.add_gate(event, "南门", actor=organizer)
        codes = {name: badges.badge_for(reg).code for name, reg in
                 [("guest", guest), ("other", other), ("waiting", waiting)]}
        db.session.commit()
    staff = door_staff(event, "door@example.cn")
    return {"event": event, "gates": [east, south], "guest": guest, "other": other, "waiting": waiting,
            "codes": codes, "staff": staff}
