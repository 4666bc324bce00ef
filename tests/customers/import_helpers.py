"""Plain helpers for import tests: put bytes in the import folder and make a mapped job."""

import io
import uuid

from django.conf import settings

from kehu.customers.fields.values import active_fields
from kehu.customers.imports import files as import_files
from kehu.customers.imports import mapping as import_mapping
from kehu.customers.imports.models import ImportJob


def job_from_bytes(
    user, data: bytes, fmt="csv", entity="person", mapping=None, status=ImportJob.Status.PENDING
):
    settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.{fmt}"
    (settings.IMPORT_DIR / stored).write_bytes(data)
    info = import_files.inspect_file(settings.IMPORT_DIR / stored, fmt)
    if mapping is None:
        mapping = import_mapping.guess_mapping(info["headers"], entity, active_fields(entity))
    return ImportJob.objects.create(
        user=user,
        entity=entity,
        original_name=f"test.{fmt}",
        stored_name=stored,
        format=fmt,
        size=len(data),
        mapping=mapping,
        status=status,
        **info,
    )


def xlsx_bytes(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_text(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
