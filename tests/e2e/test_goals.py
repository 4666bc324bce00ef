"""A manager sets a goal for a rep of their team and reads its pacing, on a desktop and on a
phone: the form, the goal's page (actual, expected today, status, pacing table) and the list
with its progress bar, none scrolling sideways."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.analytics.goals.models import Goal
from kehu.sales.deals import services as sales_services
from tests.e2e.helpers import login
from tests.e2e.test_page_walk import OVERFLOW
from tests.factories import make_deal, make_team, make_user, stage

SCREENS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}


@pytest.mark.parametrize("screen", SCREENS)
def test_a_manager_sets_a_goal_for_a_rep_and_sees_the_pacing(new_page, server_errors, screen):
    team = make_team("华南组")
    make_user("boss", role="Manager", team=team, first_name="Boss")
    rep = make_user("xiao.li", role="Sales rep", team=team, first_name="小李")
    won = make_deal(rep, "深圳 大单", amount="2500")
    sales_services.move_deal(rep, won, stage("Won").pk)
    page = new_page(**SCREENS[screen])
    login(page, "boss")
    page.goto("/goals/")
    page.get_by_role("link", name="Set a goal").first.click()
    # the picker shows what the chosen metric means
    page.select_option("select[name=metric]", "deals_won")
    expect(page.locator("#goal-metric-definition")).to_contain_text("How many deals were won")
    page.select_option("select[name=metric]", "revenue_won")
    expect(page.locator("#goal-metric-definition")).to_contain_text("amounts of the deals won")
    page.select_option("select[name=subject]", f"user-{rep.pk}")
    page.select_option("select[name=period]", "month")
    page.fill("input[name=target]", "-1")
    page.get_by_role("button", name="Save").click()
    expect(page.locator(".errorlist")).to_contain_text("Enter a target between 0")
    assert page.evaluate(OVERFLOW) is None
    page.fill("input[name=target]", "10000")
    page.get_by_role("button", name="Save").click()
    goal = Goal.objects.get()
    expect(page).to_have_url(f"{page.url.split('/goals/')[0]}/goals/{goal.pk}/")
    expect(page.get_by_test_id("goal-actual")).to_have_text("2,500.00")
    today = timezone.localdate()
    first = today.replace(day=1)
    days = ((first + datetime.timedelta(days=32)).replace(day=1) - first).days
    expected = f"{(10000 * today.day / days):,.2f}"
    expect(page.get_by_test_id("goal-expected")).to_have_text(expected)
    expect(page.get_by_test_id("goal-status")).to_be_visible()
    expect(page.get_by_role("heading", name="Pacing")).to_be_visible()
    # the pacing line is drawn by the shared chart component (ECharts, as SVG)
    expect(page.locator("#chart-goal-pacing [data-chart-canvas] svg")).to_be_visible()
    expect(page.locator("body")).to_contain_text("深圳 大单")  # the record behind it
    assert page.evaluate(OVERFLOW) is None
    page.goto("/goals/")
    expect(page.locator("table.goals")).to_contain_text("小李")
    expect(page.locator(".goal-bar .done").first).to_be_attached()
    assert page.evaluate(OVERFLOW) is None
    assert not server_errors
