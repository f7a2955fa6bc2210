"""Every text that goes into a PDF is drawn as written (issue 12, item 5): badges, table cards,
broker schedules and the press PDF, with markup (`<`, `&`, `<img src=/etc/passwd>`), an emoji and
a CJK Extension B character. Nothing raises, nothing is interpreted as markup, and the text layer
(pdftotext) holds the words as they were typed."""
import subprocess
from datetime import datetime, timezone
from types import SimpleNamespace

import pytest

from eventops.badges import render
from eventops.core.timeutil import now_utc
from eventops.extensions import db
from eventops.ledger import reports
from eventops.meetings import outputs, placing, publishing, zone

from .meetings.conftest import zone_event  # noqa: F401  (a fixture)

JI = "\U00020BB7"  # 𠮷, CJK Extension B
HOSTILE = ["<b>张&伟</b>", "<img src=/etc/passwd>", "欧阳" + JI, "李🎉娜", "A & B <院企>"]


def _text(tmp_path, name, body: bytes) -> str:
    assert body.startswith(b"%PDF")
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(body)
    return " ".join(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())


def _kept(text, value):
    """The value is in the text layer, save the emoji (no font here has one: drawn as a box)."""
    return value.replace("🎉", "") in text.replace("🎉", "")


@pytest.mark.parametrize("name", HOSTILE)
def test_badges(app, tmp_path, name):
    with app.test_request_context():
        pdf = render.render([render.BadgeData(name, name, name, "vip", "hospital", name, name, "EO1:" + "A" * 26)])
    text = _text(tmp_path, "badge", pdf)
    assert text.count(name.replace("🎉", "")) >= 3, text  # name, organisation and position, as typed


def test_table_cards_and_broker_schedules(zone_event, organizer, tmp_path):
    event, p, broker = zone_event["event"], zone_event["people"], zone_event["broker"]
    for person, name in zip(p, HOSTILE):
        person.name = name
    broker.name = HOSTILE[1]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    placing.place(event, zone.ask(event, p[0], p[1], topic="核医药", needs_broker=True, actor=organizer),
                  slots[0], tables[0], broker, actor=organizer)
    placing.place(event, zone.ask(event, p[2], p[3], actor=organizer), slots[1], tables[0], actor=organizer)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    published = publishing.published_meetings_of(event)
    cards = _text(tmp_path, "cards", outputs.table_cards(event, tables[:1], published, printed_at=now_utc()))
    schedules = _text(tmp_path, "brokers", outputs.broker_schedules(event, [broker], published, printed_at=now_utc()))
    for name in HOSTILE[:4]:
        assert _kept(cards, name), (name, cards)
    assert _kept(schedules, HOSTILE[1]) and _kept(schedules, HOSTILE[0]), schedules


def test_press_pdf(app, tmp_path):
    event = SimpleNamespace(name_zh=HOSTILE[0] + HOSTILE[1], timezone="Asia/Shanghai", slug="press")
    summary = {"total_fen": 150_000_000_00, "contracts": 2, "undisclosed": 0,
               "by_category": {"strategic_cooperation": {"contracts": 2, "total_fen": 150_000_000_00}},
               "by_session": {}}
    hospitals = [(name, {"contracts": 1, "total_fen": 75_000_000_00}) for name in HOSTILE[2:]]
    with app.test_request_context():
        pdf = reports.press_pdf(event, summary, {}, hospitals, datetime(2030, 5, 24, 8, tzinfo=timezone.utc))
    text = _text(tmp_path, "press", pdf)
    for name in [event.name_zh] + HOSTILE[2:]:
        assert _kept(text, name), (name, text)
