"""Email moved from `activities` to its own app `mail`, and `DailyRun` to `sales`, keeping their
tables (decision 0018): a database made before the move keeps its emails, their attachments,
the templates' history and the mail queued for sending."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [
    ("activities", "0006_task_series"),
    ("sales", "0010_lead_custom_fields"),
    ("core", "0002_idempotency_keys_for_api_creates"),
    ("django_tasks_database", "0021_conditional_partial_index_ordering"),
]
#: the move (mail 0002, activities 0007) and every migration after it, of every app: the test
#: reads the rows back with the live models, and leaves the database as the other tests need it
AFTER = "latest"


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    if targets == AFTER:
        targets = executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_an_old_database_keeps_its_emails_history_and_queued_mail():
    import datetime
    import uuid

    from django.utils import timezone

    from kehu.customers.fields import services as fields
    from tests.factories import make_user

    # fields an admin gave deals and quotes are indexed on a column going back removes
    admin = make_user("fields-admin", role="Administrator", superuser=True)
    fields.create_field(
        admin, {"entity": "deal", "key": "budget", "label": "Budget", "type": "number"}
    )
    fields.create_field(admin, {"entity": "quote", "key": "po", "label": "PO", "type": "text"})
    apps = migrate(BEFORE)
    try:
        User = apps.get_model("accounts", "User")
        Message = apps.get_model("activities", "EmailMessage")
        Attachment = apps.get_model("activities", "EmailAttachment")
        Template = apps.get_model("activities", "EmailTemplate")
        DailyRun = apps.get_model("activities", "DailyRun")
        ContentType = apps.get_model("contenttypes", "ContentType")
        AuditEntry = apps.get_model("core", "AuditEntry")
        Task = apps.get_model("django_tasks_database", "DBTaskResult")
        ContentType.objects.filter(app_label="mail").delete()  # as before the mail app existed
        ContentType.objects.filter(app_label="sales", model="dailyrun").delete()

        owner = User.objects.create(username="mover", email="mover@kehu.example")
        message = Message.objects.create(
            direction="in", status="review", subject="Angebot 报价", owner=owner,
            message_id="<old@kehu.example>",
        )  # fmt: skip
        Attachment.objects.create(message=message, file="mail/a.pdf", filename="a.pdf", size=3)
        template = Template.objects.create(name="Welcome", subject="Hi", body="Hello")
        DailyRun.objects.create(day=datetime.date(2026, 12, 1), digests=4)
        old_type, _ = ContentType.objects.get_or_create(
            app_label="activities", model="emailtemplate"
        )
        AuditEntry.objects.create(
            content_type=old_type, object_id=template.pk, action="update", actor=owner,
            changes={"subject": ["Hello", "Hi"]},
        )  # fmt: skip
        queued = Task.objects.create(
            id=uuid.uuid4(), status="READY", task_path="kehu.activities.mail_send.deliver_email",
            args_kwargs={"args": [message.pk], "kwargs": {}}, queue_name="default",
            backend_name="default", priority=0, run_after=timezone.now(),
        )  # fmt: skip

        migrate(AFTER)

        from django.contrib.contenttypes.models import ContentType as Types
        from django_tasks_db.models import DBTaskResult

        from kehu.core.models import AuditEntry as Entries
        from kehu.mail.models import EmailMessage, EmailTemplate
        from kehu.sales.models import DailyRun as Runs

        found = EmailMessage.objects.get(message_id="<old@kehu.example>")
        assert found.pk == message.pk and found.subject == "Angebot 报价"
        assert found.owner_id == owner.pk and found.status == "review"
        assert [a.filename for a in found.attachments.all()] == ["a.pdf"]
        assert EmailTemplate.objects.get(pk=template.pk).name == "Welcome"
        assert Runs.objects.get(day=datetime.date(2026, 12, 1)).digests == 4
        moved = Types.objects.get_for_model(EmailTemplate)
        assert moved.pk == old_type.pk  # the same row: the template's history stays with it
        assert not Types.objects.filter(app_label="activities", model="emailtemplate").exists()
        entry = Entries.objects.get(content_type=moved, object_id=template.pk)
        assert entry.changes == {"subject": ["Hello", "Hi"]}
        path = DBTaskResult.objects.get(pk=queued.pk).task_path
        assert path == "kehu.mail.sending.deliver_email"
        from kehu.mail.sending import deliver_email

        assert path == deliver_email.module_path  # the worker will find it
    finally:
        migrate(AFTER)
