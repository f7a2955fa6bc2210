"""CJK fonts for PDFs, embedded (subset) so that every reader shows real glyphs, with a fallback per
glyph for the characters the main font lacks.

reportlab embeds TrueType outlines only. The main font is the first one found: a font placed in
``badges/fonts/`` (``cjk.ttf`` or ``cjk.ttc``), else WenQuanYi Zen Hei from Debian's
``fonts-wqy-zenhei`` package (installed by ``make``), else AR PL UMing. It covers GB 18030's
common range (钇, 媛, 䶮, 堃, 喆) but not CJK Extension B and later, where some people's names
have a character (𠮷 in 欧阳𠮷). The fallbacks, in order: ``badges/fonts/fallback.ttf`` if there
is one, then HanaMin A and B from Debian's ``fonts-hanazono`` (also installed by ``make``;
Extensions A to F between them), each read only when a character is in none of the fonts before
it (reportlab keeps a font's whole file in memory: 40-50 MB for each HanaMin). Without them, a
character the main font lacks is reported as missing.

The ToUnicode maps reportlab writes are corrected for characters beyond the BMP (see
``_to_unicode_cmap``), so that 𠮷 is also in the text layer (search, copy, pdftotext).

Text is drawn with ``draw(canvas, x, y, text, size)`` and measured with ``width(text, size)``: a
string is cut into runs by the first font of the chain that has each character's glyph, and each
run is drawn in its font, so 欧阳 comes from the main font and 𠮷 from HanaMin, side by side, and
both are in the PDF's text layer. A character no font has is still drawn (the main font's empty box)
and never dropped; ``missing(text)`` names such characters so that a page can list them before a
print (see the badges page).
"""
import threading
from functools import lru_cache
from html import escape
from itertools import groupby
from pathlib import Path

from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import TTFont

from ..config import BADGES

