# mypy: disable-error-code="attr-defined"
"""Reading an import file (CSV or XLSX) row by row within limits, whatever the file holds.

Every path that reads an uploaded file (the upload's inspection, the mapping page's preview,
the row count and the background import) goes through `file_rows`, so one set of limits holds
everywhere: a file past one is refused with a `FileProblem` that says why, before anything
large is built in memory. The limits and their KEHU_* settings are in docs/operations.md.
"""

import codecs
import csv
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

SAMPLE_BYTES = 64 * 1024
#: data rows read at upload besides the header, so a bad file is refused before it is mapped
CHECKED_AT_UPLOAD = 10

#: encodings offered for CSV files, in the order detection prefers them on a tie
ENCODINGS = {
    "utf-8-sig": gettext_lazy("UTF-8"),
    "gb18030": gettext_lazy("GB18030 (GBK, GB2312: simplified Chinese)"),
    "big5": gettext_lazy("Big5 (traditional Chinese)"),
    "cp1252": gettext_lazy("Windows-1252 (Western European)"),
    "latin-1": gettext_lazy("ISO-8859-1 (Latin-1)"),
    "utf-16": gettext_lazy("UTF-16"),
}


class FileProblem(Exception):
    """The file cannot be read as a table; the message says why, for the user."""


class EncodingProblem(FileProblem):
    """The file does not decode in the chosen encoding (another choice may read it)."""


@dataclass(frozen=True)
class Limits:
    columns: int
    cell_chars: int
    row_chars: int
    unpacked_bytes: int
    ratio: int
    strings_bytes: int


def limits() -> Limits:
    """The import limits in force (settings, each from a KEHU_IMPORT_* variable)."""
    mb = 1024 * 1024
    return Limits(
        columns=int(getattr(settings, "IMPORT_MAX_COLUMNS", 500)),
        cell_chars=int(getattr(settings, "IMPORT_MAX_CELL_CHARS", 32_767)),
        row_chars=int(getattr(settings, "IMPORT_MAX_ROW_CHARS", 1_048_576)),
        unpacked_bytes=int(getattr(settings, "IMPORT_MAX_XLSX_UNPACKED_MB", 500)) * mb,
        ratio=int(getattr(settings, "IMPORT_MAX_XLSX_RATIO", 100)),
        strings_bytes=int(getattr(settings, "IMPORT_MAX_XLSX_STRINGS_MB", 32)) * mb,
    )


# -- checks on rows, shared by CSV and XLSX -----------------------------------------------------


def check_width(headers: list[str], lim: Limits | None = None) -> None:
    """FileProblem if a header has more columns than can be imported."""
    lim = lim or limits()
    if len(headers) > lim.columns:
        raise _too_many_columns(1, len(headers), lim)


def _too_many_columns(line: int, columns: int, lim: Limits) -> FileProblem:
    return FileProblem(
        _(
            "Line %(line)d has %(n)s columns; at most %(max)s columns can be imported. "
            "Remove the columns you do not need and upload the file again."
        )
        % {"line": line, "n": f"{columns:,}", "max": f"{lim.columns:,}"}
    )


def check_row(row: list[str], line: int, lim: Limits) -> list[str]:
    """The row without trailing empty cells; FileProblem if it has too many columns or a cell
    too large to import."""
    end = len(row)
    while end and not row[end - 1]:
        end -= 1
    if end < len(row):
        row = row[:end]
    if end > lim.columns:
        raise _too_many_columns(line, end, lim)
    for index, cell in enumerate(row):
        if len(cell) > lim.cell_chars:
            raise _cell_too_large(line, index + 1, len(cell), lim)
    return row


def _cell_too_large(line: int, column: int | None, size: int | None, lim: Limits):
    values = {"line": line, "column": column, "n": f"{size:,}" if size else "",
              "max": f"{lim.cell_chars:,}"}  # fmt: skip
    if column and size:
        message = _(
            "Line %(line)d, column %(column)d holds %(n)s characters; a cell can hold at most "
            "%(max)s. Shorten it and upload the file again."
        )
    else:
        message = _(
            "A cell near line %(line)d holds more than %(max)s characters, the most a cell can "
            "hold. Shorten it and upload the file again."
        )
    return FileProblem(message % values)


def row_too_large(line: int, lim: Limits) -> FileProblem:
    return FileProblem(
        _(
            "Line %(line)d is longer than %(max)s characters: it has too many columns or too "
            "large cells. Check the file and upload it again."
        )
        % {"line": line, "max": f"{lim.row_chars:,}"}
    )


# -- encodings ----------------------------------------------------------------------------------


def read_sample(path) -> tuple[bytes, bool]:
    """The file's first bytes, and whether they are the whole file."""
    with open(path, "rb") as handle:
        sample = handle.read(SAMPLE_BYTES)
        at_end = not handle.read(1)
    return sample, at_end


def _decodes(sample: bytes, encoding: str, at_end: bool) -> str | None:
    try:
        return codecs.getincrementaldecoder(encoding)("strict").decode(sample, final=at_end)
    except UnicodeDecodeError:
        return None


def encoding_candidates(sample: bytes, at_end: bool) -> list[str]:
    """The encodings the sample decodes in without an error, most likely first."""
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ["utf-16"] if _decodes(sample, "utf-16", at_end) is not None else []
    texts = {}
    for encoding in ENCODINGS:
        if encoding == "utf-16":
            continue
        text = _decodes(sample, encoding, at_end)
        if text is not None:
            texts[encoding] = text
    order = list(texts)
    if "utf-8-sig" in texts:  # strict UTF-8 almost never decodes text that is not UTF-8
        return order
    return sorted(order, key=lambda e: (oddities(texts[e], e), order.index(e)))


