"""Writing spreadsheets the same way everywhere: text never read as a formula, and the same bytes for the
same workbook (the exports and the employer's template both are hashed or compared byte for byte).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: str) -> str:
    """Text a spreadsheet must show as text: a leading =, +, -, @, tab or CR gets a `'` before it."""
    return "'" + value if value.startswith(FORMULA_PREFIXES) else value


def stable_xlsx(workbook: Workbook, stamp: dt.datetime) -> bytes:
    """The workbook's bytes, dated `stamp` inside and out, so the same workbook gives the same file."""
    properties = workbook.properties
    properties.creator = properties.lastModifiedBy = "Loonbode"
    properties.created = properties.modified = stamp
    # ExcelWriter directly: openpyxl's save() would stamp `modified` with the current time.
    raw = io.BytesIO()
    ExcelWriter(workbook, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED, allowZip64=True)).save()
    return _fixed_zip(raw.getvalue(), stamp)


def _fixed_zip(content: bytes, stamp: dt.datetime) -> bytes:
    """The same zip with every entry dated `stamp` and fixed attributes (zipfile dates entries 'now')."""
    when = (max(stamp.year, 1980), stamp.month, stamp.day, stamp.hour, stamp.minute, stamp.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            info = zipfile.ZipInfo(entry.filename, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            target.writestr(info, source.read(entry.filename))
    return out.getvalue()
