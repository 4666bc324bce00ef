"""People in the browser: create with a Chinese name, find by pinyin, edit with a conflict."""

import re

from playwright.sync_api import expect

from kehu.customers.models import Person
from tests.e2e.helpers import global_search, login
from tests.factories import make_person, make_team, make_user


def field(page, label: str):
    """The form control whose label starts with `label` (required ones end with " *")."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}( \*)?$"))


def test_create_a_person_and_find_them_by_pinyin(page):
    make_user("lina", team=make_team("华东销售"))
    login(page, "lina")
    page.goto("/people/new/")
    field(page, "Name").fill("欧阳娜娜")
    field(page, "Phone").fill("13912345678")
    field(page, "Email").fill("nana.ouyang@example.com")
    field(page, "Job title").fill("采购经理")
    page.get_by_role("button", name="Create").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("欧阳娜娜")
    expect(page).to_have_url(re.compile(r"/people/\d+/$"))
    detail_url = page.url
    # stored E.164, shown national-style
    expect(page.get_by_role("link", name="139 1234 5678")).to_be_visible()
    person = Person.objects.get(name="欧阳娜娜")
    assert person.phone == "+8613912345678"

    page.goto("/")
    search = global_search(page)
    for query in ("ouyang", "oynn"):
        search.fill(query)
        option = page.locator("#search-popup").get_by_role("option", name=re.compile("欧阳娜娜"))
        expect(option).to_be_visible()
    page.locator("#search-popup").get_by_role("option", name=re.compile("欧阳娜娜")).click()
    expect(page).to_have_url(detail_url)
    expect(page.get_by_role("heading", level=1)).to_have_text("欧阳娜娜")


def test_a_search_that_finds_nothing_says_so(page):
    user = make_user("lina")
    make_person(user, "张伟")
    login(page, "lina")
    global_search(page).fill("qqqxyz")
    expect(page.locator("#search-popup")).to_contain_text("Nothing found")


def test_a_required_name_is_asked_for_and_nothing_is_saved(page):
    make_user("lina")
    login(page, "lina")
    page.goto("/people/new/")
    field(page, "Phone").fill("12345")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/people/new/$"))
    assert not Person.objects.exists()


def test_editing_at_the_same_time_shows_the_conflict_and_overwrites_only_when_asked(new_page):
    team = make_team("华南销售")
    rep = make_user("rep", team=team, first_name="Wei", last_name="Zhang")
    make_user("boss", role="Manager", team=team, first_name="Fang", last_name="Wang")
    person = make_person(rep, "李娜", title="销售代表")
    edit_url = f"/people/{person.pk}/edit/"

    mine, theirs = new_page(), new_page()
    login(mine, "rep")
    login(theirs, "boss")
    mine.goto(edit_url)
    theirs.goto(edit_url)

    field(theirs, "Job title").fill("销售总监")
    theirs.get_by_role("button", name="Save").click()
    expect(theirs.get_by_role("heading", level=1)).to_have_text("李娜")
    expect(theirs.get_by_text("销售总监").first).to_be_visible()

    field(mine, "Job title").fill("大客户经理")
    mine.get_by_role("button", name="Save").click()
    conflict = mine.get_by_role("alert")
    expect(conflict).to_contain_text("Someone else changed this record")
    expect(conflict).to_contain_text("Fang Wang")  # who made the other change
    row = conflict.get_by_role("row", name=re.compile("Job title"))
    expect(row).to_contain_text("销售总监")  # their value, saved now
    expect(row).to_contain_text("大客户经理")  # mine, not saved
    person.refresh_from_db()
    assert person.title == "销售总监"  # nothing was overwritten
    version = person.version

    conflict.get_by_role("button", name="Overwrite with my values").click()
    expect(mine.get_by_role("heading", level=1)).to_have_text("李娜")
    expect(mine.get_by_text("大客户经理").first).to_be_visible()
    person.refresh_from_db()
    assert person.title == "大客户经理"
    assert person.version == version + 1
