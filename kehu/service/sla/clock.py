"""A ticket's SLA clocks: which policy it falls under, when its first response and its
resolution are due in working time, and the pause while it waits for the customer.

The resolution is due `target + paused` working seconds after the ticket was opened, where
`paused` is the working time it spent waiting for the customer (pending) so far; so a change of
the calendar recomputes every due time from the ticket's own facts (`recompute`). The first
response does not pause: a ticket only waits for the customer after someone answered.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q

from kehu.core.bulk_write import update_rows
from kehu.service.sla.calendar import WorkingCalendar, default_hours
from kehu.service.sla.models import BusinessCalendar, SlaPolicy

if TYPE_CHECKING:
    from kehu.service.tickets.models import Ticket

#: statuses in which the resolution clock stands still
PAUSED = ("pending", "solved", "closed")
#: statuses in which no clock runs at all
FINISHED = ("solved", "closed")
FALLBACK_ZONE = "Asia/Shanghai"


def calendar_for(
    team_id: int | None, cache: dict[Any, WorkingCalendar] | None = None
) -> WorkingCalendar:
    """The working calendar of `team_id`'s team, else the calendar without a team, else a
    Chinese office's week (09:00–18:00 with a lunch break, holidays and 调休)."""
    if cache is not None and team_id in cache:
        return cache[team_id]
    rows = {
        c.team_id: c for c in BusinessCalendar.objects.filter(Q(team_id=team_id) | Q(team=None))
    }
    found = rows.get(team_id) or rows.get(None)
    engine = (
        found.engine()
        if found is not None
        else WorkingCalendar(time_zone=FALLBACK_ZONE, hours=default_hours())
    )
    if cache is not None:
        cache[team_id] = engine
    return engine


def policy_for(
    ticket: Ticket, policies: list[SlaPolicy] | None = None, tags: set[int] | None = None
) -> SlaPolicy | None:
    """The first active policy, in order, whose priority and customer tier fit the ticket;
    `tags`: its company's tag ids, when the caller read them already."""
    if policies is None:
        policies = list(SlaPolicy.objects.filter(active=True).order_by("position", "id"))
    for policy in policies:
        if policy.priority and policy.priority != ticket.priority:
            continue
        if policy.tier_tag_id:
            if tags is None:
                tags = company_tags([ticket.company_id]).get(ticket.company_id or 0, set())
            if policy.tier_tag_id not in tags:
                continue
        return policy
    return None


def company_tags(company_ids: list[int | None]) -> dict[int, set[int]]:
    """The tag ids of each company, in one query."""
    from kehu.customers.models import Company

    found: dict[int, set[int]] = {}
    ids = {pk for pk in company_ids if pk}
    if ids:
        through: Any = Company.tags.through
        links = through.objects.filter(company_id__in=ids)
        for company_id, tag_id in links.values_list("company_id", "tag_id"):
            found.setdefault(company_id, set()).add(tag_id)
    return found


def settle(
    ticket: Ticket,
    before_status: str | None,
    now: datetime.datetime,
    *,
    repick: bool = False,
    calendar: WorkingCalendar | None = None,
) -> None:
    """Bring the ticket's clocks up to date after a change (not saved): a new or changed
    ticket (`repick`) gets its policy again; entering "pending" stops the resolution clock and
    leaving it adds the working time it stood still."""
    if repick or (ticket.sla_policy_id is None and before_status is None):
        policy = policy_for(ticket)
        ticket.sla_policy = policy
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    if policy is None:
        ticket.first_response_due_at = ticket.resolution_due_at = None
        ticket.sla_due_at = ticket.sla_check_at = ticket.sla_paused_at = None
        return
    engine = calendar or calendar_for(ticket.team_id)
    paused_at = ticket.sla_paused_at
    paused_now = ticket.status in PAUSED
    if paused_at is not None and not paused_now:
        ticket.sla_paused_seconds += engine.business_seconds_between(paused_at, now)
        ticket.sla_paused_at = None
    elif paused_now and paused_at is None:
        ticket.sla_paused_at = now
    due_times(ticket, policy, engine)


def due_times(ticket: Ticket, policy: SlaPolicy, engine: WorkingCalendar) -> None:
    """Set the due times from the ticket's opening, its policy and the time it stood still."""
    opened = ticket.created_at
    ticket.first_response_due_at = engine.add_business_seconds(
        opened, policy.first_response_minutes * 60
    )
    ticket.resolution_due_at = engine.add_business_seconds(
        opened, policy.resolution_minutes * 60 + ticket.sla_paused_seconds
    )
    refresh(ticket)


