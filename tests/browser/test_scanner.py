"""The door-staff scanner in headless Chromium, as a door is: answers while the server stumbles (500,
401, 429 answered by Playwright's route), no network at all (set_offline), a reload without network
(the service worker), a lost session, provisional verdicts from the gate pack and the scans that then
need attention, and a hardware scanner typing after a tap on a button."""
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from eventops.badges import services as badges
from eventops.badges.codes import new_code
from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn, Scan
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import PASSWORD, door_staff, make_event, person
from .conftest import screenshot

pytestmark = pytest.mark.browser
FIELD = "扫码，或输入胸卡编码后按回车"


@pytest.fixture
def door(app, organizer):
    """An event under way: a gate, door staff, five people (one cancelled) with badges."""
    now = datetime.now(timezone.utc)
    event = make_event(organizer, starts_at=now - timedelta(hours=1), ends_at=now + timedelta(hours=8))
    with app.test_request_context():
        names = ["欧阳钇媛", "李强", "王芳", "张伟", "陈静"]
        people = [registrations.register(event, person(n + 1, name=name, category="vip" if n == 0 else "attendee"))[0]
                  for n, name in enumerate(names)]
        checkin.add_gate(event, "东门", actor=organizer)
        codes = [badges.badge_for(p).code for p in people]
        registrations.cancel(people[4])
        db.session.commit()
    return {"event": event, "people": people, "codes": codes, "staff": door_staff(event, "door@example.cn")}


@pytest.fixture
def context_factory(browser):
    contexts = []

    def make(service_workers="allow"):
        context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                      has_touch=True, locale="zh-CN", service_workers=service_workers)
        context.set_default_timeout(20_000)
        contexts.append(context)
        return context
    yield make
    for context in contexts:
        context.close()


def sign_in(page, live_server, user, slug=None):
    page.goto(f"{live_server}/login" + (f"?next=/manage/{slug}/scan" if slug else ""))
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/scan")


def scanner(context, live_server, door):
    page = context.new_page()
    sign_in(page, live_server, door["staff"], door["event"].slug)
    page.wait_for_function("() => document.getElementById('pack-status').textContent.indexOf('5') >= 0")
    return page


def type_code(page, code):
    field = page.get_by_placeholder(FIELD)
    field.fill(code)
    field.press("Enter")


def counts():
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(CheckIn)),
            db.session.scalar(select(func.count()).select_from(Scan)))


def wait_for_empty_queue(page, timeout=60_000):
    page.wait_for_function("() => document.getElementById('scanner').dataset.queued === '0'", timeout=timeout)


def test_green_then_amber_with_a_checking_state_between(live_server, context_factory, door):
    page = scanner(context_factory(), live_server, door)
    type_code(page, door["codes"][0])
    page.wait_for_selector("#result.ok")
    assert "欧阳钇媛" in page.inner_text("#result-name") and "VIP" in page.inner_text("#result-title")
    screenshot(page, "scanner-green")
    held = []
    page.route("**/checkins", lambda route: held.append(route))
    type_code(page, door["codes"][1])
    page.wait_for_selector("#result.checking")          # the previous green is gone at once
    assert "欧阳钇媛" not in page.inner_text("#result") and "检查中" in page.inner_text("#result-title")
    screenshot(page, "scanner-checking")
    held[0].continue_()
    page.wait_for_selector("#result.ok")
    assert "李强" in page.inner_text("#result-name")
    page.unroute("**/checkins")
    type_code(page, "EO1:" + door["codes"][0])
    page.wait_for_selector("#result.warn")
    detail = page.inner_text("#result-detail")
    assert "东门" in detail and datetime.now(timezone(timedelta(hours=8))).strftime("%Y-%m-%d") in detail
    screenshot(page, "scanner-amber")
    type_code(page, "EO1:NOTAVALIDCODE")
    page.wait_for_selector("#result.bad")
    page.click("#result")                                 # dismissed: ready for the next, the field has the keys
    page.wait_for_selector("#result.idle")
    assert page.evaluate("document.activeElement.id") == "code"
    assert counts() == (2, 4)


