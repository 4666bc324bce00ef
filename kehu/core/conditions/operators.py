# mypy: disable-error-code="no-any-return, no-untyped-def"
"""Every operator, once: how it reads in SQL and how it reads in memory, side by side.

The compiler and the evaluator both take an operator from here, so a change to one meaning is
a change to both. Comparisons with an empty value (NULL, a missing relation) are false, as in
SQL; `ne`, `not_in`, `not_contains` and `has_not` are the negation of their positive twin, so an
empty value matches them (Django negates nullable columns the same way)."""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from kehu.core.conditions.context import Context

#: what an operator takes as its value
NONE, ONE, MANY, DAYS = "none", "one", "many", "days"


@dataclass(frozen=True)
class Operator:
    name: str
    label: Promise
    takes: str
    #: (field, value, context) → Q
    sql: Callable[[Any, Any, Context], Q]
    #: (actual value, value, context) → bool
    py: Callable[[Any, Any, Context], bool]


def _negated(op: Operator, name: str, label: Promise) -> Operator:
    return Operator(
        name,
        label,
        op.takes,
        lambda f, v, c: ~op.sql(f, v, c),
        lambda a, v, c: not op.py(a, v, c),
    )


def _less(a, v) -> bool:
    return a is not None and a < v


def _more(a, v) -> bool:
    return a is not None and a > v


def _day_bounds(day: datetime.date, ctx: Context) -> tuple[datetime.datetime, datetime.datetime]:
    return ctx.day_start(day), ctx.day_start(day + datetime.timedelta(days=1))


def _within(f, start, end) -> Q:
    """start ≤ value < end"""
    return f.cmp("gte", start) & f.cmp("lt", end)


def _moment_in(a, start, end) -> bool:
    return a is not None and start <= a < end


EQ = Operator("eq", _("is"), ONE, lambda f, v, c: f.cmp("exact", v), lambda a, v, c: a == v)
NE = _negated(EQ, "ne", _("is not"))
IN = Operator("in", _("is any of"), MANY, lambda f, v, c: f.cmp("in", v), lambda a, v, c: a in v)
NOT_IN = _negated(IN, "not_in", _("is none of"))
GT = Operator(
    "gt", _("is more than"), ONE, lambda f, v, c: f.cmp("gt", v), lambda a, v, c: _more(a, v)
)
GTE = Operator(
    "gte",
    _("is at least"),
    ONE,
    lambda f, v, c: f.cmp("gte", v),
    lambda a, v, c: a == v or _more(a, v),
)
LT = Operator(
    "lt", _("is less than"), ONE, lambda f, v, c: f.cmp("lt", v), lambda a, v, c: _less(a, v)
)
LTE = Operator(
    "lte",
    _("is at most"),
    ONE,
    lambda f, v, c: f.cmp("lte", v),
    lambda a, v, c: a == v or _less(a, v),
)
IS_EMPTY = Operator(
    "is_empty", _("is empty"), NONE, lambda f, v, c: f.empty(), lambda a, v, c: a in (None, "")
)
IS_NOT_EMPTY = _negated(IS_EMPTY, "is_not_empty", _("is not empty"))
CONTAINS = Operator(
    "contains",
    _("contains"),
    ONE,
    lambda f, v, c: f.cmp("icontains", v),
    lambda a, v, c: a is not None and v.lower() in a.lower(),
)
NOT_CONTAINS = _negated(CONTAINS, "not_contains", _("does not contain"))
STARTS_WITH = Operator(
    "starts_with",
    _("starts with"),
    ONE,
    lambda f, v, c: f.cmp("istartswith", v),
    lambda a, v, c: a is not None and a.lower().startswith(v.lower()),
)
IS_TRUE = Operator(
    "is_true", _("is yes"), NONE, lambda f, v, c: f.truth(True), lambda a, v, c: a is True
)
IS_FALSE = Operator(
    "is_false", _("is no"), NONE, lambda f, v, c: f.truth(False), lambda a, v, c: a is False
)
HAS = Operator("has", _("has"), ONE, lambda f, v, c: f.has(v), lambda a, v, c: v in (a or ()))
HAS_NOT = _negated(HAS, "has_not", _("does not have"))

# dates (a DateField): compared as days
ON = Operator("on", _("is on"), ONE, EQ.sql, EQ.py)
BEFORE = Operator("before", _("is before"), ONE, LT.sql, LT.py)
AFTER = Operator("after", _("is after"), ONE, GT.sql, GT.py)
ON_OR_BEFORE = Operator("on_or_before", _("is on or before"), ONE, LTE.sql, LTE.py)
ON_OR_AFTER = Operator("on_or_after", _("is on or after"), ONE, GTE.sql, GTE.py)


