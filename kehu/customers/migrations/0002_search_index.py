from django.db import migrations

from kehu.core.search import create_index_operation


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        create_index_operation("customers_person"),
        create_index_operation("customers_company"),
    ]
