"""Domain events: services emit them; other apps subscribe explicitly (no Django signals).

Handlers run inside the emitting transaction. Work that talks to the outside world must
schedule a task with `transaction.on_commit` rather than act directly.
"""

from collections import defaultdict
from collections.abc import Callable
from typing import Any

_handlers: dict[str, list[Callable[..., None]]] = defaultdict(list)


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
