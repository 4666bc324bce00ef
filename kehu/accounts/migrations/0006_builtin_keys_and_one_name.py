"""Built-in roles get a stable key, so they are shown in the reader's language until renamed
(core.builtin_names); a colleague's name becomes one field, kept whole in first_name
(decision: one name field)."""

import re

from django.db import migrations, models

ROLE_KEYS = {
    "Administrator": "administrator",
    "Manager": "manager",
    "Sales rep": "sales_rep",
    "Read-only": "read_only",
}
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def whole_name(first: str, last: str) -> str:
    """李 + 娜 → 李娜 (family name first, no space) for Chinese characters, else "first last"."""
    first, last = first.strip(), last.strip()
    name = f"{last}{first}" if CJK.search(first + last) else f"{first} {last}".strip()
    return name[:150]


def forwards(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for name, key in ROLE_KEYS.items():
        Role.objects.filter(name=name, key="").update(key=key)
    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(last_name="").only("first_name", "last_name").iterator():
        user.first_name, user.last_name = whole_name(user.first_name, user.last_name), ""
        user.save(update_fields=["first_name", "last_name"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_team_and_role_version"),
    ]

    operations = [
        migrations.AddField(
            model_name="role",
            name="key",
            field=models.CharField(blank=True, default="", editable=False, max_length=40),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
