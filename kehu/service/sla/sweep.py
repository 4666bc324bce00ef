"""The SLA clock sweep, once a minute: a warning before a target is missed, and at the miss a
recorded breach and the escalation its policy asks for (the team's leads are told; the ticket
may go to someone else or up one priority). Each ticket says when it next needs looking at
(`sla_check_at`), so a sweep reads only those, through one index."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from kehu.accounts.models import User
from kehu.core import audit, events, visibility
from kehu.service.sla import clock
from kehu.service.sla.models import SlaBreach, SlaPolicy

if TYPE_CHECKING:
    from kehu.service.tickets.models import Ticket

log = logging.getLogger(__name__)
BATCH = 200
RAISED = {"low": "normal", "normal": "high", "high": "urgent"}


def sweep(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Warn and record breaches for every ticket whose check time has come; returns
    (warnings, breaches)."""
    from kehu.service.tickets.models import Ticket

    now = now or timezone.now()
    warned = breached = 0
    seen: set[int] = set()
    while True:
        due = list(
            Ticket.objects.filter(sla_check_at__lte=now)
            .exclude(pk__in=seen)
            .order_by("sla_check_at")
            .values_list("pk", flat=True)[:BATCH]
        )
        if not due:
            return warned, breached
        for pk in due:
            seen.add(pk)
            w, b = _check(pk, now)
            warned, breached = warned + w, breached + b


def _check(pk: int, now: datetime.datetime) -> tuple[int, int]:
    from kehu.service.tickets.models import Ticket

    with transaction.atomic():
        ticket = (
            Ticket.all_objects.select_for_update(of=("self",))
            .select_related("sla_policy")
            .filter(pk=pk)
            .first()
        )
        if ticket is None or ticket.sla_check_at is None or ticket.sla_check_at > now:
            return 0, 0
        policy = ticket.sla_policy
        if policy is None or ticket.deleted_at is not None:
            Ticket.all_objects.filter(pk=pk).update(sla_check_at=None)
            return 0, 0
        warned = breached = 0
        for kind, due in clock.running(ticket):
            if clock.is_breached(ticket, kind):
                continue
            if due <= now:
                _breach(ticket, policy, kind, due, now)
                breached += 1
            elif (
                due - datetime.timedelta(minutes=policy.warn_minutes) <= now
                and ticket.sla_warned_for != due
            ):
                _warn(ticket, kind, due)
                ticket.sla_warned_for = due
                warned += 1
        ticket.sla_check_at = clock.next_check(ticket, policy.warn_minutes)
        ticket.save(
            update_fields=["sla_check_at", "sla_warned_for", "first_response_breached",
                           "resolution_breached", "owner", "priority", "team", "version"]
        )  # fmt: skip
    return warned, breached


def _people_to_tell(ticket: Ticket) -> list[User]:
    """Who hears about a ticket's clock: its assignee, else its team's leads."""
    owner = ticket.owner if ticket.owner_id else None
    if owner is not None and owner.is_active:
        return [owner]
    return leads_of(ticket.team_id)


def leads_of(team_id: int | None) -> list[User]:
    """The team's leads: its active members whose role may delete tickets (support leads,
    managers); without a team, the administrators."""
    members = User.objects.filter(is_active=True).select_related("role")
    members = members.filter(team_id=team_id) if team_id else members
    return [u for u in members[:200] if visibility.can(u, "service", "delete") and
            (team_id or u.is_admin)]  # fmt: skip


def _label(kind: str) -> str:
    return str(SlaBreach.Kind(kind).label)


def _warn(ticket: Ticket, kind: str, due: datetime.datetime) -> None:
    from kehu.activities.notifications.services import notify

    for user in _people_to_tell(ticket):
        with override(user.language or None):
            text = _("%(target)s of ticket %(ref)s is due at %(due)s: %(subject)s") % {
                "target": _label(kind),
                "ref": ticket.reference,
                "due": timezone.localtime(due, timezone=_zone(user)).strftime("%Y-%m-%d %H:%M"),
                "subject": ticket.subject,
            }
        notify(user, "sla_warning", text, ticket.get_absolute_url())


def _zone(user: User) -> datetime.tzinfo:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(user.zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def _breach(
    ticket: Ticket, policy: SlaPolicy, kind: str, due: datetime.datetime, now: datetime.datetime
) -> None:
    """Record the miss once, tell the team's leads, and escalate as the policy says."""
    from kehu.activities.notifications.services import notify

    _breach_row, created = SlaBreach.objects.get_or_create(
        ticket=ticket,
        kind=kind,
        defaults={"policy": policy, "due_at": due, "breached_at": now,
                  "owner_id": ticket.owner_id, "team_id": ticket.team_id},
    )  # fmt: skip
    setattr(ticket, f"{kind}_breached", True)
    if not created:
        return
    changes: dict[str, Any] = {"_sla_breach": kind}
    if policy.raise_priority and ticket.priority in RAISED:
        changes["priority"] = [ticket.priority, RAISED[ticket.priority]]
        ticket.priority = RAISED[ticket.priority]
    target = policy.escalate_to if policy.escalate_to_id else None
    if (
        target is not None
        and target.is_active
        and target.pk != ticket.owner_id
        and visibility.can(target, "service", "edit")
    ):
        before = str(ticket.owner) if ticket.owner_id else None
        changes["owner"] = [before, str(target)]
        ticket.owner = target
        if target.team_id:
            ticket.team_id = target.team_id
    if len(changes) > 1:
        ticket.version += 1
    audit.record(None, ticket, "update", changes)
    told = {u.pk: u for u in [*leads_of(ticket.team_id), *_people_to_tell(ticket)]}
    for user in told.values():
        if not isinstance(user, User):
            continue
        with override(user.language or None):
            text = _("SLA missed: %(target)s of ticket %(ref)s was due at %(due)s: %(subject)s") % {
                "target": _label(kind),
                "ref": ticket.reference,
                "due": timezone.localtime(due, timezone=_zone(user)).strftime("%Y-%m-%d %H:%M"),
                "subject": ticket.subject,
            }
        notify(user, "sla_breach", text, ticket.get_absolute_url())
    events.emit("ticket.sla_breached", actor=None, record=ticket, changes={"kind": kind})
