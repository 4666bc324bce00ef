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
