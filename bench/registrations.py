"""The in-process half of the benchmark: the data set, a fresh database, the CSV import and the
back-office list/search pages through the Flask test client (logged in as an organizer).

Nothing here is a test: it measures and returns figures; ``run.py`` prints and records them.
"""
import cProfile
import io
import math
import pstats
import random
import re
import secrets
import statistics
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl

from eventops import create_app
from eventops.accounts import services as accounts
from eventops.accounts.models import User
from eventops.config import Config
from eventops.core.timeutil import now_utc
from eventops.demo import data as demo
from eventops.events import services as events
from eventops.events.models import Event
from eventops.extensions import db
from eventops.registration import csvio

BENCH = Path(__file__).resolve().parent
OUT = BENCH / "out"
SLUG = "bench-30k"
ORGANIZER = ("organizer@bench.example.cn", "bench-organizer-password")
HEADER = ["姓名", "单位", "单位类型", "职务", "手机", "邮箱", "类别"]

# how the CSV spells the organisation types and categories (words the import understands)
ORG_TYPE_WORD = {"hospital": "医院", "enterprise": "企业", "government": "政府部门", "association": "行业协会",
                 "service_agency": "第三方服务机构", "university": "高校/科研院所", "media": "媒体"}
ORG_WEIGHTS = {"hospital": 30, "enterprise": 40, "government": 4, "association": 3,
               "service_agency": 10, "university": 4, "media": 3}


def bench_config(url):
    """Production settings (CSRF on, TESTING off) on the bench database, over plain http."""
    return type("BenchConfig", (Config,), {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "SESSION_COOKIE_SECURE": False, "REMEMBER_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": False, "RATELIMIT_STORAGE_URI": "memory://",
        "SMTP_HOST": None, "BASE_URL": "http://127.0.0.1",
    })


# --- data set ---------------------------------------------------------------------------------

def organisations(rng, count):
    """The demo's organisations, topped up with generated companies to ``count``."""
    orgs = demo.organisations(rng)
    seen = {name for name, _type in orgs}
    suffixes = ["有限公司", "股份有限公司", "（广州）有限公司"]
    bounded = 0
    while len(orgs) < count and bounded < 100 * count:
        bounded += 1
        name = (f"{rng.choice(demo.CITY)}{rng.choice('康瑞华信泰诺安达源科博润')}{rng.choice('恒明联博健生和新云中益')}"
                f"{rng.choice(demo.FIELDS)}{rng.choice(suffixes)}")
        if name not in seen:
            seen.add(name)
            orgs.append((name, "enterprise"))
    return orgs


def people(rows, seed=2025, org_count=1000):
    """``rows`` registrants as CSV rows: Chinese names, organisations, unique mobiles and e-mails."""
    rng = random.Random(seed)
    orgs = organisations(rng, org_count)
    by_type = {}
    for name, org_type in orgs:
        by_type.setdefault(org_type, []).append(name)
    types = list(ORG_WEIGHTS)
    weights = [ORG_WEIGHTS[t] for t in types]
    used = set()
    out = []
    for index in range(rows):
        org_type = rng.choices(types, weights=weights)[0]
        org = rng.choice(by_type[org_type])
        category = {"service_agency": "专业经纪人", "media": "媒体"}.get(org_type, "参会者")
        if org_type in ("hospital", "enterprise") and rng.random() < 0.18:
            category = "展商"
        if org_type == "government" and rng.random() < 0.3:
            category = "贵宾"
        if rng.random() < 0.02:
            category = "演讲嘉宾"
        mobile = None
        for _attempt in range(1000):
            mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if mobile not in used:
                break
        used.add(mobile)
        # a few numbers typed the way people type them: the import normalises them
        shown = mobile if rng.random() < 0.9 else f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        out.append([demo.person_name(rng), org, ORG_TYPE_WORD[org_type],
                    rng.choice(demo.POSITIONS.get(org_type, ["代表"])), shown,
                    f"guest{index + 1:05d}@{rng.choice(['example.cn', 'example.com', 'hosp.example.cn'])}",
                    category])
    return out, orgs


def csv_bytes(rows) -> bytes:
    """UTF-8 with BOM, the way Excel saves 'CSV UTF-8'."""
    import csv
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8")


