"""One email address, one user (case-insensitive; empty addresses are not counted).

Received mail is matched to colleagues by address, so two users sharing one is a problem.
Before the constraint is added, each address several users share is kept by one of them: an
active user before a deactivated one, then the one who joined first (then the lowest id). The
others' address is emptied, each in the log (logger "kehu.accounts") and in the user's audit
history, so an administrator can give them a new one (docs/operations.md).
"""

import logging

import django.db.models.functions.text
from django.db import migrations, models
from django.db.models.functions import Lower

log = logging.getLogger("kehu.accounts")


def empty_shared_addresses(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    AuditEntry = apps.get_model("core", "AuditEntry")
    ContentType = apps.get_model("contenttypes", "ContentType")
    shared = (
        User.objects.exclude(email="")
        .annotate(address=Lower("email"))
        .values("address")
        .annotate(users=models.Count("id"))
        .filter(users__gt=1)
        .values_list("address", flat=True)
    )
    for address in list(shared):
        users = list(
            User.objects.annotate(address=Lower("email"))
            .filter(address=address)
            .order_by("-is_active", "date_joined", "id")
        )
        keeper, others = users[0], users[1:]
        user_type = None
        for user in others:
            log.warning(
                "The email address %s was shared by several users: %s (id %s) keeps it; "
                "it is removed from %s (id %s).",
                user.email, keeper.username, keeper.pk, user.username, user.pk,
            )
            User.objects.filter(pk=user.pk).update(email="")
            if user_type is None:
                user_type, _ = ContentType.objects.get_or_create(app_label="accounts", model="user")
            AuditEntry.objects.create(
                content_type=user_type,
                object_id=user.pk,
                action="update",
                actor=None,
                changes={"email": [user.email, ""]},
            )


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_failed_logins_and_email_changes"),
        ("core", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(empty_shared_addresses, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("email", ""), _negated=True),
                name="accounts_user_email_unique_ci",
                violation_error_message="This email address is used by another user.",
            ),
        ),
    ]
