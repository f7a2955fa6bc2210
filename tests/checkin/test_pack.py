"""The gate pack: a keyed hash of each badge's code with the holder's status and name, nothing
more; deltas with what changed; one event's only; 30,000 badges in under 3 MB."""
import base64
import hashlib
import hmac
import json
import random
import secrets
import time
from datetime import timedelta

from sqlalchemy import insert, select

from eventops.badges import services as badges
from eventops.badges.codes import new_code
from eventops.badges.models import Badge
from eventops.checkin import pack
from eventops.checkin import services as checkin
from eventops.core.timeutil import freeze_now, now_utc
from eventops.demo import data as demo_data
from eventops.extensions import db
from eventops.organisations.models import Organisation
from eventops.registration import services as registrations
from eventops.registration.models import Registration

from ..factories import door_staff, login, make_event


def fetch(client, event, token=None, since=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(f"/api/v1/events/{event.slug}/checkins/pack" + (f"?since={since}" if since else ""),
                          headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    return response


def scanner_hash(key_b64, code):
    """What the scanner computes with WebCrypto: HMAC-SHA256 with the pack's key, first 12 bytes, base64url."""
    key = base64.urlsafe_b64decode(key_b64 + "=" * (-len(key_b64) % 4))
    return base64.urlsafe_b64encode(hmac.new(key, code.encode(), hashlib.sha256).digest()[:12]).rstrip(b"=").decode()


def test_the_pack_holds_hash_status_and_name_only(app, client, door, organizer):
    _device, token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
    db.session.commit()
    before = fetch(client, door["event"], token).get_json()
    waiting = {h: (status, name) for h, status, name in before["entries"]}[scanner_hash(before["key"], door["codes"]["waiting"])]
    assert waiting == ("p", "王芳")
    old_code = door["codes"]["guest"]
    new = badges.reissue(door["guest"], actor=organizer).code
    with app.test_request_context():
        registrations.cancel(door["other"])   # and 王芳 moves up from the waitlist
    db.session.commit()
    body = fetch(client, door["event"], token).get_json()
    assert body["full"] is True and body["hash_bytes"] == 12
    entries = {h: (status, name) for h, status, name in body["entries"]}
    assert all(len(entry) == 3 for entry in body["entries"])
    assert entries[scanner_hash(body["key"], new)] == ("a", "欧阳钇媛")
    assert entries[scanner_hash(body["key"], old_code)] == ("r", "欧阳钇媛")
    assert entries[scanner_hash(body["key"], door["codes"]["other"])] == ("c", "李强")
    assert entries[scanner_hash(body["key"], door["codes"]["waiting"])] == ("a", "王芳")
    assert len(entries) == 4
    raw = fetch(client, door["event"], token).get_data(as_text=True)
    for code in (new, old_code, door["codes"]["other"]):
        assert code not in raw                                          # never a code itself
    assert door["guest"].mobile not in raw and door["guest"].email not in raw


def test_a_delta_carries_what_changed(app, client, door, organizer):
    _device, token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
    db.session.commit()
    start = now_utc()
    try:
        freeze_now(start + timedelta(minutes=10))
        first = fetch(client, door["event"], token).get_json()
        freeze_now(start + timedelta(minutes=20))
        new = badges.reissue(door["guest"], actor=organizer).code
        db.session.commit()
        freeze_now(start + timedelta(minutes=21))
        delta = fetch(client, door["event"], token, since=first["as_of"]).get_json()
        assert delta["full"] is False and delta["key"] == first["key"]
        assert sorted(delta["entries"]) == sorted([[scanner_hash(first["key"], new), "a", "欧阳钇媛"],
                                                   [scanner_hash(first["key"], door["codes"]["guest"]), "r", "欧阳钇媛"]])
        freeze_now(start + timedelta(minutes=30))
        later = fetch(client, door["event"], token, since=delta["as_of"]).get_json()
        freeze_now(start + timedelta(minutes=40))
        assert fetch(client, door["event"], token, since=later["as_of"]).get_json()["entries"] == []
        # a copy too old, from the future or not a date at all: the whole pack
        for since in ["2000-01-01T00:00:00+00:00", (start + timedelta(days=9)).isoformat(), "nonsense"]:
            assert fetch(client, door["event"], token, since=since.replace("+", "%2B")).get_json()["full"] is True
    finally:
        freeze_now(None)


def test_staff_may_fetch_it_others_may_not(client, door, organizer):
    assert client.get(f"/api/v1/events/{door['event'].slug}/checkins/pack").status_code == 401
    other = make_event(organizer, slug="other-pack-event")
    login(client, door_staff(other, "other-door@example.cn"))
    assert client.get(f"/api/v1/events/{door['event'].slug}/checkins/pack").status_code == 403
    client.post("/logout")
    login(client, door["staff"])
    assert len(fetch(client, door["event"]).get_json()["entries"]) == 3


def test_another_event_has_another_key(app, door, organizer):
    other = make_event(organizer, slug="other-key-event")
    with app.test_request_context():
        assert pack.key_for(other) != pack.key_for(door["event"])


def _crowd(event, size, rng):
    """``size`` confirmed registrations with badges, written in bulk (the registration service one by
    one would take minutes)."""
    org = Organisation(name="广东省人民医院", name_key="广东省人民医院", org_type="hospital")
    db.session.add(org)
    db.session.flush()
    now = now_utc()
    rows = [dict(event_id=event.id, organisation_id=org.id, name=demo_data.person_name(rng), position="主任医师",
                 mobile=f"138{n:08d}", email=f"c{n}@example.cn", email_key=f"c{n}@example.cn", category="attendee",
                 tags=[], answers={}, status="approved", token_hash=secrets.token_hex(32), source="import", locale="zh",
                 created_at=now, updated_at=now, status_changed_at=now) for n in range(size)]
    for chunk in range(0, size, 5000):
        db.session.execute(insert(Registration), rows[chunk:chunk + 5000])
    ids = db.session.scalars(select(Registration.id).where(Registration.event_id == event.id)).all()
    db.session.execute(insert(Badge), [dict(event_id=event.id, registration_id=i, code=new_code(), issued_at=now)
                                       for i in ids])
    db.session.commit()


def test_a_pack_of_30000_badges_is_under_3_mb(app, client, organizer):
    event = make_event(organizer, slug="big-door")
    start = now_utc()
    try:
        freeze_now(start)
        _crowd(event, 30_000, random.Random(14))
        _device, token = checkin.issue_device(event, "东门闸机", actor=organizer)
        db.session.commit()
        freeze_now(start + timedelta(minutes=10))
        began = time.perf_counter()
        whole = fetch(client, event, token)
        full_seconds = time.perf_counter() - began
        body = json.loads(whole.data)
        assert len(body["entries"]) == 30_000
        assert len(whole.data) < 3 * 1024 * 1024, len(whole.data)
        hashes = {entry[0] for entry in body["entries"]}
        assert len(hashes) == 30_000                                   # no two badges share a hash
        freeze_now(start + timedelta(minutes=11))
        changed = db.session.scalars(select(Registration).where(Registration.event_id == event.id).limit(3)).all()
        with app.test_request_context():
            for registration in changed:
                registrations.cancel(registration)
        db.session.commit()
        freeze_now(start + timedelta(minutes=12))
        began = time.perf_counter()
        delta = fetch(client, event, token, since=body["as_of"].replace("+", "%2B"))
        delta_seconds = time.perf_counter() - began
    finally:
        freeze_now(None)
    entries = json.loads(delta.data)["entries"]
    assert json.loads(delta.data)["full"] is False and sorted(e[1] for e in entries) == ["c", "c", "c"]
    print(f"\npack of 30,000 badges: {len(whole.data):,} bytes in {full_seconds:.2f} s; "
          f"delta {len(delta.data):,} bytes in {delta_seconds:.3f} s")


def test_the_pack_says_who_is_checked_in_and_a_delta_follows_check_ins(app, client, door, organizer):
    """A person checked in (at any gate) is ``i`` in the pack, so that an offline scanner answers
    amber for them too; a delta carries each check-in since the last copy, however late its scan
    arrived (the scanner's moment), and an annulment."""
    import uuid
    _device, token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
    east = checkin.gates_of(door["event"])[0]
    db.session.commit()
    start = now_utc()
    try:
        freeze_now(start + timedelta(minutes=10))
        first = fetch(client, door["event"], token).get_json()
        guest_hash = scanner_hash(first["key"], door["codes"]["guest"])
        assert {h: s for h, s, _n in first["entries"]}[guest_hash] == "a"
        freeze_now(start + timedelta(minutes=20))
        # scanned offline at +5, arriving at +20: its moment is before the last copy (and its overlap)
        result = checkin.scan(door["event"], gate=east, nonce=uuid.uuid4().hex, code=door["codes"]["guest"],
                              scanned_at=start + timedelta(minutes=5), sent_at=start + timedelta(minutes=20))
        assert result.status == "ok"
        db.session.commit()
        delta = fetch(client, door["event"], token, since=first["as_of"]).get_json()
        assert delta["entries"] == [[guest_hash, "i", "欧阳钇媛"]]
        whole = fetch(client, door["event"], token).get_json()
        assert {h: s for h, s, _n in whole["entries"]}[guest_hash] == "i"
        freeze_now(start + timedelta(minutes=30))
        checkin.annul(result.check_in, actor=organizer, reason="误扫")
        db.session.commit()
        again = fetch(client, door["event"], token, since=delta["as_of"]).get_json()
        assert again["entries"] == [[guest_hash, "a", "欧阳钇媛"]]
    finally:
        freeze_now(None)
