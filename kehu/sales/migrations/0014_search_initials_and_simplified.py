"""Search documents of leads and deals gain the pinyin initials of every part of a name and the
simplified form of traditional characters, as people's and companies' do (customers 0016)."""

from django.db import migrations

from kehu.core.search.rebuilding import refresh_name_tokens


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    refresh_name_tokens(apps.get_model("sales", "Lead"), "name", ("company_name",), using)
    refresh_name_tokens(apps.get_model("sales", "Deal"), None, ("name", "company__name"), using)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0013_settings_version"),
        ("customers", "0016_search_initials_and_simplified"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
