"""The publisher engine of this round, in one migration: PublisherRun (one row per run, with its figures),
the NOTIFY trigger that wakes ``publish_due_posts --watch``, the posting-quota ledger (QuotaScope, QuotaSlot)
and the processing state of an account.

PostgreSQL tells a waiting ``publish_due_posts --watch`` when a post may have become due sooner.

One trigger on the table, so every writer is covered the same way (the admin, services, imports, raw SQL,
the publisher's own retries and releases) and the notification is sent only if the change commits. The
payload is empty, so many rows changed in one transaction make one notification. SQLite has no NOTIFY:
there the watch loop polls.
"""

import django.db.models.deletion
from django.db import migrations, models

CHANNEL = "publisher_due"

CREATE = f"""
CREATE FUNCTION calendar_app_notify_publisher_due() RETURNS trigger AS $$
BEGIN
    IF NEW.status = 'SCHEDULED' OR (NEW.status = 'PUBLISHING' AND NEW.lease_token IS NULL) THEN
        PERFORM pg_notify('{CHANNEL}', '');
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER calendar_app_scheduledpost_notify_publisher_due
AFTER INSERT OR UPDATE OF status, scheduled_at, next_attempt_at, lease_token, lease_expires_at
ON calendar_app_scheduledpost
FOR EACH ROW EXECUTE FUNCTION calendar_app_notify_publisher_due();
"""

DROP = """
DROP TRIGGER IF EXISTS calendar_app_scheduledpost_notify_publisher_due ON calendar_app_scheduledpost;
DROP FUNCTION IF EXISTS calendar_app_notify_publisher_due();
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    # The unreleased 0003 to 0005 of this round, squashed; migrations that still name one of them resolve to
    # this one.
    replaces = [
        ('calendar_app', '0003_publisher_run'),
        ('calendar_app', '0004_notify_publisher_when_due'),
        ('calendar_app', '0005_quota_ledger_and_processing'),
    ]

    dependencies = [
        ('calendar_app', '0002_lease_token'),
        ('social', '0002_new_platforms_and_mastodon_apps'),
    ]

    operations = [
        migrations.CreateModel(
            name='PublisherRun',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('host', models.CharField(max_length=255)),
                ('pid', models.PositiveIntegerField()),
                ('started_at', models.DateTimeField(db_index=True)),
                ('finished_at', models.DateTimeField(blank=True, null=True)),
                ('trigger', models.CharField(choices=[('cron', 'cron (manage.py publish_due_posts)'), ('http', 'HTTP trigger'), ('watch', 'watch loop (publish_due_posts --watch)')], max_length=8)),
                ('processed', models.PositiveIntegerField(default=0)),
                ('succeeded', models.PositiveIntegerField(default=0)),
                ('partial', models.PositiveIntegerField(default=0)),
                ('failed', models.PositiveIntegerField(default=0)),
                ('retrying', models.PositiveIntegerField(default=0)),
                ('needs_review', models.PositiveIntegerField(default=0)),
                ('claimed', models.PositiveIntegerField(default=0)),
                ('recovered', models.PositiveIntegerField(default=0)),
                ('released', models.PositiveIntegerField(default=0)),
                ('lost', models.PositiveIntegerField(default=0)),
                ('errors', models.PositiveIntegerField(default=0)),
                ('duration_seconds', models.FloatField(blank=True, null=True)),
                ('error', models.TextField(blank=True, help_text='Why the run stopped early; empty when it completed.')),
            ],
            options={
                'ordering': ['-started_at', '-id'],
                'indexes': [models.Index(fields=['-finished_at'], name='publisher_run_finished_idx')],
            },
        ),
        migrations.RunPython(create, drop, elidable=False),
        migrations.CreateModel(
            name='QuotaScope',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64, unique=True)),
                ('blocked_until', models.DateTimeField(blank=True, null=True)),
                ('blocked_reason', models.CharField(blank=True, max_length=500)),
                ('locked_at', models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.AddField(
            model_name='scheduledpostaccount',
            name='processing_since',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='publishattempt',
            name='error_kind',
            field=models.CharField(blank=True, choices=[('TRANSIENT', 'Transient'), ('AUTH', 'Authentication'), ('INVALID', 'Invalid'), ('UNKNOWN', 'Unknown outcome'), ('MISSED', 'Missed'), ('QUOTA', 'Over quota (deferred)')], max_length=16),
        ),
        migrations.AlterField(
            model_name='publishattempt',
            name='outcome',
            field=models.CharField(choices=[('IN_PROGRESS', 'In progress'), ('PUBLISHED', 'Published'), ('FAILED', 'Failed'), ('NOT_FOUND', 'Confirmed not published'), ('CANNOT_TELL', 'Cannot tell'), ('PROCESSING', 'Still processing')], default='IN_PROGRESS', max_length=16),
        ),
        migrations.AlterField(
            model_name='scheduledpostaccount',
            name='error_kind',
            field=models.CharField(blank=True, choices=[('TRANSIENT', 'Transient'), ('AUTH', 'Authentication'), ('INVALID', 'Invalid'), ('UNKNOWN', 'Unknown outcome'), ('MISSED', 'Missed'), ('QUOTA', 'Over quota (deferred)')], max_length=16),
        ),
        migrations.CreateModel(
            name='QuotaSlot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('platform', models.CharField(max_length=16)),
                ('taken_at', models.DateTimeField()),
                ('account', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='social.socialaccount')),
                ('post_account', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='calendar_app.scheduledpostaccount')),
            ],
            options={
                'indexes': [models.Index(fields=['account', 'taken_at'], name='quota_slot_account_idx'), models.Index(fields=['platform', 'taken_at'], name='quota_slot_platform_idx')],
            },
        ),
    ]
