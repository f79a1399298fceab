"""Child processes (`manage.py` commands, a worker) that share the test's database, whichever
backend runs the suite: the SQLite test file, or the PostgreSQL test database."""

from __future__ import annotations

import os
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def test_database_url() -> str:
    """A DATABASE_URL naming the database this test writes to (its test name, not the
    configured one)."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return "sqlite:///" + str(db["NAME"])
    if connection.vendor != "postgresql":
        raise NotImplementedError(f"child processes on {connection.vendor}")
    user = quote(db.get("USER") or "", safe="")
    password = quote(db.get("PASSWORD") or "", safe="")
    credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or "127.0.0.1"
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{credentials}{host}{port}/{quote(db['NAME'], safe='')}"


def child_environment(**extra: str) -> dict[str, str]:
    """This process's environment with the test database and the team's time zone."""
    return {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "ONCALL_TIMEZONE": settings.ONCALL_TIMEZONE,
        **extra,
    }
