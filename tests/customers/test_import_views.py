"""Import in the browser: upload, mapping with preview, background run, progress, errors."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kehu.customers.imports.models import ImportJob
from kehu.customers.models import Person
from tests.customers.import_helpers import csv_text, job_from_bytes, xlsx_bytes
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db

DATA = csv_text(
    [
        "姓名,邮箱,手机,公司",
        "张伟,zhang@example.com,13812345678,华为",
        "坏人,not-an-email,13812345679,",
        "=HYPERLINK(1),bad,,",
    ]
).encode("gbk")


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _upload(client, data=DATA, name="客户.csv", entity="person"):
    upload = SimpleUploadedFile(name, data, content_type="text/csv")
    return client.post(reverse("import-start"), {"entity": entity, "file": upload})


def test_upload_map_preview_import_and_progress(client, rep, django_capture_on_commit_callbacks):
    _login(client, rep)
    page = client.get(reverse("import-start"))
    assert page.status_code == 200 and "客户.csv" not in page.content.decode()
    response = _upload(client)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response.url == reverse("import-map", args=[job.pk])
    assert job.encoding == "gb18030" and job.headers == ["姓名", "邮箱", "手机", "公司"]

    page = client.get(response.url).content.decode()
    assert 'value="name" selected' in page and 'value="phone" selected' in page
    assert "creates the company “华为”" in page
    assert "Will be skipped:" in page and "valid email" in page
    assert "=HYPERLINK(1)" in page  # shown escaped as text
    assert "<script" not in page.split("</head>")[1].replace("<script src", "")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("import-map", args=[job.pk]),
            {"col_0": "name", "col_1": "email", "col_2": "phone", "col_3": "company",
             "import": "1"},
        )  # fmt: skip
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert (job.imported, job.skipped) == (1, 2)
    assert Person.objects.get().phone == "+8613812345678"

    status = client.get(reverse("import-status", args=[job.pk])).content.decode()
    assert 'data-pct-width="100"' in status
    assert "Line" in status and ">3<" in status and ">4<" in status
    assert 'hx-trigger="every 1s"' not in status  # finished: polling stops

    report = client.get(reverse("import-errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["line", "reason"]
    assert [r[0] for r in rows[1:]] == ["3", "4"]

    start = client.get(reverse("import-start")).content.decode()
    assert "客户.csv" in start


def test_status_polls_while_running_and_shows_percentage(client, rep):
    _login(client, rep)
    job = job_from_bytes(rep, csv_text(["name", "a", "b", "c", "d"]).encode())
    ImportJob.objects.filter(pk=job.pk).update(status="running", total_rows=4, processed=1)
    page = client.get(reverse("import-status", args=[job.pk]), headers={"HX-Request": "true"})
    html = page.content.decode()
    assert 'hx-trigger="every 1s"' in html and 'data-pct-width="25"' in html
    assert "<html" not in html  # htmx gets the fragment only


def test_mapping_problems_are_shown_and_nothing_starts(client, rep):
    _login(client, rep)
    job = job_from_bytes(rep, csv_text(["a,b", "1,2"]).encode(), status="mapping")
    response = client.post(
        reverse("import-map", args=[job.pk]), {"col_0": "email", "col_1": "email", "import": "1"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "one column only" in html and "holds the name" in html
    job.refresh_from_db()
    assert job.status == ImportJob.Status.MAPPING


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("people.pdf", b"%PDF-1.4", "Upload a .csv or .xlsx file."),
        ("people.xls", b"\xd0\xcf\x11\xe0", "Old Excel .xls files"),
        ("people.xlsx", b"not really xlsx", "not a readable XLSX file"),
        ("people.csv", b"", "empty"),
    ],
)
def test_bad_uploads_get_a_clear_message(client, rep, name, data, message):
    _login(client, rep)
    response = _upload(client, data=data, name=name)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ImportJob.objects.exists()


def test_upload_size_limit(client, rep, settings):
    settings.IMPORT_MAX_BYTES = 10
    _login(client, rep)
    response = _upload(client)
    assert "too large" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_xlsx_upload(client, rep):
    _login(client, rep)
    data = xlsx_bytes([["Name", "Mobile"], ["Ann", 13812345678]])
    response = _upload(client, data=data, name="a.xlsx")
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.format == "xlsx"
    assert job.mapping == ["name", "phone"]


def test_read_only_user_cannot_import(client, db):
    reader = make_user("reader", role="Read-only")
    _login(client, reader)
    assert client.get(reverse("import-start")).status_code == 403
    assert _upload(client).status_code == 403


def test_rep_and_manager_can_open_import(client, rep):
    _login(client, rep)
    assert client.get(reverse("import-start")).status_code == 200


def test_other_peoples_jobs_answer_404(client, rep, teammate):
    job = job_from_bytes(teammate, DATA)
    _login(client, rep)
    for name in ("import-map", "import-status", "import-errors"):
        assert client.get(reverse(name, args=[job.pk])).status_code == 404
    assert client.post(reverse("import-cancel", args=[job.pk])).status_code == 404


def test_cancel_and_resume(client, rep, django_capture_on_commit_callbacks):
    _login(client, rep)
    job = job_from_bytes(rep, csv_text(["name", "a", "b"]).encode())
    ImportJob.objects.filter(pk=job.pk).update(status="failed", message="boom")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-resume", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == "done" and job.imported == 2
    other = job_from_bytes(rep, csv_text(["name", "c"]).encode(), status="mapping")
    client.post(reverse("import-cancel", args=[other.pk]))
    other.refresh_from_db()
    assert other.status == "cancelled"
    assert client.get(reverse("import-map", args=[other.pk])).status_code == 302


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("import-start"))
    assert response.status_code == 302 and "login" in response.url


def _interrupt(job, seconds_ago=5, holder="dead-worker"):
    import datetime

    from django.utils import timezone

    ImportJob.objects.filter(pk=job.pk).update(
        status="running",
        lease_token=holder,
        lease_until=timezone.now() - datetime.timedelta(seconds=seconds_ago),
    )


def test_an_interrupted_import_says_so_and_resumes(client, rep, django_capture_on_commit_callbacks):
    _login(client, rep)
    job = job_from_bytes(rep, csv_text(["name", "a", "b", "c"]).encode())
    _interrupt(job)  # its worker was killed; the lease ran out
    page = client.get(reverse("import-status", args=[job.pk])).content.decode()
    assert "Interrupted — resuming" in page
    assert reverse("import-resume", args=[job.pk]) in page
    assert reverse("import-cancel", args=[job.pk]) in page  # Stop still offered
    assert "Interrupted — resuming" in client.get(reverse("import-start")).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-resume", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.imported) == ("done", 3)
    client.cookies["django_language"] = "zh-hans"
    _interrupt(job)
    page = client.get(reverse("import-status", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "已中断" in page.content.decode()


def test_resume_leaves_an_import_a_live_worker_runs_alone(
    client, rep, django_capture_on_commit_callbacks
):
    _login(client, rep)
    job = job_from_bytes(rep, csv_text(["name", "a"]).encode())
    _interrupt(job, seconds_ago=-60, holder="live-worker")  # the lease runs another minute
    page = client.get(reverse("import-status", args=[job.pk])).content.decode()
    assert "Interrupted" not in page and reverse("import-resume", args=[job.pk]) not in page
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-resume", args=[job.pk]))
    job.refresh_from_db()
    assert (job.status, job.imported, job.lease_token) == ("running", 0, "live-worker")
    client.post(reverse("import-cancel", args=[job.pk]))  # Stop works on it
    job.refresh_from_db()
    assert job.status == "cancelled"


def test_a_mapping_page_loaded_before_the_job_changed_shows_the_conflict_and_saves_nothing(
    client, rep, django_capture_on_commit_callbacks
):
    from kehu.customers.imports import jobs as import_jobs

    _login(client, rep)
    job = job_from_bytes(
        rep, csv_text(["姓名,城市", "张伟,北京"]).encode(), status=ImportJob.Status.MAPPING
    )
    url = reverse("import-map", args=[job.pk])
    assert 'name="version" value="1"' in client.get(url).content.decode()
    import_jobs.save_mapping(rep, job, ["name", ""])  # in another tab: city ignored
    mine = {"col_0": "name", "col_1": "city", "version": "1"}
    response = client.post(url, {**mine, "import": "1"})
    assert response.status_code == 409
    body = response.content.decode()
    assert "Someone else changed this record" in body
    assert [(r["label"], r["yours"]) for r in response.context["conflict"]] == [("城市", "city")]
    assert 'name="version" value="2"' in body and 'value="city" selected' in body
    job.refresh_from_db()
    assert (job.mapping, job.status, job.version) == (["name", ""], ImportJob.Status.MAPPING, 2)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, {**mine, "version": "2", "import": "1"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.mapping, job.status, job.version) == (["name", "city"], "pending", 3)
