"""Readable plain text from the HTML part of an e-mail.

Employers often send HTML-only mail, or paste a table from Excel into the body. The
mutation parsers work on lines of text, so this module turns HTML into lines the way
a reader sees them: paragraphs and list items on their own lines, one line per table
row with the cells joined by " | ", and nothing of scripts, styles or comments.

It uses the standard library's html.parser behind a linear-time clean-up pass, so it
stays fast and never raises on malformed or hostile markup.
"""

import contextlib
import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

CELL_SEPARATOR = " | "

# Elements whose content is never shown to a reader.
_HIDDEN_CONTENT = frozenset({"script", "style"})
# Elements that may appear in <head> without implying that the body has started.
_HEAD_CONTENT = frozenset({"head", "title", "meta", "link", "base", "style", "script"})
# Blocks separated from their neighbours by a blank line.
_PARAGRAPHS = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "address", "figure"}
)
# Blocks that start and end a line.
_LINES = frozenset(
    {
        "div", "ul", "ol", "dl", "dt", "dd", "section", "article", "header", "footer",
        "nav", "aside", "main", "center", "form", "fieldset", "legend", "caption",
        "figcaption", "details", "summary", "hr", "body", "html", "option", "menu", "dir",
    }
)
# Cells longer than this are prose in a layout table, not values in a data table.
_MAX_DATA_CELL_LINES = 3
_MAX_DATA_CELL_CHARS = 300

# Invisible characters that mail editors sprinkle into text; they break word matching.
_INVISIBLE = str.maketrans({"\u200b": None, "\u200c": None, "\u200d": None,
                            "\u2060": None, "\ufeff": None, "\xad": None})
# Character references with so many digits that html.unescape would refuse them.
_HUGE_CHARREF = re.compile(r"&(?=#[xX]?[0-9a-fA-F]{12,})")
_TAG_START = re.compile(r"</?[A-Za-z]")
_CRUDE_TAG = re.compile(r"<[^<>]*>")
_BLANK_RUN = re.compile(r"\n{3,}")


def collapse_whitespace(text: str) -> str:
    """One line of text with invisible characters removed and whitespace runs as one space."""
    return " ".join(text.translate(_INVISIBLE).split())


@dataclass
class _Block:
    """Lines of text being written into the document or into one table cell."""

    lines: list[str] = field(default_factory=list)
    fragments: list[str] = field(default_factory=list)
    marker: str = ""
    has_table: bool = False

    def add_text(self, text: str) -> None:
        if self.marker and text.strip():
            # A list marker waits for the item's first words, so "<li><p>x" stays "- x".
            self.fragments.append(self.marker)
            self.marker = ""
        self.fragments.append(text)

    def end_line(self) -> None:
        text = collapse_whitespace("".join(self.fragments))
        self.fragments.clear()
        if text:
            self.lines.append(text)

    def line_break(self) -> None:
        # Unlike end_line, a <br> on an empty line is itself an (empty) line.
        self.lines.append(collapse_whitespace("".join(self.fragments)))
        self.fragments.clear()

    def blank_line(self) -> None:
        self.end_line()
        if self.lines and self.lines[-1]:
            self.lines.append("")

    def add_lines(self, lines: list[str]) -> None:
        self.end_line()
        self.lines.extend(lines)
        self.end_line()

    def finish(self) -> list[str]:
        self.end_line()
        return self.lines


@dataclass
class _Table:
    """An open <table>: the block it is written into and the row being read."""

    parent: _Block
    row: list[_Block] | None = None
    cell: _Block | None = None


def _cell_text(cell: _Block) -> str:
    return " ".join(line for line in cell.lines if line)


def _is_data_row(cells: list[_Block]) -> bool:
    """A row of short values, as opposed to a layout row holding paragraphs or tables."""
    filled = [cell for cell in cells if _cell_text(cell)]
    if len(filled) < 2:
        return False
    for cell in cells:
        text_lines = [line for line in cell.lines if line]
        if cell.has_table or len(text_lines) > _MAX_DATA_CELL_LINES:
            return False
        if len(_cell_text(cell)) > _MAX_DATA_CELL_CHARS:
            return False
    return True


