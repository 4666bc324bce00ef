"""Activities in the condition language (kehu/core/conditions)."""

from django.utils.translation import gettext_lazy as _

from kehu.core import conditions
from kehu.core.conditions.common import record_fields
from kehu.core.conditions.registry import ConditionField as F


def register() -> None:
    from kehu.activities.models import Activity

    conditions.register("activity", Activity, _("Activities"), [
        F("kind", _("Kind"), "choice", "kind", choices=lambda: Activity.Kind.choices),
        F("subject", _("Subject"), "text", "subject"),
        F("at", _("When"), "datetime", "at"),
        F("due_at", _("Due"), "datetime", "due_at", nullable=True),
        F("done_at", _("Done"), "datetime", "done_at", nullable=True),
        F("priority", _("Priority"), "choice", "priority",
          choices=lambda: Activity.Priority.choices),
        F("company", _("Company"), "ref", "company_id", nullable=True),
        F("private", _("Private"), "boolean", "private"),
        *record_fields(),
    ])  # fmt: skip
