"""What every signed-in page shows: the bell's unread count."""

from kehu.activities.notifications import services as notifications


def bell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    count = notifications.unread_count(user)
    return {"bell_count": count, "bell_more": count > notifications.BELL_CAP}
