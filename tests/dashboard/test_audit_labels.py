"""Every action the code audits has a label people can read (the audit log shows no raw codes)."""
import re
from pathlib import Path

from eventops.dashboard.audit import ACTIONS

ROOT = Path(__file__).resolve().parents[2] / "eventops"


def test_every_audited_action_has_a_label():
    recorded = set()
    for path in ROOT.rglob("*.py"):
        recorded |= set(re.findall(r'audit\.record\([^)]*?"([a-z_]+\.[a-z_.]+)"', path.read_text("utf-8"), re.S))
    assert recorded, "the pattern finds the calls"
    assert sorted(recorded - set(ACTIONS)) == []
