"""SQLite: the deal and lead search indexes keep prefixes of up to six characters, as the
people's do (see customers 0014). PostgreSQL: nothing changes."""

from django.db import migrations

from kehu.core.migration_operations import rebuild_search_index_v2


class Migration(migrations.Migration):
    dependencies = [("sales", "0011_daily_runs_from_activities")]

    operations = [
        rebuild_search_index_v2("sales_deal"),
        rebuild_search_index_v2("sales_lead"),
    ]
