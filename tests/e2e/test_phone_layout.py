"""Kehu on a phone (390×844): lists are cards, a tapped phone number offers to log the call,
and the offline page stands in for the server."""

import re

from playwright.sync_api import expect

from tests.e2e.helpers import login
from tests.factories import make_company, make_person, make_user

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_lists_are_cards_and_the_header_keeps_search_add_and_bell(new_page, server_errors):
    """Whether every page fits the phone is the page walk's business
    (tests/e2e/test_page_walk.py); here, what a list and the header look like there."""
    admin = make_user("boss", role="Administrator", superuser=True, first_name="Bo")
    company = make_company(admin, "上海浦东发展银行股份有限公司信用卡中心", city="上海")
    make_person(admin, "欧阳娜娜", phone="13912345678", company=company.pk)
    page = new_page(**PHONE)
    login(page, "boss")
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