def _last_days(ctx: Context, days: int) -> tuple[datetime.date, datetime.date]:
    return ctx.today - datetime.timedelta(days=days), ctx.today


def _next_days(ctx: Context, days: int) -> tuple[datetime.date, datetime.date]:
    return ctx.today, ctx.today + datetime.timedelta(days=days)


def _day_range(name: str, label: Promise, span) -> Operator:
    def sql(f, v, c):
        first, last = span(c, v)
        return f.cmp("gte", first) & f.cmp("lte", last)

    def py(a, v, c):
        first, last = span(c, v)
        return a is not None and first <= a <= last

    return Operator(name, label, DAYS, sql, py)


IN_LAST_DAYS = _day_range("in_last_days", _("is in the last … days"), _last_days)
IN_NEXT_DAYS = _day_range("in_next_days", _("is in the next … days"), _next_days)


# moments (a DateTimeField): the value is a day in the context's time zone
def _moment_op(name: str, label: Promise, bounds) -> Operator:
    """`bounds(day or days, ctx)` → (start, end): the moments start ≤ m < end (None: open)."""

    def sql(f, v, c):
        start, end = bounds(v, c)
        q = Q()
        if start is not None:
            q &= f.cmp("gte", start)
        if end is not None:
            q &= f.cmp("lt", end)
        return q

    def py(a, v, c):
        start, end = bounds(v, c)
        if a is None:
            return False
        return (start is None or a >= start) and (end is None or a < end)

    return Operator(name, label, DAYS if "days" in name else ONE, sql, py)


def _next_day(day: datetime.date) -> datetime.date:
    return day + datetime.timedelta(days=1)


MOMENT_ON = _moment_op("on", ON.label, lambda d, c: _day_bounds(d, c))
MOMENT_BEFORE = _moment_op("before", BEFORE.label, lambda d, c: (None, c.day_start(d)))
MOMENT_AFTER = _moment_op("after", AFTER.label, lambda d, c: (c.day_start(_next_day(d)), None))
MOMENT_ON_OR_BEFORE = _moment_op(
    "on_or_before", ON_OR_BEFORE.label, lambda d, c: (None, c.day_start(_next_day(d)))
)
MOMENT_ON_OR_AFTER = _moment_op(
    "on_or_after", ON_OR_AFTER.label, lambda d, c: (c.day_start(d), None)
)
MOMENT_LAST_DAYS = _moment_op(
    "in_last_days",
    IN_LAST_DAYS.label,
    lambda n, c: (c.day_start(_last_days(c, n)[0]), c.day_start(_next_day(c.today))),
)
MOMENT_NEXT_DAYS = _moment_op(
    "in_next_days",
    IN_NEXT_DAYS.label,
    lambda n, c: (c.day_start(c.today), c.day_start(_next_day(_next_days(c, n)[1]))),
)

_COMMON_EMPTY = [IS_EMPTY, IS_NOT_EMPTY]

#: the operators of each field type, in the order a menu offers them
BY_TYPE: dict[str, dict[str, Operator]] = {
    "text": {o.name: o for o in [CONTAINS, NOT_CONTAINS, EQ, NE, STARTS_WITH, *_COMMON_EMPTY]},
    "choice": {o.name: o for o in [EQ, NE, IN, NOT_IN, *_COMMON_EMPTY]},
    "number": {o.name: o for o in [EQ, NE, GT, GTE, LT, LTE, *_COMMON_EMPTY]},
    "date": {
        o.name: o
        for o in [
            ON,
            BEFORE,
            AFTER,
            ON_OR_BEFORE,
            ON_OR_AFTER,
            IN_LAST_DAYS,
            IN_NEXT_DAYS,
            *_COMMON_EMPTY,
        ]
    },
    "datetime": {
        o.name: o
        for o in [
            MOMENT_ON,
            MOMENT_BEFORE,
            MOMENT_AFTER,
            MOMENT_ON_OR_BEFORE,
            MOMENT_ON_OR_AFTER,
            MOMENT_LAST_DAYS,
            MOMENT_NEXT_DAYS,
            *_COMMON_EMPTY,
        ]
    },
    "boolean": {o.name: o for o in [IS_TRUE, IS_FALSE]},
    "ref": {o.name: o for o in [EQ, NE, IN, NOT_IN, *_COMMON_EMPTY]},
    "user": {o.name: o for o in [EQ, NE, IN, NOT_IN, *_COMMON_EMPTY]},
    "tags": {o.name: o for o in [HAS, HAS_NOT]},
}

#: the longest "in the last/next … days" a condition may ask for
MAX_DAYS = 3660
