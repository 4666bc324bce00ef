"""Charts: a page describes one as a `Chart` (what to show, in numbers and words) and renders it
with `{% load chart_tags %}{% chart spec %}` (and `{% chart_scripts %}` in its scripts block).

What reaches the browser is a `<figure>` holding the drawing area, the numbers as JSON in a
`<script type="application/json">` (data, never run: allowed by the page's CSP) and a real
`<table>` of the same numbers, already formatted in the reader's language. The table is the
accessible view (screen readers read it, it prints, a button shows it instead of the chart);
kehu/web/static/kehu/charts.js draws the JSON with Apache ECharts and follows the drill-down
links on a click. Decision: docs/decisions/0034-charts.md.
"""

from __future__ import annotations

import decimal
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

Kind = Literal["bar", "stacked_bar", "line", "pie", "donut", "funnel"]
Unit = Literal["count", "money", "percent", "days", "hours"]
Number = decimal.Decimal | int | float

KINDS: tuple[str, ...] = ("bar", "stacked_bar", "line", "pie", "donut", "funnel")
UNITS: tuple[str, ...] = ("count", "money", "percent", "days", "hours")
#: kinds that show one series as parts of a whole (one segment per category)
ONE_SERIES_KINDS = ("pie", "donut", "funnel")
EMPTY = "—"


def _link(url: str | None) -> str | None:
    """A drill-down link must be a path on this site (`/deals/?owner=3`): nothing from data
    may make a chart open `javascript:` or another site."""
    if not url:
        return None
    if not url.startswith("/") or url.startswith("//") or "\\" in url:
        raise ValueError(f"a chart's drill-down link must be a path on this site: {url!r}")
    return url


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category (None: no value, shown as "—").
    `links`: per value, where a click on it leads; a None falls back to the category's link."""

    name: str
    values: Sequence[Number | None]
    links: Sequence[str | None] | None = None


@dataclass(frozen=True)
class Chart:
    """What a chart shows. `links`: per category, the list of the records behind it (the same
    list pages, filtered). `category_label` heads the table's first column (say "Owner").
    Money needs its `currency` (ISO code); all values of a chart share one unit."""

    kind: Kind
    title: str
    categories: Sequence[str]
    series: Sequence[Series]
    unit: Unit = "count"
    currency: str = ""
    links: Sequence[str | None] | None = None
    category_label: str = ""
    note: str = ""  # a line under the chart: what is counted, where the numbers come from
    key: str = field(default_factory=lambda: secrets.token_hex(4))  # the element ids' part

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown chart kind {self.kind!r}; one of {KINDS}")
        if self.unit not in UNITS:
            raise ValueError(f"unknown chart unit {self.unit!r}; one of {UNITS}")
        if self.unit == "money" and not self.currency:
            raise ValueError("a money chart needs its currency")
        if self.kind in ONE_SERIES_KINDS and len(self.series) != 1:
            raise ValueError(f"a {self.kind} chart shows exactly one series")
        count = len(self.categories)
        for series in self.series:
            if len(series.values) != count:
                raise ValueError(f"series {series.name!r} needs one value per category")
            if series.links is not None and len(series.links) != count:
                raise ValueError(f"series {series.name!r} needs one link (or None) per category")
        if self.links is not None and len(self.links) != count:
            raise ValueError("a chart needs one link (or None) per category")
        if not self.key.replace("-", "").replace("_", "").isalnum():
            raise ValueError("a chart's key is letters, digits, - and _")

    def link(self, series_index: int, category_index: int) -> str | None:
        """Where a click on one value leads: its own link, else its category's."""
        own = self.series[series_index].links
        if own is not None and own[category_index]:
            return _link(own[category_index])
        return _link(self.links[category_index]) if self.links is not None else None


def _number(value: Number) -> str:
    """1234567 → 1,234,567; 2.50 → 2.5; at most two decimals (grouped alike in both languages)."""
    exact = decimal.Decimal(str(value))  # a float by its shortest repr: 0.1 stays 0.1
    if exact == exact.to_integral_value():
        return f"{int(exact):,}"
    return f"{exact.quantize(decimal.Decimal('0.01')):,f}".rstrip("0").rstrip(".")


def format_value(value: Number | None, unit: str, currency: str = "") -> str:
    """A value as a reader reads it, in the active language: "1,234,567.50 CNY", "45%",
    "12 days" / "12 天", "1,204"; no value is "—"."""
    if value is None:
        return EMPTY
    if unit == "money":
        return f"{decimal.Decimal(str(value)):,.2f} {currency}".rstrip()
    if unit == "percent":
        return f"{_number(value)}%"
    if unit == "days":
        shown = _number(value)
        count = int(value) if float(value).is_integer() else 2  # plural for fractions
        return ngettext("%(days)s day", "%(days)s days", count) % {"days": shown}
    if unit == "hours":
        shown = _number(value)
        count = int(value) if float(value).is_integer() else 2
        return ngettext("%(hours)s hour", "%(hours)s hours", count) % {"hours": shown}
    return _number(value)


def _axis_name(chart: Chart) -> str:
    if chart.unit == "money":
        return chart.currency
    if chart.unit == "percent":
        return "%"
    if chart.unit == "days":
        return _("days")
    if chart.unit == "hours":
        return _("hours")
    return ""


def payload(chart: Chart) -> dict[str, Any]:
    """What charts.js draws: numbers as JSON numbers (None: null), each with its formatted
    text for tooltips, and each point's drill-down link."""
    return {
        "kind": chart.kind,
        "title": chart.title,
        "unit": chart.unit,
        "currency": chart.currency,
        "axis": _axis_name(chart),
        "categories": [str(c) for c in chart.categories],
        "series": [
            {
                "name": str(series.name),
                "values": [None if v is None else float(v) for v in series.values],
                "texts": [format_value(v, chart.unit, chart.currency) for v in series.values],
                "links": [chart.link(s, c) for c in range(len(chart.categories))],
            }
            for s, series in enumerate(chart.series)
        ],
    }


@dataclass(frozen=True)
class Cell:
    text: str
    link: str | None


def table_rows(chart: Chart) -> list[dict[str, Any]]:
    """The accessible table: one row per category, one cell per series, formatted."""
    rows = []
    for c, category in enumerate(chart.categories):
        category_link = _link(chart.links[c]) if chart.links is not None else None
        cells = [
            Cell(format_value(series.values[c], chart.unit, chart.currency), chart.link(s, c))
            for s, series in enumerate(chart.series)
        ]
        rows.append({"category": category, "link": category_link, "cells": cells})
    return rows