def test_every_scan_settles_once_through_500_401_429_and_no_network(live_server, context_factory, door):
    context = context_factory(service_workers="block")   # so that route sees every request
    page = scanner(context, live_server, door)
    script = [(500, '{"error": "server_error", "message": "x"}'), (401, '{"error": "unauthorized", "message": "x"}'),
              (429, '{"error": "too_many_requests", "message": "x"}'), (503, "<html>Bad gateway</html>")]
    seen = []

    def answer(route):
        seen.append(route.request.post_data_json["nonce"])
        if script:
            status, body = script.pop(0)
            route.fulfill(status=status, body=body, content_type="application/json",
                          headers={"Retry-After": "1"} if status == 429 else {})
        else:
            route.continue_()
    page.route("**/api/v1/events/*/checkins", answer)
    type_code(page, door["codes"][0])                      # 500: provisional green from the pack, kept
    page.wait_for_selector("#result.ok.offline")
    assert "欧阳钇媛" in page.inner_text("#result-name")
    page.wait_for_selector("#queue:not([hidden])")
    screenshot(page, "scanner-provisional")
    page.wait_for_selector("#signin:not([hidden])")       # its retry got 401: sign in again, scans kept
    screenshot(page, "scanner-signed-out")
    type_code(page, door["codes"][1])
    context.set_offline(True)
    type_code(page, door["codes"][2])
    page.wait_for_selector("#result.offline")
    assert int(page.inner_text("#queue").split()[0]) >= 2 and "自" in page.inner_text("#queue")
    assert counts() == (0, 0)                             # nothing has reached the server yet
    context.set_offline(False)
    wait_for_empty_queue(page)
    page.wait_for_selector("#signin", state="hidden")
    assert counts() == (3, 3)                             # each scan once: none lost, none twice
    db.session.expire_all()
    nonces = db.session.scalars(select(Scan.nonce)).all()
    assert len(set(nonces)) == 3 and set(nonces) <= set(seen)
    assert page.is_hidden("#attention")                   # the pack had it right: nothing to look at


def test_a_late_scan_is_recorded_when_it_was_scanned(live_server, context_factory, door):
    context = context_factory()
    page = scanner(context, live_server, door)
    context.set_offline(True)
    before = datetime.now(timezone.utc)
    type_code(page, door["codes"][3])
    page.wait_for_selector("#result.offline")
    after = datetime.now(timezone.utc)
    page.wait_for_timeout(3000)                           # the door is offline for a while
    context.set_offline(False)
    wait_for_empty_queue(page)
    db.session.expire_all()
    at = db.session.scalar(select(CheckIn.at))
    received = db.session.scalar(select(Scan.received_at))
    slack = timedelta(seconds=1)                          # the page's and the server's clocks are this machine's
    assert before - slack <= at <= after + slack and received - at >= timedelta(seconds=3) - slack


def test_offline_verdicts_from_the_pack_and_what_needs_attention(app, live_server, context_factory, door, organizer):
    context = context_factory()
    page = scanner(context, live_server, door)
    guest, li, wang, _zhang, cancelled = door["codes"]
    # after the pack was fetched: 李强 comes in at another gate, 王芳's badge is replaced
    checkin.scan(door["event"], gate=checkin.gates_of(door["event"])[0], nonce=uuid.uuid4().hex, code=li)
    badges.reissue(door["people"][2], actor=organizer)
    db.session.commit()
    context.set_offline(True)
    expected = [(guest, "ok", "欧阳钇媛", "欢迎"), (guest, "warn", "欧阳钇媛", "本设备已扫过此胸卡"),
                (li, "ok", "李强", "欢迎"), (wang, "ok", "王芳", "欢迎"), (cancelled, "bad", "陈静", "报名已取消"),
                ("EO1:" + new_code(), "bad", "", "无效胸卡")]
    for code, kind, name, title in expected:
        page.evaluate("document.getElementById('result').className = 'result idle'")
        type_code(page, code)
        page.wait_for_selector(f"#result.{kind}.offline")
        assert "离线" in page.inner_text("#result-flag") and page.inner_text("#result-name") == name
        assert page.inner_text("#result-title") == title
        if code == guest and kind == "warn":
            screenshot(page, "scanner-offline-amber")
    context.set_offline(False)
    wait_for_empty_queue(page)
    page.wait_for_selector("#attention:not([hidden])")
    items = page.locator("#attention-list li")
    assert items.count() == 2
    text = page.inner_text("#attention-list")
    assert "李强" in text and "王芳" in text and "欧阳钇媛" not in text and "陈静" not in text
    screenshot(page, "scanner-needs-attention")
    items.first.get_by_role("button").click()
    expect(page.locator("#attention-list li")).to_have_count(1)
    assert page.evaluate("document.activeElement.id") == "code"
    assert counts()[0] == 2                               # 李强 (by the other gate) and 欧阳钇媛


