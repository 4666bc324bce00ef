"""The catalogue and quote screens: products and price lists kept by admins, a quote built
from a deal with lines, its page, printable view and PDF, sending, the customer's answer,
new versions and orders; bad input shows errors and saves nothing."""

import decimal

import pytest
from django.urls import reverse

from kehu.sales.catalog import services as catalog
from kehu.sales.models import Order, PriceList, Product, Quote
from kehu.sales.quotes import services as quotes
from tests.factories import make_company, make_deal, make_person
from tests.sales.test_quotes import make_product, pdf_text, two_product_quote

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def login(client, user):
    client.force_login(user)
    return client


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def formset(prefix: str, rows: list[dict], extra: int = 0) -> dict:
    data = {f"{prefix}-TOTAL_FORMS": str(len(rows) + extra), f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}  # fmt: skip
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"{prefix}-{i}-{key}"] = value
    return data


def test_admins_add_products_and_reps_only_read_them(client, admin_user, rep):
    response = login(client, admin_user).post(
        reverse("product-create"),
        {"sku": "LT-14", "name": "ThinkPad 14", "name_zh": "笔记本电脑", "unit": "台",
         "price": "6999", "tax_rate": "13", "active": "on"},
    )  # fmt: skip
    assert response.status_code == 302
    product = Product.objects.get(sku="LT-14")
    assert product.price == D("6999.00") and product.unit == "台"
    body = text(login(client, rep).get(reverse("product-list")))
    assert "LT-14" in body and "6,999.00" in body
    assert reverse("product-create") not in body
    assert client.get(reverse("product-edit", args=[product.pk])).status_code == 403
    body = text(client.get(reverse("product-list"), {"q": "thinkpad"}))
    assert "LT-14" in body


def test_a_bad_product_shows_its_errors(client, admin_user):
    response = login(client, admin_user).post(
        reverse("product-create"),
        {"sku": "X", "name": "X", "unit": "pcs", "price": "-3", "tax_rate": "300"},
    )
    body = text(response)
    assert "0 or more" in body and "0 to 100" in body
    assert not Product.objects.exists()


def test_a_price_list_with_quantity_breaks(client, admin_user):
    product = make_product(admin_user)
    data = {"name": "经销商价", "currency": "CNY", "customer_tag": "", "active": "on",
            **formset("prices", [{"product": product.pk, "min_quantity": "1", "unit_price": "90"},
                                 {"product": product.pk, "min_quantity": "10",
                                  "unit_price": "80"}], extra=1)}  # fmt: skip
    response = login(client, admin_user).post(reverse("price-list-create"), data)
    assert response.status_code == 302
    price_list = PriceList.objects.get(name="经销商价")
    assert [i.unit_price for i in price_list.items.order_by("min_quantity")] == [D(90), D(80)]
    body = text(client.get(reverse("price-list-list")))
    assert "经销商价" in body and "80.00" in body
    body = text(client.get(reverse("price-list-edit", args=[price_list.pk])))
    assert 'value="80.00"' in body


def test_a_bad_price_row_keeps_the_whole_list_unsaved(client, admin_user):
    product = make_product(admin_user)
    data = {"name": "Bad", "currency": "CNY", "customer_tag": "",
            **formset("prices", [{"product": product.pk, "min_quantity": "-1",
                                  "unit_price": "9"}])}  # fmt: skip
    body = text(login(client, admin_user).post(reverse("price-list-create"), data))
    assert "Row 1" in body and "greater than 0" in body
    assert not PriceList.objects.exists()


def quote_data(products, **fields) -> dict:
    rows = [{"product": p.pk, "quantity": q, "discount_percent": d} for p, q, d in products]
    return {"title": "云杉 50 台笔记本", "currency": "CNY", "owner": "", **fields,
            **formset("lines", rows, extra=2)}  # fmt: skip


