"""PDFs for the zone, from the published schedule: a card per table and a schedule per broker,
each with the event and the date on every page, the meetings in columns (time, table, the two
sides, broker or topic), a day heading when the zone runs over several days, and when it was
printed. Renderers take data and return bytes."""
import io
from datetime import datetime

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ..core import fonts
from ..core.timeutil import to_zone

WIDTH, HEIGHT = landscape(A4)
LEFT, RIGHT, BOTTOM = 18 * mm, WIDTH - 18 * mm, 18 * mm
ROW = 8.5 * mm
WEEKDAYS = "一二三四五六日"


# --- drawing text (one place: the font, the anchor, fitting a column) --------------------------------

ALIGN = {"start": "left", "middle": "centre", "end": "right"}


def _draw(c, x, y, text, size, anchor="start"):
    """Each character in the first font of the chain that has it (core.fonts: 𠮷 from the fallback)."""
    fonts.draw(c, x, y, text, size, ALIGN[anchor])


def _width(text, size) -> float:
    return fonts.width(text, size)


def _fit(text, size, room) -> str:
    """``text`` cut with an ellipsis to fit ``room`` points."""
    if _width(text, size) <= room:
        return text
    while text and _width(text + "…", size) > room:
        text = text[:-1]
    return text + "…"


def day_label(moment) -> str:
    return f"{moment.year}年{moment.month}月{moment.day}日（星期{WEEKDAYS[moment.weekday()]}）"


def _who(registration) -> str:
    return f"{registration.name}（{registration.organisation.name}）"


# --- a page of rows ---------------------------------------------------------------------------------

class _Sheet:
    """Pages of one table or one broker: the header on every page, rows in columns, day headings."""

    def __init__(self, c, event, title, subtitle, columns, printed_at):
        self.c, self.event, self.title, self.subtitle = c, event, title, subtitle
        self.columns, self.printed_at, self.page = columns, printed_at, 0
        self.y = 0

    def _header(self, continued=False):
        self.page += 1
        _draw(self.c, WIDTH / 2, HEIGHT - 32 * mm, self.title + ("（续）" if continued else ""), 36, "middle")
        _draw(self.c, WIDTH / 2, HEIGHT - 42 * mm, _fit(self.subtitle, 13, RIGHT - LEFT), 13, "middle")
        _draw(self.c, LEFT, BOTTOM - 8 * mm, _fit(f"{self.event.name_zh} · 以已公布的日程为准", 9, RIGHT - LEFT - 60 * mm), 9)
        _draw(self.c, RIGHT, BOTTOM - 8 * mm, f"印制于 {self.printed_at:%Y-%m-%d %H:%M} · 第 {self.page} 页", 9, "end")
        self.y = HEIGHT - 56 * mm
        x = LEFT
        for label, share in self.columns:
            _draw(self.c, x, self.y, label, 10)
            x += share * (RIGHT - LEFT)
        self.c.setLineWidth(0.5)
        self.c.line(LEFT, self.y - 2.5 * mm, RIGHT, self.y - 2.5 * mm)
        self.y -= ROW

    def _room(self, height):
        if self.page == 0:
            self._header()
        elif self.y - height < BOTTOM:
            self.c.showPage()
            self._header(continued=True)

    def day(self, label):
        self._room(2 * ROW)
        _draw(self.c, LEFT, self.y, label, 13)
        self.y -= ROW

    def row(self, cells):
        self._room(ROW)
        x = LEFT
        for (label, share), text in zip(self.columns, cells):
            room = share * (RIGHT - LEFT) - 3 * mm
            _draw(self.c, x, self.y, _fit(text or "", 12, room), 12)
            x += share * (RIGHT - LEFT)
        self.y -= ROW

    def empty(self, text):
        self._room(ROW)
        _draw(self.c, LEFT, self.y, text, 12)
        self.y -= ROW

    def close(self):
        if self.page == 0:
            self._header()
        self.c.showPage()


def _by_day(event, meetings):
    """[(day label, [meetings])] in order, by each meeting's published slot."""
    days = {}
    for meeting in sorted(meetings, key=lambda m: (m.published_slot.starts_at, m.published_table.code)):
        days.setdefault(to_zone(meeting.published_slot.starts_at, event.timezone).date(), []).append(meeting)
    return [(day_label(day), rows) for day, rows in days.items()]


def _dates(event, meetings, everyone=()) -> str:
    """The days of ``meetings``; without any, the days of the whole zone's (``everyone``), else the
    event's first day."""
    days = sorted({to_zone(m.published_slot.starts_at, event.timezone).date() for m in meetings or everyone})
    if not days:
        days = [to_zone(event.starts_at, event.timezone).date()]
    return "、".join(day_label(d) for d in days)


def _times(event, meeting) -> str:
    start = to_zone(meeting.published_slot.starts_at, event.timezone)
    return f"{start:%H:%M}–{to_zone(meeting.published_slot.ends_at, event.timezone):%H:%M}"


def _rows(sheet, event, meetings, cells, nothing):
    groups = _by_day(event, meetings)
    if not groups:
        sheet.empty(nothing)
    for label, rows in groups:
        if len(groups) > 1:
            sheet.day(label)
        for meeting in rows:
            sheet.row(cells(meeting))
    sheet.close()


# --- the two documents ---------------------------------------------------------------------------

def table_cards(event, tables, meetings, *, printed_at: datetime) -> bytes:
    """A card per table: its published meetings, in order. ``meetings``: the published schedule."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=landscape(A4), pageCompression=1)
    c.setTitle(f"{event.name_zh} · 洽谈桌桌卡")
    printed = to_zone(printed_at, event.timezone)
    by_table = {}
    for meeting in meetings:
        by_table.setdefault(meeting.published_table_id, []).append(meeting)
    with_broker = any(m.published_broker_id for m in meetings)
    columns = [("时间", 0.13), ("一方", 0.33), ("另一方", 0.33)] + ([("经纪人", 0.21)] if with_broker else [])
    for table in tables:
        mine = by_table.get(table.id, [])
        sheet = _Sheet(c, event, f"洽谈桌 {table.code}",
                       f"{event.name_zh} · 一对一洽谈区 {table.zone} 区 · {_dates(event, mine, meetings)}", columns, printed)
        _rows(sheet, event, mine, lambda m: [_times(event, m), _who(m.participant_a), _who(m.participant_b),
                                             m.published_broker.registration.name if m.published_broker else ""],
              "本桌暂无已公布的洽谈。")
    c.save()
    return out.getvalue()


def broker_schedules(event, brokers, meetings, *, printed_at: datetime) -> bytes:
    """A schedule per broker: their name once at the top, then their published meetings."""
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=landscape(A4), pageCompression=1)
    c.setTitle(f"{event.name_zh} · 经纪人日程")
    printed = to_zone(printed_at, event.timezone)
    columns = [("时间", 0.12), ("洽谈桌", 0.09), ("一方", 0.30), ("另一方", 0.30), ("议题", 0.19)]
    for broker in brokers:
        mine = [m for m in meetings if m.published_broker_id == broker.id]
        specialties = "、".join(broker.specialties)
        subtitle = " · ".join(part for part in (event.name_zh, specialties, _dates(event, mine, meetings)) if part)
        sheet = _Sheet(c, event, f"经纪人 {broker.registration.name}", subtitle, columns, printed)
        _rows(sheet, event, mine, lambda m: [_times(event, m), m.published_table.code, _who(m.participant_a),
                                             _who(m.participant_b), m.request.topic or ""],
              "暂无已公布的洽谈。")
    c.save()
    return out.getvalue()
