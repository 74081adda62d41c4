# The platforms added this round (Mastodon, Bluesky, Threads, the Sandbox) and Mastodon's per-server app
# registrations, in one migration.

import social.fields
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('social', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='socialaccount',
            name='platform',
            field=models.CharField(choices=[('TWITTER', 'X (Twitter)'), ('FACEBOOK', 'Facebook Page'), ('INSTAGRAM', 'Instagram'), ('LINKEDIN', 'LinkedIn'), ('YOUTUBE', 'YouTube'), ('MASTODON', 'Mastodon'), ('BLUESKY', 'Bluesky'), ('THREADS', 'Threads'), ('SANDBOX', 'Sandbox')], max_length=16),
        ),
        migrations.CreateModel(
            name='MastodonApp',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('server_url', models.CharField(help_text='https://<host>, as normalized at connect.', max_length=255)),
                ('redirect_uri', models.CharField(max_length=500)),
                ('scopes', models.CharField(help_text='The scopes it was registered with, space-separated.', max_length=255)),
                ('client_id', models.CharField(max_length=255)),
                ('client_secret', social.fields.EncryptedTextField()),
                ('client_secret_expires_at', models.DateTimeField(blank=True, null=True)),
                ('created_at', models.DateTimeField(auto_now_add=True)),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': 'Mastodon app registration',
                'constraints': [models.UniqueConstraint(fields=('server_url', 'redirect_uri'), name='mastodon_app_server_redirect')],
            },
        ),
    ]
