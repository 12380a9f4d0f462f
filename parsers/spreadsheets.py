"""Read spreadsheet attachments (.xlsx/.xlsm and CSV) into plain rows of cell values.

This module only *reads*: it turns the bytes of an attachment into sheets of
`(row number, values)` and leaves finding header rows and mutations to the
interpreter. Attachments come from strangers' mail, so every input is hostile until
proven otherwise: the format is decided by the bytes, zip archives are measured from
their directory before anything is decompressed, and any failure ends as a
`SpreadsheetError` with a Dutch message that a reviewer can forward to the sender.
Pure and deterministic: no database, network or clock.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
import warnings
import zipfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING
from xml.etree import ElementTree

import charset_normalizer
import openpyxl
from openpyxl.utils.cell import coordinate_to_tuple

if TYPE_CHECKING:
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

__all__ = [
    "CellValue",
    "Sheet",
    "SheetLimits",
    "SpreadsheetError",
    "Workbook",
    "column_letter",
    "is_spreadsheet",
    "read_spreadsheet",
]

CellValue = str | int | float | bool | datetime.datetime | datetime.date | datetime.time | None
Row = tuple[CellValue, ...]


@dataclass(frozen=True)
class Sheet:
    name: str
    # (1-based row number, values from column A); empty rows omitted, trailing None trimmed.
    rows: list[tuple[int, Row]]
    # (row, 1-based column) of formula cells without a cached value (their value is None).
    uncached_formulas: frozenset[tuple[int, int]] = frozenset()
    # True when the sheet had more rows than the limit; only the first max_rows are kept.
    truncated: bool = False


@dataclass(frozen=True)
class Workbook:
    sheets: list[Sheet]
    # Dutch, readable and non-fatal: a sheet cut at a limit, formulas without a value.
    problems: list[str] = field(default_factory=list)


class SpreadsheetError(Exception):
    """The file cannot be read at all; str(exc) is a clear Dutch message for the
    reviewer and the sender."""


@dataclass(frozen=True)
class SheetLimits:
    max_file_bytes: int = 15_000_000
    # Sum over zip members, taken from the zip directory before decompressing.
    max_uncompressed_bytes: int = 250_000_000
    # Per member, only for members over 1 MB uncompressed (small XML compresses well).
    max_compression_ratio: float = 200.0
    max_members: int = 2_000
    max_rows: int = 200_000  # per sheet
    max_columns: int = 200


_DEFAULT_LIMITS = SheetLimits()
_XLSX_EXTENSIONS = frozenset({".xlsx", ".xlsm", ".xltx", ".xltm"})
_CSV_EXTENSIONS = frozenset({".csv", ".tsv"})
# Formats we recognise only to refuse them with advice the sender can act on.
_REFUSED_EXTENSIONS = {
    ".xls": "is een oud Excel-formaat (.xls)",
    ".xlt": "is een oud Excel-formaat (.xlt)",
    ".ods": "is een OpenDocument-spreadsheet (.ods)",
    ".numbers": "is een Numbers-bestand (.numbers)",
}
_SPREADSHEET_TYPES = frozenset(
    {
        "text/csv",
        "text/comma-separated-values",
        "text/tab-separated-values",
        "application/csv",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.ms-excel.sheet.macroenabled.12",
        "application/vnd.oasis.opendocument.spreadsheet",
    }
)

_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
_OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")
# Clearly binary formats that must never be read as CSV text.
_OTHER_BINARY_MAGIC = (b"%PDF", b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"\x1f\x8b", b"Rar!")
_ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"
_STRICT_OOXML = b"purl.oclc.org/ooxml/spreadsheetml"

_RATIO_CHECK_FROM_BYTES = 1_000_000
_XML_PEEK_BYTES = 4_096
_SCAN_CHUNK_BYTES = 1 << 20
# Matches <f>, <f t="shared" .../> and prefixed <x:f>: the start of a formula element.
_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s>/]")
# Excel cannot address more rows; a larger row number is a crafted file.
_EXCEL_MAX_ROW = 1_048_576

_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_DELIMITERS = (";", "\t", ",", "|")  # order breaks ties: ';' is Dutch Excel's default
_SNIFF_LINES = 50
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_SEP_HINT = re.compile(r'\A"?sep=(.)"?\r?\n')


# --------------------------------------------------------------------------- public API


def is_spreadsheet(filename: str, content_type: str = "") -> bool:
    """Whether an attachment should go through `read_spreadsheet`.

    Formats that will be refused (.xls, .ods) count too, so that the sender gets a
    clear refusal instead of silence.
    """
    suffix = _suffix(filename)
    if suffix in _XLSX_EXTENSIONS or suffix in _CSV_EXTENSIONS or suffix in _REFUSED_EXTENSIONS:
        return True
    # The content type only counts when the name says nothing else (no or a .txt
    # extension): mail clients label many things application/vnd.ms-excel.
    mime = content_type.split(";", 1)[0].strip().lower()
    return suffix in ("", ".txt") and mime in _SPREADSHEET_TYPES


def column_letter(col: int) -> str:
    """1 → "A", 26 → "Z", 28 → "AB" (Excel's bijective base-26)."""
    if col < 1:
        raise ValueError(f"column must be 1 or more, got {col}")
    letters = []
    while col:
        col, rest = divmod(col - 1, 26)
        letters.append(chr(ord("A") + rest))
    return "".join(reversed(letters))


def read_spreadsheet(
    filename: str, data: bytes, *, limits: SheetLimits = _DEFAULT_LIMITS
) -> Workbook:
    """Read an attachment into sheets of rows, or raise `SpreadsheetError`.

    Any bytes give either a `Workbook` or a `SpreadsheetError`, never another exception.
    """
    name = _display_name(filename)
    _check_size(name, data, limits)
    try:
        return _read_by_format(name, _suffix(filename), data, limits)
    except SpreadsheetError:
        raise
    except Exception as exc:
        # The boundary: library errors on hostile bytes are many and undocumented.
        raise SpreadsheetError(
            f"Het bestand {name} kon niet worden gelezen. Stuur het bestand als .xlsx. "
            f"(technische oorzaak: {type(exc).__name__})"
        ) from exc


# ------------------------------------------------------------------ format and names


def _suffix(filename: str) -> str:
    return PurePosixPath(_base_name(filename)).suffix.lower()


def _base_name(filename: str) -> str:
    # Names come from mail headers: take the last path part of either path style.
    return PureWindowsPath(filename).name


def _display_name(filename: str) -> str:
    name = _CONTROL_CHARS.sub("", _base_name(filename)).strip()
    return name[:120] or "(zonder naam)"


def _check_size(name: str, data: bytes, limits: SheetLimits) -> None:
    if not data:
        raise SpreadsheetError(f"Het bestand {name} is leeg. Stuur het bestand opnieuw.")
    if len(data) > limits.max_file_bytes:
        raise SpreadsheetError(
            f"Het bestand {name} is te groot ({_megabytes(len(data))}; maximaal "
            f"{_megabytes(limits.max_file_bytes)}). Stuur een kleiner bestand."
        )


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f}".replace(".", ",").removesuffix(",0") + " MB"


