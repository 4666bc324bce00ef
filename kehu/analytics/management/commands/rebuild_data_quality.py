"""`kehu manage rebuild_data_quality`: count the people's data quality per owner now."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = (
        "Count again, per owner, the people without phone and email or without a company (the "
        "admin dashboard's data quality). The worker does this a minute after people change "
        "and each night; run it after changing people past Kehu (a database fix)."
    )

    def handle(self, *args, **options):
        from kehu.analytics.data_quality.rollup import rebuild

        owners = rebuild()
        self.stdout.write(f"data quality counted for {owners} owners")
