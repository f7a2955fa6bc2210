"""NUL and other control characters are answered 400 with a message, on every route of the URL
map, whether they come in the path, the query string, a form or a JSON body."""
import re

import pytest

from ..world import build

CONTROLS = ["\x00", "\x1b", "\x7f", "\x85"]
MESSAGE_ZH = "控制字符"


@pytest.fixture
def admin_client(app):
    world = build(app)
    client = app.test_client()
    user = world.users["admin"]
    assert client.post("/login", data={"email": user.email, "password": world.passwords["admin"]}).status_code == 302
    return world, client


def _fill(rule, values, bad=None):
    """The rule's URL with real values; ``bad`` goes into the first argument that takes text."""
    placed = False

    def fill(match):
        nonlocal placed
        converter, _, name = match.group(1).rpartition(":")
        if bad is not None and not placed and converter in ("", "string", "path"):
            placed = True
            return f"a{bad}b"
        return str(values.get(name, "x"))
    return re.sub(r"<([^>]+)>", fill, rule.rule), placed


def _refused(response, url):
    assert response.status_code == 400, (url, response.status_code)
    if response.is_json:
        assert response.get_json()["error"] == "control_characters", url
    else:
        assert MESSAGE_ZH in response.get_data(as_text=True), url


def test_control_characters_are_refused_everywhere(app, admin_client):
    world, client = admin_client
    values = {**world.values, "token": world.token}
    for bad in CONTROLS:
        _walk(app, client, values, bad)


def _walk(app, client, values, bad):
    walked = 0
    for rule in app.url_map.iter_rules():
        methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
        url, _ = _fill(rule, values)
        bad_path, placed = _fill(rule, values, bad)
        for method in methods:
            send = client.get if method == "GET" else client.post
            if placed:
                _refused(send(bad_path), bad_path)
            _refused(send(url, query_string={"q": f"张{bad}"}), url)
            _refused(send(url, query_string={f"k{bad}": "v"}), url)
            if method == "POST":
                form = {"email": f"organizer{bad}@eventops.demo", "password": "x", "name": f"张{bad}三",
                        "q": bad, "note": f"line\n{bad}"}
                _refused(client.post(url, data=form), url)
                _refused(client.post(url, json={"code": f"EO1:{bad}", "nonce": "n" * 10, "list": [{"x": bad}]}), url)
            walked += 1
    assert walked >= len(list(app.url_map.iter_rules()))


def test_line_breaks_and_tabs_in_values_are_text(app, client, organizer):
    # a wrong password with a tab is a wrong password, not a bad request
    assert client.post("/login", data={"email": organizer.email, "password": "a\tb\r\nc"}).status_code == 401
    assert client.get("/e/x%09y").status_code == 400  # but never in the path


def test_the_message_is_english_for_english_readers(client):
    response = client.get("/login?lang=en&q=%00")
    assert response.status_code == 400 and "control characters" in response.get_data(as_text=True)
