"""The tour's steps (JSON, in the user's language) and "seen" (finished or skipped)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from kehu.learning.models import TourSeen
from kehu.learning.tour import services
from kehu.learning.tour.steps import steps_for


@login_required
def tour_steps(request):
    name, steps = steps_for(request.user)
    labels = {
        "next": _("Next"),
        "back": _("Back"),
        "skip": _("Skip tour"),
        "done": _("Done"),
        # translators: the tour's progress, e.g. "2 of 7"
        "progress": _("%(n)s of %(total)s"),
        "label": _("Tour"),
    }
    return JsonResponse({"tour": name, "steps": steps, "labels": labels})


@login_required
@require_POST
def tour_seen(request):
    """Remember that the user was shown the tour (`finished=0`, sent as it starts) or went
    through to its end (`finished=1`): it is not started on its own again."""
    name, _steps = steps_for(request.user)
    finished = request.POST.get("finished") == "1"
    services.mark_seen(request.user, name, finished)
    return HttpResponse(status=204)


def tour_pending(user) -> bool:
    return user.is_authenticated and not TourSeen.objects.filter(user=user).exists()
