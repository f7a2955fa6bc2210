"""Failed sign-ins: guessing stops, and a stranger cannot lock the owner out; unknown and known
accounts cost the same work."""
import pytest

from eventops.accounts import models, services
from eventops.accounts.views import DEVICE_COOKIE
from eventops.extensions import db

from ..factories import PASSWORD, make_user

LIMITS = {"RATELIMIT_ENABLED": True, "LOGIN_LIMIT_PER_ACCOUNT": "3 per 15 minutes",
          "LOGIN_LIMIT_PER_ACCOUNT_CEILING": "8 per hour", "LOGIN_LIMIT_PER_ADDRESS": "10 per 15 minutes"}


def attempt(app, email, password, address, cookies=None):
    client = app.test_client()
    if cookies:
        for name, value in cookies.items():
            client.set_cookie(name, value)
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def device_cookie(response):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(DEVICE_COOKIE + "="):
            return {DEVICE_COOKIE: header.split(";")[0].split("=", 1)[1]}
    raise AssertionError("no device cookie")


def test_unknown_and_known_accounts_cost_the_same_hash(app, organizer, monkeypatch):
    methods = []
    real = models.check_password_hash

    def recording(pwhash, password):
        methods.append(pwhash.rsplit("$", 2)[0])  # method and its cost parameters
        return real(pwhash, password)

    monkeypatch.setattr(models, "check_password_hash", recording)
    inactive = make_user("gone@example.cn")
    inactive.active = False
    db.session.commit()
    assert services.authenticate(organizer.email, "wrong password") is None
    assert services.authenticate("nobody@example.cn", "wrong password") is None
    assert services.authenticate(inactive.email, PASSWORD) is None
    assert services.authenticate(organizer.email, PASSWORD) is not None
    assert len(methods) == 4 and len(set(methods)) == 1, methods


class TestLimits:
    @pytest.fixture
    def app_config(self):
        return LIMITS

    def test_one_guesser_is_stopped_and_the_owner_elsewhere_is_not(self, app, organizer):
        for _ in range(3):
            assert attempt(app, organizer.email, "guess", "203.0.113.7").status_code == 401
        assert attempt(app, organizer.email, PASSWORD, "203.0.113.7").status_code == 429
        assert attempt(app, organizer.email, "guess", "203.0.113.7").status_code == 429
        # the owner, at another address, is not locked out by the guesser
        assert attempt(app, organizer.email, PASSWORD, "198.51.100.20").status_code == 302

    def test_guessing_from_many_addresses_meets_the_accounts_ceiling(self, app, organizer):
        known = device_cookie(attempt(app, organizer.email, PASSWORD, "198.51.100.20"))
        for n in range(8):  # two guesses from each of four addresses: under each address's count
            assert attempt(app, organizer.email, "guess", f"203.0.113.{n // 2}").status_code == 401
        assert attempt(app, organizer.email, "guess", "203.0.113.99").status_code == 429
        assert attempt(app, organizer.email, PASSWORD, "192.0.2.1").status_code == 429  # a new device
        # the owner's own browser still signs in, from any address
        assert attempt(app, organizer.email, PASSWORD, "192.0.2.1", cookies=known).status_code == 302
        # and the ceiling belongs to that account only
        other = make_user("other@example.cn")
        assert attempt(app, other.email, PASSWORD, "203.0.113.99").status_code == 302

    def test_a_known_device_still_has_its_own_limit(self, app, organizer):
        known = device_cookie(attempt(app, organizer.email, PASSWORD, "198.51.100.20"))
        for _ in range(3):
            assert attempt(app, organizer.email, "guess", "198.51.100.20", cookies=known).status_code == 401
        assert attempt(app, organizer.email, PASSWORD, "198.51.100.20", cookies=known).status_code == 429

    def test_a_forged_or_foreign_device_cookie_counts_for_nothing(self, app, organizer):
        other = make_user("other@example.cn")
        theirs = device_cookie(attempt(app, other.email, PASSWORD, "198.51.100.30"))
        forged = {DEVICE_COOKIE: theirs[DEVICE_COOKIE][:-4] + "AAAA"}
        for n in range(8):
            assert attempt(app, organizer.email, "guess", f"203.0.113.{n // 2}", cookies=theirs).status_code == 401
        assert attempt(app, organizer.email, PASSWORD, "203.0.113.50", cookies=theirs).status_code == 429
        assert attempt(app, organizer.email, PASSWORD, "203.0.113.51", cookies=forged).status_code == 429

    def test_one_address_trying_many_accounts_is_stopped(self, app, organizer):
        for n in range(10):
            assert attempt(app, f"nobody{n}@example.cn", "guess", "203.0.113.7").status_code == 401
        assert attempt(app, organizer.email, PASSWORD, "203.0.113.7").status_code == 429

    def test_a_known_device_behind_a_busy_address_signs_in(self, app, organizer):
        """The venue's one public address: strangers' failures there do not stop door staff's phones."""
        known = device_cookie(attempt(app, organizer.email, PASSWORD, "203.0.113.7"))
        for n in range(10):
            attempt(app, f"nobody{n}@example.cn", "guess", "203.0.113.7")
        assert attempt(app, organizer.email, PASSWORD, "203.0.113.7", cookies=known).status_code == 302

    def test_the_password_link_makes_the_browser_known(self, app, organizer):
        from sqlalchemy import select

        from eventops.core.mail import delivered_body
        from eventops.core.models import MailMessage
        for n in range(8):
            attempt(app, organizer.email, "guess", f"203.0.113.{n // 2}")
        assert attempt(app, organizer.email, PASSWORD, "192.0.2.1").status_code == 429
        client = app.test_client()
        client.post("/password/forgot", data={"email": organizer.email}, environ_base={"REMOTE_ADDR": "192.0.2.1"})
        message = db.session.scalar(select(MailMessage).where(MailMessage.to_address == organizer.email))
        link = next(word for word in delivered_body(message).split() if "/password/reset/" in word)  # as mailed
        path = link[link.index("/password/reset/"):]
        new = "a brand new long password"
        response = client.post(path, data={"password": new, "confirm": new}, environ_base={"REMOTE_ADDR": "192.0.2.1"})
        assert response.status_code == 302
        assert client.post("/login", data={"email": organizer.email, "password": new},
                           environ_base={"REMOTE_ADDR": "192.0.2.1"}).status_code == 302

    def test_successful_sign_ins_do_not_count(self, app, organizer):
        for _ in range(12):
            assert attempt(app, organizer.email, PASSWORD, "203.0.113.7").status_code == 302
