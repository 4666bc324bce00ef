"""The staff adoption page (员工参与): per colleague and per team, one ISO week at a time, how
they use Kehu; a trend since go-live; and the records nobody has touched for a while. It reads
only `adoption.queries`, which answer for the colleagues and records the viewer may see."""

from __future__ import annotations

import datetime
import statistics
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from kehu.analytics.adoption import queries
from kehu.analytics.adoption.measures import MEASURES
from kehu.core.pagination import BadCursor, Page
from kehu.web.charts import Chart, Series

NEGLECTED_SHOWN = 25


def chosen_week(value: str | None) -> datetime.date:
    """The Monday of the week `value` (any day, 2026-12-07) falls in; this week when it is
    missing, not a date, or in the future."""
    today = timezone.localdate()
    try:
        day = parse_date(value or "")
    except ValueError:
        day = None
    if day is None or day > today:
        day = today
    return queries.week_start(day)


@dataclass
class Row:
    """One line of the tables: a colleague (or a team) in the chosen week, now-states included."""

    label: str
    week: queries.Week
    members: int = 1
    next_step: queries.Share | None = None
    contact_data: queries.Share | None = None
    first_touch: queries.FirstTouch | None = None
    overdue: int = 0
    user_id: int | None = None


def _sum_shares(shares: list[queries.Share | None]) -> queries.Share:
    total = queries.Share()
    for share in shares:
        if share is not None:
            total.part += share.part
            total.whole += share.whole
    return total


def rows_for_week(viewer: Any, monday: datetime.date) -> tuple[list[Row], list[Row]]:
    """(per colleague, per team) for the week starting `monday`."""
    sunday = monday + datetime.timedelta(days=6)
    users = queries.weekly_by_user(viewer, monday, sunday)
    next_steps = queries.deals_with_next_step(viewer)
    contacts = queries.people_with_contact_data(viewer)
    touches = queries.first_touch(viewer, monday, sunday)
    overdue = queries.overdue_tasks(viewer)
    people = [
        Row(
            label=str(row.user),
            week=row.weeks[-1] if row.weeks else queries.Week(monday),
            next_step=next_steps.get(row.user.pk),
            contact_data=contacts.get(row.user.pk),
            first_touch=touches.get(row.user.pk),
            overdue=overdue.get(row.user.pk, 0),
            user_id=row.user.pk,
        )
        for row in users
    ]
    teams: dict[Any, list[tuple[Any, Row]]] = {}
    for row, person in zip(users, people, strict=True):
        teams.setdefault(row.user.team, []).append((row.user, person))
    team_rows = []
    for team, members in sorted(teams.items(), key=lambda t: (t[0] is None, str(t[0] or ""))):
        week = queries.Week(monday)
        for _user, person in members:
            week.add(person.week)
        waits = [p.first_touch for _u, p in members if p.first_touch is not None]
        team_rows.append(
            Row(
                label=team.name if team is not None else _("No team"),
                week=week,
                members=len(members),
                next_step=_sum_shares([p.next_step for _u, p in members]),
                contact_data=_sum_shares([p.contact_data for _u, p in members]),
                first_touch=_median_of_medians(waits),
                overdue=sum(p.overdue for _u, p in members),
            )
        )
    return people, team_rows


def _median_of_medians(touches: list[queries.FirstTouch]) -> queries.FirstTouch | None:
    """A team's time to first touch: the median of its members' medians (each member's leads
    weigh the same whatever their number), with the touched and untouched leads summed."""
    if not touches:
        return None
    medians = [t.median.total_seconds() for t in touches if t.median is not None]
    return queries.FirstTouch(
        datetime.timedelta(seconds=statistics.median(medians)) if medians else None,
        sum(t.touched for t in touches),
        sum(t.untouched for t in touches),
    )


def chosen_person(viewer: Any, value: str | None) -> Any:
    """The colleague `value` names when the viewer may see their adoption; None otherwise (an
    unknown or hidden id reads as "everyone", telling nothing about who exists)."""
    try:
        pk = int(value or "")
    except (TypeError, ValueError):
        return None
    if not 0 < pk < 2**63:
        return None
    return queries.scope(viewer).filter(pk=pk).first()


def trend_chart(viewer: Any, person: Any = None) -> Chart | None:
    weeks = queries.trend(viewer, user_ids=[person.pk] if person is not None else None)
    if not weeks:
        return None
    title = _("Use of Kehu per week since go-live")
    if person is not None:
        title = _("%(person)s: use of Kehu per week since go-live") % {"person": person}
    suffix = f"&user={person.pk}" if person is not None else ""
    return Chart(
        kind="line",
        title=title,
        categories=[w.week.isoformat() for w in weeks],
        series=[
            Series(_("People active"), [w.active_users for w in weeks]),
            Series(_("Activities logged"), [w.activities_logged for w in weeks]),
            Series(_("Records created"), [w.sums["records_created"] for w in weeks]),
        ],
        links=[f"{reverse('adoption')}?week={w.week.isoformat()}{suffix}" for w in weeks],
        category_label=_("Week of"),
        note=_("A click on a week opens that week's table."),
    )


def _neglected(find: Any, viewer: Any, cursor: str | None) -> tuple[Page, bool]:
    """A page of neglected records from `cursor` (the first page for a bad one), and whether
    it is a later page."""
    if cursor:
        try:
            return find(viewer, cursor=cursor, limit=NEGLECTED_SHOWN), True
        except BadCursor:
            pass
    return find(viewer, limit=NEGLECTED_SHOWN), False


@login_required
def adoption_page(request):
    viewer = request.user
    monday = chosen_week(request.GET.get("week"))
    people, teams = rows_for_week(viewer, monday)
    person = chosen_person(viewer, request.GET.get("user"))
    this_week = queries.week_start(timezone.localdate())
    deals, later_deals = _neglected(queries.neglected_deals, viewer, request.GET.get("deals"))
    persons, later_people = _neglected(queries.neglected_people, viewer, request.GET.get("people"))
    context = {
        "nav": "adoption",
        "monday": monday,
        "sunday": monday + datetime.timedelta(days=6),
        "previous": (monday - datetime.timedelta(days=7)).isoformat(),
        "next": (monday + datetime.timedelta(days=7)).isoformat() if monday < this_week else "",
        "people": people,
        "teams": teams if len(people) > 1 else [],
        "chart": trend_chart(viewer, person),
        "person": person,
        "go_live": queries.go_live(viewer, [person.pk] if person is not None else None),
        "neglected_deals": deals.items,
        "neglected_people": persons.items,
        "more_deals": deals.next_cursor,
        "more_people": persons.next_cursor,
        "later_deals": later_deals,
        "later_people": later_people,
        "measures": MEASURES,
        "deal_quiet_days": queries.DEAL_QUIET_DAYS,
        "person_quiet_days": queries.PERSON_QUIET_DAYS,
    }
    return render(request, "analytics/adoption/page.html", context)
