"""Full-text search over report text.

SQLite: an FTS5 table with the trigram tokenizer (works for Chinese, which has no spaces),
kept in step with intake_report by triggers. PostgreSQL: a trigram GIN index on UPPER(text),
which is what Django's ``icontains`` compares, so substring search uses the index.
"""

from django.db import migrations, transaction

SQLITE_UP = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS intake_report_fts USING fts5("
    "text, content='intake_report', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS intake_report_fts_ai AFTER INSERT ON intake_report BEGIN "
    "INSERT INTO intake_report_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS intake_report_fts_ad AFTER DELETE ON intake_report BEGIN "
    "INSERT INTO intake_report_fts(intake_report_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS intake_report_fts_au AFTER UPDATE OF text ON intake_report BEGIN "
    "INSERT INTO intake_report_fts(intake_report_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO intake_report_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO intake_report_fts(intake_report_fts) VALUES ('rebuild')",
]
SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS intake_report_fts_ai", "DROP TRIGGER IF EXISTS intake_report_fts_ad",
    "DROP TRIGGER IF EXISTS intake_report_fts_au", "DROP TABLE IF EXISTS intake_report_fts",
]


def forwards(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            for sql in SQLITE_UP:
                cursor.execute(sql)
        elif conn.vendor == "postgresql":
            try:
                with transaction.atomic(using=conn.alias):
                    cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            except Exception:  # noqa: BLE001 - without the extension search still works, unindexed
                return
            cursor.execute("CREATE INDEX IF NOT EXISTS intake_report_text_trgm "
                           "ON intake_report USING gin (UPPER(text) gin_trgm_ops)")


def backwards(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        if conn.vendor == "sqlite":
            for sql in SQLITE_DOWN:
                cursor.execute(sql)
        elif conn.vendor == "postgresql":
            cursor.execute("DROP INDEX IF EXISTS intake_report_text_trgm")


class Migration(migrations.Migration):
    dependencies = [("intake", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
