"""The measuring half of ``run.py``: the data set, the CSV import, the back-office list/search pages
through the Flask test client (logged in as the organizer), registration POSTs through gunicorn
side by side with the minimal one-INSERT app, and the profiles.

Nothing here is a test: it measures and returns figures; ``run.py`` prints and records them.
"""
import cProfile
import itertools
import random
import statistics
import time
from urllib.parse import parse_qsl, urlencode

import fixtures
import harness
from harness import OUT, Browser, Server, Tally, drive, merged, percentile, summary_ms

SLUG = "bench-30k"
ORGANIZER = ("organizer@bench.example.cn", "bench-organizer-password")
# how the CSV spells the categories (words the import understands)
CATEGORY_WORD = {"attendee": "参会者", "exhibitor": "展商", "broker": "专业经纪人", "speaker": "演讲嘉宾", "media": "媒体",
                 "vip": "贵宾", "staff": "工作人员"}


# --- data set ---------------------------------------------------------------------------------

def people(rows, seed=2025, org_count=1000):
    """``rows`` registrants as CSV rows: Chinese names, organisations, unique mobiles and e-mails."""
    from eventops.demo import data as demo
    rng = random.Random(seed)
    orgs = fixtures.organisations(rng, org_count)
    by_type = {}
    for name, org_type in orgs:
        by_type.setdefault(org_type, []).append(name)
    types = list(demo.ORG_TYPE_WEIGHTS)
    weights = [demo.ORG_TYPE_WEIGHTS[t] for t in types]
    used = set()
    out = []
    for index in range(rows):
        org_type = rng.choices(types, weights=weights)[0]
        org = rng.choice(by_type[org_type])
        category = CATEGORY_WORD[demo.category_for(rng, org_type)]
        mobile = None
        for _attempt in range(1000):
            mobile = f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
            if mobile not in used:
                break
        used.add(mobile)
        # a few numbers typed the way people type them: the import normalises them
        shown = mobile if rng.random() < 0.9 else f"{mobile[:3]} {mobile[3:7]} {mobile[7:]}"
        out.append([demo.person_name(rng), org, fixtures.ORG_TYPE_WORD[org_type],
                    rng.choice(demo.POSITIONS.get(org_type, ["代表"])), shown,
                    f"guest{index + 1:05d}@{rng.choice(['example.cn', 'example.com', 'hosp.example.cn'])}",
                    category])
    return out, orgs


def create_event(app):
    """The organizer and the event: no overall capacity, some category limits (so that the import
    also waitlists people, which the status filter then finds)."""
    from eventops.accounts import services as accounts
    from eventops.extensions import db
    with app.app_context():
        organizer = accounts.create_user(ORGANIZER[0], ORGANIZER[1], name="主办方")
        event = fixtures.create_event(organizer, SLUG, "广州研究型医院联盟院企合作活动（压测）", "Benchmark event",
                                     category_capacities={"exhibitor": 3000, "media": 600})
        db.session.commit()
        ids = organizer.id, event.id
        db.session.remove()
        return ids


# --- CSV import -------------------------------------------------------------------------------

def import_csv(app, user_id, event_id, content: bytes) -> dict:
    """upload + commit, preview (analyse, as the page shows it), run + commit; seconds each."""
    from eventops.accounts.models import User
    from eventops.events.models import Event
    from eventops.extensions import db
    from eventops.registration import csvio
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
    return {"upload_s": t1 - t0, "preview_s": t2 - t1, "run_s": t3 - t2, "total_s": (t1 - t0) + (t3 - t2),
            "imported": result["imported"], "confirmed": result["confirmed"],
            "waitlisted": result["waitlisted"], "rejected": result["rejected"],
            "skipped": result["skipped"], "preview_valid": len(analysis.valid)}


# --- back-office pages ------------------------------------------------------------------------

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


def _page(client, path, query, key):
    response = client.get(path, query_string=query)
    body = response.get_data(as_text=True)
    if response.status_code != 200:
        raise RuntimeError(f"{key}: HTTP {response.status_code}")
    return body


