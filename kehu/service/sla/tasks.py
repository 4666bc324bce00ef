"""Background work for SLA clocks: the sweep once a minute, and recomputing due times after a
calendar or policy changed."""

from django_tasks import task

from kehu.core.schedule import enqueue_once


@task()
def sweep_sla() -> tuple[int, int]:
    """Warn before targets are missed and record the misses, then queue the next sweep."""
    from kehu.service.sla.sweep import sweep

    try:
        return sweep()
    finally:
        schedule_sweep()


def schedule_sweep() -> None:
    """Queue the next sweep at the start of the next minute, unless one is queued already."""
    from kehu.activities.tasks import next_sweep

    enqueue_once(sweep_sla, next_sweep())


@task()
def recompute_sla(team_ids: list[int | None] | None = None) -> int:
    """Every unsolved ticket's due times again (of `team_ids`' teams; None: all)."""
    from kehu.service.sla.clock import recompute

    return recompute(team_ids)
