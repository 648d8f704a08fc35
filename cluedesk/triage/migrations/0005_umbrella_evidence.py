from django.db import migrations, models


def add_keywords(apps, schema_editor):
    """Existing categories get the taxonomy's new default keywords (聚赌, 保护费, 砸店…) appended;
    words admins added or removed stay as they are for the rest."""
    from cluedesk.analysis.taxonomy import CATEGORIES

    Category = apps.get_model("triage", "Category")
    added = {
        "gambling": ("聚赌", "赌档", "赌局", "抽水", "老虎机", "牌九"),
        "gang_violence": ("砸店", "砸车", "砸玻璃", "打人", "砍人"),
        "drugs": ("涉毒", "摇头丸", "K粉"),
        "loan_sharking": ("放贷", "放贵利", "借条"),
        "forced_trade": ("保护费", "管理费", "进场费"),
        "natural_resources": ("砂石", "砂场"),
    }
    known = {code for code, *_rest in CATEGORIES}
    for category in Category.objects.filter(code__in=[c for c in added if c in known]):
        words = category.keywords.split()
        more = [w for w in added[category.code] if w not in words]
        if more:
            category.keywords = "\n".join([*words, *more])
            category.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("triage", "0004_sealed_implicated")]

    operations = [
        migrations.AddField(model_name="cluetriage", name="umbrella_probability",
                            field=models.FloatField(blank=True, null=True)),
        migrations.AddField(model_name="cluetriage", name="evidence",
                            field=models.JSONField(blank=True, default=list)),
        migrations.RunPython(add_keywords, migrations.RunPython.noop),
    ]
