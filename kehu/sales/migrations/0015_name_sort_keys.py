"""Deals and leads sort by the pinyin of their name through a stored key (decision 0023): the
key columns, filled in batches, and sort-key indexes in place of the name sort indexes."""

from django.conf import settings
from django.db import migrations, models

from kehu.core.sort_key_migrations import add_sort_key_column, fill_sort_keys

ALIVE = models.Q(("deleted_at__isnull", True))


class Migration(migrations.Migration):
    atomic = False  # each fill batch commits on its own

    dependencies = [
        ("sales", "0014_search_initials_and_simplified"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(model_name="deal", name="deal_name_idx"),
        migrations.RemoveIndex(model_name="deal", name="deal_owner_idx"),
        migrations.RemoveIndex(model_name="lead", name="lead_name_idx"),
        add_sort_key_column("sales", "deal"),
        add_sort_key_column("sales", "lead"),
        fill_sort_keys("sales", "deal", person=False),
        fill_sort_keys("sales", "lead", person=True),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=ALIVE, fields=["name_sort_key", "id"], name="deal_sort_key_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=ALIVE,
                fields=["owner", "name_sort_key", "id"],
                name="deal_owner_sort_key_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=ALIVE, fields=["name_sort_key", "id"], name="lead_sort_key_idx"
            ),
        ),
        migrations.AddIndex(
            model_name="lead",
            index=models.Index(
                condition=ALIVE,
                fields=["owner", "name_sort_key", "id"],
                name="lead_owner_sort_key_idx",
            ),
        ),
    ]
