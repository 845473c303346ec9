"""Settings for every environment, read from environment variables (12-factor).

Production behaviour is switched by env vars, never by a separate settings module:
`DJANGO_DEBUG` off demands a real `DJANGO_SECRET_KEY` and turns on the HTTPS settings.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY is required when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-used-with-debug-on"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "simple_history",
    "backoffice.core",
    "backoffice.roles",
    "backoffice.customers",
    "backoffice.notifications",
    "backoffice.api",
    "backoffice.audit",
    "complaints",
    "compensation",
    "education",
    "insight",
    # Benchmark-only baseline (tests/benchmarks/bench_http.py). Installed everywhere so the
    # migration state never depends on an env var, but its URL exists only with
    # BENCH_BASELINE=true (backoffice/urls.py); production leaves it off.
    "backoffice.benchbaseline",
]
BENCH_BASELINE = env.bool("BENCH_BASELINE", default=False)

MIDDLEWARE = [
    "backoffice.api.middleware.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backoffice.audit.middleware.StaffSessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"
ASGI_APPLICATION = "backoffice.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "backoffice" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": environ.Env.db_url_config(
        env.str("DATABASE_URL", default="") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
    ),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# A persistent connection the server dropped (restart, fail-over) is replaced at the start
# of the next request instead of failing it.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("DATABASE_CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and an in-process task share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("zh-hans", _("Simplified Chinese")),
    ("zh-hant", _("Traditional Chinese")),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Hong_Kong")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private_media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security: production values come from DJANGO_DEBUG off -----------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Staff sessions: at most STAFF_SESSION_SECONDS after login, and ended after
# STAFF_SESSION_IDLE_SECONDS without a request (backoffice.audit.middleware, recorded).
STAFF_SESSION_SECONDS = env.int("STAFF_SESSION_SECONDS", default=8 * 3600)
STAFF_SESSION_IDLE_SECONDS = env.int("STAFF_SESSION_IDLE_SECONDS", default=30 * 60)
SESSION_COOKIE_AGE = STAFF_SESSION_SECONDS
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# --- E-mail -------------------------------------------------------------------------------
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="complaints@wallet.example")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Notifications: one backend per channel, dotted paths ------------------------------
NOTIFICATION_BACKENDS = {
    "sms": env.str(
        "NOTIFY_SMS_BACKEND", default="backoffice.notifications.backends.ConsoleBackend"
    ),
    "email": env.str(
        "NOTIFY_EMAIL_BACKEND", default="backoffice.notifications.backends.DjangoEmailBackend"
    ),
    "push": env.str(
        "NOTIFY_PUSH_BACKEND", default="backoffice.notifications.backends.ConsoleBackend"
    ),
    "in_app": "backoffice.notifications.backends.InAppBackend",
}
NOTIFY_SMS_URL = env.str("NOTIFY_SMS_URL", default="")
NOTIFY_SMS_TOKEN = env.str("NOTIFY_SMS_TOKEN", default="")
NOTIFY_PUSH_URL = env.str("NOTIFY_PUSH_URL", default="")
NOTIFY_PUSH_TOKEN = env.str("NOTIFY_PUSH_TOKEN", default="")
NOTIFY_HTTP_TIMEOUT_SECONDS = env.float("NOTIFY_HTTP_TIMEOUT_SECONDS", default=5.0)
NOTIFY_MAX_ATTEMPTS = env.int("NOTIFY_MAX_ATTEMPTS", default=6)

# --- Celery: no broker means tasks run in-process (the embedded default) --------------
REDIS_URL = env.str("REDIS_URL", default="")
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL == "memory://"
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Redis transport: a task a killed worker had taken (acks late) goes back to the queue once
# it has been unacknowledged for the visibility timeout, so the timeout must exceed the
# longest task. Abandoned tasks are looked for every 10 s (kombu's default is 100 s).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "max_retries": 1,
    "socket_connect_timeout": 3,
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    "unacked_restore_interval": 10,
    "unacked_restore_throttle": 1,
}
CELERY_TIMEZONE = "UTC"
# Periodic jobs: one list drives Celery beat *and* `manage.py run_periodic_jobs`.
# name -> (registered task name, period in seconds). Every job is idempotent.
PERIODIC_JOBS: dict[str, tuple[str, int]] = {
    "notifications-deliver-due": ("notifications.deliver_due", 60),
    "audit-seal": ("audit.seal", 60),
    "audit-retention-purge": ("audit.retention_purge", 86400),
    # complaints: add "complaints-..." jobs below this line
    "complaints-intake-followup": ("complaints.intake_followup_due", 30),
    "complaints-sla-sweep": ("complaints.sla_sweep", 60),
    "complaints-auto-close": ("complaints.auto_close", 3600),
    # compensation: add "compensation-..." jobs below this line
    "compensation-reconcile": ("compensation.reconcile_unknown", 60),
    "compensation-expire-proposals": ("compensation.expire_proposals", 3600),
    # education: add "education-..." jobs below this line
    "education-plan-runs": ("education.plan_due_runs", 60),
    "education-release-held": ("education.release_held", 60),
    # insight: add "insight-..." jobs below this line
    "insight-refresh": ("insight.refresh_daily_summaries", 300),
}

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- REST API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # RS256 tokens of the identity provider first: it passes on anything else, while
        # simplejwt would reject an RS256 token outright.
        "backoffice.api.authentication.IdentityProviderJWTAuthentication",
        "backoffice.api.authentication.CustomerJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["backoffice.api.permissions.IsCustomer"],
    "DEFAULT_PAGINATION_CLASS": "backoffice.api.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backoffice.api.exceptions.api_exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["backoffice.api.parsers.DecimalJSONParser"],
    "DEFAULT_THROTTLE_RATES": {
        "token": env.str("THROTTLE_TOKEN_RATE", default="20/min"),
        "intake": env.str("THROTTLE_INTAKE_RATE", default="30/min"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append(
        "rest_framework.renderers.BrowsableAPIRenderer"
    )

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ALGORITHM": "HS256",
    "SIGNING_KEY": env.str("JWT_SIGNING_KEY", default=SECRET_KEY),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "TOKEN_TYPE_CLAIM": "token_type",
    "UPDATE_LAST_LOGIN": False,
}
# Tokens issued by the wallet's identity provider (RS256), accepted when a key is set.
IDP_JWT_PUBLIC_KEY = env.str("IDP_JWT_PUBLIC_KEY", default="").replace("\\n", "\n")
IDP_JWT_ISSUER = env.str("IDP_JWT_ISSUER", default="")
IDP_JWT_AUDIENCE = env.str("IDP_JWT_AUDIENCE", default="")

SPECTACULAR_SETTINGS = {
    "TITLE": "Complaint back-office API",
    "DESCRIPTION": "Customer API for the wallet apps and service API for the payment core.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    # Swagger UI is served from the sidecar package: no CDN in the browser.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# Reverting a history record would bypass the state machines and approvals.
SIMPLE_HISTORY_REVERT_DISABLED = True

# --- Domain configuration -----------------------------------------------------------------
DEFAULT_CURRENCY = env.str("DEFAULT_CURRENCY", default="HKD")
# Complaint handling knobs operations may turn per deployment (the same defaults as
# complaints/conf.py; SLA durations, regimes and holidays are data, edited in the admin).
COMPLAINT_AUTO_CLOSE_DAYS = env.int("COMPLAINT_AUTO_CLOSE_DAYS", default=14)
COMPLAINT_REOPEN_DAYS = env.int("COMPLAINT_REOPEN_DAYS", default=30)
COMPLAINT_SLA_WARNING_MINUTES = env.int("COMPLAINT_SLA_WARNING_MINUTES", default=15)
COMPLAINT_AUTO_ASSIGN = env.bool("COMPLAINT_AUTO_ASSIGN", default=True)
COMPLAINT_ATTACHMENT_MAX_BYTES = env.int("COMPLAINT_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)
REQUIRE_SERVICES = env.bool("REQUIRE_SERVICES", default=False)
# Compensation payouts: the embedded wallet ledger by default, or the payment core's HTTP API
# (compensation.gateways.HttpPaymentCoreGateway) with its URL, token and timeout.
COMPENSATION_GATEWAY = env.str(
    "COMPENSATION_GATEWAY", default="compensation.gateways.EmbeddedLedgerGateway"
)
PAYMENT_CORE_URL = env.str("PAYMENT_CORE_URL", default="")
PAYMENT_CORE_TOKEN = env.str("PAYMENT_CORE_TOKEN", default="")
PAYMENT_CORE_TIMEOUT_SECONDS = env.float("PAYMENT_CORE_TIMEOUT_SECONDS", default=10.0)

# --- Logging ------------------------------------------------------------------------------
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "backoffice.core.logging.RequestIdFilter"},
        "mask_pii": {"()": "backoffice.core.logging.MaskPIIFilter"},
    },
    "formatters": {
        "text": {
            "format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s",
        },
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level"},
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "text",
            "filters": ["request_id", "mask_pii"],
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "WARNING"},
    },
}
