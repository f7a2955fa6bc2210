"""CSV export (opens in Excel, formulas neutralised) and the all-or-nothing CSV import (a job:
``registration.jobs``; the preview stays in the request).

The import checks every row with the web form's rules (``validation.clean``), answers to the
event's custom questions included (stored as the form stores them), and gives places with the
sign-up's rules (``services.arrival_statuses``: approval, capacity, waitlist). A refused value is
quoted in the reason. The rows are written in a few multi-row INSERTs, never one query per row."""
import csv
import io
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert, select

from ..core import audit
from ..core.db import lock_row
from ..core.errors import DomainError
from ..core.spreadsheet import csv_chunks
from ..core.timeutil import now_utc, to_zone
from ..events.models import CATEGORIES
from ..events.rules import rules_of
from ..extensions import db
from ..organisations import services as organisations
from ..organisations.models import ORG_TYPES
from . import queries, services, validation
from .models import (STATUS_APPROVED, STATUS_CANCELLED, STATUS_PENDING, STATUS_WAITLISTED, STATUSES,
                     ImportBatch, Registration)
from .services import new_token
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

#: the registration's own fields a column can go to; each custom question of the event is a target
#: too, ``q_<question id>`` (``targets``)
TARGETS = ("name", "organisation", "org_type", "position", "mobile", "email", "category", "tags")
TARGET_LABELS = {
    "name": _l("Name"), "organisation": _l("Organisation"), "org_type": _l("Type of organisation"),
    "position": _l("Position"), "mobile": _l("Mobile number"), "email": _l("E-mail"),
    "category": _l("Category"), "tags": _l("Interests"),
}
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
#: what a cell of a yes/no question may say (folded to lower case)
YES_WORDS = {"yes", "y", "true", "1", "是", "是的", "有", "对", "√"}
NO_WORDS = {"no", "n", "false", "0", "否", "不", "没有", "无", "×"}
#: how the values of a cell with several (interests, a question of several choices) are separated
_SEPARATORS = ("、", ";", "；", "，", "|")
MAX_ROWS = 50_000
WRITE_BATCH = 2000
#: a refused value is quoted in its reason up to this many characters
QUOTE_MAX = 40


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


def question_target(question) -> str:
    return f"q_{question.id}"


def targets(event) -> list[tuple[str, object]]:
    """(target, label) of every place a column can go: the registration's fields, then the
    event's custom questions in the order of the form."""
    return ([(t, TARGET_LABELS[t]) for t in TARGETS]
            + [(question_target(q), q.lazy_label) for q in rules_of(event).questions])


def guess_mapping(header: list[str], questions=()) -> dict[str, int]:
    """The columns whose titles name a field (in Chinese or English) or a custom question."""
    names = dict(SYNONYMS)
    for question in questions:
        names[question_target(question)] = {n.strip().lower() for n in (question.label_zh, question.label_en) if n}
    mapping = {}
    for index, title in enumerate(header):
        key = title.strip().lower()
        for target, words in names.items():
            if key in words and target not in mapping:
                mapping[target] = index
    return mapping


def upload(event, filename: str, content: bytes, *, actor) -> ImportBatch:
    text, encoding = decode(content)
    header = _header(text)
    if not any(header):
        raise ImportError_("empty", _("The file is empty or is not a CSV file."))
    batch = ImportBatch(event_id=event.id, uploaded_by_id=actor.id, filename=(filename or "import.csv")[:255],
                        encoding=encoding, content=text, mapping=guess_mapping(header, rules_of(event).questions),
                        created_at=now_utc())
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
    """What an import with this mapping would do, or why it cannot run (a message): the rows
    checked, and the statuses the valid ones would get if the import ran now."""
    try:
        analysis = analyse(event, batch, mapping)
    except ImportError_ as exc:
        return None, exc.message
    analysis.statuses = services.arrival_statuses(event, [data.category for _line, data in analysis.valid],
                                                  source="import")
    return analysis, None


@dataclass
class Analysis:
    valid: list = field(default_factory=list)       # (line, RegistrationData)
    rejected: list = field(default_factory=list)    # (line, reason): a value the form refuses
    skipped: list = field(default_factory=list)     # (line, reason): already registered
    repeated: list = field(default_factory=list)    # (line, reason): same person as an earlier line
    #: the status of each valid row, in order, when places are given (``preview``, ``run``)
    statuses: list = field(default_factory=list)

    @property
    def duplicates(self) -> int:
        return len(self.skipped) + len(self.repeated)

    def counts(self) -> dict[str, int]:
        return {status: self.statuses.count(status) for status in (STATUS_APPROVED, STATUS_PENDING, STATUS_WAITLISTED)}

    def not_imported(self) -> list:
        """The rejected and repeated rows, by line (what the organizer fixes in the file)."""
        return sorted(self.rejected + self.repeated)


