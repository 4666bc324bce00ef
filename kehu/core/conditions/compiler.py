# mypy: disable-error-code="no-untyped-def, type-arg"
"""A condition as a queryset filter: the one compiler of lists, saved views, segments and
reports. It narrows a queryset the caller made with `visible_to`, never a wider one."""

from typing import Any

from django.db.models import Q, QuerySet

from kehu.core.conditions.context import Context
from kehu.core.conditions.validation import Group, Leaf, parse


def resolve(leaf: Leaf, ctx: Context) -> Any:
    """The leaf's value as the column holds it ("me" is the asking user)."""
    value = leaf.value
    if leaf.field.type == "user":
        me = getattr(ctx.user, "pk", None)
        if isinstance(value, list):
            value = [me if v == "me" else v for v in value]
        elif value == "me":
            value = me
    if leaf.field.prepare is not None and leaf.op.takes in ("one", "many"):
        prepare = leaf.field.prepare
        value = [prepare(v) for v in value] if isinstance(value, list) else prepare(value)
    return value


def _q(node, ctx: Context) -> Q:
    if isinstance(node, Leaf):
        return node.op.sql(node.field, resolve(node, ctx), ctx)
    if node.kind == "not":
        return ~_q(node.children[0], ctx)
    if node.kind == "any":
        if not node.children:
            return Q(pk__in=[])
        q = Q()
        for child in node.children:
            q |= _q(child, ctx)
        return q
    if not node.children:
        return Q(pk__isnull=False)  # every record; an empty Q() would vanish under `not`
    q = Q()
    for child in node.children:
        q &= _q(child, ctx)
    return q


def to_q(record_type: str, condition: Any, ctx: Context) -> Q:
    """The condition as a `Q`; ConditionError when it names what is not registered."""
    tree = parse(record_type, condition)
    if isinstance(tree, Group) and tree.kind == "all" and not tree.children:
        return Q()
    return _q(tree, ctx)


def narrow(qs: QuerySet, record_type: str, condition: Any, ctx: Context | None = None) -> QuerySet:
    """`qs` (already `visible_to` the user) narrowed to the records matching `condition`."""
    q = to_q(record_type, condition, ctx or Context())
    return qs.filter(q) if q else qs
