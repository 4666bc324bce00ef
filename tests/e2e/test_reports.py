"""Building a report in a real browser: choose deals, a filter, group by owner, sum the amounts
as a bar chart (the preview follows each choice), save it, and open it — on a desktop and on a
phone, with axe-core finding nothing serious."""

import pytest
from playwright.sync_api import expect

from kehu.analytics.reports.models import Report
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import login
from tests.factories import make_deal, make_team, make_user

WAIT_MS = 15_000


#: counts the builder's swaps: each choice waits for its own response to be swapped in, since
#: a choice made while an earlier response is on its way is lost when that one replaces the form
COUNT_SWAPS = (
    "document.addEventListener('htmx:afterSettle', () => {"
    " window.kehuSwaps = (window.kehuSwaps || 0) + 1; });"
)


def after_swap(page, change) -> None:
    """Make `change` in the builder and wait until the preview it asks for is swapped in."""
    before = page.evaluate("window.kehuSwaps || 0")
    change()
    page.wait_for_function("n => (window.kehuSwaps || 0) > n", arg=before, timeout=WAIT_MS)


def choose(page, name: str, value: str) -> None:
    """Pick a value in one of the builder's lists and wait for the preview to follow."""
    control = page.locator(f"#report-builder select[name={name}]")
    after_swap(page, lambda: control.select_option(value))
    expect(control).to_have_value(value, timeout=WAIT_MS)


@pytest.mark.parametrize(("width", "height"), [(1440, 900), (390, 844)])
def test_build_and_save_a_report_with_a_chart(new_page, server_errors, width, height):
    team = make_team("华东")
    manager = make_user("manager", role="Manager", team=team)
    rep = make_user("rep", role="Sales rep", team=team, first_name="张伟")
    make_deal(rep, "一号", amount="2500")
    make_deal(manager, "二号", amount="1500")

    page = new_page(viewport={"width": width, "height": height})
    page.add_init_script(COUNT_SWAPS)
    login(page, "manager")
    page.goto("/reports/")
    page.get_by_role("link", name="New report").click()
    page.wait_for_url("**/reports/new/**")
    page.wait_for_load_state()  # htmx (a deferred script) listens for the builder's changes
    choose(page, "record_type", "deal")
    choose(page, "f0_field", "amount")
    choose(page, "f0_op", "gt")
    value = page.locator("input[name=f0_value]")
    value.fill("1000")
    after_swap(page, lambda: value.dispatch_event("change"))
    choose(page, "g1", "owner")
    choose(page, "measure", "sum:amount")
    choose(page, "chart", "bar")
    canvas = page.locator("figure[data-chart] [data-chart-canvas]")
    expect(canvas.locator("svg")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("[data-report-total]").last).to_have_text("4,000.00 CNY")
    assert canvas.evaluate("c => c.getBoundingClientRect().width") <= width
    assert serious_violations(page) == []

    page.locator("input[name=name]").fill("按负责人的商机金额")
    page.get_by_role("button", name="Save report").click()
    expect(page.get_by_role("heading", name="按负责人的商机金额")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("figure[data-chart] [data-chart-canvas] svg")).to_be_visible(
        timeout=WAIT_MS
    )
    report = Report.objects.get(name="按负责人的商机金额")
    assert report.definition["group_by"] == ["owner"]
    assert report.definition["condition"]["all"][0]["field"] == "amount"
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert serious_violations(page) == []
    assert server_errors == []
