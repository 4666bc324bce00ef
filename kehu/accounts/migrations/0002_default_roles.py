from django.db import migrations

ALL = ["read", "create", "edit", "delete", "export"]
ROLES = [
    # name, scope, rights on customers, is_admin
    ("Administrator", "all", ALL, True),
    ("Manager", "team", ALL, False),
    ("Sales rep", "own", ["read", "create", "edit", "delete"], False),
    ("Read-only", "all", ["read"], False),
]


def create_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for name, scope, rights, is_admin in ROLES:
        Role.objects.get_or_create(
            name=name,
            defaults={"scope": scope, "permissions": {"customers": rights}, "is_admin": is_admin},
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]
