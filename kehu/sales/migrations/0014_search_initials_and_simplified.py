"""Search documents of leads and deals gain the pinyin initials of every part of a name and the
simplified form of traditional characters, as people's and companies' do (customers 0016)."""

from django.db import migrations

from kehu.core.search.rebuilding import OWN, PERSON, RELATED, refresh_name_tokens


def forwards(apps, schema_editor):
    using = schema_editor.connection.alias
    leads = apps.get_model("sales", "Lead")
    refresh_name_tokens(leads, {"name": PERSON, "company_name": OWN}, using)
    deals = apps.get_model("sales", "Deal")
    refresh_name_tokens(deals, {"name": OWN, "company__name": RELATED}, using)


class Migration(migrations.Migration):
    dependencies = [
        ("sales", "0013_settings_version"),
        ("customers", "0016_search_initials_and_simplified"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
