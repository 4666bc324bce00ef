"""How ticket lists read: the agents' queues, the filters and sorts, the counts in the
navigation. The UI and the API share them."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kehu.core import search
from kehu.service.tickets.models import UNSOLVED, Ticket

SORTS = ["-updated_at", "updated_at", "-created_at", "created_at"]
BREACHING_SOON = datetime.timedelta(hours=1)
#: queue key → (label, condition for `user`)
QUEUES = {
    "mine": gettext_lazy("Mine"),
    "unassigned": gettext_lazy("My team's unassigned"),
    "breaching": gettext_lazy("Breaching soon"),
    "pending": gettext_lazy("Pending customer"),
    "open": gettext_lazy("All open"),
    "all": gettext_lazy("All tickets"),
}


def queue_condition(queue: str, user: Any) -> Q:
    unsolved = Q(status__in=UNSOLVED)
    if queue == "mine":
        return unsolved & Q(owner_id=user.pk)
    if queue == "unassigned":
        return unsolved & Q(owner__isnull=True, team_id=user.team_id)
    if queue == "breaching":
        # due within the hour, or already late; the clock runs only on unsolved tickets
        return Q(sla_due_at__lte=timezone.now() + BREACHING_SOON)
    if queue == "pending":
        return Q(status=Ticket.Status.PENDING)
    if queue == "open":
        return unsolved
    if queue == "all":
        return Q()
    raise ValidationError({"queue": [_("Choose one of the queues.")]})


def queue_counts(qs: QuerySet[Ticket], user: Any) -> dict[str, int]:
    """How many tickets wait in each queue (but "all"), in one query over the visible ones."""
    found = qs.aggregate(
        **{key: Count("id", filter=queue_condition(key, user)) for key in QUEUES if key != "all"}
    )
    return {key: found.get(key) or 0 for key in QUEUES if key != "all"}


def _id(value: Any, name: str) -> int:
    text = str(value).strip()
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 2**63):
        raise ValidationError({name: [_("Expected a number.")]})
    return int(text)


def apply_filters(qs: QuerySet[Ticket], params: Any, user: Any) -> QuerySet[Ticket]:
    """Narrow tickets by the list parameters (a QueryDict or dict); ValidationError names
    every parameter it could not read."""
    errors: dict[str, list[str]] = {}

    def narrow(name: str, build: Any) -> None:
        nonlocal qs
        value = params.get(name)
        if value not in (None, ""):
            try:
                qs = qs.filter(build(str(value)))
            except ValidationError as exc:
                errors.update(exc.message_dict)

    def choice(choices: Any, name: str) -> Any:
        def build(value: str) -> Q:
            if value not in choices.values:
                raise ValidationError({name: [_("Choose one of the offered values.")]})
            return Q(**{name: value})

        return build

    def owner(value: str) -> Q:
        if value == "me":
            return Q(owner_id=user.pk)
        if value == "none":
            return Q(owner__isnull=True)
        return Q(owner_id=_id(value, "owner"))

    narrow("queue", lambda v: queue_condition(v, user))
    narrow("status", choice(Ticket.Status, "status"))
    narrow("priority", choice(Ticket.Priority, "priority"))
    narrow("channel", choice(Ticket.Channel, "channel"))
    narrow("owner", owner)
    narrow("team", lambda v: Q(team_id=_id(v, "team")))
    narrow(
        "category",
        lambda v: Q(category_id=_id(v, "category")) | Q(category__parent_id=_id(v, "category")),
    )
    narrow("requester", lambda v: Q(requester_id=_id(v, "requester")))
    narrow("company", lambda v: Q(company_id=_id(v, "company")))
    if errors:
        raise ValidationError(errors)
    q = (params.get("q") or "").strip()
    if q:
        qs = search.search(qs, q, cap=search.LIST_MATCH_CAP)
    return qs
