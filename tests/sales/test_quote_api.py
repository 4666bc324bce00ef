"""The products, price lists, quotes and orders API: the record contract, lines and totals,
send, accept, reject, revise, the PDF, orders; bad input answered 422 with nothing saved."""

import pytest

from kehu.sales.models import Order, PriceList, Product, Quote
from tests.api.conftest import assert_validation, bearer_client, send
from tests.factories import make_company, make_deal
from tests.sales.test_quotes import make_product, pdf_text, two_product_quote

pytestmark = pytest.mark.django_db


def test_products_are_read_by_sales_and_kept_by_admins(admin_user, rep):
    admin = bearer_client(admin_user)
    body = {"sku": "LT-14", "name": "ThinkPad 14", "price": "6999", "tax_rate": "13"}
    response = send(admin, "post", "/api/v1/products", body)
    assert response.status_code == 201, response.content
    product = response.json()
    assert product["price"] == "6999.00" and product["unit"] == "pcs"
    url = f"/api/v1/products/{product['id']}"
    reader = bearer_client(rep)
    assert reader.get("/api/v1/products?q=think").json()["items"][0]["sku"] == "LT-14"
    assert send(reader, "patch", url, {"price": "1"}).status_code == 403
    response = send(admin, "patch", url, {"active": False})
    assert response.status_code == 200 and response.json()["active"] is False
    assert reader.get("/api/v1/products").json()["items"] == []
    assert len(reader.get("/api/v1/products?active=false").json()["items"]) == 1
    assert_validation(send(admin, "post", "/api/v1/products", {"sku": "LT-14", "name": "x"}), "sku")
    assert_validation(
        send(admin, "post", "/api/v1/products", {"sku": "A", "name": "x", "price": "-1"}), "price"
    )
    assert Product.objects.count() == 1


def test_price_lists_and_the_price_a_customer_gets(admin_user, rep):
    admin = bearer_client(admin_user)
    product = make_product(admin_user, price="100.00")
    items = [{"product_id": product.pk, "min_quantity": "1", "unit_price": "95"},
             {"product_id": product.pk, "min_quantity": "10", "unit_price": "90"}]  # fmt: skip
    body = {"name": "Volume", "currency": "CNY", "items": items}
    response = send(admin, "post", "/api/v1/price-lists", body)
    assert response.status_code == 201, response.content
    assert [i["unit_price"] for i in response.json()["items"]] == ["95.00", "90.00"]
    reader = bearer_client(rep)
    price = reader.get(f"/api/v1/products/{product.pk}/price?quantity=12").json()
    assert price["unit_price"] == "90.00" and price["currency"] == "CNY"
    url = f"/api/v1/price-lists/{response.json()['id']}"
    assert send(reader, "patch", url, {"active": False}).status_code == 403
    response = send(admin, "patch", url, {"items": []})
    assert response.status_code == 200 and response.json()["items"] == []
    bad = {"name": "Bad", "items": [{"product_id": 999999, "unit_price": "1"}]}
    assert_validation(send(admin, "post", "/api/v1/price-lists", bad), "items")
    assert_validation(send(admin, "post", "/api/v1/price-lists", {"name": "X", "currency": "XYZ"}),
                      "currency")  # fmt: skip
    assert PriceList.objects.count() == 1


