"""Emailing a sent quote: its header text, what the mail server said (written by the task),
and the sweep that fails emails whose worker died."""

import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from kehu.core import audit
from kehu.sales.models import Quote


def one_line(text: object) -> str:
    """Text for an email header: line breaks there would make it a header injection."""
    return " ".join(str(text or "").split())


def email_configured() -> bool:
    return bool(settings.EMAIL_HOST)


def record_email_result(quote_id: int, error: str = "") -> None:
    """What the mail server said, written by the task (not a user change: no new version)."""
    state = Quote.EmailState.FAILED if error else Quote.EmailState.SENT
    Quote.all_objects.filter(pk=quote_id).update(email_state=state, email_error=error[:300])
    quote = Quote.all_objects.get(pk=quote_id)
    facts: dict[str, list[str | None]] = {
        "email_state": [str(Quote.EmailState.QUEUED.label), str(state.label)]
    }
    if error:
        facts["email_error"] = [None, error[:300]]
    audit.record(None, quote, "update", facts)


#: without the database queue, a quote email "sending" for this long lost its task
STALE_SENDING = datetime.timedelta(minutes=30)
#: with it, one whose task is neither queued nor running is stuck once this old
LOST_SENDING = datetime.timedelta(minutes=2)


def fail_interrupted_emails(now: datetime.datetime | None = None) -> int:
    """Mark quote emails stuck in "sending" (their worker was killed) as failed, so the quote
    does not show "Sending" for ever; the user sends it again if it did not arrive. Returns
    how many."""
    from kehu.core.recovery import waiting_for
    from kehu.sales.tasks import email_quote

    waiting = waiting_for(email_quote)
    cutoff = (now or timezone.now()) - (STALE_SENDING if waiting is None else LOST_SENDING)
    stuck = Quote.all_objects.filter(email_state=Quote.EmailState.QUEUED, updated_at__lt=cutoff)
    if waiting:
        stuck = stuck.exclude(pk__in=waiting)
    error = _("Sending was interrupted; it is not known whether it went out.")
    failed = 0
    for quote in stuck[:100]:
        if Quote.all_objects.filter(pk=quote.pk, email_state=Quote.EmailState.QUEUED).update(
            email_state=Quote.EmailState.FAILED, email_error=error[:300]
        ):
            facts = {"email_state": [str(Quote.EmailState.QUEUED.label),
                                     str(Quote.EmailState.FAILED.label)],
                     "email_error": [None, error[:300]]}  # fmt: skip
            audit.record(None, quote, "update", facts)
            failed += 1
    return failed
