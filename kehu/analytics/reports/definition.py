"""A report definition: what to count, over which records, split how, drawn how.

A definition is JSON, checked by one function (`clean`), which answers a ValidationError whose
keys name the place at fault ("group_by.1", "measure.field", "condition.all.0.op"), so the API
answers 422 and the builder shows the error by its control:

    {"record_type": "deal",
     "condition": {"all": [{"field": "status", "op": "eq", "value": "won"}]},
     "group_by": ["owner", "closed_at:month"],
     "measure": {"how": "sum", "field": "amount"},
     "chart": "bar"}

Everything a report groups, filters or measures by is a field the record type registered with
the condition language (`kehu.core.conditions`): the request only picks registered keys, and the
ORM lookups and expressions they stand for are written by the registering app.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core import conditions
from kehu.core.conditions.registry import ConditionField

MEASURES = ("count", "sum", "avg", "median", "min", "max")
CHARTS = ("bar", "stacked_bar", "line", "pie", "donut", "funnel", "table", "pivot")
DATE_PARTS = ("day", "week", "month", "quarter", "year")
MAX_DIMENSIONS = 2
#: the largest definition (as JSON) accepted, so a huge list is refused before it is read
MAX_SIZE = 20_000
KEYS = {"record_type", "condition", "group_by", "measure", "chart"}

PART_LABELS = {
    "day": gettext_lazy("day"),
    "week": gettext_lazy("week"),
    "month": gettext_lazy("month"),
    "quarter": gettext_lazy("quarter"),
    "year": gettext_lazy("year"),
}
MEASURE_LABELS = {
    "count": gettext_lazy("Count"),
    "sum": gettext_lazy("Sum"),
    "avg": gettext_lazy("Average"),
    "median": gettext_lazy("Median"),
    "min": gettext_lazy("Minimum"),
    "max": gettext_lazy("Maximum"),
}


@dataclass(frozen=True)
class Dimension:
    """One way a report may split its records: a registered field (owner, stage, a choice,
    tags) or a part of a registered date (`created_at:month`)."""

    key: str
    field: ConditionField
    part: str = ""  # a date part, for date fields

    @property
    def label(self) -> str:
        if self.part:
            return f"{self.field.label} · {PART_LABELS[self.part]}"
        return str(self.field.label)

    @property
    def is_date(self) -> bool:
        return bool(self.part)


@dataclass(frozen=True)
class Measure:
    how: str
    field: ConditionField | None = None

    @property
    def key(self) -> str:
        return self.how if self.field is None else f"{self.how}:{self.field.path}"

    @property
    def currency(self) -> str:
        """The lookup of the record's currency when the field is money, else ""."""
        if self.field is None:
            return ""
        return str(self.field.extra.get("currency", ""))

    @property
    def unit(self) -> str:
        return "money" if self.currency else "count"

    @property
    def label(self) -> str:
        if self.field is None:
            return str(MEASURE_LABELS["count"])
        return f"{MEASURE_LABELS[self.how]} · {self.field.label}"


@dataclass(frozen=True)
class Definition:
    """A checked definition: the record type, its condition (stored JSON), the dimensions,
    the measure and the chart."""

    record_type: str
    condition: dict[str, Any]
    dimensions: tuple[Dimension, ...]
    measure: Measure
    chart: str

    def as_json(self) -> dict[str, Any]:
        measure: dict[str, Any] = {"how": self.measure.how}
        if self.measure.field is not None:
            measure["field"] = self.measure.field.path
        return {
            "record_type": self.record_type,
            "condition": self.condition,
            "group_by": [d.key for d in self.dimensions],
            "measure": measure,
            "chart": self.chart,
        }


def _groupable(field: ConditionField) -> bool:
    """Fields whose values make sensible groups and whose keys have names a viewer may read:
    users (the company directory), teams, pipelines and stages (settings), choices and tags.
    Other references (a company) are left out: their names are records of their own."""
    if field.type in ("user", "choice", "tags"):
        return True
    return field.type == "ref" and field.lookup in NAMED_REFS


#: references whose names are settings everyone may read, by their lookup
NAMED_REFS: dict[str, Callable[[list[Any]], dict[Any, str]]] = {}


def _named_refs() -> dict[str, Callable[[list[Any]], dict[Any, str]]]:
    if not NAMED_REFS:
        from kehu.analytics.metrics import registry

        for key in ("team", "pipeline", "stage"):
            try:
                found = registry.dimension(key)
            except KeyError:
                continue
            if found.lookup and found.names is not None:
                NAMED_REFS[found.lookup] = found.names
    return NAMED_REFS


def names_for(field: ConditionField) -> Callable[[list[Any]], dict[Any, str]] | None:
    """How the keys of a reference or user field read as names."""
    if field.type == "user":
        from kehu.analytics.metrics.dimensions import user_names

        return user_names
    if field.type == "ref":
        return _named_refs().get(field.lookup)
    return None


def dimensions_of(record_type: str) -> dict[str, Dimension]:
    """Every dimension record type `record_type` offers, by key."""
    _named_refs()
    found: dict[str, Dimension] = {}
    for field in conditions.fields_of(record_type).values():
        if field.type in ("date", "datetime"):
            if not field.lookup:  # a custom date is text: no truncation in SQL
                continue
            for part in DATE_PARTS:
                key = f"{field.path}:{part}"
                found[key] = Dimension(key, field, part)
        elif _groupable(field) and (
            field.type == "tags" or field.lookup or field.expression is not None
        ):
            found[field.path] = Dimension(field.path, field)
    return found


