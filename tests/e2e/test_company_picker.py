"""The company picker in the browser: type, pick with the keyboard, create the company typed,
on a desktop and on a phone; and the person list sorted by pinyin."""

import re

from playwright.sync_api import expect

from kehu.customers.models import Company, Person
from tests.e2e.helpers import login
from tests.factories import make_company, make_person, make_team, make_user


def company_box(page):
    return page.get_by_role("combobox", name="Company")


def test_type_and_pick_a_company_with_the_keyboard(page):
    user = make_user("lina", team=make_team("华东销售"))
    tencent = make_company(user, "腾讯科技")
    make_company(user, "阿里巴巴")
    login(page, "lina")
    page.goto("/people/new/")
    page.get_by_label(re.compile(r"^Name")).fill("马化腾")
    company_box(page).fill("tengxun")  # pinyin finds it
    option = page.get_by_role("option", name=re.compile("腾讯科技"))
    expect(option).to_be_visible()
    expect(company_box(page)).to_have_attribute("aria-expanded", "true")
    company_box(page).press("ArrowDown")
    expect(option).to_be_focused()
    option.press("Enter")
    expect(company_box(page)).to_have_value("腾讯科技")
    expect(company_box(page)).to_be_focused()
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("马化腾")
    assert Person.objects.get(name="马化腾").company_id == tencent.pk


def test_create_the_company_typed_on_a_phone(new_page):
    make_user("lina", team=make_team("华东销售"))
    page = new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    login(page, "lina")
    page.goto("/people/new/")
    page.get_by_label(re.compile(r"^Name")).fill("张小龙")
    company_box(page).fill("微信事业群")
    create = page.get_by_role("option", name=re.compile("Create company “微信事业群”"))
    expect(create).to_be_visible()
    create.tap()
    chosen = page.locator("[data-company-id]")
    expect(chosen).to_have_value(re.compile(r"^\d+$"))  # created, then chosen
    expect(company_box(page)).to_have_value("微信事业群")
    company = Company.objects.get(name="微信事业群")
    assert chosen.input_value() == str(company.pk)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways ({width}px)"
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("张小龙")
    assert Person.objects.get(name="张小龙").company == company


def test_typing_without_picking_a_known_name_still_chooses_it(page):
    user = make_user("lina")
    tencent = make_company(user, "腾讯科技")
    login(page, "lina")
    page.goto("/people/new/")
    page.get_by_label(re.compile(r"^Name")).fill("马化腾")
    company_box(page).fill("腾讯科技")
    company_box(page).press("Escape")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("马化腾")
    assert Person.objects.get(name="马化腾").company == tencent


def test_the_person_list_sorts_by_pinyin(page):
    user = make_user("lina")
    for name in ["张伟", "Li Na", "阿里巴巴", "李娜", "Zoe", "曾小贤"]:
        make_person(user, name)
    login(page, "lina")
    page.goto("/people/?sort=name")
    names = page.locator("td.name a").all_inner_texts()
    assert names == ["阿里巴巴", "Li Na", "李娜", "曾小贤", "张伟", "Zoe"]
