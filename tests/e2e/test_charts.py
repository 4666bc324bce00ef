"""The shared chart in a real browser, on the forecast page: ECharts draws it (SVG, Chinese
fonts) under the page's Content-Security-Policy, its tooltip shows the formatted amount, the
"Table" button shows the same numbers as a table and back, a click on a bar lands on the list of
the deals behind it, and axe-core finds nothing serious — on a desktop and on a phone, in
English and in Chinese."""

import re

import pytest
from playwright.sync_api import expect

from kehu.sales.forecast import services as forecast
from kehu.web.charts import Chart, Series
from tests.e2e.accessibility import serious_violations
from tests.e2e.helpers import login
from tests.e2e.test_content_security_policy import watch
from tests.factories import make_team, make_user
from tests.sales.test_forecast import deal, won_in
from tests.web.test_charts import render

WAIT_MS = 15_000

#: where the first bar of the first series (won) is on the screen, from ECharts' own layout
FIRST_BAR_CENTRE = """(canvas) => {
  const chart = echarts.getInstanceByDom(canvas);
  const bar = chart.getModel().getSeriesByIndex(0).getData().getItemLayout(0);
  const box = canvas.getBoundingClientRect();
  return [box.left + bar.x + bar.width / 2, box.top + bar.y + bar.height / 2];
}"""


#: whether the forecast chart's y axis is of the given type ("category": bars lie down)
LAID_DOWN = """(type) => echarts.getInstanceByDom(document.querySelector("[data-chart-canvas]"))
  .getOption().yAxis[0].type === type"""


@pytest.mark.parametrize(
    ("width", "height", "language", "table", "chart"),
    [(1440, 900, "en", "Table", "Chart"), (390, 844, "zh-hans", "表格", "图表")],
)
def test_the_forecast_chart_draws_shows_its_table_and_opens_the_deals_behind_a_bar(
    new_page, server_errors, width, height, language, table, chart
):
    team = make_team("华东")
    manager = make_user("manager", role="Manager", team=team, language=language)
    rep = make_user("rep", role="Sales rep", team=team, first_name="张伟")
    forecast.set_target(manager, forecast.parse_period("2026-Q4"), user=rep, amount="10000")
    won = deal(rep, "2500", "Won")
    won_in(won, "2026-10-20")
    deal(rep, "4000", "Proposal", close="2026-12-31")
    deal(manager, "1500", "Proposal", close="2026-11-02")

    page = new_page(viewport={"width": width, "height": height})
    problems = watch(page)
    login(page, "manager")
    page.goto("/deals/forecast/?period=2026-Q4&group=owner")
    figure = page.locator("figure[data-chart]")
    canvas = figure.locator("[data-chart-canvas]")
    expect(canvas.locator("svg")).to_be_visible(timeout=WAIT_MS)
    won_bars = canvas.locator('svg path[fill="#1d4ed8"]')  # the first colour: the won series
    expect(won_bars.first).to_be_visible(timeout=WAIT_MS)
    assert canvas.evaluate("c => c.getBoundingClientRect().width") <= width
    fonts = canvas.locator("svg text").first.evaluate("t => getComputedStyle(t).fontFamily")
    assert "WenQuanYi Micro Hei" in fonts
    horizontal = canvas.evaluate("c => echarts.getInstanceByDom(c).getOption().yAxis[0].type")
    assert horizontal == ("category" if width < 560 else "value")  # bars lie down on a phone
    assert serious_violations(page) == []

    # the table is there for screen readers while the chart shows, and on demand for everyone
    numbers = page.get_by_role("table", name=figure.locator("figcaption").inner_text())
    expect(numbers).to_be_attached()
    offscreen = figure.locator("[data-chart-table]")
    assert offscreen.evaluate("t => t.getBoundingClientRect().width") < 4  # off screen
    figure.get_by_role("button", name=table, exact=True).click()
    expect(numbers).to_be_visible()
    expect(numbers.get_by_role("cell", name="2,500.00 CNY")).to_be_visible()
    expect(canvas).to_be_hidden()
    assert serious_violations(page) == []
    figure.get_by_role("button", name=chart, exact=True).click()
    expect(canvas.locator("svg")).to_be_visible()

    # on paper: the chart and its table, no button
    page.emulate_media(media="print")
    expect(numbers).to_be_visible()
    assert offscreen.evaluate("t => t.getBoundingClientRect().width") > 200
    expect(canvas.locator("svg")).to_be_visible()
    expect(figure.get_by_role("button", name=table, exact=True)).to_be_hidden()
    page.emulate_media(media="screen")

    if width > 560:  # the window narrows to a phone's: the chart follows, its bars lie down
        page.set_viewport_size({"width": 390, "height": 844})
        page.wait_for_function(LAID_DOWN, arg="category")
        assert canvas.evaluate("c => c.getBoundingClientRect().right") <= 390
        page.set_viewport_size({"width": width, "height": height})
        page.wait_for_function(LAID_DOWN, arg="value")

    # hovering the won bar shows its amount; clicking it opens the deals won in the quarter
    x, y = canvas.evaluate(FIRST_BAR_CENTRE)
    page.mouse.move(x, y)
    expect(canvas.locator(".chart-tip")).to_contain_text("2,500.00 CNY", timeout=WAIT_MS)
    page.mouse.click(x, y)
    drill_down = f"/deals/?owner={rep.pk}&status=won&close_from=2026-10-01&close_to=2026-12-31"
    expect(page).to_have_url(re.compile(re.escape(drill_down) + "$"), timeout=WAIT_MS)
    expect(page.get_by_role("link", name=won.name)).to_be_visible()
    expect(page.get_by_role("link", name="d4000")).to_have_count(0)
    assert not problems, "Console errors or CSP violations:\n" + "\n".join(problems)
    assert not server_errors


