"""The home dashboards in the browser (issue 15 point 1): a rep's and a manager's dashboard,
a number that opens the filtered list behind it, and adding, removing and reordering widgets
(buttons without JavaScript, a drag with it), on a desktop and on a 390 px phone, in English
and in Chinese (each screen paired with one language, so both are covered cheaply)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from kehu.analytics.dashboards import services
from kehu.analytics.goals import services as goals
from kehu.sales.deals import services as sales_services
from tests.e2e.helpers import drag
from tests.e2e.test_page_walk import OVERFLOW, sign_in
from tests.factories import make_deal, make_team, make_user, stage

SCREENS = {
    "desktop": {"viewport": {"width": 1440, "height": 900}},
    "phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True},
}
WORDS = {
    "en": {"pipeline": "My open pipeline", "tasks": "Due today and overdue",
           "customise": "Customise", "add": "Add", "attainment": "Team attainment",
           "open_deals": "Open deals"},
    "zh-hans": {"pipeline": "我的进行中管道", "tasks": "今日到期与逾期", "customise": "自定义",
                "add": "添加", "attainment": "团队达成", "open_deals": "进行中商机"},
}  # fmt: skip


def widget_titles(page) -> list[str]:
    return [t.strip().lstrip("⠿").strip() for t in page.locator(".widget h2").all_inner_texts()]


@pytest.mark.parametrize(("screen", "language"), [("desktop", "en"), ("phone", "zh-hans")])
def test_a_rep_reads_their_dashboard_and_arranges_it(new_page, server_errors, screen, language):
    words = WORDS[language]
    rep = make_user("xiao.li", team=make_team("华南组"), first_name="小李", language=language)
    make_deal(rep, "深圳 大单", amount="2500")
    other = make_user("lao.wang", team=make_team("华北组"))
    make_deal(other, "北京 别人的单", amount="9999")
    page = new_page(locale=language, **SCREENS[screen])
    sign_in(page, "xiao.li")
    page.goto("/")
    pipeline = page.locator('[data-widget="my_pipeline"]')
    expect(pipeline.get_by_role("heading", name=words["pipeline"])).to_be_visible()
    expect(pipeline).to_contain_text("2,500.00 CNY")
    expect(pipeline).not_to_contain_text("9,999")
    assert page.evaluate(OVERFLOW) is None
    # the number opens the deal list filtered to the records behind it
    pipeline.locator(".widget-stat a").first.click()
    expect(page).to_have_url(re.compile(rf"/deals/\?owner={rep.pk}&status=open"))
    expect(page.locator("main")).to_contain_text("深圳 大单")
    expect(page.locator("main")).not_to_contain_text("北京 别人的单")
    # customise: remove a widget, add it back (last), move it up with its button
    page.goto("/")
    page.get_by_role("link", name=words["customise"]).click()
    tasks = page.locator('[data-widget="my_tasks"]')
    tasks.locator("form[action$='/dashboard/remove/'] button").click()
    expect(page.locator('[data-widget="my_tasks"]')).to_have_count(0)
    assert page.evaluate(OVERFLOW) is None
    page.select_option("#dashboard-add-widget", "my_tasks")
    page.locator(".dashboard-edit").get_by_role("button", name=words["add"], exact=True).click()
    expect(page.locator("[data-widget]").last).to_have_attribute("data-widget", "my_tasks")
    page.locator('[data-widget="my_tasks"] form[action$="/dashboard/move/"] button').click()
    expect(page.locator("[data-widget]").nth(-2)).to_have_attribute("data-widget", "my_tasks")
    assert services.layout_of(rep).ids[-2] == "my_tasks"
    if screen == "desktop":
        # a drag by the handle saves the new order (SortableJS)
        first = page.locator("[data-widget]").first
        handle = page.locator('[data-widget="my_tasks"] .drag-handle')
        with page.expect_navigation():
            drag(page, handle, first)
        expect(page.locator("[data-widget]").first).to_have_attribute("data-widget", "my_tasks")
        assert services.layout_of(rep).ids[0] == "my_tasks"
    assert words["tasks"] in page.locator('[data-widget="my_tasks"] h2').inner_text()


@pytest.mark.parametrize(("screen", "language"), [("desktop", "zh-hans"), ("phone", "en")])
def test_a_manager_sees_the_team_and_drills_into_a_members_wins(
    new_page, server_errors, screen, language
):
    words = WORDS[language]
    team = make_team("华东组")
    make_user("boss", role="Manager", team=team, first_name="Boss", language=language)
    rep = make_user("xiao.zhang", team=team, first_name="小张")
    won = make_deal(rep, "杭州 赢单", amount="3000")
    sales_services.move_deal(rep, won, stage("Won").pk)
    make_deal(rep, "杭州 还在谈", amount="1000")
    outsider = make_user("outsider", team=make_team("华北组"), first_name="外人")
    sales_services.move_deal(outsider, make_deal(outsider, "外面的单", amount="7777"),
                             stage("Won").pk)  # fmt: skip
    goals.create_goal(rep.__class__.objects.get(username="boss"), {
        "metric": "revenue_won", "period": "month", "start": timezone.localdate(),
        "user": rep.pk, "target": "6000"})  # fmt: skip
    page = new_page(locale=language, **SCREENS[screen])
    sign_in(page, "boss")
    page.goto("/")
    board = page.locator('[data-widget="team_attainment"]')
    expect(board.get_by_role("heading", name=words["attainment"])).to_be_visible()
    expect(board).to_contain_text("小张")
    expect(board).to_contain_text("3,000.00 CNY / 6,000.00 CNY · 50.0%")
    expect(page.locator("main")).not_to_contain_text("外人")
    expect(page.locator('[data-widget="pipeline_coverage"]')).to_be_visible()
    assert page.evaluate(OVERFLOW) is None
    board.get_by_role("link", name="小张").first.click()
    expect(page).to_have_url(re.compile(rf"/deals/\?owner={rep.pk}&status=won&close_from="))
    expect(page.locator("main")).to_contain_text("杭州 赢单")
    expect(page.locator("main")).not_to_contain_text("杭州 还在谈")


def test_a_saved_report_pinned_to_the_dashboard_shows_its_chart(new_page, server_errors):
    from kehu.analytics.reports import services as reports

    rep = make_user("xiao.chen", team=make_team("西南组"), first_name="小陈")
    make_deal(rep, "成都 单子", amount="800")
    report = reports.create_report(rep, {"name": "我的商机 by stage", "definition": {
        "record_type": "deal", "group_by": ["stage"], "measure": {"how": "count"},
        "chart": "bar"}})  # fmt: skip
    page = new_page()
    sign_in(page, "xiao.chen")
    page.goto(f"/reports/{report.pk}/")
    page.get_by_role("button", name="Pin to dashboard").click()
    expect(page.locator("#messages")).to_contain_text("pinned to your dashboard")
    page.goto("/")
    pinned = page.locator(f'[data-widget="report:{report.pk}"]')
    expect(pinned.get_by_role("heading", name="我的商机 by stage")).to_be_visible()
    expect(pinned.locator("[data-chart-canvas] svg")).to_be_visible()
