# mypy: disable-error-code="no-untyped-def"
"""REST route of the home dashboard (/api/v1/dashboards): the caller's dashboard, each widget
with its numbers, lines and chart, computed over what the caller may see (as the page)."""

from __future__ import annotations

import decimal
from typing import Literal

from ninja import Field, Router, Schema

from kehu.analytics.dashboards import services
from kehu.core.api_support import READ_ERRORS, ApiRequest
from kehu.web.charts import payload

dashboards_router = Router(tags=["dashboards"])


class StatOut(Schema):
    label: str
    text: str = Field(description="As shown: formatted in the request's language, “—” for none.")
    value: decimal.Decimal | None
    link: str | None = Field(description="The list page of the records behind the number.")
    note: str


class LineOut(Schema):
    label: str
    text: str
    link: str | None
    bar: float | None = Field(description="0–100 when the line is a share (a goal's attainment).")
    note: str


class SeriesOut(Schema):
    name: str
    values: list[float | None]
    texts: list[str]
    links: list[str | None]


class ChartOut(Schema):
    kind: str
    title: str
    unit: str
    currency: str
    categories: list[str]
    series: list[SeriesOut]


class WidgetOut(Schema):
    id: str = Field(description='A widget key ("my_pipeline") or a pinned report ("report:12").')
    label: str
    help: str
    stats: list[StatOut]
    lines: list[LineOut]
    chart: ChartOut | None
    empty: str = Field(description="When set: why there are no numbers yet, and what to do.")


class DashboardOut(Schema):
    role: Literal["rep", "manager", "admin"]
    source: Literal["own", "team", "default"] = Field(
        description="Your own layout, the one your team's manager published, or your role's."
    )
    widgets: list[WidgetOut]


def _number(value) -> decimal.Decimal | None:
    if value is None:
        return None
    return decimal.Decimal(str(value))


@dashboards_router.get(
    "", response={200: DashboardOut, **READ_ERRORS}, summary="Your home dashboard"
)
def get_dashboard(request: ApiRequest):
    """Your dashboard's widgets in order with their values, over the records you may see."""
    user = request.auth
    layout = services.layout_of(user)
    widgets = []
    for w in services.render(user, layout):
        s = w.shown
        widgets.append({
            "id": w.id, "label": w.label, "help": w.help, "empty": s.empty,
            "stats": [{"label": x.label, "text": x.text, "value": _number(x.value),
                       "link": x.link, "note": x.note} for x in s.stats],
            "lines": [{"label": x.label, "text": x.text, "link": x.link, "bar": x.bar,
                       "note": x.note} for x in s.lines],
            "chart": payload(s.chart) if s.chart else None,
        })  # fmt: skip
    return {"role": layout.role, "source": layout.source, "widgets": widgets}