def test_a_reload_without_network_opens_the_scanner_with_its_queue(live_server, context_factory, door):
    context = context_factory()
    page = scanner(context, live_server, door)
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    context.set_offline(True)
    type_code(page, door["codes"][0])
    page.wait_for_selector("#result.ok.offline")
    page.reload()
    page.wait_for_selector("#scanner")
    page.wait_for_selector("#queue:not([hidden])")
    assert page.inner_text("#queue").startswith("1 ")
    page.wait_for_function("() => document.getElementById('pack-status').textContent.indexOf('5') >= 0")
    type_code(page, door["codes"][1])
    page.wait_for_selector("#result.ok.offline")
    assert page.inner_text("#result-name") == "李强"
    screenshot(page, "scanner-reloaded-offline")
    assert counts() == (0, 0)
    context.set_offline(False)
    wait_for_empty_queue(page)
    assert counts() == (2, 2)


def test_the_queue_survives_a_lost_session_and_the_login(live_server, context_factory, door):
    context = context_factory()
    page = scanner(context, live_server, door)
    context.set_offline(True)
    type_code(page, door["codes"][3])
    page.wait_for_selector("#result.offline")
    context.clear_cookies()                               # the session is gone (expired, or signed out elsewhere)
    context.set_offline(False)
    page.evaluate("window.eventopsScanner.flush()")
    page.wait_for_selector("#signin:not([hidden])")
    assert counts() == (0, 0)
    page.click("#signin-link")
    page.get_by_label("电子邮箱").fill(door["staff"].email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/scan")
    wait_for_empty_queue(page)
    assert counts() == (1, 1)


def test_search_admit_then_a_typed_scan_checks_in_the_second_person(live_server, context_factory, door):
    page = scanner(context_factory(), live_server, door)
    page.click("#search-box summary")
    page.fill("#search", "欧阳")
    button = page.locator("#search-results li button").first
    button.click()
    page.wait_for_selector("#result.ok")
    assert "欧阳钇媛" in page.inner_text("#result-name")
    page.wait_for_function("() => document.getElementById('search-results').textContent.indexOf('已签到') >= 0")
    # a hardware scanner types the next badge and presses Enter, wherever the focus is
    page.keyboard.type(door["codes"][1])
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.getElementById('result-name').textContent === '李强'")
    assert "ok" in page.get_attribute("#result", "class")
    db.session.expire_all()
    admitted = set(db.session.scalars(select(CheckIn.registration_id)).all())
    assert admitted == {door["people"][0].id, door["people"][1].id}
    page.wait_for_function("() => document.getElementById('gate-count').textContent.indexOf('2 @') === 0")


def test_signing_out_wipes_the_pack_and_keeps_the_queue(live_server, context_factory, door):
    context = context_factory()
    page = scanner(context, live_server, door)
    context.set_offline(True)
    type_code(page, door["codes"][0])
    page.wait_for_selector("#result.offline")
    context.set_offline(False)
    page.route("**/api/v1/events/*/checkins", lambda route: route.fulfill(status=503, body="busy"))
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/logout'] button")
    page.wait_for_url(f"{live_server}/")
    stored = page.evaluate("""() => new Promise(resolve => {
        const open = indexedDB.open('eventops-scanner');
        open.onsuccess = () => {
          const t = open.result.transaction(['pack', 'queue'], 'readonly');
          const packs = t.objectStore('pack').count(), queued = t.objectStore('queue').count();
          t.oncomplete = () => resolve([packs.result, queued.result]);
        };
      })""")
    assert stored == [0, 1]


def test_offline_a_person_checked_in_elsewhere_is_amber_and_the_answer_replaces_it(live_server, context_factory, door):
    """李强 came in at another gate before this scanner read its pack: offline, his badge is amber
    ("already checked in", not "scanned on this device"); when the network is back, the server's
    answer takes the provisional one's place on the screen."""
    _guest, li, *_rest = door["codes"]
    checkin.scan(door["event"], gate=checkin.gates_of(door["event"])[0], nonce=uuid.uuid4().hex, code=li)
    db.session.commit()
    context = context_factory()
    page = scanner(context, live_server, door)
    context.set_offline(True)
    type_code(page, li)
    page.wait_for_selector("#result.warn.offline")
    assert page.inner_text("#result-title") == "已签到" and page.inner_text("#result-name") == "李强"
    context.set_offline(False)
    wait_for_empty_queue(page)
    page.wait_for_selector("#result.warn:not(.offline)")
    assert "离线" not in page.inner_text("#result-flag")
    assert page.inner_text("#result-name") == "李强"
