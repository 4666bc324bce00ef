"""The builder form: its controls read as a report definition, and a definition's errors put
back by the control they belong to. The form is plain GET/POST fields, so htmx can send it on
every change and the server draws the form again with the choices the record type offers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.analytics.reports import definition as definitions
from kehu.core import conditions
from kehu.core.conditions.operators import MANY, NONE

FILTER_ROWS = 4
DEFAULT_TYPE = "deal"


@dataclass
class FilterRow:
    index: int
    field: str = ""
    op: str = ""
    value: str = ""
    errors: list[str] = dataclasses.field(default_factory=list)


@dataclass
class Builder:
    """What the builder shows: the chosen values, the choices, and errors by control."""

    record_type: str
    filters: list[FilterRow]
    group_by: list[str]
    measure: str
    chart: str
    errors: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    #: the filter rows in the order their rules were sent (errors come back by that order)
    sent: list[FilterRow] = dataclasses.field(default_factory=list)

    # -- the choices of the chosen record type ----------------------------------------------

    def types(self) -> list[tuple[str, str]]:
        return [(k, str(t.label)) for k, t in conditions.record_types().items()]

    def fields(self) -> list[tuple[str, str]]:
        return [(p, str(f.label)) for p, f in conditions.fields_of(self.record_type).items()]

    def operators(self, row: FilterRow) -> list[tuple[str, str]]:
        found = conditions.fields_of(self.record_type).get(row.field)
        if found is None:
            return []
        return [(name, str(op.label)) for name, op in found.operators.items()]

    def value_choices(self, row: FilterRow) -> list[tuple[str, str]] | None:
        """A list to pick the value from (choices, users), or None for a text box."""
        found = conditions.fields_of(self.record_type).get(row.field)
        if found is None:
            return None
        op = found.operators.get(row.op)
        if op is not None and op.takes in (NONE, MANY):
            return None
        if found.type == "user":
            from kehu.core.conditions.common import user_choices

            return [("me", _("Me")), *[(str(k), str(v)) for k, v in user_choices()]]
        if found.type == "choice" and found.choices is not None:
            return [(str(k), str(v)) for k, v in found.choices()]
        return None

    def takes_value(self, row: FilterRow) -> bool:
        found = conditions.fields_of(self.record_type).get(row.field)
        op = found.operators.get(row.op) if found else None
        return op is None or op.takes != NONE

    def dimensions(self) -> list[tuple[str, str]]:
        return [(k, d.label) for k, d in definitions.dimensions_of(self.record_type).items()]

    def measures(self) -> list[tuple[str, str]]:
        found = [("count", str(definitions.MEASURE_LABELS["count"]))]
        for path, f in definitions.measure_fields(self.record_type).items():
            for how in definitions.MEASURES[1:]:
                found.append((f"{how}:{path}", f"{definitions.MEASURE_LABELS[how]} · {f.label}"))
        return found

    def charts(self) -> list[tuple[str, str]]:
        return [(k, str(CHART_LABELS[k])) for k in definitions.CHARTS]

    def as_definition(self) -> dict[str, Any]:
        rules = []
        for row in self.filters:
            if not row.field:
                continue
            rule: dict[str, Any] = {"field": row.field, "op": row.op}
            found = conditions.fields_of(self.record_type).get(row.field)
            op = found.operators.get(row.op) if found else None
            if op is not None and op.takes != NONE and not row.value.strip():
                continue  # a rule still being written: not a filter yet
            if op is not None and op.takes == MANY:
                rule["value"] = [v.strip() for v in row.value.split(",") if v.strip()]
            elif op is None or op.takes != NONE:
                rule["value"] = row.value
            rules.append((row, rule))
        self.sent = [row for row, _rule in rules]
        how, _sep, path = self.measure.partition(":")
        return {
            "record_type": self.record_type,
            "condition": {"all": [rule for _row, rule in rules]},
            "group_by": [g for g in self.group_by if g],
            "measure": {"how": how, **({"field": path} if path else {})},
            "chart": self.chart,
        }

    def check(self) -> definitions.Definition | None:
        """The definition, or None with the errors put by their controls."""
        data = self.as_definition()
        try:
            return definitions.parse(data)
        except ValidationError as exc:
            self.place(exc.message_dict)
            return None

    def place(self, errors: dict[str, list[str]]) -> None:
        for where, messages in errors.items():
            where = where.removeprefix("definition.")
            if where.startswith("condition.all."):
                parts = where.split(".")
                try:
                    row = self.sent[int(parts[2])]
                except (IndexError, ValueError, AttributeError):
                    self.errors.setdefault("condition", []).extend(messages)
                    continue
                row.errors.extend(messages)
            elif where.startswith("group_by."):
                self.errors.setdefault(f"g{int(where.split('.')[1]) + 1}", []).extend(messages)
            elif where.startswith("measure"):
                self.errors.setdefault("measure", []).extend(messages)
            else:
                self.errors.setdefault(where.split(".")[0], []).extend(messages)


CHART_LABELS = {
    "bar": gettext_lazy("Bar"),
    "stacked_bar": gettext_lazy("Stacked bar"),
    "line": gettext_lazy("Line"),
    "pie": gettext_lazy("Pie"),
    "donut": gettext_lazy("Donut"),
    "funnel": gettext_lazy("Funnel"),
    "table": gettext_lazy("Table"),
    "pivot": gettext_lazy("Pivot table"),
}


def from_params(params: Any) -> Builder:
    """The builder as the form's fields (GET or POST) set it."""
    record_type = params.get("record_type") or DEFAULT_TYPE
    if record_type not in conditions.record_types():
        record_type = DEFAULT_TYPE
    filters = [
        FilterRow(i, params.get(f"f{i}_field", "")[:100], params.get(f"f{i}_op", "")[:40],
                  params.get(f"f{i}_value", "")[:2000])
        for i in range(FILTER_ROWS)
    ]  # fmt: skip
    known = conditions.fields_of(record_type)
    for row in filters:
        if row.field and row.field not in known:
            row.field, row.op, row.value = "", "", ""  # left from another record type
        elif row.field and row.op not in known[row.field].operators:
            row.op = next(iter(known[row.field].operators))
    dims = definitions.dimensions_of(record_type)
    group_by = [params.get("g1", ""), params.get("g2", "")]
    group_by = [g if g in dims else "" for g in group_by]
    measure = params.get("measure") or "count"
    chart = params.get("chart") or "bar"
    return Builder(record_type, filters, group_by, measure, chart)


