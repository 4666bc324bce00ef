"""The quote form's running totals: priced by the server as a save prices them, saving
nothing, with each line's problem said; hidden companies and quotes tell nothing."""

import pytest
from django.urls import reverse

from kehu.sales.models import Quote
from tests.factories import make_company
from tests.sales.test_quote_views import formset
from tests.sales.test_quotes import make_product, two_product_quote

pytestmark = pytest.mark.django_db


def preview(client, user, rows, query="", **fields):
    client.force_login(user)
    data = {"currency": "CNY", **formset("lines", rows), **fields}
    return client.post(reverse("quote-lines-preview") + query, data)


def test_totals_follow_the_lines_as_the_server_computes_them(client, admin_user, rep):
    laptop = make_product(admin_user, "LT-14", "6999.00", "13", name="ThinkPad 14")
    response = preview(client, rep, [
        {"product": str(laptop.pk), "quantity": "3", "discount_percent": "10"},
        {"description": "安装服务", "quantity": "1", "unit_price": "1200", "tax_rate": "6"},
    ])  # fmt: skip
    assert response.status_code == 200
    page = response.content.decode()
    # 3 × 6999 = 20,997.00 less 10% = 18,897.30 (+13% tax 2,456.65); 1,200.00 (+6% 72.00)
    assert "18,897.30" in page and "1,200.00" in page
    assert 'data-total="subtotal">22,197.00' in page
    assert 'data-total="discount">-2,099.70' in page
    assert 'data-total="tax">2,528.65' in page
    assert 'data-total="total">22,625.95 CNY' in page
    assert "人民币贰万贰仟陆佰贰拾伍元玖角伍分" in page
    assert not Quote.objects.exists()


def test_each_bad_line_is_named_and_the_good_ones_still_count(client, rep):
    response = preview(client, rep, [
        {"description": "好的", "quantity": "2", "unit_price": "10", "tax_rate": "0"},
        {"description": "没有价格", "quantity": "1"},
        {"description": "坏的折扣", "quantity": "1", "unit_price": "5", "discount_percent": "120"},
    ])  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200
    assert "Line 2" in page and "Line 3" in page
    assert 'data-total="total">20.00 CNY' in page


def test_other_currencies_have_no_capitals_and_unknown_ones_are_ignored(client, rep, settings):
    settings.DEFAULT_CURRENCY = "USD"
    response = preview(client, rep, [
        {"description": "A", "quantity": "1", "unit_price": "12.5", "tax_rate": "0"},
    ], currency="USD")  # fmt: skip
    page = response.content.decode()
    assert 'data-total="total">12.50 USD' in page and "人民币" not in page
    response = preview(client, rep, [], currency="<b>XXX</b>")
    page = response.content.decode()
    assert response.status_code == 200 and "XXX" not in page and "0.00 USD" in page


def test_hidden_quotes_and_companies_tell_nothing(client, admin_user, rep, outsider):
    quote, _deal = two_product_quote(admin_user, outsider)
    response = preview(client, rep, [], query=f"?quote={quote.pk}")
    assert response.status_code == 404
    secret = make_company(outsider, "秘密公司")
    response = preview(client, rep, [{"description": "A", "quantity": "1", "unit_price": "1"}],
                       company=str(secret.pk))  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "秘密公司" not in page
    missing = preview(client, rep, [{"description": "A", "quantity": "1", "unit_price": "1"}],
                      company="999999")  # fmt: skip
    assert missing.content.decode() == page  # the same answer as for no such company
    assert "Choose a company from the list" in page


def test_only_post_and_only_signed_in(client, rep):
    assert client.post(reverse("quote-lines-preview")).status_code == 302  # to the login
    client.force_login(rep)
    assert client.get(reverse("quote-lines-preview")).status_code == 405


def test_the_form_offers_add_a_line_with_labelled_inputs(client, rep):
    client.force_login(rep)
    page = client.get(reverse("quote-create")).content.decode()
    assert 'data-add-row="#line-template"' in page and "lines-__prefix__-quantity" in page
    assert 'for="id_lines-0-quantity"' in page and 'hx-post="/quotes/lines/preview/' in page
