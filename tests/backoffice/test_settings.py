import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "x7$Kq9!vR2#mZ8@pL4^wN6&tY1*hB3(jD5)fG0-sA-long-random-production-key",
    "DJANGO_ALLOWED_HOSTS": "backoffice.wallet.example",
    "DATABASE_URL": "sqlite:////tmp/deploy-check.sqlite3",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTEST"))}
    clean["DJANGO_SETTINGS_MODULE"] = "backoffice.settings.base"
    return subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_core_settings():
    assert settings.USE_TZ is True
    assert [code for code, _ in settings.LANGUAGES] == ["en", "zh-hans", "zh-hant"]
    assert "django.middleware.locale.LocaleMiddleware" in settings.MIDDLEWARE
    assert settings.REST_FRAMEWORK["EXCEPTION_HANDLER"].endswith("api_exception_handler")


def test_secret_key_is_required_with_debug_off():
    result = _manage("check", env={"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is required" in result.stderr


def test_production_values_pass_check_deploy():
    result = _manage("check", "--deploy", "--fail-level", "DEBUG", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_embedded_default_runs_tasks_in_process_without_a_broker():
    code = (
        "from django.conf import settings as s;"
        "print(s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_BROKER_URL, s.DATABASES['default']['ENGINE'])"
    )
    env = {"DJANGO_DEBUG": "true", "REDIS_URL": "", "DATABASE_URL": "", "CELERY_BROKER_URL": ""}
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "memory://",
        "django.db.backends.sqlite3",
    ]


def test_redis_url_switches_celery_to_the_broker():
    code = "from django.conf import settings as s; print(s.CELERY_TASK_ALWAYS_EAGER)"
    env = {"DJANGO_DEBUG": "true", "REDIS_URL": "redis://127.0.0.1:6379/9"}
    result = _manage("shell", "-c", code, env=env)
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize(("lang", "expected"), [("zh-hans", "未找到"), ("zh-hant", "找不到")])
def test_api_errors_are_translated(client, lang, expected):
    response = client.get("/api/v1/nowhere/", HTTP_ACCEPT_LANGUAGE=lang)
    assert response.status_code == 404
    assert expected in response.json()["error"]["message"]
