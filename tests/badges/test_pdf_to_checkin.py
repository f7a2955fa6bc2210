"""The bulk badge PDF, printed and scanned: pages to images (pdftoppm), QR codes decoded by a real
decoder (zxing-cpp), the decoded codes posted to the check-in API, everyone checked in."""
import subprocess
import uuid
from datetime import datetime, timedelta, timezone
import zipfile
import io

import zxingcpp
from PIL import Image
from sqlalchemy import func, select

from eventops.badges import render
from eventops.checkin import services as checkin
from eventops.checkin.models import CheckIn
from eventops.core.fonts import covers
from eventops.extensions import db
from eventops.registration import services as registrations

from ..factories import job_file, login, person

NAMES = ["欧阳钇媛", "李强", "王芳", "张伟", "陈静", "司马媛媛", "黄艺凤"]


def _people(app, event):
    with app.test_request_context():
        for n, name in enumerate(NAMES, 1):
            registrations.register(event, person(n, name=name, category="vip" if n == 1 else "attendee"))
        db.session.commit()


def test_printed_badges_scan_in(app, client, organizer, event, tmp_path):
    _people(app, event)
    gate = checkin.add_gate(event, "东门", actor=organizer)
    _device, token = checkin.issue_device(event, "闸机", actor=organizer)
    now = datetime.now(timezone.utc)   # the event is a month away: open its door now
    checkin.set_window(event, now - timedelta(hours=1), now + timedelta(hours=1), actor=organizer)
    db.session.commit()
    gate_id = gate.id
    login(client, organizer)
    response = job_file(client, client.post(f"/manage/{event.slug}/badges/print", data={"sort": "name"}))
    assert response.headers["Content-Type"] == "application/pdf"
    pdf = tmp_path / "badges.pdf"
    pdf.write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert len(pages) == 2  # 7 badges, 4 per A4 sheet
    decoded = []
    for page in pages:
        decoded += [r.text for r in zxingcpp.read_barcodes(Image.open(page)) if r.format == zxingcpp.BarcodeFormat.QRCode]
    assert len(decoded) == len(NAMES)
    assert all(text.startswith("EO1:") for text in decoded)
    client.post("/logout")
    for text in decoded:
        answer = client.post(f"/api/v1/events/{event.slug}/checkins", json={"code": text, "gate": gate_id,
                             "nonce": uuid.uuid4().hex}, headers={"Authorization": f"Bearer {token}"})
        assert answer.get_json()["status"] == "ok"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(CheckIn)) == len(NAMES)


def test_rare_characters_are_real_glyphs(tmp_path):
    name = "欧阳钇媛"
    assert covers(name + "䶮堃喆昇珺")  # the embedded font has every glyph: no empty boxes
    pdf = render.render([render.BadgeData(name, "广州医科大学附属妇女儿童医疗中心", "院长", "vip", "hospital", "贵宾",
                                          "院企合作活动", "EO1:" + "A" * 26)], sheet="label")
    path = tmp_path / "badge.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert name in text and "贵宾" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert any("TrueType" in line and line.split()[-5:-3] == ["yes", "yes"] for line in fonts.splitlines()), fonts


def test_bulk_over_the_chunk_size_streams_a_zip(app, client, organizer, event, monkeypatch):
    _people(app, event)
    monkeypatch.setattr(render, "CHUNK", 3)
    login(client, organizer)
    response = job_file(client, client.post(f"/manage/{event.slug}/badges/print", data={"sheet": "label"}))
    assert response.headers["Content-Type"] == "application/zip" and response.is_streamed
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert [n.rsplit("-", 1)[1] for n in archive.namelist()] == ["001.pdf", "002.pdf", "003.pdf"]
    assert all(archive.read(n).startswith(b"%PDF") for n in archive.namelist())


def test_personal_badge_and_qr(app, client, event):
    with app.test_request_context():
        _registration, token = registrations.register(event, person(1, name="欧阳钇媛"))
        db.session.commit()
    assert client.get(f"/r/{token}/badge.pdf").data.startswith(b"%PDF")
    svg = client.get(f"/r/{token}/qr.svg")
    assert svg.headers["Content-Type"].startswith("image/svg+xml")
    assert "qr.svg" in client.get(f"/r/{token}").get_data(as_text=True)
