"""Exporting leads, deals, quotes, orders and activities: each file's columns, the list's
filters, records the user cannot see never exported, formula-looking text neutralised in CSV
and written as plain text in XLSX, phone numbers as +86… text, bad filters a 400."""

import csv
import io
import zipfile

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from kehu.activities import services as activities
from kehu.activities.models import Activity
from kehu.sales.leads import services as leads
from kehu.sales.quotes import services as quotes
from tests.factories import make_deal
from tests.sales.test_quotes import two_product_quote

pytestmark = pytest.mark.django_db


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("text/csv")
    body = b"".join(response.streaming_content)
    assert body.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")  # no formula cell
    sheet = load_workbook(io.BytesIO(body)).active
    return [[c if c is not None else "" for c in row] for row in sheet.values]


def _get(client, user, name, **params):
    client.force_login(user)
    return client.get(reverse(name), params)


@pytest.fixture
def lead_rows(manager, teammate, outsider):
    leads.create_lead(manager, {"name": "王芳", "company_name": "星辰科技", "phone": "13812345678",
                                "source": "web", "email": "wang@example.com"})  # fmt: skip
    leads.create_lead(teammate, {"name": '=HYPERLINK("http://x")', "company_name": "+cmd|' /C"})
    leads.create_lead(outsider, {"name": "外队线索", "phone": "13900000000"})


def test_lead_csv_has_its_columns_and_only_visible_leads(client, manager, lead_rows):
    rows = _csv(_get(client, manager, "lead-export"))
    assert rows[0][:10] == ["id", "name", "company", "title", "email", "phone", "region",
                            "product_interest", "source", "status"]  # fmt: skip
    assert rows[0][-3:] == ["owner", "created", "updated"]
    names = {r[1] for r in rows[1:]}
    assert "外队线索" not in names and "王芳" in names
    wang = next(r for r in rows if r[1] == "王芳")
    assert wang[5] == "'+8613812345678"  # CSV keeps the guard: the importer strips it
    assert wang[8:10] == ["web", "new"]
    evil = next(r for r in rows if "HYPERLINK" in r[1])
    assert evil[1].startswith("'=") and evil[2] == "'+cmd|' /C"


def test_lead_xlsx_writes_text_as_typed(client, manager, lead_rows):
    rows = _xlsx(_get(client, manager, "lead-export", format="xlsx"))
    wang = next(r for r in rows if r[1] == "王芳")
    assert wang[5] == "+8613812345678" and isinstance(wang[0], int)
    evil = next(r for r in rows if "HYPERLINK" in str(r[1]))
    assert evil[1] == '=HYPERLINK("http://x")' and evil[2] == "+cmd|' /C"
    assert "外队线索" not in {r[1] for r in rows}


def test_lead_filters_apply_and_bad_ones_are_a_400(client, manager, lead_rows):
    rows = _csv(_get(client, manager, "lead-export", source="web"))
    assert [r[1] for r in rows[1:]] == ["王芳"]
    rows = _csv(_get(client, manager, "lead-export", owner="me", status="qualified"))
    assert rows[1:] == []
    for bad in ({"status": "bogus"}, {"owner": "abc"}, {"source": "<script>"}):
        response = _get(client, manager, "lead-export", **bad)
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/plain")
        assert next(iter(bad)) in response.content.decode()


def test_deal_export_columns_filters_and_visibility(client, manager, teammate, outsider):
    make_deal(manager, "星辰 ERP", amount="120000.50")
    make_deal(teammate, "-2+3+cmd", amount="10")
    make_deal(outsider, "别队的单")
    rows = _csv(_get(client, manager, "deal-export"))
    assert rows[0][:8] == ["id", "name", "pipeline", "stage", "status", "amount", "currency",
                           "expected_close"]  # fmt: skip
    by_name = {r[1]: r for r in rows[1:]}
    assert set(by_name) == {"星辰 ERP", "'-2+3+cmd"}
    assert by_name["星辰 ERP"][4:6] == ["open", "120000.50"]
    rows = _csv(_get(client, manager, "deal-export", owner="me"))
    assert [r[1] for r in rows[1:]] == ["星辰 ERP"]
    rows = _csv(_get(client, manager, "deal-export", status="won"))
    assert rows[1:] == []
    xlsx = _xlsx(_get(client, manager, "deal-export", format="xlsx"))
    assert {r[1] for r in xlsx[1:]} == {"星辰 ERP", "-2+3+cmd"}
    assert _get(client, manager, "deal-export", status="maybe").status_code == 400
    assert _get(client, manager, "deal-export", pipeline="x").status_code == 400