def _read_by_format(name: str, suffix: str, data: bytes, limits: SheetLimits) -> Workbook:
    if data.startswith(_ZIP_MAGIC):
        return _read_zip(name, suffix, data, limits)
    if data.startswith(_OLE2_MAGIC):
        raise SpreadsheetError(_ole2_message(name, data))
    if suffix in _REFUSED_EXTENSIONS:
        raise SpreadsheetError(_refusal(name, suffix))
    if suffix in _XLSX_EXTENSIONS:
        raise SpreadsheetError(_not_valid_xlsx(name))
    if data.startswith(_OTHER_BINARY_MAGIC):
        raise SpreadsheetError(_not_valid_csv(name))
    return _read_csv(name, data, limits)


def _ole2_message(name: str, data: bytes) -> str:
    # Excel wraps a password-protected .xlsx in an OLE2 file with this stream.
    if _ENCRYPTED_PACKAGE in data:
        return (
            f"Het bestand {name} is met een wachtwoord beveiligd. "
            "Stuur het bestand zonder wachtwoord als .xlsx."
        )
    return _refusal(name, ".xls")


def _refusal(name: str, suffix: str) -> str:
    return f"Het bestand {name} {_REFUSED_EXTENSIONS[suffix]}. Stuur het bestand als .xlsx."


def _not_valid_xlsx(name: str, cause: Exception | None = None) -> str:
    message = (
        f"Het bestand {name} is geen geldig Excel-bestand (.xlsx). Stuur het bestand als .xlsx."
    )
    return message + (f" (technische oorzaak: {type(cause).__name__})" if cause else "")


