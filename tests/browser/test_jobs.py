"""A job's page in headless Chromium with a real worker: the organizer asks for 10,000 badges, the
page's bar moves by itself, then the page shows the file, which downloads. And the outbox with a
failed mail, its attempts and the button to send it again."""
import pytest
from sqlalchemy import select

from eventops.core import mail
from eventops.core.models import MailAttempt, MailMessage
from eventops.core.timeutil import now_utc
from eventops.extensions import db

from ..factories import PASSWORD
from ..jobs.conftest import queue_config, start_worker  # noqa: F401  (fixture)
from ..jobs.helpers import confirmed_people
from .conftest import screenshot

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(redis_url):
    return queue_config(redis_url)


def sign_in(page, live_server, user, then):
    page.goto(f"{live_server}/login?next={then}")
    page.get_by_label("电子邮箱").fill(user.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**{then}")


def test_the_job_page_follows_a_badge_print_to_its_file(app, live_server, browser, organizer, event, start_worker):
    # enough badges for the print to run a few seconds (about 0.4 ms a badge), so that the page,
    # which asks every 0.7 s, sees the bar between the start and the end
    confirmed_people(event, 10000)
    start_worker()
    # bypass_csp: Playwright's own waiting code is evaluated in the page, which our CSP forbids
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", bypass_csp=True,
                                  accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    sign_in(page, live_server, organizer, f"/manage/{event.slug}/badges")
    page.get_by_role("button", name="生成胸卡").click()
    page.wait_for_url("**/jobs/*")
    url = page.url
    # the bar moves without a reload: some badges done, not all
    page.wait_for_function("(() => { const b = document.getElementById('job-progress');"
                           " return b.hasAttribute('value') && b.value > 0 && b.value < 100; })()")
    assert page.url == url and "由 organizer@example.cn" in page.inner_text("#job")
    screenshot(page, "job-running")
    # when the job ends, the page shows its result by itself
    page.wait_for_selector("#job-download")
    assert "10000 张胸卡已生成" in page.inner_text("#job-summary")
    screenshot(page, "job-done")
    with page.expect_download() as download:
        page.click("#job-download")
    assert download.value.suggested_filename == f"{event.slug}-badges.zip"
    page.goto(f"{live_server}/manage/{event.slug}/jobs/")
    assert "批量打印胸卡" in page.inner_text("#jobs") and "已完成" in page.inner_text("#jobs")
    screenshot(page, "jobs-list")
    context.close()


def test_the_outbox_shows_a_failed_mail_and_its_attempts(app, live_server, browser, organizer, event):
    message = mail.send_mail("li@example.cn", "[院企合作活动] 报名成功", "尊敬的李钇媛：\n\n个人链接：https://x/r/SECRETSECRET1234567\n",
                             event=event, secrets=["SECRETSECRET1234567"])
    db.session.flush()
    message.status, message.attempts, message.error = "failed", 5, "SMTPDataError: (451, b'4.3.0 try again later')"
    for n in range(1, 6):
        db.session.add(MailAttempt(message_id=message.id, number=n, started_at=now_utc(), finished_at=now_utc(),
                                   outcome="failed", error=message.error))
    db.session.commit()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, live_server, organizer, f"/manage/{event.slug}/outbox")
    assert "1 封邮件未能送达" in page.inner_text("#failed-mails")
    page.click(f"#mail-{message.id} summary")
    text = page.inner_text(f"#mail-{message.id}")
    assert "SECRETSECRET1234567" not in page.content() and "已隐藏" in text and "451" in text
    screenshot(page, "outbox-failed")
    context.close()
    assert db.session.scalar(select(MailMessage.status)) == "failed"


def test_an_organizer_writes_to_the_exhibitors(app, live_server, browser, organizer, event, start_worker):
    confirmed_people(event, 3, category="exhibitor")
    confirmed_people(event, 2, start=100)
    start_worker()
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(60_000)
    sign_in(page, live_server, organizer, f"/manage/{event.slug}/registrations")
    page.click("#write-to-registrants")
    page.get_by_label("展商").check()
    page.click("#count-recipients")
    assert "符合条件的有 3 人" in page.inner_text("#recipient-count")
    page.get_by_label("主题").fill("布展通知")
    page.get_by_label("消息内容").fill("请各展商于 5 月 23 日 14:00 前完成布展。")
    screenshot(page, "message-form")
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#send-message")
    page.wait_for_selector("#job-summary")
    assert "3 封邮件已进入发件箱" in page.inner_text("#job-summary")
    page.click("#job-next")
    page.wait_for_url("**/outbox")
    assert page.inner_text("body").count("布展通知") == 3
    context.close()
