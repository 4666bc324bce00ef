"""Reading an import file (CSV or XLSX) row by row within limits, whatever the file holds.

Every path that reads an uploaded file (the upload's inspection, the mapping page's preview,
the row count and the background import) goes through `file_rows`, so one set of limits holds
everywhere: a file past one is refused with a `FileProblem` that says why, before anything
large is built in memory. The limits and their KEHU_* settings are in docs/operations.md.
"""

import codecs
import csv
import datetime
import decimal
import io
import itertools
import logging
import re
import zipfile
from array import array
from collections.abc import Iterator
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

log = logging.getLogger(__name__)

SAMPLE_BYTES = 64 * 1024
#: data rows read at upload besides the header, so a bad file is refused before it is mapped
CHECKED_AT_UPLOAD = 10

#: Excel's own limits: a row or column beyond them is not a spreadsheet's
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
#: XLSX parts openpyxl reads whole (manifest, workbook, relationships, styles): at most this
WHOLE_PART_BYTES = 8 * 1024 * 1024
#: parts this small cannot hurt, whatever their compression ratio
RATIO_FREE_BYTES = 1024 * 1024
#: bytes of XML between two "<" (one tag, or one piece of text); a cell of 32,767 characters
#: written as character references takes about 330 KB
XML_TOKEN_BYTES = 1024 * 1024
#: nesting depth of XML elements (a worksheet needs 5)
XML_DEPTH = 64
#: a zip's central directory: entries and size (an XLSX has a few dozen parts)
ZIP_ENTRIES = 10_000
ZIP_DIRECTORY_BYTES = 4 * 1024 * 1024

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


def _xml_token_too_large() -> FileProblem:
    return FileProblem(
        _(
            "This XLSX file holds a cell of more than %(max)s characters (the most a cell can "
            "hold), or it is malformed. Shorten the cell and upload the file again."
        )
        % {"max": f"{limits().cell_chars:,}"}
    )


def _unreadable_xlsx() -> FileProblem:
    return FileProblem(_("This is not a readable XLSX file."))


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


def _row_too_large(line: int, lim: Limits) -> FileProblem:
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
                    raise _row_too_large(reader.line_num + 1, lim)
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


# -- XLSX ---------------------------------------------------------------------------------------


class _GuardedPart(io.RawIOBase):
    """One part of the zip, unpacked as it is read, refused as soon as it unpacks to more
    than it declared or than the limit; XML parts are also refused when they hold a DTD,
    comment or CDATA section (Excel writes none) or a tag or text longer than XML_TOKEN_BYTES,
    so no single XML token can grow the parser's buffers."""

    def __init__(self, raw, name: str, limit: int, xml: bool):
        super().__init__()
        self._raw = raw
        self._name = name
        self._limit = limit
        self._xml = xml
        self.position = 0
        self._run = 0  # bytes since the last "<"
        self._last = b""

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            return b"".join(iter(lambda: self.read(SAMPLE_BYTES), b""))
        data = self._raw.read(min(size, XML_TOKEN_BYTES))
        self.position += len(data)
        if self.position > self._limit:
            raise _unreadable_xlsx()
        if self._xml and data:
            self._check_xml(data)
        return data

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def _check_xml(self, data: bytes) -> None:
        joined = self._last + data
        if b"<!" in joined:
            raise _unreadable_xlsx()
        base = self.position - len(joined)  # where `joined` starts in the part
        at = joined.find(b"<?")
        while at != -1:
            if base + at > 3:  # only the XML declaration, at the start (after a BOM)
                raise _unreadable_xlsx()
            at = joined.find(b"<?", at + 1)
        first = data.find(b"<")
        if first == -1:
            self._run += len(data)
        else:
            if self._run + first > XML_TOKEN_BYTES:
                raise _xml_token_too_large()
            self._run = len(data) - data.rfind(b"<") - 1
        if self._run > XML_TOKEN_BYTES:
            raise _xml_token_too_large()
        self._last = data[-1:]

    def close(self) -> None:
        self._raw.close()
        super().close()


class _GuardedZip(zipfile.ZipFile):
    """A ZipFile whose parts are unpacked through `_GuardedPart`; parts read whole (what
    openpyxl parses into a tree) may be at most WHOLE_PART_BYTES."""

    def open(self, name, mode="r", pwd=None, *, force_zip64=False):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        raw = super().open(info, mode, pwd, force_zip64=force_zip64)
        xml = info.filename.endswith((".xml", ".rels"))
        return _GuardedPart(raw, info.filename, min(info.file_size, self.part_limit), xml)

    def read(self, name, pwd=None):
        info = name if isinstance(name, zipfile.ZipInfo) else self.getinfo(name)
        if info.file_size > WHOLE_PART_BYTES:
            raise _unreadable_xlsx()
        with self.open(info) as part:
            return part.read()


