"""The registration flow in headless Chromium, as a new attendee on a phone would do it."""
import re

import pytest
from sqlalchemy import select

from eventops.events import services as events
from eventops.extensions import db
from eventops.registration.models import Registration

from ..factories import PASSWORD, make_event
from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def alliance_day(organizer):
    event = make_event(organizer, slug="gz-day", name_zh="广州研究型医院联盟第二届院企合作活动", capacity=800)
    events.add_question(event, label_zh="是否参加一对一洽谈？", label_en="One-to-one meetings?", kind="yesno",
                        required=True, actor=organizer)
    db.session.commit()
    return event


def test_register_see_confirmation_edit_and_cancel(live_server, phone, alliance_day):
    page = phone
    page.goto(f"{live_server}/e/{alliance_day.slug}")
    page.get_by_role("link", name="立即报名").click()
    page.wait_for_url(re.compile(r"/register$"))

    # submitting an empty form shows translated errors and keeps the page
    page.get_by_role("button", name="提交报名").click()
    assert page.locator(".error").first.is_visible()
    assert "请输入您的姓名" in page.content()

    page.get_by_label("姓名").fill("欧阳钇媛")
    page.get_by_label("单位", exact=True).fill("广东省人民医院")
    page.get_by_label("单位类型").select_option("hospital")
    page.get_by_label("职务").fill("临床试验机构办公室主任")
    page.get_by_label("手机号码").fill("138 0013 8000")
    page.get_by_label("电子邮箱", exact=True).fill("ouyang@example.cn")
    page.get_by_label("临床试验").check()
    page.get_by_label("是", exact=True).check()
    screenshot(page, "register-filled-phone")
    page.get_by_role("button", name="提交报名").click()

    page.wait_for_url(re.compile(r"/r/[A-Za-z0-9_-]+\?new=1$"))
    confirmation = page.locator("#confirmation")
    assert confirmation.is_visible()
    assert "报名成功" in confirmation.inner_text() or "已确认" in page.inner_text("#status")
    assert page.inner_text("#reg-name") == "欧阳钇媛"
    screenshot(page, "confirmation-phone")
    personal_link = page.url.split("?")[0]

    # the personal link, opened again later
    page.goto("about:blank")
    page.goto(personal_link)
    assert "已确认" in page.inner_text("#status")
    page.click("#edit-link")
    page.get_by_label("职务").fill("副院长")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(personal_link)
    assert "副院长" in page.content()

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#cancel-button")
    page.wait_for_selector("#status.status-cancelled")
    assert "已取消" in page.inner_text("#status")
    screenshot(page, "cancelled-phone")

    db.session.expire_all()
    registration = db.session.scalar(select(Registration))
    assert registration.status == "cancelled"
    assert registration.position == "副院长"
    assert registration.mobile == "13800138000"


def test_organizer_finds_a_registrant_in_the_back_office(live_server, desktop, alliance_day, organizer):
    page = desktop
    page.goto(f"{live_server}/e/{alliance_day.slug}/register")
    page.get_by_label("姓名").fill("李媛")
    page.get_by_label("单位", exact=True).fill("暨南大学附属第一医院")
    page.get_by_label("手机号码").fill("13900139000")
    page.get_by_label("电子邮箱", exact=True).fill("li@example.cn")
    page.get_by_label("否", exact=True).check()
    page.get_by_role("button", name="提交报名").click()
    page.wait_for_selector("#confirmation")

    page.goto(f"{live_server}/login")
    page.get_by_label("电子邮箱", exact=True).fill(organizer.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.goto(f"{live_server}/manage/{alliance_day.slug}/registrations")
    page.get_by_placeholder(re.compile("姓名")).fill("暨南")
    page.get_by_role("button", name="搜索").click()
    rows = page.locator("#registrations tbody tr")
    assert rows.count() == 1
    assert "李媛" in rows.first.inner_text()
    screenshot(page, "backoffice-search")
