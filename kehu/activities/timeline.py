"""A record's timeline: its notes and its audit history merged, newest first, page by page.

Both streams are read with a keyset on (time, kind, id), so a page costs two small indexed
queries however long the history is.
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from kehu.activities.models import Note
from kehu.core.models import AuditEntry

PAGE_SIZE = 20
AUDIT, NOTE = 0, 1


@dataclass
class Item:
    kind: str  # "note" or "audit"
    at: datetime.datetime
    obj: object
    changes: list = field(default_factory=list)  # [(label, key, old, new)] for audit entries

    @property
    def key(self) -> tuple:
        return (self.at, NOTE if self.kind == "note" else AUDIT, self.obj.pk)


@dataclass
class TimelinePage:
    items: list
    next_cursor: str | None


def encode(key: tuple) -> str:
    at, rank, pk = key
    return f"{at.isoformat()}~{rank}~{pk}"


def decode(cursor: str | None) -> tuple | None:
    """The key a cursor names, or None for a missing or malformed cursor (first page)."""
    if not cursor:
        return None
    try:
        at, rank, pk = cursor.split("~")
        at = datetime.datetime.fromisoformat(at)
        if at.tzinfo is None:
            return None
        return at, int(rank), int(pk)
    except ValueError:
        return None


def _older_than(qs, time_field: str, rank: int, cursor: tuple | None):
    if cursor is None:
        return qs
    at, cursor_rank, pk = cursor
    condition = Q(**{f"{time_field}__lt": at})
    if rank < cursor_rank:
        condition |= Q(**{time_field: at})
    elif rank == cursor_rank:
        condition |= Q(**{time_field: at, "id__lt": pk})
    return qs.filter(condition)


def field_labels(model, custom_labels: dict[str, str]) -> dict[str, str]:
    labels = {}
    for f in model._meta.get_fields():
        if hasattr(f, "verbose_name"):
            labels[f.name] = str(f.verbose_name)
        elif f.one_to_many and f.related_model is not None:  # e.g. a deal's people
            labels[f.get_accessor_name()] = str(f.related_model._meta.verbose_name_plural)
    labels.update({f"custom.{key}": label for key, label in custom_labels.items()})
    return labels


def page(
    record, cursor: str | None = None, custom_labels: dict | None = None, size: int = PAGE_SIZE
):
    """One page of `record`'s timeline, newest first."""
    key = decode(cursor)
    content_type = ContentType.objects.get_for_model(record.__class__)
    notes = _older_than(
        Note.objects.alive()
        .filter(content_type=content_type, object_id=record.pk)
        .select_related("author"),
        "created_at",
        NOTE,
        key,
    ).order_by("-created_at", "-id")[: size + 1]
    entries = _older_than(
        AuditEntry.objects.filter(content_type=content_type, object_id=record.pk).select_related(
            "actor"
        ),
        "at",
        AUDIT,
        key,
    ).order_by("-at", "-id")[: size + 1]
    labels = field_labels(record.__class__, custom_labels or {})
    items = [Item("note", n.created_at, n) for n in notes]
    for entry in entries:
        changes = [(labels.get(k, k), k, old, new) for k, old, new in entry.visible_changes()]
        items.append(Item("audit", entry.at, entry, changes))
    items.sort(key=lambda item: item.key, reverse=True)
    next_cursor = encode(items[size - 1].key) if len(items) > size else None
    return TimelinePage(items[:size], next_cursor)
