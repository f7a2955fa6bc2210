"""CSV export (opens in Excel, formulas neutralised) and the all-or-nothing CSV import (a job:
``registration.jobs``; the preview stays in the request)."""
import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import insert, select

from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.spreadsheet import csv_chunks
from ..core.timeutil import now_utc, to_zone
from ..events.models import CATEGORIES
from ..extensions import db
from ..organisations import services as organisations
from ..organisations.models import ORG_TYPES
from . import queries, validation
from .models import (STATUS_APPROVED, STATUS_CANCELLED, STATUS_WAITLISTED, STATUSES, ImportBatch,
                     Registration)
from .services import _has_room, new_token, places_taken
from .validation import InvalidInput, RegistrationData

# --- export -----------------------------------------------------------------------------------

def export_rows(event, filters: queries.Filters):
    """Yield CSV text chunks for Excel: the registrations that match ``filters``."""
    questions = list(event.questions)
    header = [_("ID"), _("Name"), _("Organisation"), _("Organisation type"), _("Position"),
              _("Mobile"), _("E-mail"), _("Category"), _("Status"), _("Interests"),
              *[q.label for q in questions], _("Registered at"), _("Source")]
    query = queries.filtered(event, filters).order_by(Registration.id)

    def rows():
        for reg in db.session.scalars(query.execution_options(yield_per=1000)):
            answers = reg.answers or {}
            yield [reg.id, reg.name, reg.organisation.name, ORG_TYPES.get(reg.organisation.org_type, ""),
                   reg.position, reg.mobile, reg.email, CATEGORIES.get(reg.category, reg.category),
                   STATUSES.get(reg.status, reg.status), "、".join(reg.tags or []),
                   *["、".join(a) if isinstance(a, list) else (a or "")
                     for a in (answers.get(str(q.id)) for q in questions)],
                   to_zone(reg.created_at, event.timezone).strftime("%Y-%m-%d %H:%M"), reg.source]

    return csv_chunks(header, rows())


# --- import -----------------------------------------------------------------------------------

TARGETS = ("name", "organisation", "org_type", "position", "mobile", "email", "category", "tags")
SYNONYMS = {
    "name": {"name", "姓名", "名字", "full name"},
    "organisation": {"organisation", "organization", "company", "单位", "机构", "单位名称", "机构名称", "工作单位"},
    "org_type": {"organisation type", "organization type", "type", "机构类型", "单位类型", "单位性质"},
    "position": {"position", "title", "职务", "职位", "职称"},
    "mobile": {"mobile", "phone", "mobile number", "手机", "手机号", "手机号码", "电话", "联系电话"},
    "email": {"email", "e-mail", "mail", "邮箱", "电子邮箱", "电子邮件"},
    "category": {"category", "类别", "身份", "参会类别", "参会身份"},
    "tags": {"interests", "tags", "关注领域", "兴趣", "标签"},
}
CATEGORY_WORDS = {
    "参会者": "attendee", "嘉宾": "attendee", "观众": "attendee", "展商": "exhibitor",
    "经纪人": "broker", "专业经纪人": "broker", "演讲嘉宾": "speaker", "讲者": "speaker",
    "媒体": "media", "贵宾": "vip", "工作人员": "staff",
}
ORG_TYPE_WORDS = {
    "医院": "hospital", "联盟医院": "hospital", "企业": "enterprise", "生物医药企业": "enterprise",
    "政府": "government", "政府部门": "government", "协会": "association", "行业协会": "association",
    "服务机构": "service_agency", "第三方服务机构": "service_agency", "高校": "university",
    "科研院所": "university", "高校/科研院所": "university", "媒体": "media", "其他": "other",
}
MAX_ROWS = 50_000
WRITE_BATCH = 2000


class ImportError_(DomainError):
    pass


