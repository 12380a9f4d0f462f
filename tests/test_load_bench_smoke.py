"""bench/load_bench.py runs end to end for a few seconds: nothing lost or duplicated, no 5xx (never timing)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_load_bench_runs_briefly_and_loses_no_mail():
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOONBODE_")}
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "load_bench.py"), "--seconds", "3",
                           "--baseline-seconds", "1", "--clients", "2", "--web-clients", "1"],
                          capture_output=True, text=True, timeout=600, cwd=ROOT, env=env, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-3000:]
    assert re.search(r"mail check: lost=0 duplicates=0 \(of [1-9]", done.stdout), output[-3000:]
    assert "RESULT: PASS" in done.stdout, output[-3000:]
