"""The corridor map and the directory in headless Chromium, as a visitor uses them."""
import re

import pytest

from eventops.extensions import db
from eventops.exhibitors import services

from ..exhibitors.conftest import showcase  # noqa: F401  (the fixture)
from .conftest import screenshot

pytestmark = pytest.mark.browser


def test_map_booth_to_profile_and_chinese_search(live_server, phone, showcase, organizer):  # noqa: F811
    event = showcase["event"]
    services.assign_booth(event, showcase["booths"][0].id, showcase["profiles"]["广东省中医院"].id, actor=organizer)
    services.assign_booth(event, showcase["booths"][2].id, showcase["profiles"]["广州诺和核医药科技有限公司"].id,
                          actor=organizer)
    db.session.commit()
    page = phone
    page.goto(f"{live_server}/e/{event.slug}/corridor")
    assert page.locator("#corridor-map").is_visible()
    screenshot(page, "corridor-phone")
    page.locator('a[data-booth="H01"]').click()
    page.wait_for_url(re.compile(r"/exhibitors/\d+$"))
    assert page.inner_text("h1") == "广东省中医院"
    assert page.inner_text("#booth-code") == "H01"
    assert page.locator("#booth-H01.mine").count() == 1  # its booth is marked on the small map

    page.get_by_role("link", name="参展单位").first.click()
    page.get_by_placeholder(re.compile("搜索")).fill("核医药")
    page.get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"q=%E6%A0%B8"))
    results = page.locator("#directory-results article")
    names = sorted(results.all_inner_texts())
    assert len(names) == 2 and any("广州诺和核医药科技有限公司" in n for n in names)
    assert all("广州医药集团有限公司" not in n for n in names)  # not published
    screenshot(page, "directory-search-phone")
