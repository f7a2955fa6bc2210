import pytest

from eventops.config import Config
from eventops.extensions import db

from ..factories import PASSWORD, login, make_user


def test_login_and_logout(client, organizer):
    response = login(client, organizer)
    assert response.headers["Location"] == "/home"
    assert client.get("/manage/").status_code == 200
    client.post("/logout")
    assert client.get("/manage/").status_code == 302


def test_wrong_password_is_refused(client, organizer):
    response = client.post("/login", data={"email": organizer.email, "password": "wrong password"})
    assert response.status_code == 401
    assert client.get("/manage/").status_code == 302


def test_passwords_are_hashed(organizer):
    assert PASSWORD not in organizer.password_hash
    assert organizer.password_hash.startswith(("scrypt:", "pbkdf2:"))


def test_session_is_renewed_at_login(client, organizer):
    with client.session_transaction() as s:
        s["planted"] = "by an attacker"
    login(client, organizer)
    with client.session_transaction() as s:
        assert "planted" not in s


def test_logout_ends_copies_of_the_session(app, organizer):
    first = app.test_client()
    login(first, organizer)
    stolen = app.test_client()
    stolen._cookies = dict(first._cookies)  # a copy of the session cookie
    assert stolen.get("/manage/").status_code == 200
    first.post("/logout")
    db.session.expire_all()
    assert stolen.get("/manage/").status_code == 302


def test_open_redirects_are_ignored(client, organizer):
    response = client.post("/login?next=https://evil.example/", data={"email": organizer.email, "password": PASSWORD})
    assert response.headers["Location"] == "/home"


def test_production_cookies_are_secure():
    assert Config.SESSION_COOKIE_SECURE and Config.SESSION_COOKIE_HTTPONLY
    assert Config.SESSION_COOKIE_SAMESITE == "Lax"
    assert Config.REMEMBER_COOKIE_SECURE and Config.REMEMBER_COOKIE_HTTPONLY


class TestWithLimiter:
    @pytest.fixture
    def app_config(self):
        return {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
                "LOGIN_LIMIT_PER_ADDRESS": "6 per 15 minutes"}

    def test_failed_logins_are_limited_per_account(self, client, organizer):
        for _ in range(3):
            assert client.post("/login", data={"email": organizer.email, "password": "bad"}).status_code == 401
        blocked = client.post("/login", data={"email": organizer.email, "password": PASSWORD})
        assert blocked.status_code == 429
        other = make_user("other@example.cn")
        assert client.post("/login", data={"email": other.email, "password": PASSWORD}).status_code == 302

    def test_failed_logins_are_limited_per_address(self, client, organizer):
        for n in range(6):
            client.post("/login", data={"email": f"nobody{n}@example.cn", "password": "bad"})
        assert client.post("/login", data={"email": organizer.email, "password": PASSWORD}).status_code == 429


class TestWithCsrf:
    @pytest.fixture
    def app_config(self):
        return {"WTF_CSRF_ENABLED": True}

    def test_forms_without_token_are_refused(self, client, organizer, event):
        response = client.post("/login", data={"email": organizer.email, "password": PASSWORD})
        assert response.status_code == 400
        response = client.post(f"/e/{event.slug}/register", data={"name": "x"})
        assert response.status_code == 400
        assert "过期" in response.get_data(as_text=True) or "expired" in response.get_data(as_text=True)


def test_password_reset_link_works_once(app, client, organizer):
    from sqlalchemy import select

    from eventops.core.mail import delivered_body
    from eventops.core.models import MailMessage
    client.post("/password/forgot", data={"email": organizer.email})
    client.post("/password/forgot", data={"email": "nobody@example.cn"})
    mails = db.session.scalars(select(MailMessage)).all()
    assert [m.to_address for m in mails] == [organizer.email]
    assert "/password/reset/⟪secret:0⟫" in mails[0].body  # the outbox never holds the link (core.mail)
    link = next(line for line in delivered_body(mails[0]).split() if "/password/reset/" in line)
    path = link[link.index("/password/reset/"):]
    assert client.post(path, data={"password": "short", "confirm": "short"}).status_code == 400
    response = client.post(path, data={"password": "a new long password", "confirm": "a new long password"})
    assert response.status_code == 302
    login(client, organizer, password="a new long password")
    again = client.post(path, data={"password": "another long password", "confirm": "another long password"})
    assert "/password/forgot" in again.headers["Location"]


def test_organizer_invites_new_door_staff(app, client, organizer, event):
    from sqlalchemy import select

    from eventops.accounts.models import EventRole, User
    from eventops.core.models import MailMessage
    login(client, organizer)
    response = client.post(f"/manage/{event.slug}/team", data={"email": "New.Door@example.cn", "role": "door_staff"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "new.door@example.cn"))
    assert db.session.scalar(select(EventRole).where(EventRole.user_id == user.id)).role == "door_staff"
    mail = db.session.scalar(select(MailMessage).where(MailMessage.to_address == user.email))
    assert "/password/reset/" in mail.body and "/password/reset/⟪secret:0⟫" in mail.body