def time_pages(app, rows, requests=60, warmup=3) -> dict:
    """Median and p95 (ms) of each back-office case, rotating through its queries."""
    import re
    # the list's total: a number, or "more than 5,000" when the count is capped
    total = re.compile(r'<h1>[^<]*<span class="muted" id="total"[^>]*>\(([^)]*)\)</span>')
    out = {}
    client = app.test_client()
    fixtures.login(client, *ORGANIZER)
    path = f"/manage/{SLUG}/registrations"
    for key, label, queries in page_cases(rows):
        args = [dict(parse_qsl(q)) for q in queries]
        matches = {}
        for i in range(warmup):
            _page(client, path, args[i % len(args)], key)
        samples = []
        for i in range(requests):
            t0 = time.perf_counter()
            body = _page(client, path, args[i % len(args)], key)
            samples.append((time.perf_counter() - t0) * 1000)
            if len(matches) < len(args):
                found = total.search(body)
                matches[queries[i % len(args)] or "(none)"] = found.group(1) if found else None
        out[key] = summary_ms(samples, label, matches=matches)
    # the public form page, for information (the load below fetches it once per client session)
    samples = []
    for i in range(warmup + requests // 2):
        t0 = time.perf_counter()
        client.get(f"/e/{SLUG}/register").get_data()
        if i >= warmup:
            samples.append((time.perf_counter() - t0) * 1000)
    out["form_get"] = summary_ms(samples, "Public registration form (GET), for information", matches={})
    return out


# --- registration throughput through gunicorn -------------------------------------------------

def open_form(port, slug) -> tuple[Browser, float]:
    """A browser loading the registration form: session cookie + csrf_token."""
    browser = Browser()
    t0 = time.perf_counter()
    status, _location, data = browser.request(port, "GET", f"/e/{slug}/register")
    elapsed = time.perf_counter() - t0
    if status != 200:
        raise RuntimeError(f"form page: HTTP {status}")
    browser.csrf = fixtures.csrf_token(data.decode("utf-8", "replace"))
    return browser, elapsed


_numbers = itertools.count(1)  # next() on itertools.count is atomic under the GIL


def submission(browser, org_names, rng) -> str:
    """One new person: unique mobile (19xxxxxxxxx) and e-mail; mostly known organisations."""
    n = next(_numbers)
    org = rng.choice(org_names) if rng.random() < 0.95 else f"压测新单位{n}有限公司"
    return urlencode({
        "csrf_token": browser.csrf, "name": f"压测{n % 1000:03d}号",
        "organisation": org, "org_type": rng.choice(["hospital", "enterprise", "government", "university"]),
        "position": "经理", "mobile": f"19{n:09d}", "email": f"load{n}@bench.example.cn",
        "category": "attendee", "tags": "临床试验"})


def run_load(port, path, browsers, org_names, duration, ok) -> dict:
    """len(browsers) threads post new people for ``duration`` s; ``ok(status, location)`` tells a
    successful submission (only those are timed)."""
    rngs = [random.Random(i) for i in range(len(browsers))]
    tallies = [Tally() for _ in browsers]

    def step(i, _state):
        t0 = time.perf_counter()
        try:
            status, location, data = browsers[i].request(port, "POST", path,
                                                         submission(browsers[i], org_names, rngs[i]).encode())
        except OSError as exc:
            status, location, data = 0, "", str(exc).encode()
        if ok(status, location):
            tallies[i].latencies.append(time.perf_counter() - t0)
            tallies[i].good()
        else:
            tallies[i].bad(f"HTTP {status}: {data[:200].decode('utf-8', 'replace')}")

    run = drive(len(browsers), duration, step)
    m, elapsed = merged(tallies), run["elapsed_s"]
    return {"ok": m["good"], "failures": m["wrong"], "first_error": m["first_wrong"], "elapsed_s": elapsed,
            "rps": m["good"] / elapsed if elapsed else 0.0,
            "p50_ms": statistics.median(m["latencies"]) * 1000 if m["latencies"] else None,
            "p95_ms": percentile(m["latencies"], 0.95) * 1000 if m["latencies"] else None,
            "client_cpu": run["client_cpu"]}


def side_by_side(url, slug, org_names, *, threads=8, duration=12.0, rounds=2, warmup=2.0, log=print) -> dict:
    """EventOps' registration POST and the one-INSERT endpoint, same gunicorn settings, same load,
    alternating (app, minimal) ``rounds`` times so that a noisy neighbour hits both alike."""
    env = harness.server_env(url)
    app_server = Server("eventops", "wsgi:app", env)
    minimal_server = Server("minimal", "minimal:app", env, cwd=harness.BENCH)
    app_ok = lambda status, location: status == 302 and "/r/" in location  # noqa: E731
    minimal_ok = lambda status, _location: 200 <= status < 400  # noqa: E731
    register_path = f"/e/{slug}/register"
    rounds_out = []
    with app_server, minimal_server:
        forms = [open_form(app_server.port, slug) for _ in range(threads)]
        browsers, form_times = [b for b, _t in forms], [t for _b, t in forms]
        plain = [Browser() for _ in range(threads)]
        # warm both (workers' first requests: imports, pools, templates); not counted
        run_load(app_server.port, register_path, browsers, org_names, warmup, app_ok)
        run_load(minimal_server.port, "/submit", plain, org_names, warmup, minimal_ok)
        for number in range(rounds):
            a = run_load(app_server.port, register_path, browsers, org_names, duration, app_ok)
            m = run_load(minimal_server.port, "/submit", plain, org_names, duration, minimal_ok)
            for name, r in (("eventops", a), ("minimal ", m)):
                log(f"    round {number + 1}: {name} {r['rps']:.1f} req/s ({r['ok']} ok, {r['failures']} failed, "
                    f"p50 {r['p50_ms'] or 0:.0f} ms, client CPU {r['client_cpu']:.0%})")
            rounds_out.append({"eventops": a, "minimal": m})

    def total(kind):
        seconds = sum(r[kind]["elapsed_s"] for r in rounds_out)
        return sum(r[kind]["ok"] for r in rounds_out) / seconds if seconds else 0.0

    kinds = ("eventops", "minimal")
    app_rps, minimal_rps = total("eventops"), total("minimal")
    return {"app_rps": app_rps, "minimal_rps": minimal_rps, "ratio": app_rps / minimal_rps if minimal_rps else None,
            "threads": threads, "duration_s": duration, "rounds": rounds,
            "failures": {k: sum(r[k]["failures"] for r in rounds_out) for k in kinds},
            "first_errors": {k: next((r[k]["first_error"] for r in rounds_out if r[k]["first_error"]), None)
                             for k in kinds},
            "form_get_ms": statistics.median(form_times) * 1000, "per_round": rounds_out}


# --- profiles (not timed: cProfile slows everything down) -------------------------------------

def _profiled(name, fn, lines=35) -> str:
    profile = cProfile.Profile()
    profile.enable()
    fn()
    profile.disable()
    path = OUT / f"profile-{name}.txt"
    harness.write_profile(profile, path, (("cumulative", lines), ("tottime", lines)))
    return str(path)


def profile_import(app, user_id, event_id, content, name) -> str:
    from eventops.accounts.models import User
    from eventops.events.models import Event
    from eventops.extensions import db
    with app.test_request_context(base_url="http://127.0.0.1"):
        event, actor = db.session.get(Event, event_id), db.session.get(User, user_id)
        return _profiled(name, lambda: fixtures.import_csv(event, "profile.csv", content, actor=actor))


def profile_pages(app, rows, name, requests=10) -> list[str]:
    client = app.test_client()
    fixtures.login(client, *ORGANIZER)
    path = f"/manage/{SLUG}/registrations"
    written = []
    for key, _label, queries in page_cases(rows):
        args = [dict(parse_qsl(q)) for q in queries]
        client.get(path, query_string=args[0])
        written.append(_profiled(f"{name}-{key}", lambda: [_page(client, path, args[i % len(args)], key)
                                                           for i in range(requests)], lines=25))
    return written


def profile_submissions(app, name, org_names, submissions=100) -> str:
    """The registration POST in-process (same view, same service, CSRF on), to see where it spends."""
    from eventops.demo import data as demo
    client = app.test_client()
    token = fixtures.csrf_token(client.get(f"/e/{SLUG}/register").get_data(as_text=True))
    rng = random.Random(7)

    def post_all():
        for n in range(submissions):
            response = client.post(f"/e/{SLUG}/register", data={
                "csrf_token": token, "name": "测试" + demo.person_name(rng), "organisation": rng.choice(org_names),
                "org_type": "hospital", "position": "主任", "mobile": f"17{n:09d}",
                "email": f"profile{n}@bench.example.cn", "category": "attendee"})
            if response.status_code != 302:
                raise RuntimeError(f"profile submission: {response.status_code}")
    return _profiled(name, post_all)
