"""Uploaded bytes to rows, safely: encoding, delimiter, header and row-shape checks.

The rules, so that the docs and the problems users see agree:

* **Encoding.** UTF-8, with or without a byte-order mark, is read silently. A file that is
  not UTF-8 but reads as Windows-1252 (what Excel's plain "CSV" writes) is decoded so the
  rest of the file can still be checked, but it is reported as a problem on the file with
  the byte offset of the first non-UTF-8 byte: guessing an encoding silently corrupts
  names (``é`` becomes ``Ã©`` one way or the other), so nothing is imported until the file
  is saved again as UTF-8. UTF-16/UTF-32 (byte-order mark), binary files (NUL bytes) and
  empty files are refused.
* **Delimiter.** The templates are comma-separated. The delimiter is detected on the
  header line among ``,`` ``;`` tab and ``|``; any other than the comma is reported (the
  rows are still read with it, so every other problem shows at once).
* **Rows.** A record's location is ``"row N"``, N being the line of the file it starts on
  (the header is line 1), which is the row number a spreadsheet shows. Blank lines are
  skipped, values are stripped of surrounding whitespace. Rows with too many or too few
  values, broken quoting or more than :data:`MAX_ROW_CHARS` characters are reported and
  left out of :attr:`Table.rows`.
* **File-level problems** (record = ``source``) mean the whole file is refused: readers
  return no records when :attr:`Table.file_ok` is false, but still check every row.
* **Echoing values.** Values are kept exactly as given (stripped) in records; only the
  copy echoed in a :class:`Problem` goes through :func:`safe_echo`.
"""

from __future__ import annotations

import csv
import re
import sys
import unicodedata
from collections.abc import Callable
from collections.abc import Collection
from collections.abc import Iterator
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field

from odx_graph.services.importing import progress
from odx_graph.services.importing.records import Problem
from odx_graph.services.importing.records import ProblemLog
from odx_graph.services.importing.records import shown

# A fixed limit on one row (quoted line breaks included), so a 10 MB line or a huge
# quoted value is reported without being parsed into a huge field or a million-item row.
# No template row comes near it; an EPC export row is about 3,000 characters. The
# process-wide csv.field_size_limit() is left alone (other code may rely on it); the
# limit used is the smaller of the two.
MAX_ROW_CHARS = 100_000

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical bar"}

# Characters a spreadsheet may take as the start of a formula (CWE-1236).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A plain number is read by spreadsheets as a number, never a formula: echo it as it is.
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
# Control, format (bidi overrides, zero-width), separator and surrogate characters.
_ESCAPED_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})
_NAMED_ESCAPES = {"\t": "\\t", "\r": "\\r", "\n": "\\n"}


def safe_echo(value: str) -> str:
    """``value`` made safe to show in a problem report, a web page or a spreadsheet.

    Control and invisible formatting characters are written as escapes (``\\n``,
    ``\\x00``, ``\\u202e``); a value a spreadsheet could take as a formula (starting
    with ``=``, ``+``, ``-``, ``@``, tab or carriage return) is prefixed with ``'`` so it
    is shown as text. Plain numbers such as ``-5`` are left alone: they cannot run
    anything. The result is cut to 200 characters.
    """
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        value = "'" + value
    escaped = []
    for char in value[:400]:  # enough for 200 shown characters, whatever escapes grow
        if char in _NAMED_ESCAPES:
            escaped.append(_NAMED_ESCAPES[char])
        elif unicodedata.category(char) in _ESCAPED_CATEGORIES:
            code = ord(char)
            escaped.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")
        else:
            escaped.append(char)
    text = "".join(escaped)
    return shown(text + ("…" if len(value) > 400 else ""))


def echo_value(value: object) -> str:
    """Any value as :func:`safe_echo` shows it (``""`` for ``None``): every problem a
    report repeats goes through here, whichever stage found it."""
    return "" if value is None else safe_echo(str(value))


def decode_text(data: bytes, source: str = "file") -> tuple[str | None, list[Problem]]:
    """Decode an uploaded file; return its text (or ``None``) and the problems found.

    UTF-8 (a leading byte-order mark is dropped) gives no problem. Windows-1252 text is
    returned together with a problem on ``source`` (the file is refused, see the module
    docs). UTF-16, UTF-32, binary and empty files give ``None``.
    """

    def problem(value: str, reason: str) -> list[Problem]:
        return [Problem(source, "", value, reason)]

    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, problem(
            "", "the file is UTF-16 (or UTF-32) text; save it as 'CSV UTF-8' and upload it again"
        )
    body = data.removeprefix(b"\xef\xbb\xbf")
    if not body.strip():
        return None, problem("", "the file is empty")
    nul = body.find(b"\x00")
    if nul >= 0:
        return None, problem(
            "",
            f"the file is not text (byte {nul + len(data) - len(body)} is a NUL byte): "
            "it may be a spreadsheet (.xlsx) or UTF-16 text; save it as 'CSV UTF-8'",
        )
    try:
        return body.decode("utf-8"), []
    except UnicodeDecodeError as error:
        offset = error.start + len(data) - len(body)
        bad_byte = body[error.start]
    try:
        text = body.decode("cp1252")
    except UnicodeDecodeError:
        return None, problem(
            f"0x{bad_byte:02X}",
            f"the file is neither UTF-8 nor Windows-1252 text (byte {offset} is not "
            "UTF-8); save it as 'CSV UTF-8' and upload it again",
        )
    line = data[:offset].count(b"\n") + 1
    return text, problem(
        f"0x{bad_byte:02X}",
        f"the file is not UTF-8: byte {offset} (line {line}) is not UTF-8 and the file "
        "looks like Windows-1252; nothing is imported until it is saved as 'CSV UTF-8', "
        "so that accented names are not corrupted",
    )


