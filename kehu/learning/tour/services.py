"""The one door for writing what the tour remembers of a user."""

from django.utils import timezone

from kehu.learning.models import TourSeen


def mark_seen(user, tour: str, finished: bool) -> None:
    """Remember that `user` was shown `tour` (or went through to its end): it is not started
    on its own again. A user's own record of their own tour: no permission is needed."""
    TourSeen.objects.update_or_create(
        user=user, defaults={"tour": tour, "finished": finished, "at": timezone.now()}
    )
