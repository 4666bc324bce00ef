"""Quotes in the browser: build one from a deal with two products and a discount, and find
the same totals on its page and in its PDF."""

from playwright.sync_api import expect

from kehu.sales.models import Quote
from tests.e2e.helpers import login
from tests.factories import make_company, make_deal, make_user
from tests.sales.test_quotes import make_product, pdf_text


def test_build_a_quote_with_two_products_and_a_discount(page, server_errors):
    admin = make_user("boss", role="Administrator", superuser=True)
    make_product(admin, "LT-14", "6999.00", "13", name="ThinkPad 14")
    make_product(admin, "SUP-1Y", "1200.00", "6", name="Support, 1 year")
    rep = make_user("lina")
    company = make_company(rep, "北京云杉科技有限公司")
    deal = make_deal(rep, "云杉 3 台笔记本", company=company.pk)
    login(page, "lina")
    page.goto(deal.get_absolute_url())
    page.get_by_role("link", name="New quote").click()
    expect(page.get_by_label("Title")).to_have_value("云杉 3 台笔记本")

    page.locator('select[name="lines-0-product"]').select_option(label="LT-14 · ThinkPad 14")
    page.locator('input[name="lines-0-quantity"]').fill("3")
    page.locator('input[name="lines-0-discount_percent"]').fill("10")
    page.locator('select[name="lines-1-product"]').select_option(label="SUP-1Y · Support, 1 year")
    page.locator('input[name="lines-1-quantity"]').fill("3")
    page.get_by_role("button", name="Save").click()

    quote = Quote.objects.get()
    expect(page).to_have_url(f"{page.url.split('/quotes/')[0]}/quotes/{quote.pk}/")
    lines = page.locator("table.quote-lines")
    expect(lines.locator("tbody tr")).to_have_count(2)
    expect(lines.locator("tbody tr").first).to_contain_text("18,897.30")
    expect(lines.locator('[data-total="subtotal"]')).to_have_text("24,597.00")
    expect(lines.locator('[data-total="discount"]')).to_have_text("-2,099.70")
    expect(lines.locator('[data-total="tax"]')).to_have_text("2,672.65")
    expect(lines.locator('[data-total="total"]')).to_have_text("25,169.95 CNY")

    pdf = page.request.get(page.get_by_role("link", name="PDF").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = pdf_text(pdf.body())
    for total in ("18,897.30", "24,597.00", "-2,099.70", "2,672.65", "25,169.95 CNY"):
        assert total in text, total
    assert quote.number in text and "北京云杉科技有限公司" in text

    page.get_by_role("link", name="Send").click()
    page.get_by_role("button", name="Mark as sent").click()
    expect(page.locator("h1")).to_contain_text("Sent")
    page.get_by_role("button", name="Accepted: make the order").click()
    expect(page.locator("h1")).to_contain_text("Accepted")
    page.get_by_role("link", name=quote.order.number).click()
    expect(page.locator("h1")).to_contain_text(quote.order.number)
    assert not server_errors


def test_a_quote_fits_a_phone(new_page, server_errors):
    from tests.e2e.test_mobile import PHONE
    from tests.sales.test_quotes import two_product_quote

    page = new_page(**PHONE)
    admin = make_user("boss", role="Administrator", superuser=True)
    rep = make_user("lina")
    quote, deal = two_product_quote(admin, rep)
    login(page, "lina")
    for url in (quote.get_absolute_url(), f"/quotes/{quote.pk}/edit/", deal.get_absolute_url()):
        page.goto(url)
        expect(page.locator("h1")).to_be_visible()
        # wide tables scroll inside their box; the page itself never scrolls sideways
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, url
    assert not server_errors


def test_lines_added_inline_with_totals_following_as_you_type(new_page, server_errors):
    from tests.e2e.test_mobile import PHONE

    page = new_page(**PHONE)
    admin = make_user("boss", role="Administrator", superuser=True)
    make_product(admin, "LT-14", "6999.00", "13", name="ThinkPad 14")
    make_user("lina")
    login(page, "lina")
    page.goto("/quotes/new/")
    page.get_by_label("Title").fill("星辰 笔记本")
    page.locator('select[name="lines-0-product"]').select_option(label="LT-14 · ThinkPad 14")
    page.locator('input[name="lines-0-quantity"]').fill("3")
    page.locator('input[name="lines-0-discount_percent"]').fill("10")
    totals = page.locator("#quote-totals")
    expect(totals.locator('[data-total="total"]')).to_have_text("21,353.95 CNY")
    expect(totals.locator('[data-total="words"]')).to_have_text(
        "人民币贰万壹仟叁佰伍拾叁元玖角伍分"
    )
    # three empty rows come with the page; a fourth is added by keyboard and focused
    page.get_by_role("button", name="Add a line").focus()
    page.keyboard.press("Enter")
    expect(page.locator("table.lines tbody tr")).to_have_count(4)
    focused = page.evaluate("document.activeElement.name")
    assert focused == "lines-3-product", focused
    page.keyboard.press("Tab")
    page.keyboard.type("安装服务")
    page.locator('input[name="lines-3-quantity"]').fill("1")
    page.locator('input[name="lines-3-unit_price"]').fill("1000")
    page.locator('input[name="lines-3-tax_rate"]').fill("6")
    expect(totals.locator('[data-total="total"]')).to_have_text("22,413.95 CNY")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Save").click()
    quote = Quote.objects.get()
    assert str(quote.total) == "22413.95" and quote.lines.count() == 2
    assert not server_errors
