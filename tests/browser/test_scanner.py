"""The door-staff scanner in headless Chromium: sign in, type a code, see green, again amber;
with the network gone the scan waits in the queue and is sent when it returns."""
import pytest
from sqlalchemy import func, select

from eventops.badges import services as badges
from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import PASSWORD, door_staff, person
from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def gate_and_codes(app, event, organizer):
    with app.test_request_context():
        guest, _ = registrations.register(event, person(1, name="欧阳钇媛", category="vip"))
        other, _ = registrations.register(event, person(2, name="李强"))
        checkin.add_gate(event, "东门", actor=organizer)
        codes = [badges.badge_for(guest).code, badges.badge_for(other).code]
        db.session.commit()
    return codes


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/scan")


def test_door_staff_scan_green_then_amber(live_server, phone, event, gate_and_codes):
    staff = door_staff(event, "door@example.cn")
    sign_in(phone, live_server, staff)
    code = gate_and_codes[0]
    field = phone.get_by_placeholder("扫码，或输入胸卡编码后按回车")
    field.fill(code)
    field.press("Enter")
    phone.wait_for_selector("#result.ok")
    assert "欧阳钇媛" in phone.inner_text("#result-name")
    assert "VIP" in phone.inner_text("#result-title")
    screenshot(phone, "scanner-green")
    field.fill("EO1:" + code)
    field.press("Enter")
    phone.wait_for_selector("#result.warn")
    assert "东门" in phone.inner_text("#result-detail")
    screenshot(phone, "scanner-amber")
    field.fill("EO1:NOTAVALIDCODE")
    field.press("Enter")
    phone.wait_for_selector("#result.bad")


def test_offline_scans_are_queued_and_sent_later(live_server, phone, event, gate_and_codes):
    staff = door_staff(event, "door@example.cn")
    sign_in(phone, live_server, staff)
    phone.context.set_offline(True)
    field = phone.get_by_placeholder("扫码，或输入胸卡编码后按回车")
    field.fill(gate_and_codes[1])
    field.press("Enter")
    phone.wait_for_selector("#result.queued")
    assert "1" in phone.inner_text("#queue")
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    screenshot(phone, "scanner-queued")
    phone.context.set_offline(False)
    phone.wait_for_selector("#queue", state="hidden", timeout=15_000)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 1
