"""Configuration from the environment: defaults, malformed values, production mode."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from oncall_site.env import envbool, envint, envlist, envrepo, envurl

ROOT = Path(__file__).resolve().parent.parent


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "ONCALL_"))
    }
    clean["DATABASE_URL"] = "sqlite:///:memory:"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_reads_helpers_and_names_the_variable_on_bad_values():
    assert envbool("X", True, environ={}) is True
    assert envbool("X", True, environ={"X": "off"}) is False
    with pytest.raises(ImproperlyConfigured, match="X must be true or false"):
        envbool("X", True, environ={"X": "maybe"})
    assert envint("N", 3, environ={"N": " 7 "}) == 7
    with pytest.raises(ImproperlyConfigured, match="N must be a whole number"):
        envint("N", 3, environ={"N": "seven"})
    with pytest.raises(ImproperlyConfigured, match="N must be at least 1"):
        envint("N", 3, minimum=1, environ={"N": "0"})
    assert envlist("IDS", environ={"IDS": "PABC123, ,PDEF456 "}) == ["PABC123", "PDEF456"]
    assert (
        envurl("U", "https://api.github.com", environ={"U": "http://127.0.0.1:8701/"})
        == "http://127.0.0.1:8701"
    )
    with pytest.raises(ImproperlyConfigured, match="U must be an http"):
        envurl("U", "https://api.github.com", environ={"U": "api.github.com"})
    with pytest.raises(ImproperlyConfigured, match="R must look like owner/name"):
        envrepo("R", environ={"R": "just-a-name"})


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("ONCALL_TIMEZONE", "Mars/Olympus", "ONCALL_TIMEZONE must be an IANA time zone"),
        ("DATABASE_URL", "nosuchdb://x", "DATABASE_URL is not a database URL"),
        ("GITHUB_API_URL", "not a url", "GITHUB_API_URL must be an http(s) URL"),
        ("REDIS_URL", "localhost:6379", "REDIS_URL must be a redis:// URL"),
        ("GITHUB_REPOSITORY", "nobody", "GITHUB_REPOSITORY must look like owner/name"),
        (
            "PAGERDUTY_PRIORITY_SEVERITIES",
            "P1=SEV9",
            "PAGERDUTY_PRIORITY_SEVERITIES must be comma-separated pairs",
        ),
    ],
)
def test_it_fails_loudly_on_a_malformed_variable(var, value, message):
    result = run_manage("check", **{var: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_it_refuses_production_without_a_real_secret_key():
    result = run_manage("check", DJANGO_ENV="production", DJANGO_ALLOWED_HOSTS="oncall.example.org")
    assert result.returncode != 0 and "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_passes_the_deploy_check_in_production():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_ENV="production",
        DJANGO_SECRET_KEY="k3y-" + "x9Qa7" * 12,
        DJANGO_ALLOWED_HOSTS="oncall.example.org",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def settings_of(code: str, **env: str) -> str:
    """What `code` prints with the settings a clean environment plus `env` gives (none of
    the suite's own DATABASE_URL or REDIS_URL)."""
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL", "ONCALL_"))
    }
    setup = "import django; django.setup(); from django.conf import settings; "
    result = subprocess.run(
        [sys.executable, "-c", setup + code],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "oncall_site.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_it_uses_redis_only_when_redis_url_is_set():
    code = (
        "print('orm' in settings.Q_CLUSTER, settings.Q_CLUSTER.get('redis'), "
        "settings.CACHES['default']['BACKEND'], settings.CACHES['default'].get('LOCATION'))"
    )
    assert settings_of(code, REDIS_URL="redis://127.0.0.1:6379/0").split() == [
        "False",
        "redis://127.0.0.1:6379/0",
        "django.core.cache.backends.redis.RedisCache",
        "redis://127.0.0.1:6379/0",
    ]
    assert settings_of(code).split() == [
        "True",
        "None",
        "django.core.cache.backends.locmem.LocMemCache",
        "None",
    ]


def test_it_reads_postgresql_from_database_url():
    code = (
        "db = settings.DATABASES['default']; "
        "print(db['ENGINE'], db['NAME'], db['HOST'], db['PORT'], db['CONN_MAX_AGE'])"
    )
    url = "postgres://oncall:secret@127.0.0.1:5432/oncall"
    assert settings_of(code, DATABASE_URL=url).split() == [
        "django.db.backends.postgresql",
        "oncall",
        "127.0.0.1",
        "5432",
        "60",
    ]


def test_it_defaults_to_sqlite_wal_with_a_busy_timeout():
    code = (
        "import json; db = settings.DATABASES['default']; q = settings.Q_CLUSTER; "
        "print(json.dumps([db['ENGINE'], db['NAME'], db['OPTIONS'], q, settings.TIME_ZONE, "
        "settings.ONCALL_TIMEZONE, settings.USE_TZ]))"
    )
    engine, name, options, q, time_zone, oncall_zone, use_tz = json.loads(settings_of(code))
    assert engine == "django.db.backends.sqlite3"
    assert name == str(ROOT / "var" / "db.sqlite3")
    assert options["transaction_mode"] == "IMMEDIATE" and options["timeout"] >= 5
    assert "journal_mode=WAL" in options["init_command"]
    assert (
        q["orm"] == "default"
        and q["timeout"] < q["retry"]
        and q["max_attempts"] > 0
        and q["catch_up"] is False
    )
    assert time_zone == oncall_zone and use_tz
