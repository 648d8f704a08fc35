# The Deployment row moves here from cluedesk.compliance (issue 21) and keeps its table,
# compliance_deployment, which compliance's 0001 created: this migration changes the state only.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("compliance", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Deployment",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("profile_key", models.CharField(max_length=40)),
                        ("overrides", models.JSONField(blank=True, default=dict)),
                        ("clocks_from", models.DateTimeField()),
                        ("changed_at", models.DateTimeField()),
                        ("changed_by", models.ForeignKey(blank=True, null=True,
                                                         on_delete=django.db.models.deletion.PROTECT,
                                                         related_name="+", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "db_table": "compliance_deployment",
                        "constraints": [models.CheckConstraint(condition=models.Q(("id", 1)),
                                                               name="one_deployment_row")],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
