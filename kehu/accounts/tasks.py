"""Background work for accounts: the mails of an email address change."""

import logging
import smtplib
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

log = logging.getLogger(__name__)


@task()
def mail_email_change(change_pk: int, nonce: str) -> str:
    """Mail the confirmation link to the new address and a notice to the old one. Only for the
    request it was queued for, and only once: a newer request or a used link sends nothing."""
    from kehu.accounts.email_change import CONFIRM_HOURS, confirmation_url
    from kehu.accounts.models import EmailChange

    change = (
        EmailChange.objects.select_related("user")
        .filter(pk=change_pk, nonce=nonce, confirmed_at__isnull=True, mailed_at__isnull=True)
        .first()
    )
    if change is None:
        return "nothing to send"
    user = change.user
    name = user.get_full_name() or user.username
    with translation.override(user.language or settings.LANGUAGE_CODE):
        local = timezone.localtime(change.requested_at, zoneinfo.ZoneInfo(user.zone))
        values = {
            "name": name,
            "username": user.username,
            "new": change.new_email,
            "url": confirmation_url(change),
            "hours": CONFIRM_HOURS,
            "when": formats.date_format(local, "DATETIME_FORMAT"),
        }
        mails = [
            EmailMessage(
                subject=_("Confirm your new email address for Kehu"),
                body=_(
                    "Hello %(name)s,\n\nsomeone, hopefully you, asked to make %(new)s the email "
                    "address of the Kehu account “%(username)s”. To confirm, open this link "
                    "within %(hours)s hours, logged in as %(username)s:\n\n%(url)s\n\n"
                    "If you did not ask for this, ignore this email: nothing changes."
                )
                % values,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[change.new_email],
            )
        ]
        if change.old_email:
            mails.append(
                EmailMessage(
                    subject=_("A change of your Kehu email address was requested"),
                    body=_(
                        "Hello %(name)s,\n\non %(when)s someone asked to change the email "
                        "address of your Kehu account “%(username)s” to %(new)s. It changes only "
                        "when the link sent to that address is opened.\n\nIf this was not you, "
                        "change your password and tell an administrator."
                    )
                    % values,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[change.old_email],
                )
            )
    for mail in mails:
        try:
            mail.send()
        except (smtplib.SMTPException, OSError, ValueError):  # refused, down, bad header
            log.exception("could not mail the email change of user %s to %s", user.pk, mail.to)
            return "failed"
    EmailChange.objects.filter(pk=change.pk).update(mailed_at=timezone.now())
    return "sent"
