"""The write path every record service shares: permission, validation, version, audit, event.

Domain services (e.g. `customers.services`) describe their fields and call these functions;
nothing else saves a Record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import audit, events, visibility

if TYPE_CHECKING:
    from kehu.accounts.models import User
    from kehu.core.models import Record

R = TypeVar("R", bound="Record")
M = TypeVar("M", bound=models.Model)


class VersionConflict(Exception):
    """The record changed since the caller read it; `current` is the record as it is now."""

    def __init__(self, current: Any, changes: dict[str, Any]) -> None:
        super().__init__("version conflict")
        self.current = current
        self.changes = changes


def check_version(current: Any, expected_version: int | None, changes: Any = None) -> None:
    """Raise VersionConflict when the caller read `current` (locked by the caller) at another
    version than it has now; None expects nothing (an API call without `If-Match`)."""
    if expected_version is not None and current.version != int(expected_version):
        raise VersionConflict(current, dict(changes or {}))


def locked_current(model: type[M], pk: Any, expected_version: int | None, changes: Any = None) -> M:
    """The row `pk` of `model` (a `Versioned` setting) read again and locked for the caller's
    transaction: ValidationError when it is gone, VersionConflict when it changed since the
    caller read it at `expected_version`."""
    current = model._default_manager.select_for_update().filter(pk=pk).first()
    if current is None:
        raise ValidationError(_("This record has been deleted."))
    check_version(current, expected_version, changes)
    return current


def update_versioned(
    actor: User,
    item: M,
    changes: dict[str, Any],
    expected_version: int | None,
    apply: Callable[[User, M, dict[str, Any]], None],
    snapshot: Callable[[M], dict[str, Any]],
) -> M:
    """The write path of a versioned setting (a saved view, a report): `item` read again and
    locked (VersionConflict when it changed since `expected_version`), `apply(actor, current,
    changes)` sets and checks the fields, and when `snapshot` differs the version goes up and
    the audit entry says what changed."""
    with transaction.atomic():
        current = locked_current(type(item), item.pk, expected_version, changes)
        before = snapshot(current)
        apply(actor, current, changes)
        changed = audit.diff(before, snapshot(current))
        if changed:
            current.version += 1  # type: ignore[attr-defined]
            current.updated_at = timezone.now()  # type: ignore[attr-defined]
            current.save()
            audit.record(actor, current, "update", changed)
    return current


@dataclass
class RecordSpec(Generic[R]):
    """What a service tells the shared write path about one kind of record."""

    model: type[R]
    event_prefix: str  # "person" -> person.created, person.updated, ...
    audited_fields: list[str]
    # (actor, instance, changes) -> None: validate + apply to instance
    prepare: Callable[[User, R, dict[str, Any]], None]
    # (actor, instance, changes, created) -> None (m2m etc.)
    after_save: Callable[[User, R, dict[str, Any], bool], None] | None = None
    m2m_snapshot: dict[str, Any] = field(
        default_factory=dict
    )  # name -> callable(instance) -> display
    #: relations `prepare` resolved and checked itself; full_clean need not look them up again
    resolved_relations: tuple[Any, ...] = ("owner",)


def _clean_exclude(spec: RecordSpec[Any]) -> list[str]:
    return ["search_text", "created_by", "deleted_by", *spec.resolved_relations]


def cache_related(instance: Any, name: str, objects: list[Any]) -> None:
    """Make `instance.<name>.all()` answer `objects` without a query, as `prefetch_related` does.

    For a many-to-many (or the reverse of a foreign key) a service has just written: the audit
    snapshot, events and the API answer then read what was saved instead of reading it back.
    """
    manager = getattr(instance, name)
    queryset = manager.get_queryset()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    # many-to-many managers name their cache; reverse foreign-key ones use the field's
    cache_name = (
        getattr(manager, "prefetch_cache_name", None) or manager.field.remote_field.cache_name
    )
    instance._prefetched_objects_cache[cache_name] = queryset


def _snapshot(spec: RecordSpec[Any], instance: Any, m2m_names: Any = None) -> dict[str, Any]:
    """Display values of the audited fields, and of the many-to-many ones in `m2m_names`."""
    values = audit.snapshot(instance, spec.audited_fields)
    if instance.pk:
        for name, getter in spec.m2m_snapshot.items():
            if m2m_names is None or name in m2m_names:
                values[name] = getter(instance)
    return values


def create(
    spec: RecordSpec[R], actor: User, data: dict[str, Any], facts: dict[str, Any] | None = None
) -> R:
    """A new record. `facts` (e.g. the lead it was converted from) go into its audit entry."""
    visibility.require(actor, spec.model.module, "create")
    data = dict(data)
    data.setdefault("owner", actor)
    with transaction.atomic():
        instance = spec.model(created_by=actor)
        spec.prepare(actor, instance, data)
        instance.full_clean(exclude=_clean_exclude(spec))
        instance.save()
        if spec.after_save:
            spec.after_save(actor, instance, data, True)
        after = _snapshot(spec, instance, m2m_names=[n for n in spec.m2m_snapshot if data.get(n)])
        changes = {k: [None, v] for k, v in after.items() if v}
        audit.record(actor, instance, "create", {**changes, **(facts or {})})
        events.emit(f"{spec.event_prefix}.created", actor=actor, record=instance)
    return instance


def update(
    spec: RecordSpec[R],
    actor: User,
    instance: R,
    changes: dict[str, Any],
    expected_version: int | None = None,
) -> R:
    """Apply `changes`; raise VersionConflict if `expected_version` is stale."""
    visibility.require_record(actor, instance, "edit")
    with transaction.atomic():
        current: R | None = spec.model.objects.select_for_update().filter(pk=instance.pk).first()
        if current is None:
            raise ValidationError(_("This record has been deleted."))
        if expected_version is not None and current.version != int(expected_version):
            raise VersionConflict(current, changes)
        before = _snapshot(spec, current)
        spec.prepare(actor, current, dict(changes))
        current.full_clean(exclude=_clean_exclude(spec))
        after_fields = audit.snapshot(current, spec.audited_fields)
        if spec.after_save:
            spec.after_save(actor, current, changes, False)
        after = {**after_fields, **{n: g(current) for n, g in spec.m2m_snapshot.items()}}
        delta = audit.diff(before, after)
        if delta:
            current.version += 1
            current.updated_at = timezone.now()
            current.save()
            audit.record(actor, current, "update", delta)
            events.emit(f"{spec.event_prefix}.updated", actor=actor, record=current, changes=delta)
    return current


def record_change(spec: RecordSpec[R], actor: User, instance: R, changes: dict[str, Any]) -> R:
    """A change to `instance` that another record's service made (e.g. a lead converted into
    it) and that no field of its own holds: its version goes up, the audit entry and the
    `<prefix>.updated` event say what happened."""
    with transaction.atomic():
        current = cast(
            "R | None", spec.model.all_objects.select_for_update().filter(pk=instance.pk).first()
        )
        if current is None:
            raise ValidationError(_("This record has been deleted."))
        current.version += 1
        current.updated_at = timezone.now()
        current.save(update_fields=["version", "updated_at"])
        instance.version, instance.updated_at = current.version, current.updated_at
        audit.record(actor, current, "update", changes)
        events.emit(f"{spec.event_prefix}.updated", actor=actor, record=current, changes=changes)
    return current


def soft_delete(
    spec: RecordSpec[R], actor: User, instance: R, facts: dict[str, Any] | None = None
) -> R:
    """Move a record to the recycle bin. `facts` (e.g. unlinked people) go into the audit entry."""
    visibility.require_record(actor, instance, "delete")
    with transaction.atomic():
        instance.deleted_at = timezone.now()
        instance.deleted_by = actor
        instance.version += 1
        instance.save(update_fields=["deleted_at", "deleted_by", "version"])
        audit.record(actor, instance, "delete", facts or {})
        events.emit(f"{spec.event_prefix}.deleted", actor=actor, record=instance)
    return instance


def restore(
    spec: RecordSpec[R],
    actor: User,
    instance: R,
    facts: dict[str, Any] | None = None,
    fields: tuple[str, ...] | list[str] = (),
    expected_version: int | None = None,
) -> R:
    """Bring a record back from the bin. `fields`: others the service changed on `instance` to
    restore it (saved with it); `facts` tell how, in the audit entry. `expected_version` (an
    undo): the version it was binned at; raise VersionConflict if it changed since (restored,
    or restored and binned again)."""
    if not visibility.can(actor, spec.model.module, "delete"):
        visibility.require(actor, spec.model.module, "delete")
    if not visibility.in_scope(actor, instance):
        from django.http import Http404

        raise Http404
    with transaction.atomic():
        if expected_version is not None:
            stored = (
                spec.model.all_objects.select_for_update()
                .filter(pk=instance.pk)
                .values_list("version", "deleted_at")
                .first()
            )
            if stored is None or stored[0] != int(expected_version) or stored[1] is None:
                current = spec.model.all_objects.filter(pk=instance.pk).first()
                raise VersionConflict(current, {"deleted_at": None})
        instance.deleted_at = None
        instance.deleted_by = None
        instance.version += 1
        instance.save(update_fields=["deleted_at", "deleted_by", "version", *fields])
        audit.record(actor, instance, "restore", facts or {})
        events.emit(f"{spec.event_prefix}.restored", actor=actor, record=instance)
    return instance
