"""The organizer's view of one person at the door: every scan (failed ones too: time, gate, device
or staff member, answer, nonce), and after a reissue that one badge printed, whose QR admits."""
import subprocess
import uuid
from datetime import datetime, timedelta, timezone

import zxingcpp
from PIL import Image

from eventops.badges import services as badges
from eventops.checkin import services as checkin
from eventops.extensions import db

from ..factories import login


def test_the_registration_page_shows_every_scan(client, door, organizer):
    device, _token = checkin.issue_device(door["event"], "东门闸机1", actor=organizer)
    db.session.commit()
    event, code = door["event"], door["codes"]["guest"]
    late = datetime.now(timezone.utc) - timedelta(minutes=30)
    checkin.scan(event, gate=door["gates"][0], nonce="history-nonce-001", code=code, user=door["staff"], scanned_at=late)
    checkin.scan(event, gate=door["gates"][1], nonce="history-nonce-002", code="EO1:" + code, device=device)
    badges.reissue(door["guest"], actor=organizer)
    checkin.scan(event, gate=door["gates"][1], nonce="history-nonce-003", code=code, device=device)
    db.session.commit()
    login(client, organizer)
    html = client.get(f"/manage/{event.slug}/registrations/{door['guest'].id}?lang=en").get_data(as_text=True)
    section = html.split('id="scans"')[1]
    for nonce in ("history-nonce-001", "history-nonce-002", "history-nonce-003"):
        assert nonce in section
    assert section.index("history-nonce-003") < section.index("history-nonce-001")   # newest first
    assert "Welcome" in section and "Already checked in" in section and "This badge was replaced" in section
    assert "东门闸机1" in section and door["staff"].email in section and "南门" in section and "东门" in section
    local = late.astimezone(timezone(timedelta(hours=8)))
    assert local.strftime("%Y-%m-%d %H:%M:%S") in section and "sent " in section   # the moment, and when it came


def test_after_a_reissue_that_one_badge_is_printed(client, door, organizer, tmp_path):
    login(client, organizer)
    slug, guest = door["event"].slug, door["guest"]
    response = client.post(f"/manage/{slug}/registrations/{guest.id}/badge/reissue")
    assert "reissued=1" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    link = page.split('id="print-badge" href="')[1].split('"')[0]
    pdf = client.get(link)
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    (tmp_path / "badge.pdf").write_bytes(pdf.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(tmp_path / "badge.pdf"), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 1
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(pages[0])) if r.format == zxingcpp.BarcodeFormat.QRCode]
    db.session.expire_all()
    new_code = badges.active_badge(guest).code
    assert decoded == ["EO1:" + new_code] and new_code != door["codes"]["guest"]
    answer = client.post(f"/api/v1/events/{slug}/checkins", json={"code": decoded[0], "gate": door["gates"][0].id,
                                                                  "nonce": uuid.uuid4().hex})
    assert answer.get_json()["status"] == "ok"
    # a person who is not confirmed gets no badge printed
    assert client.get(f"/manage/{slug}/registrations/{door['waiting'].id}/badge.pdf").status_code == 404
