from django.db import migrations

from complaints.seed_data import CANNED_RESPONSES, HOLIDAYS, REGIMES


def seed(apps, schema_editor):
    db = schema_editor.connection.alias
    Regime = apps.get_model("complaints", "RegulatoryRegime")
    Holiday = apps.get_model("complaints", "RegimeHoliday")
    Canned = apps.get_model("complaints", "CannedResponse")
    for row in REGIMES:
        regime, _ = Regime.objects.using(db).update_or_create(
            code=row["code"], defaults={k: v for k, v in row.items() if k != "code"}
        )
        for day, name in HOLIDAYS.get(row["code"], []):
            Holiday.objects.using(db).get_or_create(regime=regime, date=day, defaults={"name": name})
    for key, category, titles, bodies in CANNED_RESPONSES:
        Canned.objects.using(db).update_or_create(
            key=key,
            defaults={
                "category": category,
                "title_en": titles[0],
                "title_zh_hans": titles[1],
                "title_zh_hant": titles[2],
                "body_en": bodies[0],
                "body_zh_hans": bodies[1],
                "body_zh_hant": bodies[2],
            },
        )


def unseed(apps, schema_editor):
    db = schema_editor.connection.alias
    apps.get_model("complaints", "CannedResponse").objects.using(db).filter(
        key__in=[row[0] for row in CANNED_RESPONSES]
    ).delete()
    apps.get_model("complaints", "RegulatoryRegime").objects.using(db).filter(
        code__in=[row["code"] for row in REGIMES], complaints__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("complaints", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
