"""The columns of the sales lists, for saved views (kehu/core/saved_views/columns.py)."""

from django.utils.translation import gettext_lazy as _

from kehu.core.saved_views.columns import Column, register


def register_all() -> None:
    from kehu.core.saved_views.views import PARAMS_TO_CONDITION
    from kehu.sales.condition_fields import list_condition

    for key in ("lead", "deal", "quote", "order"):
        PARAMS_TO_CONDITION[key] = lambda params, user, k=key: list_condition(k, params, user)
    owner, updated = Column("owner", _("Owner")), Column("updated_at", _("Updated"))
    register("lead", [
        Column("name", _("Name")), Column("score", _("Score")), Column("company", _("Company")),
        Column("status", _("Status")), Column("source", _("Source")),
        Column("next_step", _("Next step")), owner, updated,
    ], custom_entity="lead")  # fmt: skip
    register("deal", [
        Column("name", _("Name")), Column("company", _("Company")), Column("stage", _("Stage")),
        Column("amount", _("Amount"), money=True), Column("expected_close", _("Expected close")),
        Column("next_step", _("Next step")), owner, updated,
    ])  # fmt: skip
    register("quote", [
        Column("number", _("Number")), Column("title", _("Title")),
        Column("company", _("Company")), Column("status", _("Status")),
        Column("total", _("Total"), money=True), owner, updated,
    ], fixed="number")  # fmt: skip
    register("order", [
        Column("number", _("Number")), Column("company", _("Company")),
        Column("status", _("Status")), Column("total", _("Total"), money=True), owner,
        Column("ordered_at", _("Ordered")),
    ], fixed="number")  # fmt: skip
