"""Settings, read from the environment (see the configuration table in the README).

Unset variables get local-development defaults. `DJANGO_ENV=production` switches on the
deployment hardening that `manage.py check --deploy` looks for, and refuses to start
without a real `DJANGO_SECRET_KEY`.
"""

import os
import zoneinfo
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from dotenv import load_dotenv

from oncall_site.env import (
    envbool,
    envfloat,
    envint,
    envintervals,
    envlist,
    envmapping,
    envrepo,
    envstr,
    envurl,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"
# A `.env` beside manage.py fills in what the real environment leaves unset.
load_dotenv(BASE_DIR / ".env", override=False)

DJANGO_ENV = envstr("DJANGO_ENV", "development").lower()
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured(f"DJANGO_ENV must be development or production, not {DJANGO_ENV!r}")
PRODUCTION = DJANGO_ENV == "production"

DEV_SECRET_KEY = "django-insecure-local-development-only-never-deploy-this-key"
SECRET_KEY = envstr("DJANGO_SECRET_KEY") or DEV_SECRET_KEY
if PRODUCTION and (
    SECRET_KEY.startswith("django-insecure") or len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5
):
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set to a random value of at least 50 characters when "
        "DJANGO_ENV=production (python -c 'import secrets; print(secrets.token_urlsafe(50))')"
    )

DEBUG = envbool("DJANGO_DEBUG", not PRODUCTION)
ALLOWED_HOSTS = envlist("DJANGO_ALLOWED_HOSTS") or (
    [] if PRODUCTION else ["127.0.0.1", "localhost"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS must name the site's host when DJANGO_ENV=production"
    )
CSRF_TRUSTED_ORIGINS = envlist("DJANGO_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "oncall_site.admin_site.OncallAdminConfig",  # django.contrib.admin, our site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_q",
    "csp",
    "axes",
    "oncall_site",
    "rotations",
    "incidents",
    "releases",
    "security",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "oncall_site.middleware.permissions_policy",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "oncall_site.data_version.DataVersionMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "oncall_site.urls"
WSGI_APPLICATION = "oncall_site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "rotations.context_processors.on_call_now",
            ],
        },
    },
]

# Database: SQLite under var/ unless DATABASE_URL says otherwise.
DEFAULT_DATABASE_URL = "sqlite:///var/db.sqlite3"
_database_url = envstr("DATABASE_URL") or DEFAULT_DATABASE_URL
try:
    _database = dj_database_url.parse(_database_url, conn_max_age=60, conn_health_checks=True)
except (ValueError, KeyError) as exc:
    raise ImproperlyConfigured(
        f"DATABASE_URL is not a database URL Django understands ({exc}); "
        "use e.g. postgres://user:pass@host:5432/oncall or sqlite:///var/db.sqlite3"
    ) from None
