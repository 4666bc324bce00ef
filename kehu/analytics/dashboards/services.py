"""Whose dashboard shows which widgets, and the only writers of dashboard layouts.

The role of a dashboard comes from the user's role: an administrator gets the admin
dashboard, a role that sees a team's or everyone's sales records the manager one, everyone else
the rep one. A user's widgets are their own layout when they changed it; else the layout their
team's manager published (without the widgets their role may not add); else their role's
default. Everything is computed in the page's one request (decision 0037)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.analytics.dashboards import widgets as registry
from kehu.analytics.dashboards.models import DashboardLayout
from kehu.analytics.dashboards.widgets import Ask, Shown
from kehu.analytics.dashboards.widgets import reports as pins
from kehu.analytics.metrics import zone_of
from kehu.core import visibility

log = logging.getLogger(__name__)

DEFAULTS = {
    "rep": ["my_goals", "my_pipeline", "my_tasks", "deals_without_next_step", "my_activity"],
    "manager": ["team_attainment", "pipeline_coverage", "forecast", "sales_kpis",
                "activity_by_member", "stale_deals"],
    "admin": ["adoption", "data_quality", "system_health", "team_attainment", "sales_kpis"],
    # the service desk registers its widgets (kehu/service/dashboard.py)
    "support": ["my_queues", "service_kpis", "my_tasks"],
}  # fmt: skip
#: the most widgets one dashboard holds
MAX_WIDGETS = 20
ROLE_LABELS = {"rep": "Sales rep", "manager": "Manager", "admin": "Administrator",
               "support": "Support agent"}  # fmt: skip


def role_of(user: User) -> str:
    """ "admin", "manager", "rep" or "support": which dashboard `user` opens on."""
    if user.is_admin:
        return "admin"
    if visibility.can(user, "service", "edit") and not visibility.can(user, "sales", "read"):
        return "support"
    if visibility.scope_of(user) in (visibility.SCOPE_TEAM, visibility.SCOPE_ALL) and (
        visibility.can(user, "sales", "read")
    ):
        return "manager"
    return "rep"


def may_add(user: User, widget_id: str, role: str | None = None) -> bool:
    """Whether `widget_id` may be on `user`'s dashboard: a widget of their role, or a saved
    report they may open."""
    pk = pins.report_id(widget_id)
    if pk is not None:
        from kehu.analytics.reports.services import visible_reports

        return visible_reports(user).filter(pk=pk).exists()
    try:
        found = registry.widget(widget_id)
    except KeyError:
        return False
    return (role or role_of(user)) in found.roles


def _allowed(user: User, ids: list[str], role: str) -> list[str]:
    """`ids` without those `user` may not have (reports checked in one query), no repeats."""
    report_ids = [pk for pk in (pins.report_id(i) for i in ids) if pk is not None]
    readable: set[int] = set()
    if report_ids:
        from kehu.analytics.reports.services import visible_reports

        readable = set(visible_reports(user).filter(pk__in=report_ids).values_list("pk", flat=True))
    kept: list[str] = []
    for widget_id in ids:
        if widget_id in kept:
            continue
        pk = pins.report_id(widget_id)
        if pk is not None:
            if pk in readable:
                kept.append(widget_id)
            continue
        try:
            if role in registry.widget(widget_id).roles:
                kept.append(widget_id)
        except KeyError:
            continue
    return kept[:MAX_WIDGETS]


@dataclass
class Layout:
    ids: list[str]
    source: str  # "own", "team" or "default"
    role: str


def layout_of(user: User) -> Layout:
    """The widgets of `user`'s dashboard, in order, and where they come from."""
    role = role_of(user)
    mine = Q(user_id=user.pk)
    rows = DashboardLayout.objects.filter(mine | Q(team_id=user.team_id) if user.team_id else mine)
    found = {("own" if row.user_id else "team"): row for row in rows}
    if "own" in found:
        return Layout(_allowed(user, list(found["own"].widgets), role), "own", role)
    if "team" in found:
        return Layout(_allowed(user, list(found["team"].widgets), role), "team", role)
    return Layout(list(DEFAULTS[role]), "default", role)


def addable(user: User, layout: Layout) -> list[registry.Widget]:
    """The widgets of the user's role not on their dashboard yet."""
    return [w for w in registry.widgets() if layout.role in w.roles and w.key not in layout.ids]


# --- writing ----------------------------------------------------------------------------


def _require_live(actor: User) -> None:
    if not visibility._is_live(actor):
        raise PermissionDenied("not signed in")


def _save(actor: User, ids: list[str]) -> list[str]:
    with transaction.atomic():
        DashboardLayout.objects.update_or_create(
            user=actor, defaults={"widgets": ids, "updated_at": timezone.now()}
        )
    return ids


