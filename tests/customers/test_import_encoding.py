"""A CSV's encoding: detected without garbling Western text, and chosen on the mapping page."""

import pytest
from django.urls import reverse

from kehu.customers.imports import files as import_files
from kehu.customers.imports import running as importing
from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Person
from tests.customers.import_helpers import csv_text, job_from_bytes
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

# every accented letter is followed by a letter, so GB18030 and Big5 decode it too (garbled)
WESTERN = csv_text(["name,company,city", "Inês Ciência,Ciência Lda,São Paulo",
                    "Joana Simões,Ótica Lda,Brasília"])  # fmt: skip


def _detected(data: bytes) -> str:
    return import_files.detect_encoding(data, at_end=True)


def test_a_cp1252_file_is_read_as_cp1252_not_as_chinese(rep):
    job = job_from_bytes(rep, WESTERN.encode("cp1252"))
    assert job.encoding == "cp1252"
    importing.import_file(job)
    assert Person.objects.get(name="Inês Ciência").city == "São Paulo"
    assert Person.objects.get(name="Joana Simões").city == "Brasília"


@pytest.mark.parametrize(
    ("text", "encoding", "expected"),
    [
        ("name,city\nZoë Müller,Zürich\n", "cp1252", "cp1252"),
        ("姓名,公司\n张伟,华为技术有限公司\n李娜,腾讯\n", "gbk", "gb18030"),
        ("姓名,公司\n王喆,阿里巴巴\n", "gb18030", "gb18030"),
        ("姓名,公司\n陳大文,臺灣積體電路製造\n黃小明,鴻海精密工業\n", "big5", "big5"),
        ("name,city\nJosé,São Paulo\n", "utf-8", "utf-8-sig"),
        ("name\nFrançois Ça\n", "latin-1", "cp1252"),
    ],
)
def test_detection_picks_the_encoding_that_reads_like_text(text, encoding, expected):
    assert _detected(text.encode(encoding)) == expected


def test_the_candidates_are_those_that_decode_cleanly():
    candidates = import_files.encoding_candidates(WESTERN.encode("cp1252"), at_end=True)
    assert candidates[0] == "cp1252" and "utf-8-sig" not in candidates
    assert "gb18030" in candidates  # it decodes, but garbled: offered, not chosen


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_the_mapping_page_offers_the_encodings_with_the_detected_one_chosen(client, rep):
    job = job_from_bytes(rep, WESTERN.encode("cp1252"), status="mapping")
    _login(client, rep)
    page = client.get(reverse("import-map", args=[job.pk])).content.decode()
    assert '<select name="encoding"' in page and 'hx-post="' in page
    assert '<option value="cp1252" selected>Windows-1252' in page
    assert '<option value="gb18030">' in page and '<option value="utf-8-sig">' not in page
    assert "São Paulo" in page


def test_choosing_another_encoding_reads_the_file_again_and_is_kept(client, rep):
    job = job_from_bytes(rep, WESTERN.encode("cp1252"), status="mapping")
    _login(client, rep)
    url = reverse("import-map", args=[job.pk])
    post = {"col_0": "name", "col_1": "", "col_2": "city"}
    page = client.post(url, {**post, "encoding": "gb18030"}, headers={"HX-Request": "true"})
    assert page.status_code == 200 and "S鉶 Paulo" in page.content.decode()
    job.refresh_from_db()
    assert job.encoding == "gb18030"

    page = client.post(url, {**post, "encoding": "cp1252", "import": "1"})
    assert page.status_code == 302  # same header: the import starts in the chosen encoding
    job.refresh_from_db()
    assert job.encoding == "cp1252" and job.status == ImportJob.Status.PENDING


def test_an_encoding_that_changes_the_header_guesses_the_columns_again(client, rep):
    data = csv_text(["姓名,城市", "张伟,深圳"]).encode("gbk")
    job = job_from_bytes(rep, data, status="mapping")
    _login(client, rep)
    url = reverse("import-map", args=[job.pk])
    response = client.post(url, {"col_0": "name", "col_1": "city", "encoding": "cp1252",
                                 "import": "1"})  # fmt: skip
    assert response.status_code == 200  # the columns changed: shown again, not started
    job.refresh_from_db()
    assert job.status == ImportJob.Status.MAPPING and job.encoding == "cp1252"
    assert job.mapping == ["", ""]  # "ÐÕÃû" names no field
    client.post(url, {"col_0": "", "col_1": "", "encoding": "gb18030"})
    job.refresh_from_db()
    assert job.headers == ["姓名", "城市"] and job.mapping == ["name", "city"]


def test_an_encoding_not_offered_is_ignored(client, rep):
    job = job_from_bytes(rep, WESTERN.encode("cp1252"), status="mapping")
    _login(client, rep)
    client.post(reverse("import-map", args=[job.pk]), {"col_0": "name", "encoding": "utf-7"})
    job.refresh_from_db()
    assert job.encoding == "cp1252"
