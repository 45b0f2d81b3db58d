"""The CI entry point parses and ends in the README's test command (a broken .ci/run lands
nothing)."""

from __future__ import annotations

import subprocess
from pathlib import Path

CI_RUN = Path(__file__).resolve().parents[2] / ".ci" / "run"


def test_the_ci_entry_point_is_valid_bash_that_runs_make_test() -> None:
    checked = subprocess.run(
        ["bash", "-n", str(CI_RUN)], check=False, capture_output=True, text=True
    )

    assert checked.returncode == 0, checked.stderr
    lines = [line for line in CI_RUN.read_text().splitlines() if line and not line.startswith("#")]
    assert lines[0] == "set -euo pipefail"
    assert lines[-1] == "make test"
