"""Activities (tasks above all) in bulk actions (kehu/core/bulk): the rows the activity
filters match, the fields "set a field" changes, and the services each action calls."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from kehu.activities import services
from kehu.activities.models import Activity
from kehu.core.bulk import registry
from kehu.core.bulk.registry import BulkField, BulkKind


def _matching(user, params):
    """The visible activities the export's filters match (kind, owner, open, dates)."""
    from kehu.activities.exporting import filter_activities

    qs, errors = filter_activities(Activity.objects.visible_to(user), params, user)
    if errors:
        raise ValidationError(errors)
    return qs


def _priorities() -> list[tuple[str, str]]:
    return [(v, str(label)) for v, label in Activity.Priority.choices]


def register() -> None:
    registry.register(
        BulkKind(
            key="activity",
            label=_("Activities"),
            model=Activity,
            list_url="my-day",
            matching=_matching,
            update=services.update_activity,
            delete=services.delete_activity,
            restore=services.restore_activity,
            fields=(BulkField("priority", _("Priority"), choices=_priorities),),
        )
    )
