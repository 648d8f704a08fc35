from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_initial")]

    operations = [
        migrations.CreateModel(
            name="DeploymentOnce",
            fields=[
                ("name", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("task_id", models.CharField(blank=True, max_length=64)),
                ("by", models.CharField(blank=True, max_length=200)),
                ("at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"db_table": "ops_deployment_once"},
        ),
    ]
