"""The dimensions every owned record has: its owner, the owner's team, and the month, quarter
or year of the metric's date. Domains register their own (a deal's stage, a lead's source)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from kehu.analytics.metrics.registry import Dimension, register_dimension


def user_names(keys: list[Any]) -> dict[Any, str]:
    """Users are the company directory everyone may read (GET /api/v1/users), not records."""
    from kehu.accounts.models import User

    return {u.pk: str(u) for u in User.objects.filter(pk__in=keys)}


def team_names(keys: list[Any]) -> dict[Any, str]:
    from kehu.accounts.models import Team

    return dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))


def register() -> None:
    register_dimension(Dimension("owner", _("Owner"), lookup="owner_id", names=user_names))
    register_dimension(
        Dimension(
            "team", _("Team"), lookup="owner__team_id", names=team_names, empty_label=_("No team")
        )
    )
    register_dimension(Dimension("month", _("Month"), date_part="month"))
    register_dimension(Dimension("quarter", _("Quarter"), date_part="quarter"))
    register_dimension(Dimension("year", _("Year"), date_part="year"))
