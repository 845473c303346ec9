"""Test settings: the base settings with fast hashing, in-memory backends and eager tasks."""

import os

os.environ.setdefault("DJANGO_DEBUG", "false")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "false")

from .base import *  # noqa: F403
from .base import NOTIFICATION_BACKENDS, REST_FRAMEWORK

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
NOTIFICATION_BACKENDS = {
    **NOTIFICATION_BACKENDS,
    "sms": "backoffice.notifications.backends.InMemoryBackend",
    "push": "backoffice.notifications.backends.InMemoryBackend",
    "email": "backoffice.notifications.backends.DjangoEmailBackend",
}
# Tests run tasks in-process even when a broker is configured for the real-service tests.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
REST_FRAMEWORK = {
    **REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {"token": "1000/min", "intake": "1000/min"},
}
