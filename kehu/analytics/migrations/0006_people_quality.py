"""The people's data quality per owner (decision 0040), counted once here so that the admin's
dashboard is right from the upgrade on; the worker keeps it current after that."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models
from django.db.models import Count, Q
from django.utils import timezone


def count_people(apps, schema_editor):
    Person = apps.get_model("customers", "Person")
    PeopleQuality = apps.get_model("analytics", "PeopleQuality")
    counts = (
        Person.objects.filter(deleted_at__isnull=True)
        .order_by()
        .values("owner_id")
        .annotate(
            people=Count("id"),
            without_contact=Count("id", filter=Q(phone="", email="")),
            without_company=Count("id", filter=Q(company__isnull=True)),
        )
    )
    now = timezone.now()
    PeopleQuality.objects.bulk_create(
        [PeopleQuality(counted_at=now, **row) for row in counts], batch_size=500
    )


class Migration(migrations.Migration):

    dependencies = [
        ('analytics', '0005_roi_inputs'),
        ('customers', '0019_deal_and_quote_custom_fields'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PeopleQuality',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('people', models.PositiveIntegerField(default=0, verbose_name='people')),
                ('without_contact', models.PositiveIntegerField(default=0, verbose_name='without phone and email')),
                ('without_company', models.PositiveIntegerField(default=0, verbose_name='without a company')),
                ('counted_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='counted')),
                ('owner', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='owner')),
            ],
            options={
                'verbose_name': 'people data quality',
                'verbose_name_plural': 'people data quality',
            },
        ),
        migrations.RunPython(count_people, migrations.RunPython.noop),
    ]
