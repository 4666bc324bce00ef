"""The warning the person and company forms show before saving a likely duplicate: the save
stops once, listing the look-alikes the user can see (with links), and goes through when the
user presses "Save anyway"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.core.contact import normalize_email, normalize_phone
from kehu.customers.duplicates import matching, queries

CONFIRM = "confirm_duplicates"


@dataclass
class DuplicateWarning:
    """Filled by the guarded service call; the form template lists `items`."""

    items: list[dict[str, Any]] = field(default_factory=list)


def _normalised(data: dict[str, Any]) -> dict[str, Any]:
    data = dict(data)
    for name, normalise in (("phone", normalize_phone), ("email", normalize_email)):
        try:
            data[name] = normalise(str(data.get(name) or ""))
        except ValidationError:
            data[name] = ""  # the service will say what is wrong with it
    return data


def _look_alikes(kind: str, user: Any, data: dict[str, Any], exclude: Any) -> list[dict[str, Any]]:
    find = queries.likely_people if kind == "person" else queries.likely_companies
    return [
        {
            "record": record,
            "score": match.score,
            "reasons": matching.reason_labels(match.reasons),
        }
        for record, match in find(user, _normalised(data), exclude)
    ]


def _stop(warning: DuplicateWarning, found: list[dict[str, Any]]) -> None:
    warning.items = found
    raise ValidationError(
        _(
            "This looks like a record that already exists. Open the likely duplicates below, "
            "or save anyway."
        )
    )


def guarded_create(
    kind: str, request: Any, create: Callable, warning: DuplicateWarning
) -> Callable:
    """`create(user, data)` that first stops once on likely duplicates."""

    def checked(user: Any, data: dict[str, Any]) -> Any:
        if request.POST.get(CONFIRM) != "1":
            found = _look_alikes(kind, user, data, None)
            if found:
                _stop(warning, found)
        return create(user, data)

    return checked


COMPARED = {"name", "email", "phone", "company", "website"}


def guarded_update(
    kind: str, request: Any, update: Callable, warning: DuplicateWarning
) -> Callable:
    """`update(user, record, changes, version)` that stops once when a change to the name,
    email, phone, company or website makes the record look like another."""

    def checked(user: Any, record: Any, changes: dict[str, Any], version: Any) -> Any:
        if request.POST.get(CONFIRM) != "1" and COMPARED & set(changes):
            data = {
                "name": record.name,
                "email": record.email,
                "phone": record.phone,
                "company": getattr(record, "company_id", None),
                "website": getattr(record, "website", ""),
                **changes,
            }
            found = _look_alikes(kind, user, data, record.pk)
            if found:
                _stop(warning, found)
        return update(user, record, changes, version)

    return checked
