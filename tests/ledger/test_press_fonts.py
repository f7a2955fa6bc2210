"""The press page draws every character of a hospital's or the event's name: 𠮷 (CJK Extension B)
from the fallback font, and text such as '&' or '<' as it is written (escaped for the paragraph)."""
import subprocess
from datetime import datetime, timezone
from types import SimpleNamespace

from eventops.ledger import reports

JI = "\U00020BB7"  # 𠮷


def test_press_pdf_has_ext_b_and_markup_characters(app, tmp_path):
    event = SimpleNamespace(name_zh=f"欧阳{JI}杯 <院企> 合作活动", timezone="Asia/Shanghai", slug="press")
    summary = {"total_fen": 150_000_000_00, "contracts": 1, "undisclosed": 0,
               "by_category": {"strategic_cooperation": {"contracts": 1, "total_fen": 150_000_000_00}},
               "by_session": {}}
    hospital = f"{JI}城医院 & 研究所"
    with app.test_request_context():
        pdf = reports.press_pdf(event, summary, {}, [(hospital, {"contracts": 1, "total_fen": 150_000_000_00})],
                                datetime(2030, 5, 24, 8, tzinfo=timezone.utc))
    path = tmp_path / "press.pdf"
    path.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert hospital in text and event.name_zh in text, text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "HanaMin" in fonts, fonts
