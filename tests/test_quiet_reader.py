"""Reading a workbook prints nothing of the reader library's own (issue 18's typed reading made
fastexcel warn about every empty optional column on stderr)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from junheng.io import write_sample


def test_evaluating_the_sample_writes_nothing_to_stderr(tmp_path):
    county = write_sample(tmp_path / "county.xlsx", schools=12, seed=3)
    run = subprocess.run([str(Path(sys.executable).parent / "junheng"), "evaluate", str(county), "--json",
                          str(tmp_path / "out.json")], capture_output=True, text=True,
                         check=False)
    assert run.returncode == 0, run.stderr
    assert run.stderr == ""
    assert (tmp_path / "out.json").stat().st_size > 0
