"""Leases: how a long piece of work (an import, later a campaign or a report) says "a live
worker is on this" and how a dead worker's work is found and taken up again.

A row that can be worked on carries `lease_until` (when the lease runs out) and `lease_token`
(who holds it). A worker takes the row with one conditional UPDATE (`claim`), so of two
workers exactly one wins; it renews the lease with every step it commits (`heartbeat`, in
the same transaction as the step, checking the token), so a worker that lost its lease
cannot commit anything more; a lease that was not renewed in time (`expired`) belongs to a
worker that was killed or hangs, and the recovery sweep (`kehu.core.recovery`) hands the
work to another.

Reminders and invitation deliveries use the same idea with a fixed claim time
(`claimed_at` + CLAIM_TIMEOUT): each of their claims lasts seconds, so they need no heartbeat.
"""

import datetime
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class LostLease(Exception):
    """The lease ran out and another worker took the work over (or it was stopped): whatever
    the current transaction wrote must be rolled back."""


def duration() -> datetime.timedelta:
    """How long a lease lasts without a heartbeat (KEHU_LEASE_SECONDS, default one minute)."""
    return datetime.timedelta(seconds=float(settings.LEASE_SECONDS))


def new_token() -> str:
    return secrets.token_hex(16)


def free(now: datetime.datetime | None = None) -> Q:
    """Rows nobody holds: never leased, released, or leased by a worker that stopped renewing."""
    now = now or timezone.now()
    return Q(lease_until__isnull=True) | Q(lease_until__lt=now)


def claim(
    queryset: models.QuerySet[Any], pk: int, token: str | None = None, **changes: Any
) -> str | None:
    """Take the row `pk` of `queryset` unless a live lease holds it, writing `changes` with the
    lease; returns the lease token, or None when another worker holds it (or the row is not
    in `queryset`). One UPDATE ... WHERE, so two workers never both win."""
    token = token or new_token()
    won = (
        queryset.filter(pk=pk)
        .filter(free())
        .update(lease_token=token, lease_until=timezone.now() + duration(), **changes)
    )
    return token if won else None


def heartbeat(queryset: models.QuerySet[Any], pk: int, token: str, **changes: Any) -> None:
    """Renew our lease on `pk`, writing `changes` (the work's progress) with it; raises
    LostLease when the lease is not ours any more. Call it inside the transaction that
    commits the step, so a step is committed only by the worker that holds the lease."""
    renewed = queryset.filter(pk=pk, lease_token=token).update(
        lease_until=timezone.now() + duration(), **changes
    )
    if not renewed:
        raise LostLease


def release(
    queryset: models.QuerySet[Any], pk: int, token: str | None = None, **changes: Any
) -> bool:
    """End the lease on `pk` (ours when `token` is given) and write `changes`; False when it
    was not ours or the row is not in `queryset`."""
    rows = queryset.filter(pk=pk)
    if token is not None:
        rows = rows.filter(lease_token=token)
    return bool(rows.update(lease_until=None, lease_token="", **changes))


def expired(
    queryset: models.QuerySet[Any], now: datetime.datetime | None = None
) -> models.QuerySet[Any]:
    """Rows of `queryset` whose lease ran out (or that were left without one): their worker
    stopped. Filter `queryset` to the rows that should be held (say, status "running")."""
    return queryset.filter(free(now))


def live(
    queryset: models.QuerySet[Any], now: datetime.datetime | None = None
) -> models.QuerySet[Any]:
    """Rows of `queryset` a worker holds right now."""
    return queryset.exclude(free(now))
