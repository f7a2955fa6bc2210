"""Every route under /manage, /exhibitor, /api and /r, taken from the app's URL map, tried by
every kind of visitor against a table of expected answers. A route without a row fails the test:
whoever adds a route says here who may use it.

Visitors: anonymous; an attendee who opened their personal link; door staff, signing clerk and
exhibitor manager of the event; the organizer of another event; the event's organizer; an admin.
Answers: "login" (sent to sign in, 401 under /api), 403, 404, or what the allowed visitor gets for
the request as sent (GET, or a POST with an empty form: 200, 302, 400...). Every answer under
these addresses is also `Cache-Control: no-store` (the public live total and the scanner's service worker: no-cache) and none is 500.
"""
import os
import re

import pytest

from .world import ACTORS, build

PREFIXES = ("/manage", "/exhibitor", "/api", "/r/")
LOGIN = "login"
SIGNED_IN = {"door", "clerk", "manager", "stranger", "organizer", "admin"}
ORGANIZER = {"organizer", "admin"}
DOOR = ORGANIZER | {"door"}
CLERK = ORGANIZER | {"clerk"}
STAFF = ORGANIZER | {"door", "clerk"}
PORTAL = {"manager", "admin"}
CREATORS = ORGANIZER | {"stranger"}  # people who organize an event may start another


def needs(allowed, ok, **others):
    """The answers when ``allowed`` visitors get ``ok``: anonymous visitors and attendees are sent
    to sign in, other signed-in visitors are refused (403); ``others`` override one visitor."""
    answers = {actor: ok if actor in allowed else (403 if actor in SIGNED_IN else LOGIN) for actor in ACTORS}
    answers.update(others)
    return answers


def personal(ok):
    """A /r/<secret> page: the holder of the link gets ``ok``; whoever does not hold it, signed in
    or not, finds nothing there (404)."""
    return {actor: ok if actor == "attendee" else 404 for actor in ACTORS}


def everyone(ok):
    return {actor: ok for actor in ACTORS}


