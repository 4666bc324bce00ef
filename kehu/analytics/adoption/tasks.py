"""Background work for adoption: the nightly catch-up of the daily rows."""

from django_tasks import task


@task()
def catch_up_adoption() -> int:
    """Recompute the two days before today from the tables (what the events may have
    missed), then queue tomorrow night's run."""
    from kehu.analytics.adoption import catch_up

    try:
        return catch_up.catch_up_recent_days()
    finally:
        catch_up.schedule_next()
