"""The organizer's CSV import in headless Chromium: upload a spreadsheet whose column for a custom
question has a title of its own, map that column to the question, check again, see the forecast
and the refused value quoted, import with the personal links mailed."""
import re

import pytest
from sqlalchemy import select

from eventops.core.models import MailMessage
from eventops.events import services as events
from eventops.extensions import db
from eventops.registration.models import Registration

from ..factories import PASSWORD, make_event
from .conftest import screenshot

pytestmark = pytest.mark.browser

CSV = ("姓名,单位,手机,邮箱,类别,意向说明\n"
       "李钇媛,广东省人民医院,13800000001,li@example.cn,参会者,投融资\n"
       "王强,广州医药集团有限公司,13800000002,wang@example.cn,展商,Technology transfer\n"
       "赵四,某公司,13800000003,zhao@example.cn,参会者,技术合作\n")


def test_an_organizer_maps_a_question_column_and_imports(app, live_server, desktop, organizer):
    event = make_event(organizer, requires_approval=True)
    question = events.add_question(event, label_zh="合作意向", label_en="Cooperation", kind="choice",
                                   options=["成果转化 | Technology transfer", "投融资 | Investment"], actor=organizer)
    db.session.commit()
    page = desktop
    page.goto(f"{live_server}/login?next=/manage/{event.slug}/import")
    page.get_by_label("电子邮箱").fill(organizer.email)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"**/manage/{event.slug}/import")
    page.set_input_files("input[type=file]", files=[{"name": "名单.csv", "mimeType": "text/csv",
                                                     "buffer": CSV.encode("gbk")}])
    page.locator("form[enctype] button.primary").click()
    page.wait_for_url(re.compile(r"/import/\d+$"))

    # the question is offered as a target; its column has a title of its own, so not guessed
    select_box = page.locator(f"#map_q_{question.id}")
    assert select_box.input_value() == ""
    assert "报名表中的问题" in page.inner_text("#mapping-form")
    select_box.select_option(label="意向说明")
    page.get_by_role("button", name="重新检查").click()
    page.wait_for_selector("#import-forecast")
    assert page.locator(f"#map_q_{question.id}").input_value() == "5"
    # the forecast: the event requires approval, so two await review; the third row is refused,
    # its value quoted
    assert page.inner_text("#forecast-pending").startswith("2")
    assert page.inner_text("#forecast-confirmed").startswith("0")
    assert page.inner_text("#forecast-rejected").startswith("1")
    assert "合作意向：“技术合作”不是可选项之一" in page.inner_text("#rejected")
    page.get_by_label("向每位导入的人发送其个人专属链接").check()
    screenshot(page, "import-preview-question")
    page.locator("#run-import").click()
    page.wait_for_url(re.compile(r"/jobs/\d+$"))
    assert "已导入 2 人" in page.inner_text("#job-summary")

    people = {r.name: r for r in db.session.scalars(select(Registration))}
    assert set(people) == {"李钇媛", "王强"}
    assert people["李钇媛"].answers == {str(question.id): "投融资"}
    assert people["王强"].answers == {str(question.id): "成果转化"}
    assert {r.status for r in people.values()} == {"pending"}
    mails = db.session.scalars(select(MailMessage)).all()
    assert sorted(m.to_address for m in mails) == ["li@example.cn", "wang@example.cn"]
    page.goto(f"{live_server}/manage/{event.slug}/registrations")
    assert "李钇媛" in page.inner_text("#registrations")

    # later, from the list: every row of the page ticked at once, the links sent again
    page.get_by_label("勾选本页所有行").check()
    assert page.locator('input[name="ids"]:checked').count() == 2
    screenshot(page, "import-done-list")
    page.locator("#send-links-selected").click()
    assert "2" in page.inner_text("#links-count")
    page.locator("#send-links-go").click()
    page.wait_for_url(re.compile(r"/registrations(\?.*)?$"))
    assert "2 个个人链接已进入发件箱" in page.content()
    db.session.expire_all()
    assert len(db.session.scalars(select(MailMessage)).all()) == 4
