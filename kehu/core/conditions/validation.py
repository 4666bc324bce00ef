# mypy: disable-error-code="no-untyped-def, type-arg"
"""A condition checked against the registered fields: clear errors, never a 500.

`parse` gives the tree the compiler and evaluator walk (values turned into dates, Decimals,
ids); `clean` gives the condition back as stored JSON. Errors are keyed by where they are in
the condition ("all.1.value"), so an API answers `{"errors": {"condition.all.1.value": [...]}}`
and a form shows them by its filter rows."""

import datetime
import decimal
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.core.conditions.operators import DAYS, MANY, MAX_DAYS, NONE, Operator
from kehu.core.conditions.registry import ConditionField, fields_of

MAX_DEPTH = 6
MAX_LEAVES = 50
MAX_TEXT = 200
MAX_ITEMS = 100
MAX_NUMBER = decimal.Decimal(10) ** 15
MAX_ID = 2**63 - 1


class ConditionError(ValidationError):
    """A condition that cannot be used; `errors` maps each place in it to its messages."""

    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__({key or "condition": messages for key, messages in errors.items()})


@dataclass(frozen=True)
class Leaf:
    field: ConditionField
    op: Operator
    value: Any
    raw: dict


@dataclass(frozen=True)
class Group:
    kind: str  # "all", "any", "not"
    children: tuple


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


class _Parser:
    def __init__(self, record_type: str):
        self.fields = fields_of(record_type)
        self.errors: dict[str, list[str]] = {}
        self.leaves = 0

    def fail(self, where: str, message: str) -> None:
        self.errors.setdefault(where, []).append(message)

    def node(self, data: Any, where: str, depth: int):
        if depth > MAX_DEPTH:
            self.fail(where, _("Conditions may be nested at most %(n)s deep.") % {"n": MAX_DEPTH})
            return None
        if not isinstance(data, dict):
            self.fail(where, _("Expected an object."))
            return None
        groups = [k for k in ("all", "any", "not") if k in data]
        if groups:
            if len(data) != 1:
                self.fail(where, _("A group has exactly one key: all, any or not."))
                return None
            kind = groups[0]
            inner = data[kind]
            if kind == "not":
                child = self.node(inner, _at(where, "not"), depth + 1)
                return Group("not", (child,))
            if not isinstance(inner, list):
                self.fail(_at(where, kind), _("Expected a list of conditions."))
                return None
            children = tuple(
                self.node(item, _at(where, f"{kind}.{i}"), depth + 1)
                for i, item in enumerate(inner)
            )
            return Group(kind, children)
        return self.leaf(data, where)

    def leaf(self, data: dict, where: str):
        self.leaves += 1
        if self.leaves == MAX_LEAVES + 1:
            self.fail(where, _("A condition may have at most %(n)s rules.") % {"n": MAX_LEAVES})
        unknown = set(data) - {"field", "op", "value"}
        if unknown:
            self.fail(
                where,
                _("Unexpected keys: %(keys)s.") % {"keys": ", ".join(sorted(map(str, unknown)))},
            )
            return None
        path = data.get("field")
        field = self.fields.get(path) if isinstance(path, str) else None
        if field is None:
            self.fail(
                _at(where, "field"),
                _("There is no field “%(field)s” here.") % {"field": str(path)[:100]},
            )
            return None
        name = data.get("op")
        op = field.operators.get(name) if isinstance(name, str) else None
        if op is None:
            self.fail(
                _at(where, "op"),
                _("“%(op)s” cannot be used with %(field)s; use one of: %(ops)s.")
                % {"op": str(name)[:50], "field": field.label, "ops": ", ".join(field.operators)},
            )
            return None
        try:
            value = self.value(field, op, data.get("value"))
        except ValidationError as exc:
            for message in exc.messages:
                self.fail(_at(where, "value"), message)
            return None
        return Leaf(
            field,
            op,
            value,
            {"field": path, "op": name, **({"value": data["value"]} if "value" in data else {})},
        )

    def value(self, field: ConditionField, op: Operator, raw: Any) -> Any:
        if op.takes == NONE:
            if raw not in (None, "", []):
                raise ValidationError(_("This rule takes no value."))
            return None
        if op.takes == DAYS:
            number = _integer(raw)
            if not 0 <= number <= MAX_DAYS:
                raise ValidationError(
                    _("Enter a number of days from 0 to %(n)s.") % {"n": MAX_DAYS}
                )
            return number
        if op.takes == MANY:
            if not isinstance(raw, list) or not raw:
                raise ValidationError(_("Enter a list of values."))
            if len(raw) > MAX_ITEMS:
                raise ValidationError(_("Enter at most %(n)s values.") % {"n": MAX_ITEMS})
            return [_one(field, item) for item in raw]
        return _one(field, raw)


def _integer(raw: Any) -> int:
    if isinstance(raw, bool):
        raise ValidationError(_("Expected a whole number."))
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str) and raw.strip().isdigit() and len(raw.strip()) <= 19:
        return int(raw.strip())
    raise ValidationError(_("Expected a whole number."))


def _one(field: ConditionField, raw: Any) -> Any:
    """One value of `field`'s type, or a ValidationError saying what is expected."""
    kind = field.type
    if raw is None or raw == "":
        raise ValidationError(_("Enter a value."))
    if kind == "text":
        if not isinstance(raw, str | int | float) or isinstance(raw, bool):
            raise ValidationError(_("Expected text."))
        text = str(raw).strip()
        if not text or len(text) > MAX_TEXT:
            raise ValidationError(_("Enter text of 1 to %(n)s characters.") % {"n": MAX_TEXT})
        return text
    if kind == "choice":
        allowed = {str(value) for value, _label in field.choices()} if field.choices else None
        if not isinstance(raw, str) or (allowed is not None and raw not in allowed):
            raise ValidationError(
                _("“%(value)s” is not one of the choices.") % {"value": str(raw)[:50]}
            )
        return raw
    if kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValidationError(_("Expected a number."))
        try:
            number = decimal.Decimal(str(raw).strip())
        except decimal.InvalidOperation:
            raise ValidationError(_("Expected a number.")) from None
        if not number.is_finite() or abs(number) >= MAX_NUMBER:
            raise ValidationError(_("Expected a number."))
        return number
    if kind in ("date", "datetime"):
        try:
            day = datetime.date.fromisoformat(raw) if isinstance(raw, str) else None
        except ValueError:
            day = None
        if day is None or not 1900 <= day.year <= 9998:
            raise ValidationError(_("Enter a date as YYYY-MM-DD between 1900 and 9998."))
        return day
    if kind == "user" and raw == "me":
        return "me"
    # ref, user, tags: an id
    pk = _integer(raw)
    if not 1 <= pk <= MAX_ID:
        raise ValidationError(_("Expected an id."))
    return pk


def parse(record_type: str, condition: Any):
    """The condition as a tree of `Group` and `Leaf`; ConditionError when it cannot be used.
    None (no condition) matches every record."""
    if condition is None or condition == {}:
        return Group("all", ())
    parser = _Parser(record_type)
    tree = parser.node(condition, "", 1)
    if parser.errors:
        raise ConditionError(parser.errors)
    return tree


def clean(record_type: str, condition: Any) -> dict:
    """The condition as it is stored (JSON), after checking it; ConditionError otherwise."""
    parse(record_type, condition)
    return condition if condition else {"all": []}
