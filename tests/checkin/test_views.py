import csv
import io
import uuid
from datetime import datetime, timedelta, timezone

from sqlalchemy import select

from eventops.badges import services as badges
from eventops.checkin import services as checkin
from eventops.checkin import stats
from eventops.checkin.models import CheckIn, Device
from eventops.core.timeutil import freeze_now, to_zone
from eventops.events.models import Event
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import login, make_event, person


def test_live_numbers_page_and_no_shows(client, door, organizer):
    result = checkin.scan(door["event"], gate=door["gates"][0], nonce=uuid.uuid4().hex, code=door["codes"]["guest"])
    db.session.commit()
    login(client, organizer)
    page = client.get(f"/manage/{door['event'].slug}/checkin?no_shows=1")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<span class="n" id="arrived">1</span>' in html
    assert "<svg" in html and "李强" in html          # the chart, and the one confirmed no-show
    rows = list(csv.reader(io.StringIO(client.get(f"/manage/{door['event'].slug}/checkin/no-shows.csv").data.decode("utf-8-sig"))))
    assert [r[0] for r in rows[1:]] == ["李强"]
    # annul from the person's page: recorded, not deleted
    response = client.post(f"/manage/{door['event'].slug}/checkin/{result.check_in.id}/annul", data={"reason": "误扫"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(CheckIn, result.check_in.id).annulled_at is not None
    assert "误扫" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_organizer_manages_gates_and_devices(client, door, organizer):
    login(client, organizer)
    slug = door["event"].slug
    client.post(f"/manage/{slug}/checkin/gates", data={"name": "贵宾通道"})
    assert [g.name for g in checkin.gates_of(door["event"])] == ["东门", "南门", "贵宾通道"]
    issued = client.post(f"/manage/{slug}/checkin/devices", data={"name": "东门闸机1"})
    assert issued.status_code == 200 and issued.headers["Cache-Control"] == "no-store"
    token = issued.get_data(as_text=True).split('id="new-token">')[1].split("<")[0]
    assert checkin.device_for_token(token) is not None
    # shown once, in that answer; kept nowhere: not in the (signed, readable) session cookie
    cookie = client.get_cookie("session")
    assert cookie is not None and not contains_token(cookie.value, token)
    assert 'id="new-token"' not in client.get(f"/manage/{slug}/checkin").get_data(as_text=True)


def contains_token(cookie_value, token):
    """Whether a Flask session cookie (base64 of possibly compressed JSON) holds the token."""
    import base64
    import zlib
    payload = cookie_value.lstrip(".").split(".")[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    if cookie_value.startswith("."):
        raw = zlib.decompress(raw)
    return token in raw.decode("utf-8", "replace") or token in cookie_value


def test_door_staff_cannot_manage_check_in(client, door):
    login(client, door["staff"])
    slug = door["event"].slug
    assert client.get(f"/manage/{slug}/scan").status_code == 200
    for url in [f"/manage/{slug}/checkin", f"/manage/{slug}/checkin/no-shows.csv", f"/manage/{slug}/badges"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/manage/{slug}/badges/print").status_code == 403


def test_live_numbers_refresh_with_an_etag(client, door, organizer):
    login(client, organizer)
    slug = door["event"].slug
    page = client.get(f"/manage/{slug}/checkin").get_data(as_text=True)
    first = client.get(f"/manage/{slug}/checkin/live")
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.headers["ETag"].strip('"') in page.split('data-etag="')[1].split(" ")[0]   # the page knows it
    unchanged = client.get(f"/manage/{slug}/checkin/live", headers={"If-None-Match": first.headers["ETag"]})
    assert unchanged.status_code == 304 and unchanged.data == b""
    checkin.scan(door["event"], gate=door["gates"][0], nonce=uuid.uuid4().hex, code=door["codes"]["guest"])
    db.session.commit()
    changed = client.get(f"/manage/{slug}/checkin/live", headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    assert '<span class="n" id="arrived">1</span>' in changed.get_data(as_text=True)
    client.post(f"/manage/{slug}/checkin/{db.session.scalar(select(CheckIn.id))}/annul", data={"reason": "误扫"})
    annulled = client.get(f"/manage/{slug}/checkin/live", headers={"If-None-Match": changed.headers["ETag"]})
    assert annulled.status_code == 200 and '<span class="n" id="arrived">0</span>' in annulled.get_data(as_text=True)
    client.post("/logout")
    login(client, door["staff"])
    assert client.get(f"/manage/{slug}/checkin/live").status_code == 403


def test_the_chart_has_a_fixed_number_of_dated_buckets(app, client, organizer):
    china = timezone(timedelta(hours=8))
    yesterday = datetime.now(china).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    event = make_event(organizer, starts_at=yesterday + timedelta(hours=9), ends_at=yesterday + timedelta(days=3, hours=17))
    with app.test_request_context():
        people = [registrations.register(event, person(300 + n))[0] for n in range(5)]
        codes = [badges.badge_for(p).code for p in people]
        gate = checkin.add_gate(event, "东门", actor=organizer)
        db.session.commit()
    try:
        for n, code in enumerate(codes):
            freeze_now(yesterday + timedelta(hours=10 + 6 * n))
            checkin.scan(event, gate=gate, nonce=uuid.uuid4().hex, code=code)
            db.session.commit()
    finally:
        freeze_now(None)
    arrivals = stats.arrivals(event)
    assert len(arrivals.counts) <= stats.MAX_BUCKETS and arrivals.total == 5
    assert arrivals.size == timedelta(hours=1)
    opens, closes = checkin.window(event)
    assert arrivals.start == opens and arrivals.start + arrivals.size * len(arrivals.counts) >= closes
    login(client, organizer)
    html = client.get(f"/manage/{event.slug}/checkin").get_data(as_text=True)
    bars = int(html.split('data-bars="')[1].split('"')[0])
    assert bars == len(arrivals.counts) and html.count('<rect class="bar"') == bars
    first_day = to_zone(opens, event.timezone).strftime("%m-%d")
    assert f">{first_day}</text>" in html


def test_the_window_is_edited_on_the_check_in_page(client, door, organizer):
    login(client, organizer)
    slug = door["event"].slug
    response = client.post(f"/manage/{slug}/checkin/window",
                           data={"checkin_opens_at": "2030-05-24T07:00", "checkin_closes_at": "2030-05-24T18:30"})
    assert response.status_code == 302
    db.session.expire_all()
    event = db.session.get(Event, door["event"].id)
    assert to_zone(event.checkin_opens_at, "Asia/Shanghai").strftime("%Y-%m-%d %H:%M") == "2030-05-24 07:00"
    bad = client.post(f"/manage/{slug}/checkin/window",
                      data={"checkin_opens_at": "2030-05-24T19:00", "checkin_closes_at": "2030-05-24T18:30"})
    assert bad.status_code == 400 and 'class="error"' in bad.get_data(as_text=True)
    half = client.post(f"/manage/{slug}/checkin/window", data={"checkin_opens_at": "2030-05-24T19:00"})
    assert half.status_code == 400
    assert client.post(f"/manage/{slug}/checkin/window", data={}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Event, door["event"].id).checkin_opens_at is None


def test_test_mode_is_switched_on_the_check_in_page(client, door, organizer):
    device, _token = checkin.issue_device(door["event"], "东门闸机", actor=organizer)
    db.session.commit()
    login(client, organizer)
    slug = door["event"].slug
    client.post(f"/manage/{slug}/checkin/devices/{device.id}/test-mode", data={"on": "1"})
    db.session.expire_all()
    assert db.session.get(Device, device.id).test_mode is True
    assert "test mode" in client.get(f"/manage/{slug}/checkin?lang=en").get_data(as_text=True)
    client.post(f"/manage/{slug}/checkin/devices/{device.id}/test-mode", data={"on": "0"})
    db.session.expire_all()
    assert db.session.get(Device, device.id).test_mode is False


def test_the_scanner_is_installable(client, door):
    login(client, door["staff"])
    slug = door["event"].slug
    page = client.get(f"/manage/{slug}/scan").get_data(as_text=True)
    assert f'href="/manage/{slug}/scan/manifest.webmanifest"' in page and 'crossorigin="use-credentials"' in page
    manifest = client.get(f"/manage/{slug}/scan/manifest.webmanifest")
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    body = manifest.get_json()
    assert body["start_url"] == body["scope"] == f"/manage/{slug}/scan" and body["display"] == "standalone"
    assert {icon["sizes"] for icon in body["icons"]} == {"192x192", "512x512"}
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    worker = client.get(f"/manage/{slug}/scan-sw.js")
    assert worker.status_code == 200 and worker.mimetype == "text/javascript"
    script = worker.get_data(as_text=True)
    assert f'var PAGE = "/manage/{slug}/scan";' in script and "/static/js/scanner.js" in script
    for asset in script.split("var ASSETS = ")[1].split(";")[0].strip("[]").split(", "):
        assert client.get(asset.strip('"')).status_code == 200, asset
    client.post("/logout")
    assert client.get(f"/manage/{slug}/scan-sw.js").status_code in (302, 401)