def _not_valid_csv(name: str) -> str:
    return f"Het bestand {name} is geen leesbaar CSV-bestand. Stuur het bestand als .xlsx."


def _zip_bomb(name: str, detail: str) -> SpreadsheetError:
    return SpreadsheetError(
        f"Het bestand {name} is verdacht groot na uitpakken (mogelijk een zip-bom; {detail}). "
        "Het is niet geopend; stuur een gewoon .xlsx-bestand."
    )


# ------------------------------------------------------------------------- zip / xlsx


def _read_zip(name: str, suffix: str, data: bytes, limits: SheetLimits) -> Workbook:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise SpreadsheetError(_not_valid_xlsx(name, exc)) from exc
    with archive:
        _check_zip_directory(name, archive.infolist(), limits)
        names = set(archive.namelist())
        if _is_ods(archive, names):
            raise SpreadsheetError(_refusal(name, ".ods"))
        if "xl/workbook.xml" not in names:
            if suffix in _REFUSED_EXTENSIONS:
                raise SpreadsheetError(_refusal(name, suffix))
            raise SpreadsheetError(_not_valid_xlsx(name))
        _check_xml_members(name, archive)
        return _read_xlsx(name, data, archive, limits)


def _check_zip_directory(name: str, infos: list[zipfile.ZipInfo], limits: SheetLimits) -> None:
    """Refuse zip bombs from the sizes in the zip directory, before decompressing.

    zipfile stops reading a member at its declared size (and then fails its CRC), so
    the directory's sizes bound what openpyxl can ever decompress.
    """
    if len(infos) > limits.max_members:
        raise _zip_bomb(name, f"{len(infos)} onderdelen")
    total = sum(info.file_size for info in infos)
    if total > limits.max_uncompressed_bytes:
        raise _zip_bomb(name, f"{_megabytes(total)} uitgepakt")
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_CHECK_FROM_BYTES and ratio > limits.max_compression_ratio:
            raise _zip_bomb(name, f"onderdeel {info.filename[:60]} is {ratio:.0f}x gecomprimeerd")


def _is_ods(archive: zipfile.ZipFile, names: set[str]) -> bool:
    if "mimetype" not in names:
        return False
    with archive.open("mimetype") as member:
        return member.read(len(_ODS_MIMETYPE) + 16).startswith(_ODS_MIMETYPE)


def _check_xml_members(name: str, archive: zipfile.ZipFile) -> None:
    """Refuse DTDs (entity-expansion attacks) and Strict OOXML (openpyxl cannot read it).

    OOXML never needs a DTD, and a DTD comes before the root element, so the first
    bytes of each part are checked; a DTD hidden behind kilobytes of comments is left
    to expat's own entity-amplification limit.
    """
    for info in archive.infolist():
        if not info.filename.endswith((".xml", ".rels")) or info.is_dir():
            continue
        with archive.open(info) as member:
            head = member.read(_XML_PEEK_BYTES)
        upper = head.upper()
        if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
            raise SpreadsheetError(_not_valid_xlsx(name))
        if info.filename == "xl/workbook.xml" and _STRICT_OOXML in head:
            raise SpreadsheetError(
                f"Het bestand {name} is opgeslagen als 'Strict Open XML'. Sla het op als "
                "gewone Excel-werkmap en stuur het bestand als .xlsx."
            )


def _read_xlsx(name: str, data: bytes, archive: zipfile.ZipFile, limits: SheetLimits) -> Workbook:
    with warnings.catch_warnings():
        # openpyxl warns about every unsupported extension; those are noise here.
        warnings.simplefilter("ignore")
        try:
            book = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_vba=False, keep_links=False
            )
            try:
                return _read_worksheets(book, archive, limits)
            finally:
                book.close()
        except Exception as exc:
            # Broken XML and the like, in the workbook or deep inside a sheet.
            raise SpreadsheetError(_not_valid_xlsx(name, exc)) from exc


def _read_worksheets(
    book: openpyxl.Workbook, archive: zipfile.ZipFile, limits: SheetLimits
) -> Workbook:
    sheets, problems = [], []
    for worksheet in book.worksheets:
        sheet, sheet_problems = _read_worksheet(worksheet, archive, limits)
        sheets.append(sheet)
        problems.extend(sheet_problems)
    return Workbook(sheets=sheets, problems=problems)


@dataclass
class _Collected:
    rows: list[tuple[int, Row]]
    truncated: bool = False
    columns_cut: bool = False
    rows_beyond_excel: bool = False
    last_row_read: int = 0


