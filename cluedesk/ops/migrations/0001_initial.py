from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True
    dependencies: list[tuple[str, str]] = []

    operations = [
        migrations.CreateModel(
            name="KeyFingerprint",
            fields=[
                ("name", models.CharField(max_length=32, primary_key=True, serialize=False)),
                ("fingerprint", models.CharField(max_length=64)),
                ("source", models.CharField(blank=True, max_length=300)),
                ("recorded_by", models.CharField(blank=True, max_length=200)),
                ("recorded_at", models.DateTimeField(auto_now=True)),
            ],
            options={"db_table": "ops_key_fingerprint"},
        ),
    ]
