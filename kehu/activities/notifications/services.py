"""In-app notifications: the one way anything tells a user something (the bell)."""

from django.db.models import QuerySet
from django.utils import timezone, translation

from kehu.accounts.models import User
from kehu.activities.models import Notification
from kehu.core import events

BELL_CAP = 99


def notify(user: User | None, kind: str, text: object, url: str = "") -> Notification | None:
    """Tell `user` something. `text` is anything whose `str()` is the message, such as a lazy
    translation: it is written in their language. Inactive users are not told anything."""
    if user is None or not user.is_active:
        return None
    with translation.override(user.language or None):
        message = str(text)[:300]
    return Notification.objects.create(user=user, kind=kind, text=message, url=url[:300])


def recent(user: User, limit: int = 50) -> QuerySet[Notification]:
    return Notification.objects.filter(user=user).order_by("-created_at", "-id")[:limit]


def unread_count(user: User) -> int:
    """How many are unread, up to BELL_CAP + 1 (the bell shows "99+")."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    return unread.order_by()[: BELL_CAP + 1].count()


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Mark the user's own notifications (those in `ids`, or all) read; returns how many.
    A read mark is the user's own state, not a record's: no version and no audit entry, but
    a `notifications.read` event for whoever counts them elsewhere."""
    unread = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=timezone.now())
    if marked:
        events.emit("notifications.read", actor=user, ids=ids, count=marked)
    return marked
