"""`{% first_run %}`: on the home page (where a login lands) the tour's start marker for a user
who has not seen it (or asked for it with `?tour=1`), and on it and My day (`{% first_run
tour=False %}`: one query, the page's cost is watched) the sample-data offer on an empty
instance."""

from django import template

from kehu.core import visibility
from kehu.learning.sample_data import services as sample_data
from kehu.learning.tour.views import tour_pending

register = template.Library()


@register.inclusion_tag("learning/_first_run.html", takes_context=True)
def first_run(context, tour: bool = True) -> dict:
    request = context["request"]
    user = request.user
    empty = sample_data.instance_is_empty()
    return {
        "tour_autostart": tour and (request.GET.get("tour") == "1" or tour_pending(user)),
        "empty_instance": empty,
        "is_admin": user.is_admin,
        "may_import": visibility.can(user, "customers", "create"),
        "load": sample_data.load_in_progress() if empty and user.is_admin else None,
    }
