"""Products, price lists, quotes and orders: exact totals, prices for a customer, numbering per
year, versions, sending, accepting into an order; bad input saves nothing."""

import datetime
import decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from kehu.core import audit
from kehu.customers.models import Tag
from kehu.sales.catalog import pricing
from kehu.sales.catalog import services as catalog
from kehu.sales.deals import services
from kehu.sales.models import DocumentCounter, Order, PriceList, Product, Quote, QuoteLine
from kehu.sales.quotes import services as quotes
from tests.factories import make_company, make_deal, make_person

pytestmark = pytest.mark.django_db
D = decimal.Decimal


def make_product(admin, sku="HW-100", price="1000.00", tax="13", **data):
    return catalog.save_product(
        admin,
        None,
        {"sku": sku, "name": data.pop("name", f"Product {sku}"), "price": price,
         "tax_rate": tax, "unit": "pcs", **data},
    )  # fmt: skip


def test_line_amounts_round_half_up_on_each_line():
    amounts = pricing.line_amounts(D("3"), D("33.33"), D("10"), D("13"))
    assert amounts.gross == D("99.99")
    assert amounts.net == D("89.99")  # 89.991
    assert amounts.discount == D("10.00")
    assert amounts.tax == D("11.70")  # 11.6987


amounts_strategy = st.tuples(
    st.decimals(min_value=D("0.001"), max_value=D("100000"), places=3),
    st.decimals(min_value=D("0"), max_value=D("1000000"), places=2),
    st.decimals(min_value=D("0"), max_value=D("100"), places=2),
    st.decimals(min_value=D("0"), max_value=D("100"), places=2),
)


@given(st.lists(amounts_strategy, min_size=1, max_size=8))
def test_printed_lines_always_add_up_to_the_total(rows):
    lines = [pricing.line_amounts(*row) for row in rows]
    totals = pricing.document_totals(lines)
    assert totals.total == sum(a.net + a.tax for a in lines)
    assert totals.subtotal - totals.discount_total == sum(a.net for a in lines)
    for a in lines:
        assert a.net <= a.gross and a.discount >= 0 and a.tax >= 0
        assert a.net.as_tuple().exponent == -2


def test_only_admins_keep_the_catalogue(admin_user, rep):
    with pytest.raises(PermissionDenied):
        make_product(rep)
    product = make_product(admin_user)
    with pytest.raises(PermissionDenied):
        catalog.save_product(rep, product, {"price": "1"})
    with pytest.raises(PermissionDenied):
        catalog.save_price_list(rep, None, {"name": "X", "currency": "CNY"}, [])


@pytest.mark.parametrize(
    "data,field",
    [
        ({"price": "-1"}, "price"),
        ({"price": "abc"}, "price"),
        ({"tax_rate": "101"}, "tax_rate"),
        ({"sku": ""}, "sku"),
        ({"name": ""}, "name"),
    ],
)
def test_bad_products_are_refused(admin_user, data, field):
    with pytest.raises(ValidationError) as caught:
        catalog.save_product(
            admin_user, None, {"sku": "A-1", "name": "A", "price": "1", "tax_rate": "0", **data}
        )
    assert field in caught.value.message_dict
    assert not Product.objects.exists()


def test_a_sku_is_unique_whatever_its_case(admin_user):
    make_product(admin_user, sku="HW-100")
    with pytest.raises(ValidationError) as caught:
        make_product(admin_user, sku="hw-100")
    assert "sku" in caught.value.message_dict


