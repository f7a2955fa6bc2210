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


def test_clerks_download_the_exports(client, signing, clerk):
    login(client, clerk)
    for name in ("ledger.csv", "ledger.xlsx"):
        assert client.get(f"/manage/{signing['event'].slug}/signings/{name}").status_code == 200, name
    assert client.post(f"/manage/{signing['event'].slug}/signings/press").status_code == 302  # the press PDF's job


def _amounts(rows, column):
    """Decimal yuan of one column of the CSV rows (header and total row excluded)."""
    from decimal import Decimal
    index = rows[0].index(column)
    return [Decimal(row[index]) for row in rows[1:-1] if row[index] not in ("", "未披露")], rows[-1][index]


def test_the_export_amounts_add_up_to_the_live_total(client, signing, clerk):
    """Reversals carry negative amounts, and a correction is a reversal and a new contract: the
    amount column sums to the big screen's total, and the total row says so."""
    from decimal import Decimal
    event, (morning, afternoon) = signing["event"], signing["sessions"]
    first, _ = ledger.record(event, contract(morning, "1552900000.50"), actor=clerk, key="sum-00001")
    second, _ = ledger.record(event, contract(morning, "98400001.00"), actor=clerk, key="sum-00002")
    ledger.record(event, contract(afternoon, None, undisclosed=True), actor=clerk, key="sum-00003")
    ledger.reverse(event, second.id, actor=clerk, key="sum-00004", reason="重复登记")
    ledger.correct(event, first.id, contract(morning, "1552900000.00"), actor=clerk, key="sum-00005",
                   reason="金额笔误")
    db.session.commit()
    login(client, clerk)
    rows = list(csv.reader(io.StringIO(client.get(f"/manage/{event.slug}/signings/ledger.csv").data.decode("utf-8-sig"))))
    live = client.get(f"/api/v1/events/{event.slug}/signings/summary").get_json()["total"]["fen"]
    assert live == 155_290_000_000
    for column in ("金额（元）", "计入总额（元）"):
        amounts, total = _amounts(rows, column)
        assert sum(amounts) * 100 == live and Decimal(total) * 100 == live, column
    kinds = [row[1] for row in rows[1:-1]]
    assert kinds.count("冲销") == 2 and all(Decimal(r[5]) < 0 for r in rows[1:-1] if r[1] == "冲销")
    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/{event.slug}/signings/ledger.xlsx").data))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[4] == "合同类型"
    values = [row[5] for row in sheet.iter_rows(min_row=2, max_row=sheet.max_row - 1, values_only=True)]
    assert round(sum(v for v in values if isinstance(v, (int, float))) * 100) == live
    assert round([c.value for c in sheet[sheet.max_row]][5] * 100) == live
    # the page's list shows the same signed amounts as the exports
    page = client.get(f"/manage/{event.slug}/signings/").get_data(as_text=True)
    assert "-98,400,001.00" in page and "-1,552,900,000.50" in page


def test_a_confirmation_adds_zero_amount_and_the_counted_column_still_adds_up(app, client, organizer, clerk):
    from decimal import Decimal
    from .conftest import make_signing_event
    signing = make_signing_event(app, organizer, clerk)
    event, (morning, _) = signing["event"], signing["sessions"]
    event.signing_requires_confirmation = True
    db.session.commit()
    entry, _ = ledger.record(event, contract(morning, "500.00"), actor=clerk, key="cnf-00001")
    ledger.record(event, contract(morning, "700.00"), actor=clerk, key="cnf-00002")  # never confirmed
    ledger.confirm(event, entry.id, actor=organizer, key="cnf-00003")
    db.session.commit()
    login(client, clerk)
    rows = list(csv.reader(io.StringIO(client.get(f"/manage/{event.slug}/signings/ledger.csv").data.decode("utf-8-sig"))))
    confirmation = next(r for r in rows[1:-1] if r[1] == "确认")
    assert Decimal(confirmation[5]) == 0 and Decimal(confirmation[6]) == Decimal("500.00")
    counted, total = _amounts(rows, "计入总额（元）")
    assert sum(counted) == Decimal("500.00") == Decimal(total)


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
    assert len(rows) == 6  # header, four entries, the total
    assert all(not cell.startswith("=") for row in rows for cell in row)

    book = openpyxl.load_workbook(io.BytesIO(client.get(f"/manage/{event.slug}/signings/ledger.xlsx").data))
    sheet = book.active
    assert sheet.max_row == 6
    assert [c.value for c in sheet[5]][3] == "钇90核药战略合作"

    pdf = job_file(client, client.post(f"/manage/{event.slug}/signings/press"))
    assert pdf.headers["Content-Type"] == "application/pdf"
    path = tmp_path / "press.pdf"
    path.write_bytes(pdf.data)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "1.50亿元" in out and "150,000,000.00" in out
    assert "广东省中医院" in out  # by hospital
    assert "合同类型" in out and "姓名" not in out and "参会身份" not in out
    assert "台账检查点" in out  # the ledger's end, printed: flask ledger verify --printed
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


def test_a_contract_type_with_only_undisclosed_amounts_shows_undisclosed(client, signing, clerk):
    event, (morning, _) = signing["event"], signing["sessions"]
    ledger.record(event, contract(morning, "150000000.00"), actor=clerk, key="und-00001")
    ledger.record(event, contract(morning, None, undisclosed=True, category="clinical_trial"), actor=clerk,
                  key="und-00002")
    db.session.commit()
    page = client.get(f"/e/{event.slug}/signings/live").get_data(as_text=True)
    assert "<span>临床试验</span><b>未披露</b>" in page and "按合同类型" in page
    data = client.get(f"/api/v1/events/{event.slug}/signings/summary").get_json()
    trial = next(c for c in data["by_category"] if c["category"] == "clinical_trial")
    assert trial["fen"] == 0 and trial["undisclosed"] == 1


def test_the_contract_form_says_contract_type(client, signing, clerk):
    login(client, clerk)
    page = client.get(f"/manage/{signing['event'].slug}/signings/new").get_data(as_text=True)
    assert "合同类型" in page and "参会身份" not in page
