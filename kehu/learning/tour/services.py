"""The one door for writing what the tour remembers of a user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from kehu.learning.models import TourSeen

if TYPE_CHECKING:
    from kehu.accounts.models import User


def mark_seen(user: User, tour: str, finished: bool) -> None:
    """Remember that `user` was shown `tour` (or went through to its end): it is not started
    on its own again. A user's own record of their own tour: no permission is needed."""
    TourSeen.objects.update_or_create(
        user=user, defaults={"tour": tour, "finished": finished, "at": timezone.now()}
    )
