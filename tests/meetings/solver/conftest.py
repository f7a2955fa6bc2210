from pathlib import Path

import pytest

# the shared specs sit beside the checkout (../shared/specs)
SMALL = Path(__file__).resolve().parents[4] / "shared" / "specs" / "meeting-small.json"


@pytest.fixture
def small_example() -> str:
    """The spec's worked example (skipped where the shared specs are not checked out)."""
    if not SMALL.exists():
        pytest.skip(f"{SMALL} is not here")
    return SMALL.read_text(encoding="utf-8")