EXPECTED = {
    # the check-in API: door staff sessions (devices use a bearer token, tested in tests/checkin)
    "GET /api/v1/events/<slug>/checkins/search": needs(DOOR, 200),
    "GET /api/v1/events/<slug>/checkins/pack": needs(DOOR, 200),  # the offline pack of a scanner
    "GET /api/v1/events/<slug>/scanner/session": needs(DOOR, 200),
    "GET /api/v1/events/<slug>/gates": needs(DOOR, 200),
    "POST /api/v1/events/<slug>/checkins": needs(DOOR, 400),
    "GET /api/v1/events/<slug>/signings/summary": everyone(200),  # the hall's big screen
    # the exhibitor portal: an organisation's own managers, and admins
    "GET /exhibitor/<slug>/": needs({"manager"}, 200),  # the demo's manager has two organisations to pick from
    "GET /exhibitor/<slug>/<int:org_id>/": needs(PORTAL, 200),
    "GET /exhibitor/<slug>/<int:org_id>/leads.csv": needs(PORTAL, 200),
    "POST /exhibitor/<slug>/<int:org_id>/booth": needs(PORTAL, 302),
    "POST /exhibitor/<slug>/<int:org_id>/demands": needs(PORTAL, 400),
    "POST /exhibitor/<slug>/<int:org_id>/files": needs(PORTAL, 400),
    "POST /exhibitor/<slug>/<int:org_id>/leads": needs(PORTAL, 400),
    "POST /exhibitor/<slug>/<int:org_id>/profile": needs(PORTAL, 302),
    # the back office
    "GET /manage/": needs(SIGNED_IN, 200),  # one's own events
    "GET /manage/new": needs(CREATORS, 200),
    "POST /manage/new": needs(CREATORS, 400),
    "GET /manage/<slug>/": needs(ORGANIZER, 200, door=302, clerk=302),  # staff: to their own page
    "GET /manage/<slug>/audit": needs(ORGANIZER, 200),
    "GET /manage/<slug>/edit": needs(ORGANIZER, 200),
    "POST /manage/<slug>/edit": needs(ORGANIZER, 302),
    "GET /manage/<slug>/outbox": needs(ORGANIZER, 200),
    "POST /manage/<slug>/outbox/<int:message_id>/resend": needs(ORGANIZER, 302),
    # jobs: each visitor sees the kinds of job they may start (job 999999 does not exist)
    "GET /manage/<slug>/jobs/": needs(STAFF, 200),
    "GET /manage/<slug>/jobs/<int:job_id>": needs(STAFF, 404),
    "GET /manage/<slug>/jobs/<int:job_id>/file": needs(STAFF, 404),
    "GET /manage/<slug>/jobs/<int:job_id>/status": needs(STAFF, 404),
    "GET /manage/<slug>/questions": needs(ORGANIZER, 200),
    "POST /manage/<slug>/questions": needs(ORGANIZER, 400),
    "POST /manage/<slug>/questions/<int:question_id>/delete": needs(ORGANIZER, 302),
    "GET /manage/<slug>/team": needs(ORGANIZER, 200),
    "POST /manage/<slug>/team": needs(ORGANIZER, 400),
    "POST /manage/<slug>/team/<int:grant_id>/revoke": needs(ORGANIZER, 302),
    # registrations
    "GET /manage/<slug>/registrations": needs(ORGANIZER, 200),
    "GET /manage/<slug>/registrations/export.csv": needs(ORGANIZER, 200),
    "GET /manage/<slug>/registrations/<int:registration_id>": needs(ORGANIZER, 200),
    "GET /manage/<slug>/registrations/<int:registration_id>/badge.pdf": needs(ORGANIZER, 200),
    "GET /manage/<slug>/registrations/message": needs(ORGANIZER, 200),
    "POST /manage/<slug>/registrations/message": needs(ORGANIZER, 200),  # the form again, with its errors
    "POST /manage/<slug>/registrations/links": needs(ORGANIZER, 302),  # nobody chosen: back to the list
    "POST /manage/<slug>/registrations/<int:registration_id>": needs(ORGANIZER, 400),
    "POST /manage/<slug>/registrations/<int:registration_id>/<action>": needs(ORGANIZER, 302),
    "GET /manage/<slug>/import": needs(ORGANIZER, 200),
    "POST /manage/<slug>/import": needs(ORGANIZER, 400),
    "GET /manage/<slug>/import/<int:batch_id>": needs(ORGANIZER, 404),  # no such upload
    "POST /manage/<slug>/import/<int:batch_id>": needs(ORGANIZER, 404),
    "GET /manage/<slug>/lookup": needs(DOOR, 200),
    # badges and check-in
    "GET /manage/<slug>/badges": needs(ORGANIZER, 200),
    "POST /manage/<slug>/badges/print": needs(ORGANIZER, 302),  # to the print job's page
    "POST /manage/<slug>/registrations/<int:registration_id>/badge/reissue": needs(ORGANIZER, 302),
    "GET /manage/<slug>/scan": needs(DOOR, 200),
    "GET /manage/<slug>/scan-sw.js": needs(DOOR, 200),
    "GET /manage/<slug>/scan/manifest.webmanifest": needs(DOOR, 200),
    "GET /manage/<slug>/checkin/live": needs(ORGANIZER, 200),
    "POST /manage/<slug>/checkin/window": needs(ORGANIZER, 302),
    "POST /manage/<slug>/checkin/devices/<int:device_id>/test-mode": needs(ORGANIZER, 302),
    "GET /manage/<slug>/checkin": needs(ORGANIZER, 200),
    "GET /manage/<slug>/checkin/no-shows.csv": needs(ORGANIZER, 200),
    "POST /manage/<slug>/checkin/<int:check_in_id>/annul": needs(ORGANIZER, 302),
    "POST /manage/<slug>/checkin/devices": needs(ORGANIZER, 302),
    "POST /manage/<slug>/checkin/devices/<int:device_id>/revoke": needs(ORGANIZER, 302),
    "POST /manage/<slug>/checkin/gates": needs(ORGANIZER, 302),
    # the signing ledger
    "GET /manage/<slug>/signings/": needs(CLERK, 200),
    "GET /manage/<slug>/signings/new": needs(CLERK, 200),
    "POST /manage/<slug>/signings/new": needs(CLERK, 400),
    "GET /manage/<slug>/signings/<int:entry_id>": needs(CLERK, 200),
    "GET /manage/<slug>/signings/<int:entry_id>/correct": needs(CLERK, 200),
    "POST /manage/<slug>/signings/<int:entry_id>/correct": needs(CLERK, 400),
    "POST /manage/<slug>/signings/<int:entry_id>/confirm": needs(CLERK, 302),
    "POST /manage/<slug>/signings/<int:entry_id>/reverse": needs(CLERK, 302),
    "GET /manage/<slug>/signings/ledger.csv": needs(CLERK, 200),  # clerks may export what they enter
    "GET /manage/<slug>/signings/ledger.xlsx": needs(CLERK, 200),
    "POST /manage/<slug>/signings/press": needs(CLERK, 302),  # to the press PDF's job
    "GET /manage/<slug>/signings/sessions": needs(ORGANIZER, 200),
    "POST /manage/<slug>/signings/sessions": needs(ORGANIZER, 400),
    "POST /manage/<slug>/signings/sessions/<int:session_id>/close": needs(ORGANIZER, 302),
    # the showcase
    "GET /manage/<slug>/showcase/": needs(ORGANIZER, 200),
    "POST /manage/<slug>/showcase/booths": needs(ORGANIZER, 302),
    "POST /manage/<slug>/showcase/booths/assign": needs(ORGANIZER, 302),
    "POST /manage/<slug>/showcase/booths/<int:booth_id>/release": needs(ORGANIZER, 302),
    "POST /manage/<slug>/showcase/demands/<int:demand_id>/review": needs(ORGANIZER, 302),
    "POST /manage/<slug>/showcase/managers": needs(ORGANIZER, 302),
    "POST /manage/<slug>/showcase/pis": needs(ORGANIZER, 302),
    "POST /manage/<slug>/showcase/profiles/<int:profile_id>/review": needs(ORGANIZER, 302),
    # the negotiation zone
    "GET /manage/<slug>/meetings/": needs(ORGANIZER, 200),
    "GET /manage/<slug>/meetings/<kind>.pdf": needs(ORGANIZER, 200),
    "GET /manage/<slug>/meetings/instance.json": needs(ORGANIZER, 200),
    "GET /manage/<slug>/meetings/<int:meeting_id>": needs(ORGANIZER, 200),
    "GET /manage/<slug>/meetings/people/<int:registration_id>": needs(ORGANIZER, 200),
    "GET /manage/<slug>/meetings/find/people": needs(ORGANIZER, 200),
    "GET /manage/<slug>/meetings/find/requests": needs(ORGANIZER, 200),
    "GET /manage/<slug>/meetings/day": needs(DOOR, 200),  # the zone's day: hosts at the tables
    "POST /manage/<slug>/meetings/<int:meeting_id>/mark": needs(DOOR, 302),
    "POST /manage/<slug>/meetings/<int:meeting_id>/cancel": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/<int:meeting_id>/move": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/<int:meeting_id>/undo": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/requests/<int:request_id>/reopen": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/standby": needs(DOOR, 404),  # no such meeting in an empty form
    "POST /manage/<slug>/meetings/settings": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/announce": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/brokers": needs(ORGANIZER, 400),
    "POST /manage/<slug>/meetings/grid": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/place": needs(ORGANIZER, 400),
    "POST /manage/<slug>/meetings/requests": needs(ORGANIZER, 400),
    "POST /manage/<slug>/meetings/schedule": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/replan": needs(ORGANIZER, 302),
    "POST /manage/<slug>/meetings/sessions": needs(ORGANIZER, 302),
    # the attendee's personal link
    "GET /r/<token>": personal(200),
    "GET /r/<token>/edit": personal(200),
    "POST /r/<token>/edit": personal(400),
    "GET /r/<token>/badge.pdf": personal(200),
    "GET /r/<token>/qr.svg": personal(200),
    "GET /r/<token>/meetings": personal(200),
    "POST /r/<token>/meetings": personal(400),
    "GET /r/<token>/meetings/people": personal(200),
    "GET /r/<token>/event.ics": personal(200),
    "POST /r/<token>/links/revoke": personal(302),
    "GET /r/<token>/agenda.ics": personal(200),
    "POST /r/<token>/cancel": personal(302),
}
#: sent last by each visitor: after it, the pages above would answer differently
LAST = {"POST /r/<token>/cancel"}
#: no-cache rather than no-store when served (refusals stay no-store): the public live total, and the scanner's service worker (the
#: browser checks it for an update on every visit and keeps it for the offline door)
NO_CACHE = {"GET /api/v1/events/<slug>/signings/summary", "GET /manage/<slug>/scan-sw.js"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(PREFIXES):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield f"{method} {rule.rule}", method, rule


def _url(rule, values, actor):
    def fill(match):
        name = match.group(1).split(":")[-1]
        if name == "token" and actor != "attendee":
            return "x" * 43  # a link nobody was given
        return str(values[name])
    return re.sub(r"<([^>]+)>", fill, rule.rule)


def _client(app, world, actor):
    client = app.test_client()
    if actor == "attendee":
        assert client.get(f"/r/{world.token}").status_code == 200
    elif actor != "anonymous":
        user = world.users[actor]
        response = client.post("/login", data={"email": user.email, "password": world.passwords[actor]})
        assert response.status_code == 302, (actor, response.status_code)
    return client


def answer(response):
    if response.status_code == 401 or (response.status_code == 302 and "/login" in response.headers.get("Location", "")):
        return LOGIN
    return response.status_code


def observe(app, world):
    """{route: {actor: (answer, Cache-Control)}}: GETs before POSTs, the organizer and admin last
    (their POSTs act for real), what each visitor deletes their own."""
    ordered = sorted(routes(app), key=lambda r: (r[0] in LAST, r[1] != "GET", r[0]))
    seen = {}
    for actor in ACTORS:
        client = _client(app, world, actor)
        for key, method, rule in ordered:
            url = _url(rule, world.values_for(actor), actor)
            if method == "GET":
                response = client.get(url)
            elif rule.rule.startswith("/api/"):
                response = client.post(url, json={})
            else:
                response = client.post(url, data={})
            response.get_data()  # a streamed download is read to its end
            seen.setdefault(key, {})[actor] = (answer(response), response.headers.get("Cache-Control"))
    return seen


@pytest.fixture
def world(app):
    return build(app)


def test_every_route_has_a_row(app):
    listed = {key for key, _method, _rule in routes(app)}
    assert sorted(listed - set(EXPECTED)) == [], "routes without a row in EXPECTED: say who may use them"
    assert sorted(set(EXPECTED) - listed) == [], "rows for routes that are gone"


def test_every_visitor_gets_the_expected_answer_from_every_route(app, world):
    seen = observe(app, world)
    if os.environ.get("EVENTOPS_PRINT_MATRIX"):
        for key, answers in sorted(seen.items()):
            print(f"    {key!r}: " + "{" + ", ".join(f"{a!r}: {answers[a][0]!r}" for a in ACTORS) + "},")
    wrong = [f"{key} as {actor}: {got!r}, expected {EXPECTED.get(key, {}).get(actor)!r}"
             for key, answers in sorted(seen.items()) for actor, (got, _cache) in answers.items()
             if EXPECTED.get(key, {}).get(actor) != got]
    assert not wrong, "\n".join(wrong)
    not_private = [f"{key} as {actor}: Cache-Control {cache!r}"
                   for key, answers in sorted(seen.items()) for actor, (got, cache) in answers.items()
                   if cache != ("no-cache" if key in NO_CACHE and got == 200 else "no-store")]
    assert not not_private, "\n".join(not_private)
