"""Attachments get a keyed digest (issue 19, finding 2); 0006 fills it, 0007 drops the SHA-256."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("intake", "0004_sealed_text"),
    ]

    operations = [
        migrations.AddField(
            model_name="attachment",
            name="digest",
            field=models.CharField(blank=True, db_index=True, default="", max_length=64),
            preserve_default=False,
        ),
    ]
