"""Writing the audit trail: the record's field changes, as display strings."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from kehu.core.models import AuditEntry

if TYPE_CHECKING:
    from kehu.accounts.models import User


def display_value(value: Any) -> object:
    """A JSON-safe, human-readable form of a field value."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, decimal.Decimal | float):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, models.Model):
        return str(value)
    if isinstance(value, list | tuple | set):
        return ", ".join(str(display_value(v)) for v in value)
    if isinstance(value, dict):
        return {k: display_value(v) for k, v in value.items()}
    return str(value)


def snapshot(record: Any, fields: list[str]) -> dict[str, Any]:
    """The displayable values of `fields` on `record`, for diffing before/after a change."""
    values = {}
    for name in fields:
        value = getattr(record, name)
        if isinstance(value, dict):
            for key, sub in value.items():
                values[f"{name}.{key}"] = display_value(sub)
        else:
            values[name] = display_value(value)
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    keys = list(before) + [k for k in after if k not in before]
    return {k: [before.get(k), after.get(k)] for k in keys if before.get(k) != after.get(k)}


def record(
    actor: User | None, obj: Any, action: str, changes: dict[str, Any] | None = None
) -> AuditEntry:
    return AuditEntry.objects.create(
        content_type=ContentType.objects.get_for_model(obj.__class__),
        object_id=obj.pk,
        action=action,
        actor=actor if actor and actor.is_authenticated else None,
        changes=changes or {},
    )


def history(obj: Any) -> models.QuerySet[AuditEntry]:
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(obj.__class__), object_id=obj.pk
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )


def record_many(
    actor: User | None,
    objs: Iterable[Any],
    action: str,
    changes_of: Callable[[Any], dict[str, Any] | None],
) -> list[AuditEntry]:
    """One audit entry per record in `objs`, written in one INSERT; `changes_of(obj)` gives each
    entry's changes. For services that change many records of one kind at once."""
    objs = list(objs)
    if not objs:
        return []
    content_type = ContentType.objects.get_for_model(objs[0].__class__)
    actor = actor if actor and actor.is_authenticated else None
    return AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                content_type=content_type,
                object_id=obj.pk,
                action=action,
                actor=actor,
                changes=changes_of(obj) or {},
            )
            for obj in objs
        ],
        batch_size=500,
    )
