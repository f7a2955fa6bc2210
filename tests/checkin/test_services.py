import pytest
from sqlalchemy import func, select, text

from eventops.badges import services as badges
from eventops.badges.codes import ALPHABET, LENGTH, new_code, parse, payload
from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn, Scan
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import make_event, person

_n = iter(range(10**6))


def scan(door, code=None, gate=0, nonce=None, **kw):
    result = checkin.scan(door["event"], gate=door["gates"][gate], nonce=nonce or f"nonce-{next(_n):08d}",
                          code=code, user=door["staff"], **kw)
    db.session.commit()
    return result


def test_codes_are_long_random_and_unambiguous():
    codes = {new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == LENGTH and set(c) <= set(ALPHABET) for c in codes)
    assert not set("01OIL") & set(ALPHABET)
    assert LENGTH * __import__("math").log2(len(ALPHABET)) >= 128
    code = new_code()
    assert parse(payload(code)) == code
    assert parse(f"eo1:{code.lower()}") == code
    assert parse(" ".join([code[:5], code[5:13], code[13:]])) == code
    for bad in ["", "EO2:" + code, "EO1:" + code[:-1], code + "A", "EO1:" + code[:-1] + "0", "钇" * 26, "x" * 5000, None, 42]:
        assert parse(bad) is None


def test_admitted_once_then_already_checked_in(door):
    first = scan(door, payload(door["codes"]["guest"]), gate=0)
    assert first.status == "ok" and first.http_status == 200
    assert first.registration.name == "欧阳钇媛"
    second = scan(door, door["codes"]["guest"], gate=1)
    assert second.status == "already_checked_in" and second.http_status == 409
    assert second.check_in.gate.name == "东门"
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 2


@pytest.mark.parametrize("presented", [
    "EO1:" + "A" * 26, "garbage", "", "EO1:", "'; DROP TABLE scans; --", "钇媛" * 100, "x" * 10_000, "\x00\x01",
])
def test_bad_codes_admit_nobody(door, presented):
    result = scan(door, presented)
    assert result.status == "invalid" and result.registration is None
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == 0
    assert len(result.scan.presented) <= 64


def test_tampered_code_is_invalid(door):
    code = door["codes"]["guest"]
    tampered = code[:-1] + ("A" if code[-1] != "A" else "B")
    assert scan(door, tampered).status == "invalid"


def test_not_approved_cancelled_revoked_and_wrong_event(app, door, organizer):
    assert scan(door, door["codes"]["waiting"]).status == "not_approved"
    with app.test_request_context():
        registrations.cancel(door["other"])
        db.session.commit()
    assert scan(door, door["codes"]["other"]).status in ("cancelled",)
    old = door["codes"]["guest"]
    new = badges.reissue(door["guest"], actor=organizer).code
    db.session.commit()
    assert scan(door, old).status == "revoked"
    assert scan(door, new).status == "ok"
    other_event = make_event(organizer, slug="another-event")
    with app.test_request_context():
        stranger, _ = registrations.register(other_event, person(50))
        code = badges.badge_for(stranger).code
        db.session.commit()
    assert scan(door, code).status == "wrong_event"


def test_a_retried_nonce_changes_nothing_and_gets_the_same_answer(door):
    first = scan(door, door["codes"]["guest"], nonce="retry-nonce-0001")
    again = scan(door, door["codes"]["guest"], nonce="retry-nonce-0001")
    assert (first.status, again.status) == ("ok", "ok") and again.replayed
    assert again.scan.id == first.scan.id
    assert db.session.scalar(select(func.count()).select_from(Scan)) == 1


def test_annulled_check_in_can_be_scanned_again_and_stays_recorded(door, organizer):
    first = scan(door, door["codes"]["guest"])
    checkin.annul(first.check_in, actor=organizer, reason="扫错人")
    db.session.commit()
    assert scan(door, door["codes"]["guest"]).status == "ok"
    rows = db.session.scalars(select(CheckIn).order_by(CheckIn.id)).all()
    assert len(rows) == 2 and rows[0].annulled_at is not None and rows[0].annul_reason == "扫错人"


def test_check_in_by_person_for_the_search_fallback(door):
    assert scan(door, registration_id=door["guest"].id).status == "ok"
    assert scan(door, registration_id=999_999).status == "invalid"


def test_scans_are_append_only(door):
    scan(door, door["codes"]["guest"])
    for statement in ["UPDATE scans SET status = 'invalid'", "DELETE FROM scans"]:
        with pytest.raises(Exception) as exc:
            db.session.execute(text(statement))
            db.session.flush()
        assert "append-only" in str(exc.value)
        db.session.rollback()


def test_device_tokens(door, organizer):
    device, token = checkin.issue_device(door["event"], "东门闸机1", actor=organizer)
    db.session.commit()
    assert checkin.device_for_token(token).id == device.id
    assert device.token_hash != token
    checkin.revoke_device(door["event"], device, actor=organizer)
    db.session.commit()
    assert checkin.device_for_token(token) is None
    assert checkin.device_for_token("eod_" + "x" * 43) is None
