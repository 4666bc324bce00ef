"""People and companies sort by the pinyin of their name through a stored key (decision 0023):
the key columns, filled in batches, and sort-key indexes in place of the name sort indexes.
(The plain company name index stays: imports and lead conversion look companies up by name.)"""

from django.conf import settings
from django.db import migrations, models

from kehu.core.sort_key_migrations import add_sort_key_column, fill_sort_keys

ALIVE = models.Q(("deleted_at__isnull", True))


class Migration(migrations.Migration):
    atomic = False  # each fill batch commits on its own

    dependencies = [
        ("customers", "0017_duplicates"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="company", name="company_owner_idx"),
        migrations.RemoveIndex(model_name="person", name="person_name_idx"),
        migrations.RemoveIndex(model_name="person", name="person_owner_idx"),
        migrations.RemoveIndex(model_name="person", name="person_company_idx"),
        add_sort_key_column("customers", "company"),
        add_sort_key_column("customers", "person"),
        fill_sort_keys("customers", "company", person=False),
        fill_sort_keys("customers", "person", person=True),
        migrations.AddIndex(
            model_name="company",
            index=models.Index(
                condition=ALIVE, fields=["name_sort_key", "id"], name="company_sort_key_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="company",
            index=models.Index(
                condition=ALIVE,
                fields=["owner", "name_sort_key", "id"],
                name="company_owner_sort_key_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=ALIVE, fields=["name_sort_key", "id"], name="person_sort_key_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=ALIVE,
                fields=["owner", "name_sort_key", "id"],
                name="person_owner_sort_key_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="person",
            index=models.Index(
                condition=ALIVE,
                fields=["company", "name_sort_key", "id"],
                name="person_company_sort_key_idx",
            ),
        ),
    ]