@dataclass(slots=True)
class Table:
    """A CSV file read into rows, with the problems of its shape.

    ``rows`` holds the well-formed data rows as ``(line, {column: value})``, values
    stripped. ``unreadable`` holds the rows left out, as ``(line, raw values)``; the raw
    values are empty when the row could not be split at all. ``file_ok`` is false when a
    problem concerns the whole file (encoding, delimiter, header).
    """

    source: str
    header: list[str] = field(default_factory=list)
    rows: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    unreadable: list[tuple[int, list[str]]] = field(default_factory=list)
    problems: ProblemLog = field(default_factory=ProblemLog)
    delimiter: str = ","
    # When set, each well-formed row goes to this as it is read instead of into ``rows``,
    # and unreadable rows are only counted: the file's rows are never all held at once.
    on_row: Callable[[int, dict[str, str]], None] | None = None
    rows_streamed: int = 0
    unreadable_count: int = 0

    @property
    def file_ok(self) -> bool:
        """Whether no problem concerns the whole file."""
        return self.source not in self.problems.records

    @property
    def rows_seen(self) -> int:
        """Data rows found, well-formed or not."""
        return len(self.rows) + self.rows_streamed + self.unreadable_count


_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")


def physical_lines(text: str) -> Iterator[str]:
    """The lines of ``text`` with their endings, split on ``\n``, ``\r\n`` and ``\r`` as
    ``io.StringIO(text, newline="")`` does, without copying the text (a StringIO holds
    four bytes a character)."""
    for match in _LINE.finditer(text):
        yield match.group()


class _LineFeed:
    """Feeds the csv parser physical lines, cutting off rows longer than ``limit``.

    Every physical line gives exactly one item, so the parser's line count stays the
    file's. A row that grows past the limit is ended early (its line replaced by an empty
    line, or by a closing quote when the row is inside a multi-line quoted value) and
    the rest of an open quoted value is skipped, found by counting quotes: in well-formed
    CSV an escaped quote is doubled, so an odd count closes the value.
    """

    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        self.row_chars = 0
        self.row_lines = 0
        self.overlong = False  # the row being read was cut off
        self.skipping = False  # inside the rest of a cut-off quoted value

    def start_row(self) -> None:
        """Called before the parser reads each row."""
        self.row_chars = self.row_lines = 0
        self.overlong = False

    def __iter__(self) -> Iterator[str]:
        # newline="" splits on \n, \r\n and \r without translating, as csv expects.
        for line in physical_lines(self.text):
            if self.skipping:
                if line.count('"') % 2:
                    self.skipping = False
                yield "\n"
                continue
            self.row_chars += len(line)
            self.row_lines += 1
            if self.row_chars <= self.limit:
                yield line
                continue
            self.overlong = True
            if self.row_lines > 1:  # the parser is inside a quoted value: close it
                self.skipping = line.count('"') % 2 == 0
                yield '"\n'
            else:
                self.skipping = line.count('"') % 2 == 1
                yield "\n"