CANDIDATES = [
    (BADGES / "fonts" / "cjk.ttf", 0),
    (BADGES / "fonts" / "cjk.ttc", 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
]
HANAZONO = Path("/usr/share/fonts/truetype/hanazono")
FALLBACKS = [
    (BADGES / "fonts" / "fallback.ttf", "EventOpsFallback"),
    (HANAZONO / "HanaMinA.ttf", "EventOpsHanaMinA"),
    (HANAZONO / "HanaMinB.ttf", "EventOpsHanaMinB"),
]
NAME = "EventOpsCJK"
# variation selectors (the standardised ones and the ideographic variation sequences' E0100-E01EF)
# choose a form of the character before them; a font's ordinary character map has no glyph for them
# and they have no width, so they are not drawn and not reported as missing
SELECTORS = frozenset(map(chr, [*range(0xFE00, 0xFE10), *range(0xE0100, 0xE01F0)]))


class FontMissing(RuntimeError):
    pass


def _to_unicode_cmap(fontname, subset):
    """reportlab's ToUnicode CMap, right for characters beyond the BMP: reportlab writes their code
    point as 5 hex digits (``<20BB7>``), which readers take as U+20BB plus garbage, so 𠮷 left the
    text layer (pdftotext, search, copy and paste); a destination in a CMap is UTF-16BE, here a
    surrogate pair (``<D842DFB7>``)."""
    def utf16(code):
        return chr(code).encode("utf-16-be", "surrogatepass").hex().upper()
    return "\n".join([
        "/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap", "/CIDSystemInfo",
        "<< /Registry (%s)" % fontname, "/Ordering (%s)" % fontname, "/Supplement 0", ">> def",
        "/CMapName /%s def" % fontname, "/CMapType 2 def", "1 begincodespacerange",
        "<00> <%02X>" % (len(subset) - 1), "endcodespacerange", "%d beginbfchar" % len(subset),
        *("<%02X> <%s>" % (i, utf16(code)) for i, code in enumerate(subset)),
        "endbfchar", "endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"])


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the main CJK font with reportlab and return its name."""
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap  # looked up by TTFont.addObjects when a PDF is saved
    for path, index in CANDIDATES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(NAME, str(path), subfontIndex=index))
            return NAME
    raise FontMissing("no CJK TrueType font: install Debian's fonts-wqy-zenhei (make does) "
                      "or put one at badges/fonts/cjk.ttf")


class _Glyphs(dict):
    """character -> (font name or None, width in 1/1000 of the size), looked up once per character:
    the first font of the chain whose character map has it; the main font (its empty box) when none
    has; None for a variation selector (not drawn). A fallback font is read (0.1-0.2 s and 40-50 MB
    each: reportlab keeps the whole file) only when a character is in none of the fonts before it."""

    def __init__(self, main):
        super().__init__()
        self.faces = [(main, pdfmetrics.getFont(main).face)]
        self.pending = [(path, name) for path, name in FALLBACKS if path.exists()]
        self.missing = set()
        self._covered = None
        self._lock = threading.Lock()  # two threads of one process reading the same font once

    @property
    def covered(self) -> frozenset:
        """Every character the main font has (and the selectors): a quick test of a whole string at
        once (``covered.issuperset(text)``) before looking at it character by character."""
        if self._covered is None:
            self._covered = frozenset(chr(code) for code, glyph in self.faces[0][1].charToGlyph.items()
                                      if glyph) | SELECTORS
        return self._covered

    def _next_face(self):
        """Read the next fallback font of the chain; None when there is no other."""
        with self._lock:
            if not self.pending:
                return None
            path, name = self.pending[0]
            pdfmetrics.registerFont(TTFont(name, str(path)))
            self.faces.append((name, pdfmetrics.getFont(name).face))
            self.pending.pop(0)
            return self.faces[-1]

    def load_fallbacks(self):
        while self._next_face():
            pass

    def __missing__(self, ch):
        code = ord(ch)
        main, face = self.faces[0]
        found = None
        if face.charToGlyph.get(code):
            found = (main, face.charWidths.get(code, face.defaultWidth))
        elif ch in SELECTORS:
            found = (None, 0.0)
        else:
            checked = 1  # the fallbacks in order, each read when the ones before it lack ``ch``
            while found is None:
                for name, other in self.faces[checked:]:
                    checked += 1
                    if other.charToGlyph.get(code):
                        found = (name, other.charWidths.get(code, other.defaultWidth))
                        break
                if found is None and self._next_face() is None:
                    break
            if found is None:
                found = (main, face.defaultWidth)
                if not ch.isspace():
                    self.missing.add(ch)
        self[ch] = found
        return found


@lru_cache(maxsize=1)
def _glyphs() -> _Glyphs:
    return _Glyphs(cjk_font())


def font_names() -> list[str]:
    """The chain's fonts as registered with reportlab, the main one first."""
    glyphs = _glyphs()
    glyphs.load_fallbacks()
    return [name for name, _face in glyphs.faces]


def font_of(ch: str) -> str | None:
    """The font that draws the character ``ch``."""
    return _glyphs()[ch][0]


def missing(text: str) -> str:
    """The characters of ``text`` that no font of the chain has, each once, in order."""
    glyphs = _glyphs()
    if glyphs.covered.issuperset(text):
        return ""
    for ch in text:
        glyphs[ch]  # noqa: B018 - looks the character up (and notes a missing one)
    return "".join(dict.fromkeys(ch for ch in text if ch in glyphs.missing))


def covers(text: str) -> bool:
    """Whether some font of the chain has a glyph for every character of ``text``."""
    return not missing(text)


def width(text: str, size: float) -> float:
    """The width of ``text`` drawn by ``draw`` at ``size`` points."""
    glyphs = _glyphs()
    return 0.001 * size * sum(glyphs[ch][1] for ch in text)


def runs(text: str) -> list[tuple[str, str, float]]:
    """``text`` cut into (font, part, width in 1/1000 of the size) by the font of each character."""
    glyphs = _glyphs()
    out = []
    for font, group in groupby(text, key=lambda ch: glyphs[ch][0]):
        if font is not None:
            part = "".join(group)
            out.append((font, part, sum(glyphs[ch][1] for ch in part)))
    return out


def markup(text: str) -> str:
    """``text`` as reportlab Paragraph markup in the main font: escaped (``&``, ``<``), and each run
    of another font in a ``<font name=...>`` tag, so a paragraph or a table cell draws 𠮷 too."""
    main = cjk_font()
    return "".join(escape(part, quote=False) if font == main
                   else f'<font name="{font}">{escape(part, quote=False)}</font>'
                   for font, part, _units in runs(text))


def draw(canvas, x: float, y: float, text: str, size: float, align: str = "left") -> float:
    """Draw ``text`` at ``size`` points with its baseline at ``y``, starting (``align="left"``),
    centred (``"centre"``) or ending (``"right"``) at ``x``, each run in the font that has its
    glyphs. Leaves the canvas's font on the last run's; returns the width drawn."""
    parts = runs(text)
    scale = 0.001 * size
    total = scale * sum(units for _font, _part, units in parts)
    if align == "centre":
        x -= total / 2
    elif align == "right":
        x -= total
    for font, part, units in parts:
        if canvas._fontname != font or canvas._fontsize != size:
            canvas.setFont(font, size)
        canvas.drawString(x, y, part)
        x += scale * units
    return total