def decode(content: bytes) -> tuple[str, str]:
    """Text and encoding of an uploaded CSV: UTF-8 (with or without BOM), else GBK/GB18030."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict"), "utf-8-sig"
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ImportError_("encoding", _("The file is neither UTF-8 nor GBK/GB18030 text. Save it as CSV (UTF-8) and try again."))


def _label_map(labels: dict, words: dict) -> dict:
    out = {k.lower(): k for k in labels}
    for key, label in labels.items():
        out[str(label).lower()] = key
    with_words = {w.lower(): v for w, v in words.items()}
    return {**with_words, **out}


def _header(text: str) -> list[str]:
    reader = csv.reader(io.StringIO(text))
    try:
        return [validation.clean_text(h) for h in next(reader)]
    except (StopIteration, csv.Error):
        raise ImportError_("empty", _("The file is empty or is not a CSV file."))


def guess_mapping(header: list[str]) -> dict[str, int]:
    mapping = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for target, names in SYNONYMS.items():
            if key in names and target not in mapping:
                mapping[target] = index
    return mapping


def upload(event, filename: str, content: bytes, *, actor) -> ImportBatch:
    text, encoding = decode(content)
    header = _header(text)
    if not any(header):
        raise ImportError_("empty", _("The file is empty or is not a CSV file."))
    batch = ImportBatch(event_id=event.id, uploaded_by_id=actor.id, filename=(filename or "import.csv")[:255],
                        encoding=encoding, content=text, mapping=guess_mapping(header), created_at=now_utc())
    db.session.add(batch)
    db.session.flush()
    return batch


def header_of(batch) -> list[str]:
    return _header(batch.content)


def remember_mapping(batch, mapping: dict[str, int]) -> None:
    """Keep the organizer's choice of columns with the upload (the preview shows it again)."""
    batch.mapping = dict(mapping)
    db.session.flush()


def preview(event, batch, mapping: dict[str, int]) -> tuple["Analysis | None", str | None]:
    """What an import with this mapping would do, or why it cannot run (a message)."""
    try:
        return analyse(event, batch, mapping), None
    except ImportError_ as exc:
        return None, exc.message


@dataclass
class Analysis:
    valid: list = field(default_factory=list)       # (line, RegistrationData)
    rejected: list = field(default_factory=list)    # (line, reason)
    skipped: list = field(default_factory=list)     # (line, reason): already registered


def analyse(event, batch, mapping: dict[str, int], *, progress=None) -> Analysis:
    """Validate every row against the same rules as the web form. Nothing is written.
    ``progress(rows_read, rows_in_file, note)`` is told how far it is, every 500 rows."""
    if "name" not in mapping or "mobile" not in mapping or "email" not in mapping or "organisation" not in mapping:
        raise ImportError_("mapping", _("Choose the columns for name, organisation, mobile and e-mail."))
    categories = _label_map(CATEGORIES, CATEGORY_WORDS)
    org_types = _label_map(ORG_TYPES, ORG_TYPE_WORDS)
    existing_mobiles, existing_emails = _existing_keys(event)
    seen_mobile, seen_email = {}, {}
    result = Analysis()
    reader = csv.reader(io.StringIO(batch.content))
    lines = max(batch.content.count("\n"), 1)
    note = _("Checking the rows")
    try:
        next(reader)
        rows = 0
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            rows += 1
            if progress is not None and rows % 500 == 0:
                progress(min(line, lines), lines, note)
            if rows > MAX_ROWS:
                raise ImportError_("too_many", _("At most %(n)d rows can be imported at once.", n=MAX_ROWS))

            def cell(target):
                index = mapping.get(target)
                return row[index] if index is not None and index < len(row) else ""

            raw_category = validation.clean_text(cell("category")).lower()
            raw_org_type = validation.clean_text(cell("org_type")).lower()
            tags = [t for t in (validation.clean_text(x) for x in
                                cell("tags").replace("、", ",").replace(";", ",").replace("，", ",").split(",")) if t]
            data = RegistrationData(
                name=cell("name"), organisation=cell("organisation"),
                org_type=org_types.get(raw_org_type, "other" if not raw_org_type else raw_org_type),
                position=cell("position"), mobile=cell("mobile"), email=cell("email"),
                category=categories.get(raw_category, "attendee" if not raw_category else raw_category),
                tags=tags)
            try:
                data = validation.clean(event, data)
            except InvalidInput as exc:
                result.rejected.append((line, "; ".join(exc.errors.values())))
                continue
            email_key = data.email.lower()
            if data.mobile in existing_mobiles or email_key in existing_emails:
                result.skipped.append((line, _("already registered")))
                continue
            if data.mobile in seen_mobile:
                result.rejected.append((line, _("same mobile number as line %(n)d", n=seen_mobile[data.mobile])))
                continue
            if email_key in seen_email:
                result.rejected.append((line, _("same e-mail address as line %(n)d", n=seen_email[email_key])))
                continue
            seen_mobile[data.mobile] = line
            seen_email[email_key] = line
            result.valid.append((line, data))
    except csv.Error as exc:
        raise ImportError_("csv", _("The file could not be read as CSV near line %(n)d: %(error)s",
                                    n=reader.line_num, error=str(exc)))
    return result


