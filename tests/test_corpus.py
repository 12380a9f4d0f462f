"""The corpora, built into real .eml files and scored through the CLI as `score.py` does.

The shared dev corpus must stay at or above 0.90 mail field F1, so a regression shows in
CI. The corpora under `tests/corpus/` were written by people who had not seen the parser,
in other voices and layouts; they hold the same floor.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "corpus"
CORPORA = [SHARED / "dev", *sorted(p for p in (ROOT / "tests" / "corpus").iterdir() if p.is_dir())]


@pytest.mark.corpus
@pytest.mark.parametrize("source", CORPORA, ids=[p.name for p in CORPORA])
def test_the_corpus_scores_at_least_090_mail_field_f1(source: Path, tmp_path: Path) -> None:
    assert (SHARED / "build.py").exists(), f"the shared corpus tools are missing at {SHARED}"
    built = tmp_path / "corpus"
    subprocess.run([sys.executable, str(SHARED / "build.py"), str(source), str(built)], check=True,
                   capture_output=True)
    command = f"{sys.executable} -m loonbode"
    run = subprocess.run([sys.executable, str(SHARED / "score.py"), str(built), "--cmd", command, "--no-leave",
                          "--verbose"], capture_output=True, text=True, check=False)
    match = re.search(r"mail field F1 (\d\.\d+)", run.stdout)
    assert match, run.stdout + run.stderr
    assert float(match.group(1)) >= 0.90, run.stdout


@pytest.mark.corpus
def test_the_dev_leave_requests_are_at_least_95_percent_right(tmp_path: Path) -> None:
    built = tmp_path / "corpus"
    subprocess.run([sys.executable, str(SHARED / "build.py"), str(SHARED / "dev"), str(built)], check=True,
                   capture_output=True)
    run = subprocess.run([sys.executable, str(SHARED / "score.py"), str(built), "--cmd",
                          f"{sys.executable} -m loonbode", "--verbose"], capture_output=True, text=True, check=False)
    match = re.search(r"leave requests right (\d+)/(\d+)", run.stdout)
    assert match, run.stdout + run.stderr
    assert int(match.group(1)) >= 0.95 * int(match.group(2)), run.stdout
