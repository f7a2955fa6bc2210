import csv
import io
import subprocess

import openpyxl
from sqlalchemy import select

from eventops.extensions import db
from eventops.ledger import services as ledger
from eventops.ledger.models import LedgerEntry

from ..factories import door_staff, job_file, login
from .conftest import HOSPITALS, contract


def test_recording_through_the_page(app, client, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    login(client, clerk)
    page = client.get(f"/manage/{event.slug}/signings/new")
    assert page.status_code == 200 and "idempotency_key" in page.get_data(as_text=True)
    data = {"idempotency_key": "page-key-0001", "title": "钇90核药联合研发", "category": "strategic_cooperation",
            "session_id": str(morning.id), "amount": "50,000,000.00", "party_1": HOSPITALS[1],
            "party_2": "广州医药集团有限公司", "signatories": "郑小飞\n刘宏"}
    response = client.post(f"/manage/{event.slug}/signings/new", data=data)
    assert response.status_code == 302
    again = client.post(f"/manage/{event.slug}/signings/new", data=data)  # double click / retry
    assert again.headers["Location"] == response.headers["Location"]
    assert db.session.scalar(select(LedgerEntry)).amount_fen == 5_000_000_000
    detail = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "5,000万元" in detail or "5000.00万元" in detail or "5,000.00万元" in detail


def test_bad_amounts_are_explained_and_nothing_is_saved(client, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    login(client, clerk)
    for amount in ["-100", "1.234", "10000000000000"]:
        response = client.post(f"/manage/{event.slug}/signings/new", data={
            "idempotency_key": f"bad-{amount}-000", "title": "x", "category": "other", "session_id": str(morning.id),
            "amount": amount, "party_1": HOSPITALS[0], "party_2": HOSPITALS[1]})
        assert response.status_code == 400
        assert 'class="error"' in response.get_data(as_text=True)
    assert db.session.scalar(select(LedgerEntry)) is None


def test_only_organizers_and_clerks_record(app, client, signing):
    event = signing["event"]
    login(client, door_staff(event, "door@example.cn"))
    assert client.get(f"/manage/{event.slug}/signings/new").status_code == 403
    assert client.get(f"/manage/{event.slug}/signings/").status_code == 403
    assert client.post(f"/manage/{event.slug}/signings/1/reverse").status_code == 403


def test_clerks_cannot_export(client, signing, clerk):
    login(client, clerk)
    assert client.get(f"/manage/{signing['event'].slug}/signings/ledger.csv").status_code == 403


def test_reports(app, client, signing, clerk, organizer, tmp_path):
    event, (morning, afternoon) = signing["event"], signing["sessions"]
    first, _ = ledger.record(event, contract(morning, "1234567.89"), actor=clerk, key="rep-00001")
    ledger.record(event, contract(afternoon, None, undisclosed=True, title="=cmd|' /C calc'!A0"), actor=clerk, key="rep-00002")
    ledger.reverse(event, first.id, actor=clerk, key="rep-00003", reason="重复登记")
    ledger.record(event, contract(morning, "150000000.00", title="钇90核药战略合作"), actor=clerk, key="rep-00004")
    db.session.commit()
    login(client, organizer)

    text = client.get(f"/manage/{event.slug}/signings/ledger.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == 5
    assert all(not cell.startswith("=") for row in rows for cell in row)

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/{event.slug}/signings/ledger.xlsx").data))
    sheet = book.active
    assert sheet.max_row == 5
    assert [c.value for c in sheet[5]][3] == "钇90核药战略合作"

    pdf = job_file(client, client.post(f"/manage/{event.slug}/signings/press"))
    assert pdf.headers["Content-Type"] == "application/pdf"
    path = tmp_path / "press.pdf"
    path.write_bytes(pdf.data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "1.50亿元" in out and "150,000,000.00" in out
    assert "广东省中医院" in out  # by hospital
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert any("TrueType" in line and line.split()[-5:-3] == ["yes", "yes"] for line in fonts.splitlines()), fonts


def test_live_summary_json_and_etag(client, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    ledger.record(event, contract(morning, "150000000.00"), actor=clerk, key="live-00001")
    db.session.commit()
    response = client.get(f"/api/v1/events/{event.slug}/signings/summary")
    data = response.get_json()
    assert data["total"]["cn"] == "1.50亿元" and data["total"]["fen"] == 15_000_000_000
    assert data["latest"][0]["title"] == "院内制剂转化合作协议"
    unchanged = client.get(f"/api/v1/events/{event.slug}/signings/summary", headers={"If-None-Match": response.headers["ETag"]})
    assert unchanged.status_code == 304
    assert client.get(f"/e/{event.slug}/signings/live").status_code == 200
    assert client.get("/api/v1/events/nope/signings/summary").status_code == 404