def _quote(value) -> str:
    value = validation.clean_text(value)
    return value if len(value) <= QUOTE_MAX else value[:QUOTE_MAX - 1] + "…"


def _split(value: str) -> list[str]:
    if not value:
        return []
    for separator in _SEPARATORS:
        value = value.replace(separator, ",")
    return [v for v in (validation.clean_text(x) for x in value.split(",")) if v]


class _QuestionReader:
    """Reads one custom question's cell into the answer the registration form would store (a
    choice: the option itself, whether the cell says it or its English label; several choices: a
    list in the order of the options; yes/no: "yes" or "no"), or the reason it cannot."""

    def __init__(self, question, index):
        self.question, self.index, self.key = question, index, str(question.id)
        english = dict(zip(question.options, question.options_en))
        self.options = {}
        for option in question.options:
            label = (english.get(option) or "").strip().lower()
            if label:
                self.options.setdefault(label, option)
        self.options.update({option.lower(): option for option in question.options})
        self.order = {o: n for n, o in enumerate(question.options)}

    def read(self, raw: str):
        """(answer, error)."""
        question = self.question
        if question.kind in ("text", "textarea"):
            return raw, None
        value = validation.clean_text(raw)
        if not value:
            return None, None
        if question.kind == "yesno":
            folded = value.lower()
            if folded in YES_WORDS:
                return "yes", None
            if folded in NO_WORDS:
                return "no", None
            return None, _("%(question)s: “%(value)s” is neither yes nor no", question=question.label,
                           value=_quote(value))
        values = _split(value) if question.kind == "multi" else [value]
        chosen = []
        for item in values:
            option = self.options.get(item.lower())
            if option is None:
                return None, _("%(question)s: “%(value)s” is not one of the choices", question=question.label,
                               value=_quote(item))
            if option not in chosen:
                chosen.append(option)
        if question.kind == "multi":
            return sorted(chosen, key=self.order.get), None
        return chosen[0], None


def analyse(event, batch, mapping: dict[str, int], *, progress=None) -> Analysis:
    """Validate every row against the same rules as the web form. Nothing is written.
    ``progress(rows_read, rows_in_file, note)`` is told how far it is, every 500 rows."""
    if "name" not in mapping or "mobile" not in mapping or "email" not in mapping or "organisation" not in mapping:
        raise ImportError_("mapping", _("Choose the columns for name, organisation, mobile and e-mail."))
    rules = rules_of(event)
    for question in rules.questions:
        if question.required and question_target(question) not in mapping:
            raise ImportError_("mapping", _("Choose the column for the required question “%(question)s”.",
                                            question=question.label))
    readers = [_QuestionReader(q, mapping[question_target(q)]) for q in rules.questions
               if question_target(q) in mapping]
    labels = {f"q_{r.question.id}": r.question.label for r in readers}
    categories = _label_map(CATEGORIES, CATEGORY_WORDS)
    org_types = _label_map(ORG_TYPES, ORG_TYPE_WORDS)
    allowed_tags = set(rules.tags)
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

            def cell(index):
                return row[index] if index is not None and index < len(row) else ""

            # what the form's rules would refuse without showing the value: refused here, quoted
            refused = {}
            raw_category = validation.clean_text(cell(mapping.get("category")))
            category = categories.get(raw_category.lower(), "attendee" if not raw_category else None)
            if category is None:
                refused["category"] = _("unknown category “%(value)s”", value=_quote(raw_category))
            raw_org_type = validation.clean_text(cell(mapping.get("org_type")))
            org_type = org_types.get(raw_org_type.lower(), "other" if not raw_org_type else None)
            if org_type is None:
                refused["org_type"] = _("unknown type of organisation “%(value)s”", value=_quote(raw_org_type))
            tags = _split(cell(mapping.get("tags")))
            unknown = [t for t in tags if t not in allowed_tags]
            if unknown:
                refused["tags"] = _("unknown interest “%(value)s”", value=_quote(unknown[0]))
            mobile, email = cell(mapping["mobile"]), cell(mapping["email"])
            if mobile.strip() and validation.normalise_mobile(mobile) is None and _quote(mobile):
                refused["mobile"] = _("invalid mobile number “%(value)s”", value=_quote(mobile))
            if email.strip() and validation.normalise_email(email) is None and _quote(email):
                refused["email"] = _("invalid e-mail address “%(value)s”", value=_quote(email))
            answers = {}
            for question_reader in readers:
                answer, error = question_reader.read(cell(question_reader.index))
                if error:
                    refused[f"q_{question_reader.key}"] = error
                elif answer is not None:
                    answers[question_reader.key] = answer
            data = RegistrationData(
                name=cell(mapping["name"]), organisation=cell(mapping["organisation"]),
                org_type=org_type or "", position=cell(mapping.get("position")), mobile=mobile, email=email,
                category=category or "", tags=[t for t in tags if t in allowed_tags], answers=answers)
            try:
                data = validation.clean(event, data)
            except InvalidInput as exc:
                errors = {k: (f"{labels[k]}: {v}" if k in labels else v) for k, v in exc.errors.items()}
                refused = {**errors, **refused}
            if refused:
                result.rejected.append((line, "; ".join(refused.values())))
                continue
            email_key = data.email.lower()
            if data.mobile in existing_mobiles or email_key in existing_emails:
                result.skipped.append((line, _("already registered")))
                continue
            if data.mobile in seen_mobile:
                result.repeated.append((line, _("same mobile number as line %(n)d", n=seen_mobile[data.mobile])))
                continue
            if email_key in seen_email:
                result.repeated.append((line, _("same e-mail address as line %(n)d", n=seen_email[email_key])))
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


