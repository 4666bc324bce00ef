"""Deals and quotes get custom fields, as people, companies and leads have."""

from django.db import migrations, models

from kehu.core.migration_operations import search_index


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0018_lost_reasons'),
    ]

    operations = [
        migrations.AddField(
            model_name='deal',
            name='custom',
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.AddField(
            model_name='quote',
            name='custom',
            field=models.JSONField(blank=True, default=dict),
        ),
        # SQLite remade the deal table above, dropping its search triggers
        search_index("sales_deal"),
    ]
