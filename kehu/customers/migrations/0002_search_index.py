from django.db import migrations

from kehu.core.migration_operations import search_index


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        search_index("customers_person"),
        search_index("customers_company"),
    ]
