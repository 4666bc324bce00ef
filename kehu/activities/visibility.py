"""Who sees which activities (decision 0014): whoever may see the record an activity was logged
on. A private activity (an email not shared) only its owner, and only while they see the
record: an activity never lets anyone into a record they have lost."""

from typing import Any, TypeVar

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet

from kehu.core import visibility

_Rows = TypeVar("_Rows", bound=QuerySet[Any])


def parent_models() -> list:
    """The records activities can be logged on."""
    from kehu.customers.models import Company, Person
    from kehu.sales.models import Deal, Lead

    return [Person, Company, Lead, Deal]


def _visible_parents(user, action: str = "read") -> Q:
    """The activities on live records the user sees (and may `action`: "export" leaves out
    those on records of a module the user may not export). A record in the recycle bin is
    seen by nobody outside the bin, so its activities are not either, whatever the scope."""
    condition = Q(pk__in=[])
    for model in parent_models():
        if not visibility.can(user, model.module, "read") or not visibility.can(
            user, model.module, action
        ):
            continue
        content_type = ContentType.objects.get_for_model(model)
        if visibility.owners_in_scope(user) is None:
            # every live record: leave out the binned ones (few, read from the binned index)
            # rather than list every live one
            binned = model.all_objects.in_recycle_bin().values("id")
            condition |= Q(content_type=content_type) & ~Q(object_id__in=binned)
        else:
            ids = model.objects.visible_to(user, action).values("id")
            condition |= Q(content_type=content_type, object_id__in=ids)
    return condition


def not_private_to_others(user) -> Q:
    """The activities `user` may see among those of a record they see: all but the private
    ones of others (one condition, shared by the read door and the record timeline)."""
    return Q(private=False) | Q(owner_id=getattr(user, "pk", None))


def filter_visible_activities(qs: _Rows, user: Any, action: str = "read") -> _Rows:
    if not visibility._is_live(user):
        return qs.none()
    return qs.filter(_visible_parents(user, action)).filter(not_private_to_others(user))


def require_activity(user, activity, action: str = "read") -> None:
    """404 for an activity the user cannot see; PermissionDenied when they may see but not
    change it: its owner may, and so may anyone allowed to edit the record it is on."""
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    if not type(activity).objects.visible_to(user).filter(pk=activity.pk).exists():
        raise Http404
    if action == "read" or activity.owner_id == user.pk:
        return
    record = activity.record
    if record is None:
        raise PermissionDenied
    visibility.require_record(user, record, "edit")