def open_xlsx(path, lim: Limits) -> _GuardedZip:
    """The workbook's zip, after checking what its central directory declares: how many
    parts, their unpacked sizes and compression ratios (a zip bomb is refused here, before
    anything is unpacked)."""
    try:
        with open(path, "rb") as handle:
            end = zipfile._EndRecData(handle)  # the zip's last record, read before ZipFile
    except (OSError, AttributeError):  # AttributeError: a Python without it; ZipFile checks
        end = True
    if not end:
        raise _unreadable_xlsx()
    if end is not True and (end[zipfile._ECD_ENTRIES_TOTAL] > ZIP_ENTRIES
                            or end[zipfile._ECD_SIZE] > ZIP_DIRECTORY_BYTES):  # fmt: skip
        raise _unreadable_xlsx()
    try:
        archive = _GuardedZip(path)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise _unreadable_xlsx() from exc
    archive.part_limit = lim.unpacked_bytes
    total = 0
    for info in archive.infolist():
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if total > lim.unpacked_bytes:
            archive.close()
            raise FileProblem(
                _(
                    "This XLSX file unpacks to more than %(max)s MB, the limit. Save it as CSV, "
                    "or split it into smaller files."
                )
                % {"max": lim.unpacked_bytes // (1024 * 1024)}
            )
        if info.file_size > RATIO_FREE_BYTES and ratio > lim.ratio:
            archive.close()
            raise FileProblem(
                _(
                    "This XLSX file is compressed more than %(max)s to 1, which spreadsheets "
                    "never are; it is refused to protect the server. Save it as CSV and upload "
                    "that."
                )
                % {"max": lim.ratio}
            )
    return archive


class SharedStrings:
    """The workbook's shared strings, kept as UTF-8 in one buffer (a Python string each
    would take several times the memory)."""

    def __init__(self):
        self._data = bytearray()
        self._ends = array("Q")

    def append(self, text: str) -> None:
        self._data += text.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._data))

    def __len__(self) -> int:
        return len(self._ends)

    def __getitem__(self, index: int) -> str:
        if index < 0:
            raise IndexError(index)
        start = self._ends[index - 1] if index else 0
        return self._data[start : self._ends[index]].decode("utf-8", "surrogatepass")


def _events(stream) -> Iterator[tuple[str, object, list]]:
    """(event, element, open elements) for an XML part, with every finished element removed
    from its parent unless the caller keeps it (returns True), so memory stays flat however
    many elements the part has. DTDs and entities are refused (defusedxml)."""
    from openpyxl.xml.functions import iterparse  # defusedxml's when it is installed

    stack: list = []
    for event, element in iterparse(stream, events=("start", "end")):
        if event == "start":
            stack.append(element)
            if len(stack) > XML_DEPTH:
                raise _unreadable_xlsx()
            yield event, element, stack
            continue
        stack.pop()
        keep = yield event, element, stack
        if not keep and stack:
            stack[-1].remove(element)


