"""Report text, messages and public wording sealed at rest (``cluedesk.vault.fields``).

The clear-text full-text index goes first (SQLite's FTS5 table and its triggers, PostgreSQL's
trigram index on UPPER(text)): search now goes through the clues' blind index. The columns
become TEXT on both backends (a sealed value is longer than the clear one). Rows written
before are sealed by ``cluedesk keys reencrypt`` (in batches, resumable; ``serve`` runs it).
"""

import cluedesk.vault.fields
from django.db import migrations

DROP_SQLITE = [
    "DROP TRIGGER IF EXISTS intake_report_fts_ai", "DROP TRIGGER IF EXISTS intake_report_fts_ad",
    "DROP TRIGGER IF EXISTS intake_report_fts_au", "DROP TABLE IF EXISTS intake_report_fts",
]


def drop_clear_index(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            for sql in DROP_SQLITE:
                cursor.execute(sql)
        elif conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS intake_report_text_trgm")


class Migration(migrations.Migration):

    dependencies = [
        ('intake', '0003_rate_count'),
    ]

    operations = [
        migrations.RunPython(drop_clear_index, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='message',
            name='body',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='publicstep',
            name='outcome',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='report',
            name='place_text',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='report',
            name='text',
            field=cluedesk.vault.fields.EncryptedTextField(),
        ),
        migrations.AlterField(
            model_name='report',
            name='when_text',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='report',
            name='who_text',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True, max_length=500),
        ),
    ]
