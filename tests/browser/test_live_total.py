"""The big screen in headless Chromium shows a new signing within 2 seconds, without a reload."""
import time

import pytest

from eventops.extensions import db
from eventops.ledger import services as ledger

from ..factories import make_user
from ..ledger.conftest import contract, make_signing_event
from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_live_page_shows_a_new_signing_within_two_seconds(app, live_server, browser, organizer):
    clerk = make_user("clerk@example.cn")
    signing = make_signing_event(app, organizer, clerk)
    event, (morning, _) = signing["event"], signing["sessions"]
    ledger.record(event, contract(morning, "120000000.00"), actor=clerk, key="screen-0001")
    db.session.commit()

    # bypass_csp: Playwright's own waiting code is evaluated in the page, which our CSP forbids
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/e/{event.slug}/signings/live")
    assert page.inner_text("#total-number") == "1.20"
    assert page.inner_text("#total-unit") == "亿元"
    page.wait_for_timeout(1500)  # the page is polling now

    ledger.record(event, contract(morning, "35000000.00", title="钇90核药战略合作协议"), actor=clerk, key="screen-0002")
    db.session.commit()
    recorded = time.monotonic()
    page.wait_for_function("document.getElementById('total-number').textContent === '1.55'", timeout=2000)
    delay = time.monotonic() - recorded
    assert delay <= 2.0
    assert "钇90核药战略合作协议" in page.inner_text("#latest")
    assert page.inner_text("#contracts") == "2"
    screenshot(page, "live-total")
    context.close()
