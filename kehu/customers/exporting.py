"""Exporting the people or companies a user may export, as CSV or XLSX, streamed.

Rows are read in name order (the pinyin sort key, decision 0023), 2,000 at a time, so a
million records never sit in memory.
Every text cell that a spreadsheet would run as a formula is neutralised.
"""

import csv
import re
import tempfile
from collections.abc import Iterable, Iterator

from django.utils import timezone

from kehu.customers.fields.values import active_fields
from kehu.customers.models import Company, CustomField, Person

CHUNK = 2000
BOM = "\ufeff"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL_XLSX = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

PERSON_COLUMNS = ["id", "name", "email", "phone", "title", "company", "city", "address", "owner",
                  "tags", "created", "updated"]  # fmt: skip
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


def _when(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


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
                     record.company.name if record.company_id else "", record.city,
                     record.address]  # fmt: skip
        else:
            cells = [record.pk, record.name, record.email, record.phone, record.website,
                     record.industry, record.city, record.address]  # fmt: skip
        cells += [record.owner.username, tags, _when(record.created_at), _when(record.updated_at)]
        custom = record.custom or {}
        cells += [_custom_text(custom.get(key)) for key in keys]
        yield [c if isinstance(c, int) else safe_cell(c) for c in cells]


class _Line:
    """A file-like object whose write() returns what was written (csv.writer into a stream)."""

    def write(self, value: str) -> str:
        return value


def csv_stream(table: Iterable[list[str]]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads Chinese), one chunk per ~200 rows."""
    writer = csv.writer(_Line())
    buffer = [BOM]
    for index, row in enumerate(table):
        buffer.append(writer.writerow(row))
        if index % 200 == 199:
            yield "".join(buffer).encode("utf-8")
            buffer = []
    if buffer:
        yield "".join(buffer).encode("utf-8")


def xlsx_file(table: Iterable[list[str]]):
    """An XLSX workbook in a temporary file (openpyxl write-only mode keeps memory flat)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in table:
        sheet.append([_ILLEGAL_XLSX.sub("", c) if isinstance(c, str) else c for c in row])
    handle = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it)
    workbook.save(handle)
    handle.seek(0)
    return handle


def model_for(entity: str):
    return Person if entity == "person" else Company


def definitions_for(entity: str) -> list[CustomField]:
    return active_fields(entity)