def fits(data: dict[str, Any]) -> bool:
    """Whether the builder can show the definition's condition (at most FILTER_ROWS rules of
    one "all" group, as the builder makes them; the API can save more)."""
    condition = data.get("condition") or {"all": []}
    rules = condition.get("all") if isinstance(condition, dict) and len(condition) == 1 else None
    return (
        isinstance(rules, list)
        and len(rules) <= FILTER_ROWS
        and all(isinstance(r, dict) and "field" in r for r in rules)
    )


def from_definition(data: dict[str, Any]) -> Builder:
    """The builder showing a saved definition (its conditions as the first rows)."""
    rules = (data.get("condition") or {}).get("all") or []
    filters = []
    for i in range(FILTER_ROWS):
        rule = rules[i] if i < len(rules) and isinstance(rules[i], dict) else {}
        value = rule.get("value", "")
        if isinstance(value, list):
            value = ", ".join(str(v) for v in value)
        filters.append(FilterRow(i, rule.get("field", ""), rule.get("op", ""), str(value)))
    groups = list(data.get("group_by") or []) + ["", ""]
    measure = data.get("measure") or {"how": "count"}
    key = measure.get("how", "count")
    if measure.get("field"):
        key = f"{key}:{measure['field']}"
    return Builder(data.get("record_type", DEFAULT_TYPE), filters, groups[:2], key,
                   data.get("chart", "table"))  # fmt: skip
