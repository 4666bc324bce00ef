from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CustomersConfig(AppConfig):
    name = "kehu.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from kehu.core import recovery
        from kehu.customers import bulk_kinds, search_kinds, tasks
        from kehu.customers.duplicates import registrations as duplicates

        search_kinds.register()  # people and companies in the search over every record type
        bulk_kinds.register()  # people and companies in bulk actions on lists
        duplicates.register()  # what a merge moves of customers' own rows

        # an import holds a lease while it runs: a run whose lease ran out is dead, its job
        # is resumed from the last committed batch (docs/operations.md, "After a crash")
        recovery.watch_task(tasks.run_import, alive=tasks.import_run_alive)
        recovery.add_sweep(tasks.resume_interrupted_imports)