def test_every_kind_of_chart_draws_on_a_phone_and_added_later_by_htmx(new_page, server_errors):
    """Each kind a dashboard may use draws at 390 px within the screen, from a figure put into
    the page after it loaded (as an htmx swap does), with a hostile label shown as text."""
    make_user("boss", role="Administrator", superuser=True)
    categories = ["网站", "<img src=x onerror=window.pwned=1>", "展会"]
    one = [Series("线索", [12, 3, None], ["/leads/?source=web", None, None])]
    two = [*one, Series("商机", [4, 1, 2])]
    specs = [
        Chart(kind="line", title="line", categories=categories, series=two, unit="days"),
        Chart(kind="stacked_bar", title="stacked", categories=categories, series=two),
        Chart(kind="pie", title="pie", categories=categories, series=one, unit="percent"),
        Chart(kind="donut", title="donut", categories=categories, series=one),
        Chart(kind="funnel", title="funnel", categories=categories, series=one),
    ]
    empty = Chart(kind="bar", title="empty", categories=[], series=[Series("线索", [])])
    html = "".join(render(spec) for spec in [*specs, empty])

    page = new_page(viewport={"width": 390, "height": 844})
    problems = watch(page)
    login(page, "boss")
    page.goto("/deals/forecast/")  # a page that loads the chart scripts
    page.evaluate(
        """(html) => {
            const box = document.createElement("section");
            box.innerHTML = html;
            document.querySelector("main").append(box);
            box.dispatchEvent(new CustomEvent("htmx:load", { bubbles: true }));
        }""",
        html,
    )
    for spec in specs:
        canvas = page.locator(f"#chart-{spec.key} [data-chart-canvas]")
        expect(canvas.locator("svg")).to_be_visible(timeout=WAIT_MS)
        first_colour = 'svg path[fill="#1d4ed8"], svg path[stroke="#1d4ed8"]'  # a line: stroke
        expect(canvas.locator(first_colour).first).to_be_attached()
        assert canvas.evaluate("c => c.getBoundingClientRect().right") <= 390
    # a chart with nothing to draw keeps its table, which says so
    expect(page.locator(f"#chart-{empty.key}")).to_contain_text("Nothing to show for this chart.")
    expect(page.locator(f"#chart-{empty.key} [data-chart-toggle]")).to_be_hidden()
    assert page.evaluate("window.pwned") is None
    expect(page.locator("svg text", has_text="<img src=x").first).to_be_attached()
    assert serious_violations(page) == []
    assert not problems, "Console errors or CSP violations:\n" + "\n".join(problems)


def test_without_script_the_chart_is_its_table(new_page):
    rep = make_user("rep", role="Sales rep")
    won_in(deal(rep, "2500", "Won"), "2026-10-20")
    page = new_page(java_script_enabled=False)
    login(page, "rep")
    page.goto("/deals/forecast/?period=2026-Q4")
    figure = page.locator("figure[data-chart]")
    expect(figure.get_by_role("table")).to_be_visible()
    expect(figure.get_by_role("cell", name="2,500.00 CNY")).to_be_visible()
    expect(figure.get_by_role("button")).to_be_hidden()
    expect(figure.locator("[data-chart-canvas]")).to_be_hidden()
