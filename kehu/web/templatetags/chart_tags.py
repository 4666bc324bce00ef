"""`{% chart spec %}` renders a kehu.web.charts.Chart as its figure (drawing area, JSON data,
accessible table); `{% chart_scripts %}` loads ECharts and charts.js, in a page's scripts
block."""

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kehu.web.charts import Chart, payload, table_rows

register = template.Library()


@register.inclusion_tag("web/_chart.html")
def chart(spec: Chart) -> dict:
    return {
        "chart": spec,
        "rows": table_rows(spec),
        "data": payload(spec),
        "data_id": f"chart-{spec.key}-data",
    }


@register.simple_tag
def chart_scripts() -> SafeString:
    """The two scripts a page with charts needs (vendored ECharts, then Kehu's charts.js)."""
    return format_html(
        '<script src="{}" defer></script>\n  <script src="{}" defer></script>',
        static("vendor/echarts/dist/echarts.min.js"),
        static("kehu/charts.js"),
    )
