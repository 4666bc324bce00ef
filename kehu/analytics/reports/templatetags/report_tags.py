"""The builder's per-row choices, for templates: `form|report_operators:row` …"""

from typing import Any

from django import template

register = template.Library()


@register.filter
def report_operators(form: Any, row: Any) -> list[tuple[str, str]]:
    return form.operators(row)


@register.filter
def report_takes_value(form: Any, row: Any) -> bool:
    return bool(form.takes_value(row))


@register.filter
def report_value_choices(form: Any, row: Any) -> list[tuple[str, str]] | None:
    return form.value_choices(row)
