"""Hostile and malformed import files are refused with a clear message, on every path that
reads them (upload, mapping page, background import), and nothing of them is saved."""

import io
import uuid

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kehu.customers.imports import files as import_files
from kehu.customers.imports import guarded_zip
from kehu.customers.imports import running as importing
from kehu.customers.imports import xlsx as import_xlsx
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Person
from tests.customers import hostile_files
from tests.customers.import_helpers import csv_text, job_from_bytes
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _upload(client, user, data: bytes, name: str):
    assert client.login(username=user.username, password=PASSWORD)
    upload = SimpleUploadedFile(name, data, content_type="application/octet-stream")
    return client.post(reverse("import-start"), {"entity": "person", "file": upload})


def _built(tmp_path, build, *args, suffix="xlsx") -> bytes:
    path = tmp_path / f"hostile.{suffix}"
    build(path, *args)
    return path.read_bytes()


def _refused(response, message: str) -> None:
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def _job_without_inspection(user, data: bytes, fmt: str, headers=None, status="pending"):
    """A job for a file that never went through the upload's checks (made before them, or
    changed on disk since): the later paths must hold the limits on their own."""
    settings.IMPORT_DIR.mkdir(parents=True, exist_ok=True)
    stored = f"{uuid.uuid4().hex}.{fmt}"
    (settings.IMPORT_DIR / stored).write_bytes(data)
    headers = headers or ["name", "notes"]
    return ImportJob.objects.create(
        user=user, entity="person", original_name=f"x.{fmt}", stored_name=stored, format=fmt,
        size=len(data), encoding="utf-8-sig" if fmt == "csv" else "",
        delimiter="," if fmt == "csv" else "", headers=headers,
        mapping=["name", "notes"] + [""] * (len(headers) - 2), status=status,
    )  # fmt: skip


# -- too many columns ---------------------------------------------------------------------------


def test_a_csv_with_too_many_columns_is_refused_at_upload(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.wide_csv, 1000, suffix="csv")
    _refused(_upload(client, rep, data, "wide.csv"), "at most 500 columns")


def test_a_line_past_the_row_limit_is_refused_without_splitting_it_into_cells(rep, tmp_path):
    """A million columns: the line is refused after reading the limit, not parsed."""
    path = tmp_path / "million.csv"
    hostile_files.wide_csv(path, 1_000_000)
    with pytest.raises(import_files.FileProblem, match="Line 1 is longer than 1,048,576"):
        import_files.inspect_file(path, "csv")


def test_trailing_empty_columns_do_not_count(rep):
    text = "name,city" + "," * 2000 + "\nAnn,上海" + "," * 2000 + "\n"
    job = job_from_bytes(rep, text.encode())
    assert job.headers == ["name", "city"]
    importing.import_file(job)
    assert Person.objects.get().city == "上海"


def test_the_column_limit_is_a_setting(client, rep, settings):
    settings.IMPORT_MAX_COLUMNS = 3
    data = csv_text(["name,email,phone,city", "Ann,a@example.com,,"]).encode()
    _refused(_upload(client, rep, data, "four.csv"), "at most 3 columns")