def test_price_for_a_customer_group_with_quantity_breaks_and_dates(admin_user, rep):
    product = make_product(admin_user, price="100.00")
    distributor = Tag.objects.create(name="经销商")
    partner = make_company(rep, "代理商有限公司", tags=["经销商"])
    walk_in = make_company(rep, "散客公司")
    catalog.save_price_list(
        admin_user, None, {"name": "Standard 2026", "currency": "CNY"},
        [{"product": product.pk, "min_quantity": "1", "unit_price": "95.00"},
         {"product": product.pk, "min_quantity": "10", "unit_price": "90.00"}],
    )  # fmt: skip
    catalog.save_price_list(
        admin_user, None,
        {"name": "Distributors", "currency": "CNY", "customer_tag": distributor.pk},
        [{"product": product.pk, "min_quantity": "1", "unit_price": "80.00"}],
    )  # fmt: skip
    catalog.save_price_list(
        admin_user, None,
        {"name": "Old", "currency": "CNY", "valid_until": datetime.date(2020, 1, 1)},
        [{"product": product.pk, "min_quantity": "1", "unit_price": "1.00"}],
    )  # fmt: skip
    assert pricing.unit_price(product, D("1"), "CNY", walk_in) == D("95.00")
    assert pricing.unit_price(product, D("10"), "CNY", walk_in) == D("90.00")
    assert pricing.unit_price(product, D("9.5"), "CNY", walk_in) == D("95.00")
    assert pricing.unit_price(product, D("50"), "CNY", partner) == D("80.00")
    services.set_exchange_rate(admin_user, "USD", "7.1")
    assert pricing.unit_price(product, D("1"), "USD", walk_in) is None


def test_bad_price_list_rows_save_nothing(admin_user):
    product = make_product(admin_user)
    with pytest.raises(ValidationError) as caught:
        catalog.save_price_list(
            admin_user, None, {"name": "Bad", "currency": "CNY"},
            [{"product": product.pk, "min_quantity": "1", "unit_price": "5"},
             {"product": product.pk, "min_quantity": "1", "unit_price": "4"},
             {"product": 999999, "min_quantity": "1", "unit_price": "4"},
             {"product": product.pk, "min_quantity": "-2", "unit_price": "4"}],
        )  # fmt: skip
    errors = caught.value.message_dict["items"]
    assert len(errors) == 3 and errors[0].startswith("Row 2")
    with pytest.raises(ValidationError) as caught:
        catalog.save_price_list(admin_user, None, {"name": "Bad", "currency": "XYZ"}, [])
    assert "currency" in caught.value.message_dict
    with pytest.raises(ValidationError):
        catalog.save_price_list(
            admin_user, None,
            {"name": "Bad", "currency": "CNY", "valid_from": datetime.date(2026, 5, 1),
             "valid_until": datetime.date(2026, 4, 1)}, [],
        )  # fmt: skip
    assert not PriceList.objects.exists()


# a fixed day, far from New Year: a quote's number carries its year
MIDSUMMER = datetime.datetime(2026, 6, 15, 12, 0, tzinfo=datetime.UTC)


def two_product_quote(admin, rep, **data):
    laptop = make_product(admin, "LT-14", "6999.00", "13", name="ThinkPad 14")
    support = make_product(admin, "SUP-1Y", "1200.00", "6", name="Support, 1 year")
    company = make_company(rep, "北京云杉科技有限公司")
    deal = make_deal(rep, "云杉 50 台笔记本", company=company.pk)
    quote = quotes.create_quote(
        rep,
        {
            "deal": deal.pk,
            "lines": [
                {"product": laptop.pk, "quantity": "3", "discount_percent": "10"},
                {"product": support.pk, "quantity": "3"},
            ],
            **data,
        },
    )
    return quote, deal


def test_a_quote_from_a_deal_prices_its_lines_and_totals_them_exactly(
    admin_user, rep, time_machine
):
    time_machine.move_to(MIDSUMMER)  # the number's year is not about to change
    quote, deal = two_product_quote(admin_user, rep)
    year = timezone.localdate().year
    assert quote.number == f"Q-{year}-0001" and quote.revision == 1
    assert quote.title == deal.name and quote.company == deal.company
    assert quote.currency == "CNY" and quote.status == "draft"
    laptop, support = quote.lines.all()
    assert laptop.unit_price == D("6999.00") and laptop.net == D("18897.30")
    assert laptop.tax == D("2456.65")  # 18897.30 × 13 % = 2456.649
    assert support.net == D("3600.00") and support.tax == D("216.00")
    assert quote.subtotal == D("24597.00")
    assert quote.discount_total == D("2099.70")
    assert quote.tax_total == D("2672.65")
    assert quote.total == D("25169.95")
    assert quote.valid_until == timezone.localdate() + datetime.timedelta(days=30)
    entry = audit.history(quote).first()
    assert entry.action == "create" and "LT-14" in entry.changes["lines"][1]