def test_building_a_quote_from_a_deal(client, admin_user, rep):
    laptop = make_product(admin_user, "LT-14", "6999.00", "13", name="ThinkPad 14")
    support = make_product(admin_user, "SUP-1Y", "1200.00", "6", name="Support")
    company = make_company(rep, "北京云杉科技有限公司")
    person = make_person(rep, "李娜", company=company.pk, email="lina@yunshan.cn")
    deal = make_deal(rep, "云杉 50 台笔记本", company=company.pk)
    login(client, rep)
    url = reverse("quote-create") + f"?deal={deal.pk}"
    body = text(client.get(url))
    assert "云杉 50 台笔记本" in body and "LT-14 · ThinkPad 14" in body and "李娜" in body
    data = quote_data([(laptop, "3", "10"), (support, "3", "")], owner=rep.pk,
                      company=company.pk, person=person.pk)  # fmt: skip
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    quote = Quote.objects.get()
    assert quote.deal == deal and quote.person == person and quote.total == D("25169.95")
    body = text(client.get(quote.get_absolute_url()))
    assert quote.number in body and "25,169.95 CNY" in body and "-2,099.70" in body
    body = text(client.get(deal.get_absolute_url()))
    assert quote.number in body and "ThinkPad 14" in body
    assert text(client.get(reverse("quote-print", args=[quote.pk]))).count("18,897.30") == 1
    pdf = client.get(reverse("quote-pdf", args=[quote.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert "25,169.95" in pdf_text(pdf.content)


def test_a_negative_quantity_is_shown_and_nothing_is_saved(client, admin_user, rep):
    laptop = make_product(admin_user)
    response = login(client, rep).post(
        reverse("quote-create"), quote_data([(laptop, "-2", "")], owner=rep.pk)
    )
    body = text(response)
    assert "Line 1" in body and "greater than 0" in body
    assert not Quote.all_objects.exists()


def test_editing_a_draft_and_not_a_sent_quote(client, admin_user, rep):
    quote, _deal = two_product_quote(admin_user, rep)
    login(client, rep)
    body = text(client.get(reverse("quote-edit", args=[quote.pk])))
    assert 'value="3"' in body and 'value="10"' in body
    laptop = Product.objects.get(sku="LT-14")
    data = {**quote_data([(laptop, "1", "")], owner=rep.pk), "version": quote.version}
    assert client.post(reverse("quote-edit", args=[quote.pk]), data).status_code == 302
    quote.refresh_from_db()
    assert quote.total == D("7908.87") and quote.version == 2
    stale = {**data, "version": 1}
    body = text(client.post(reverse("quote-edit", args=[quote.pk]), stale))
    assert "changed this quote meanwhile" in body
    quotes.send_quote(rep, quote)
    response = client.get(reverse("quote-edit", args=[quote.pk]))
    assert response.status_code == 302


def test_marking_sent_then_accepting_makes_the_order(client, admin_user, rep):
    quote, _deal = two_product_quote(admin_user, rep)
    login(client, rep)
    body = text(client.get(reverse("quote-send", args=[quote.pk])))
    assert "Email is not set up on this server yet" in body  # no email settings in tests
    assert "KEHU_" not in body  # no setting names in front of users
    response = client.post(
        reverse("quote-send", args=[quote.pk]), {"mark_only": "1", "version": quote.version}
    )
    assert response.status_code == 302
    quote.refresh_from_db()
    assert quote.status == "sent"
    response = client.post(
        reverse("quote-accept", args=[quote.pk]), {"note": "签字", "version": quote.version}
    )
    assert response.status_code == 302
    order = Order.objects.get(quote=quote)
    body = text(client.get(order.get_absolute_url()))
    assert order.number in body and "25,169.95 CNY" in body
    response = client.post(
        reverse("order-status", args=[order.pk]), {"status": "fulfilled", "version": "1"}
    )
    order.refresh_from_db()
    assert response.status_code == 302 and order.status == "fulfilled"
    body = text(client.get(reverse("order-list")))
    assert order.number in body
    body = text(client.get(reverse("quote-detail", args=[quote.pk])))
    assert order.number in body


def test_emailing_from_the_send_page(client, admin_user, rep, smtp_server,
                                     django_capture_on_commit_callbacks):  # fmt: skip
    quote, _deal = two_product_quote(admin_user, rep)
    login(client, rep)
    response = client.post(reverse("quote-send", args=[quote.pk]), {"to": "nope"})
    assert response.status_code == 400 and "valid email" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("quote-send", args=[quote.pk]),
            {"to": "buyer@yunshan.cn", "subject": "报价", "message": "请查收"},
        )
    assert response.status_code == 302
    assert len(smtp_server.messages) == 1
    body = text(client.get(quote.get_absolute_url()))
    assert "Emailed to buyer@yunshan.cn" in body


def test_rejecting_and_making_a_new_version(client, admin_user, rep):
    quote, _deal = two_product_quote(admin_user, rep)
    login(client, rep)
    client.post(reverse("quote-reject", args=[quote.pk]), {"reason": "太贵"})
    quote.refresh_from_db()
    assert quote.status == "rejected" and quote.decision_note == "太贵"
    response = client.post(reverse("quote-revise", args=[quote.pk]))
    second = Quote.objects.get(revision=2)
    assert response["Location"] == second.get_absolute_url()
    body = text(client.get(second.get_absolute_url()))
    assert f"{quote.number} v2" in body and "Superseded" in body
    body = text(client.get(reverse("quote-list")))
    assert f"{quote.number} v2" in body and f">{quote.number}<" not in body


def test_accepting_twice_says_why(client, admin_user, rep):
    quote, _deal = two_product_quote(admin_user, rep)
    quotes.accept_quote(rep, quote)
    response = login(client, rep).post(reverse("quote-accept", args=[quote.pk]), follow=True)
    assert "Only a draft or a sent quote" in text(response)
    assert Order.objects.count() == 1


def test_a_quote_moves_to_the_bin_and_back(client, admin_user, rep):
    quote, _deal = two_product_quote(admin_user, rep)
    login(client, rep)
    assert client.post(reverse("quote-delete", args=[quote.pk])).status_code == 302
    assert not Quote.objects.filter(pk=quote.pk).exists()
    body = text(client.get(reverse("recycle-bin")))
    assert reverse("quote-restore", args=[quote.pk]) in body
    client.post(reverse("quote-restore", args=[quote.pk]))
    assert Quote.objects.filter(pk=quote.pk).exists()


def test_another_team_sees_none_of_it(client, admin_user, rep, outsider):
    quote, deal = two_product_quote(admin_user, rep)
    order = Order.objects.get(quote=quotes.accept_quote(rep, quote))
    login(client, outsider)
    for name in ("quote-detail", "quote-edit", "quote-print", "quote-pdf", "quote-send"):
        assert client.get(reverse(name, args=[quote.pk])).status_code == 404, name
    assert client.get(reverse("order-detail", args=[order.pk])).status_code == 404
    assert client.get(reverse("quote-create") + f"?deal={deal.pk}").status_code == 404
    assert quote.get_absolute_url() not in text(client.get(reverse("quote-list")))
    assert order.get_absolute_url() not in text(client.get(reverse("order-list")))
    for name in ("quote-accept", "quote-reject", "quote-revise", "order-status"):
        pk = order.pk if name.startswith("order") else quote.pk
        assert client.post(reverse(name, args=[pk]), {"status": "cancelled"}).status_code == 404


def test_catalog_is_unchanged_by_reps(client, admin_user, rep):
    product = make_product(admin_user)
    price_list = catalog.save_price_list(admin_user, None, {"name": "P", "currency": "CNY"}, [])
    login(client, rep)
    assert client.post(reverse("product-create"), {"sku": "X"}).status_code == 403
    assert client.get(reverse("price-list-edit", args=[price_list.pk])).status_code == 403
    assert client.get(reverse("price-list-create")).status_code == 403
    assert Product.objects.get().pk == product.pk
