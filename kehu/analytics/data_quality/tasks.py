"""Background work for data quality: the count a minute after a change, and each night's."""

from django_tasks import task


@task()
def refresh_data_quality() -> int:
    """Count again after people changed (queued by `rollup.schedule_refresh`)."""
    from kehu.analytics.data_quality import rollup

    return rollup.rebuild()


@task()
def count_data_quality_nightly() -> int:
    """Count again each night, for what changed past the events; then queue the next night's."""
    from kehu.analytics.data_quality import rollup

    try:
        return rollup.rebuild()
    finally:
        rollup.schedule_nightly()