def _read_worksheet(
    worksheet: ReadOnlyWorksheet, archive: zipfile.ZipFile, limits: SheetLimits
) -> tuple[Sheet, list[str]]:
    # Files from other tools often carry a wrong <dimension>; read-only mode would then
    # cut rows and columns to it. Without it, openpyxl reads what is really there.
    worksheet.reset_dimensions()
    collected = _collect_rows(enumerate(worksheet.iter_rows(values_only=True), start=1), limits)
    title = worksheet.title
    uncached = frozenset()
    path = getattr(worksheet, "_worksheet_path", None)
    if path and _has_formulas(archive, path):
        uncached = _uncached_formulas(archive, path, collected.last_row_read, limits.max_columns)
    sheet = Sheet(title, collected.rows, uncached, collected.truncated)
    return sheet, _sheet_problems(title, collected, uncached, limits)


def _collect_rows(numbered: Iterable[tuple[int, Sequence]], limits: SheetLimits) -> _Collected:
    """Keep non-empty rows, cheaply: the common row needs only a few C-level checks."""
    collected = _Collected(rows=[])
    rows = collected.rows
    max_rows, max_columns = limits.max_rows, limits.max_columns
    for number, values in numbered:
        if number > _EXCEL_MAX_ROW:
            collected.rows_beyond_excel = True
            break
        collected.last_row_read = number
        if not values:
            continue
        if (
            values[-1] is None
            or len(values) > max_columns
            or "" in values
            or datetime.timedelta in set(map(type, values))
        ):
            values, cut = _normalise(values, max_columns)
            collected.columns_cut |= cut
            if not values:
                continue
        if len(rows) >= max_rows:
            collected.truncated = True
            collected.last_row_read = number - 1
            break
        rows.append((number, tuple(values)))
    return collected


def _normalise(values: Sequence, max_columns: int) -> tuple[Row, bool]:
    """Empty strings become None, durations text, the row is cut and right-trimmed."""
    cells = list(values)
    cut = len(cells) > max_columns and any(v not in (None, "") for v in cells[max_columns:])
    cells = [_plain(v) for v in cells[:max_columns]]
    end = len(cells)
    while end and cells[end - 1] is None:
        end -= 1
    return tuple(cells[:end]), cut


def _plain(value: object) -> CellValue:
    if value == "":
        return None
    if isinstance(value, datetime.timedelta):
        # [u]:mm hour totals: as text like "7:30", which the interpreter already reads.
        return _duration_text(value)
    return value


