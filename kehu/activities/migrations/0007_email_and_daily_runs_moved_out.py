"""The email models now belong to the `mail` app and `DailyRun` to `sales` (decision 0018).

Their tables stay as they are: this migration only tells Django they are no longer here, and
points invitation replies at `mail.EmailMessage`. Nothing in the database changes.
"""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("activities", "0006_task_series"),
        ("mail", "0001_initial"),
        ("sales", "0011_daily_runs_from_activities"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="invitationdelivery",
                    name="reply",
                    field=models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to="mail.emailmessage",
                    ),
                ),
                migrations.DeleteModel(name="DailyRun"),
                migrations.RemoveField(model_name="emailattachment", name="message"),
                migrations.RemoveField(model_name="emailmessage", name="activity"),
                migrations.RemoveField(model_name="emailmessage", name="owner"),
                migrations.RemoveField(model_name="emailsignature", name="user"),
                migrations.RemoveField(model_name="emailtemplate", name="created_by"),
                migrations.DeleteModel(name="MailboxState"),
                migrations.DeleteModel(name="EmailAttachment"),
                migrations.DeleteModel(name="EmailMessage"),
                migrations.DeleteModel(name="EmailSignature"),
                migrations.DeleteModel(name="EmailTemplate"),
            ],
            database_operations=[],
        ),
    ]
