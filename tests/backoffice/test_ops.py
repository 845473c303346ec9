import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openapi_spec_validator import validate

from backoffice.customers.models import Customer, PaymentTransaction

pytestmark = pytest.mark.django_db


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_broker(client, settings):
    settings.CELERY_BROKER_URL = "memory://"
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "broker": "in-process"}


def test_readyz_fails_when_the_broker_is_unreachable(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def test_schema_is_valid_openapi_3(client):
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    validate(schema)
    assert "/api/v1/service/transactions/" in schema["paths"]
    assert "/api/v1/auth/token/" in schema["paths"]


def test_swagger_ui_is_served_without_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert b"cdn." not in response.content


def test_seed_demo_refuses_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_seed_demo_creates_the_demo_world_and_can_run_twice(settings, capsys):
    settings.DEBUG = True
    call_command("seed_demo", "--password", "pw-demo-123")
    call_command("seed_demo", "--password", "pw-demo-123")
    output = capsys.readouterr().out
    assert "agent1" in output and "pw-demo-123" in output
    assert Customer.objects.count() == 50
    assert Customer.objects.exclude(user=None).count() == 20
    assert PaymentTransaction.objects.count() == 500
    assert PaymentTransaction.objects.filter(status="failed").exclude(error_code="").exists()
    assert PaymentTransaction.objects.filter(status="pending").exists()
    assert PaymentTransaction.objects.filter(transaction_id__endswith="D").exists()
    from django.contrib.auth import get_user_model

    agent = get_user_model().objects.get(username="agent1")
    assert agent.check_password("pw-demo-123") and agent.groups.filter(name="agent").exists()


def test_run_periodic_jobs_runs_every_job(capsys):
    call_command("run_periodic_jobs")
    assert "notifications-deliver-due: ok" in capsys.readouterr().out


def test_run_periodic_jobs_rejects_unknown_names():
    with pytest.raises(CommandError):
        call_command("run_periodic_jobs", "--only", "nope")


def test_beat_schedule_comes_from_periodic_jobs(settings):
    from backoffice.celery import app

    app.finalize()
    schedule = app.conf.beat_schedule
    assert set(schedule) == set(settings.PERIODIC_JOBS)
    assert schedule["notifications-deliver-due"]["task"] == "notifications.deliver_due"


def test_root_redirects_to_the_admin(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/admin/"
