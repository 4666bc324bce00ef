"""The pipeline and stages Kehu installs get stable keys, so they are shown in the reader's
language until an administrator renames them (core.builtin_names)."""

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
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
