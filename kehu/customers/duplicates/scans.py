"""Starting the background scan (one at a time)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from kehu.accounts.models import User
from kehu.customers.duplicates.models import DuplicateScan

STALE = datetime.timedelta(hours=2)


def start_scan(actor: User) -> DuplicateScan:
    """Queue a scan for duplicates (administrators only: it reads every record); a scan
    already waiting or running is answered instead of a second one."""
    if not actor.is_admin:
        raise PermissionDenied
    from kehu.customers.tasks import scan_duplicates

    with transaction.atomic():
        busy = DuplicateScan.objects.select_for_update().filter(status__in=["queued", "running"])
        current = busy.order_by("-id").first()
        # a scan of a million people takes minutes: one older than STALE died with its worker
        if current is not None and timezone.now() - current.created_at < STALE:
            return current
        busy.update(status="failed", error="abandoned")
        scan = DuplicateScan.objects.create(started_by=actor)
        transaction.on_commit(lambda: scan_duplicates.enqueue(scan.pk))
    return scan
