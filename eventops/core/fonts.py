"""A CJK font for PDFs, embedded (subset) so that every reader shows real glyphs.

reportlab embeds TrueType outlines only. The first font found is used: a font placed in
``badges/fonts/`` (``cjk.ttf`` or ``cjk.ttc``), else WenQuanYi Zen Hei from Debian's
``fonts-wqy-zenhei`` package (installed by ``make``), else AR PL UMing.
"""
from functools import lru_cache
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from ..config import BADGES

CANDIDATES = [
    (BADGES / "fonts" / "cjk.ttf", 0),
    (BADGES / "fonts" / "cjk.ttc", 0),
    (Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"), 0),
    (Path("/usr/share/fonts/truetype/arphic/uming.ttc"), 0),
]
NAME = "EventOpsCJK"


class FontMissing(RuntimeError):
    pass


@lru_cache(maxsize=1)
def cjk_font() -> str:
    """Register the CJK font with reportlab and return its name."""
    for path, index in CANDIDATES:
        if path.exists():
            pdfmetrics.registerFont(TTFont(NAME, str(path), subfontIndex=index))
            return NAME
    raise FontMissing("no CJK TrueType font: install Debian's fonts-wqy-zenhei (make does) "
                      "or put one at badges/fonts/cjk.ttf")


def covers(text: str) -> bool:
    """Whether the CJK font has a glyph for every character of ``text``."""
    font = pdfmetrics.getFont(cjk_font())
    cmap = font.face.charToGlyph
    return all(ord(ch) in cmap or ch.isspace() for ch in text)
