"""Exporting what a user may list, as CSV or XLSX, streamed: people and companies here, and
the tables other apps describe with `Column`s (leads, deals, quotes, orders, activities).

People and companies are read in name order (the pinyin sort key, decision 0023), the other
tables in id order, 2,000 rows at a time, so a million records never sit in memory.
In CSV every text cell that a spreadsheet would run as a formula is neutralised with an
apostrophe; in XLSX every text cell is written as a string cell, which no spreadsheet runs,
so `+8613812345678` and `=1+2` arrive as typed.
"""

import csv
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone

from kehu.customers.fields.values import active_fields
from kehu.customers.models import Company, CustomField, Person

CHUNK = 2000
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

PERSON_COLUMNS = ["id", "name", "email", "phone", "title", "company", "birthday", "city", "address",
                  "owner", "tags", "created", "updated"]  # fmt: skip
COMPANY_COLUMNS = ["id", "name", "email", "phone", "website", "industry", "city", "address",
                   "owner", "tags", "created", "updated"]  # fmt: skip


def safe_cell(value) -> str:
    """Text a spreadsheet shows as typed: a leading apostrophe stops =, +, -, @, tab, CR."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_START):
        return "'" + text
    return text


def columns(entity: str, definitions: list[CustomField]) -> list[str]:
    base = PERSON_COLUMNS if entity == "person" else COMPANY_COLUMNS
    return base + [d.key for d in definitions]


def _custom_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def when(value) -> str:
    """A moment in the exporting user's time zone, as spreadsheets read it."""
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def day(value) -> str:
    return value.isoformat() if value else ""


def amount(value) -> str:
    """Money as plain text with its decimals (12345.60), never a float."""
    return "" if value is None else str(value)


def export_queryset(qs, entity: str):
    """The rows to export in name order, as the list shows them by default, with what each
    row shows fetched alongside."""
    # owners prefetched rather than joined, so the planner keeps walking the sort key index
    related = ["company"] if entity == "person" else []
    query = qs.select_related(*related).prefetch_related("owner", "tags")
    return query.order_by("name_sort_key", "id")


def rows(qs, entity: str, definitions: list[CustomField]) -> Iterator[list]:
    """The header row, then one list of neutralised cells per record."""
    yield columns(entity, definitions)
    keys = [d.key for d in definitions]
    for record in export_queryset(qs, entity).iterator(chunk_size=CHUNK):
        tags = ", ".join(sorted(t.name for t in record.tags.all()))
        if entity == "person":
            cells = [record.pk, record.name, record.email, record.phone, record.title,
                     record.company.name if record.company_id else "", day(record.birthday),
                     record.city, record.address]  # fmt: skip
        else:
            cells = [record.pk, record.name, record.email, record.phone, record.website,
                     record.industry, record.city, record.address]  # fmt: skip
        cells += [record.owner.username, tags, when(record.created_at), when(record.updated_at)]
        custom = record.custom or {}
        cells += [_custom_text(custom.get(key)) for key in keys]
        yield cells


@dataclass(frozen=True)
class Column:
    """One column of an export: its header (a stable key, as the importer reads it) and how
    a record's cell is read (text, or an int)."""

    header: str
    cell: Callable[[Any], Any]


def _custom_cell(key: str) -> Callable[[Any], str]:
    def cell(record: Any) -> str:
        return _custom_text((record.custom or {}).get(key))

    return cell


def custom_columns(definitions: list[CustomField]) -> list[Column]:
    return [Column(d.key, _custom_cell(d.key)) for d in definitions]


def table(qs, columns: list[Column]) -> Iterator[list]:
    """The header row, then one row per record of `qs` (already visible, filtered and
    joined), read in id order a chunk at a time."""
    yield [c.header for c in columns]
    for record in qs.order_by("id").iterator(chunk_size=CHUNK):
        yield [c.cell(record) for c in columns]


class _Line:
    """A file-like object whose write() returns what was written (csv.writer into a stream)."""

    def write(self, value: str) -> str:
        return value


def csv_stream(table: Iterable[list]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese), one chunk per ~200 rows;
    text cells that a spreadsheet would run are neutralised."""
    writer = csv.writer(_Line())
    buffer = [BOM]
    for index, row in enumerate(table):
        buffer.append(writer.writerow([_csv_cell(c) for c in row]))
        if index % 200 == 199:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


def _csv_cell(value):
    return value if isinstance(value, int) and not isinstance(value, bool) else safe_cell(value)


def xlsx_file(table: Iterable[list]):
    """An XLSX workbook in a temporary file (openpyxl write-only mode keeps memory flat).
    Text goes in as string cells: openpyxl would otherwise take "=…" for a formula, and a
    string cell is shown as typed, so no apostrophe is needed."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()

    def cell(value):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        text = "" if value is None else _ILLEGAL_XLSX.sub("", str(value))
        written = WriteOnlyCell(sheet, value=text)
        written.data_type = "s"
        return written

    for row in table:
        sheet.append([cell(c) for c in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


def model_for(entity: str):
    return Person if entity == "person" else Company


def definitions_for(entity: str) -> list[CustomField]:
    return active_fields(entity)


def download(request, table: Iterable[list], name: str) -> HttpResponseBase:
    """`table` as the file the user asked for: XLSX with `?format=xlsx`, else streamed CSV,
    named `name-YYYYMMDD-HHMM`."""
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if request.GET.get("format") == "xlsx":
        return FileResponse(
            xlsx_file(table),
            as_attachment=True,
            filename=f"{name}-{stamp}.xlsx",
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_stream(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def bad_filters(errors: dict[str, list[str]]) -> HttpResponse:
    """A 400 naming each filter that did not make sense, in plain text."""
    from django.http import HttpResponseBadRequest
    from django.utils.translation import gettext as _

    details = "; ".join(f"{k}: {' '.join(str(m) for m in v)}" for k, v in errors.items())
    return HttpResponseBadRequest(
        _("The filters are not valid: %(details)s") % {"details": details},
        content_type="text/plain; charset=utf-8",
    )
