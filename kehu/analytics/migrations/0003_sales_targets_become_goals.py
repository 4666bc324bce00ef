"""Every sales target (sales.SalesTarget: a person's or a team's amount won for a month or a
quarter) becomes a goal on the metric `revenue_won` for the same subject and period, with the
same id, amount, setter and time; sales 0020 then turns SalesTarget into a view over goals."""

import calendar
import datetime

from django.db import migrations


def _end(kind, start):
    last_month = start.month + (2 if kind == "quarter" else 0)
    year = start.year
    return datetime.date(year, last_month, calendar.monthrange(year, last_month)[1])


def targets_to_goals(apps, schema_editor):
    SalesTarget = apps.get_model("sales", "SalesTarget")
    Goal = apps.get_model("analytics", "Goal")
    goals = [
        Goal(
            id=target.pk,
            metric="revenue_won",
            user_id=target.user_id,
            team_id=target.team_id,
            period=target.period,
            start=target.start,
            end=_end(target.period, target.start),
            target=target.amount,
            created_by_id=target.set_by_id,
            created_at=target.updated_at,
            updated_at=target.updated_at,
        )
        for target in SalesTarget.objects.order_by("pk").iterator()
    ]
    Goal.objects.bulk_create(goals, batch_size=500)
    if goals and schema_editor.connection.vendor == "postgresql":
        # ids were copied: the next goal's id must come after them
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('analytics_goal', 'id'), "
                "(SELECT MAX(id) FROM analytics_goal))"
            )


def goals_to_targets(apps, schema_editor):
    SalesTarget = apps.get_model("sales", "SalesTarget")
    Goal = apps.get_model("analytics", "Goal")
    found = Goal.objects.filter(
        metric="revenue_won", period__in=("month", "quarter"), deleted_at__isnull=True
    ).exclude(user__isnull=True, team__isnull=True)
    SalesTarget.objects.bulk_create(
        [
            SalesTarget(id=g.pk, period=g.period, start=g.start, user_id=g.user_id,
                        team_id=g.team_id, amount=g.target, set_by_id=g.created_by_id,
                        updated_at=g.updated_at)  # fmt: skip
            for g in found.iterator()
        ],
        batch_size=500,
    )
    found.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0002_goals"),
        ("sales", "0019_deal_and_quote_custom_fields"),
    ]

    operations = [migrations.RunPython(targets_to_goals, goals_to_targets)]
