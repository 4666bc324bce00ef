"""The registry of what a merge moves: each app that keeps rows naming a person or company
registers a mover at start-up (customers never imports sales, mail or activities), saying how
to move its rows from the merged records to the survivor and how to move them back.

A mover's `move(kind, survivor_id, loser_ids)` returns a JSON-able description of what it
moved (usually {loser id: [row ids]}); `undo(kind, survivor_id, moved)` gets that back and
returns exactly those rows to their records. `count(kind, ids)` tells the merge page and the
tests how many rows each record has.

The helpers below do it for the usual shapes: a foreign key, a link table with a unique pair,
and a generic (content type, object id) reference.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

Moved = dict[str, list[int]]


@dataclass(frozen=True)
class Mover:
    name: str
    kinds: frozenset[str]
    move: Callable[[str, int, list[int]], Any]
    undo: Callable[[str, int, Any], None]
    count: Callable[[str, list[int]], dict[int, int]]


_movers: dict[str, Mover] = {}


def register_mover(
    name: str,
    kinds: tuple[str, ...],
    move: Callable[[str, int, list[int]], Any],
    undo: Callable[[str, int, Any], None],
    count: Callable[[str, list[int]], dict[int, int]],
) -> None:
    """Add (or replace, when an app starts twice) the mover called `name`."""
    _movers[name] = Mover(name, frozenset(kinds), move, undo, count)


def movers_for(kind: str) -> list[Mover]:
    return [mover for name, mover in sorted(_movers.items()) if kind in mover.kinds]


def _rows(model: type[models.Model]) -> models.QuerySet[Any]:
    """Every row, the recycle bin's too (a binned activity still belongs to its record)."""
    return model._base_manager.all()


def move_foreign_key(
    model: type[models.Model], field: str, survivor_id: int, loser_ids: list[int]
) -> Moved:
    """Point `model.field` at the survivor wherever it names a loser; {loser: [row ids]}."""
    moved: Moved = {}
    for row_id, owner_id in (
        _rows(model).filter(**{f"{field}__in": loser_ids}).values_list("pk", field)
    ):
        moved.setdefault(str(owner_id), []).append(row_id)
    if moved:
        _rows(model).filter(**{f"{field}__in": loser_ids}).update(**{field: survivor_id})
    return moved


def undo_foreign_key(model: type[models.Model], field: str, survivor_id: int, moved: Moved) -> None:
    """Put the rows `move_foreign_key` moved back on their records (those still on the
    survivor; a row deleted since stays deleted)."""
    for loser_id, row_ids in moved.items():
        _rows(model).filter(pk__in=row_ids, **{field: survivor_id}).update(**{field: int(loser_id)})


def count_foreign_key(model: type[models.Model], field: str, ids: list[int]) -> dict[int, int]:
    counts = dict.fromkeys(ids, 0)
    for owner_id in _rows(model).filter(**{f"{field}__in": ids}).values_list(field, flat=True):
        counts[owner_id] += 1
    return counts


def move_link(
    model: type[models.Model], field: str, other: str, survivor_id: int, loser_ids: list[int]
) -> Moved:
    """Like `move_foreign_key` for a link table unique on (field, other) (tags, deal contacts,
    attendees): a link the survivor already has stays on the loser, in the recycle bin, so
    nothing is lost and nothing is doubled."""
    taken = set(_rows(model).filter(**{field: survivor_id}).values_list(other, flat=True))
    moved: Moved = {}
    for row_id, owner_id, target in (
        _rows(model)
        .filter(**{f"{field}__in": loser_ids})
        .order_by("pk")
        .values_list("pk", field, other)
    ):
        if target in taken:
            continue
        taken.add(target)
        moved.setdefault(str(owner_id), []).append(row_id)
    row_ids = [row for rows in moved.values() for row in rows]
    if row_ids:
        _rows(model).filter(pk__in=row_ids).update(**{field: survivor_id})
    return moved


def move_generic(
    model: type[models.Model],
    kind_model: type[models.Model],
    survivor_id: int,
    loser_ids: list[int],
    extra: dict[str, Any] | None = None,
) -> Moved:
    """Move rows that name their record by (content_type, object_id)."""
    content_type = ContentType.objects.get_for_model(kind_model)
    rows = _rows(model).filter(content_type=content_type, object_id__in=loser_ids)
    moved: Moved = {}
    for row_id, owner_id in rows.values_list("pk", "object_id"):
        moved.setdefault(str(owner_id), []).append(row_id)
    if moved:
        rows.update(object_id=survivor_id, **(extra or {}))
    return moved


def undo_generic(
    model: type[models.Model], kind_model: type[models.Model], survivor_id: int, moved: Moved
) -> None:
    content_type = ContentType.objects.get_for_model(kind_model)
    for loser_id, row_ids in moved.items():
        _rows(model).filter(
            pk__in=row_ids, content_type=content_type, object_id=survivor_id
        ).update(object_id=int(loser_id))


def count_generic(
    model: type[models.Model], kind_model: type[models.Model], ids: list[int]
) -> dict[int, int]:
    content_type = ContentType.objects.get_for_model(kind_model)
    counts = dict.fromkeys(ids, 0)
    for owner_id in (
        _rows(model)
        .filter(content_type=content_type, object_id__in=ids)
        .values_list("object_id", flat=True)
    ):
        counts[owner_id] += 1
    return counts


def register_foreign_key(name: str, kind: str, model: type[models.Model], field: str) -> None:
    """A mover for one foreign key naming a person (kind "person") or a company."""
    register_mover(
        name,
        (kind,),
        move=lambda _kind, survivor, losers: move_foreign_key(model, field, survivor, losers),
        undo=lambda _kind, survivor, moved: undo_foreign_key(model, field, survivor, moved),
        count=lambda _kind, ids: count_foreign_key(model, field, ids),
    )


def register_link(name: str, kind: str, model: type[models.Model], field: str, other: str) -> None:
    """A mover for a link table unique on (field, other)."""
    register_mover(
        name,
        (kind,),
        move=lambda _kind, survivor, losers: move_link(model, field, other, survivor, losers),
        undo=lambda _kind, survivor, moved: undo_foreign_key(model, field, survivor, moved),
        count=lambda _kind, ids: count_foreign_key(model, field, ids),
    )


def register_generic(
    name: str, kind: str, model: type[models.Model], kind_model: type[models.Model]
) -> None:
    """A mover for rows naming their person or company by (content_type, object_id)."""

    def move(_kind: str, survivor: int, losers: list[int]) -> Moved:
        return move_generic(model, kind_model, survivor, losers)

    def undo(_kind: str, survivor: int, moved: Any) -> None:
        undo_generic(model, kind_model, survivor, moved)

    def count(_kind: str, ids: list[int]) -> dict[int, int]:
        return count_generic(model, kind_model, ids)

    register_mover(name, (kind,), move=move, undo=undo, count=count)