def running(ticket: Ticket) -> list[tuple[str, datetime.datetime]]:
    """The targets whose clock runs: (kind, due time), breached ones too."""
    if ticket.status in FINISHED:
        return []
    found = []
    if ticket.first_response_at is None and ticket.first_response_due_at is not None:
        found.append(("first_response", ticket.first_response_due_at))
    if ticket.sla_paused_at is None and ticket.resolution_due_at is not None:
        found.append(("resolution", ticket.resolution_due_at))
    return found


def next_due(ticket: Ticket) -> datetime.datetime | None:
    """The earliest target still running: what queues sort by and "breaching soon" reads."""
    found = [due for _kind, due in running(ticket)]
    return min(found) if found else None


def is_breached(ticket: Ticket, kind: str) -> bool:
    return (
        ticket.first_response_breached if kind == "first_response" else ticket.resolution_breached
    )


def next_check(ticket: Ticket, warn_minutes: int) -> datetime.datetime | None:
    """When the clock sweep must look at the ticket again: a running target's warning time,
    or once warned, its due time; None when every running target is met or recorded late."""
    times = []
    for kind, due in running(ticket):
        if not is_breached(ticket, kind):
            warned = ticket.sla_warned_for == due
            times.append(due if warned else due - datetime.timedelta(minutes=warn_minutes))
    return min(times) if times else None


def refresh(ticket: Ticket) -> None:
    """The next due time and sweep time after a change of status or a first response."""
    ticket.sla_due_at = next_due(ticket)
    policy = ticket.sla_policy if ticket.sla_policy_id else None
    ticket.sla_check_at = next_check(ticket, policy.warn_minutes) if policy else None


def time_left(ticket: Ticket, now: datetime.datetime) -> datetime.timedelta | None:
    """Until the next due time, negative when it has passed; None when no clock runs."""
    return None if ticket.sla_due_at is None else ticket.sla_due_at - now


SLA_FIELDS = ["sla_policy", "first_response_due_at", "resolution_due_at", "sla_due_at",
              "sla_paused_at", "sla_paused_seconds", "sla_check_at"]  # fmt: skip
BATCH = 2000
#: what recomputing reads of a ticket: the facts its due times come from
READ_FIELDS = ["created_at", "status", "priority", "company", "team", "sla_policy",
               "first_response_at", "first_response_due_at", "resolution_due_at", "sla_due_at",
               "sla_paused_at", "sla_paused_seconds", "sla_check_at", "sla_warned_for",
               "first_response_breached", "resolution_breached"]  # fmt: skip


def recompute(team_ids: list[int | None] | None = None) -> int:
    """Every unsolved ticket's due times again (after a calendar or policy change), in
    batches; `team_ids` narrows it to those teams' tickets (None in it: tickets of teams
    without a calendar of their own). Returns how many tickets were recomputed."""
    from kehu.service.tickets.models import UNSOLVED, Ticket

    policies = list(SlaPolicy.objects.filter(active=True).order_by("position", "id"))
    calendars: dict[Any, WorkingCalendar] = {}
    own = set(BusinessCalendar.objects.exclude(team=None).values_list("team_id", flat=True))
    tiered = any(p.tier_tag_id for p in policies)
    qs = Ticket.objects.filter(status__in=UNSOLVED)
    if team_ids is not None:
        teams = [t for t in team_ids if t is not None]
        condition = Q(team_id__in=teams)
        if None in team_ids:
            condition |= Q(team__isnull=True) | ~Q(team_id__in=own)
        qs = qs.filter(condition)
    done = 0
    last = 0
    while True:
        batch = list(qs.filter(pk__gt=last).only(*READ_FIELDS).order_by("pk")[:BATCH])
        if not batch:
            return done
        tags = company_tags([t.company_id for t in batch]) if tiered else {}
        for ticket in batch:
            policy = policy_for(ticket, policies, tags.get(ticket.company_id or 0, set()))
            ticket.sla_policy = policy
            if policy is None:
                ticket.first_response_due_at = ticket.resolution_due_at = None
                ticket.sla_due_at = ticket.sla_check_at = None
                continue
            engine = calendar_for(ticket.team_id if ticket.team_id in own else None, calendars)
            due_times(ticket, policy, engine)
        with transaction.atomic():
            update_rows(Ticket, batch, SLA_FIELDS)
        done += len(batch)
        last = batch[-1].pk
