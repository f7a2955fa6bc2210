"""The negotiation zone in headless Chromium: a participant on a phone chooses whom to meet by
typing; a table host on a phone marks meetings held and no-show and fills the freed table; the
organizer's grid fits a 1366x768 laptop with its headers in view; the organizer re-plans the rest
of the day from the board and announces the result."""
import re
from datetime import date, datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from eventops.checkin import services as checkin
from eventops.core.timeutil import freeze_now, now_utc
from eventops.events import services as events
from eventops.extensions import db
from eventops.meetings import placing, publishing, scheduling, zone
from eventops.meetings.models import Meeting, MeetingRequest
from eventops.registration import services as registrations

from ..factories import PASSWORD, grant, make_user, person
from .conftest import ARTIFACTS, screenshot

pytestmark = pytest.mark.browser

SURNAMES = "郑张刘黄周李陈王林何罗梁谢宋唐许邓冯韩曹"
GIVEN = ["小飞", "忠德", "宏", "艺凤", "文浩", "媛", "晓东", "敏", "建国", "丽娟", "志强", "秀英"]
ORGS = [("广东省中医院", "hospital"), ("广东省人民医院", "hospital"), ("中山大学附属第一医院", "hospital"),
        ("广州医药集团有限公司", "enterprise"), ("百济神州（广州）生物科技有限公司", "enterprise"),
        ("广州迈普再生医学科技股份有限公司", "enterprise")]