def run(event, batch, mapping: dict[str, int], *, actor, progress=None, then=None) -> dict:
    """Import every valid row in one transaction (the caller commits once, or nothing at all).

    The batch is imported once: run again (a job delivered twice, a retry after a crash), it
    imports nothing and returns what the import did, decided under the event's lock. A second
    upload of the same file skips everyone as already registered. Imported people take places
    as sign-ups do (``services.arrival_statuses``): awaiting review when the event requires
    approval, else confirmed, while there is room; waitlisted after.
    ``progress(done, total, note)`` is told how far the checking and then the writing are.
    ``then(result)``, when given, is called in the same transaction once this run has imported
    the batch (not when it finds it imported already), before the result is stored.
    """
    lock_row("events", event.id)
    db.session.refresh(batch)
    if batch.status == "imported":
        return dict(batch.result)
    db.session.refresh(event)  # its capacity and rules as they are under the lock
    analysis = analyse(event, batch, mapping, progress=progress)
    analysis.statuses = services.arrival_statuses(event, [data.category for _line, data in analysis.valid],
                                                  source="import")
    now = now_utc()
    org_cache = {}
    rows = []
    for (line, data), status in zip(analysis.valid, analysis.statuses):
        key = organisations.name_key(data.organisation)
        if key not in org_cache:
            org_cache[key] = organisations.find_or_create(data.organisation, data.org_type)
        rows.append(dict(
            event_id=event.id, organisation_id=None, _org_key=key, name=data.name,
            position=data.position, mobile=data.mobile, email=data.email,
            email_key=data.email.lower(), category=data.category, tags=data.tags, answers=data.answers,
            status=status, token_hash=new_token()[1], source="import", locale="zh", import_batch_id=batch.id,
            created_at=now, updated_at=now, status_changed_at=now))
    db.session.flush()
    for row in rows:
        row["organisation_id"] = org_cache[row.pop("_org_key")].id
    note = _("Writing the registrations")
    for start in range(0, len(rows), WRITE_BATCH):
        db.session.execute(insert(Registration), rows[start:start + WRITE_BATCH])
        if progress is not None:
            progress(min(start + WRITE_BATCH, len(rows)), len(rows), note)
    counts = analysis.counts()
    result = {"imported": len(rows), "confirmed": counts[STATUS_APPROVED], "pending": counts[STATUS_PENDING],
              "waitlisted": counts[STATUS_WAITLISTED], "skipped": len(analysis.skipped),
              "repeated": len(analysis.repeated), "duplicates": analysis.duplicates,
              "rejected": len(analysis.rejected),
              "rejected_rows": [[line, reason] for line, reason in analysis.not_imported()[:1000]]}
    if then is not None:
        then(result)
    batch.status, batch.mapping, batch.result = "imported", {k: v for k, v in mapping.items()}, result
    audit.record(actor, "registration.import", batch, event=event,
                 details={k: v for k, v in result.items() if k != "rejected_rows"})
    db.session.flush()
    return result
