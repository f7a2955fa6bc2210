"""Badge PDFs. Renderers take badge data and return PDF bytes; they read no request.

A bulk print of 30,000 badges is cut into PDFs of at most ``CHUNK`` badges: each chunk is built,
handed on (to a ZIP stream) and dropped, so memory stays the same whatever the count.
"""
import io
import json
import re
import zipfile
from dataclasses import dataclass
from functools import lru_cache

from reportlab.lib.colors import HexColor
from reportlab.lib.units import mm
from reportlab.pdfgen import canvas

from ..config import BADGES
from ..core import fonts
from . import qr

LAYOUTS = BADGES / "layouts"
CHUNK = 1000
BAND_BY_CATEGORY = ("vip", "staff", "media", "broker", "speaker", "exhibitor")
BLACK = HexColor("#000000")


@dataclass
class BadgeData:
    name: str
    organisation: str
    position: str
    category: str
    org_type: str
    band_label: str
    event_name: str
    payload: str        # what the QR holds

    @property
    def band_key(self):
        return self.category if self.category in BAND_BY_CATEGORY else self.org_type


@lru_cache(maxsize=8)
def layout(name="standard") -> dict:
    return json.loads((LAYOUTS / f"{name}.json").read_text("utf-8"))


@lru_cache(maxsize=1)
def sheets() -> dict:
    return json.loads((LAYOUTS / "sheets.json").read_text("utf-8"))


def _fit(text, size, min_size, width):
    """The largest size from ``size`` down by half points (not below ``min_size``) at which ``text``
    fits ``width``; widths are linear in the size, so the text is measured once."""
    per_point = fonts.width(text, 1)
    while size > min_size and per_point * size > width:
        size -= 0.5
    return size


def _wrap(text, size, width, max_lines):
    """Break CJK (or any) text by characters into at most max_lines lines; ellipsis if cut."""
    lines, line, used = [], "", 0.0
    for ch in text:
        advance = fonts.width(ch, size)
        if used + advance > width:
            lines.append(line)
            line, used = ch, advance
            if len(lines) == max_lines:
                lines[-1] = lines[-1][:-1] + "…"
                return lines
        else:
            line += ch
            used += advance
    lines.append(line)
    return lines[:max_lines]


def draw_frame(c, badge: BadgeData, lay, x0, y0):
    """The badge's outline and its coloured band (by category); returns (w, h, band height, colour)."""
    w, h = lay["width_mm"] * mm, lay["height_mm"] * mm
    colour = HexColor(lay["colours"].get(badge.band_key, lay["colours"]["other"]))
    c.setStrokeColor(HexColor("#dddddd"))
    c.rect(x0, y0, w, h, stroke=1, fill=0)
    band = lay["band"]["height_mm"] * mm
    c.setFillColor(colour)
    c.rect(x0, y0 + h - band, w, band, stroke=0, fill=1)
    return w, h, band, colour


def _draw_badge(c, badge: BadgeData, lay, x0, y0):
    """Every text through fonts.draw: each character in the first font of the chain that has it."""
    w, h, band, colour = draw_frame(c, badge, lay, x0, y0)
    centre = x0 + w / 2
    f = lay["fields"]
    c.setFillColor(HexColor(lay["band"]["text_colour"]))
    fonts.draw(c, centre, y0 + h - band + 4 * mm, badge.band_label, lay["band"]["text_size"], "centre")
    ev = f["event"]
    c.setFillColor(HexColor(ev.get("colour", "#ffffff")))
    size = _fit(badge.event_name, ev["size"], 5, ev["max_width_mm"] * mm)
    fonts.draw(c, centre, y0 + h - ev["from_top_mm"] * mm, badge.event_name, size, "centre")
    c.setFillColor(HexColor("#111111"))
    nf = f["name"]
    size = _fit(badge.name, nf["size"], nf["min_size"], nf["max_width_mm"] * mm)
    fonts.draw(c, centre, y0 + nf["y_mm"] * mm, badge.name, size, "centre")
    of = f["organisation"]
    size = _fit(badge.organisation, of["size"], of["min_size"], of["max_width_mm"] * mm)
    for index, line in enumerate(_wrap(badge.organisation, size, of["max_width_mm"] * mm, of["max_lines"])):
        fonts.draw(c, centre, y0 + of["y_mm"] * mm - index * of["leading"], line, size, "centre")
    if badge.position:
        pf = f["position"]
        c.setFillColor(HexColor(pf.get("colour", "#555555")))
        size = _fit(badge.position, pf["size"], 6, pf["max_width_mm"] * mm)
        fonts.draw(c, centre, y0 + pf["y_mm"] * mm, badge.position, size, "centre")
    qf = f["qr"]
    _draw_qr(c, badge.payload, x0 + qf["x_mm"] * mm, y0 + qf["y_mm"] * mm, qf["size_mm"] * mm)
    if badge.category == "vip":
        c.setFillColor(colour)
        fonts.draw(c, x0 + w - 4 * mm, y0 + 4 * mm, f["vip_mark"]["text"], f["vip_mark"]["size"], "right")


