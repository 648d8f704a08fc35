"""The unkeyed SHA-256 column goes (0006 has blanked it)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0006_attachment_rehash"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="attachment",
            name="sha256",
        ),
    ]