def _people(app, event, count, question=None, no=()):
    people, tokens = [], []
    with app.test_request_context():
        for n in range(count):
            org, org_type = ORGS[n % len(ORGS)]
            answers = {str(question.id): "no" if n in no else "yes"} if question else {}
            reg, token = registrations.register(event, person(
                500 + n, name=SURNAMES[n % len(SURNAMES)] + GIVEN[(n // len(SURNAMES)) % len(GIVEN)],
                organisation=org, org_type=org_type, answers=answers))
            people.append(reg)
            tokens.append(token)
    return people, tokens


def test_a_participant_chooses_whom_to_meet_by_typing_on_a_phone(live_server, phone, app, event, organizer):
    question = events.add_question(event, label_zh="是否参加一对一洽谈？", kind="yesno", actor=organizer)
    db.session.flush()
    people, tokens = _people(app, event, 40, question, no={3})
    zone.save_settings(event, optin_question_id=question.id, actor=organizer)
    db.session.commit()
    page = phone
    page.goto(f"{live_server}/r/{tokens[0]}/meetings")
    assert page.locator(".picker-results li").count() == 0  # nobody listed until one types
    assert not page.get_by_role("button", name="搜索").is_visible()  # the typeahead replaces it
    field = page.get_by_role("combobox", name="您想和谁洽谈？")
    field.fill("广州医药")  # an organisation: 4 people there, one of whom answered "no"
    page.wait_for_selector(".picker-results li")
    names = page.locator(".picker-results li span").all_inner_texts()
    wanted = [p for p in people[1:] if p.organisation.name == "广州医药集团有限公司" and p is not people[3]]
    assert sorted(names) == sorted(p.name for p in wanted) and people[3].name not in names
    screenshot(page, "zone-typeahead-phone")
    field.press("ArrowDown")
    field.press("Enter")  # Enter chooses; it does not send the half-filled form
    assert page.locator(".picker-results input[type=radio]:checked").count() == 1
    chosen = page.locator(".picker-results li span").first.inner_text()
    page.get_by_label("洽谈主题").fill("院企合作")
    page.get_by_role("button", name="提交申请").click()
    page.wait_for_selector(".flash-success")
    request = db.session.scalar(select(MeetingRequest))
    assert request.to_registration.name == chosen and request.to_registration in wanted
    assert request.topic == "院企合作"
    screenshot(page, "zone-request-sent-phone")

    # a tap on a match chooses too; with the network gone the Search button comes back
    field = page.get_by_role("combobox", name="您想和谁洽谈？")
    field.fill(people[7].name)
    page.wait_for_selector(f".picker-results li:has-text('{people[7].name}')")
    page.locator(".picker-results li", has_text=people[7].name).first.tap()
    assert page.locator(".picker-results input[type=radio]:checked").count() == 1
    page.route("**/meetings/people*", lambda route: route.abort())
    field.fill("百济")
    page.wait_for_selector(".picker-find:visible")
    assert "搜索没有响应" in page.inner_text(".picker-status")


def test_without_javascript_the_search_field_submits(live_server, browser, app, event, organizer):
    people, tokens = _people(app, event, 12)
    db.session.commit()
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/r/{tokens[0]}/meetings")
        page.get_by_role("combobox", name="您想和谁洽谈？").fill("百济")
        page.get_by_label("洽谈主题").fill("核医药")
        page.get_by_role("button", name="搜索").click()
        page.locator(".picker-results label").first.click()
        assert page.get_by_label("洽谈主题").input_value() == "核医药"  # kept through the search
        page.get_by_role("button", name="提交申请").click()
        page.wait_for_selector(".flash-success")
        assert db.session.scalar(select(MeetingRequest)).to_registration.organisation.name.startswith("百济")
    finally:
        context.close()


@pytest.fixture
def zone_day(app, event, organizer):
    """Four people, one slot running now (09:30-09:50 on 2030-05-24), two announced meetings."""
    people, _tokens = _people(app, event, 5)
    zone.generate_slots(event, date(2030, 5, 24), time(9, 30), time(10, 40), length=20, gap=5, actor=organizer)
    zone.add_tables(event, 2, actor=organizer)
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    held = placing.place(event, zone.ask(event, people[0], people[1], actor=organizer), slots[0], tables[0],
                         actor=organizer)
    empty = placing.place(event, zone.ask(event, people[2], people[3], actor=organizer), slots[0], tables[1],
                          actor=organizer)
    publishing.announce(event, actor=organizer)
    standby = zone.ask(event, people[4], people[2], actor=organizer)
    gate = checkin.add_gate(event, "东门", actor=organizer)
    # the door is open from before the test runs until after the zone's day (2030)
    checkin.set_window(event, datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2040, 1, 1, tzinfo=timezone.utc),
                       actor=organizer)
    for n in (0, 1, 2, 4):
        checkin.scan(event, gate=gate, nonce=f"browser-{n:06d}", registration_id=people[n].id)
    host = make_user("host@example.cn")
    grant(host, event, "zone_host")
    db.session.commit()
    freeze_now(slots[0].starts_at + timedelta(minutes=4))
    yield {"people": people, "held": held, "empty": empty, "standby": standby, "host": host, "tables": tables}
    freeze_now(None)


def test_a_table_host_marks_held_and_no_show_and_fills_the_table_on_a_phone(live_server, phone, event, zone_day):
    page = phone
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server}/login")
    page.get_by_label("电子邮箱").fill(zone_day["host"].email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/meetings/day$"))  # a table host lands on the board
    people = zone_day["people"]
    absent = page.locator(f"#meeting-{zone_day['empty'].id}")
    assert "可能缺席" in absent.inner_text() and people[3].name in absent.inner_text()
    screenshot(page, "zone-day-phone")
    held_button = page.locator(f"#meeting-{zone_day['held'].id}").get_by_role("button", name="已洽谈")
    box = held_button.bounding_box()
    assert box["height"] >= 44 and box["width"] >= 120  # a thumb's target
    held_button.tap()
    page.wait_for_selector(f"#meeting-{zone_day['held'].id}.held")
    page.locator(f"#meeting-{zone_day['empty'].id}").get_by_role("button", name="未到场").tap()
    page.wait_for_selector(".freed")
    offer = page.locator(".freed .offer")
    assert offer.count() == 1 and people[4].name in offer.inner_text() and people[2].name in offer.inner_text()
    screenshot(page, "zone-day-freed-phone")
    offer.get_by_role("button", name="排在这里").tap()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert db.session.get(Meeting, zone_day["held"].id).held_at is not None
    assert db.session.get(Meeting, zone_day["empty"].id).cancel_reason == "no_show"
    placed = db.session.scalar(select(Meeting).where(Meeting.request_id == zone_day["standby"].id))
    assert placed.published_status == "scheduled" and placed.table_id == zone_day["tables"][1].id
    assert page.locator(f"#meeting-{placed.id}").is_visible()
    screenshot(page, "zone-day-placed-phone")


def test_the_grid_fits_a_laptop_with_sticky_headers_and_a_zone_filter(live_server, browser, app, event, organizer):
    people, _tokens = _people(app, event, 120)
    zone.generate_slots(event, date(2030, 5, 24), time(10, 0), time(17, 0), length=20, gap=5,
                        breaks=[(time(12, 0), time(13, 30))], actor=organizer)
    zone.add_tables(event, 18, zone="A", actor=organizer)
    zone.add_tables(event, 12, zone="B", actor=organizer)
    for n in range(180):
        a, b = people[n % 60], people[60 + (n * 7) % 60]
        if not zone.pair_requests(event, a.id, b.id):
            zone.ask(event, a, b, actor=organizer)
    db.session.commit()
    scheduling.run(event, actor=organizer, time_limit=3)
    db.session.commit()
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server}/login")
        page.get_by_label("电子邮箱").fill(organizer.email)
        page.get_by_label("密码").fill(PASSWORD)
        page.get_by_role("button", name="登录").click()
        page.goto(f"{live_server}/manage/{event.slug}/meetings/#grid")
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366  # no sideways scrolling of the page
        box = page.locator(".grid-scroll").bounding_box()
        assert box["width"] <= 1366 and box["height"] <= 768
        cells = page.locator("#meeting-grid tbody tr").first.locator("td")
        assert cells.count() == 13  # 10:00-17:00 in 20 minutes, 5 between, lunch 12:00-13:30
        header = page.locator("#meeting-grid thead th").nth(1)
        before = header.bounding_box()["y"]
        page.locator(".grid-scroll").evaluate("el => el.scrollTop = 600")
        assert abs(header.bounding_box()["y"] - before) < 2  # the times stay in view
        first_column = page.locator("#meeting-grid tbody th").nth(20)
        page.locator(".grid-scroll").evaluate("el => el.scrollLeft = 400")
        assert first_column.bounding_box()["x"] < box["x"] + 10  # the table codes too
        page.locator(".grid-scroll").evaluate("el => { el.scrollTop = 0; el.scrollLeft = 0; }")
        screenshot(page, "zone-grid-laptop")
        page.locator("#grid").scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / "zone-grid-laptop-screen.png"))  # what the laptop shows
        page.select_option("#zone-filter", "B")
        page.get_by_role("button", name="显示").click()
        page.wait_for_url(re.compile(r"zone=B"))
        page.wait_for_load_state()
        rows = page.locator("#meeting-grid tbody th").all_inner_texts()
        assert len(rows) == 12 and all(r.strip().endswith("B") for r in rows)
        busy = page.locator("#meeting-grid td.busy a").first
        assert "×" not in busy.inner_text()
        busy.click()
        page.wait_for_url(re.compile(r"/meetings/\d+$"))
        page.on("dialog", lambda dialog: dialog.accept())
        page.get_by_role("button", name="取消这场洽谈").click()  # no reason chosen: the browser asks for one
        assert page.locator("#cancel input:invalid").count() >= 1
        page.get_by_label("主办方决定").check()
        page.get_by_role("button", name="取消这场洽谈").click()
        page.wait_for_selector("#undo-button")
        screenshot(page, "zone-meeting-cancelled")
        page.locator("#undo-button").click()
        page.wait_for_selector(".flash-success")
    finally:
        context.close()


