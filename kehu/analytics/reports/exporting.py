"""A report's result as a file: CSV (formula guard: a text cell a spreadsheet would run gets
an apostrophe) or XLSX (text written as string cells, which no spreadsheet runs), through
the same writers as every other export (kehu/customers/exporting.py)."""

import re

from kehu.customers.exporting import csv_stream, download, xlsx_file

__all__ = ["csv_stream", "download", "file_name", "xlsx_file"]


def file_name(name: str) -> str:
    """A report's name as a safe file name (letters of any script, digits, - and _)."""
    cleaned = re.sub(r"[^\w-]+", "-", name, flags=re.UNICODE).strip("-")
    return f"kehu-report-{cleaned[:60] or 'report'}"