def test_quote_and_order_exports(client, admin_user, rep, manager, outsider):
    quote, deal = two_product_quote(admin_user, rep, title="@SUM(1)")
    quotes.send_quote(rep, quote)
    quotes.accept_quote(rep, quote, "", None)
    outsider_deal = make_deal(outsider, "别队")
    quotes.create_quote(outsider, {"deal": outsider_deal.pk, "title": "别队报价", "lines": []})
    rows = _csv(_get(client, manager, "quote-export"))
    assert rows[0][:5] == ["id", "number", "version", "title", "status"]
    assert rows[0][8:13] == ["currency", "subtotal", "discount", "tax", "total"]
    assert [r[3] for r in rows[1:]] == ["'@SUM(1)"]  # not the other team's quote
    accepted = rows[1]
    assert accepted[4] == "accepted" and accepted[12] == str(quote.total)
    rows = _csv(_get(client, manager, "quote-export", status="draft"))
    assert rows[1:] == []
    rows = _csv(_get(client, manager, "quote-export", q=quote.number))
    assert len(rows) == 2
    assert _get(client, manager, "quote-export", status="nope").status_code == 400
    orders = _csv(_get(client, manager, "order-export"))
    assert orders[0][:4] == ["id", "number", "quote", "status"]
    assert len(orders) == 2 and orders[1][2] == quote.label
    client.force_login(outsider)  # a rep: no export right at all
    assert client.get(reverse("order-export")).status_code == 403
    assert _xlsx(_get(client, admin_user, "order-export", format="xlsx"))[1][3] == "open"
    assert _get(client, manager, "order-export", owner="x").status_code == 400


def test_reps_and_read_only_users_may_not_export(client, rep, readonly_user):
    for user in (rep, readonly_user):
        client.force_login(user)
        for name in ("lead-export", "deal-export", "quote-export", "order-export",
                     "activity-export"):  # fmt: skip
            assert client.get(reverse(name)).status_code == 403, (user, name)


def test_activity_export_hides_private_and_other_teams_activities(
    client, manager, teammate, outsider
):
    deal = make_deal(manager, "星辰 ERP")
    activities.log_activity(manager, deal, "call", {"subject": "=1+1 回访"})
    theirs = make_deal(teammate, "队友的单")
    hidden = activities.log_activity(teammate, theirs, "note", {"body": "私下的笔记"})
    Activity.objects.filter(pk=hidden.pk).update(private=True)  # as an email not shared is
    activities.log_activity(teammate, theirs, "task", {"subject": "报价跟进"})
    other = make_deal(outsider, "别队")
    activities.log_activity(outsider, other, "note", {"body": "别队笔记"})
    page = _get(client, manager, "activity-export")
    assert page.status_code == 200 and "Export" in page.content.decode()
    rows = _csv(_get(client, manager, "activity-export", format="csv"))
    assert rows[0][:6] == ["id", "kind", "subject", "details", "record_type", "record"]
    kinds = sorted(r[1] for r in rows[1:])
    assert kinds == ["call", "task"]  # not the teammate's private note, not the other team's
    call = next(r for r in rows if r[1] == "call")
    assert call[2] == "'=1+1 回访" and call[4:6] == ["deal", "星辰 ERP"]
    rows = _csv(_get(client, manager, "activity-export", format="csv", kind="task", open="1"))
    assert [r[2] for r in rows[1:]] == ["报价跟进"]
    xlsx = _xlsx(_get(client, manager, "activity-export", format="xlsx", owner=str(manager.pk)))
    assert [r[2] for r in xlsx[1:]] == ["=1+1 回访"]
    for bad in ({"kind": "party"}, {"after": "yesterday"}, {"owner": "1;drop"}):
        response = _get(client, manager, "activity-export", format="csv", **bad)
        assert response.status_code == 400 and next(iter(bad)) in response.content.decode()
    assert _get(client, manager, "activity-export", after="2026-13-01").status_code == 400


def test_export_queries_do_not_grow_with_rows(client, manager, django_assert_max_num_queries):
    for i in range(25):
        make_deal(manager, f"单{i}")
        leads.create_lead(manager, {"name": f"线索{i}"})
    client.force_login(manager)
    with django_assert_max_num_queries(12):
        assert len(_csv(client.get(reverse("deal-export")))) == 26
    with django_assert_max_num_queries(14):
        assert len(_csv(client.get(reverse("lead-export")))) == 26
