"""The organizer's view of the door in Chromium: the check-in page refreshes its numbers by itself
(ETag polling), and a person's page shows their scans and prints their new badge."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from eventops.badges import services as badges
from eventops.checkin import services as checkin
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import PASSWORD, make_event, person
from .conftest import screenshot

pytestmark = pytest.mark.browser


def sign_in(page, live_server, user):
    page.goto(f"{live_server}/login")
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def test_the_check_in_page_refreshes_itself(app, live_server, desktop, organizer):
    now = datetime.now(timezone.utc)
    event = make_event(organizer, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(days=2))
    with app.test_request_context():
        people = [registrations.register(event, person(n + 1))[0] for n in range(3)]
        codes = [badges.badge_for(p).code for p in people]
        gate = checkin.add_gate(event, "东门", actor=organizer)
        db.session.commit()
    checkin.scan(event, gate=gate, nonce=uuid.uuid4().hex, code=codes[0])
    db.session.commit()
    sign_in(desktop, live_server, organizer)
    desktop.goto(f"{live_server}/manage/{event.slug}/checkin")
    assert desktop.inner_text("#arrived") == "1"
    def poll():
        return desktop.expect_response(lambda r: r.url.endswith("/checkin/live"), timeout=20_000)
    with poll() as unchanged:          # nothing happened since the page was drawn: 304
        pass
    assert unchanged.value.status == 304
    for code in codes[1:]:
        checkin.scan(event, gate=gate, nonce=uuid.uuid4().hex, code=code)
    db.session.commit()
    with poll() as changed:
        pass
    assert changed.value.status == 200
    desktop.wait_for_function("() => document.getElementById('arrived').textContent === '3'")
    bars = desktop.locator("#arrivals-chart rect.bar")
    assert 0 < bars.count() <= 96
    screenshot(desktop, "checkin-live")
    with poll() as again:
        pass
    assert again.value.status == 304


def test_a_persons_scans_and_their_new_badge(app, live_server, desktop, organizer):
    now = datetime.now(timezone.utc)
    event = make_event(organizer, starts_at=now - timedelta(hours=2), ends_at=now + timedelta(hours=6))
    with app.test_request_context():
        guest, _ = registrations.register(event, person(1, name="欧阳钇媛"))
        code = badges.badge_for(guest).code
        gate = checkin.add_gate(event, "东门", actor=organizer)
        device, _token = checkin.issue_device(event, "东门闸机1", actor=organizer)
        db.session.commit()
    checkin.scan(event, gate=gate, nonce="person-scan-0001", code=code, device=device,
                 scanned_at=now - timedelta(minutes=15))
    checkin.scan(event, gate=gate, nonce="person-scan-0002", code=code, user=organizer)
    checkin.scan(event, gate=gate, nonce="person-scan-0003", code="EO1:" + code, device=device)
    db.session.commit()
    sign_in(desktop, live_server, organizer)
    desktop.goto(f"{live_server}/manage/{event.slug}/registrations/{guest.id}")
    desktop.on("dialog", lambda dialog: dialog.accept())
    desktop.get_by_role("button", name="重新签发胸卡").click()
    desktop.wait_for_url("**reissued=1**")
    link = desktop.locator("#print-badge")
    assert link.inner_text() == "打印新胸卡"
    assert desktop.locator("#scans tr[class^='scan-']").count() == 3
    assert "person-scan-0001" in desktop.inner_text("#scans") and "东门闸机1" in desktop.inner_text("#scans")
    screenshot(desktop, "registration-scans")
    pdf = desktop.request.get(live_server + link.get_attribute("href"))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf" and pdf.body()[:4] == b"%PDF"
