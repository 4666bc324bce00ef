"""Telling reviewers under the bell that received email waits for them: one notification per
mailbox fetch or `.eml` upload that put new messages in the review list ("3 emails wait for
review"), never one per message, linking to the review list."""

from collections import Counter

from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from kehu.activities.notifications.services import notify
from kehu.core import visibility
from kehu.mail.models import EmailMessage

KIND = "email_review"


def reviewers_of(owner) -> list:
    """Who is told about mail of `owner`'s mailbox waiting for review: the owner, when their
    role may review it; otherwise (a shared mailbox, or an owner who may not review) every
    active user in whose review list it is (`mail_review.review_queue`)."""
    from kehu.accounts.models import Role, User

    if owner is not None and owner.is_active and visibility.can(owner, "customers", "create"):
        return [owner]
    roles = [role.pk for role in Role.objects.all() if role.allows("customers", "create")]
    users = User.objects.filter(Q(is_superuser=True) | Q(role__in=roles), is_active=True)
    if owner is not None:  # only those whose record scope holds the owner's mailbox
        scope = Q(is_superuser=True) | Q(role__scope=visibility.SCOPE_ALL)
        if owner.team_id:
            scope |= Q(role__scope=visibility.SCOPE_TEAM, team_id=owner.team_id)
        users = users.filter(scope)
    return list(users.select_related("role").order_by("id"))


def tell_reviewers(messages) -> int:
    """After one fetch or upload: tell each reviewer once how many of the `messages` it stored
    wait in their review list. Returns how many users were told."""
    from kehu.accounts.models import User

    waiting = Counter(
        m.owner_id
        for m in messages
        if m.status == EmailMessage.Status.REVIEW and m.activity_id is None
    )
    if not waiting:
        return 0
    owners = User.objects.in_bulk([pk for pk in waiting if pk is not None])
    told: Counter = Counter()
    for owner_id, n in waiting.items():
        for user in reviewers_of(owners.get(owner_id)):
            told[user] += n
    url = reverse("mail-review")
    for user, n in told.items():
        with translation.override(user.language or None):
            text = ngettext("%(n)s email waits for review", "%(n)s emails wait for review", n) % {
                "n": n
            }
        notify(user, KIND, text, url)
    return len(told)