def test_numbers_run_per_year(admin_user, rep, time_machine):
    time_machine.move_to(MIDSUMMER)  # the number's year is not about to change
    first, _deal = two_product_quote(admin_user, rep)
    second = quotes.create_quote(rep, {"title": "Another", "lines": []})
    year = timezone.localdate().year
    assert second.number == f"Q-{year}-0002"
    DocumentCounter.objects.create(kind="quote", year=year + 1, last=41)
    assert quotes.next_number("quote", "Q", year + 1) == f"Q-{year + 1}-0042"


@pytest.mark.parametrize(
    "line,expected",
    [
        ({"product": "LT", "quantity": "-1"}, "quantity greater than 0"),
        ({"product": "LT", "quantity": "0"}, "quantity greater than 0"),
        ({"product": "LT", "quantity": "2", "discount_percent": "120"}, "0 to 100"),
        ({"product": "LT", "quantity": "2", "unit_price": "-5"}, "0 or more"),
        ({"product": 999999, "quantity": "1"}, "active product"),
        ({"description": "Free text", "quantity": "1"}, "description and a unit price"),
    ],
)
def test_bad_lines_are_refused_and_nothing_is_saved(admin_user, rep, line, expected):
    laptop = make_product(admin_user, "LT-14", "6999.00")
    if line.get("product") == "LT":
        line = {**line, "product": laptop.pk}
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(
            rep, {"title": "Bad", "lines": [{"product": laptop.pk, "quantity": 1}, line]}
        )
    (message,) = caught.value.message_dict["lines"]
    assert message.startswith("Line 2:") and expected in message
    assert not Quote.all_objects.exists() and not QuoteLine.objects.exists()
    assert not DocumentCounter.objects.filter(last__gt=0).exists()


def test_a_currency_without_a_price_needs_a_unit_price(admin_user, rep):
    services.set_exchange_rate(admin_user, "USD", "7.1")
    laptop = make_product(admin_user, "LT-14", "6999.00")
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(rep, {"title": "USD", "currency": "USD",
                                  "lines": [{"product": laptop.pk, "quantity": 1}]})  # fmt: skip
    assert "no price in USD" in caught.value.message_dict["lines"][0]
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(rep, {"title": "?", "currency": "XYZ", "lines": []})
    assert "currency" in caught.value.message_dict
    quote = quotes.create_quote(
        rep, {"title": "USD", "currency": "USD",
              "lines": [{"product": laptop.pk, "quantity": 1, "unit_price": "999"}]},
    )  # fmt: skip
    assert quote.total == D("1128.87")


def test_a_rep_cannot_quote_on_another_teams_deal_or_see_their_quote(admin_user, rep, outsider):
    quote, deal = two_product_quote(admin_user, rep)
    with pytest.raises(ValidationError) as caught:
        quotes.create_quote(outsider, {"deal": deal.pk, "lines": []})
    assert "deal" in caught.value.message_dict
    assert not Quote.objects.visible_to(outsider).exists()
    with pytest.raises(Http404):
        quotes.send_quote(outsider, quote)
    with pytest.raises(Http404):
        quotes.accept_quote(outsider, quote)


def test_a_sent_quote_is_fixed_and_a_new_version_carries_the_number(admin_user, rep):
    quote, _deal = two_product_quote(admin_user, rep)
    sent = quotes.send_quote(rep, quote)
    assert sent.status == "sent" and sent.sent_at and sent.email_state == ""
    with pytest.raises(ValidationError, match="new version"):
        quotes.update_quote(rep, sent, {"title": "Changed"})
    second = quotes.revise_quote(rep, sent)
    assert second.number == quote.number and second.revision == 2 and second.status == "draft"
    assert second.label == f"{quote.number} v2"
    assert [line.sku for line in second.lines.all()] == ["LT-14", "SUP-1Y"]
    assert second.total == quote.total
    old = Quote.objects.get(pk=quote.pk)
    assert old.status == "superseded" and not old.is_latest
    with pytest.raises(ValidationError):
        quotes.revise_quote(rep, old)
    changed = quotes.update_quote(
        rep, second, {"lines": [{"product": second.lines.first().product_id, "quantity": "1"}]}
    )
    assert changed.total == D("7908.87") and changed.version == 2


