"""What a walk through the demo as its users found (2026-12-02), each tried against a live server:
the back office's row buttons lead where they say, the no-show list downloads, and the public form
gives no category that only organizers may give."""
import csv
import io
import re

import pytest

from eventops.extensions import db
from eventops.registration import services as registrations
from eventops.registration.models import Registration

from ..factories import person
from .test_jobs import sign_in

pytestmark = pytest.mark.browser


def test_the_waitlist_button_of_the_list_moves_the_person(app, live_server, desktop, organizer, event):
    with app.test_request_context():
        event.capacity = 1
        registrations.register(event, person(1))
        waiting, _token = registrations.register(event, person(2))
        db.session.commit()
        assert waiting.status == "waitlisted"
        waiting_id = waiting.id
        event.capacity = 2  # a place freed; the organizer gives it by hand
        db.session.commit()
    sign_in(desktop, live_server, organizer, f"/manage/{event.slug}/registrations?status=waitlisted")
    action = desktop.locator("form[action$='/promote']").first.get_attribute("action")
    assert re.search(rf"/registrations/{waiting_id}/promote$", action), action
    desktop.locator("form[action$='/promote'] button").first.click()
    desktop.wait_for_load_state()
    assert "页面不存在" not in desktop.inner_text("body")
    with app.app_context():
        assert db.session.get(Registration, waiting_id).status == "approved"


def test_the_no_show_list_downloads(app, live_server, desktop, organizer, event):
    with app.test_request_context():
        for n in range(1, 4):
            registrations.register(event, person(n))
        db.session.commit()
    sign_in(desktop, live_server, organizer, f"/manage/{event.slug}/checkin")
    response = desktop.request.get(f"{live_server}/manage/{event.slug}/checkin/no-shows.csv")
    assert response.status == 200, response.text()[:300]
    rows = list(csv.reader(io.StringIO(response.body().decode("utf-8-sig"))))
    assert len(rows) == 4 and rows[1][0].startswith("张"), rows


def test_the_public_form_refuses_a_category_only_organizers_give(app, live_server, phone, event):
    phone.goto(f"{live_server}/e/{event.slug}/register")
    # what a hand-edited page would send: an option the form does not offer
    phone.evaluate("""() => { const s = document.querySelector("select[name='category']");
                              const o = document.createElement('option'); o.value = 'vip'; o.text = 'VIP';
                              s.appendChild(o); s.value = 'vip'; }""")
    phone.fill("input[name='name']", "王五")
    phone.fill("input[name='organisation']", "广东省人民医院")
    phone.fill("input[name='mobile']", "13900001111")
    phone.fill("input[name='email']", "wangwu@example.cn")
    phone.click("#submit-registration")
    phone.wait_for_load_state()
    with app.app_context():
        assert db.session.query(Registration).filter_by(email="wangwu@example.cn").count() == 0
    assert "请选择" in phone.inner_text("body")
