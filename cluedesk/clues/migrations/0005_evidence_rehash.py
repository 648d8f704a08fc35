"""Each evidence file's keyed digest, from its decrypted file; its unkeyed SHA-256 blanked.

Reads every stored evidence file once (``cluedesk/vault/rehash.py``). Not one transaction:
batches of 200 rows commit one by one, so an interrupted ``migrate`` resumes where it stopped. A
file that is gone or damaged leaves a blank digest. A file key that opens none of the files stops it."""

from pathlib import Path

from django.conf import settings
from django.db import migrations

from cluedesk.vault import rehash


def forwards(apps, schema_editor):
    Evidence = apps.get_model("clues", "Evidence")
    root = Path(settings.FILES_DIR) / "evidence"
    rehash.rehash(Evidence, path_of=lambda e: root / e.file_id, old="sha256", new="digest",
                  using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("clues", "0004_evidence_digest"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