# --- database ---------------------------------------------------------------------------------

def fresh_schema(app):
    with app.app_context():
        db.drop_all()
        db.create_all()
        db.session.remove()
        db.engine.dispose()


def create_event(app):
    """The organizer and the event: no overall capacity, some category limits (so that the import
    also waitlists people, which the status filter then finds)."""
    with app.app_context():
        organizer = accounts.create_user(ORGANIZER[0], ORGANIZER[1], name="主办方")
        now = now_utc()
        event = events.create_event(events.EventData(
            slug=SLUG, name_zh="广州研究型医院联盟院企合作活动（压测）", name_en="Benchmark event",
            venue_zh="广州", venue_en="Guangzhou", starts_at=now + timedelta(days=30),
            ends_at=now + timedelta(days=30, hours=8), timezone="Asia/Shanghai", capacity=None,
            category_capacities={"exhibitor": 3000, "media": 600},
            registration_opens_at=now - timedelta(days=1), registration_closes_at=now + timedelta(days=29),
            interest_tags=events.default_tags()), actor=organizer)
        db.session.commit()
        ids = organizer.id, event.id
        db.session.remove()
        return ids


# --- CSV import -------------------------------------------------------------------------------

def import_csv(app, user_id, event_id, content: bytes) -> dict:
    """upload + commit, preview (analyse, as the page shows it), run + commit; seconds each."""
    with app.test_request_context(base_url="http://127.0.0.1"):
        event = db.session.get(Event, event_id)
        actor = db.session.get(User, user_id)
        t0 = time.perf_counter()
        batch = csvio.upload(event, "registrations-30k.csv", content, actor=actor)
        db.session.commit()
        t1 = time.perf_counter()
        mapping = {k: int(v) for k, v in batch.mapping.items()}
        analysis = csvio.analyse(event, batch, mapping)
        t2 = time.perf_counter()
        result = csvio.run(event, batch, mapping, actor=actor)
        db.session.commit()
        t3 = time.perf_counter()
        preview_counts = (len(analysis.valid), len(analysis.skipped), len(analysis.rejected))
    return {"upload_s": t1 - t0, "preview_s": t2 - t1, "run_s": t3 - t2, "total_s": (t1 - t0) + (t3 - t2),
            "imported": result["imported"], "confirmed": result["confirmed"],
            "waitlisted": result["waitlisted"], "rejected": result["rejected"],
            "skipped": result["skipped"], "preview_valid": preview_counts[0]}


# --- back-office pages ------------------------------------------------------------------------

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
_TOTAL = re.compile(r'<h1>[^<]*<span class="muted">\((\d+)\)</span>')


def csrf_token(html: str) -> str:
    match = _CSRF.search(html)
    if not match:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1)


def login(client):
    page = client.get("/login")
    response = client.post("/login", data={"email": ORGANIZER[0], "password": ORGANIZER[1],
                                           "csrf_token": csrf_token(page.get_data(as_text=True))})
    if response.status_code != 302:
        raise RuntimeError(f"login failed: {response.status_code} {response.get_data(as_text=True)[:300]}")


