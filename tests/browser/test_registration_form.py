"""The registration form in Chromium on phones (390 and 320 px wide), in Chinese and English: the
error summary, the organisation typeahead with and without JavaScript, the waitlist notice and
the waitlist position."""
import re

import pytest
from sqlalchemy import select

from eventops.events import services as events
from eventops.extensions import db
from eventops.organisations import services as organisations
from eventops.registration.models import Registration

from ..factories import make_event
from .conftest import screenshot

pytestmark = pytest.mark.browser

KNOWN = [("广东省人民医院", "hospital"), ("广州医科大学附属第一医院", "hospital"),
         ("广州医药集团有限公司", "enterprise"), ("中山大学附属第一医院", "hospital")]


@pytest.fixture
def day(organizer):
    event = make_event(organizer, slug="gz-form", name_zh="广州研究型医院联盟第二届院企合作活动",
                       name_en="Second hospital–industry cooperation day", category_capacities={"exhibitor": 1})
    events.add_question(event, label_zh="是否参加一对一洽谈？", label_en="Will you join the one-to-one meetings?",
                        kind="yesno", required=True, actor=organizer)
    for name, org_type in KNOWN:
        organisations.find_or_create(name, org_type)
    db.session.commit()
    return event


def phone_page(browser, width=390, locale="zh-CN", javascript=True):
    context = browser.new_context(viewport={"width": width, "height": 800}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale=locale, java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(15_000)
    return context, page


def english(page, live_server):
    page.goto(f"{live_server}/lang/en?next=/")


def test_the_error_summary_on_a_phone_in_chinese(live_server, browser, day):
    context, page = phone_page(browser)
    try:
        page.goto(f"{live_server}/e/{day.slug}/register")
        page.get_by_label("电子邮箱", exact=True).fill("not-an-address")
        page.locator("#submit-registration").click()
        summary = page.locator("#error-summary")
        summary.wait_for()
        # the summary has the focus, is at the top of the form, and lists every problem at once
        assert page.evaluate("document.activeElement.id") == "error-summary"
        links = summary.locator("a")
        texts = links.all_inner_texts()
        assert len(texts) == 5, texts   # name, organisation, mobile, e-mail, the question
        assert texts[0].startswith("姓名") and "电子邮箱" in texts[3]
        screenshot(page, "register-error-summary-390-zh")
        # each link takes the focus to its field, which says it is invalid and why
        links.nth(2).click()
        assert page.evaluate("document.activeElement.id") == "mobile"
        mobile = page.locator("#mobile")
        assert mobile.get_attribute("aria-invalid") == "true"
        assert "mobile-error" in mobile.get_attribute("aria-describedby")
        links.nth(4).click()
        assert page.evaluate("document.activeElement.type") == "radio"
        # what was typed is still there
        assert page.locator("#email").input_value() == "not-an-address"
    finally:
        context.close()


def test_the_error_summary_and_word_wrapping_at_320_px_in_english(live_server, browser, day):
    context, page = phone_page(browser, width=320, locale="en-US")
    try:
        english(page, live_server)
        page.goto(f"{live_server}/e/{day.slug}/register")
        page.locator("#submit-registration").click()
        page.locator("#error-summary").wait_for()
        assert "Please correct the following" in page.inner_text("#error-summary")
        # nothing breaks inside an English word: no break-all anywhere on the page
        broken = page.evaluate("""() => Array.from(document.querySelectorAll('label, legend, dt, dd, a, p, li, span'))
            .filter(e => getComputedStyle(e).wordBreak === 'break-all').map(e => e.textContent.trim().slice(0, 30))""")
        assert broken == []
        # and no word of a label is split over two lines ("Mobile numbe r")
        split = page.evaluate("""() => {
            const out = [];
            for (const label of document.querySelectorAll('label[for], legend')) {
              const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
              let node;
              while ((node = walker.nextNode())) {
                const re = /\\S+/g; let m;
                while ((m = re.exec(node.data))) {
                  const range = document.createRange();
                  range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
                  const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
                  if (tops.size > 1) out.push(m[0]);
                }
              }
            }
            return out;
        }""")
        assert split == []
        screenshot(page, "register-error-summary-320-en")
    finally:
        context.close()


def test_the_organisation_typeahead_with_javascript(live_server, browser, day):
    context, page = phone_page(browser)
    try:
        page.goto(f"{live_server}/e/{day.slug}/register")
        assert not page.locator("#org-search").is_visible()   # the no-JavaScript button is hidden
        field = page.locator("#organisation")
        field.click()
        field.press_sequentially("广州医", delay=30)
        listbox = page.locator("#organisation-listbox")
        listbox.locator("[role=option]").first.wait_for()
        options = listbox.locator("[role=option]").all_inner_texts()
        assert [o.splitlines()[0] for o in options] == ["广州医科大学附属第一医院", "广州医药集团有限公司"]
        assert field.get_attribute("aria-expanded") == "true"
        screenshot(page, "register-typeahead-390-zh")
        field.press("ArrowDown")
        field.press("ArrowDown")
        assert field.get_attribute("aria-activedescendant") == "organisation-option-1"
        field.press("Enter")
        assert field.input_value() == "广州医药集团有限公司"
        assert page.locator("#org_type").input_value() == "enterprise"
        assert not listbox.is_visible()
        # the rest of the form, then submit: the known organisation is used
        page.get_by_label("姓名").fill("李媛")
        page.get_by_label("手机号码").fill("13900139000")
        page.get_by_label("电子邮箱", exact=True).fill("li@example.cn")
        page.get_by_label("否", exact=True).check()
        page.locator("#submit-registration").click()
        page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+\?new=1$"))
        db.session.expire_all()
        registration = db.session.scalar(select(Registration))
        assert registration.organisation.name == "广州医药集团有限公司"
    finally:
        context.close()


def test_the_organisation_search_without_javascript(live_server, browser, day):
    context, page = phone_page(browser, javascript=False)
    try:
        page.goto(f"{live_server}/e/{day.slug}/register")
        page.get_by_label("姓名").fill("王芳")
        page.locator("#organisation").fill("附属第一")
        page.locator("#org-search").click()
        matches = page.locator("#org-matches")
        matches.wait_for()
        picks = matches.locator("button").all_inner_texts()
        assert [p.split()[0] for p in picks] == ["中山大学附属第一医院", "广州医科大学附属第一医院"]
        assert page.get_by_label("姓名").input_value() == "王芳"     # nothing typed is lost
        screenshot(page, "register-org-search-nojs-390-zh")
        matches.get_by_role("button", name=re.compile("中山大学")).click()
        assert page.locator("#organisation").input_value() == "中山大学附属第一医院"
        assert page.locator("#org_type").input_value() == "hospital"
        page.get_by_label("手机号码").fill("13900139001")
        page.get_by_label("电子邮箱", exact=True).fill("wang@example.cn")
        page.get_by_label("是", exact=True).check()
        # Enter in a field submits the registration, not the organisation search
        page.get_by_label("电子邮箱", exact=True).press("Enter")
        page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+\?new=1$"))
        db.session.expire_all()
        assert db.session.scalar(select(Registration)).organisation.name == "中山大学附属第一医院"
    finally:
        context.close()


def test_the_waitlist_notice_and_position(live_server, browser, day):
    context, page = phone_page(browser)
    try:
        def register(name, mobile, email, category="exhibitor"):
            page.goto(f"{live_server}/e/{day.slug}/register")
            page.get_by_label("姓名").fill(name)
            page.locator("#organisation").fill("广东省人民医院")
            page.get_by_label("手机号码").fill(mobile)
            page.get_by_label("电子邮箱", exact=True).fill(email)
            page.get_by_label("否", exact=True).check()
            page.locator("#category").select_option(category)
        register("展商甲", "13900139101", "a@example.cn")
        assert not page.locator(".waitlist-notice").first.is_visible()   # the category still has room
        page.locator("#submit-registration").click()
        page.wait_for_url(re.compile(r"\?new=1$"))
        # the only exhibitor place is taken: the notice says so before submitting
        register("展商乙", "13900139102", "b@example.cn", category="attendee")
        notice = page.locator('.waitlist-notice[data-category="exhibitor"]')
        assert not notice.is_visible()
        assert "已满" in page.locator('#category option[value="exhibitor"]').inner_text()
        page.locator("#category").select_option("exhibitor")
        assert notice.is_visible() and "候补" in notice.inner_text()
        screenshot(page, "register-waitlist-notice-390-zh")
        page.locator("#submit-registration").click()
        page.wait_for_url(re.compile(r"\?new=1$"))
        box = page.locator("#waitlist-position")
        assert "第 1 位" in box.inner_text()
        # waiting is not a success: the confirmation is neutral, not green
        background = page.evaluate("getComputedStyle(document.getElementById('confirmation')).backgroundColor")
        assert background == "rgb(248, 249, 252)"
        screenshot(page, "waitlist-position-390-zh")
        personal = page.url.split("?")[0]
        english(page, live_server)
        page.goto(personal)
        assert "number 1 on the waitlist" in page.inner_text("#waitlist-position")
        page.set_viewport_size({"width": 320, "height": 800})
        screenshot(page, "waitlist-position-320-en")
    finally:
        context.close()
