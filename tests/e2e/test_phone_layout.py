"""Kehu on a phone (390×844): every main page fits without sideways scrolling, lists are cards,
a tapped phone number offers to log the call, and the offline page stands in for the server."""

import datetime
import re

from django.utils import timezone
from playwright.sync_api import expect

from kehu.activities import services as activities
from kehu.customers import services as customers
from kehu.sales.leads import services as leads
from kehu.sales.models import Order
from kehu.sales.quotes import services as quotes
from tests.e2e.helpers import login
from tests.factories import make_company, make_person, make_user
from tests.sales.test_quotes import two_product_quote

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

#: whether the page scrolls sideways (and the widest element that sticks out on the right, to
#: say which one), or a table is wider than the screen inside a box that scrolls
OVERFLOW = """() => {
  const width = window.innerWidth;
  const out = document.documentElement.scrollWidth;
  const tables = [...document.querySelectorAll("table")].filter(
    (t) => t.getBoundingClientRect().right > width + 1);
  if (tables.length) return {table: tables[0].className, text: tables[0].textContent.slice(0, 60)};
  if (out <= width) return null;
  let worst = null;
  for (const el of document.querySelectorAll("body *")) {
    const right = el.getBoundingClientRect().right;
    if (right > width + 1 && (!worst || right > worst.right)) {
      const text = (el.textContent || "").slice(0, 40);
      worst = {right, tag: el.tagName, cls: el.className, text};
    }
  }
  return {scrollWidth: out, worst};
}"""


def _records():
    admin = make_user("boss", role="Administrator", superuser=True, first_name="Bo")
    quote, deal = two_product_quote(admin, admin)
    lines = [{"product": line.product_id, "quantity": "1"} for line in quote.lines.all()]
    accepted = quotes.accept_quote(
        admin, quotes.create_quote(admin, {"deal": deal.pk, "lines": lines})
    )
    order = Order.objects.get(quote=accepted)
    company = make_company(
        admin,
        "上海浦东发展银行股份有限公司信用卡中心",
        phone="02168889999",
        address="上海市浦东新区中山东一路12号",
        city="上海",
    )
    person = make_person(
        admin,
        "欧阳娜娜",
        phone="13912345678",
        email="nana.ouyang.with.a.very.long.address@example-company.com.cn",
        company=company.pk,
        title="华东区大客户销售总监",
    )
    make_person(admin, "欧阳娜娜", phone="13912345679")  # a look-alike for the queue
    customers.delete_person(admin, make_person(admin, "王芳"))
    lead = leads.create_lead(
        admin, {"name": "王小明", "company_name": "明日科技", "phone": "13800138000"}
    )
    activities.log_activity(
        admin, person, "task", {"subject": "给娜娜回电话", "due_at": timezone.now()}
    )
    activities.log_activity(
        admin,
        person,
        "meeting",
        {
            "subject": "季度回顾",
            "at": timezone.now(),
            "ends_at": timezone.now() + datetime.timedelta(hours=1),
        },
    )
    return {
        "person": person,
        "company": company,
        "lead": lead,
        "deal": deal,
        "quote": quote,
        "order": order,
    }


def test_every_main_page_fits_a_phone_and_lists_are_cards(new_page, server_errors):
    records = _records()
    page = new_page(**PHONE)
    login(page, "boss")
    pages = [
        "/", "/my-day/", "/calendar/", "/deals/board/", "/deals/mine/", "/deals/forecast/",
        "/people/", "/companies/", "/leads/", "/deals/", "/quotes/", "/orders/",
        "/recycle-bin/", "/duplicates/people/", "/notifications/", "/activities/add/",
        "/settings/users/", "/settings/teams/", "/settings/roles/", "/settings/fields/",
        "/settings/pipelines/", "/settings/exchange-rates/", "/settings/assignment/",
        "/settings/email-templates/", "/settings/scoring/", "/settings/seller/",
        "/profile/", "/profile/tokens/", "/products/", "/price-lists/", "/import/",
        f"/quotes/{records['quote'].pk}/edit/",
        *(record.get_absolute_url() for record in records.values()),
    ]  # fmt: skip
    too_wide = {}
    for url in pages:
        page.goto(url)
        expect(page.locator("h1").first).to_be_visible()
        wide = page.evaluate(OVERFLOW)
        if wide:
            too_wide[url] = wide
    assert not too_wide, too_wide

    # a list is a stack of cards: one row a card, each value labelled with its column
    page.goto("/people/")
    table = page.locator("table.list")
    assert table.evaluate("t => getComputedStyle(t).display") == "block"
    assert page.locator("table.list thead th").first.evaluate(
        "th => getComputedStyle(th).display"
    ) in ("block", "none")
    phone_cell = page.locator("table.list tbody td", has=page.locator("a[href^='tel:']")).first
    expect(phone_cell).to_have_attribute("data-label", "Phone")
    label = phone_cell.evaluate("td => getComputedStyle(td, '::before').content")
    assert label == '"Phone"'
    # the header keeps what a phone needs: full-width search, quick add, the bell
    box = page.locator("#global-search").bounding_box()
    assert box and box["width"] > 390 - 40
    expect(page.locator("#quick-add-link")).to_be_in_viewport()
    expect(page.locator("header a.bell")).to_be_in_viewport()
    assert not server_errors


def test_a_tapped_phone_number_offers_to_log_the_call(new_page, server_errors):
    admin = make_user("boss", role="Administrator", superuser=True)
    person = make_person(admin, "欧阳娜娜", phone="13912345678", email="nana@example.com")
    page = new_page(**PHONE)
    login(page, "boss")
    page.goto(person.get_absolute_url())
    offer = page.locator("#call-offer")
    expect(offer).to_be_hidden()
    number = page.locator("dl.props a[href='tel:+8613912345678']")
    # the dialler is the phone's business: keep the browser on the page, as a phone does
    number.evaluate("a => a.addEventListener('click', e => e.preventDefault())")
    number.tap()
    expect(offer).to_be_visible()
    expect(offer).to_contain_text("欧阳娜娜")
    offer.get_by_role("button", name="Not now").tap()
    expect(offer).to_be_hidden()
    number.tap()
    offer.get_by_role("link", name="Log the call").tap()
    expect(page).to_have_url(re.compile(rf"/activities/on/person/{person.pk}/call/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("New call")
    page.get_by_label("Subject").fill("问了报价")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_url(re.compile(rf"/people/{person.pk}/$"))
    expect(page.locator(".timeline")).to_contain_text("问了报价")
    assert not server_errors


def test_offline_page_stands_in_when_the_server_cannot_be_reached(new_context, server_errors):
    context = new_context(**PHONE, service_workers="allow")
    page = context.new_page()
    page.goto("/login/")
    manifest = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest == "/manifest.webmanifest"
    page.evaluate("() => navigator.serviceWorker.ready.then(() => true)")
    context.set_offline(True)
    page.goto("/people/")
    expect(page.locator("h1").first).to_have_text("You are offline")
    expect(page.locator("h1[lang=zh-Hans]")).to_have_text("您已离线")
    context.set_offline(False)
    page.get_by_role("link", name=re.compile("Try again")).click()
    expect(page).to_have_url(re.compile(r"/login/"))
    assert not server_errors
