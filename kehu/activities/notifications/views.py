"""The notifications page behind the bell."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from kehu.activities.models import Notification
from kehu.activities.notifications import services as notifications


@login_required
def notification_list(request):
    items = list(notifications.recent(request.user))
    return render(request, "activities/notifications.html", {"items": items, "nav": "bell"})


@login_required
@require_POST
def notification_read(request):
    """Mark one (`id`) or all read; with `id`, go on to what it is about."""
    raw = request.POST.get("id", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 19:
        notifications.mark_read(request.user, [int(raw)])
        found = Notification.objects.filter(user=request.user, pk=int(raw)).first()
        target = found.url if found else ""
        if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
            return redirect(target)
    else:
        notifications.mark_read(request.user)
    return redirect("notification-list")
