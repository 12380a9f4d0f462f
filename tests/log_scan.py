"""Every log record of a test run in one file, and a scan of it for BSNs and IBANs that slipped through.

`LogScan.start` puts a handler on the root logger for every record (DEBUG and up, all loggers);
`finish` reads the file back and returns each line holding a valid BSN (9 digits passing the
11-proef) or a valid IBAN (country code, check digits, and a checksum that holds), masked, so the
report does not leak what it reports. Numbers that merely look like one (a size, an id) do not
count: only values python-stdnum accepts do.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from stdnum import iban
from stdnum.nl import bsn

from parsers.masking import mask

_BSN = re.compile(r"(?<![\d.])(?:\d{9}|\d{4}\.\d{2}\.\d{3})(?![\d])")
# An IBAN written compact or in groups of four; the run may take a word after it, so prefixes are tried.
_IBAN = re.compile(r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]){10,30}")
_IBAN_LENGTHS = range(15, 35)
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"


def find_secrets(text: str) -> list[str]:
    """Every valid BSN and IBAN in `text`, as written there."""
    found = [m.group(0) for m in _BSN.finditer(text) if bsn.is_valid(m.group(0).replace(".", ""))]
    for match in _IBAN.finditer(text):
        written = match.group(0)
        compact = written.replace(" ", "")
        for length in _IBAN_LENGTHS:
            if length <= len(compact) and iban.is_valid(compact[:length]):
                # Back to the written form: as many characters as the compact prefix took, spaces included.
                taken, end = 0, 0
                while taken < length:
                    taken += written[end] != " "
                    end += 1
                found.append(written[:end])
                break
    return found


def masked(line: str) -> str:
    for value in sorted(set(find_secrets(line)), key=len, reverse=True):
        line = line.replace(value, mask(value))
    return line


@dataclass
class LogScan:
    path: Path
    handler: logging.Handler
    previous_level: int

    @classmethod
    def start(cls, path: Path) -> LogScan:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(path, mode="w", encoding="utf-8")
        handler.setLevel(logging.DEBUG)
        handler.setFormatter(logging.Formatter(FORMAT))
        root = logging.getLogger()
        previous = root.level
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)  # loggers without a level of their own now pass DEBUG on
        return cls(path=path, handler=handler, previous_level=previous)

    def finish(self) -> list[str]:
        """The lines of the log holding a BSN or an IBAN, masked, with their line number."""
        self.handler.flush()
        offending = []
        with self.path.open(encoding="utf-8", errors="replace") as log:
            for number, line in enumerate(log, 1):
                if find_secrets(line):
                    offending.append(f"{number}: {masked(line.rstrip())[:400]}")
        return offending

    def stop(self) -> None:
        root = logging.getLogger()
        root.removeHandler(self.handler)
        root.setLevel(self.previous_level)
        self.handler.close()
