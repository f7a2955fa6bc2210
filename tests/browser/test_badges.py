"""The badges page in headless Chromium: a name with a character that no font has is listed before
the print, with the character's code point and a link to the person's page to correct it."""
import pytest

from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import person
from .conftest import screenshot
from .test_jobs import sign_in

pytestmark = pytest.mark.browser

EXT_G = "\U00030000"  # 𰀀, CJK Extension G: no installed font has it
JI = "\U00020BB7"     # 𠮷, CJK Extension B: the fallback font has it


def test_the_badges_page_lists_a_name_no_font_covers(app, live_server, desktop, organizer, event):
    with app.test_request_context():
        for n, name in enumerate(["王" + EXT_G + "明", "欧阳" + JI, "李强"], 1):
            registrations.register(event, person(n, name=name))
        db.session.commit()
    sign_in(desktop, live_server, organizer, f"/manage/{event.slug}/badges")
    listing = desktop.locator("#unprintable")
    assert listing.is_visible()
    assert "含字体缺字的姓名" in listing.inner_text() and "U+30000" in listing.inner_text()
    rows = listing.locator("tbody tr")
    assert rows.count() == 1 and "欧阳" + JI not in listing.inner_text()
    # the section fits the laptop's width: no sideways scrolling of the page
    assert desktop.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(desktop, "badges-unprintable")
    rows.first.get_by_role("link").click()
    desktop.wait_for_url("**/registrations/*")
    assert desktop.locator("input[name='name']").input_value() == "王" + EXT_G + "明"  # to correct it there


def test_an_attendee_named_with_ext_b_downloads_a_badge_that_prints_it(app, live_server, phone, event, tmp_path):
    """欧阳𠮷 on a phone: the personal page's badge link gives a PDF with 𠮷 embedded (the fallback
    font) and in the text layer."""
    import subprocess
    with app.test_request_context():
        _registration, token = registrations.register(event, person(7, name="欧阳" + JI))
        db.session.commit()
    phone.goto(f"{live_server}/r/{token}")
    assert "欧阳" + JI in phone.inner_text("body")
    with phone.expect_download() as download:
        phone.evaluate("document.getElementById('badge-pdf').setAttribute('download', 'badge.pdf')")
        phone.click("#badge-pdf")
    path = tmp_path / "badge.pdf"
    download.value.save_as(path)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "欧阳" + JI in text, text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "HanaMin" in fonts, fonts