def _detect_delimiter(header_line: str) -> str:
    """The candidate delimiter that occurs most often outside quotes (comma on a tie)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: (counts[d], d == ","))
    return best if counts[best] > 0 else ","


_CSV_ERRORS = {
    "unexpected end of data": "the file ends inside a quoted value (is it truncated?)",
    "expected after": "a quoted value has characters after its closing quote",
    "field larger than field limit": "a value is too long to be read",
}


def _csv_reason(error: csv.Error) -> str:
    message = str(error)
    for key, reason in _CSV_ERRORS.items():
        if key in message:
            return reason
    return "the row's quoting is broken"


def read_table(
    text: str,
    *,
    expected: Sequence[str] | None,
    required: Sequence[str],
    source: str,
    allow_repeated: bool = False,
    must_agree: Collection[str] = (),
    fold: Callable[[str], str] | None = None,
    on_row: Callable[[int, dict[str, str]], None] | None = None,
    stage: str = "reading rows",
) -> Table:
    """Split ``text`` into a header and rows, reporting every problem of shape.

    ``expected`` lists the known columns (others are reported as unknown); ``None``
    accepts any. ``required`` columns must be in the header. Repeated column names are
    reported unless ``allow_repeated``: then the first occurrence gives the value, and
    for the columns in ``must_agree`` a later occurrence with a different non-empty
    value is reported on the row. ``fold`` maps header names before any check (e.g.
    upper-casing). Problems on the file use ``source`` as their record. With ``on_row``,
    rows are handed to it as they are read (after the header is checked) and not kept.
    ``stage`` names the reading in progress reports.
    """
    table = Table(source, on_row=on_row)
    header_line = next((line for line in physical_lines(text) if line.strip()), "")
    table.delimiter = _detect_delimiter(header_line[:MAX_ROW_CHARS])
    if table.delimiter != ",":
        table.problems.append(
            Problem(
                source,
                "",
                safe_echo(table.delimiter),
                f"the columns are separated by {DELIMITERS[table.delimiter]}s, but the "
                "templates are comma-separated; save the file as 'CSV UTF-8 (comma "
                "delimited)'",
            )
        )
    # Never above the csv module's own field limit, so that limit is never what stops a row.
    feed = _LineFeed(text, min(MAX_ROW_CHARS, csv.field_size_limit()))
    reader = csv.reader(feed, delimiter=table.delimiter, strict=True)
    header: list[str] | None = None
    repeats = False  # whether a column name is repeated in the header
    last_line = 0
    step = progress.steps(stage, text.count("\n") + (not text.endswith("\n")))
    while True:
        start = last_line + 1
        feed.start_row()
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            last_line = reader.line_num
            if header is None:
                table.problems.append(Problem(source, "", "", "header: " + _csv_reason(error)))
            else:
                table.problems.append(Problem(f"row {start}", "", "", _csv_reason(error)))
                _unreadable(table, start, [])
            continue
        last_line = reader.line_num
        step(last_line)
        if feed.overlong:
            reason = f"the row is longer than {feed.limit:,} characters"
            if header is None:
                table.problems.append(Problem(source, "", "", reason + "; no header found"))
                return table
            table.problems.append(Problem(f"row {start}", "", "", reason))
            _unreadable(table, start, [])
            continue
        values = list(map(str.strip, fields))
        if not any(values):
            continue  # blank line
        if header is None:
            # Interned, as the template's column names are: rows are dicts by these names.
            header = [sys.intern(fold(v) if fold else v) for v in values]
            table.header = header
            _check_header(table, expected, required, allow_repeated)
            repeats = len(set(header)) < len(header)
            continue
        _add_row(table, start, values, must_agree, repeats)
    if header is None and source not in table.problems.records:
        table.problems.append(Problem(source, "", "", "the file has no header line"))
    return table


def _check_header(
    table: Table, expected: Sequence[str] | None, required: Sequence[str], allow_repeated: bool
) -> None:
    source, header = table.source, table.header
    known = set(expected) if expected is not None else None
    seen: set[str] = set()
    for index, name in enumerate(header, start=1):
        if not name:
            table.problems.append(Problem(source, "", "", f"column {index} has no name"))
            continue
        if name in seen and not allow_repeated:
            table.problems.append(
                Problem(
                    source,
                    safe_echo(name),
                    safe_echo(name),
                    f"column {index} repeats a column name",
                )
            )
        seen.add(name)
        if known is not None and name not in known:
            hint = ""
            lowered = name.lower().replace(" ", "_")
            if lowered in known:
                hint = f" (did you mean {lowered}?)"
            table.problems.append(
                Problem(
                    source,
                    safe_echo(name),
                    safe_echo(name),
                    f"column {index} is not a known column{hint}",
                )
            )
    for name in required:
        if name not in seen:
            table.problems.append(
                Problem(source, name, "", f"the required column {name} is missing")
            )


def _add_row(
    table: Table, line: int, values: list[str], must_agree: Collection[str], repeats: bool
) -> None:
    header = table.header
    if len(values) != len(header):
        table.problems.append(
            Problem(
                f"row {line}",
                "",
                "",
                f"the row has {len(values)} values but the header has {len(header)} columns",
            )
        )
        _unreadable(table, line, values)
        return
    if repeats:
        row = _first_values(table, line, values, must_agree)
        if row is None:
            _unreadable(table, line, values)
            return
    else:
        row = dict(zip(header, values, strict=True))
    if table.on_row is not None:
        table.rows_streamed += 1
        table.on_row(line, row)
    else:
        table.rows.append((line, row))


def _first_values(
    table: Table, line: int, values: list[str], must_agree: Collection[str]
) -> dict[str, str] | None:
    """A row under a header that repeats column names: each column's first value, or
    ``None`` when a repeat of a column in ``must_agree`` disagrees (each one reported)."""
    row: dict[str, str] = {}
    ok = True
    for name, value in zip(table.header, values, strict=True):
        if name not in row:
            row[name] = value
        elif name in must_agree and value and value != row[name]:
            table.problems.append(
                Problem(
                    f"row {line}",
                    name,
                    safe_echo(value),
                    "the repeated column disagrees with its first occurrence",
                )
            )
            ok = False
    return row if ok else None


def _unreadable(table: Table, line: int, values: list[str]) -> None:
    table.unreadable_count += 1
    if table.on_row is None:
        table.unreadable.append((line, values))