def _read_shared_strings(archive: _GuardedZip, name: str, lim: Limits) -> SharedStrings:
    from openpyxl.xml.constants import SHEET_MAIN_NS

    info = archive.getinfo(name)
    if info.file_size > lim.strings_bytes:
        raise FileProblem(
            _(
                "This XLSX file holds more than %(max)s MB of text, the limit. Save it as CSV, "
                "or split it into smaller files."
            )
            % {"max": lim.strings_bytes // (1024 * 1024)}
        )
    si, t, r = (f"{{{SHEET_MAIN_NS}}}{tag}" for tag in ("si", "t", "r"))
    strings = SharedStrings()
    inside = 0  # depth inside an <si>: its children are kept until it ends
    with archive.open(info) as stream:
        events = _events(stream)
        keep = None
        while True:
            try:
                event, element, stack = events.send(keep)
            except StopIteration:
                break
            keep = None
            if event == "start":
                inside += element.tag == si or bool(inside)
                continue
            if inside:
                inside -= 1
                if element.tag != si:
                    keep = True
                    continue
                parts = []
                for child in element:
                    if child.tag == t:
                        parts.append(child.text or "")
                    elif child.tag == r:
                        parts.append(child.findtext(t) or "")
                strings.append("".join(parts).replace("x005F_", ""))
    return strings


def cell_text(value) -> str:
    """A spreadsheet cell as the text a person typed: 13812345678, never 13812345678.0."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return format(decimal.Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value)


def xlsx_rows(path, lim: Limits | None = None) -> Iterator[list[str]]:
    """The first worksheet's rows as text (a missing row as []), each checked."""
    lim = lim or limits()
    archive = open_xlsx(path, lim)
    try:
        yield from _xlsx_rows(archive, lim)
    except FileProblem:
        raise
    except Exception as exc:  # noqa: BLE001 — openpyxl fails in many ways on a malformed file
        log.info("unreadable XLSX %s", path, exc_info=True)
        raise _unreadable_xlsx() from exc
    finally:
        archive.close()


def _xlsx_rows(archive: _GuardedZip, lim: Limits) -> Iterator[list[str]]:
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.reader.excel import _find_workbook_part
    from openpyxl.reader.workbook import WorkbookParser
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._reader import WorkSheetParser
    from openpyxl.xml.constants import ARC_CONTENT_TYPES, SHARED_STRINGS, SHEET_MAIN_NS
    from openpyxl.xml.functions import fromstring

    package = Manifest.from_tree(fromstring(archive.read(ARC_CONTENT_TYPES)))
    workbook = WorkbookParser(archive, _find_workbook_part(package).PartName[1:], keep_links=False)
    workbook.parse()
    names = set(archive.namelist())
    sheet = next(
        (rel.target for _sheet, rel in workbook.find_sheets()
         if "chartsheet" not in rel.Type and rel.target in names),
        None,
    )  # fmt: skip
    if sheet is None:
        raise _unreadable_xlsx()
    wb = workbook.wb
    apply_stylesheet(archive, wb)
    strings_part = package.find(SHARED_STRINGS)
    strings = (
        _read_shared_strings(archive, strings_part.PartName[1:], lim)
        if strings_part is not None and strings_part.PartName[1:] in names
        else SharedStrings()
    )
    parser = WorkSheetParser(None, strings, data_only=True, epoch=wb.epoch,
                             date_formats=wb._date_formats,
                             timedelta_formats=wb._timedelta_formats)  # fmt: skip
    row_tag, cell_tag = f"{{{SHEET_MAIN_NS}}}row", f"{{{SHEET_MAIN_NS}}}c"
    row_bytes = lim.row_chars * 4  # UTF-8 and XML take more bytes than the characters
    with archive.open(sheet) as stream:
        events = _events(stream)
        keep = None
        line = 0
        row_start = None  # stream position where the open <row> began
        cells = 0
        while True:
            try:
                event, element, _stack = events.send(keep)
            except StopIteration:
                return
            keep = None
            if event == "start":
                if row_start is not None:
                    cells += element.tag == cell_tag
                    if cells > EXCEL_COLUMNS:
                        raise _unreadable_xlsx()
                    if stream.position - row_start > row_bytes:
                        raise _row_too_large(line + 1, lim)
                elif element.tag == row_tag:
                    row_start, cells = stream.position, 0
                continue
            if row_start is None:
                continue
            if element.tag != row_tag:
                keep = True  # the row's cells, until the row ends
                continue
            row_start = None
            number = element.get("r")
            number = int(number) if number is not None else line + 1
            if not line < number <= EXCEL_ROWS:
                raise _unreadable_xlsx()
            while line + 1 < number:
                line += 1
                yield []
            line = number
            yield check_row(_row_values(parser, element, number, cell_tag), line, lim)


def _row_values(parser, element, number: int, cell_tag: str) -> list[str]:
    parser.row_counter, parser.col_counter = number, 0
    values: dict[int, str] = {}
    for child in element:
        if child.tag != cell_tag:
            continue
        cell = parser.parse_cell(child)
        column = cell["column"]
        if not 0 < column <= EXCEL_COLUMNS:
            raise _unreadable_xlsx()
        text = cell_text(cell["value"])
        if text:
            values[column] = text
    width = max(values, default=0)
    return [values.get(i, "") for i in range(1, width + 1)]


# -- both ---------------------------------------------------------------------------------------


def file_rows(path, fmt: str, encoding: str = "", delimiter: str = "") -> Iterator[list[str]]:
    """Every row of the file (header first), within the limits."""
    if fmt == "xlsx":
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