def test_accepting_makes_the_order_with_the_quotes_lines(admin_user, rep, time_machine):
    time_machine.move_to(MIDSUMMER)  # the number's year is not about to change
    quote, deal = two_product_quote(admin_user, rep)
    accepted = quotes.accept_quote(rep, quote, note="签字回传")
    assert accepted.status == "accepted" and accepted.decided_at
    order = Order.objects.get(quote=accepted)
    assert order.number == f"SO-{timezone.localdate().year}-0001"
    assert order.total == quote.total and order.deal == deal and order.owner == rep
    assert [line.net for line in order.lines.all()] == [D("18897.30"), D("3600.00")]
    with pytest.raises(ValidationError):
        quotes.accept_quote(rep, accepted)
    with pytest.raises(ValidationError):
        quotes.reject_quote(rep, accepted)
    with pytest.raises(ValidationError, match="cancel the order"):
        quotes.delete_quote(rep, accepted)
    done = quotes.set_order_status(rep, order, "fulfilled")
    assert done.status == "fulfilled" and done.version == 2
    with pytest.raises(ValidationError):
        quotes.set_order_status(rep, order, "shipped")


def test_an_empty_quote_cannot_be_sent_or_accepted(rep):
    quote = quotes.create_quote(rep, {"title": "Empty", "lines": []})
    with pytest.raises(ValidationError, match="at least one line"):
        quotes.send_quote(rep, quote)
    with pytest.raises(ValidationError, match="at least one line"):
        quotes.accept_quote(rep, quote)


def test_a_rejected_quote_keeps_the_reason_and_can_be_revised(admin_user, rep):
    quote, _deal = two_product_quote(admin_user, rep)
    rejected = quotes.reject_quote(rep, quote, "太贵了")
    assert rejected.status == "rejected" and rejected.decision_note == "太贵了"
    assert quotes.revise_quote(rep, rejected).revision == 2


def test_read_only_users_see_quotes_but_change_nothing(admin_user, rep, readonly_user):
    quote, _deal = two_product_quote(admin_user, rep)
    assert Quote.objects.visible_to(readonly_user).filter(pk=quote.pk).exists()
    with pytest.raises(PermissionDenied):
        quotes.send_quote(readonly_user, quote)
    with pytest.raises(PermissionDenied):
        quotes.create_quote(readonly_user, {"title": "x", "lines": []})


def test_a_stale_version_is_a_conflict(admin_user, rep):
    from kehu.core.records import VersionConflict

    quote, _deal = two_product_quote(admin_user, rep)
    quotes.update_quote(rep, quote, {"title": "New title"})
    with pytest.raises(VersionConflict):
        quotes.send_quote(rep, quote, expected_version=1)


def test_emailing_needs_email_settings_and_a_valid_address(admin_user, rep, settings):
    quote, _deal = two_product_quote(admin_user, rep)
    settings.EMAIL_HOST = ""
    with pytest.raises(ValidationError, match="not set up"):
        quotes.send_quote(rep, quote, to="buyer@example.com")
    settings.EMAIL_HOST = "127.0.0.1"
    with pytest.raises(ValidationError, match="valid email"):
        quotes.send_quote(rep, quote, to="not an address")
    assert Quote.objects.get(pk=quote.pk).status == "draft"


def test_a_quote_for_a_person_of_the_company(admin_user, rep, outsider):
    quote, deal = two_product_quote(admin_user, rep)
    person = make_person(rep, "李娜", email="lina@yunshan.cn")
    changed = quotes.update_quote(rep, quote, {"person": person.pk})
    assert changed.person == person
    hidden = make_person(outsider, "王芳")
    with pytest.raises(ValidationError) as caught:
        quotes.update_quote(rep, changed, {"person": hidden.pk})
    assert "person" in caught.value.message_dict
    elsewhere = make_person(rep, "赵六", company=make_company(rep, "别的公司").pk)
    with pytest.raises(ValidationError) as caught:
        quotes.update_quote(rep, changed, {"person": elsewhere.pk})
    assert caught.value.message_dict["person"] == ["This person works at another company."]


