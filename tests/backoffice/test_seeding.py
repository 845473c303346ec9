import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from complaints.models import CannedResponse, RegulatoryRegime
from education.models import FrequencyCap


@pytest.mark.django_db(transaction=True)
def test_reference_data_comes_back_after_a_flush():
    call_command("flush", interactive=False, verbosity=0)
    assert set(RegulatoryRegime.objects.values_list("code", flat=True)) >= {"UK", "CN", "US"}
    # the later data migration that amends the seed runs again too
    years = dict(RegulatoryRegime.objects.values_list("code", "retention_years"))
    assert years["US"] == 3
    assert years["UK"] == 5
    assert CannedResponse.objects.exists()
    assert FrequencyCap.objects.filter(max_messages=2, window_days=7).exists()
    assert Group.objects.filter(name="auditor").exists()


@pytest.mark.django_db
def test_edited_reference_data_is_left_alone():
    from django.apps import apps
    from django.db.models.signals import post_migrate

    uk = RegulatoryRegime.objects.get(code="UK")
    uk.statutory_days = 10
    uk.save()
    for config in (apps.get_app_config("complaints"), apps.get_app_config("education")):
        post_migrate.send(
            sender=config, app_config=config, verbosity=0, interactive=False, using="default"
        )
    uk.refresh_from_db()
    assert uk.statutory_days == 10
    assert FrequencyCap.objects.count() == 1