def measure_fields(record_type: str) -> dict[str, ConditionField]:
    """The number fields a measure other than count may read (money ones included)."""
    return {
        path: field
        for path, field in conditions.fields_of(record_type).items()
        if field.type == "number"
    }


def _fail(errors: dict[str, list[str]], where: str, message: str | Promise) -> None:
    errors.setdefault(where, []).append(str(message))


def _choice_text(items: Any) -> str:
    return ", ".join(str(i) for i in items)


def parse(data: Any) -> Definition:
    """The definition checked against the registries; ValidationError naming each bad part
    (its keys are places in the definition) otherwise. The one door every definition passes."""
    errors: dict[str, list[str]] = {}
    if not isinstance(data, dict):
        raise ValidationError({"definition": [_("Expected an object.")]})
    try:
        size = len(json.dumps(data, default=str))
    except (TypeError, ValueError, RecursionError):
        size = MAX_SIZE + 1
    if size > MAX_SIZE:
        raise ValidationError(
            {
                "definition": [
                    _("A report definition may be at most %(n)s characters.") % {"n": MAX_SIZE}
                ]
            }  # fmt: skip
        )
    unknown = set(data) - KEYS
    if unknown:
        _fail(errors, "definition", _("Unexpected keys: %(keys)s.") % {
            "keys": ", ".join(sorted(str(k)[:40] for k in unknown))})  # fmt: skip
    record_type = data.get("record_type")
    types = conditions.record_types()
    if not isinstance(record_type, str) or record_type not in types:
        _fail(errors, "record_type", _("Choose one of: %(types)s.") % {
            "types": _choice_text(sorted(types))})  # fmt: skip
        raise ValidationError(errors)

    condition = data.get("condition") or {"all": []}
    try:
        condition = conditions.clean(record_type, condition)
    except conditions.ConditionError as exc:
        for where, messages in exc.errors.items():
            for message in messages:
                _fail(errors, f"condition.{where}" if where else "condition", message)

    offered = dimensions_of(record_type)
    raw_groups = data.get("group_by", [])
    dimensions: list[Dimension] = []
    if raw_groups is None:
        raw_groups = []
    if not isinstance(raw_groups, list):
        _fail(errors, "group_by", _("Expected a list of dimensions."))
    elif len(raw_groups) > MAX_DIMENSIONS:
        _fail(errors, "group_by", _("Group by at most %(n)s dimensions.") % {"n": MAX_DIMENSIONS})
    else:
        for i, key in enumerate(raw_groups):
            found = offered.get(key) if isinstance(key, str) else None
            if found is None:
                _fail(errors, f"group_by.{i}", _("There is no dimension “%(key)s” here.") % {
                    "key": str(key)[:60]})  # fmt: skip
            elif found in dimensions:
                _fail(errors, f"group_by.{i}", _("This dimension is chosen twice."))
            else:
                dimensions.append(found)

    measure = _measure(record_type, data.get("measure", {"how": "count"}), errors)

    chart = data.get("chart", "table")
    if not isinstance(chart, str) or chart not in CHARTS:
        _fail(errors, "chart", _("Choose one of: %(charts)s.") % {"charts": _choice_text(CHARTS)})
    elif chart == "pivot" and len(dimensions) != 2 and not errors.get("group_by"):
        _fail(errors, "chart", _("A pivot table needs two dimensions."))
    elif chart in ("pie", "donut", "funnel") and len(dimensions) != 1:
        _fail(errors, "chart", _("This chart needs exactly one dimension."))
    elif chart in ("bar", "stacked_bar", "line") and not dimensions:
        _fail(errors, "chart", _("This chart needs a dimension to group by."))

    if errors or measure is None:
        raise ValidationError(errors)
    return Definition(record_type, condition, tuple(dimensions), measure, str(chart))


def _measure(record_type: str, raw: Any, errors: dict[str, list[str]]) -> Measure | None:
    if raw is None:
        raw = {"how": "count"}
    if not isinstance(raw, dict):
        _fail(errors, "measure", _("Expected an object."))
        return None
    unknown = set(raw) - {"how", "field"}
    if unknown:
        _fail(errors, "measure", _("Unexpected keys: %(keys)s.") % {
            "keys": ", ".join(sorted(str(k)[:40] for k in unknown))})  # fmt: skip
        return None
    how = raw.get("how", "count")
    if not isinstance(how, str) or how not in MEASURES:
        _fail(errors, "measure.how", _("Choose one of: %(m)s.") % {"m": _choice_text(MEASURES)})
        return None
    if how == "count":
        if raw.get("field") not in (None, ""):
            _fail(errors, "measure.field", _("A count reads no field."))
            return None
        return Measure("count")
    fields = measure_fields(record_type)
    path = raw.get("field")
    field = fields.get(path) if isinstance(path, str) else None
    if field is None:
        _fail(errors, "measure.field", _("There is no number field “%(field)s” here; use one of: "
              "%(fields)s.") % {"field": str(path)[:60],
                                "fields": _choice_text(fields) or "—"})  # fmt: skip
        return None
    return Measure(how, field)


def clean(data: Any) -> dict[str, Any]:
    """The definition as it is stored (JSON), after checking it; ValidationError otherwise."""
    return parse(data).as_json()
