"""A saved report pinned to a dashboard ("report:12"): its chart (or its total) for the viewer,
run over the records they may see, as the report's own page does. A report large enough to run
in the worker is never run here: the widget links to its page instead."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _

from kehu.analytics.dashboards.widgets import Ask, Shown, Stat

PREFIX = "report:"


def report_id(widget_id: str) -> int | None:
    """The report's id in a widget id "report:12", else None."""
    if not widget_id.startswith(PREFIX):
        return None
    digits = widget_id[len(PREFIX) :]
    if digits.isascii() and digits.isdigit() and 0 < int(digits) < 2**63:
        return int(digits)
    return None


def pinned(ask: Ask, report: Any) -> Shown:
    from kehu.analytics.reports import definition as definitions
    from kehu.analytics.reports import presenting, running

    link = reverse("report-detail", args=[report.pk])
    more = (_("Open the report"), link)
    try:
        parsed = definitions.parse(report.definition)
    except ValidationError:
        return Shown(empty=_("This report uses fields that no longer exist: edit it."),
                     action=more)  # fmt: skip
    if running.is_slow(parsed, ask.user):
        return Shown(empty=_("This report reads many records: it runs in the background on "
                             "its own page."), action=more)  # fmt: skip
    result = running.run(parsed, ask.user, now=ask.now)
    if not result.rows or (result.dimensions and not any(r.value.value for r in result.rows)):
        return Shown(empty=_("No records for this report yet."), action=more)
    chart_kind = parsed.chart if parsed.chart not in ("table", "pivot") else "bar"
    chart = presenting.chart_of(result, parsed.record_type, chart_kind, report.name)
    if chart is not None:
        from dataclasses import replace

        chart = replace(chart, key=f"w-report-{report.pk}")
    total = Stat(_("Total"), presenting.text(result.total, result), link, result.total.value,
                 result.total.reason)  # fmt: skip
    return Shown(stats=[] if chart else [total], chart=chart, more=more)
