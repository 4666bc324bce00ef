# mypy: disable-error-code="no-untyped-def, type-arg"
"""What a list page needs for its views menu and column chooser (`web/_list_toolbar.html`):
the user's and the team's views of the list, the view in use, and the columns to show."""

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from kehu.core.saved_views import columns, services
from kehu.core.saved_views.lists import narrow_by_view, view_for
from kehu.core.saved_views.models import SavedView

MENU_LIMIT = 100


@dataclass
class ListToolbar:
    list_key: str
    views: list[SavedView]
    view: SavedView | None
    #: the shown columns' keys, in order
    shown: list[str]
    #: (key, label, shown) for every column the list offers, shown ones first in their order
    choices: list[tuple[str, Any, bool]]
    may_share: bool
    errors: list[str] = field(default_factory=list)
    #: the sort the view asks for (when the request names none)
    sort: str = ""
    view_editable: bool = False

    def narrow(self, qs: QuerySet, user: Any) -> QuerySet:
        """`qs` narrowed by the view in use; a view whose fields are gone shows nothing and
        says why."""
        try:
            return narrow_by_view(qs, user, self.view)
        except ValidationError as exc:
            self.errors += exc.messages
            return qs.none()


def toolbar(
    request, list_key: str, custom_fields: list | None = None, with_columns: bool = True
) -> ListToolbar:
    """The toolbar of list `list_key`; `with_columns=False` for a list whose columns are fixed
    (no chooser; a view's columns are kept for when it has one)."""
    user = request.user
    errors: list[str] = []
    try:
        view = view_for(user, list_key, request.GET.get("view"))
    except ValidationError as exc:
        view, errors = None, exc.messages
    views = list(
        services.visible_views(user)
        .filter(list_key=list_key)
        .only("id", "name", "team_id", "owner_id", "list_key", "version")[:MENU_LIMIT]
    )
    if with_columns:
        wanted = (
            list(view.columns) if view and view.columns else services.chosen_columns(user, list_key)
        )
        offered = columns.offered(list_key, custom_fields)
    else:
        wanted, offered = None, []
    known = {c.key for c in offered}
    shown = [k for k in (wanted or []) if k in known] or (
        columns.defaults(list_key) if with_columns else []
    )
    spec = columns.spec(list_key)
    if spec and spec.fixed in known and shown and shown[0] != spec.fixed:
        shown = [spec.fixed, *[k for k in shown if k != spec.fixed]]
    labels = {c.key: c.label for c in offered}
    choices = [(k, labels[k], True) for k in shown] + [
        (c.key, c.label, False) for c in offered if c.key not in shown
    ]
    return ListToolbar(
        list_key, views, view, shown, choices, services.may_share(user), errors,
        sort=view.sort if view else "",
        view_editable=bool(view and services.may_change(user, view)),
    )  # fmt: skip
