"""The daily follow-up digest: each salesperson's overdue and upcoming next steps and stale
deals, by email (when email is set up and they have an address) and under the bell."""

import logging
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from kehu.accounts.models import User
from kehu.activities.models import Notification
from kehu.activities.notifications.services import notify
from kehu.core import visibility
from kehu.sales.follow_up import follow_ups

log = logging.getLogger(__name__)
SECTIONS = ("overdue_deals", "overdue_leads", "soon_deals", "soon_leads", "stale_deals")


def digest_for(user) -> dict | None:
    """What the user's digest says, or None when nothing needs them."""
    sections = {s.key: s for s in follow_ups(user, user.pk) if s.key in SECTIONS}
    if not any(sections[key].rows for key in SECTIONS):
        return None
    return {"user": user, "sections": sections, "base_url": settings.PUBLIC_URL.rstrip("/")}


def send_digests(made_since=None) -> int:
    """One digest per active salesperson with something due; returns how many were made.
    With `made_since` (a run taken over from a dead worker), users whose digest was made since
    then are skipped, so nobody gets two."""
    made = 0
    users = User.objects.filter(is_active=True).select_related("role").order_by("id")
    if made_since is not None:
        told = Notification.objects.filter(
            user=OuterRef("pk"), kind="digest", created_at__gte=made_since
        )
        users = users.exclude(Exists(told))
    for user in users.iterator(chunk_size=500):
        if not visibility.can(user, "sales", "read"):
            continue
        with translation.override(user.language or settings.LANGUAGE_CODE):
            digest = digest_for(user)
            if digest is None:
                continue
            overdue = len(digest["sections"]["overdue_deals"].rows) + len(
                digest["sections"]["overdue_leads"].rows
            )
            text = _("Your follow-ups today: %(overdue)s overdue; see My pipeline.") % {
                "overdue": overdue
            }
            notify(user, "digest", text, reverse("my-pipeline"))
            if settings.EMAIL_HOST and user.email:
                body = render_to_string("sales/digest_email.txt", digest)
                email = EmailMessage(
                    subject=_("Kehu: your follow-ups for today"),
                    body=body,
                    from_email=settings.DEFAULT_FROM_EMAIL,
                    to=[user.email],
                )
                try:
                    email.send()
                except (smtplib.SMTPException, OSError):  # the bell still has it
                    log.warning("digest email to user %s failed", user.pk, exc_info=True)
        made += 1
    return made