def detect_encoding(sample: bytes, at_end: bool) -> str:
    """UTF-16 if it starts with its byte-order mark, UTF-8 if the sample decodes strictly,
    else the candidate whose text reads most like text (see `oddities`)."""
    candidates = encoding_candidates(sample, at_end)
    return candidates[0] if candidates else "gb18030"


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_LATIN_RUN = re.compile(r"[\u0080-\u00ff]{3,}")
_ASCII_LETTER = re.compile(r"[A-Za-z]")
#: control characters and private-use characters: never in real text
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ue000-\uf8ff]")


def _common_cjk(char: str, encoding: str) -> bool:
    """In the everyday set of the encoding's script: GB2312 (simplified) for GB18030, Big5's
    frequent characters for Big5."""
    try:
        if encoding == "big5":
            code = char.encode("big5")
            return len(code) == 2 and 0xA440 <= int.from_bytes(code, "big") <= 0xC67E
        return len(char.encode("gb2312")) == 2
    except UnicodeEncodeError:
        return False


def oddities(text: str, encoding: str) -> int:
    """How much `text` looks like a wrong decoding: rare Chinese characters (a Western
    accented letter and the letter after it read as one Chinese character: "São" as "S鉶"),
    control characters, and runs of accented letters (Chinese read as Western: "ÕÅÎ°")."""
    odd = 0
    for match in _CJK.finditer(text):
        char = match.group()
        if not _common_cjk(char, encoding):
            odd += 1
            start, end = match.start(), match.end()
            near = text[max(0, start - 1) : start] + text[end : end + 1]
            if _ASCII_LETTER.search(near):
                odd += 2  # a rare character in Latin-looking text
    odd += len(_CONTROL.findall(text))
    odd += len(_LATIN_RUN.findall(text))
    return odd


def encoding_label(encoding: str) -> str:
    return str(ENCODINGS.get(encoding, encoding))


# -- CSV ----------------------------------------------------------------------------------------


def detect_delimiter(text: str) -> str:
    lines = text.splitlines()
    if len(lines) > 1:
        lines = lines[:-1]  # the last line of a sample may be cut short
    try:
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def csv_rows(path, encoding: str, delimiter: str, lim: Limits | None = None):
    """The file's rows, each checked; no line is read past the row limit, so a line of a
    million columns costs no more than the limit."""
    lim = lim or limits()
    with open(path, encoding=encoding, errors="strict", newline="") as handle:
        size = [0]  # characters of the row being read

        def lines():
            while line := handle.readline(lim.row_chars + 1):
                size[0] += len(line)
                if size[0] > lim.row_chars:
                    raise row_too_large(reader.line_num + 1, lim)
                yield line

        reader = csv.reader(lines(), delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise EncodingProblem(
                    _("The file is not valid %(encoding)s text after line %(line)d.")
                    % {"encoding": encoding, "line": reader.line_num}
                ) from exc
            except csv.Error as exc:
                if "field larger than field limit" in str(exc):
                    raise _cell_too_large(reader.line_num, None, None, lim) from exc
                raise FileProblem(
                    _("The file could not be read near line %(line)d: %(error)s")
                    % {"line": reader.line_num + 1, "error": exc}
                ) from exc
            size[0] = 0
            yield check_row(row, reader.line_num, lim)


# -- both ---------------------------------------------------------------------------------------


def file_rows(path, fmt: str, encoding: str = "", delimiter: str = "") -> Iterator[list[str]]:
    """Every row of the file (header first), within the limits."""
    if fmt == "xlsx":
        from kehu.customers.imports.xlsx import xlsx_rows

        return xlsx_rows(path)
    return csv_rows(path, encoding or "utf-8-sig", delimiter or ",")


def inspect_file(path, fmt: str, encoding: str | None = None) -> dict:
    """Encoding, delimiter and header row of an uploaded file; FileProblem if unreadable or
    past a limit (the header and the first rows are read to find out)."""
    if fmt == "xlsx":
        info = {"encoding": "", "delimiter": ""}
    else:
        sample, at_end = read_sample(path)
        if not sample.strip():
            raise FileProblem(_("The file is empty."))
        binary = sample.count(b"\x00") > len(sample) // 100 or sample.startswith(b"PK\x03\x04")
        if binary and not sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise FileProblem(_("This does not look like a CSV file. Upload a .csv or .xlsx file."))
        encoding = encoding or detect_encoding(sample, at_end)
        text = codecs.getincrementaldecoder(encoding)("replace").decode(sample, final=at_end)
        info = {"encoding": encoding, "delimiter": detect_delimiter(text)}
    rows = file_rows(path, fmt, info["encoding"], info["delimiter"])
    try:
        header = next(rows, None)
        for _row in itertools.islice(rows, CHECKED_AT_UPLOAD):
            pass
    finally:
        rows.close()
    if header is None:
        raise FileProblem(_("The file is empty."))
    return {**info, "headers": headers_of(header)}


def headers_of(row: list[str]) -> list[str]:
    headers = []
    for index, value in enumerate(row):
        value = value.replace("\x00", "").strip()
        headers.append(value or _("Column %(n)d") % {"n": index + 1})
    while headers and row and not row[len(headers) - 1].strip() and len(headers) > 1:
        headers.pop()  # trailing empty header cells (spreadsheet leftovers)
        row = row[:-1]
    return headers


def count_data_rows(path, fmt: str, encoding: str = "", delimiter: str = "") -> int:
    """The number of rows below the header, read through every limit: a file that fails one
    is refused here, before the import writes anything."""
    rows = file_rows(path, fmt, encoding, delimiter)
    count = 0
    try:
        for _row in rows:
            count += 1
    finally:
        rows.close()
    return max(0, count - 1)