def test_a_quote_through_its_whole_life(admin_user, rep):
    laptop = make_product(admin_user, "LT-14", "6999.00", "13")
    company = make_company(rep, "北京云杉科技有限公司")
    deal = make_deal(rep, "云杉笔记本", company=company.pk)
    client = bearer_client(rep)
    response = send(client, "post", "/api/v1/quotes", {
        "deal_id": deal.pk,
        "lines": [{"product_id": laptop.pk, "quantity": "3", "discount_percent": "10"},
                  {"description": "上门安装", "quantity": "1", "unit_price": "500",
                   "tax_rate": "6"}],
    })  # fmt: skip
    assert response.status_code == 201, response.content
    quote = response.json()
    assert quote["title"] == "云杉笔记本" and quote["company_id"] == company.pk
    assert quote["number"].startswith("Q-") and quote["status"] == "draft"
    assert quote["lines"][0]["net"] == "18897.30" and quote["lines"][1]["tax"] == "30.00"
    assert quote["total"] == "21883.95"
    url = f"/api/v1/quotes/{quote['id']}"
    response = send(client, "patch", url, {"title": "云杉 3 台笔记本"}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 200 and response["ETag"] == 'W/"2"'
    pdf = client.get(f"{url}/pdf")
    assert pdf["Content-Type"] == "application/pdf" and "21,883.95" in pdf_text(pdf.content)
    response = send(client, "post", f"{url}/send", {}, **{"If-Match": 'W/"1"'})
    assert response.status_code == 412
    response = send(client, "post", f"{url}/send", {})
    assert response.status_code == 200 and response.json()["status"] == "sent"
    assert_validation(send(client, "patch", url, {"title": "x"}), "__all__")
    response = send(client, "post", f"{url}/revise")
    assert response.status_code == 201
    second = response.json()
    assert second["revision"] == 2 and second["number"] == quote["number"]
    assert client.get(url).json()["status"] == "superseded"
    listed = client.get("/api/v1/quotes").json()["items"]
    assert [q["id"] for q in listed] == [second["id"]]
    assert len(client.get("/api/v1/quotes?all_versions=true").json()["items"]) == 2
    second_url = f"/api/v1/quotes/{second['id']}"
    response = send(client, "post", f"{second_url}/accept", {"note": "签字"})
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    order_id = response.json()["order_id"]
    order = client.get(f"/api/v1/orders/{order_id}").json()
    assert order["total"] == "21883.95" and order["quote_id"] == second["id"]
    assert len(order["lines"]) == 2
    response = send(client, "patch", f"/api/v1/orders/{order_id}", {"status": "fulfilled"})
    assert response.status_code == 200 and response.json()["status"] == "fulfilled"
    assert_validation(send(client, "patch", f"/api/v1/orders/{order_id}", {"status": "lost"}),
                      "status")  # fmt: skip
    assert [o["id"] for o in client.get("/api/v1/orders?status=fulfilled").json()["items"]] == [
        order_id
    ]


@pytest.mark.parametrize(
    "line, field",
    [
        ({"quantity": "-1"}, "lines.0.quantity"),
        ({"quantity": "0"}, "lines.0.quantity"),
        ({"quantity": "1", "discount_percent": "101"}, "lines.0.discount_percent"),
        ({"quantity": "1", "unit_price": "-5"}, "lines.0.unit_price"),
        ({"quantity": "1", "unit_price": "1.005"}, "lines.0.unit_price"),
        ({"quantity": "1", "product_id": 999999}, "lines"),
        ({"quantity": "1", "color": "red"}, "lines.0.color"),
    ],
)
def test_bad_lines_are_422_and_nothing_is_saved(admin_user, rep, line, field):
    laptop = make_product(admin_user)
    body = {"title": "Bad", "lines": [{"product_id": laptop.pk, **line}]}
    assert_validation(send(bearer_client(rep), "post", "/api/v1/quotes", body), field)
    assert not Quote.all_objects.exists()


def test_quotes_of_another_team_are_404(admin_user, rep, outsider):
    quote, deal = two_product_quote(admin_user, rep)
    client = bearer_client(outsider)
    url = f"/api/v1/quotes/{quote.pk}"
    assert client.get(url).status_code == 404
    assert client.get(f"{url}/pdf").status_code == 404
    for action in ("send", "accept", "reject", "revise"):
        assert send(client, "post", f"{url}/{action}", {}).status_code in (404, 422), action
    assert Quote.objects.get(pk=quote.pk).status == "draft"
    assert client.get("/api/v1/quotes").json()["items"] == []
    response = send(client, "post", "/api/v1/quotes", {"deal_id": deal.pk, "title": "x"})
    assert_validation(response, "deal_id")
    assert not Order.objects.exists()
