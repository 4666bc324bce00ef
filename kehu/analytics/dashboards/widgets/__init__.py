"""The widget registry: every widget a dashboard may show, with its labels (both languages,
through the catalogue), the roles that may add it, and the function that computes what it
shows for one viewer — always over what that viewer may see (the metric catalogue and the
adoption queries start from `visible_to`), with a fixed number of queries.

Domains could register theirs the same way (`register`); the built-in ones live in
`rep.py`, `manager.py` and `admin.py` of this package, a saved report pinned to a dashboard
in `reports.py`."""

from __future__ import annotations

import datetime
import decimal
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils.functional import Promise

from kehu.web.charts import Chart

ROLES = ("rep", "manager", "admin", "support")


@dataclass(frozen=True)
class Ask:
    """Who a widget is computed for, and when."""

    user: Any
    role: str
    now: datetime.datetime
    today: datetime.date  # the viewer's today


@dataclass(frozen=True)
class Stat:
    """One number: its label, its text ("12,000.00 CNY", "45%", "—"), the list of the records
    behind it (None when it has none), and a line saying what it means or why it is "—"."""

    label: str
    text: str
    link: str | None = None
    value: decimal.Decimal | int | float | None = None
    note: str = ""


@dataclass(frozen=True)
class Line:
    """A row of a widget's short table (a goal, a member): label, figures, its link, and a
    0–100 bar when it is a share of something."""

    label: str
    text: str
    link: str | None = None
    bar: float | None = None
    note: str = ""


@dataclass
class Shown:
    """What a widget shows. With `empty` set, that helpful text (and `action`, a link to where
    to start) is shown instead of numbers that would all be zero."""

    stats: list[Stat] = field(default_factory=list)
    chart: Chart | None = None
    lines: list[Line] = field(default_factory=list)
    empty: str = ""
    action: tuple[str, str] | None = None  # (text, url)
    more: tuple[str, str] | None = None  # (text, url): the page with the whole story
    note: str = ""  # how the figures were counted (e.g. when, for a rollup)


@dataclass(frozen=True)
class Widget:
    key: str
    label: Promise | str
    roles: tuple[str, ...]
    compute: Callable[[Ask], Shown]
    help: Promise | str = ""
    wide: bool = False  # two columns on a wide screen (a chart with many bars)

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown:
            raise ValueError(f"widget {self.key!r}: unknown roles {unknown}")


_WIDGETS: dict[str, Widget] = {}


def register(widget: Widget) -> None:
    _WIDGETS[widget.key] = widget


def widget(key: str) -> Widget:
    """The registered widget; KeyError when there is none."""
    _load()
    return _WIDGETS[key]


def widgets() -> list[Widget]:
    _load()
    return list(_WIDGETS.values())


_loaded = False


def _load() -> None:
    global _loaded
    if not _loaded:
        _loaded = True
        from kehu.analytics.dashboards.widgets import admin, manager, rep  # noqa: F401
