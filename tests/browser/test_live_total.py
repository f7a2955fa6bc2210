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


@pytest.mark.parametrize("width,height", [(1920, 1080), (1280, 720)])
def test_the_big_screen_shows_six_latest_signings_without_scrolling(app, live_server, browser, organizer,
                                                                    width, height):
    clerk = make_user("clerk@example.cn")
    signing = make_signing_event(app, organizer, clerk)
    event, (morning, _) = signing["event"], signing["sessions"]
    titles = ["钇90微球国产替代及核医学诊疗一体化平台合作协议", "院内制剂转化为市场化中成药产品的独家许可协议",
              "儿童罕见病基因治疗临床试验合作框架协议", "智慧医院与医疗人工智能联合实验室共建协议",
              "创新药早期临床研究中心共建协议", "高端医疗器械国产化联合攻关协议", "肿瘤免疫细胞治疗产业化合作协议",
              "生物样本库与真实世界研究数据合作协议",
              "粤港澳大湾区" + "生物医药产业协同创新与成果转化" * 12 + "框架协议"]  # 190 characters: the form allows 300
    for n, title in enumerate(titles, 1):
        ledger.record(event, contract(morning, f"{n}2000000.00", title=title), actor=clerk, key=f"fit-{n:05d}")
    db.session.commit()
    context = browser.new_context(viewport={"width": width, "height": height}, bypass_csp=True)
    page = context.new_page()
    page.goto(f"{live_server}/e/{event.slug}/signings/live")
    visible = page.evaluate("""() => [...document.querySelectorAll('#latest li')]
        .filter(li => li.getBoundingClientRect().bottom <= window.innerHeight).length""")
    assert visible >= 6, visible
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight + 1")
    # a long title is cut, never pushes the total off the screen
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    total = page.locator("#total").bounding_box()
    assert 0 <= total["x"] and total["x"] + total["width"] <= width
    screenshot(page, f"live-total-{width}x{height}")
    context.close()
