"""PostgreSQL tells a waiting ``publish_due_posts --watch`` when a post may have become due sooner.

One trigger on the table, so every writer is covered the same way (the admin, services, imports, raw SQL,
the publisher's own retries and releases) and the notification is sent only if the change commits. The
payload is empty, so many rows changed in one transaction make one notification. SQLite has no NOTIFY:
there the watch loop polls.
"""

from django.db import migrations

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
    dependencies = [("calendar_app", "0003_publisher_run")]

    operations = [migrations.RunPython(create, drop, elidable=False)]
