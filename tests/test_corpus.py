"""The shared dev corpus, built into real .eml files and scored through the CLI.

Fails under 0.90 mail field F1, so a regression in the parser shows in CI. The same
parser is scored on mail it has never seen; this is a floor, not the goal.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"


@pytest.mark.corpus
def test_the_dev_corpus_scores_at_least_090_mail_field_f1(tmp_path: Path) -> None:
    assert (SHARED / "build.py").exists(), f"the shared corpus is missing at {SHARED}"
    built = tmp_path / "corpus"
    subprocess.run([sys.executable, str(SHARED / "build.py"), str(SHARED / "dev"), str(built)], check=True,
                   capture_output=True)
    command = f"{sys.executable} -m loonbode"
    run = subprocess.run([sys.executable, str(SHARED / "score.py"), str(built), "--cmd", command, "--no-leave",
                          "--verbose"], capture_output=True, text=True, check=False)
    match = re.search(r"mail field F1 (\d\.\d+)", run.stdout)
    assert match, run.stdout + run.stderr
    assert float(match.group(1)) >= 0.90, run.stdout
