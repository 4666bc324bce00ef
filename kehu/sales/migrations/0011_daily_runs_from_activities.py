"""The daily runs' record, moved here from `activities` with its table (decision 0018)."""


import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('sales', '0010_lead_custom_fields'),
    ]

    operations = [
        # `DailyRun` moves from `activities` to the app whose daily jobs it records; it keeps
        # its table, so only Django's state changes.
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='DailyRun',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('day', models.DateField(unique=True)),
                    ('started_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('finished_at', models.DateTimeField(blank=True, null=True)),
                    ('digests', models.PositiveIntegerField(default=0)),
                ],
                options={
                    'db_table': 'activities_dailyrun',
                },
            ),
            ],
            database_operations=[],
        ),
    ]