def _existing_keys(event):
    rows = db.session.execute(select(Registration.mobile, Registration.email_key).where(
        Registration.event_id == event.id, Registration.status != STATUS_CANCELLED)).all()
    return {r[0] for r in rows}, {r[1] for r in rows}


def run(event, batch, mapping: dict[str, int], *, actor, progress=None) -> dict:
    """Import every valid row in one transaction (the caller commits once, or nothing at all).

    The batch is imported once: run again (a job delivered twice, a retry after a crash), it
    imports nothing and returns what the import did, decided under the event's lock. A second
    upload of the same file skips everyone as already registered. Imported people take places
    like web sign-ups: confirmed while there is room, waitlisted after.
    ``progress(done, total, note)`` is told how far the checking and then the writing are.
    """
    lock_row("events", event.id)
    db.session.refresh(batch)
    if batch.status == "imported":
        return dict(batch.result)
    analysis = analyse(event, batch, mapping, progress=progress)
    now = now_utc()
    total, per_category = places_taken(event)
    org_cache = {}
    rows = []
    counts = {STATUS_APPROVED: 0, STATUS_WAITLISTED: 0}
    for line, data in analysis.valid:
        key = organisations.name_key(data.organisation)
        if key not in org_cache:
            org_cache[key] = organisations.find_or_create(data.organisation, data.org_type)
        if _has_room(event, data.category, total, per_category):
            status = STATUS_APPROVED
            total += 1
            per_category[data.category] = per_category.get(data.category, 0) + 1
        else:
            status = STATUS_WAITLISTED
        counts[status] += 1
        rows.append(dict(
            event_id=event.id, organisation_id=None, _org_key=key, name=data.name,
            position=data.position, mobile=data.mobile, email=data.email,
            email_key=data.email.lower(), category=data.category, tags=data.tags, answers={},
            status=status, token_hash=new_token()[1], source="import", locale="zh",
            created_at=now, updated_at=now, status_changed_at=now))
    db.session.flush()
    for row in rows:
        row["organisation_id"] = org_cache[row.pop("_org_key")].id
    note = _("Writing the registrations")
    for start in range(0, len(rows), WRITE_BATCH):
        db.session.execute(insert(Registration), rows[start:start + WRITE_BATCH])
        if progress is not None:
            progress(min(start + WRITE_BATCH, len(rows)), len(rows), note)
    result = {"imported": len(rows), "confirmed": counts[STATUS_APPROVED],
              "waitlisted": counts[STATUS_WAITLISTED], "skipped": len(analysis.skipped),
              "rejected": len(analysis.rejected),
              "rejected_rows": [[line, reason] for line, reason in analysis.rejected[:1000]]}
    batch.status, batch.mapping, batch.result = "imported", {k: v for k, v in mapping.items()}, result
    audit.record(actor, "registration.import", batch, event=event,
                 details={k: v for k, v in result.items() if k != "rejected_rows"})
    db.session.flush()
    return result
