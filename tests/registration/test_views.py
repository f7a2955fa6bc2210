"""The public registration pages through the test client."""
import re

from sqlalchemy import func, select

from eventops.core.mail import delivered_body
from eventops.core.models import MailMessage
from eventops.extensions import db
from eventops.registration.models import Registration

from ..factories import make_event, person
from .test_races import form_of


def token_from(response):
    match = re.search(r"/r/([A-Za-z0-9_\-]+)", response.headers["Location"])
    return match.group(1)


def test_register_shows_confirmation_and_personal_link(client, event):
    page = client.get(f"/e/{event.slug}/register")
    assert page.status_code == 200
    assert "报名" in page.get_data(as_text=True)  # Chinese first
    response = client.post(f"/e/{event.slug}/register", data=form_of(person(1, name="欧阳钇媛")))
    assert response.status_code == 302
    token = token_from(response)
    confirmation = client.get(response.headers["Location"])
    html = confirmation.get_data(as_text=True)
    assert "欧阳钇媛" in html and 'id="confirmation"' in html
    assert confirmation.headers["Referrer-Policy"] == "no-referrer"
    assert confirmation.headers["Cache-Control"] == "no-store"
    mail = db.session.scalar(select(MailMessage))
    assert token in delivered_body(mail) and token not in mail.body


def test_html_in_a_name_is_shown_as_text(client, event):
    response = client.post(f"/e/{event.slug}/register",
                           data=form_of(person(1, name="<script>alert(1)</script>")))
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_bad_input_is_explained_and_nothing_is_saved(client, event):
    response = client.post(f"/e/{event.slug}/register",
                           data=form_of(person(1, mobile="123", email="nope")))
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'class="error"' in html
    assert 'value="nope"' in html  # what was typed is kept for correcting
    assert db.session.scalar(select(Registration)) is None


def test_english_switch(client, event):
    client.get("/lang/en?next=/")
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert "Submit registration" in html


def test_personal_page_edit_and_cancel(client, event):
    token = token_from(client.post(f"/e/{event.slug}/register", data=form_of(person(1))))
    edit = client.post(f"/r/{token}/edit", data=form_of(person(1, name="新名字", position="院长")))
    assert edit.status_code == 302
    assert "新名字" in client.get(f"/r/{token}").get_data(as_text=True)
    client.post(f"/r/{token}/cancel")
    registration = db.session.scalar(select(Registration))
    db.session.refresh(registration)
    assert registration.status == "cancelled"
    assert client.get(f"/r/{token}/edit").status_code == 302


def test_unknown_or_malformed_tokens_are_404(client):
    for token in ["nope", "x" * 500, "..%2F..%2Fetc"]:
        assert client.get(f"/r/{token}").status_code == 404
    assert client.get("/r/%00").status_code == 400  # control characters: refused on every route


def test_a_second_registration_is_refused_without_saying_what_matched(client, event):
    client.post(f"/e/{event.slug}/register", data=form_of(person(1)))
    pages = []
    for data in (person(2, mobile="13900000001"), person(3, email="P1@example.cn")):
        again = client.post(f"/e/{event.slug}/register", data=form_of(data))
        assert again.status_code == 409
        pages.append(again.get_data(as_text=True))
    for html in pages:
        assert 'id="duplicate-offer"' in html
        assert "已被报名" not in html and "already registered" not in html
        assert "p1@example.cn" not in html  # the registered address is never shown
    # the offer mails the link to the registration's own address, not to the one typed
    html = pages[0]
    mobile = re.search(r'name="resend-mobile" value="([^"]*)"', html).group(1)
    email = re.search(r'name="resend-email" value="([^"]*)"', html).group(1)
    assert (mobile, email) == ("13900000001", "p2@example.cn")
    response = client.post(f"/e/{event.slug}/resend", data={"resend-email": email, "resend-mobile": mobile})
    assert response.status_code == 302
    sent = db.session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
    assert [m.to_address for m in sent] == ["p1@example.cn", "p1@example.cn"]
    assert db.session.scalar(select(func.count()).select_from(Registration)) == 1


def test_malformed_requests_never_give_500(client, event):
    slug = event.slug
    bad_posts = [
        {}, {"name": "x" * 10_000}, {"category": "admin"}, {"org_type": "\x00"}, {"tags": ["不存在"]},
        {"mobile": "１３８００１３８０００" * 10, "email": "@" * 300},
    ]
    for data in bad_posts:
        assert client.post(f"/e/{slug}/register", data=data).status_code in (200, 400)
    assert client.get("/e/no-such-event/register").status_code == 404
    assert client.post(f"/e/{slug}/register", data=b"\xff\xfe garbage",
                       content_type="application/x-www-form-urlencoded").status_code in (200, 400)
    assert client.post(f"/e/{slug}/resend", data={"resend-email": "x"}).status_code == 302
    assert client.post(f"/e/{slug}/resend", data={"resend-email": "\x00", "resend-mobile": "１" * 500}).status_code == 400
    assert client.post(f"/e/{slug}/resend", data={"resend-email": "x", "resend-mobile": "１" * 500}).status_code == 302


def test_closed_registration_page(client, organizer):
    from datetime import datetime, timedelta, timezone
    now = datetime.now(timezone.utc)
    event = make_event(organizer, registration_opens_at=now - timedelta(days=3),
                       registration_closes_at=now - timedelta(days=1))
    html = client.get(f"/e/{event.slug}/register").get_data(as_text=True)
    assert 'id="register-form"' not in html
    response = client.post(f"/e/{event.slug}/register", data=form_of(person(1)))
    assert db.session.scalar(select(Registration)) is None
    assert response.status_code == 200
