"""The resource platform in headless Chromium: one search box on the home page, and a hospital's
results on a phone."""
import re

import pytest

from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.platform import policies, reports

from ..platform.conftest import alliance, policy_data  # noqa: F401  (the fixture)
from .conftest import screenshot

pytestmark = pytest.mark.browser


def _fits(page):
    """Nothing wider than the phone's screen (no sideways scrolling)."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_search_from_the_home_page(app, live_server, phone, alliance):  # noqa: F811
    with app.test_request_context():
        policy = policies.submit(policy_data(topics=["核医药"]), actor=alliance["organizer"])
        policies.review(policy, publish=True, actor=alliance["organizer"])
        db.session.commit()
    page = phone
    page.goto(f"{live_server}/platform/")
    assert page.locator("#module-policies").is_visible() and page.locator("#module-pis").is_visible()
    box = page.get_by_role("searchbox", name="在平台中搜索")
    box.fill("核医药")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/platform/\?q=%E6%A0%B8"))
    assert page.locator("#found-policies").is_visible()
    assert "郑小飞" in page.inner_text("#found-pis")
    assert "广州诺和核医药科技有限公司" in page.inner_text("#found-exhibitors")
    assert page.locator("#found-articles").count() == 0  # no article on it
    assert _fits(page)
    screenshot(page, "platform-search-phone")
    page.locator("#found-policies a").first.click()
    page.wait_for_url(re.compile(rf"/platform/policies/{policy.id}$"))
    assert "郑小飞" in page.inner_text("#related-pis")
    assert page.inner_text("#validity") == "有效"
    assert _fits(page)
    screenshot(page, "platform-policy-phone")
    page.locator(".platform-nav a", has_text="汇政策").click()
    page.select_option("select[name=validity]", "current")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"validity=current"))
    assert policy.title_zh in page.inner_text("main") and _fits(page)  # long issuing bodies stay inside
    # a search that finds nothing says so; the box keeps the words
    page.goto(f"{live_server}/platform/")
    page.get_by_role("searchbox", name="在平台中搜索").fill("<script>不存在</script>")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_selector("#search-nothing")
    assert page.get_by_role("searchbox", name="在平台中搜索").input_value() == "<script>不存在</script>"


def test_a_hospitals_results_on_a_phone(app, live_server, phone, alliance):  # noqa: F811
    organizer = alliance["organizer"]
    with app.test_request_context():
        ledger.reverse(alliance["events"][1], alliance["entries"]["d"].id, actor=organizer, key="key-reverse-d")
        article = reports.create({"title_zh": "一款院内制剂的上市之路", "body": "## 合作\n\n<script>alert(1)</script>",
                                  "organisations": ["广东省中医院"]}, actor=organizer, submit=True)
        reports.review(article, publish=True, actor=organizer)
        db.session.commit()
    page = phone
    page.goto(f"{live_server}/platform/results")
    assert page.locator("#chart-hospitals svg").is_visible()
    screenshot(page, "platform-results-phone")
    page.locator("#chart-hospitals a", has_text="广东省中医院").click()  # a bar of the SVG chart
    page.wait_for_url(re.compile(r"/platform/results/contracts\?hospital=\d+"))
    assert page.inner_text("#trace-sum") == "38,000,000.00"  # d was reversed; e has no amount
    assert len(page.locator("#trace-entries tbody tr").all()) == 2
    page.locator("#trace-entries a", has_text="广东省中医院").first.click()
    page.wait_for_url(re.compile(r"/platform/results/\d+$"))
    assert page.inner_text("#org-name") == "广东省中医院"
    assert "3,800.00万元" in page.inner_text("#org-total")
    assert "一款院内制剂的上市之路" in page.inner_text("#org-articles")
    assert _fits(page)
    screenshot(page, "platform-hospital-phone")
    page.locator("#org-articles a").first.click()
    page.wait_for_selector("#article-body")
    assert "<script>alert(1)</script>" in page.inner_text("#article-body")  # shown as text, never run
    assert page.locator("#article-body script").count() == 0
