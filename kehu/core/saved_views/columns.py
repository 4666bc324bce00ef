# mypy: disable-error-code="arg-type, no-untyped-def, type-arg"
"""The columns each list can show: registered by the app that owns the list, chosen per user.

A list's own fields come first in their default order; its custom fields (`cf_<key>`) are
offered too but off by default (wide and often empty)."""

from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import Any

from django.template.defaulttags import querystring
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe

CUSTOM_PREFIX = "cf_"
MAX_COLUMNS = 40


@dataclass(frozen=True)
class Column:
    key: str
    label: Promise | str
    default: bool = True
    #: a money column: the list sums it per currency in its totals row
    money: bool = False
    #: the sort a click on its header asks for first ("name", "-amount"), if it sorts
    sort: str = ""
    #: the row's `<td>`, escaped, for lists whose rows are rendered by `columns.cells`
    cell: Callable[[Any], str] | None = None


@dataclass
class ListColumnsSpec:
    columns: list[Column]
    #: the entity whose active custom fields are offered as columns ("person" …), if any
    custom_entity: str = ""
    #: the column always shown first (the record's name links to it)
    fixed: str = "name"


_LISTS: dict[str, ListColumnsSpec] = {}


def register(
    list_key: str, columns: list[Column], custom_entity: str = "", fixed: str = "name"
) -> None:
    _LISTS[list_key] = ListColumnsSpec(columns, custom_entity, fixed)


def spec(list_key: str) -> ListColumnsSpec | None:
    return _LISTS.get(list_key)


def offered(list_key: str, custom_fields: list | None = None) -> list[Column]:
    """Every column the list can show, custom fields last (`custom_fields`: the entity's
    active definitions, when the caller has read them)."""
    found = _LISTS.get(list_key)
    if found is None:
        return []
    columns = list(found.columns)
    if found.custom_entity:
        if custom_fields is None:
            from kehu.customers.fields.values import active_fields

            custom_fields = active_fields(found.custom_entity)
        columns += [
            Column(f"{CUSTOM_PREFIX}{d.key}", d.display_label, default=False) for d in custom_fields
        ]
    return columns


def defaults(list_key: str) -> list[str]:
    found = _LISTS.get(list_key)
    return [c.key for c in found.columns if c.default] if found else []


def clean(list_key: str, chosen, custom_fields: list | None = None) -> list[str]:
    """The chosen column keys that the list offers, in the chosen order, once each; the fixed
    first column always first. Unknown keys are an error (ValueError names them)."""
    if not isinstance(chosen, list) or not all(isinstance(k, str) for k in chosen):
        raise ValueError("columns must be a list of column keys")
    known = {c.key for c in offered(list_key, custom_fields)}
    unknown = [k for k in chosen if k not in known]
    if unknown:
        raise ValueError(", ".join(k[:40] for k in unknown[:5]))
    fixed = _LISTS[list_key].fixed
    result = [fixed] if fixed in known else []
    for key in chosen:
        if key not in result:
            result.append(key)
    return result[:MAX_COLUMNS]


def header(list_key: str, keys: list[str], sort: str, query, custom_fields=None) -> SafeString:
    """The `<th>` of each shown column; a sortable one links to its sort, marked ▲/▼ and with
    `aria-sort` when the list is sorted by it."""
    by_key = {c.key: c for c in offered(list_key, custom_fields)}
    out = []
    for key in keys:
        column = by_key.get(key)
        label = escape(str(column.label if column else key))
        css = ' class="num"' if column and column.money else ""
        if column is None or not column.sort:
            out.append(f"<th{css}>{label}</th>")
            continue
        name = column.sort.lstrip("-")
        if sort == name:
            target, mark, aria = f"-{name}", " ▲", ' aria-sort="ascending"'
        elif sort == f"-{name}":
            target, mark, aria = name, " ▼", ' aria-sort="descending"'
        else:
            target, mark, aria = column.sort, "", ""
        href = escape(querystring(None, query, sort=target, cursor=None))
        out.append(f'<th{css}{aria}><a href="{href}">{label}{mark}</a></th>')
    return mark_safe("".join(out))  # labels escaped above


def cells(list_key: str, keys: list[str], row: Any, custom_fields=()) -> SafeString:
    """The `<td>` of each shown column of `row`, by the columns' `cell` functions (which
    escape what they show); a custom field's column shows its value as text."""
    from kehu.web.templatetags.kehu_tags import custom_value

    found = _LISTS[list_key]
    by_key = {c.key: c for c in found.columns}
    definitions = {f"{CUSTOM_PREFIX}{d.key}": d for d in custom_fields}
    out = []
    for key in keys:
        column = by_key.get(key)
        if column is not None and column.cell is not None:
            out.append(column.cell(row))
        elif key in definitions:
            out.append(f"<td>{escape(custom_value(row, definitions[key]))}</td>")
        else:
            out.append("<td></td>")
    return mark_safe("".join(out))  # each cell escapes its values
