"""Evidence files get a keyed digest (issue 19, finding 2); 0005 fills it, 0006 drops the SHA-256."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("clues", "0003_sealed_text_blind_index"),
    ]

    operations = [
        migrations.AddField(
            model_name="evidence",
            name="digest",
            field=models.CharField(blank=True, default="", max_length=64),
            preserve_default=False,
        ),
    ]
