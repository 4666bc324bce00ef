from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kehu.core"
    label = "core"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from kehu.core import recovery
        from kehu.core.bulk import tasks as bulk_tasks

        task_finished.connect(recovery.keep_sweep_queued, dispatch_uid="kehu-recovery-sweep")

        # a large bulk job holds a lease while it runs; one whose lease ran out is resumed
        recovery.watch_task(bulk_tasks.run_bulk_job, alive=bulk_tasks.bulk_run_alive)
        recovery.add_sweep(bulk_tasks.resume_interrupted_jobs)
