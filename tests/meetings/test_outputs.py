"""Table cards and broker schedules: from the published schedule, with the event and the date on
each page, the broker's name once at the top (not on every line), the two sides in columns."""
import subprocess

from eventops.core.timeutil import now_utc
from eventops.extensions import db
from eventops.meetings import outputs, placing, publishing, zone


def _text(tmp_path, name, body):
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(body)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_table_cards_and_broker_schedules(zone_event, organizer, tmp_path):
    event, p, broker = zone_event["event"], zone_event["people"], zone_event["broker"]
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    nuclear = zone.ask(event, p[0], p[2], topic="核医药", needs_broker=True, actor=organizer)
    placing.place(event, nuclear, slots[0], tables[0], broker, actor=organizer)
    placing.place(event, zone.ask(event, p[3], p[4], topic="核医药", needs_broker=True, actor=organizer),
                  slots[1], tables[0], broker, actor=organizer)
    publishing.announce(event, actor=organizer)
    draft = placing.place(event, zone.ask(event, p[1], p[3], actor=organizer), slots[2], tables[1], actor=organizer)
    db.session.commit()
    published = publishing.published_meetings_of(event)
    assert draft not in published

    cards = _text(tmp_path, "cards", outputs.table_cards(event, tables, published, printed_at=now_utc()))
    pages = cards.split("\f")
    assert "洽谈桌 T001" in pages[0] and "洽谈桌 T002" in pages[1]
    for page in pages[:2]:
        assert event.name_zh in page and "2030年5月24日" in page
    assert "09:00–09:20" in pages[0] and "郑小飞" in pages[0] and "刘宏" in pages[0] and "×" not in cards
    assert "张忠德" not in pages[1]  # the draft meeting is not on the printed card

    schedules = _text(tmp_path, "brokers", outputs.broker_schedules(event, [broker], published, printed_at=now_utc()))
    assert schedules.count("李媛") == 1  # the broker's name at the top, once
    assert event.name_zh in schedules and "2030年5月24日" in schedules and "核医药" in schedules
    assert "09:00–09:20" in schedules and "09:25–09:45" in schedules and "T001" in schedules


def test_many_meetings_run_over_pages_with_the_header_again(zone_event, organizer, tmp_path):
    from datetime import date, time
    event, p = zone_event["event"], zone_event["people"]
    zone.generate_slots(event, date(2030, 5, 25), time(8, 0), time(20, 0), length=10, gap=0, actor=organizer)
    slots, table = zone.slots_of(event), zone.tables_of(event)[0]
    request = zone.ask(event, p[0], p[1], actor=organizer)
    meeting = placing.place(event, request, slots[0], table, actor=organizer)
    publishing.announce(event, actor=organizer)
    meetings = [meeting] * 40  # the same row drawn 40 times: enough rows for three pages
    cards = _text(tmp_path, "long", outputs.table_cards(event, [table], meetings, printed_at=now_utc()))
    pages = [page for page in cards.split("\f") if page.strip()]
    assert len(pages) >= 2 and "洽谈桌 T001（续）" in pages[1] and event.name_zh in pages[1]
    assert "第 2 页" in pages[1]


def test_a_name_with_ext_b_is_printed_whole(zone_event, organizer, tmp_path):
    """𠮷 (CJK Extension B) comes from the fallback font, in the picture and in the text layer."""
    event, p, broker = zone_event["event"], zone_event["people"], zone_event["broker"]
    p[0].name = "郑\U00020BB7飞"
    slots, tables = zone.slots_of(event), zone.tables_of(event)
    placing.place(event, zone.ask(event, p[0], p[2], topic="核医药", needs_broker=True, actor=organizer),
                  slots[0], tables[0], broker, actor=organizer)
    publishing.announce(event, actor=organizer)
    db.session.commit()
    body = outputs.table_cards(event, tables[:1], publishing.published_meetings_of(event), printed_at=now_utc())
    assert "郑\U00020BB7飞" in _text(tmp_path, "cards", body)
    path = tmp_path / "cards.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "HanaMin" in fonts, fonts
