"""Clue titles, notes, evidence names and descriptions, conclusions and screening reasons sealed
at rest; the clear ``search_text`` column gone; the blind search index (``clues.search``).

The index table is made with plain SQL: a composite primary key, ``WITHOUT ROWID`` on SQLite.
"""

import cluedesk.vault.fields
import django.db.models.deletion
from django.db import migrations, models

SQLITE = ("CREATE TABLE IF NOT EXISTS clues_searchgram (key INTEGER NOT NULL, "
          "clue_id INTEGER NOT NULL REFERENCES clues_clue (id) DEFERRABLE INITIALLY DEFERRED, "
          "PRIMARY KEY (key, clue_id)) WITHOUT ROWID")
POSTGRES = ("CREATE TABLE IF NOT EXISTS clues_searchgram (key integer NOT NULL, "
            "clue_id bigint NOT NULL REFERENCES clues_clue (id) DEFERRABLE INITIALLY DEFERRED, "
            "PRIMARY KEY (key, clue_id))")


def create_index(apps, schema_editor):
    conn = schema_editor.connection
    with conn.cursor() as cursor:
        cursor.execute(SQLITE if conn.vendor == "sqlite" else POSTGRES)
        cursor.execute("CREATE INDEX IF NOT EXISTS clues_searchgram_clue ON clues_searchgram (clue_id)")


def drop_index(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS clues_searchgram")


class Migration(migrations.Migration):

    dependencies = [
        ('clues', '0002_workflow'),
    ]

    operations = [
        migrations.RemoveField(
            model_name='clue',
            name='search_text',
        ),
        migrations.AlterField(
            model_name='clue',
            name='screening_reason',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='clue',
            name='title',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True, max_length=200),
        ),
        migrations.AlterField(
            model_name='conclusion',
            name='public_wording',
            field=cluedesk.vault.fields.EncryptedTextField(help_text='shown to the reporter'),
        ),
        migrations.AlterField(
            model_name='conclusion',
            name='returned_reason',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='conclusion',
            name='summary',
            field=cluedesk.vault.fields.EncryptedTextField(help_text='internal: what was verified and how'),
        ),
        migrations.AlterField(
            model_name='evidence',
            name='description',
            field=cluedesk.vault.fields.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='evidence',
            name='name',
            field=cluedesk.vault.fields.EncryptedTextField(max_length=200),
        ),
        migrations.AlterField(
            model_name='note',
            name='text',
            field=cluedesk.vault.fields.EncryptedTextField(),
        ),
        # the table is made by hand (WITHOUT ROWID on SQLite); the model tells Django it is there
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(create_index, drop_index)],
            state_operations=[migrations.CreateModel(
                name="SearchGram",
                fields=[
                    ("pk", models.CompositePrimaryKey("key", "clue", blank=True, editable=False,
                                                      primary_key=True, serialize=False)),
                    ("key", models.IntegerField()),
                    ("clue", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="+",
                                               to="clues.clue")),
                ],
                options={"db_table": "clues_searchgram",
                         "indexes": [models.Index(fields=["clue"], name="clues_searchgram_clue")]},
            )],
        ),
    ]
