from datetime import date, datetime, time, timezone

import pytest

from eventops.checkin import services as checkin
from eventops.extensions import db
from eventops.meetings import zone
from eventops.registration import services as registrations

from ..factories import person

NAMES = ["郑小飞", "张忠德", "刘宏", "黄艺凤", "周文浩", "李媛"]
ORGS = [("暨南大学附属第一医院", "hospital"), ("广东省中医院", "hospital"), ("广州医药集团有限公司", "enterprise"),
        ("百济神州（广州）生物科技有限公司", "enterprise"), ("广州医科大学附属妇女儿童医疗中心", "hospital"),
        ("广州智桥技术转移服务有限公司", "service_agency")]


@pytest.fixture
def zone_event(app, event, organizer):
    """Six people (one a broker), 4 slots on the event's day, 2 tables; ``tokens``: their
    personal links' secrets."""
    people, tokens = [], []
    with app.test_request_context():
        for n, (name, (org, org_type)) in enumerate(zip(NAMES, ORGS), 1):
            reg, token = registrations.register(event, person(n, name=name, organisation=org, org_type=org_type,
                                                              category="broker" if org_type == "service_agency" else "attendee"))
            people.append(reg)
            tokens.append(token)
    day = date(2030, 5, 24)
    zone.generate_slots(event, day, time(9, 0), time(11, 0), length=20, gap=5, breaks=[(time(10, 0), time(10, 15))],
                        actor=organizer)
    zone.add_tables(event, 2, actor=organizer)
    broker = zone.set_broker(event, people[5], specialties=["核医药"], actor=organizer)
    # the door is open from before the tests run (they check in, then move the clock to the zone's day)
    checkin.set_window(event, datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2040, 1, 1, tzinfo=timezone.utc),
                       actor=organizer)
    db.session.commit()
    return {"event": event, "people": people, "broker": broker, "tokens": tokens}
