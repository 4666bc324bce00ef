"""Domain events: services emit them; other apps subscribe explicitly (no Django signals).

Handlers run inside the emitting transaction. Work that talks to the outside world must
schedule a task with `transaction.on_commit` rather than act directly.

New records are announced once each, in one of two ways (docs/decisions/0017-import-events.md):
a service emits `<entity>.created` with `record` for each one; the importer's bulk writer emits
`<entity>.imported` with `ids` (and `job`) once per batch, inside the batch's transaction after
its rows, tag links and audit entries are written, instead. A batch that is rolled back (lost
lease, stop, crash, a failing handler) is announced again, with its new ids, by the run that
writes it. So a handler of one must handle the other (`IMPORTED_WITH` pairs them; a test checks
every subscriber), take a whole batch (up to a thousand ids) with set-wise queries, and do its
outside work on commit.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

_handlers: dict[str, list[Callable[..., None]]] = defaultdict(list)

#: one-record creation events, and the batch event the importer emits for the same records
IMPORTED_WITH = {"person.created": "person.imported", "company.created": "company.imported"}


def subscribe(event: str) -> Callable[..., Any]:
    """Decorator: call the function with the event's payload whenever `event` is emitted."""

    def register(handler: Callable[..., None]) -> Callable[..., None]:
        if handler not in _handlers[event]:
            _handlers[event].append(handler)
        return handler

    return register


def emit(event: str, **payload: Any) -> None:
    for handler in list(_handlers.get(event, ())) + list(_handlers.get("*", ())):
        handler(event=event, **payload)


def on_commit_once(function: Callable[[], None]) -> None:
    """`transaction.on_commit(function)`, unless the open transaction will call it already: a
    handler of a per-record event, emitted for each of a batch's records, schedules its work
    once for the batch."""
    # Django keeps no other record of what a transaction will call on commit than this list
    # of (savepoint ids, function, robust)
    if connection.in_atomic_block and any(e[1] is function for e in connection.run_on_commit):
        return
    transaction.on_commit(function)


def missing_batch_handlers() -> list[tuple[str, Callable[..., None]]]:
    """(event, handler) for each handler of a `.created` event that does not also handle the
    importer's batch event for the same kind of record, and so would miss imported records."""
    return [
        (event, handler)
        for event, batch_event in IMPORTED_WITH.items()
        for handler in _handlers.get(event, ())
        if handler not in _handlers.get(batch_event, ())
    ]
