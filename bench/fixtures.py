"""What the app benchmarks set up through the domain services: generated organisations and
people as an import CSV, an event, the CSV import itself, and a real login through the test client.
Only the standard library at module level, like ``harness``; eventops is imported where it is used."""
import io
import re

import harness  # noqa: F401  (puts the project on sys.path)

CSV_HEADER = ["姓名", "单位", "单位类型", "职务", "手机", "邮箱", "类别"]
# how the CSV spells the organisation types (words the import understands)
ORG_TYPE_WORD = {"hospital": "医院", "enterprise": "企业", "government": "政府部门", "association": "行业协会",
                 "service_agency": "第三方服务机构", "university": "高校/科研院所", "media": "媒体"}


def company_name(rng, places, forms) -> str:
    """A generated company name: a place, two characters, one of the demo's fields, a legal form."""
    from eventops.demo import data as demo
    return (f"{rng.choice(places)}{rng.choice('康瑞华信泰诺安达源科博润')}{rng.choice('恒明联博健生和新云中益')}"
            f"{rng.choice(demo.FIELDS)}{rng.choice(forms)}")


def top_up(items: list, count: int, make, key=lambda item: item) -> list:
    """``items`` with new ones from ``make()`` appended, skipping any whose ``key`` is taken, until
    there are ``count`` (bounded: 100 tries per item)."""
    seen = {key(item) for item in items}
    for _attempt in range(100 * count):
        if len(items) >= count:
            break
        item = make()
        if key(item) not in seen:
            seen.add(key(item))
            items.append(item)
    return items


def organisations(rng, count: int) -> list[tuple[str, str]]:
    """The demo's organisations, topped up with generated companies to ``count``."""
    from eventops.demo import data as demo
    forms = ["有限公司", "股份有限公司", "（广州）有限公司"]
    return top_up(demo.organisations(rng), count, lambda: (company_name(rng, demo.CITY, forms), "enterprise"),
                  key=lambda org: org[0])


def csv_bytes(rows, header=CSV_HEADER) -> bytes:
    """UTF-8 with BOM, the way Excel saves 'CSV UTF-8'."""
    import csv
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


def create_event(actor, slug, name_zh, name_en, **fields):
    """An event through the events service: in 30 days in Guangzhou, registration open, no
    overall capacity, the default interest tags (each overridable)."""
    from datetime import timedelta

    from eventops.core.timeutil import now_utc
    from eventops.events import services as events
    now = now_utc()
    values = dict(slug=slug, name_zh=name_zh, name_en=name_en, venue_zh="广州", venue_en="Guangzhou",
                  starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=30, hours=8),
                  timezone="Asia/Shanghai", capacity=None, registration_opens_at=now - timedelta(days=1),
                  registration_closes_at=now + timedelta(days=29), interest_tags=events.default_tags())
    values.update(fields)
    return events.create_event(events.EventData(**values), actor=actor)


def import_csv(event, filename, content: bytes, *, actor) -> dict:
    """csvio.upload + commit, csvio.run with the guessed mapping + commit (inside a request context)."""
    from eventops.extensions import db
    from eventops.registration import csvio
    batch = csvio.upload(event, filename, content, actor=actor)
    db.session.commit()
    result = csvio.run(event, batch, {k: int(v) for k, v in batch.mapping.items()}, actor=actor)
    db.session.commit()
    return result


_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1)


def login(client, email, password):
    """A real login through the test client (CSRF on)."""
    token = csrf_token(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"email": email, "password": password, "csrf_token": token})
    if response.status_code != 302:
        raise RuntimeError(f"login failed: HTTP {response.status_code} {response.get_data(as_text=True)[:300]}")
