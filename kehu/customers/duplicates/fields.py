"""The fields a merge lets the user choose, read and written as plain JSON values, so a merge
can store the survivor's values before and after it and undo can put them back."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _

from kehu.customers.models import Company, Person

#: kind → (model, the fields a merge chooses, in form order)
FIELDS: dict[str, list[str]] = {
    "person": ["name", "email", "phone", "title", "company", "birthday", "city", "address",
               "notes", "owner"],
    "company": ["name", "website", "email", "phone", "industry", "city", "address", "notes",
                "owner"],
}  # fmt: skip
MODELS: dict[str, type[Person] | type[Company]] = {"person": Person, "company": Company}
KIND_LABELS = {"person": _("people"), "company": _("companies")}


def custom_keys(records: list[Any]) -> list[str]:
    """Every custom field key any of the records holds a value for."""
    keys: dict[str, None] = {}
    for record in records:
        for key, value in (record.custom or {}).items():
            if value not in (None, "", []):
                keys[key] = None
    return list(keys)


def choice_names(kind: str, records: list[Any]) -> list[str]:
    """The names a merge's field choices may use: the fields, and `custom.<key>`."""
    return [*FIELDS[kind], *(f"custom.{key}" for key in custom_keys(records))]


def raw_value(record: Any, name: str) -> Any:
    """A field's stored value as JSON: ids for relations, ISO dates."""
    if name.startswith("custom."):
        return (record.custom or {}).get(name.removeprefix("custom."))
    if name in ("company", "owner"):
        return getattr(record, f"{name}_id")
    value = getattr(record, name)
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def set_raw_value(record: Any, name: str, value: Any) -> None:
    if name.startswith("custom."):
        custom = dict(record.custom or {})
        key = name.removeprefix("custom.")
        if value in (None, "", []):
            custom.pop(key, None)
        else:
            custom[key] = value
        record.custom = custom
    elif name in ("company", "owner"):
        setattr(record, f"{name}_id", value)
    elif name == "birthday":
        record.birthday = datetime.date.fromisoformat(value) if value else None
    else:
        setattr(record, name, value if value is not None else "")


def is_empty(value: Any) -> bool:
    return value in (None, "", [], {})


def snapshot(record: Any, names: list[str]) -> dict[str, Any]:
    return {name: raw_value(record, name) for name in names}
