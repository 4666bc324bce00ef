"""Export: CSV with BOM and XLSX, filters, visibility, formula neutralising, permission."""

import csv
import datetime
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.customers.exporting import safe_cell
from kehu.customers.models import CustomField
from tests.factories import PASSWORD, make_company, make_person, make_user

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the Chinese correctly
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def people(manager, teammate, outsider):
    CustomField.objects.create(entity="person", key="level", label="Level", type="choice",
                               choices=["A", "B"])  # fmt: skip
    CustomField.objects.create(entity="person", key="vip", label="VIP", type="boolean")
    company = make_company(manager, "华为技术有限公司")
    make_person(manager, "张伟", email="zhang@example.com", phone="13812345678",
                company=company.pk, tags=["VIP", "老客户"], custom={"level": "A", "vip": True},
                city="深圳", birthday=datetime.date(1985, 2, 28))  # fmt: skip
    make_person(teammate, "=1+2", title="@SUM(A1)", city="-3", address="+86")
    make_person(outsider, "外人", email="outsider@example.com")


def test_csv_export_columns_and_content(client, manager, people):
    _login(client, manager)
    response = client.get(reverse("person-export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = _csv(response)
    assert rows[0] == ["id", "name", "email", "phone", "title", "company", "birthday",
                       "city", "address", "owner", "tags", "created", "updated", "level",
                       "vip"]  # fmt: skip
    by_name = {r[1]: r for r in rows[1:]}
    assert "外人" not in by_name  # outside the manager's team
    zhang = by_name["张伟"]
    # E.164 starts with "+": neutralised like any other cell (the importer strips it again)
    assert zhang[2:8] == ["zhang@example.com", "'+8613812345678", "", "华为技术有限公司",
                          "1985-02-28", "深圳"]  # fmt: skip
    assert zhang[9:11] == ["manager", "VIP, 老客户"]
    assert zhang[13:] == ["A", "yes"]
    assert len(zhang[11]) == 19  # YYYY-MM-DD HH:MM:SS


def test_formulas_are_neutralised(client, manager, people):
    _login(client, manager)
    rows = _csv(client.get(reverse("person-export")))
    evil = next(r for r in rows if r[1].endswith("=1+2"))
    assert evil[1] == "'=1+2" and evil[4] == "'@SUM(A1)" and evil[7] == "'-3" and evil[8] == "'+86"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("=cmd", "'=cmd"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"),
     ("\rx", "'\rx"), ("张伟", "张伟"), ("a=b", "a=b"), ("", ""), (None, "")],
)  # fmt: skip
def test_safe_cell(value, expected):
    assert safe_cell(value) == expected


def test_filters_apply(client, manager, people):
    _login(client, manager)
    rows = _csv(client.get(reverse("person-export"), {"q": "zhangwei"}))
    assert [r[1] for r in rows[1:]] == ["张伟"]
    rows = _csv(client.get(reverse("person-export"), {"owner": "me"}))
    assert [r[1] for r in rows[1:]] == ["张伟"]
    rows = _csv(client.get(reverse("person-export"), {"cf_level": "B"}))
    assert rows[1:] == []


def test_bad_filter_is_a_400_not_a_500(client, manager, people):
    _login(client, manager)
    response = client.get(reverse("person-export"), {"created_after": "yesterday"})
    assert response.status_code == 400
    assert "created_after" in response.content.decode()


def test_xlsx_export(client, manager, people):
    _login(client, manager)
    response = client.get(reverse("person-export"), {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.xlsx"')
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml and b"1+2" in sheet_xml  # the formula is text, not run
    workbook = load_workbook(io.BytesIO(body))
    rows = [[c if c is not None else "" for c in row] for row in workbook.active.values]
    assert rows[0][:4] == ["id", "name", "email", "phone"]
    names = sorted(r[1] for r in rows[1:])
    # string cells, which no spreadsheet runs: shown as typed, no apostrophe
    assert names == ["=1+2", "张伟"]
    zhang = next(r for r in rows if r[1] == "张伟")
    assert zhang[3] == "+8613812345678" and isinstance(zhang[0], int)
    assert zhang[6] == "1985-02-28"
    evil = next(r for r in rows if r[1] == "=1+2")
    assert evil[4] == "@SUM(A1)" and evil[7] == "-3" and evil[8] == "+86"
    sheet = workbook.active
    for row in sheet.iter_rows(min_row=2):
        assert {c.data_type for c in row[1:]} <= {
            "s",
            "inlineStr",
            "n",
        }  # text or the id: no formula


def test_company_export(client, admin_user, rep):
    make_company(rep, "腾讯", website="https://tencent.com", industry="互联网")
    _login(client, admin_user)
    rows = _csv(client.get(reverse("company-export")))
    assert rows[0][:6] == ["id", "name", "email", "phone", "website", "industry"]
    assert rows[1][1] == "腾讯" and rows[1][4] == "https://tencent.com"


def test_sales_rep_and_read_only_get_403(client, rep, people):
    _login(client, rep)
    assert client.get(reverse("person-export")).status_code == 403
    assert client.get(reverse("company-export")).status_code == 403
    reader = make_user("reader", role="Read-only")
    _login(client, reader)
    assert client.get(reverse("person-export")).status_code == 403


def test_deleted_records_are_not_exported(client, manager):
    from kehu.customers import services

    services.delete_person(manager, make_person(manager, "已删除"))
    make_person(manager, "在")
    _login(client, manager)
    rows = _csv(client.get(reverse("person-export")))
    assert [r[1] for r in rows[1:]] == ["在"]


def test_export_query_count_does_not_grow_with_rows(client, manager, django_assert_max_num_queries):
    for i in range(30):
        make_person(manager, f"人{i}", tags=["t"])
    _login(client, manager)
    with django_assert_max_num_queries(12):
        rows = _csv(client.get(reverse("person-export")))
    assert len(rows) == 31