def add_widget(actor: User, widget_id: str) -> list[str]:
    """Put `widget_id` at the end of `actor`'s dashboard (a widget of their role, or a report
    they may open). ValidationError naming `widget` otherwise."""
    _require_live(actor)
    widget_id = str(widget_id or "").strip()[:40]
    layout = layout_of(actor)
    if not may_add(actor, widget_id, layout.role):
        raise ValidationError({"widget": [_("This widget cannot be added to your dashboard.")]})
    if widget_id in layout.ids:  # already there: the layout becomes the user's own
        return _save(actor, layout.ids)
    if len(layout.ids) >= MAX_WIDGETS:
        raise ValidationError(
            {"widget": [_("A dashboard holds at most %(n)s widgets.") % {"n": MAX_WIDGETS}]}
        )
    return _save(actor, [*layout.ids, widget_id])


def remove_widget(actor: User, widget_id: str) -> list[str]:
    """Take `widget_id` off `actor`'s dashboard (one not on it stays off: the layout as it
    is becomes their own)."""
    _require_live(actor)
    layout = layout_of(actor)
    return _save(actor, [i for i in layout.ids if i != widget_id])


def move_widget(actor: User, widget_id: str, step: int) -> list[str]:
    """Move a widget one place up (step −1) or down (+1)."""
    _require_live(actor)
    ids = layout_of(actor).ids
    if widget_id not in ids or step not in (-1, 1):
        raise ValidationError({"widget": [_("This widget is not on your dashboard.")]})
    at = ids.index(widget_id)
    to = max(0, min(len(ids) - 1, at + step))
    ids.insert(to, ids.pop(at))
    return _save(actor, ids)


def set_order(actor: User, ordered: list[str]) -> list[str]:
    """Reorder the dashboard (after a drag): `ordered` must hold exactly its widgets."""
    _require_live(actor)
    ids = layout_of(actor).ids
    if sorted(ordered) != sorted(ids) or len(set(ordered)) != len(ordered):
        raise ValidationError({"order": [_("The order must list every widget once.")]})
    return _save(actor, list(ordered))


def reset(actor: User) -> list[str]:
    """Back to the default: the team's published layout, else the role's."""
    _require_live(actor)
    DashboardLayout.objects.filter(user_id=actor.pk).delete()
    return layout_of(actor).ids


def may_publish(user: User) -> bool:
    """A manager (or administrator) in a team may give the team their layout as its default."""
    return bool(visibility._is_live(user) and user.team_id
                and role_of(user) in ("manager", "admin")
                and (user.is_admin or visibility.can(user, "sales", "edit")))  # fmt: skip


def publish(actor: User) -> list[str]:
    """Make `actor`'s layout the default of their team's members (those who did not change
    their own). Reports pinned on it show only to members who may open them."""
    if not may_publish(actor):
        raise PermissionDenied("publishing a dashboard takes a manager in a team")
    ids = layout_of(actor).ids
    with transaction.atomic():
        DashboardLayout.objects.update_or_create(
            team_id=int(actor.team_id or 0),
            defaults={"widgets": ids, "published_by": actor, "updated_at": timezone.now()},
        )
    return ids


# --- reading ----------------------------------------------------------------------------


@dataclass
class Rendered:
    id: str
    label: str
    help: str
    wide: bool
    shown: Shown


def ask_for(user: User, role: str, now: Any = None) -> Ask:
    now = now or timezone.now()
    return Ask(user, role, now, now.astimezone(zone_of(user)).date())


def render(user: User, layout: Layout | None = None, now: Any = None) -> list[Rendered]:
    """Every widget of the user's dashboard computed for them, in order: one request, one
    widget after another (never parallel requests: decision 0037)."""
    layout = layout or layout_of(user)
    ask = ask_for(user, layout.role, now)
    report_ids = [pk for pk in (pins.report_id(i) for i in layout.ids) if pk is not None]
    reports: dict[int, Any] = {}
    if report_ids:
        from kehu.analytics.reports.services import visible_reports

        reports = {r.pk: r for r in visible_reports(user).filter(pk__in=report_ids)}
    shown = []
    for widget_id in layout.ids:
        pk = pins.report_id(widget_id)
        compute: Callable[[Ask], Shown]
        if pk is not None:
            report = reports.get(pk)
            if report is None:
                continue
            label, help_text, wide = report.name, _("A saved report"), True
            compute = partial(pins.pinned, report=report)
        else:
            found = registry.widget(widget_id)
            label, help_text, wide = str(found.label), str(found.help), found.wide
            compute = found.compute
        try:
            result = compute(ask)
        except Exception:  # one broken widget must not take the home page with it
            log.exception("dashboard widget %s failed", widget_id)
            result = Shown(empty=_("This widget could not be shown just now."))
        shown.append(Rendered(widget_id, label, help_text, wide, result))
    return shown