_RUN = re.compile(rb"\x01+")


def _qr_ops(matrix, quiet) -> str:
    """The dark modules as PDF path operators in module units, row 0 at the top (the caller's
    transform scales them), integers only: a rectangle per run of dark modules in a row, found by
    one pass of a regular expression over the rows joined by a light module."""
    stride = len(matrix) + 1
    return "\n".join(f"{m.start() % stride + quiet} {m.start() // stride + quiet} {m.end() - m.start()} 1 re"
                     for m in _RUN.finditer(b"\x00".join(matrix)))


def _draw_qr(c, payload, x, y, side, quiet=2):
    """The QR code as one filled path in a coordinate system of one unit a module (integers, so
    nothing is formatted but small numbers), scaled onto the badge by one ``cm``."""
    matrix = qr.matrix(payload)  # level M, a fixed mask; a badge's payload from a cached template
    module = side / (len(matrix) + 2 * quiet)
    c.saveState()
    c.transform(module, 0, 0, -module, x, y + side)
    c.setFillColor(BLACK)
    # reportlab's path object formats every number through its slow fp_str; the operators of the
    # path go to the page as they are (as the canvas's own drawing methods add theirs)
    c._code.append(_qr_ops(matrix, quiet) + " f")
    c.restoreState()


def _cut_marks(c, x0, y0, w, h, length):
    c.setStrokeColor(HexColor("#000000"))
    c.setLineWidth(0.3)
    for x in (x0, x0 + w):
        for y in (y0, y0 + h):
            dx = -length if x == x0 else length
            dy = -length if y == y0 else length
            c.line(x, y, x + dx, y)
            c.line(x, y, x, y + dy)


def render(badges, *, layout_name="standard", sheet="a4", title="Badges") -> bytes:
    """One PDF of the given badges (an iterable of BadgeData)."""
    lay, paper = layout(layout_name), sheets()[sheet]
    w, h = lay["width_mm"] * mm, lay["height_mm"] * mm
    if paper["page_mm"]:
        page_w, page_h = paper["page_mm"][0] * mm, paper["page_mm"][1] * mm
    else:
        page_w, page_h = w, h
    cols, rows, gap = paper["columns"], paper["rows"], paper["gap_mm"] * mm
    left = (page_w - cols * w - (cols - 1) * gap) / 2
    top = (page_h + rows * h + (rows - 1) * gap) / 2
    out = io.BytesIO()
    c = canvas.Canvas(out, pagesize=(page_w, page_h), pageCompression=1, invariant=1)
    c.setTitle(title)
    c.setAuthor("EventOps")
    slot, drawn = 0, 0
    for badge in badges:
        if slot == cols * rows:
            c.showPage()
            slot = 0
        col, row = slot % cols, slot // cols
        x0 = left + col * (w + gap)
        y0 = top - (row + 1) * h - row * gap
        _draw_badge(c, badge, lay, x0, y0)
        if paper["cut_marks_mm"]:
            _cut_marks(c, x0, y0, w, h, paper["cut_marks_mm"] * mm)
        slot += 1
        drawn += 1
    if drawn == 0:
        fonts.draw(c, 20 * mm, page_h - 20 * mm, "—", 12)
    c.showPage()
    c.save()
    return out.getvalue()


def chunks(badges, size=None):
    """Split an iterable of badges into lists of at most ``size`` (CHUNK by default)."""
    size = size or CHUNK
    batch = []
    for badge in badges:
        batch.append(badge)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


class Pipe(io.RawIOBase):
    """A write-only stream whose bytes are collected and handed out as they come."""

    def __init__(self):
        self.parts = []

    def writable(self):
        return True

    def write(self, data):
        self.parts.append(bytes(data))
        return len(data)

    def take(self):
        data, self.parts = b"".join(self.parts), []
        return data


def zip_stream(badges, *, sheet="a4", title="Badges", name="badges"):
    """A ZIP of PDFs of at most CHUNK badges each, yielded piece by piece as each PDF is made."""
    pipe = Pipe()
    with zipfile.ZipFile(pipe, mode="w", compression=zipfile.ZIP_STORED) as archive:
        for number, batch in enumerate(chunks(badges), 1):
            pdf = render(batch, sheet=sheet, title=f"{title} {number}")
            archive.writestr(f"{name}-{number:03d}.pdf", pdf)
            del pdf, batch
            yield pipe.take()
    yield pipe.take()
