
import cluedesk.vault.fields
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('triage', '0003_clue_charge_scores'),
    ]

    operations = [
        migrations.AlterField(
            model_name='cluetriage',
            name='implicated',
            field=cluedesk.vault.fields.EncryptedJSONField(blank=True, default=list),
        ),
    ]