def page_cases(rows):
    later = min(300, max(1, (rows // 50) // 2))
    return [
        ("list_p1", "List, page 1 (newest first)", [""]),
        ("list_later", f"List, page {later}", [f"page={later}"]),
        ("search_name", "Search: Chinese name fragment", ["q=张伟", "q=王芳", "q=李娜", "q=陈静", "q=欧阳"]),
        ("search_org", "Search: organisation fragment", ["q=人民医院", "q=生物科技", "q=中山大学", "q=协会", "q=黄埔"]),
        ("search_mobile", "Search: mobile digits", ["q=8888", "q=13800", "q=5201", "q=0755", "q=66123"]),
        ("filter", "Filter: category + status", ["category=exhibitor&status=waitlisted",
                                                 "category=attendee&status=approved",
                                                 "category=media&status=approved"]),
        ("sort_name", "Sort by name", ["sort=name"]),
    ]


def percentile(values, fraction):
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def time_pages(app, rows, requests=60, warmup=3) -> dict:
    """Median and p95 (ms) of each back-office case, rotating through its queries."""
    out = {}
    client = app.test_client()
    login(client)
    path = f"/manage/{SLUG}/registrations"
    for key, label, queries in page_cases(rows):
        args = [dict(parse_qsl(q)) for q in queries]
        matches = {}
        for i in range(warmup):
            response = client.get(path, query_string=args[i % len(args)])
            if response.status_code != 200:
                raise RuntimeError(f"{key}: {response.status_code}")
        samples = []
        for i in range(requests):
            query = args[i % len(args)]
            t0 = time.perf_counter()
            response = client.get(path, query_string=query)
            body = response.get_data(as_text=True)
            samples.append((time.perf_counter() - t0) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{key}: {response.status_code}")
            if len(matches) < len(args):
                found = _TOTAL.search(body)
                matches[queries[i % len(args)] or "(none)"] = int(found.group(1)) if found else None
        out[key] = {"label": label, "n": len(samples), "median_ms": statistics.median(samples),
                    "p95_ms": percentile(samples, 0.95), "max_ms": max(samples), "matches": matches}
    # the public form page, for information (item 3 fetches it once per client session)
    samples = []
    for i in range(warmup + requests // 2):
        t0 = time.perf_counter()
        response = client.get(f"/e/{SLUG}/register")
        response.get_data()
        if i >= warmup:
            samples.append((time.perf_counter() - t0) * 1000)
    out["form_get"] = {"label": "Public registration form (GET), for information", "n": len(samples),
                       "median_ms": statistics.median(samples), "p95_ms": percentile(samples, 0.95),
                       "max_ms": max(samples), "matches": {}}
    return out


# --- profiles (not timed: cProfile slows everything down) -------------------------------------

def _write_profile(profile, name, lines=35) -> str:
    OUT.mkdir(exist_ok=True)
    text = io.StringIO()
    stats = pstats.Stats(profile, stream=text)
    stats.sort_stats("cumulative").print_stats(lines)
    text.write("\n--- by own time ---\n")
    stats.sort_stats("tottime").print_stats(lines)
    path = OUT / f"profile-{name}.txt"
    path.write_text(text.getvalue())
    stats.dump_stats(OUT / f"profile-{name}.prof")  # for snakeviz / pstats
    return str(path)


def profile_import(app, user_id, event_id, content, name) -> str:
    profile = cProfile.Profile()
    with app.test_request_context(base_url="http://127.0.0.1"):
        event = db.session.get(Event, event_id)
        actor = db.session.get(User, user_id)
        profile.enable()
        batch = csvio.upload(event, "profile.csv", content, actor=actor)
        db.session.commit()
        csvio.run(event, batch, {k: int(v) for k, v in batch.mapping.items()}, actor=actor)
        db.session.commit()
        profile.disable()
    return _write_profile(profile, name)


def profile_pages(app, rows, name, requests=10) -> list[str]:
    client = app.test_client()
    login(client)
    path = f"/manage/{SLUG}/registrations"
    written = []
    for key, _label, queries in page_cases(rows):
        args = [dict(parse_qsl(q)) for q in queries]
        client.get(path, query_string=args[0])
        profile = cProfile.Profile()
        profile.enable()
        for i in range(requests):
            response = client.get(path, query_string=args[i % len(args)])
            response.get_data()
            if response.status_code != 200:
                raise RuntimeError(f"{key}: HTTP {response.status_code}")
        profile.disable()
        written.append(_write_profile(profile, f"{name}-{key}", lines=25))
    return written


def profile_submissions(app, name, org_names, submissions=100, first=0) -> str:
    """The registration POST in-process (same view, same service, CSRF on), to see where it spends."""
    client = app.test_client()
    token = csrf_token(client.get(f"/e/{SLUG}/register").get_data(as_text=True))
    rng = random.Random(7)
    profile = cProfile.Profile()
    profile.enable()
    for n in range(first, first + submissions):
        response = client.post(f"/e/{SLUG}/register", data={
            "csrf_token": token, "name": "测试" + demo.person_name(rng), "organisation": rng.choice(org_names),
            "org_type": "hospital", "position": "主任", "mobile": f"17{n:09d}",
            "email": f"profile{n}@bench.example.cn", "category": "attendee"})
        if response.status_code != 302:
            raise RuntimeError(f"profile submission: {response.status_code}")
    profile.disable()
    return _write_profile(profile, name)
