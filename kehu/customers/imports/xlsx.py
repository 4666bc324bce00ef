# mypy: disable-error-code="attr-defined"
"""Reading the first worksheet of an XLSX import file within the import limits.

The zip is opened and unpacked through `guarded_zip.py` (zip bombs, XML bombs and oversized
texts are refused there); the sheet is parsed with openpyxl's own cell reader but a loop of
ours that drops each row once read, so memory stays flat whatever the sheet's size. Any other
failure of a malformed file is "This is not a readable XLSX file."
"""

import datetime
import decimal
import logging
from array import array
from collections.abc import Iterator

from django.utils.translation import gettext as _

from kehu.customers.imports.files import FileProblem, Limits, check_row, limits, row_too_large
from kehu.customers.imports.guarded_zip import GuardedZip, open_xlsx, unreadable_xlsx

log = logging.getLogger(__name__)

#: Excel's own limits: a row or column beyond them is not a spreadsheet's
EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
#: nesting depth of XML elements (a worksheet needs 5)
XML_DEPTH = 64


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
                raise unreadable_xlsx()
            yield event, element, stack
            continue
        stack.pop()
        keep = yield event, element, stack
        if not keep and stack:
            stack[-1].remove(element)


def _read_shared_strings(archive: GuardedZip, name: str, lim: Limits) -> SharedStrings:
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
        raise unreadable_xlsx() from exc
    finally:
        archive.close()


def _xlsx_rows(archive: GuardedZip, lim: Limits) -> Iterator[list[str]]:
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
        raise unreadable_xlsx()
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
                        raise unreadable_xlsx()
                    if stream.position - row_start > row_bytes:
                        raise row_too_large(line + 1, lim)
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
                raise unreadable_xlsx()
            while line + 1 < number:
                line += 1
                yield []
            line = number
            yield check_row(_row_values(parser, element, number, cell_tag, lim), line, lim)


def _row_values(parser, element, number: int, cell_tag: str, lim: Limits) -> list[str]:
    """The row's cells as text; a row whose cells add up to more than the row limit (shared
    strings make long text from short XML) is refused as it is read."""
    parser.row_counter, parser.col_counter = number, 0
    values: dict[int, str] = {}
    size = 0
    for child in element:
        if child.tag != cell_tag:
            continue
        cell = parser.parse_cell(child)
        column = cell["column"]
        if not 0 < column <= EXCEL_COLUMNS:
            raise unreadable_xlsx()
        text = cell_text(cell["value"])
        if text:
            values[column] = text
            size += len(text)
            if size > lim.row_chars:
                raise row_too_large(number, lim)
    width = max(values, default=0)
    return [values.get(i, "") for i in range(1, width + 1)]
