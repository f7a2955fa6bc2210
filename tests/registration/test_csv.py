"""CSV export for Excel and the all-or-nothing CSV import."""
import csv
import io

import pytest
from sqlalchemy import func, select

from eventops.extensions import db
from eventops.registration import csvio
from eventops.registration.models import ImportBatch, Registration

from ..factories import login, make_event

HEADER = "姓名,单位,单位类型,职务,手机,邮箱,类别\n"
ROWS = [
    "李钇媛,广东省人民医院,医院,主任医师,13800000001,li@example.cn,参会者",
    "王强,广州医药集团有限公司,企业,副部长,+86 138-0000-0002,wang@example.cn,展商",
    "=HYPERLINK(\"http://x\"),某公司,企业,,13800000003,evil@example.cn,",
]


def count():
    return db.session.scalar(select(func.count()).select_from(Registration))


@pytest.fixture(autouse=True)
def _request(app):
    with app.test_request_context():
        yield


def upload(event, organizer, content: bytes, filename="people.csv"):
    batch = csvio.upload(event, filename, content, actor=organizer)
    db.session.commit()
    return batch


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_import_reads_every_encoding(event, organizer, encoding):
    batch = upload(event, organizer, (HEADER + "\n".join(ROWS) + "\n").encode(encoding))
    assert batch.mapping == {"name": 0, "organisation": 1, "org_type": 2, "position": 3, "mobile": 4,
                             "email": 5, "category": 6}
    result = csvio.run(event, batch, batch.mapping, actor=organizer)
    db.session.commit()
    assert result["imported"] == 3 and result["rejected"] == 0
    people = {r.name: r for r in db.session.scalars(select(Registration))}
    assert people["李钇媛"].organisation.org_type == "hospital"
    assert people["王强"].category == "exhibitor" and people["王强"].mobile == "13800000002"


def test_rejected_rows_are_reported_with_line_and_reason(event, organizer):
    content = HEADER + "\n".join([
        ROWS[0],
        "张三,某医院,医院,,12345,zhang@example.cn,",          # line 3: bad mobile
        ",某医院,医院,,13800000009,x@example.cn,",            # line 4: no name
        "赵四,某医院,医院,,13800000001,zhao@example.cn,",     # line 5: same mobile as line 2
        "钱五,某医院,医院,,13800000010,q@example.cn,火星人",   # line 6: unknown category
    ]) + "\n"
    batch = upload(event, organizer, content.encode())
    analysis = csvio.analyse(event, batch, batch.mapping)
    lines = {line: reason for line, reason in analysis.rejected}
    assert sorted(lines) == [3, 4, 6]
    assert "12345" in lines[3] and "火星人" in lines[6]
    # a person repeated in the file is a duplicate, not a rejected row, and names the first line
    assert [line for line, _ in analysis.repeated] == [5]
    assert "2" in analysis.repeated[0][1] and analysis.duplicates == 1
    assert [line for line, _ in analysis.not_imported()] == [3, 4, 5, 6]
    assert [line for line, _ in analysis.valid] == [2]


def test_importing_the_same_file_twice_adds_nobody_twice(event, organizer):
    content = (HEADER + "\n".join(ROWS) + "\n").encode()
    first = upload(event, organizer, content)
    csvio.run(event, first, first.mapping, actor=organizer)
    db.session.commit()
    second = upload(event, organizer, content)
    result = csvio.run(event, second, second.mapping, actor=organizer)
    db.session.commit()
    assert result["imported"] == 0 and result["skipped"] == 3
    assert count() == 3
    # the same batch run again (a job delivered twice) imports nothing and answers what it did
    again = csvio.run(event, first, first.mapping, actor=organizer)
    db.session.commit()
    assert again["imported"] == 3 and count() == 3


def test_a_failing_import_leaves_nothing_behind(event, organizer, monkeypatch):
    batch = upload(event, organizer, (HEADER + "\n".join(ROWS) + "\n").encode())
    real_record = csvio.audit.record

    def explode(*args, **kwargs):
        real_record(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(csvio.audit, "record", explode)
    with pytest.raises(RuntimeError):
        csvio.run(event, batch, batch.mapping, actor=organizer)
    db.session.rollback()
    assert count() == 0
    assert db.session.get(ImportBatch, batch.id).status == "uploaded"


def test_import_respects_capacity(organizer):
    event = make_event(organizer, capacity=2)
    batch = upload(event, organizer, (HEADER + "\n".join(ROWS) + "\n").encode())
    result = csvio.run(event, batch, batch.mapping, actor=organizer)
    assert (result["confirmed"], result["waitlisted"]) == (2, 1)


def test_unreadable_files_are_refused(event, organizer):
    with pytest.raises(csvio.ImportError_):
        csvio.upload(event, "x.csv", b"", actor=organizer)
    with pytest.raises(csvio.ImportError_):
        csvio.upload(event, "x.csv", b"\x81\x30\x81\xff\xfe\xfd\x00\x80" * 10, actor=organizer)


def test_export_opens_in_excel_and_neutralises_formulas(app, event, organizer):
    batch = upload(event, organizer, (HEADER + "\n".join(ROWS) + "\n").encode())
    csvio.run(event, batch, batch.mapping, actor=organizer)
    db.session.commit()
    from eventops.registration.queries import Filters
    text = "".join(csvio.export_rows(event, Filters()))
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert len(rows) == 4
    names = [r[1] for r in rows[1:]]
    assert "李钇媛" in names
    assert "'=HYPERLINK(\"http://x\")" in names
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)


def test_export_and_import_through_the_pages(app, organizer, event):
    client = app.test_client()
    login(client, organizer)
    content = (HEADER + "\n".join(ROWS) + "\n").encode("gbk")
    response = client.post(f"/manage/{event.slug}/import",
                           data={"file": (io.BytesIO(content), "名单.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302
    preview = client.get(response.headers["Location"])
    assert "李钇媛" not in preview.get_data(as_text=True)  # preview lists counts and rejected rows only
    form = {f"map_{k}": str(v) for k, v in csvio.guess_mapping(HEADER.strip().split(",")).items()}
    done = client.post(response.headers["Location"], data={**form, "confirm": "1"})
    assert done.status_code == 302
    assert count() == 3
    export = client.get(f"/manage/{event.slug}/registrations/export.csv?category=exhibitor")
    assert export.status_code == 200
    body = export.data.decode("utf-8-sig")
    assert "王强" in body and "李钇媛" not in body
    assert export.headers["Content-Type"].startswith("text/csv")


def test_uploads_over_the_limit_are_refused(app, organizer, event):
    app.config["MAX_CONTENT_LENGTH"] = 1024
    client = app.test_client()
    login(client, organizer)
    response = client.post(f"/manage/{event.slug}/import",
                           data={"file": (io.BytesIO(b"a" * 5000), "big.csv")}, content_type="multipart/form-data")
    assert response.status_code == 413
