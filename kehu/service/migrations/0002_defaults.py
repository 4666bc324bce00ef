"""What a new installation needs to run a service desk: the tickets' search index, service
rights on the roles that exist from the start, and the two support roles."""

from django.db import migrations

from kehu.core.migration_operations import rebuild_search_index_v2, search_index

ALL = ["read", "create", "edit", "delete", "export"]
SERVICE_RIGHTS = {
    "administrator": ALL,
    "manager": ALL,
    # a sales rep may open a ticket for their customer and follow the ones they work
    "sales_rep": ["read", "create"],
    "read_only": ["read"],
}
SUPPORT_ROLES = [
    # key, name, scope (of tickets), rights on service; both read every customer
    ("support_agent", "Support agent", "team", ["read", "create", "edit"]),
    ("support_lead", "Support lead", "team", ALL),
]


def add_roles(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(key__in=SERVICE_RIGHTS):
        if "service" not in role.permissions:
            role.permissions = {**role.permissions, "service": SERVICE_RIGHTS[role.key]}
            role.save(update_fields=["permissions"])
    for key, name, scope, rights in SUPPORT_ROLES:
        if Role.objects.filter(key=key).exists() or Role.objects.filter(name__iexact=name).exists():
            continue
        Role.objects.create(
            key=key,
            name=name,
            scope=scope,
            permissions={"customers": ["read"], "service": rights},
            scopes={"customers": "all"},
        )


class Migration(migrations.Migration):
    dependencies = [
        ("service", "0001_tickets"),
        ("accounts", "0007_role_scopes"),
    ]

    operations = [
        search_index("service_ticket"),
        rebuild_search_index_v2("service_ticket"),
        migrations.RunPython(add_roles, migrations.RunPython.noop),
    ]
