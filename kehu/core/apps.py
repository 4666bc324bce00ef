from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "kehu.core"
    label = "core"

    def ready(self) -> None:
        from django_tasks.signals import task_finished

        from kehu.core import recovery

        task_finished.connect(recovery.keep_sweep_queued, dispatch_uid="kehu-recovery-sweep")
