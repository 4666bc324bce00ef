"""Import files built to hurt the server (too wide, zip bombs, huge cells, malformed XLSX).

Shared by the tests (small sizes) and bench/hostile_import.py (the sizes of issue 12); each
writes to a path in chunks, so building a 900 MB bomb does not itself take 900 MB.
"""

import io
import os
import zipfile


def xlsx_bytes(rows: list[list]) -> bytes:
    """A real workbook made by openpyxl (no Django needed: the benchmark builds these first)."""
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>Name</t></is></c>'
    b'<c r="B1" t="inlineStr"><is><t>Notes</t></is></c></row>'
)
SHEET_END = b"</sheetData></worksheet>"


def wide_csv(path, columns: int) -> None:
    """A header of `columns` columns and one row."""
    with open(path, "wb") as handle:
        handle.write(b",".join(b"c%d" % i for i in range(columns)) + b"\n")
        handle.write(b"Ann" + b"," * (columns - 1) + b"\n")


def huge_cell_csv(path, chars: int, line: int = 2) -> None:
    """name,notes with a `chars`-character note on data line `line` (others are short)."""
    with open(path, "wb") as handle:
        handle.write(b"name,notes\n")
        for i in range(2, line):
            handle.write(b"P%d,short\n" % i)
        handle.write(b'Ann,"')
        left = chars
        piece = b"x" * (1 << 20)
        while left > 0:
            handle.write(piece[: min(left, len(piece))])
            left -= len(piece)
        handle.write(b'"\n')


def _rewrite(path, parts: dict) -> None:
    """A real workbook (made by openpyxl) with some parts replaced: name → bytes, or a
    callable that writes the part to a stream (so a huge part is never in memory)."""
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Name", "Notes"], ["Ann", "x"]])))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in base.infolist():
            if info.filename in parts:
                continue
            out.writestr(info.filename, base.read(info.filename))
        for name, content in parts.items():
            if callable(content):
                with out.open(name, "w") as stream:
                    content(stream)
            else:
                out.writestr(name, content)


def _text_cell_sheet(text_bytes: int, chunk: bytes):
    def write(stream):
        stream.write(SHEET_START + b'<row r="2"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c>')
        stream.write(b'<c r="B2" t="inlineStr"><is><t>')
        left = text_bytes
        while left > 0:
            stream.write(chunk[: min(left, len(chunk))])
            left -= len(chunk)
        stream.write(b"</t></is></c></row>" + SHEET_END)

    return write


def xlsx_bomb(path, text_bytes: int) -> None:
    """One inline string of `text_bytes` letters: it compresses about 1,000 to 1."""
    _rewrite(path, {SHEET: _text_cell_sheet(text_bytes, b"A" * (1 << 20))})


def xlsx_huge_cell(path, text_bytes: int) -> None:
    """One inline string of `text_bytes` random hex digits: it compresses only about 2 to 1,
    so neither the ratio nor the unpacked size gives it away; only the cell size does."""
    _rewrite(path, {SHEET: _text_cell_sheet(text_bytes, os.urandom(1 << 19).hex().encode())})


def xlsx_formula_without_type(path) -> None:
    """A formula cell whose cached value is text but which does not say so (t="str")."""
    sheet = (
        SHEET_START + b'<row r="2"><c r="A2" t="inlineStr"><is><t>Ann</t></is></c>'
        b'<c r="B2"><f>HYPERLINK("https://example.com","click")</f><v>click</v></c></row>'
        + SHEET_END
    )
    _rewrite(path, {SHEET: sheet})


def xlsx_with_entity(path, part: str = SHEET) -> None:
    """A DTD declaring an entity, used in a cell (with `part` = the sheet) or in the
    workbook part."""
    doctype = b'<!DOCTYPE worksheet [<!ENTITY who "Ann">]>'
    if part == SHEET:
        content = SHEET_START.replace(b"\n", b"\n" + doctype) + (
            b'<row r="2"><c r="A2" t="inlineStr"><is><t>&who;</t></is></c></row>' + SHEET_END
        )
    else:
        base = zipfile.ZipFile(io.BytesIO(xlsx_bytes([["Name"], ["Ann"]])))
        content = doctype.replace(b"worksheet", b"workbook") + base.read(part)
        content = content.replace(b"<t>Ann</t>", b"<t>&who;</t>")
    _rewrite(path, {part: content})


def xlsx_lying_sizes(path) -> None:
    """A workbook whose zip directory declares the sheet 100 bytes long while it unpacks to
    about 2 MB."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>Person %d</t></is></c></row>' % (i, i, i)
        for i in range(2, 30_000)
    )
    _rewrite(path, {SHEET: SHEET_START + rows + SHEET_END})
    data = bytearray(open(path, "rb").read())  # noqa: SIM115
    archive = zipfile.ZipFile(io.BytesIO(bytes(data)))
    info = archive.getinfo(SHEET)
    # the local header's size field (offset 22) and the central directory's (offset 24)
    data[info.header_offset + 22 : info.header_offset + 26] = (100).to_bytes(4, "little")
    name = SHEET.encode()
    central = data.find(b"PK\x01\x02")
    while data[central + 46 : central + 46 + len(name)] != name:
        central = data.find(b"PK\x01\x02", central + 4)
    data[central + 24 : central + 28] = (100).to_bytes(4, "little")
    with open(path, "wb") as handle:
        handle.write(data)
