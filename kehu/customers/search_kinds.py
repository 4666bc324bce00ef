"""People and companies in the search over every record type (`kehu.core.search.everything`)."""

from urllib.parse import urlencode

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kehu.core.access import users_in_scope
from kehu.core.search import everything
from kehu.core.urls import record_url
from kehu.customers.models import Company, Person


def find_people(user, query: str) -> list[everything.Candidate]:
    return everything.document_candidates(
        Person.objects.visible_to(user),
        query,
        ["id", "name", "email", "company__name"],
        lambda row: everything.Candidate(
            row["id"],
            row["name"],
            row["name"],
            record_url("person-detail", row["id"]),
            row["company__name"] or row["email"] or "",
        ),
    )


def find_companies(user, query: str) -> list[everything.Candidate]:
    return everything.document_candidates(
        Company.objects.visible_to(user),
        query,
        ["id", "name", "website"],
        lambda row: everything.Candidate(
            row["id"], row["name"], row["name"], record_url("company-detail", row["id"]),
            row["website"] or "",
        ),
    )  # fmt: skip


def find_users(user, query: str) -> list[everything.Candidate]:
    """Colleagues the user may list (`users_in_scope`), linked to the people they own. The
    users table holds hundreds of rows, not millions: a scan of it is cheap."""
    words = query.split()[:4]
    if not words:
        return []
    colleagues = users_in_scope(user, "customers")
    for word in words:
        colleagues = colleagues.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    people = reverse("person-list")
    return [
        everything.Candidate(
            colleague.pk,
            colleague.get_full_name() or colleague.username,
            colleague.get_full_name() or colleague.username,
            f"{people}?{urlencode({'owner': colleague.pk})}",
            colleague.username,
        )
        for colleague in colleagues[: everything.CANDIDATES]
    ]


def register() -> None:
    everything.register_kind("person", _("People"), find_people)
    everything.register_kind("company", _("Companies"), find_companies)
    everything.register_kind("user", _("Colleagues"), find_users)