def _row_line(cells: list[_Block]) -> str:
    texts = [_cell_text(cell) for cell in cells]
    while texts and not texts[-1]:
        texts.pop()
    return collapse_whitespace(CELL_SEPARATOR.join(texts))


class _TextExtractor(HTMLParser):
    """Collects the visible text of a document as lines."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Block()
        self.tables: list[_Table] = []
        self.lists: list[list[int] | None] = []
        self.hidden_depth = 0
        self.in_head = False
        self.in_title = False
        self.pre_depth = 0

    # -- where text goes -------------------------------------------------------------

    def _target(self) -> _Block:
        if not self.tables:
            return self.root
        table = self.tables[-1]
        # Text between cells is shown before the table by browsers; keep it outside.
        return table.cell if table.cell is not None else table.parent

    # -- parser callbacks --------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN_CONTENT:
            self.hidden_depth += 1
            return
        if self._in_head_content(tag):
            return
        self._open(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # "<br/>" must not also count as an end tag; "<script/>" hides nothing.
        if tag not in _HIDDEN_CONTENT and not self._in_head_content(tag):
            self._open(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN_CONTENT:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag == "head":
            self.in_head = False
        elif tag == "title":
            self.in_title = False
        elif not (self.in_head or self.in_title):
            self._close(tag)

    def handle_data(self, data: str) -> None:
        if self.hidden_depth or self.in_title:
            return
        if self.in_head:
            if not data.strip():
                return
            # Text cannot live in <head>; browsers show it as the start of the body.
            self.in_head = False
        target = self._target()
        if not self.pre_depth:
            target.add_text(data)
            return
        pieces = data.split("\n")
        for piece in pieces[:-1]:
            target.add_text(piece)
            target.line_break()
        target.add_text(pieces[-1])

    def _in_head_content(self, tag: str) -> bool:
        """Track <head> and <title>; True when the tag belongs to the hidden head."""
        if tag == "head":
            self.in_head = True
            return True
        if tag == "title":
            self.in_title = True
            return True
        if tag not in _HEAD_CONTENT:
            # Any body element closes an unterminated head or title.
            self.in_head = self.in_title = False
        return self.in_head

    # -- structure ---------------------------------------------------------------------

    def _open(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        target = self._target()
        if tag == "br":
            target.line_break()
        elif tag == "p" and self.lists:
            target.end_line()  # paragraphs inside list items would space the list out
        elif tag in _PARAGRAPHS:
            target.blank_line()
            if tag == "pre":
                self.pre_depth += 1
        elif tag in ("ul", "ol"):
            target.end_line()
            self.lists.append([_list_start(attrs)] if tag == "ol" else None)
        elif tag == "li":
            target.end_line()
            target.marker = self._next_list_marker()
        elif tag == "table":
            target.end_line()
            target.has_table = True
            self.tables.append(_Table(parent=target))
        elif tag == "tr":
            self._start_row()
        elif tag in ("td", "th"):
            self._start_cell()
        elif tag in _LINES:
            target.end_line()

    def _close(self, tag: str) -> None:
        target = self._target()
        if tag in _PARAGRAPHS:
            if tag == "p" and self.lists:
                target.end_line()
                return
            if tag == "pre":
                self.pre_depth = max(0, self.pre_depth - 1)
            target.blank_line()
        elif tag in ("ul", "ol"):
            target.end_line()
            if self.lists:
                self.lists.pop()
        elif tag == "li":
            target.end_line()
            target.marker = ""
        elif tag == "table":
            self._end_table()
        elif tag == "tr":
            if self.tables:
                self._end_row(self.tables[-1])
        elif tag in ("td", "th"):
            if self.tables:
                self._end_cell(self.tables[-1])
        elif tag in _LINES:
            target.end_line()

    def _next_list_marker(self) -> str:
        if not self.lists or self.lists[-1] is None:
            return "- "
        counter = self.lists[-1]
        number = counter[0]
        counter[0] += 1
        return f"{number}. "

    def _start_row(self) -> None:
        if not self.tables:
            self.root.end_line()
            return
        table = self.tables[-1]
        self._end_row(table)
        table.row = []

    def _start_cell(self) -> None:
        if not self.tables:
            self.root.add_text(" ")
            return
        table = self.tables[-1]
        self._end_cell(table)
        if table.row is None:
            table.row = []  # a cell without <tr> starts a row, as in browsers
        table.cell = _Block()

    def _end_cell(self, table: _Table) -> None:
        if table.cell is None:
            return
        table.cell.finish()
        if table.row is None:
            table.row = []
        table.row.append(table.cell)
        table.cell = None

    def _end_row(self, table: _Table) -> None:
        self._end_cell(table)
        cells, table.row = table.row, None
        if not cells:
            return
        if _is_data_row(cells):
            table.parent.add_lines([_row_line(cells)])
            return
        for cell in cells:
            table.parent.add_lines(cell.lines)

    def _end_table(self) -> None:
        if not self.tables:
            return
        table = self.tables.pop()
        self._end_row(table)
        table.parent.end_line()

    def text(self) -> str:
        while self.tables:
            self._end_table()
        return _join_lines(self.root.finish())


def _list_start(attrs: list[tuple[str, str | None]]) -> int:
    for name, value in attrs:
        if name == "start" and value and value.strip().isdigit() and len(value.strip()) < 7:
            return int(value.strip())
    return 1


def _join_lines(lines: list[str]) -> str:
    text = "\n".join(lines).strip("\n")
    return _BLANK_RUN.sub("\n\n", text)


def _defuse(markup: str) -> str:
    """Markup that html.parser reads in linear time.

    html.parser rescans the rest of the document for every "<" that does not start a
    complete tag, which is quadratic on input like "<a <a <a ...". This pass, itself
    linear, drops comments, declarations and processing instructions (never visible)
    and escapes every "<" that does not open a tag closed before the next "<".
    """
    out: list[str] = []
    length = len(markup)
    start = 0
    next_gt = -1
    pos = markup.find("<")
    while pos != -1:
        out.append(markup[start:pos])
        if markup.startswith("<!--", pos):
            end = markup.find("-->", pos + 4)
            if end == -1:
                return "".join(out)  # an unclosed comment hides the rest, as in browsers
            start = end + 3
            pos = markup.find("<", start)
            continue
        next_lt = markup.find("<", pos + 1)
        if next_gt < pos:
            next_gt = markup.find(">", pos + 1)
            if next_gt == -1:
                next_gt = length
        closed = next_gt < length and (next_lt == -1 or next_gt < next_lt)
        if closed and markup.startswith(("<!", "<?"), pos):
            start = next_gt + 1  # <!DOCTYPE>, <![if mso]>, <?xml ...?>
        elif closed and _TAG_START.match(markup, pos):
            out.append(markup[pos : next_gt + 1])
            start = next_gt + 1
        else:
            out.append("&lt;")
            start = pos + 1
        pos = markup.find("<", start)
    out.append(markup[start:])
    return _HUGE_CHARREF.sub("&amp;", "".join(out))


def _crude_text(markup: str) -> str:
    """Last resort when the parser fails: strip tags, keep the words."""
    text = _CRUDE_TAG.sub(" ", markup)
    with contextlib.suppress(ValueError, OverflowError):
        text = unescape(text)
    return _join_lines([collapse_whitespace(line) for line in text.splitlines()])


def html_to_text(html: str) -> str:
    """Readable plain text of an HTML document or fragment; never raises."""
    markup = _defuse(html)
    extractor = _TextExtractor()
    try:
        extractor.feed(markup)
        extractor.close()
        return extractor.text()
    except Exception:  # html.parser raises AssertionError and others on odd markup
        return _crude_text(markup)
