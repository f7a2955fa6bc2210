"""PDFs for the zone: a card per table with its schedule, and a schedule per broker. Renderers
take data and return bytes."""
import io

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ..core.fonts import cjk_font
from ..core.timeutil import to_zone


def _page(c, title, subtitle, rows, tz):
    font = cjk_font()
    width, height = landscape(A4)
    c.setFont(font, 40)
    c.drawCentredString(width / 2, height - 40 * mm, title)
    c.setFont(font, 12)
    c.drawCentredString(width / 2, height - 50 * mm, subtitle)
    y = height - 65 * mm
    c.setFont(font, 12)
    for meeting, who in rows:
        start = to_zone(meeting.slot.starts_at, tz).strftime("%H:%M")
        end = to_zone(meeting.slot.ends_at, tz).strftime("%H:%M")
        c.drawString(25 * mm, y, f"{start}–{end}")
        c.drawString(55 * mm, y, who[:80])
        y -= 8 * mm
        if y < 20 * mm:
            c.showPage()
            c.setFont(font, 12)
            y = height - 25 * mm
    c.showPage()


def _who(meeting):
    a, b = meeting.participant_a, meeting.participant_b
    text = f"{a.name}（{a.organisation.name}） × {b.name}（{b.organisation.name}）"
    if meeting.broker is not None:
        text += f"  · 经纪人 {meeting.broker.registration.name}"
    return text


def table_cards(event, tables, meetings) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=landscape(A4), pageCompression=1)
    by_table = {}
    for meeting in meetings:
        by_table.setdefault(meeting.table_id, []).append(meeting)
    for table in tables:
        rows = [(m, _who(m)) for m in sorted(by_table.get(table.id, []), key=lambda m: m.slot.starts_at)]
        _page(c, f"洽谈桌 {table.code}", f"{event.name_zh} · 一对一洽谈区 {table.zone} 区", rows, event.timezone)
    c.save()
    return out.getvalue()


def broker_schedules(event, brokers, meetings) -> bytes:
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=landscape(A4), pageCompression=1)
    for broker in brokers:
        rows = [(m, f"{m.table.code} · {_who(m)}") for m in sorted(
            (m for m in meetings if m.broker_id == broker.id), key=lambda m: m.slot.starts_at)]
        _page(c, f"经纪人 {broker.registration.name}", f"{event.name_zh} · {'、'.join(broker.specialties)}", rows,
              event.timezone)
    c.save()
    return out.getvalue()