if _database["ENGINE"] == "django.db.backends.sqlite3":
    _name = str(_database.get("NAME") or "")
    if _name and _name != ":memory:" and not os.path.isabs(_name):
        _database["NAME"] = str(BASE_DIR / _name)
    if _name != ":memory:":
        Path(_database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    _database["CONN_MAX_AGE"] = 0
    _database["CONN_HEALTH_CHECKS"] = False
    # The worker and the web process write to one file: WAL lets readers go on while a
    # writer works, IMMEDIATE takes the write lock up front instead of failing mid-way.
    _database["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DATABASES = {"default": _database}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "en-us"
ONCALL_TIMEZONE = envstr("ONCALL_TIMEZONE", "America/New_York")
try:
    zoneinfo.ZoneInfo(ONCALL_TIMEZONE)
except (zoneinfo.ZoneInfoNotFoundError, ValueError):
    raise ImproperlyConfigured(
        f"ONCALL_TIMEZONE must be an IANA time zone such as America/New_York, not {ONCALL_TIMEZONE!r}"
    ) from None
TIME_ZONE = ONCALL_TIMEZONE
USE_I18N = False
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# Task queue: the ORM broker needs nothing else running; Redis when REDIS_URL is set.
# timeout < retry so a slow task is killed before it is handed out a second time.
REDIS_URL = envstr("REDIS_URL")
Q_CLUSTER: dict = {
    "name": "oncall",
    "workers": envint("ONCALL_WORKERS", 2, minimum=1),
    "timeout": 240,
    "retry": 300,
    "max_attempts": 3,
    "catch_up": False,
    "save_limit": 500,
    "queue_limit": 50,
    "label": "Task queue",
}
if REDIS_URL:
    if not REDIS_URL.startswith(("redis://", "rediss://", "unix://")):
        raise ImproperlyConfigured(f"REDIS_URL must be a redis:// URL, not {REDIS_URL!r}")
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"
    Q_CLUSTER["poll"] = 1

# Upstream sources (the configuration contract in DESIGN.md).
GITHUB_API_URL = envurl("GITHUB_API_URL", "https://api.github.com")
GITHUB_TOKEN = envstr("GITHUB_TOKEN")
GITHUB_REPOSITORY = envrepo("GITHUB_REPOSITORY")
SECREL_WORKFLOW = envstr("SECREL_WORKFLOW", "secrel.yml")
SECREL_BRANCH = envstr("SECREL_BRANCH", "develop")
PAGERDUTY_API_URL = envurl("PAGERDUTY_API_URL", "https://api.pagerduty.com")
PAGERDUTY_API_TOKEN = envstr("PAGERDUTY_API_TOKEN")
PAGERDUTY_SERVICE_IDS = envlist("PAGERDUTY_SERVICE_IDS")
PAGERDUTY_SCHEDULE_IDS = envlist("PAGERDUTY_SCHEDULE_IDS")
# Priority name -> severity; unset: P1->SEV1, P2->SEV2, P3->SEV3, P4 and P5->SEV4.
PAGERDUTY_PRIORITY_SEVERITIES = envmapping(
    "PAGERDUTY_PRIORITY_SEVERITIES", allowed_values={"SEV1", "SEV2", "SEV3", "SEV4"}
)
DATADOG_API_URL = envurl("DATADOG_API_URL", "https://api.datadoghq.com")
DATADOG_API_KEY = envstr("DATADOG_API_KEY")
DATADOG_APP_KEY = envstr("DATADOG_APP_KEY")
DATADOG_MONITOR_QUERY = envstr("DATADOG_MONITOR_QUERY")
# Metric queries per run of `datadog.partner_performance` (two per service and measure).
DATADOG_PERFORMANCE_MAX_QUERIES = envint("DATADOG_PERFORMANCE_MAX_QUERIES", 100, minimum=2)
SLACK_WEBHOOK_URL = envstr("SLACK_WEBHOOK_URL")
if SLACK_WEBHOOK_URL:
    SLACK_WEBHOOK_URL = envurl("SLACK_WEBHOOK_URL", SLACK_WEBHOOK_URL)
SLACK_SIGNING_SECRET = envstr("SLACK_SIGNING_SECRET")
# Where the site is reached, for links in messages sent without a request (the reminder).
SITE_URL = envurl("SITE_URL", "http://127.0.0.1:8000")
GITHUB_WEBHOOK_SECRET = envstr("GITHUB_WEBHOOK_SECRET")
PAGERDUTY_WEBHOOK_SECRET = envstr("PAGERDUTY_WEBHOOK_SECRET")
# Timeouts and retry bounds for every upstream call: no loop waits forever.
UPSTREAM_TIMEOUT_SECONDS = envint("UPSTREAM_TIMEOUT_SECONDS", 15, minimum=1)
UPSTREAM_MAX_RETRIES = envint("UPSTREAM_MAX_RETRIES", 3, minimum=0)
# GitHub asks integrations to space requests out; the sandbox needs no spacing.
GITHUB_SECONDS_BETWEEN_REQUESTS = envfloat("GITHUB_SECONDS_BETWEEN_REQUESTS", 0.25)

# Poll intervals that override the jobs' own defaults (minutes): SYNC_<VENDOR>_MINUTES for
# all of a vendor's jobs, SYNC_<VENDOR>_<JOB>_MINUTES for one. How far back a first sync reaches.
SYNC_INTERVAL_MINUTES = envintervals()
SYNC_BACKFILL_DAYS = envint("SYNC_BACKFILL_DAYS", 180, minimum=1)

# Deployments: whether a requester may approve their own deployment request, and how long
# after a deployment an incident on one of its services counts it as a failed change.
DEPLOY_SELF_APPROVAL = envbool("DEPLOY_SELF_APPROVAL", False)
CHANGE_FAILURE_WINDOW_HOURS = envint("CHANGE_FAILURE_WINDOW_HOURS", 24, minimum=1)

# A worker heartbeat older than this makes /healthz report the worker as down.
WORKER_HEARTBEAT_STALE_SECONDS = envint("WORKER_HEARTBEAT_STALE_SECONDS", 180, minimum=30)

# The dashboard, its live part and the summary API keep what they computed for one data
# version and one minute (oncall_site/page_cache.py): in Redis when REDIS_URL is set, shared
# by every web process; otherwise each process keeps its own copy.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "oncall",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
PAGE_CACHE_SECONDS = 120

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Log lines go out without secrets' values or URL credentials (oncall_site/redaction.py).
    "formatters": {
        "plain": {
            "()": "oncall_site.redaction.RedactingFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO").upper()},
    # Request lines from runserver go through the root's handler at the root's level, so
    # LOG_LEVEL=WARNING (make demo's default) quiets them too.
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # django-axes says hello at INFO on every start; its lockouts are WARNINGs.
        "axes.apps": {"level": "WARNING"},
        "django.server": {"level": envstr("LOG_LEVEL", "INFO").upper()},
    },
}

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = envbool("DJANGO_SECURE_SSL_REDIRECT", True)
    # /healthz is probed over plain HTTP by load balancers.
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = envint("DJANGO_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Content-Security-Policy: everything from the site itself, no inline script or style (CSS
# and JS live in static/), never framed. Django's debug 404/500 pages are exempt.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}
# Browser features the site never uses, switched off for it and anything it embeds.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
)

# Login throttling (django-axes): LOGIN_FAILURE_LIMIT wrong passwords for one username from
# one address lock that pair out for LOGIN_LOCKOUT_MINUTES after the last attempt.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "oncall_site.lockout.lockout_response"
# Attempts are stored with the form's fields: the typed password (always masked by axes) and
# the CSRF token stay out of the database and the admin.
AXES_SENSITIVE_PARAMETERS = ["username", "ip_address", "csrfmiddlewaretoken"]
# Behind N reverse proxies the client's address is the Nth from the right of X-Forwarded-For;
# with none, REMOTE_ADDR (a header a client could forge is never trusted).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0, minimum=0)
if TRUSTED_PROXY_COUNT:
    AXES_IPWARE_PROXY_COUNT = TRUSTED_PROXY_COUNT
    AXES_IPWARE_PROXY_ORDER = "right-most"
    AXES_IPWARE_META_PRECEDENCE_ORDER = ("HTTP_X_FORWARDED_FOR", "REMOTE_ADDR")

# Error pages and reports (DEBUG's included) hide secrets by name and by value.
DEFAULT_EXCEPTION_REPORTER_FILTER = "oncall_site.redaction.SecretsFilter"
DEFAULT_EXCEPTION_REPORTER = "oncall_site.redaction.SecretsReporter"
