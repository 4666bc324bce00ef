"""The pipeline and stages Kehu installs get stable keys, so they are shown in the reader's
language until an administrator renames them (core.builtin_names)."""

import django.db.models.deletion
from django.db import migrations, models

STAGE_KEYS = {
    "Qualification": "qualification",
    "Proposal": "proposal",
    "Negotiation": "negotiation",
    "Won": "won",
    "Lost": "lost",
}


def forwards(apps, schema_editor):
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    pipeline = Pipeline.objects.filter(name="New business").first()
    if pipeline is None:
        return
    pipeline.key = "new_business"
    pipeline.save(update_fields=["key"])
    for name, key in STAGE_KEYS.items():
        Stage.objects.filter(pipeline=pipeline, name=name).update(key=key)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0016_seller_profile"),
    ]

    operations = [
        migrations.AddField(
            model_name="pipeline",
            name="key",
            field=models.CharField(blank=True, default="", editable=False, max_length=40),
        ),
        migrations.AddField(
            model_name="stage",
            name="key",
            field=models.CharField(blank=True, default="", editable=False, max_length=40),
        ),
        # only names: the order's history shows these fields in the reader's language
        migrations.AlterField(
            model_name="order",
            name="company",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="customers.company",
                verbose_name="company",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="deal",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="orders",
                to="sales.deal",
                verbose_name="deal",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="person",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="customers.person",
                verbose_name="contact",
            ),
        ),
        migrations.AlterField(
            model_name="order",
            name="quote",
            field=models.OneToOneField(
                editable=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="order",
                to="sales.quote",
                verbose_name="quote",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
