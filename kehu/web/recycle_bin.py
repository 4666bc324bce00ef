"""The recycle bin: every kind of record someone deleted, that they may see, newest first."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy

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
        sections.append(
            {
                "kind": kind,
                "page": page,
                "count": count,
                "more": more,
                "cursor_name": cursor_name,
                "can_restore": follows_records or visibility.can(user, kind.model.module, "delete"),
            }
        )
    return render(request, "web/recycle_bin.html", {"sections": sections, "nav": "bin"})
