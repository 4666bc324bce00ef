# mypy: disable-error-code="arg-type, attr-defined"
"""The recycle bin: every kind of record someone deleted, that they may see, newest first."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.shortcuts import render
from django.utils.translation import gettext_lazy

from kehu.activities import services as activity_services
from kehu.activities.models import Activity
from kehu.core import visibility
from kehu.core.pagination import BadCursor, capped_count, paginate
from kehu.customers.models import Company, Person
from kehu.sales.models import Deal, Lead, Quote

PAGE_SIZE = 50


@dataclass(frozen=True)
class BinKind:
    key: str
    model: type
    title: str
    restore_url: str  # URL name of the record's restore action


KINDS = [
    BinKind("person", Person, gettext_lazy("People"), "person-restore"),
    BinKind("company", Company, gettext_lazy("Companies"), "company-restore"),
    BinKind("lead", Lead, gettext_lazy("Leads"), "lead-restore"),
    BinKind("deal", Deal, gettext_lazy("Deals"), "deal-restore"),
    BinKind("quote", Quote, gettext_lazy("Quotes"), "quote-restore"),
    BinKind("activity", Activity, gettext_lazy("Activities"), "activity-restore"),
]


@login_required
def recycle_bin(request):
    user = request.user
    sections = []
    for kind in KINDS:
        # activities have no module of their own: they follow their records (decision 0014)
        follows_records = kind.model is Activity
        if not follows_records and not visibility.can(user, kind.model.module, "read"):
            continue
        binned = kind.model.all_objects.visible_to(user).in_recycle_bin()
        binned = binned.select_related("owner", "deleted_by")
        cursor_name = f"{kind.key}_cursor"
        try:
            page = paginate(binned, "-deleted_at", request.GET.get(cursor_name), PAGE_SIZE)
        except BadCursor:
            page = paginate(binned, "-deleted_at", None, PAGE_SIZE)
        count, more = capped_count(binned)
        _mark_restorable(user, kind.model, page.items)
        sections.append(
            {
                "kind": kind,
                "page": page,
                "count": count,
                "more": more,
                "cursor_name": cursor_name,
            }
        )
    return render(request, "web/recycle_bin.html", {"sections": sections, "nav": "bin"})


def _mark_restorable(user, model, items: list) -> None:
    """Set `restorable` on each binned item: whether the user may restore it, by the rule its
    restore service checks. A record: its module's delete right. An activity: its owner, or
    anyone who may edit the record it is on (`restore_activity`); the read door has already
    left out those whose record the user does not see. No query per item."""
    if model is not Activity:
        allowed = visibility.can(user, model.module, "delete")
        for item in items:
            item.restorable = allowed
        return
    for item in items:
        record_model = ContentType.objects.get_for_id(item.content_type_id).model_class()
        item.restorable = record_model is not None and activity_services.may_restore(
            user, item, record_model.module
        )
