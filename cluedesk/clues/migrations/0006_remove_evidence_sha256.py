"""The unkeyed SHA-256 column goes (0005 has blanked it)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("clues", "0005_evidence_rehash"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="evidence",
            name="sha256",
        ),
    ]
