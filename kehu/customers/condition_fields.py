"""People and companies in the condition language (kehu/core/conditions)."""

from django.utils.translation import gettext_lazy as _

from kehu.core import conditions
from kehu.core.conditions.common import custom_fields, record_fields, tag_field
from kehu.core.conditions.registry import ConditionField as F


def register() -> None:
    from kehu.customers.models import Company, Person

    conditions.register("person", Person, _("People"), [
        F("name", _("Name"), "text", "name"),
        F("email", _("Email"), "text", "email"),
        F("phone", _("Phone"), "text", "phone"),
        F("title", _("Job title"), "text", "title"),
        F("city", _("City"), "text", "city"),
        F("birthday", _("Birthday"), "date", "birthday", nullable=True),
        F("company", _("Company"), "ref", "company_id", nullable=True),
        F("company.city", _("Company's city"), "text", "company__city", nullable=True),
        F("company.industry", _("Company's industry"), "text", "company__industry",
          nullable=True),
        tag_field("person"),
        *record_fields(),
    ], more_fields=lambda: custom_fields("person"))  # fmt: skip
    conditions.register("company", Company, _("Companies"), [
        F("name", _("Name"), "text", "name"),
        F("email", _("Email"), "text", "email"),
        F("phone", _("Phone"), "text", "phone"),
        F("industry", _("Industry"), "text", "industry"),
        F("city", _("City"), "text", "city"),
        F("website", _("Website"), "text", "website"),
        tag_field("company"),
        *record_fields(),
    ], more_fields=lambda: custom_fields("company"))  # fmt: skip


def list_condition(entity: str, params, user) -> dict:
    """The people or company list's URL filters as a condition (to save them as a view).

    `?q=` (the search) has no condition: a saved view keeps filters, not a search."""
    rules: list[dict] = []
    owner = params.get("owner")
    if owner:
        rules.append({"field": "owner", "op": "eq", "value": "me" if owner == "me" else owner})
    if params.get("tag"):
        rules.append({"field": "tags", "op": "has", "value": params["tag"]})
    company = params.get("company")
    if entity == "person" and company:
        rules.append(
            {"field": "company", "op": "is_empty"}
            if company == "none"
            else {"field": "company", "op": "eq", "value": company}
        )
    for name, path, op in (
        ("created_after", "created_at", "on_or_after"),
        ("created_before", "created_at", "on_or_before"),
        ("updated_after", "updated_at", "on_or_after"),
        ("updated_before", "updated_at", "on_or_before"),
    ):
        if params.get(name):
            rules.append({"field": path, "op": op, "value": params[name]})
    text_ops = {"eq": "contains"}
    for key in params:
        if key.startswith("cf_") and params.get(key):
            field = conditions.fields_of(entity).get(f"custom.{key[3:]}")
            if field is None:
                continue
            if field.type == "boolean":
                rules.append(
                    {"field": field.path, "op": "is_true" if params[key] == "true" else "is_false"}
                )
            else:
                op = (
                    text_ops["eq"]
                    if field.type == "text"
                    else "eq"
                    if field.type != "date"
                    else "on"
                )
                rules.append({"field": field.path, "op": op, "value": params[key]})
    return {"all": rules}
