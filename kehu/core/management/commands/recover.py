"""`kehu manage recover`: take up the work a killed worker left behind, now (`kehu worker`
runs it as it starts; the recovery sweep runs the same every minute)."""

from typing import Any

from django.core.management.base import BaseCommand

from kehu.core import recovery


class Command(BaseCommand):
    help = (
        "Resume interrupted imports, mark tasks left running by a stopped worker as failed, "
        "queue lost recurring tasks again, and queue the recovery sweep."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        recovery.after_worker_start()
