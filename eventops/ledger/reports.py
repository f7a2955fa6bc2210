"""Ledger reports. Renderers take data and return bytes (or text chunks); no request, no HTTP."""
import io
from datetime import datetime

import xlsxwriter
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ..core.fonts import cjk_font
from ..core.money import fen_to_decimal, format_cn_units, format_cny
from ..core.spreadsheet import csv_chunks, safe_cell
from ..core.timeutil import to_zone
from .models import CONTRACT_CATEGORIES, KIND_RECORD

STATE_LABELS = {"counted": "counted", "unconfirmed": "unconfirmed", "reversed": "reversed"}


def _header():
    return [_("No."), _("Kind"), _("Refers to"), _("Title"), _("Category"), _("Amount (yuan)"),
            _("Parties"), _("Signatories"), _("Signing session"), _("Signed at"), _("Recorded by"),
            _("Recorded at"), _("State"), _("Hash")]


def _rows(entries, sessions, states, tz, seq_by_id):
    for e in entries:
        yield [e.seq, e.kind, seq_by_id.get(e.target_id, ""), e.title, e.category_label,
               fen_to_decimal(e.amount_fen) if e.amount_fen is not None else _("undisclosed"),
               "、".join(p["name"] for p in e.parties), "、".join(e.signatories),
               sessions.get(e.session_id, ""), to_zone(e.signed_at, tz).strftime("%Y-%m-%d %H:%M") if e.signed_at else "",
               e.recorded_by_label, to_zone(e.recorded_at, tz).strftime("%Y-%m-%d %H:%M:%S"),
               states.get(e.id, "") if e.kind == KIND_RECORD else "", e.hash]


def csv_export(entries, sessions, states, tz):
    seq_by_id = {e.id: e.seq for e in entries}
    return csv_chunks(_header(), ([str(c) for c in row] for row in _rows(entries, sessions, states, tz, seq_by_id)))


def xlsx_export(entries, sessions, states, tz) -> bytes:
    seq_by_id = {e.id: e.seq for e in entries}
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(_("Ledger"))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    for col, title in enumerate(_header()):
        sheet.write_string(0, col, title, bold)
    for row_number, row in enumerate(_rows(entries, sessions, states, tz, seq_by_id), 1):
        for col, value in enumerate(row):
            if col == 5 and not isinstance(value, str):
                sheet.write_number(row_number, col, float(value), money)  # 15 digits: exact up to 10^12 yuan
            elif isinstance(value, int):
                sheet.write_number(row_number, col, value)
            else:
                sheet.write_string(row_number, col, safe_cell(value))
    sheet.freeze_panes(1, 0)
    sheet.set_column(3, 3, 40)
    sheet.set_column(6, 6, 40)
    book.close()
    return out.getvalue()


def press_pdf(event, summary, sessions, by_hospital, as_of: datetime) -> bytes:
    """One page for the press: the total, by category, by hospital and by session, stamped 'as of'."""
    font = cjk_font()
    styles = {
        "title": ParagraphStyle("t", fontName=font, fontSize=16, leading=22, spaceAfter=4),
        "big": ParagraphStyle("b", fontName=font, fontSize=28, leading=36, textColor=colors.HexColor("#0b6e4f")),
        "body": ParagraphStyle("p", fontName=font, fontSize=10, leading=15),
        "h": ParagraphStyle("h", fontName=font, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4),
    }
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm,
                            bottomMargin=16 * mm, title=f"{event.name_zh} {_('signings')}", author="EventOps")
    stamp = to_zone(as_of, event.timezone).strftime("%Y-%m-%d %H:%M")
    story = [
        Paragraph(f"{event.name_zh} · {_('Signing ceremony')}", styles["title"]),
        Paragraph(_("As of %(time)s (%(tz)s)", time=stamp, tz=event.timezone), styles["body"]),
        Spacer(1, 6 * mm),
        Paragraph(_("Total contract value: %(total)s", total=format_cn_units(summary["total_fen"])), styles["big"]),
        Paragraph(_("%(yuan)s yuan exactly, %(n)d contracts (%(u)d with undisclosed amounts, not in the total)",
                    yuan=format_cny(summary["total_fen"]), n=summary["contracts"], u=summary["undisclosed"]),
                  styles["body"]),
    ]

    def table(title, rows):
        story.append(Paragraph(title, styles["h"]))
        data = [[_("Name"), _("Contracts"), _("Amount (yuan)")]] + [
            [Paragraph(str(name), styles["body"]), str(v["contracts"]), format_cny(v["total_fen"])] for name, v in rows]
        t = Table(data, colWidths=[95 * mm, 25 * mm, 50 * mm], repeatRows=1)
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cccccc")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(t)

    table(_("By category"), [(CONTRACT_CATEGORIES.get(k, k), v) for k, v in summary["by_category"].items()])
    table(_("By hospital"), by_hospital)
    table(_("By signing session"), [(sessions.get(k, k), v) for k, v in summary["by_session"].items()])
    doc.build(story)
    return out.getvalue()
