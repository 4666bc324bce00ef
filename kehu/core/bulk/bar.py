"""What a list page's bulk bar offers the user: the actions their rights allow on the record
type, the colleagues they may hand rows to, the tags, the fields and their values. A list view
adds `bulk_bar(request, kind_key, count)` to its context and includes "bulk/_bar.html"."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.core import visibility
from kehu.core.access import SCOPE_ONLY_MODULES, colleague_choices
from kehu.core.bulk import jobs, registry

#: how many colleagues and tags the bar's pickers list
OPTION_LIMIT = 200

ACTION_LABELS = {
    registry.ASSIGN_OWNER: _("Assign owner"),
    registry.ADD_TAG: _("Add tag"),
    registry.REMOVE_TAG: _("Remove tag"),
    registry.SET_FIELD: _("Set a field"),
    registry.DELETE: _("Delete"),
}


def may(user: Any, kind: registry.BulkKind, action: str) -> bool:
    """Whether the user's role allows `action` at all (each row is checked again by its
    service; activities follow their records and have no right of their own)."""
    if kind.right_module in SCOPE_ONLY_MODULES:
        return True
    return visibility.can(user, kind.right_module, registry.RIGHT_OF[action])


def bulk_bar(
    request: Any, kind_key: str, count: int | None = None, tags: list[str] | None = None
) -> dict[str, Any] | None:
    """The bar's context, or None when the user may do none of the actions. `tags`: the first
    OPTION_LIMIT tag names by name, when the page has read them already (its filter bar)."""
    kind = registry.get(kind_key)
    user = request.user
    if kind is None:
        return None
    actions = [(a, ACTION_LABELS[a]) for a in kind.actions() if may(user, kind, a)]
    if not actions:
        return None
    names = {a for a, _label in actions}
    try:
        query = jobs.clean_filters(request.GET)
    except ValidationError:
        query = None  # a filter no database can store: "all matching" is not offered
    context: dict[str, Any] = {"kind": kind, "actions": actions, "query": query, "count": count}
    if registry.ASSIGN_OWNER in names:
        context["owners"] = colleague_choices(user, kind.right_module, "edit")
    if names & set(registry.TAG_ACTIONS):
        if tags is None:
            from django.apps import apps

            by_name = apps.get_model("customers", "Tag").objects.order_by("name")
            tags = list(by_name.values_list("name", flat=True)[:OPTION_LIMIT])
        context["tags"] = tags
    if registry.SET_FIELD in names:
        context["fields"] = [
            {"name": f.name, "label": f.label, "choices": f.choices() if f.choices else None,
             "max_length": f.max_length}
            for f in kind.fields
        ]  # fmt: skip
    return context
