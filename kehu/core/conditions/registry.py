# mypy: disable-error-code="no-untyped-def"
"""The fields each record type offers to conditions, registered by the app that owns the type.

A field is known by its `path` ("company.city"); the ORM lookup, expression or filter it
compiles to is written here by the app, never taken from a request."""

import builtins
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, Expression, Model, OuterRef, Q
from django.utils.functional import Promise

from kehu.core.conditions.operators import BY_TYPE, Operator

TYPES = tuple(BY_TYPE)


@dataclass(frozen=True)
class ConditionField:
    """One field a condition may name.

    Give `lookup` (an ORM path such as "company__city") or `expression` (a function making the
    SQL expression, e.g. a custom field's indexed value). `read` answers for one record in
    memory; by default it follows `lookup`. `choices` lists (value, label) for choice fields.
    `nullable` says whether the value can be NULL (is_empty then also matches NULL)."""

    path: str
    label: Promise | str
    type: str
    lookup: str = ""
    expression: Callable[[], Expression] | None = None
    read: Callable[[Any], Any] | None = None
    choices: Callable[[], Iterable[tuple[Any, Any]]] | None = None
    nullable: bool = False
    ops: tuple[str, ...] = ()
    #: for "tags": the through model and its column pointing at the record
    tag_links: Callable[[], tuple[builtins.type[Model], str]] | None = None
    #: turns a condition's value into what the column and `read` hold (e.g. float)
    prepare: Callable[[Any], Any] | None = None
    #: the value an expression holds when the record has none ("" or a number below all):
    #: is_empty compares with it, and order comparisons leave it out, as `read` gives None
    absent: Any = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self):
        if self.type not in BY_TYPE:
            raise ValueError(f"unknown condition field type {self.type!r}")
        if not (self.lookup or self.expression or self.tag_links):
            raise ValueError(f"field {self.path!r} needs a lookup or an expression")

    @property
    def operators(self) -> dict[str, Operator]:
        offered = BY_TYPE[self.type]
        if not self.ops:
            return offered
        return {name: offered[name] for name in self.ops}

    # -- building blocks the operators use -------------------------------------------------

    def cmp(self, lookup: str, value: Any) -> Q:
        """`value` compared with this field by the ORM lookup `lookup` ("exact", "gt" …)."""
        if self.expression is not None:
            expression = self.expression()
            make = expression.get_lookup(lookup)
            assert make is not None, lookup
            q = Q(make(expression, value))
        else:
            q = Q(**{f"{self.lookup}__{lookup}": value})
        if self.absent is not None and lookup in ("gt", "gte", "lt", "lte"):
            q &= ~self.cmp("exact", self.absent)
        return q

    def empty(self) -> Q:
        if self.absent is not None:
            return self.cmp("exact", self.absent)
        q = Q(pk__in=[])
        if self.type in ("text", "choice"):
            q = self.cmp("exact", "")
        if self.nullable:
            q |= self.cmp("isnull", True)
        return q

    def truth(self, flag: bool) -> Q:
        """Yes/no fields: the value `flag` as the column holds it."""
        return self.cmp("exact", self.prepare(flag) if self.prepare else flag)

    def has(self, tag_id: int) -> Q:
        through, column = self.tag_links()  # type: ignore[misc]
        links = through._default_manager.filter(**{column: OuterRef("pk")}, tag_id=tag_id)
        return Q(Exists(links))

    def value_of(self, record: Any) -> Any:
        """This field's value on `record`, read in memory (None when a relation is empty)."""
        if self.read is not None:
            return self.read(record)
        value = record
        for part in self.lookup.split("__"):
            if value is None:
                return None
            value = getattr(value, part)
        return value


@dataclass
class RecordType:
    key: str
    model: type[Model]
    label: Promise | str
    fields: list[ConditionField]
    #: fields defined by data (custom fields), read when asked
    more_fields: Callable[[], list[ConditionField]] | None = None


_TYPES: dict[str, RecordType] = {}


def register(
    key: str,
    model: type[Model],
    label: Promise | str,
    fields: list[ConditionField],
    more_fields: Callable[[], list[ConditionField]] | None = None,
) -> None:
    """Offer `fields` of `model` to conditions on record type `key` ("person", "deal" …)."""
    paths = [f.path for f in fields]
    if len(set(paths)) != len(paths):
        raise ValueError(f"{key}: a field path is registered twice")
    _TYPES[key] = RecordType(key, model, label, fields, more_fields)


def record_type(key: str) -> RecordType:
    """The registered record type; KeyError when there is none."""
    return _TYPES[key]


def record_types() -> dict[str, RecordType]:
    return dict(_TYPES)


def fields_of(key: str) -> dict[str, ConditionField]:
    """The fields of record type `key` by path, custom fields included."""
    kind = _TYPES[key]
    found = {f.path: f for f in kind.fields}
    if kind.more_fields is not None:
        for extra in kind.more_fields():
            found.setdefault(extra.path, extra)
    return found
