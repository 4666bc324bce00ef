"""A report's result as people read it: a chart (the shared component, kehu/web/charts.py), a
table (a pivot for two dimensions) with each cell opening the list of the records behind it
where that list can filter by the cell's groups, and the rows an export writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from kehu.analytics.reports.running import Result, Value
from kehu.web.charts import EMPTY, Chart, Series, format_value

#: the list page of each record type, and the URL filter each dimension maps to on it
LISTS: dict[str, tuple[str, dict[str, str]]] = {
    "person": ("person-list", {"owner": "owner", "tags": "tag"}),
    "company": ("company-list", {"owner": "owner", "tags": "tag"}),
    "deal": ("deal-list", {"owner": "owner", "stage": "stage", "pipeline": "pipeline",
                           "status": "status"}),
    "lead": ("lead-list", {"owner": "owner", "status": "status", "source": "source"}),
    "quote": ("quote-list", {"owner": "owner", "status": "status"}),
    "order": ("order-list", {"owner": "owner", "status": "status"}),
}  # fmt: skip


def link_for(record_type: str, dims: list[dict[str, str]], keys: tuple[Any, ...]) -> str | None:
    """The list of the records of one cell (filtered by every dimension of it), or None when
    the list cannot filter by one of them (a month, a team) or a key is empty."""
    found = LISTS.get(record_type)
    if found is None or not dims:
        return None
    name, params = found
    query = {}
    for dim, key in zip(dims, keys, strict=False):
        param = params.get(dim["key"])
        if param is None or key in (None, ""):
            return None
        query[param] = str(key)
    return f"{reverse(name)}?{urlencode(query)}"


def text(value: Value, result: Result) -> str:
    return format_value(value.value, result.measure["unit"], result.currency)


def _number(value: Value | None) -> Any:
    return value.value if value is not None else None


def chart_of(result: Result, record_type: str, chart: str, title: str) -> Chart | None:
    """The chart of the result, or None for a table or pivot (or nothing to draw)."""
    if chart in ("table", "pivot") or not result.dimensions or not result.rows:
        return None
    dims = result.dimensions
    unit = result.measure["unit"]
    currency = result.currency
    common: dict[str, Any] = {"unit": unit, "currency": currency, "title": title, "key": "report",
              "category_label": dims[0]["label"], "note": result.measure["label"]}  # fmt: skip
    if len(dims) == 1:
        return Chart(
            kind=chart,  # type: ignore[arg-type]
            categories=[r.labels[0] for r in result.rows],
            series=[Series(result.measure["label"], [_number(r.value) for r in result.rows])],
            links=[link_for(record_type, dims, r.keys) for r in result.rows],
            **common,
        )
    pivot = pivot_of(result, record_type)
    series = [
        Series(
            column_label,
            [_number(row.cells[c].value) for row in pivot.rows],
            [row.cells[c].link for row in pivot.rows],
        )
        for c, column_label in enumerate(pivot.column_labels)
    ]
    if chart in ("pie", "donut", "funnel"):
        chart = "bar"
    return Chart(
        kind=chart,  # type: ignore[arg-type]
        categories=[row.label for row in pivot.rows],
        series=series,
        links=[row.link for row in pivot.rows],
        **common,
    )


@dataclass(frozen=True)
class Cell:
    value: Value | None
    text: str
    link: str | None


@dataclass(frozen=True)
class PivotRow:
    label: str
    link: str | None
    cells: list[Cell]
    total: Cell


@dataclass(frozen=True)
class Pivot:
    column_labels: list[str]
    rows: list[PivotRow]
    column_totals: list[Cell]


def pivot_of(result: Result, record_type: str) -> Pivot:
    """Two dimensions as a grid: the first down, the second across, with each side's totals."""
    dims = result.dimensions
    row_keys: dict[Any, str] = {}
    column_keys: dict[Any, str] = {}
    values: dict[tuple[Any, Any], Value] = {}
    for r in result.rows:
        row_keys.setdefault(r.keys[0], r.labels[0])
        column_keys.setdefault(r.keys[1], r.labels[1])
        values[(r.keys[0], r.keys[1])] = r.value
    columns = sorted(column_keys, key=lambda k: (k in (None, ""), str(k)))
    if not dims[1]["key"].count(":"):  # not a date: by label
        columns = sorted(column_keys, key=lambda k: (k in (None, ""), column_keys[k].casefold()))
    row_totals, column_totals = (result.totals + [{}, {}])[:2]
    rows = []
    for key, label in row_keys.items():
        cells = []
        for column in columns:
            value = values.get((key, column))
            link = link_for(record_type, dims, (key, column)) if value is not None else None
            cells.append(Cell(value, text(value, result) if value is not None else EMPTY, link))
        total = row_totals.get(key)
        rows.append(PivotRow(
            label, link_for(record_type, dims[:1], (key,)), cells,
            Cell(total, text(total, result) if total else EMPTY, None),
        ))  # fmt: skip
    totals = []
    for column in columns:
        total = column_totals.get(column)
        totals.append(
            Cell(total, text(total, result) if total else EMPTY,
                 link_for(record_type, dims[1:], (column,)))
        )  # fmt: skip
    return Pivot([column_keys[c] for c in columns], rows, totals)


def table_of(result: Result) -> list[list[Any]]:
    """The rows an export writes: a header, one row per group, the total; numbers as exact
    decimal text, "—" with its reason where there is no value."""
    header = [d["label"] for d in result.dimensions] + [result.measure["label"]]
    if result.currency:
        header[-1] = f"{header[-1]} ({result.currency})"
    lines: list[list[Any]] = [header]
    for r in result.rows if result.dimensions else []:
        lines.append([*r.labels, _cell(r.value)])
    lines.append([_("Total"), *[""] * (len(result.dimensions) - 1), _cell(result.total)]
                 if result.dimensions else [_cell(result.total)])  # fmt: skip
    if result.truncated:
        lines.append([_("Only the first %(n)s groups are shown.") % {"n": len(result.rows)}])
    return lines


def _cell(value: Value) -> Any:
    if value.value is None:
        return f"{EMPTY} {value.reason}".strip()
    return value.value if isinstance(value.value, int) else str(value.value)
