"""What a new installation needs to sell at once: the deals' search index, sales rights on the
roles that exist from the start (as their customer rights), and one pipeline with its stages."""

from django.db import migrations

from kehu.core.migration_operations import search_index

SALES_RIGHTS = {
    "Administrator": ["read", "create", "edit", "delete", "export"],
    "Manager": ["read", "create", "edit", "delete", "export"],
    "Sales rep": ["read", "create", "edit", "delete"],
    "Read-only": ["read"],
}
STAGES = [
    # name, 简体中文, probability, kind
    ("Qualification", "需求确认", 10, "open"),
    ("Proposal", "方案报价", 40, "open"),
    ("Negotiation", "商务谈判", 70, "open"),
    ("Won", "赢单", 100, "won"),
    ("Lost", "丢单", 0, "lost"),
]


def add_defaults(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for role in Role.objects.filter(name__in=SALES_RIGHTS):
        if "sales" not in role.permissions:
            role.permissions = {**role.permissions, "sales": SALES_RIGHTS[role.name]}
            role.save(update_fields=["permissions"])
    Pipeline = apps.get_model("sales", "Pipeline")
    Stage = apps.get_model("sales", "Stage")
    if not Pipeline.objects.exists():
        pipeline = Pipeline.objects.create(name="New business", name_zh="新客户开发", position=0)
        for position, (name, name_zh, probability, kind) in enumerate(STAGES):
            Stage.objects.create(
                pipeline=pipeline,
                name=name,
                name_zh=name_zh,
                probability=probability,
                kind=kind,
                position=position,
            )


class Migration(migrations.Migration):
    dependencies = [("sales", "0001_initial"), ("accounts", "0002_default_roles")]

    operations = [
        search_index("sales_deal"),
        migrations.RunPython(add_defaults, migrations.RunPython.noop),
    ]
