"""The columns of the sales lists: what each shows and how its cell reads (rendered in Python,
as the people list's rows are, decision 0008), for the column chooser and saved views."""

from html import escape

from django.utils.translation import gettext_lazy as _

from kehu.core.saved_views.columns import Column, register
from kehu.web.templatetags.kehu_tags import local_time, money


def _link(url: str, text: str) -> str:
    return f'<td class="nowrap"><a href="{escape(url)}">{escape(text)}</a></td>'


def _text(value) -> str:
    return f"<td>{escape(str(value or ''))}</td>"


def _nowrap(value) -> str:
    return f'<td class="nowrap">{escape(str(value or ""))}</td>'


def _amount(value, currency: str) -> str:
    return f'<td class="num nowrap">{escape(money(value))} {escape(currency)}</td>'


def _day(value) -> str:
    return _nowrap(value.strftime("%Y-%m-%d") if value else "")


def _company(company) -> str:
    if company is None or company.deleted_at is not None:
        return "<td></td>"
    return f'<td><a href="{escape(company.get_absolute_url())}">{escape(company.name)}</a></td>'


def _next_step(record) -> str:
    """The step and its date, with the dot only between the two (never "· 2026-12-24")."""
    parts = [escape(record.next_step)] if record.next_step else []
    if record.next_step_due:
        parts.append(record.next_step_due.strftime("%Y-%m-%d"))
    css = ' class="overdue-text"' if record.next_step_overdue else ""
    return f"<td{css}>{' · '.join(parts)}</td>"


def _stage(deal) -> str:
    stage = deal.stage
    name, badge = escape(stage.display_name), escape(stage.kind_badge)
    kind = escape(stage.kind)
    if stage.kind != "open" and not badge:  # the name says Won/Lost: one badge, not two
        return f'<td class="nowrap"><span class="badge {kind}">{name}</span></td>'
    extra = f' <span class="badge {kind}">{badge}</span>' if badge else ""
    return f'<td class="nowrap">{name}{extra}</td>'


def _score(lead) -> str:
    reasons = "&#10;".join(
        f"{escape(str(r.get('label', '')))} {int(r.get('points', 0)):+d}"
        for r in lead.score_reasons or []
        if isinstance(r, dict)
    )
    learned = ""
    if lead.learned_score is not None:
        learned = f' <span class="muted small">· {lead.learned_score}%</span>'
    return f'<td class="num" title="{reasons}">{lead.score}{learned}</td>'


def _badge(css: str, label) -> str:
    return f'<td class="nowrap"><span class="badge {escape(css)}">{escape(str(label))}</span></td>'


def register_all() -> None:
    from kehu.core.saved_views.views import PARAMS_TO_CONDITION
    from kehu.sales.condition_fields import list_condition

    for key in ("lead", "deal", "quote", "order"):
        PARAMS_TO_CONDITION[key] = lambda params, user, k=key: list_condition(k, params, user)

    def owner(r) -> str:
        return _nowrap(r.owner)

    def updated(r) -> str:
        return _nowrap(local_time(r.updated_at))

    own = Column("owner", _("Owner"), cell=owner)
    changed = Column("updated_at", _("Updated"), sort="-updated_at", cell=updated)
    register("lead", [
        Column("name", _("Name"), sort="name", cell=lambda r: _link(r.get_absolute_url(), r.name)),
        Column("score", _("Score"), sort="-score", cell=_score),
        Column("company", _("Company"), cell=lambda r: _text(r.company_name)),
        Column("status", _("Status"), cell=lambda r: _badge(f"status-{r.status}",
                                                            r.get_status_display())),
        Column("source", _("Source"), cell=lambda r: _text(r.get_source_display())),
        Column("next_step", _("Next step"), cell=_next_step), own, changed,
    ], custom_entity="lead")  # fmt: skip
    register("deal", [
        Column("name", _("Name"), sort="name", cell=lambda r: _link(r.get_absolute_url(), r.name)),
        Column("company", _("Company"), cell=lambda r: _company(r.live_company)),
        Column("stage", _("Stage"), cell=_stage),
        Column("amount", _("Amount"), money=True, sort="-amount",
               cell=lambda r: _amount(r.amount, r.currency)),
        Column("expected_close", _("Expected close"), cell=lambda r: _day(r.expected_close)),
        Column("next_step", _("Next step"), cell=_next_step), own, changed,
    ])  # fmt: skip
    register("quote", [
        Column("number", _("Number"), cell=lambda r: _link(r.get_absolute_url(), r.label)),
        Column("title", _("Title"), cell=lambda r: _text(r.title)),
        Column("company", _("Company"), cell=lambda r: _company(r.company)),
        Column("status", _("Status"), cell=lambda r: _badge(f"quote-{r.status}",
                                                            r.get_status_display())),
        Column("total", _("Total"), money=True, sort="-total",
               cell=lambda r: _amount(r.total, r.currency)),
        own, changed,
    ], fixed="number")  # fmt: skip
    register("order", [
        Column("number", _("Number"), cell=lambda r: _link(r.get_absolute_url(), r.number)),
        Column("company", _("Company"), cell=lambda r: _company(r.company)),
        Column("status", _("Status"), cell=lambda r: _badge(f"order-{r.status}",
                                                            r.get_status_display())),
        Column("total", _("Total"), money=True, cell=lambda r: _amount(r.total, r.currency)),
        own,
        Column("ordered_at", _("Ordered"), sort="-ordered_at",
               cell=lambda r: _nowrap(local_time(r.ordered_at))),
    ], fixed="number")  # fmt: skip
