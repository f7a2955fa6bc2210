"""Bar charts as SVG geometry, computed here and drawn by a template (no script, no library):
one row per bar, its label above it, so that long hospital names fit on a phone."""
from dataclasses import dataclass

from ..core.money import format_cn_units

WIDTH = 360
ROW = 38
LABEL = 14


@dataclass
class Bar:
    label: str
    value_label: str
    y: float
    width: float
    href: str


def bars(rows, *, width=WIDTH) -> dict:
    """``rows``: (label, amount in fen, contracts, undisclosed, href). The bars' lengths follow the
    disclosed amounts; the text gives the amount and the number of contracts."""
    rows = list(rows)
    top = max((r[1] for r in rows), default=0) or 1
    out = []
    for index, (label, fen, contracts, undisclosed, href) in enumerate(rows):
        value = format_cn_units(fen) if fen else "—"
        count = f"{contracts}" + (f" ({undisclosed}*)" if undisclosed else "")
        out.append(Bar(label=str(label), value_label=f"{value} · {count}", y=index * ROW,
                       width=max(2.0, (width - 8) * fen / top) if fen else 2.0, href=href))
    return {"bars": out, "width": width, "height": max(ROW, len(out) * ROW), "label": LABEL}
