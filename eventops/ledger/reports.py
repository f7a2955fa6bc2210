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

from ..core import fonts
from ..core.money import fen_to_decimal, format_cn_units, format_cny
from ..core.spreadsheet import csv_chunks, safe_cell
from ..core.timeutil import to_zone
from .models import CONTRACT_CATEGORIES, KIND_CONFIRMATION, KIND_RECORD

AMOUNT, COUNTED = 5, 6  # the columns of money


def _kind_label(kind):
    return {"record": _("contract"), "reversal": _("reversal"), "confirmation": _("confirmation")}.get(kind, kind)


def _state_label(state):
    return {"counted": _("counted"), "unconfirmed": _("unconfirmed"), "reversed": _("reversed")}.get(state, "")


def _header():
    return [_("No."), _("Kind"), _("Refers to"), _("Title"), _("Contract type"), _("Amount (yuan)"),
            _("Counted in the total (yuan)"), _("Parties"), _("Signatories"), _("Signing session"), _("Signed at"),
            _("Recorded by"), _("Recorded at"), _("State"), _("Hash")]


def signed(entries):
    """Each entry with its signed amount and what it adds to the counted total, both in fen.

    A contract carries its amount, a reversal the negative of the contract it cancels, a
    confirmation zero. The counted column is the entry's effect on the live total: a contract
    that needs a second person's confirmation counts from its confirmation; a reversal takes away
    only what was counted. Undisclosed amounts are None and count zero. So the counted column
    sums to the big screen's total, and so does the amount column unless confirmations are due."""
    counted = {}  # record id -> fen it currently adds to the total
    for e in entries:
        fen = e.amount_fen or 0
        if e.kind == KIND_RECORD:
            amount = e.amount_fen
            effect = 0 if e.needs_confirmation else fen
            counted[e.id] = effect
        elif e.kind == KIND_CONFIRMATION:
            amount, effect = (0 if e.amount_fen is not None else None), fen
            counted[e.target_id] = fen
        else:
            amount = -e.amount_fen if e.amount_fen is not None else None
            effect = -counted.pop(e.target_id, 0)
        yield e, amount, effect


def _rows(entries, sessions, states, tz):
    seq_by_id = {}
    for e, amount, effect in signed(entries):
        seq_by_id[e.id] = e.seq
        yield [e.seq, _kind_label(e.kind), seq_by_id.get(e.target_id, ""), e.title, e.category_label,
               fen_to_decimal(amount) if amount is not None else _("undisclosed"), fen_to_decimal(effect),
               "、".join(p["name"] for p in e.parties), "、".join(e.signatories),
               sessions.get(e.session_id, ""), to_zone(e.signed_at, tz).strftime("%Y-%m-%d %H:%M") if e.signed_at else "",
               e.recorded_by_label, to_zone(e.recorded_at, tz).strftime("%Y-%m-%d %H:%M:%S"),
               _state_label(states.get(e.id, "")) if e.kind == KIND_RECORD else "", e.hash]


def _total_row(entries):
    amount = counted = 0
    for _e, fen, effect in signed(entries):
        amount += fen or 0
        counted += effect
    row = [""] * len(_header())
    row[3] = _("Total (as on the big screen: the counted column)")
    row[AMOUNT], row[COUNTED] = fen_to_decimal(amount), fen_to_decimal(counted)
    return row


def csv_export(entries, sessions, states, tz):
    def rows():
        yield from _rows(entries, sessions, states, tz)
        yield _total_row(entries)
    return csv_chunks(_header(), rows())


def xlsx_export(entries, sessions, states, tz) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    sheet = book.add_worksheet(_("Ledger"))
    bold = book.add_format({"bold": True})
    money = book.add_format({"num_format": "#,##0.00"})
    bold_money = book.add_format({"num_format": "#,##0.00", "bold": True})
    for col, title in enumerate(_header()):
        sheet.write_string(0, col, title, bold)
    rows = list(_rows(entries, sessions, states, tz))
    for row_number, row in enumerate(rows + [_total_row(entries)], 1):
        total = row_number == len(rows) + 1
        for col, value in enumerate(row):
            if col in (AMOUNT, COUNTED) and not isinstance(value, str):
                # 15 significant digits: exact up to 10^12 yuan
                sheet.write_number(row_number, col, float(value), bold_money if total else money)
            elif isinstance(value, int):
                sheet.write_number(row_number, col, value)
            else:
                sheet.write_string(row_number, col, safe_cell(value), bold if total else None)
    sheet.freeze_panes(1, 0)
    sheet.set_column(3, 3, 40)
    sheet.set_column(AMOUNT, COUNTED, 16)
    sheet.set_column(7, 7, 40)
    book.close()
    return out.getvalue()


def press_pdf(event, summary, sessions, by_hospital, as_of: datetime, checkpoint=None) -> bytes:
    """One page for the press: the total, by contract type, by hospital and by session, stamped
    'as of', with the ledger's checkpoint (entry number and the start of its hash) at the foot, so
    that the printed page can later prove the ledger still reaches it (``flask ledger verify``)."""
    font = fonts.cjk_font()
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
        Paragraph(f"{fonts.markup(event.name_zh)} · {_('Signing ceremony')}", styles["title"]),
        Paragraph(_("As of %(time)s (%(tz)s)", time=stamp, tz=event.timezone), styles["body"]),
        Spacer(1, 6 * mm),
        Paragraph(_("Total contract value: %(total)s", total=format_cn_units(summary["total_fen"])), styles["big"]),
        Paragraph(_("%(yuan)s yuan exactly, %(n)d contracts (%(u)d with undisclosed amounts, not in the total)",
                    yuan=format_cny(summary["total_fen"]), n=summary["contracts"], u=summary["undisclosed"]),
                  styles["body"]),
    ]

    def table(title, first_column, rows):
        story.append(Paragraph(title, styles["h"]))
        data = [[first_column, _("Contracts"), _("Amount (yuan)")]] + [
            [Paragraph(fonts.markup(str(name)), styles["body"]), str(v["contracts"]), format_cny(v["total_fen"])] for name, v in rows]
        t = Table(data, colWidths=[95 * mm, 25 * mm, 50 * mm], repeatRows=1)
        t.setStyle(TableStyle([
            ("FONTNAME", (0, 0), (-1, -1), font), ("FONTSIZE", (0, 0), (-1, -1), 10),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"), ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.black),
            ("LINEBELOW", (0, 1), (-1, -1), 0.25, colors.HexColor("#cccccc")),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
        story.append(t)

    table(_("By contract type"), _("Contract type"),
          [(CONTRACT_CATEGORIES.get(k, k), v) for k, v in summary["by_category"].items()])
    table(_("By hospital"), _("Hospital"), by_hospital)
    table(_("By signing session"), _("Signing session"),
          [(sessions.get(k, k), v) for k, v in summary["by_session"].items()])
    if checkpoint is not None:
        story += [Spacer(1, 8 * mm), Paragraph(
            _("Ledger checkpoint: entry %(seq)d, hash %(hash)s. Check it later with: flask ledger verify "
              "--event %(slug)s --printed %(seq)d:%(hash)s",
              seq=checkpoint.seq, hash=checkpoint.entry_hash[:16], slug=event.slug), styles["body"])]
    doc.build(story)
    return out.getvalue()
