"""Search documents of people and companies gain the pinyin initials of every part of a name
(上海星辰科技 found by "xckj") and the simplified form of traditional characters (張偉 found by
张伟). Measured at a million people and 200,000 companies: see docs/benchmarks.md."""

from django.db import migrations

from kehu.core.search.rebuilding import OWN, PERSON, RELATED, refresh_name_tokens


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    people = apps.get_model("customers", "Person")
    refresh_name_tokens(people, {"name": PERSON, "company__name": RELATED}, using)
    refresh_name_tokens(apps.get_model("customers", "Company"), {"name": OWN}, using)


class Migration(migrations.Migration):
    dependencies = [("customers", "0015_import_job_and_custom_field_version")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
