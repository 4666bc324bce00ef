"""Rows that name where the moved models and tasks used to live follow them (decision 0018).

- The content types `activities.emailmessage` … and `activities.dailyrun` are renamed to their
  new app, keeping their ids: the audit entries (email templates' history), permissions and
  anything else pointing at them stay attached.
- Queued background tasks store the dotted path of their function; the tasks that moved with
  the mail app (and the meeting invitations, now a sub-package) are re-pointed, so mail queued
  before the upgrade is still sent.
"""

from django.db import migrations

MOVED_MODELS = {
    "emailmessage": "mail",
    "emailattachment": "mail",
    "emailtemplate": "mail",
    "emailsignature": "mail",
    "mailboxstate": "mail",
    "dailyrun": "sales",
}
MOVED_TASKS = {
    "kehu.activities.mail_send.deliver_email": "kehu.mail.sending.deliver_email",
    "kehu.activities.imap.poll_mail": "kehu.mail.imap.poll_mail",
    "kehu.activities.invitations.send_invitations": (
        "kehu.activities.invitations.services.send_invitations"
    ),
}


def _rename(apps, moves, tasks):
    ContentType = apps.get_model("contenttypes", "ContentType")
    AuditEntry = apps.get_model("core", "AuditEntry")
    for model, (old_app, new_app) in moves.items():
        old = ContentType.objects.filter(app_label=old_app, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=new_app, model=model).first()
        if new is None:
            old.app_label = new_app
            old.save(update_fields=["app_label"])
        else:  # both exist (a `migrate` run in between made the new one): keep the new one
            AuditEntry.objects.filter(content_type=old).update(content_type=new)
            old.delete()
    DBTaskResult = apps.get_model("django_tasks_database", "DBTaskResult")
    for old_path, new_path in tasks.items():
        DBTaskResult.objects.filter(task_path=old_path).update(task_path=new_path)


def forwards(apps, schema_editor):
    moves = {model: ("activities", app) for model, app in MOVED_MODELS.items()}
    _rename(apps, moves, MOVED_TASKS)


def backwards(apps, schema_editor):
    moves = {model: (app, "activities") for model, app in MOVED_MODELS.items()}
    _rename(apps, moves, {new: old for old, new in MOVED_TASKS.items()})


class Migration(migrations.Migration):
    dependencies = [
        ("mail", "0001_initial"),
        ("activities", "0007_email_and_daily_runs_moved_out"),
        ("sales", "0011_daily_runs_from_activities"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0002_idempotency_keys_for_api_creates"),
        ("django_tasks_database", "0021_conditional_partial_index_ordering"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
