# mypy: disable-error-code="type-arg"
"""A list's URL filters read as rules of the condition language, so the lists filter through
the same compiler as saved views (and a filter's error stays on its URL parameter)."""

from typing import Any

from django.db.models import QuerySet

from kehu.core.conditions.compiler import narrow
from kehu.core.conditions.context import Context
from kehu.core.conditions.validation import ConditionError, parse


def narrow_by_params(
    qs: QuerySet, record_type: str, rules: dict[str, dict], ctx: Context
) -> tuple[QuerySet, dict[str, list[str]]]:
    """`qs` narrowed by every rule that holds (`rules`: URL parameter → rule); the others are
    left out and their messages returned under their parameter's name."""
    errors: dict[str, list[str]] = {}
    good: list[Any] = []
    for param, rule in rules.items():
        try:
            parse(record_type, rule)
        except ConditionError as exc:
            errors[param] = [m for messages in exc.errors.values() for m in messages]
            continue
        good.append(rule)
    if good:
        qs = narrow(qs, record_type, {"all": good}, ctx)
    return qs, errors
