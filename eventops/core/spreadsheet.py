"""Cells that spreadsheets show as text (no formula injection), and CSV that Excel reads as UTF-8."""
import csv
import io
import re
from decimal import Decimal

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


def safe_cell(value) -> str:
    """'=HYPERLINK(...)' becomes "'=HYPERLINK(...)": shown as text, never run. A plain number
    (-98400001.00, a reversal's amount) stays a number."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START) and not (isinstance(value, (int, Decimal)) and _NUMBER.match(text)):
        return "'" + text
    return text


def csv_chunks(header, rows, every=500):
    """Yield CSV text: a UTF-8 BOM (so Excel reads Chinese), the header, then the rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow([safe_cell(h) for h in header])
    for number, row in enumerate(rows, 1):
        writer.writerow([safe_cell(c) for c in row])
        if number % every == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()
