"""The product's default frequency cap: at most 2 education messages per 7 days."""

from django.db import migrations


def create_default_cap(apps, schema_editor):
    FrequencyCap = apps.get_model("education", "FrequencyCap")
    if not FrequencyCap.objects.exists():
        FrequencyCap.objects.create(max_messages=2, window_days=7, is_active=True)


class Migration(migrations.Migration):
    dependencies = [("education", "0001_initial")]

    operations = [migrations.RunPython(create_default_cap, migrations.RunPython.noop)]