def _duration_text(value: datetime.timedelta) -> str:
    seconds = round(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{sign}{hours}:{minutes:02d}" + (f":{secs:02d}" if secs else "")


def _sheet_problems(
    title: str, collected: _Collected, uncached: frozenset[tuple[int, int]], limits: SheetLimits
) -> list[str]:
    problems = []
    if collected.truncated:
        problems.append(
            f"Blad {title}: meer dan {limits.max_rows} rijen; alleen de eerste "
            f"{limits.max_rows} zijn gelezen."
        )
    if collected.columns_cut:
        problems.append(
            f"Blad {title}: meer dan {limits.max_columns} kolommen; alles na kolom "
            f"{column_letter(limits.max_columns)} is genegeerd."
        )
    if collected.rows_beyond_excel:
        problems.append(f"Blad {title}: rijen na rij {_EXCEL_MAX_ROW} zijn genegeerd.")
    if uncached:
        row, col = min(uncached)
        problems.append(
            f"Blad {title}: {len(uncached)} formule(s) zonder berekende waarde "
            f"(bijv. {column_letter(col)}{row}); open en sla het bestand op in Excel."
        )
    return problems


# ------------------------------------------------------------------------ formulas


def _has_formulas(archive: zipfile.ZipFile, path: str) -> bool:
    """Stream the sheet's XML looking for a formula element; most sheets have none."""
    tail = b""
    with archive.open(path.lstrip("/")) as member:
        while chunk := member.read(_SCAN_CHUNK_BYTES):
            if _FORMULA_TAG.search(tail + chunk):
                return True
            tail = chunk[-64:]  # a tag split over two chunks
    return False


def _uncached_formulas(
    archive: zipfile.ZipFile, path: str, last_row: int, max_columns: int
) -> frozenset[tuple[int, int]]:
    """Cells with a formula (<f>) but no cached value (<v>), numbered as openpyxl does."""
    found = set()
    with archive.open(path.lstrip("/")) as member:
        for row, col in _formula_cells_without_value(member):
            if row > last_row:
                break
            if col <= max_columns:
                found.add((row, col))
    return frozenset(found)


def _formula_cells_without_value(source: io.BufferedIOBase) -> Iterator[tuple[int, int]]:
    row = col = 0
    parent = None
    for event, element in ElementTree.iterparse(source, events=("start", "end")):
        tag = element.tag.rpartition("}")[2]
        if event == "start":
            if tag == "sheetData":
                parent = element
            elif tag == "row":
                # Same numbering as openpyxl: the row's r, else one past the last row.
                row = int(float(element.get("r"))) if element.get("r") else row + 1
                col = 0
            continue
        if tag == "c":
            ref = element.get("r")
            col = coordinate_to_tuple(ref)[1] if ref else col + 1
            if _lacks_cached_value(element):
                yield row, col
        elif tag == "row" and parent is not None:
            parent.clear()  # keep memory flat on long sheets


def _lacks_cached_value(cell: ElementTree.Element) -> bool:
    children = {child.tag.rpartition("}")[2]: child for child in cell}
    if "f" not in children:
        return False
    value = children.get("v")
    if value is not None and value.text:
        return False
    # openpyxl writes an empty <v/> for formulas it never calculated; an empty <v/> is
    # only a real result for a text formula (t="str") that produced "".
    return value is None or cell.get("t") != "str"


# ------------------------------------------------------------------------------ CSV


def _read_csv(name: str, data: bytes, limits: SheetLimits) -> Workbook:
    text = _decode(data)
    if _looks_binary(text):
        raise SpreadsheetError(_not_valid_csv(name))
    first_line = 1
    hint = _SEP_HINT.match(text)
    try:
        if hint:
            # Excel's "sep=;" first line names the delimiter and is not data.
            delimiter, text, first_line = hint.group(1), text[hint.end() :], 2
        else:
            delimiter = _sniff_delimiter(text)
        collected = _collect_rows(_csv_records(text, delimiter, first_line), limits)
    except csv.Error as exc:
        raise SpreadsheetError(_not_valid_csv(name) + f" (technische oorzaak: {exc})") from exc
    title = PurePosixPath(name).stem or name
    sheet = Sheet(title, collected.rows, frozenset(), collected.truncated)
    return Workbook(sheets=[sheet], problems=_sheet_problems(title, collected, frozenset(), limits))


def _decode(data: bytes) -> str:
    """BOM, else UTF-8, else Windows-1252, else charset-normalizer's guess.

    Windows-1252 comes before the guess on purpose: on short Dutch files
    charset-normalizer picks cp1250 or even cp1125 ("Noël" → "Noыl"), while
    Windows-1252 is what Dutch Excel actually writes. It is skipped when the bytes
    hold NULs (UTF-16 without BOM) or bytes Windows-1252 leaves undefined.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom) :].decode(encoding, errors="replace")
    if b"\x00" not in data:
        for encoding in ("utf-8", "cp1252"):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError:
                pass
    guess = charset_normalizer.from_bytes(data).best()
    if guess is not None:
        return str(guess)
    return data.decode("cp1252", errors="replace")


def _looks_binary(text: str) -> bool:
    sample = text[:65_536]
    controls = len(_CONTROL_CHARS.findall(sample))
    return "\x00" in sample or controls > len(sample) / 200


def _sniff_delimiter(text: str) -> str:
    """The delimiter that splits most lines into the same number (≥ 2) of fields.

    Parsing each candidate with the csv module respects quotes; counting fields rather
    than characters keeps decimal commas ("6,5") in a ';' file from winning, because
    they vary per line while the real delimiter's count does not.
    """
    sample = "".join(io.StringIO(text, newline="").readlines(65_536)[:_SNIFF_LINES])
    best, best_score = _DELIMITERS[0], 0
    for delimiter in _DELIMITERS:
        widths = Counter(
            len(record)
            for record in csv.reader(io.StringIO(sample, newline=""), delimiter=delimiter)
            if len(record) >= 2
        )
        score = max(widths.values(), default=0)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _csv_records(text: str, delimiter: str, first_line: int) -> Iterator[tuple[int, list]]:
    """(line number where the record starts, fields); "" becomes None via _collect_rows."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    previous_end = 0
    for fields in reader:
        yield first_line + previous_end, fields
        previous_end = reader.line_num
