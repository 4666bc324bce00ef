# mypy: disable-error-code="no-untyped-def"
"""A condition answered for one record in memory (automation rules, previews), by the same
operators the compiler uses."""

from typing import Any

from kehu.core.conditions.compiler import resolve
from kehu.core.conditions.context import Context
from kehu.core.conditions.validation import Leaf, parse


def _holds(node, record: Any, ctx: Context) -> bool:
    if isinstance(node, Leaf):
        return bool(node.op.py(node.field.value_of(record), resolve(node, ctx), ctx))
    if node.kind == "not":
        return not _holds(node.children[0], record, ctx)
    if node.kind == "any":
        return any(_holds(child, record, ctx) for child in node.children)
    return all(_holds(child, record, ctx) for child in node.children)


def matches(record_type: str, condition: Any, record: Any, ctx: Context | None = None) -> bool:
    """Whether `record` meets `condition`; ConditionError when it names what is not registered.
    (Visibility is the caller's: a rule acts on records its owner may see.)"""
    return _holds(parse(record_type, condition), record, ctx or Context())
