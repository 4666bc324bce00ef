"""Importing leads from CSV or XLSX: columns guessed in both languages, sources by value or
label, products by SKU, bad rows reported and skipped, owners given or left to the rules."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kehu.customers.imports import mapping as import_mapping
from kehu.customers.imports import running as importing
from kehu.customers.imports.models import ImportJob
from kehu.sales.assignment import services as assignment
from kehu.sales.models import Lead
from tests.customers.import_helpers import job_from_bytes, xlsx_bytes
from tests.factories import make_user
from tests.sales.test_quotes import make_product

pytestmark = pytest.mark.django_db


def csv_text(rows: list[list[str]]) -> str:
    return "".join(",".join(row) + "\n" for row in rows)


ROWS = [
    ["姓名", "公司", "邮箱", "手机", "地区", "来源", "意向产品", "下次跟进"],
    [
        "欧阳娜",
        "青禾教育",
        "ouyang@qinghe.cn",
        "13812345678",
        "华东",
        "展会",
        "LT-14",
        "2026-12-20",
    ],
    ["Liam Wilson", "Northpeak", "liam@northpeak.com", "+1 415 555 0100", "NA", "Referral", "", ""],
    ["坏行", "", "not-an-email", "", "", "", "", ""],
    ["没产品", "", "x@corp.cn", "", "", "", "NOPE-1", ""],
    ["来源错", "", "y@corp.cn", "", "", "电视", "", ""],
    ["重复", "", "ouyang@qinghe.cn", "", "", "", "", ""],
]


def test_columns_are_guessed_for_leads():
    mapping = import_mapping.guess_mapping(ROWS[0], "lead", [])
    assert mapping == ["name", "company_name", "email", "phone", "region", "source",
                       "product_interest", "next_step_due"]  # fmt: skip


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_lead_file_imports_the_good_rows_and_reports_the_bad(admin_user, rep, fmt):
    make_product(admin_user, "LT-14", "6999")
    data = csv_text(ROWS).encode("gbk") if fmt == "csv" else xlsx_bytes(ROWS)
    job = importing.import_file(job_from_bytes(rep, data, fmt=fmt, entity="lead"))
    assert job.status == "done" and job.imported == 2 and job.skipped == 4
    ouyang = Lead.objects.get(name="欧阳娜")
    assert ouyang.source == "event" and ouyang.region == "华东"
    assert ouyang.product_interest.sku == "LT-14" and ouyang.phone == "+8613812345678"
    assert ouyang.next_step_due == datetime.date(2026, 12, 20) and ouyang.owner == rep
    assert Lead.objects.get(name="Liam Wilson").source == "referral"
    reasons = {e["line"]: e["reason"] for e in job.errors}
    assert "email:" in reasons[4] and "NOPE-1" in reasons[5]
    assert "Unknown source" in reasons[6] and "Duplicate" in reasons[7]


def test_imported_leads_without_an_owner_column_go_by_the_rules(admin_user, rep, manager):
    make_product(admin_user, "LT-14", "6999")
    assignment.save_rule(admin_user, None, {"name": "NA", "entity": "lead", "method": "user",
                                            "user": manager.pk},
                         [{"field": "region", "op": "equals", "value": "NA"}])  # fmt: skip
    job = importing.import_file(job_from_bytes(rep, csv_text(ROWS[:3]).encode(), entity="lead"))
    assert job.imported == 2
    assert Lead.objects.get(name="Liam Wilson").owner == manager
    assert Lead.objects.get(name="欧阳娜").owner == rep


def test_only_those_who_create_sales_records_import_leads(client, rep):
    reader = make_user("reader", role="Read-only")
    job = importing.import_file(job_from_bytes(reader, csv_text(ROWS[:2]).encode(), entity="lead"))
    assert job.status == "failed" and not Lead.objects.exists()
    client.force_login(rep)
    page = client.get(reverse("import-start") + "?entity=lead").content.decode()
    assert 'value="lead" selected' in page


def test_uploading_a_lead_file_in_the_browser(client, admin_user, rep,
                                              django_capture_on_commit_callbacks):  # fmt: skip
    make_product(admin_user, "LT-14", "6999")
    client.force_login(rep)
    upload = SimpleUploadedFile("leads.csv", csv_text(ROWS[:3]).encode("utf-8"))
    response = client.post(reverse("import-start"), {"entity": "lead", "file": upload})
    job = ImportJob.objects.get()
    assert response.status_code == 302 and job.entity == "lead"
    page = client.get(reverse("import-map", args=[job.pk])).content.decode()
    assert "product interest (SKU)" in page
    data = {f"col_{i}": name for i, name in enumerate(job.mapping)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("import-map", args=[job.pk]), {**data, "import": "1"})
    job.refresh_from_db()
    assert job.status == "done" and job.imported == 2
    assert reverse("lead-list") in client.get(job.get_absolute_url()).content.decode()
