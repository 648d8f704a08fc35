# The Deployment row moves to cluedesk.deployment (issue 21); its table, compliance_deployment,
# stays where it is: this migration changes the state only.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("compliance", "0001_initial"),
        ("deployment", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Deployment")],
            database_operations=[],
        ),
    ]