def pdf_text(data: bytes) -> str:
    import io

    import pypdf

    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_shows_the_lines_and_totals(admin_user, rep):
    from kehu.sales.quotes.pdf import quote_pdf

    quote, _deal = two_product_quote(admin_user, rep, terms="付款方式：预付 30%")
    text = pdf_text(quote_pdf(quote))
    expected = [quote.number, "北京云杉科技有限公司", "ThinkPad 14", "18,897.30", "24,597.00",
                "-2,099.70", "2,672.65", "25,169.95 CNY", "预付 30%"]  # fmt: skip
    for text_part in expected:
        assert text_part in text


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_emailing_a_quote_sends_its_pdf_through_smtp(admin_user, rep, smtp_server, on_commit):
    quote, _deal = two_product_quote(admin_user, rep)
    rep.email = "rep@kehu.example"
    rep.save()
    with on_commit():
        sent = quotes.send_quote(
            rep, quote, to="buyer@yunshan.cn", subject="报价单", message="您好"
        )
    assert sent.status == "sent"
    (message,) = smtp_server.messages
    assert message["To"] == "buyer@yunshan.cn" and message["Subject"] == "报价单"
    assert message["Reply-To"] == "rep@kehu.example"
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == f"{quote.number}.pdf"
    assert "25,169.95" in pdf_text(attachment.get_content())
    quote.refresh_from_db()
    assert quote.email_state == "sent" and quote.email_error == ""
    assert audit.history(quote).first().changes == {"email_state": ["Sending", "Emailed"]}


def test_a_mail_server_that_is_down_is_shown_on_the_quote(admin_user, rep, settings, on_commit):
    from tests.smtp import _free_port

    quote, _deal = two_product_quote(admin_user, rep)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    with on_commit():
        quotes.send_quote(rep, quote, to="buyer@yunshan.cn")
    quote.refresh_from_db()
    assert quote.status == "sent" and quote.email_state == "failed"
    assert "Connection" in quote.email_error or "refused" in quote.email_error.lower()


def test_a_subject_with_line_breaks_is_sent_on_one_line(admin_user, rep, smtp_server, on_commit):
    quote, _deal = two_product_quote(admin_user, rep)
    with on_commit():
        quotes.send_quote(rep, quote, to="buyer@yunshan.cn", subject="报价\r\nBcc: evil@x.cn")
    (message,) = smtp_server.messages
    assert message["Subject"] == "报价 Bcc: evil@x.cn" and message["Bcc"] is None
    quote.refresh_from_db()
    assert quote.email_state == "sent"


def test_a_quote_email_whose_worker_was_killed_is_failed_not_sending_for_ever(
    admin_user, rep, settings
):
    """The worker died while emailing the quote: once its task is known to be dead (no run
    queued or running), the quote says the email failed instead of "Sending" for ever. One
    whose task still waits for a worker stays "Sending"."""
    from django_tasks_db.models import DBTaskResult

    from kehu.core import recovery

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.EMAIL_HOST = "smtp.example.com"
    stuck, _deal = two_product_quote(admin_user, rep)
    waiting = quotes.create_quote(rep, {"deal": _deal.pk, "lines": [
        {"product": Product.objects.first().pk, "quantity": "1"}]})  # fmt: skip
    for quote in (stuck, waiting):
        quotes.send_quote(rep, quote, to="buyer@yunshan.cn")
    from kehu.sales.tasks import email_quote

    email_quote.enqueue(waiting.pk, "", "", rep.pk)  # every worker is down: still queued
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    Quote.all_objects.filter(pk__in=[stuck.pk, waiting.pk]).update(updated_at=an_hour_ago)
    dead = DBTaskResult.objects.create(task_path=email_quote.module_path, status="RUNNING",
        started_at=an_hour_ago, run_after=an_hour_ago, backend_name="default",
        args_kwargs={"args": [stuck.pk, "", "", rep.pk], "kwargs": {}})  # fmt: skip
    recovery.recover()
    dead.refresh_from_db()
    stuck.refresh_from_db()
    waiting.refresh_from_db()
    assert dead.status == "FAILED"
    assert stuck.email_state == "failed" and "interrupted" in stuck.email_error
    assert waiting.email_state == "queued"
    assert audit.history(stuck).first().changes["email_state"] == ["Sending", "Email failed"]
    assert quotes.fail_interrupted_emails() == 0  # once