def test_the_organizer_replans_the_rest_of_the_day_from_the_board(live_server, desktop, event, organizer, zone_day):
    """On the board, the organizer re-plans: the job keeps the meetings that started, places the
    standby request in a later slot, says so, and leads to the changes to announce."""
    people = zone_day["people"]
    page = desktop
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(f"{live_server}/login?next=/manage/{event.slug}/meetings/day")
    page.get_by_label("电子邮箱").fill(organizer.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/meetings/day$"))
    page.get_by_role("button", name="重排当天余下洽谈").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    page.wait_for_selector("#job-summary")
    assert "0 场洽谈已调整，新增 1 场，0 场移出排期。" in page.inner_text("#job-summary")
    screenshot(page, "zone-replan-done")
    page.get_by_role("link", name="查看变动").click()
    page.wait_for_url(re.compile(r"changes=1"))
    changes = page.locator("#changes")
    assert changes.is_visible() and people[4].name in changes.inner_text()
    db.session.expire_all()
    placed = db.session.scalar(select(Meeting).where(Meeting.request_id == zone_day["standby"].id))
    assert placed.status == "scheduled" and placed.published_status is None and placed.slot.starts_at > now_utc()
    for kept in (zone_day["held"], zone_day["empty"]):
        assert db.session.get(Meeting, kept.id).change is None
    page.get_by_role("button", name=re.compile("发布变动")).click()
    page.wait_for_selector(".flash-success")
    db.session.expire_all()
    assert db.session.get(Meeting, placed.id).published_status == "scheduled"
