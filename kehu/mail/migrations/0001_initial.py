"""The email models, moved here from `activities` with their tables and rows (decision 0018)."""


import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('activities', '0006_task_series'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The email models move from `activities` to their own app, keeping their tables
        # (`Meta.db_table`): only Django's idea of where they live changes, not the database.
        migrations.SeparateDatabaseAndState(
            state_operations=[
            migrations.CreateModel(
                name='MailboxState',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('key', models.CharField(max_length=300, unique=True)),
                    ('uidvalidity', models.BigIntegerField(blank=True, null=True)),
                    ('last_uid', models.BigIntegerField(default=0)),
                    ('last_polled_at', models.DateTimeField(blank=True, null=True)),
                    ('last_error', models.CharField(blank=True, default='', max_length=500)),
                ],
                options={
                    'db_table': 'activities_mailboxstate',
                },
            ),
            migrations.CreateModel(
                name='EmailMessage',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('direction', models.CharField(choices=[('out', 'sent'), ('in', 'received')], max_length=3)),
                    ('status', models.CharField(choices=[('queued', 'sending'), ('sent', 'sent'), ('failed', 'failed'), ('received', 'received'), ('review', 'to review'), ('ignored', 'ignored')], max_length=8)),
                    ('error', models.CharField(blank=True, default='', max_length=500)),
                    ('message_id', models.CharField(blank=True, default='', max_length=255)),
                    ('in_reply_to', models.CharField(blank=True, default='', max_length=255)),
                    ('references', models.TextField(blank=True, default='')),
                    ('thread_key', models.CharField(blank=True, default='', max_length=255)),
                    ('from_address', models.CharField(blank=True, default='', max_length=254, verbose_name='from')),
                    ('from_name', models.CharField(blank=True, default='', max_length=200)),
                    ('to', models.JSONField(blank=True, default=list, verbose_name='to')),
                    ('cc', models.JSONField(blank=True, default=list, verbose_name='cc')),
                    ('subject', models.CharField(blank=True, default='', max_length=500, verbose_name='subject')),
                    ('text', models.TextField(blank=True, default='')),
                    ('html', models.TextField(blank=True, default='')),
                    ('sent_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('raw', models.FileField(blank=True, upload_to='mail/raw/%Y/%m')),
                    ('activity', models.OneToOneField(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='email', to='activities.activity')),
                    ('owner', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'email',
                    'db_table': 'activities_emailmessage',
                },
            ),
            migrations.CreateModel(
                name='EmailAttachment',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('file', models.FileField(upload_to='mail/attachments/%Y/%m')),
                    ('filename', models.CharField(max_length=255)),
                    ('content_type', models.CharField(blank=True, default='', max_length=100)),
                    ('size', models.PositiveBigIntegerField(default=0)),
                    ('message', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='mail.emailmessage')),
                ],
                options={
                    'db_table': 'activities_emailattachment',
                },
            ),
            migrations.CreateModel(
                name='EmailSignature',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('text', models.TextField(blank=True, default='', max_length=2000, verbose_name='signature')),
                    ('user', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='email_signature', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'db_table': 'activities_emailsignature',
                },
            ),
            migrations.CreateModel(
                name='EmailTemplate',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('name', models.CharField(max_length=100, unique=True, verbose_name='name')),
                    ('subject', models.CharField(max_length=300, verbose_name='subject')),
                    ('body', models.TextField(max_length=20000, verbose_name='text')),
                    ('updated_at', models.DateTimeField(default=django.utils.timezone.now)),
                    ('active', models.BooleanField(default=True, verbose_name='active')),
                    ('created_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ],
                options={
                    'verbose_name': 'email template',
                    'db_table': 'activities_emailtemplate',
                    'ordering': ['name'],
                },
            ),
            migrations.AddIndex(
                model_name='emailmessage',
                index=models.Index(fields=['message_id'], name='email_message_id_idx'),
            ),
            migrations.AddIndex(
                model_name='emailmessage',
                index=models.Index(fields=['thread_key', 'sent_at'], name='email_thread_idx'),
            ),
            migrations.AddIndex(
                model_name='emailmessage',
                index=models.Index(condition=models.Q(('status', 'review')), fields=['-created_at', '-id'], name='email_review_idx'),
            ),
            ],
            database_operations=[],
        ),
    ]
