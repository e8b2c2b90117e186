"""Schemathesis with every check (`--checks all`) over real HTTP against a live server with the demo data.

A bounded budget here; `make test-deep` runs the same script with a much larger one and the stateful phase.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "schemathesis_run.py"


def test_every_schemathesis_check_passes_on_every_operation() -> None:
    run = subprocess.run([sys.executable, str(SCRIPT), "--max-examples", "8"], capture_output=True, text=True,
                         timeout=900, check=False)
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-5_000:]
    selected = re.search(r"Selected: (\d+)/(\d+)", run.stdout)
    tested = re.search(r"Tested: (\d+)", run.stdout)
    assert selected and tested and int(tested[1]) == int(selected[2]) > 30, run.stdout[-5_000:]
