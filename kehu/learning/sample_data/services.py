"""Starting a sample-data load and running it (the task in `tasks` calls `run`)."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu import demo
from kehu.accounts.models import User
from kehu.accounts.services import require_admin
from kehu.learning.models import SampleDataLoad

logger = logging.getLogger(__name__)

#: a load not finished after this many seconds is no longer "in progress" for the offer
STALE_SECONDS = 3600


def instance_is_empty() -> bool:
    return demo.has_no_customers()


def load_in_progress() -> SampleDataLoad | None:
    since = timezone.now() - datetime.timedelta(seconds=STALE_SECONDS)
    return (
        SampleDataLoad.objects.filter(
            state__in=[SampleDataLoad.State.QUEUED, SampleDataLoad.State.RUNNING],
            created_at__gte=since,
        )
        .order_by("-id")
        .first()
    )


def start_load(actor: User) -> SampleDataLoad:
    """Queue the load (administrators only). ValidationError when the instance holds people
    or companies, or a load is already under way: nothing is queued then."""
    require_admin(actor)
    if not instance_is_empty():
        raise ValidationError(
            _("Sample data is only loaded into an instance without people or companies.")
        )
    with transaction.atomic():
        running = load_in_progress()
        if running is not None:
            raise ValidationError(_("Sample data is being loaded already."))
        load = SampleDataLoad.objects.create(started_by=actor)
    from kehu.learning.sample_data.tasks import load_sample_data

    transaction.on_commit(lambda: load_sample_data.enqueue(load.pk))
    return load


def run(load_id: int) -> None:
    """Load the sample data for the request `load_id`. The row says queued, running, then done
    (with what was made) or failed (with why); the load itself is one transaction, so a
    failure leaves nothing half-made."""
    load = SampleDataLoad.objects.filter(pk=load_id, state=SampleDataLoad.State.QUEUED).first()
    if load is None:
        return
    SampleDataLoad.objects.filter(pk=load.pk).update(state=SampleDataLoad.State.RUNNING)
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(str(line).strip())

    actor = load.started_by
    try:
        if actor is None or not actor.is_admin:
            raise ValidationError(_("Only administrators may do this."))
        if not demo.load_sample(actor, log=log):
            raise ValidationError(
                _("Sample data is only loaded into an instance without people or companies.")
            )
    except Exception as exc:  # noqa: BLE001 — the page shows what went wrong; nothing was loaded
        if isinstance(exc, ValidationError):
            message = "; ".join(exc.messages)
        else:
            # the details are for the server's log; the page says it failed (no error text)
            logger.exception("loading sample data %s failed", load.pk)
            message = ""
        SampleDataLoad.objects.filter(pk=load.pk).update(
            state=SampleDataLoad.State.FAILED, error=message, finished_at=timezone.now()
        )
        return
    SampleDataLoad.objects.filter(pk=load.pk).update(
        state=SampleDataLoad.State.DONE, progress="\n".join(lines), finished_at=timezone.now()
    )
