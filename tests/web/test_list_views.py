"""Lists with saved views, chosen columns and totals, in the browser's HTML (Django client)."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kehu.core.models import ListColumns, SavedView
from kehu.core.saved_views import services as views
from kehu.customers.fields import services as field_services
from kehu.sales.models import Deal
from tests.factories import make_deal, make_person, stage

pytestmark = pytest.mark.django_db


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def headers(html: str) -> list[str]:
    """The shown columns' headers (not the bulk selection's checkbox column)."""
    head = html.split("<thead>", 1)[1].split("</thead>", 1)[0]
    return [
        re.sub(r"<[^>]+>|[▲▼]", "", th).strip()
        for th in re.findall(r'<th(?! class="select")[^>]*>(.*?)</th>', head)
    ]


def test_save_the_filters_as_a_view_and_use_it(client, rep):
    client.force_login(rep)
    shanghai = make_person(rep, "上海的人", city="上海")
    make_person(rep, "北京的人", city="北京")
    view = views.create_view(rep, {"list": "person", "name": "上海", "condition": {
        "field": "city", "op": "eq", "value": "上海"}})  # fmt: skip
    html = page(client, f"/people/?view={view.pk}")
    assert "上海的人" in html and "北京的人" not in html
    assert f'<input type="hidden" name="view" value="{view.pk}">' in html  # filters keep it
    # saving on top of a view with one more filter keeps both conditions
    response = client.post(
        "/views/person/new/", {"name": "我的上海", "query": f"view={view.pk}&owner=me"}
    )
    saved = SavedView.objects.get(name="我的上海")
    assert response["Location"] == f"/people/?view={saved.pk}"
    assert saved.condition == {
        "all": [view.condition, {"field": "owner", "op": "eq", "value": "me"}]
    }
    assert shanghai.name in page(client, response["Location"])
    # a bad name is refused with a message, nothing saved
    client.post("/views/person/new/", {"name": " ", "query": ""})
    assert SavedView.objects.count() == 2
    # a rep may not share
    client.post("/views/person/new/", {"name": "全队", "query": "", "shared": "1"})
    assert not SavedView.objects.filter(name="全队").exists()
    # another user's view id shows the list with an error, not their records
    assert "There is no such view" in page(client, "/people/?view=999999")


def test_choose_columns_in_order_custom_fields_off_by_default(client, admin_user):
    field_services.create_field(
        admin_user, {"entity": "person", "key": "wechat", "label": "WeChat", "type": "text"}
    )
    make_person(admin_user, "张伟", custom={"wechat": "zw88"}, city="杭州")
    client.force_login(admin_user)
    html = page(client, "/people/")
    assert headers(html) == [
        "Name",
        "Company",
        "Email",
        "Phone",
        "Owner",
        "Tags",
        "Updated",
        "Created",
    ]
    assert "zw88" not in html
    chosen = {"column": ["email", "cf_wechat", "city"], "pos_email": "3", "pos_cf_wechat": "1"}
    client.post("/lists/person/columns/", {**chosen, "pos_city": "2"})
    html = page(client, "/people/")
    assert headers(html) == ["Name", "WeChat", "City", "Email"]
    assert "zw88" in html and "杭州" in html
    # unknown columns are refused, the choice stays
    client.post("/lists/person/columns/", {"column": ["salary"]})
    assert ListColumns.objects.get(user=admin_user).columns == [
        "name",
        "cf_wechat",
        "city",
        "email",
    ]
    client.post("/lists/person/columns/", {"reset": "1"})
    assert headers(page(client, "/people/"))[1] == "Company"


def test_a_list_with_a_saved_view_has_a_fixed_number_of_queries(client, admin_user):
    with_email = {"field": "email", "op": "contains", "value": "@"}
    view = views.create_view(
        admin_user,
        {"list": "person", "name": "有邮箱", "columns": ["name", "email", "tags"],
         "condition": with_email},
    )  # fmt: skip
    deals_view = views.create_view(admin_user, {"list": "deal", "name": "大单", "condition": {
        "field": "amount", "op": "gte", "value": 1}})  # fmt: skip
    client.force_login(admin_user)

    def make(n, start):
        for i in range(start, start + n):
            make_person(admin_user, f"人{i}", email=f"p{i}@example.com", tags=["vip"])
            make_deal(admin_user, f"单{i}", amount=str(100 + i), currency="CNY")

    make(5, 0)
    for url in (f"/people/?view={view.pk}", f"/deals/?view={deals_view.pk}"):
        client.get(url)  # warm caches
    counts = {}
    for url in (f"/people/?view={view.pk}", f"/deals/?view={deals_view.pk}"):
        with CaptureQueriesContext(connection) as five:
            page(client, url)
        counts[url] = len(five)
    make(45, 5)
    for url, expected in counts.items():
        with CaptureQueriesContext(connection) as fifty:
            html = page(client, url)
        assert len(fifty) == expected, (url, [q["sql"] for q in fifty])
        assert html.count("<tr") >= 50


def test_money_totals_per_currency_and_a_cap(client, admin_user, monkeypatch):
    from kehu.sales.deals import services as deals

    deals.set_exchange_rate(admin_user, "USD", "7.1")
    make_deal(admin_user, "甲", amount="1000.50", currency="CNY")
    make_deal(admin_user, "乙", amount="2000", currency="CNY")
    make_deal(admin_user, "丙", amount="300", currency="USD")
    client.force_login(admin_user)
    html = page(client, "/deals/")
    totals = html.split('class="list-totals"', 1)[1].split("</tr>", 1)[0]
    assert "3,000.50 CNY" in totals and "300.00 USD" in totals
    html = page(client, "/deals/?q=甲")
    assert "1,000.50 CNY" in html.split('class="list-totals"', 1)[1]
    from kehu.core.saved_views import totals as totals_module

    monkeypatch.setattr(totals_module, "COUNT_CAP", 2)
    monkeypatch.setattr(totals_module.money_totals, "__defaults__", (2,))
    html = page(client, "/deals/")
    assert "More than 2 records match" in html and "3,000.50" not in html


def test_no_repeated_or_dangling_values(client, admin_user):
    deal = make_deal(admin_user, "丢单", next_step_due="2026-12-24")
    Deal.objects.filter(pk=deal.pk).update(stage=stage("Lost"))
    client.force_login(admin_user)
    html = page(client, "/deals/")
    row = html.split("丢单", 1)[1].split("</tr>", 1)[0]
    assert row.count("Lost") == 1, row
    assert "· 2026-12-24" not in row and "2026-12-24" in row


def test_url_filters_go_through_the_condition_language(client, admin_user, rep):
    from kehu.sales.leads import services as leads

    leads.create_lead(admin_user, {"name": "网上来的", "source": "web", "status": "new"})
    leads.create_lead(admin_user, {"name": "展会来的", "source": "event", "status": "new"})
    client.force_login(admin_user)
    html = page(client, "/leads/?source=web&status=new&owner=me")
    assert "网上来的" in html and "展会来的" not in html
    html = page(client, "/leads/?source=spam&owner=abc")  # bad filters: said, left out
    assert "is not one of the choices" in html and "Expected a whole number." in html
    assert "网上来的" in html and "展会来的" in html
    assert "Expected a whole number." in page(client, "/orders/?owner=x")
    assert "is not one of the choices" in page(client, "/quotes/?status=nope")


def test_sales_lists_show_the_chosen_columns_escaped(client, admin_user):
    from kehu.sales.leads import services as leads

    field_services.create_field(
        admin_user, {"entity": "lead", "key": "budget", "label": "Budget", "type": "text"}
    )
    make_deal(admin_user, "<b>大单</b>", amount="12345.6", next_step="打电话")
    leads.create_lead(admin_user, {"name": "<i>线索</i>", "custom": {"budget": "<u>十万</u>"}})
    client.force_login(admin_user)
    html = page(client, "/deals/")
    assert headers(html)[:4] == ["Name", "Company", "Stage", "Amount"]
    assert "&lt;b&gt;大单&lt;/b&gt;" in html and "<b>大单</b>" not in html
    client.post("/lists/deal/columns/", {"column": ["amount", "next_step", "name"]})
    html = page(client, "/deals/?sort=-amount")
    assert headers(html) == ["Name", "Amount", "Next step"]
    assert 'aria-sort="descending"' in html and "12,345.60 CNY" in html and "打电话" in html
    assert "&lt;u&gt;十万&lt;/u&gt;" not in page(client, "/leads/")  # custom fields off
    client.post("/lists/lead/columns/", {"column": ["name", "cf_budget"]})
    html = page(client, "/leads/")
    assert headers(html) == ["Name", "Budget"]
    assert "&lt;u&gt;十万&lt;/u&gt;" in html and "<u>十万</u>" not in html
    assert "&lt;i&gt;线索&lt;/i&gt;" in html
