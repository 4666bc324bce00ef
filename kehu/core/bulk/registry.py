"""What each record type offers to bulk actions: the rows a list's filters match, the fields
"set a field" may change, and the service function each action calls.

Domains register their types at start-up (`register`), as they register search kinds; core
never imports a domain. A request names a type, an action and a field by key: only keys
registered here are accepted, so nothing from a request reaches a query as a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.functional import Promise

if TYPE_CHECKING:
    from kehu.accounts.models import User

ASSIGN_OWNER, ADD_TAG, REMOVE_TAG, SET_FIELD, DELETE = (
    "assign_owner",
    "add_tag",
    "remove_tag",
    "set_field",
    "delete",
)
#: not offered on lists: a delete job's undo runs it on the rows that job binned
RESTORE = "restore"
TAG_ACTIONS = (ADD_TAG, REMOVE_TAG)
#: the role right each action needs on the record's module
RIGHT_OF = {ASSIGN_OWNER: "edit", ADD_TAG: "edit", REMOVE_TAG: "edit", SET_FIELD: "edit",
            DELETE: "delete", RESTORE: "delete"}  # fmt: skip


@dataclass(frozen=True)
class BulkField:
    """A field "set a field" may change on every chosen row."""

    name: str
    label: str | Promise
    #: () -> [(value, label)]: the values it takes; None for short free text
    choices: Callable[[], list[tuple[str, str]]] | None = None
    max_length: int = 100
    #: the changes the service gets for a value (a deal's stage moves its pipeline too);
    #: default: {name: value}
    to_changes: Callable[[str], dict[str, Any]] | None = None


@dataclass(frozen=True)
class BulkKind:
    """A record type bulk actions work on."""

    key: str  # "person", "deal", ...: the API's `type`
    label: str | Promise  # plural: "People"
    model: Any  # a Record model
    list_url: str  # the list page's URL name, where the result page links back to
    #: (user, params) -> the visible rows the list's filters match; ValidationError if bad
    matching: Callable[[User, Any], QuerySet[Any]]
    update: Callable[..., Any]  # (actor, record, changes) -> record
    delete: Callable[..., Any]  # (actor, record) -> record
    restore: Callable[..., Any]  # (actor, record) -> record
    fields: tuple[BulkField, ...] = ()
    has_tags: bool = False
    #: (queryset) -> queryset reading what a batch's services need in a few queries
    batch_reads: Callable[[QuerySet[Any]], QuerySet[Any]] = field(default=lambda qs: qs)
    #: the role module; None: the record type's own (`model.module`)
    module: str | None = None

    @property
    def right_module(self) -> str:
        return self.module or self.model.module

    def actions(self) -> list[str]:
        found = [ASSIGN_OWNER]
        if self.has_tags:
            found += list(TAG_ACTIONS)
        if self.fields:
            found.append(SET_FIELD)
        found.append(DELETE)
        return found

    def field(self, name: str) -> BulkField | None:
        return next((f for f in self.fields if f.name == name), None)


_kinds: dict[str, BulkKind] = {}


def register(kind: BulkKind) -> None:
    _kinds[kind.key] = kind


def get(key: str) -> BulkKind | None:
    return _kinds.get(key)


def keys() -> list[str]:
    return sorted(_kinds)
