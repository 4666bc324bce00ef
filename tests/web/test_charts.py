"""The shared chart (kehu/web/charts.py, {% chart %}): what reaches the page is a figure with the
numbers as inert JSON and as a real table, formatted in the reader's language, with labels
always shown as text and drill-down links that stay on this site."""

import decimal
import json
import re
from html.parser import HTMLParser

import pytest
from django.template import Context, Template
from django.utils import translation

from kehu.web.charts import Chart, Series, format_value, payload
from tests.web.test_no_inline_markup import inline_markup


def render(spec: Chart) -> str:
    return Template("{% load chart_tags %}{% chart spec %}").render(Context({"spec": spec}))


def chart_data(html: str) -> dict:
    found = re.search(r'<script id="[^"]+" type="application/json">(.*?)</script>', html, re.S)
    assert found, html
    return json.loads(found.group(1))


class Table(HTMLParser):
    """The text of each table cell, row by row, and the links in it."""

    def __init__(self):
        super().__init__()
        self.rows: list[list[str]] = []
        self.links: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "a":
            self.links.append(dict(attrs)["href"])

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append("".join(self._cell).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def table_of(html: str) -> Table:
    table = Table()
    table.feed(html[html.index("<table") : html.index("</table>")])
    return table


def sales_chart(**overrides) -> Chart:
    spec = {
        "kind": "bar",
        "title": "Won by owner",
        "unit": "money",
        "currency": "CNY",
        "category_label": "Owner",
        "categories": ["张伟", "<script>alert(1)</script>"],
        "series": [
            Series("Won", [decimal.Decimal("1234567.5"), None], ["/deals/?owner=1", None]),
            Series("Target", [2000000, decimal.Decimal("0")]),
        ],
        "links": ["/deals/?owner=1&status=open", "/deals/?owner=2"],
        "key": "sales",
    }
    return Chart(**{**spec, **overrides})


def test_a_label_that_looks_like_markup_is_shown_as_text():
    html = render(sales_chart())
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # the table shows it as text
    data = chart_data(html)  # the JSON carries it escaped, read back unchanged
    assert data["categories"][1] == "<script>alert(1)</script>"
    assert "\\u003Cscript\\u003E" in html
    # nothing the page's Content-Security-Policy would block: the data script is inert JSON
    assert inline_markup(html) == []


def test_the_table_holds_the_same_numbers_formatted_with_no_value_as_a_dash():
    html = render(sales_chart())
    table = table_of(html)
    assert table.rows == [
        ["Owner", "Won", "Target"],
        ["张伟", "1,234,567.50 CNY", "2,000,000.00 CNY"],
        ["<script>alert(1)</script>", "—", "0.00 CNY"],
    ]
    data = chart_data(html)
    won, target = data["series"]
    assert won["values"] == [1234567.5, None] and target["values"] == [2000000.0, 0.0]
    assert won["texts"] == ["1,234,567.50 CNY", "—"]
    assert data["unit"] == "money" and data["axis"] == "CNY"


def test_a_value_opens_its_own_link_or_else_its_categorys():
    spec = sales_chart()
    data = payload(spec)
    won, target = data["series"]
    assert won["links"] == ["/deals/?owner=1", "/deals/?owner=2"]
    assert target["links"] == ["/deals/?owner=1&status=open", "/deals/?owner=2"]
    links = table_of(render(spec)).links
    # category names link to their lists; a dash links nowhere
    assert links == [
        "/deals/?owner=1&status=open",
        "/deals/?owner=1",
        "/deals/?owner=1&status=open",
        "/deals/?owner=2",
        "/deals/?owner=2",
    ]


@pytest.mark.parametrize(
    "link", ["javascript:alert(1)", "https://evil.example/", "//evil.example/", "/\\evil"]
)
def test_a_drill_down_link_must_stay_on_this_site(link):
    with pytest.raises(ValueError, match="path on this site"):
        payload(sales_chart(links=[link, None]))


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"kind": "radar"}, "unknown chart kind"),
        ({"unit": "kg"}, "unknown chart unit"),
        ({"currency": ""}, "needs its currency"),
        ({"kind": "pie"}, "exactly one series"),
        ({"categories": ["only one"]}, "one value per category"),
        ({"links": ["/a/"]}, "one link"),
        ({"key": "a b"}, "key"),
    ],
)
def test_a_chart_that_cannot_be_drawn_is_refused_where_it_is_made(change, problem):
    with pytest.raises(ValueError, match=problem):
        sales_chart(**change)


@pytest.mark.parametrize(
    ("value", "unit", "english", "chinese"),
    [
        (decimal.Decimal("1234567.5"), "money", "1,234,567.50 CNY", "1,234,567.50 CNY"),
        (0, "money", "0.00 CNY", "0.00 CNY"),
        (12034, "count", "12,034", "12,034"),
        (decimal.Decimal("45.50"), "percent", "45.5%", "45.5%"),
        (1, "days", "1 day", "1 天"),
        (12.25, "days", "12.25 days", "12.25 天"),
        (None, "money", "—", "—"),
        (None, "days", "—", "—"),
        (1, "hours", "1 hour", "1 小时"),
        (decimal.Decimal("2.5"), "hours", "2.5 hours", "2.5 小时"),
    ],
)
def test_values_read_the_way_people_write_them_in_both_languages(value, unit, english, chinese):
    with translation.override("en"):
        assert format_value(value, unit, "CNY") == english
    with translation.override("zh-hans"):
        assert format_value(value, unit, "CNY") == chinese


def test_the_figure_speaks_the_readers_language():
    spec = Chart(
        kind="donut",
        title="来源",
        categories=["网站", "展会"],
        series=[Series("线索", [3, None])],
        unit="days",
    )
    with translation.override("zh-hans"):
        html = render(spec)
    assert ">表格<" in html and 'data-show-chart="图表"' in html
    assert table_of(html).rows[1:] == [["网站", "3 天"], ["展会", "—"]]
    assert chart_data(html)["axis"] == "天"


def test_each_figure_has_its_own_ids():
    one = Chart(kind="line", title="a", categories=["x"], series=[Series("s", [1])])
    two = Chart(kind="line", title="a", categories=["x"], series=[Series("s", [1])])
    assert one.key != two.key
    html = render(one) + render(two)
    ids = re.findall(r'id="([^"]+)"', html)
    assert len(ids) == len(set(ids)) == 8


def test_echarts_is_served_by_whitenoise_compressed_and_long_cached(tmp_path, settings):
    """As `kehu serve` does (collectstatic with the compressed manifest storage): the 1.1 MB
    library travels gzip-compressed (about a third) and is cached for good."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.core.management import call_command
    from django.test import Client

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = False
    call_command("collectstatic", interactive=False, verbosity=0)
    url = staticfiles_storage.url("vendor/echarts/dist/echarts.min.js")
    assert url != "/static/vendor/echarts/dist/echarts.min.js"  # named by its content
    response = Client().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate")
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert int(response["Content-Length"]) < 400_000
    assert "immutable" in response["Cache-Control"]
