"""Every string a person reads can be translated, and Chinese comes first."""
import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
CATALOG = ROOT / "eventops" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"


def test_every_message_in_the_code_has_a_chinese_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    pybabel = Path(sys.executable).parent / "pybabel"
    subprocess.run([str(pybabel), "extract", "-F",
                    "eventops/babel.cfg", "-k", "_l", "-o", str(pot), "."], cwd=ROOT, check=True,
                   capture_output=True)
    with open(pot, "rb") as f:
        wanted = {m.id for m in read_po(f) if m.id}
    with open(CATALOG, "rb") as f:
        catalog = read_po(f)
    translated = {m.id for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(str(m) for m in wanted - translated)
    assert not missing, f"untranslated (run pybabel update and translate): {missing[:20]}"


def test_pages_are_chinese_first_and_switch_to_english(client, event):
    assert "报名" in client.get(f"/e/{event.slug}").get_data(as_text=True)
    client.get("/lang/en")
    assert "Register now" in client.get(f"/e/{event.slug}").get_data(as_text=True)
    client.get("/lang/zh")
    assert "立即报名" in client.get(f"/e/{event.slug}").get_data(as_text=True) or \
        "报名" in client.get(f"/e/{event.slug}").get_data(as_text=True)
