"""Background work for sales: emailing a quote with its PDF."""

import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import translation
from django_tasks import task


@task()
def email_quote(quote_id: int, subject: str, message: str, sender_id: int | None) -> None:
    """Email the quote's PDF to the address it was sent to; the outcome goes on the quote."""
    from kehu.accounts.models import User
    from kehu.sales.models import Quote
    from kehu.sales.quotes.emailing import one_line, record_email_result
    from kehu.sales.quotes.pdf import quote_pdf

    quote = Quote.all_objects.filter(pk=quote_id).first()
    if quote is None or not quote.email_to:
        return
    sender = User.objects.filter(pk=sender_id).first() if sender_id else None
    language = sender.language if sender and sender.language else "en"
    with translation.override(language):
        pdf = quote_pdf(quote)
        email = EmailMessage(
            subject=one_line(subject or quote.title),
            body=message,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[quote.email_to],
            reply_to=[sender.email] if sender and sender.email else None,
        )
        email.attach(f"{quote.label.replace(' ', '-')}.pdf", pdf, "application/pdf")
        try:
            email.send()
        except (
            smtplib.SMTPException,
            OSError,
            ValueError,
        ) as exc:  # refused, timed out, bad header
            record_email_result(quote.pk, f"{type(exc).__name__}: {exc}")
            return
    record_email_result(quote.pk)


@task()
def rescore_leads() -> int:
    """Score every open lead again (scoring rules changed, or a new model)."""
    from kehu.sales.scoring.services import rescore_open_leads

    return rescore_open_leads()


@task()
def train_lead_score() -> bool:
    """Train the learned lead score on the decided leads, then score the open ones."""
    from kehu.sales.scoring.services import rescore_open_leads, train

    model = train()
    rescore_open_leads()
    return model is not None


@task(takes_context=True)
def daily_jobs(context) -> None:
    """Once a day: train the learned score, score every open lead (time passes: "30 days
    without contact"), send the follow-up digests; then schedule tomorrow's run."""
    from kehu.sales.daily.services import run_daily

    run_daily(own_run=context.task_result.id)