def test_mapping_a_job_with_too_many_columns_fails_it_instead_of_drawing_them(client, rep):
    headers = [f"c{i}" for i in range(5000)]
    job = _job_without_inspection(rep, b"name,notes\nAnn,x\n", "csv", headers, status="mapping")
    assert client.login(username=rep.username, password=PASSWORD)
    response = client.get(reverse("import-map", args=[job.pk]))
    assert response.status_code == 302 and response.url == reverse("import-status", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "at most 500 columns" in job.message


# -- cell size ----------------------------------------------------------------------------------


def test_a_csv_cell_past_the_cell_limit_is_refused_at_upload(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.huge_cell_csv, 40_000, suffix="csv")
    _refused(_upload(client, rep, data, "cell.csv"), "Line 2, column 2 holds 40,000 characters")


def test_a_cell_larger_than_csvs_own_field_limit_gets_the_same_message(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.huge_cell_csv, 200_000, suffix="csv")
    _refused(_upload(client, rep, data, "cell.csv"), "more than 32,767 characters")


def test_an_xlsx_cell_past_the_cell_limit_is_refused_at_upload(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.xlsx_huge_cell, 40_000)
    _refused(_upload(client, rep, data, "cell.xlsx"), "holds 40,000 characters")


def test_a_huge_cell_far_down_fails_the_import_before_anything_is_saved(rep, tmp_path):
    """The upload reads the first rows only; the import reads the whole file first."""
    path = tmp_path / "late.csv"
    hostile_files.huge_cell_csv(path, 40_000, line=2000)
    job = job_from_bytes(rep, path.read_bytes())
    job = importing.import_file(job, batch_size=100)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "Line 2000, column 2 holds 40,000 characters" in job.message
    assert Person.objects.count() == 0 and job.imported == 0


def test_an_xlsx_text_longer_than_an_xml_token_is_refused_while_unpacking(rep, tmp_path):
    path = tmp_path / "token.xlsx"
    hostile_files.xlsx_huge_cell(path, 3 * guarded_zip.XML_TOKEN_BYTES)
    with pytest.raises(import_files.FileProblem, match="a cell of more than 32,767 characters"):
        import_files.inspect_file(path, "xlsx")


# -- XLSX zip bombs -----------------------------------------------------------------------------


def test_an_xlsx_zip_bomb_is_refused_at_upload(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.xlsx_bomb, 20 * 1024 * 1024)
    assert len(data) < 100_000
    _refused(_upload(client, rep, data, "bomb.xlsx"), "compressed more than 100 to 1")


def test_the_unpacked_size_limit_is_a_setting(client, rep, tmp_path, settings):
    settings.IMPORT_MAX_XLSX_UNPACKED_MB = 1
    data = _built(tmp_path, hostile_files.xlsx_huge_cell, 1_100_000)  # ~2 to 1
    _refused(_upload(client, rep, data, "big.xlsx"), "unpacks to more than 1 MB")


def test_a_zip_bomb_job_fails_in_the_background_import_too(rep, tmp_path):
    data = _built(tmp_path, hostile_files.xlsx_bomb, 20 * 1024 * 1024)
    job = importing.import_file(_job_without_inspection(rep, data, "xlsx"))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "100 to 1" in job.message
    assert Person.objects.count() == 0


def test_sizes_that_lie_are_caught_while_unpacking(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.xlsx_lying_sizes)
    _refused(_upload(client, rep, data, "lies.xlsx"), "not a readable XLSX file")


# -- malformed XLSX -----------------------------------------------------------------------------


def test_a_formula_cell_with_untyped_text_is_refused_at_upload(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.xlsx_formula_without_type)
    _refused(_upload(client, rep, data, "formula.xlsx"), "not a readable XLSX file")


def test_the_mapping_page_fails_such_a_job_instead_of_a_server_error(client, rep, tmp_path):
    data = _built(tmp_path, hostile_files.xlsx_formula_without_type)
    job = _job_without_inspection(rep, data, "xlsx", status="mapping")
    assert client.login(username=rep.username, password=PASSWORD)
    response = client.get(reverse("import-map", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "not a readable XLSX" in job.message
    status = client.get(response.url).content.decode()
    assert "not a readable XLSX file" in status


@pytest.mark.parametrize("part", [hostile_files.SHEET, "xl/workbook.xml"])
def test_an_xlsx_with_a_dtd_is_refused_at_upload(client, rep, tmp_path, part):
    data = _built(tmp_path, hostile_files.xlsx_with_entity, part)
    _refused(_upload(client, rep, data, "dtd.xlsx"), "not a readable XLSX file")


def test_entities_are_never_expanded_even_past_the_byte_checks():
    """The XML parser itself is defusedxml's: a DTD with entities is refused by it too."""
    xml = io.BytesIO(b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>')
    with pytest.raises(ValueError, match="[Ee]ntit"):
        list(import_xlsx._events(xml))


def test_an_xlsx_row_of_long_shared_strings_is_refused_by_its_length(tmp_path, settings):
    """Short XML can name the same long shared string in every cell."""
    from tests.customers.import_helpers import xlsx_bytes

    settings.IMPORT_MAX_ROW_CHARS = 100_000
    path = tmp_path / "shared.xlsx"
    path.write_bytes(xlsx_bytes([["Name"] + [f"c{i}" for i in range(10)], ["x" * 30_000] * 11]))
    with pytest.raises(import_files.FileProblem, match="Line 2 is longer than 100,000 characters"):
        import_files.inspect_file(path, "xlsx")


def test_a_row_number_past_excels_last_row_is_refused(rep, tmp_path):
    path = tmp_path / "far.xlsx"
    sheet = hostile_files.SHEET_START + b'<row r="9999999"><c r="A9999999"><v>1</v></c></row>'
    hostile_files._rewrite(path, {hostile_files.SHEET: sheet + hostile_files.SHEET_END})
    with pytest.raises(import_files.FileProblem, match="not a readable XLSX"):
        import_files.inspect_file(path, "xlsx")


def test_an_ordinary_xlsx_still_reads_dates_numbers_and_gaps(tmp_path):
    import datetime

    from tests.customers.import_helpers import xlsx_bytes

    path = tmp_path / "ok.xlsx"
    path.write_bytes(
        xlsx_bytes(
            [
                ["Name", "Phone", "Born"],
                ["Ann", 13812345678, datetime.date(1990, 5, 1)],
                [],
                ["Bo", None, "x"],
            ]
        )  # fmt: skip
    )
    assert list(import_xlsx.xlsx_rows(path)) == [
        ["Name", "Phone", "Born"], ["Ann", "13812345678", "1990-05-01"], [], ["Bo", "", "x"],
    ]  # fmt: skip
