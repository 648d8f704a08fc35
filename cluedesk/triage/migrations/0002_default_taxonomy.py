from django.db import migrations


def seed(apps, schema_editor):
    from cluedesk.analysis.taxonomy import CATEGORIES, INDUSTRIES

    Category = apps.get_model("triage", "Category")
    Industry = apps.get_model("triage", "Industry")
    for order, (code, name, name_zh, words) in enumerate(CATEGORIES):
        Category.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh,
                                                            "keywords": "\n".join(words), "order": order})
    for order, (code, name, name_zh, words) in enumerate(INDUSTRIES):
        Industry.objects.get_or_create(code=code, defaults={"name": name, "name_zh": name_zh,
                                                            "keywords": "\n".join(words), "order": order})


class Migration(migrations.Migration):
    dependencies = [("triage", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
