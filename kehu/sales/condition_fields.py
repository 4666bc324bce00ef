# mypy: disable-error-code="misc"
"""Leads, deals, quotes and orders in the condition language (kehu/core/conditions)."""

from django.utils.translation import gettext_lazy as _

from kehu.core import conditions
from kehu.core.conditions.common import custom_fields, record_fields
from kehu.core.conditions.registry import ConditionField as F


def _currencies():
    from kehu.sales.deals.currencies import known_currencies

    return [(code, code) for code in sorted(known_currencies())]


def register() -> None:
    from kehu.sales.models import Deal, Lead, Order, Quote, Stage

    conditions.register("lead", Lead, _("Leads"), [
        F("name", _("Name"), "text", "name"),
        F("company_name", _("Company"), "text", "company_name"),
        F("email", _("Email"), "text", "email"),
        F("region", _("Region"), "text", "region"),
        F("status", _("Status"), "choice", "status", choices=lambda: Lead.Status.choices),
        F("source", _("Source"), "choice", "source", choices=lambda: Lead.Source.choices),
        F("score", _("Score"), "number", "score"),
        F("next_step_due", _("Next step due"), "date", "next_step_due", nullable=True),
        F("converted_at", _("Converted"), "datetime", "converted_at", nullable=True),
        F("product_interest", _("Product interest"), "ref", "product_interest_id",
          nullable=True),
        *record_fields(),
    ], more_fields=lambda: custom_fields("lead"))  # fmt: skip
    conditions.register("deal", Deal, _("Deals"), [
        F("name", _("Name"), "text", "name"),
        F("pipeline", _("Pipeline"), "ref", "pipeline_id"),
        F("stage", _("Stage"), "ref", "stage_id"),
        F("status", _("Status"), "choice", "stage__kind", choices=lambda: Stage.Kind.choices),
        F("amount", _("Amount"), "number", "amount", extra={"currency": "currency"}),
        F("currency", _("Currency"), "choice", "currency", choices=_currencies),
        F("expected_close", _("Expected close"), "date", "expected_close", nullable=True),
        F("next_step_due", _("Next step due"), "date", "next_step_due", nullable=True),
        F("closed_at", _("Closed"), "datetime", "closed_at", nullable=True),
        F("company", _("Company"), "ref", "company_id", nullable=True),
        F("company.city", _("Company's city"), "text", "company__city", nullable=True),
        *record_fields(),
    ])  # fmt: skip
    for key, model, label, dated in (
        ("quote", Quote, _("Quotes"), F("valid_until", _("Valid until"), "date", "valid_until",
                                         nullable=True)),
        ("order", Order, _("Orders"), F("ordered_at", _("Ordered"), "datetime", "ordered_at")),
    ):  # fmt: skip
        conditions.register(key, model, label, [
            F("number", _("Number"), "text", "number"),
            *([F("title", _("Title"), "text", "title")] if key == "quote" else []),
            F("status", _("Status"), "choice", "status", choices=lambda m=model: m.Status.choices),
            F("total", _("Total"), "number", "total", extra={"currency": "currency"}),
            F("currency", _("Currency"), "choice", "currency", choices=_currencies),
            F("company", _("Company"), "ref", "company_id", nullable=True),
            F("company.city", _("Company's city"), "text", "company__city", nullable=True),
            F("deal", _("Deal"), "ref", "deal_id", nullable=True),
            dated,
            *record_fields(),
        ])  # fmt: skip


def param_rules(list_key: str, params) -> dict[str, dict]:
    """The rule each of a sales list's URL filters means (parameter → rule); the search
    (`?q=`) and "next step overdue" (relative to today) are not conditions."""
    rules: dict[str, dict] = {}
    owner = params.get("owner")
    if owner:
        rules["owner"] = {"field": "owner", "op": "eq", "value": owner}
    names = {"deal": ("status", "pipeline", "stage", "company"), "lead": ("status", "source")}
    for name in names.get(list_key, ("status",)):
        if params.get(name):
            rules[name] = {"field": name, "op": "eq", "value": params[name]}
    return rules


def list_condition(list_key: str, params, user) -> dict:
    """A sales list's URL filters as a condition (to save them as a view)."""
    return {"all": list(param_rules(list_key, params).values())}
