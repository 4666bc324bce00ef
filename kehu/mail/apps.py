from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    """Email as its own domain: sending, receiving (IMAP or an uploaded file), parsing,
    templates, signatures and the review list of mail nobody matched (decision 0018)."""

    name = "kehu.mail"
    label = "mail"
    verbose_name = _("Mail")

    def ready(self) -> None:
        _watch_tasks()


def _watch_tasks() -> None:
    """How `kehu.core.recovery` tells a run of these tasks that a dead worker left behind."""
    import datetime

    from kehu.core.recovery import watch_task
    from kehu.mail import imap, sending

    minutes = datetime.timedelta(minutes=10)  # each run is short (SMTP and IMAP time out)
    watch_task(imap.poll_mail, longest=3 * minutes, reschedule=imap.schedule_next)
    watch_task(sending.deliver_email, longest=minutes)
