import pytest

from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.registration import services as registrations

from eventops.accounts.models import ROLE_LEDGER_CLERK, EventRole

from ..factories import make_event, make_user, person

HOSPITALS = ["广东省中医院", "暨南大学附属第一医院", "广州医科大学附属妇女儿童医疗中心"]
COMPANIES = ["广州医药集团有限公司", "百济神州（广州）生物科技有限公司"]


@pytest.fixture
def clerk(app):
    return make_user("clerk@example.cn", name="签约登记")


def make_signing_event(app, organizer, clerk):
    """An event with two signing sessions, five organisations taking part and a signing clerk."""
    event = make_event(organizer)
    with app.test_request_context():
        for n, name in enumerate(HOSPITALS, 1):
            registrations.register(event, person(n, organisation=name, org_type="hospital"))
        for n, name in enumerate(COMPANIES, 10):
            registrations.register(event, person(n, organisation=name, org_type="enterprise"))
        morning = ledger.add_session(event, name_zh="上午签约仪式", actor=organizer)
        afternoon = ledger.add_session(event, name_zh="下午签约仪式", actor=organizer)
        db.session.add(EventRole(user_id=clerk.id, event_id=event.id, role=ROLE_LEDGER_CLERK))
        db.session.commit()
    return {"event": event, "sessions": [morning, afternoon]}


@pytest.fixture
def signing(app, organizer, clerk):
    return make_signing_event(app, organizer, clerk)


def contract(session, amount="1000000.00", parties=(HOSPITALS[0], COMPANIES[0]), **kw):
    values = dict(title="院内制剂转化合作协议", category="technology_transfer", amount=amount,
                  session_id=session.id, parties=list(parties), signatories=["张忠德", "刘宏"])
    values.update(kw)
    return ledger.ContractData(**values)
