"""Several workers at once on the test's database, whichever backend runs the suite (the
SQLite test file, or the PostgreSQL test database): threads released together, and child
processes (`manage.py` commands) told where that database is."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.db import connection


def database_url() -> str:
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
        "DATABASE_URL": database_url(),
        "ONCALL_TIMEZONE": settings.ONCALL_TIMEZONE,
        **extra,
    }


def at_once(count: int, work: Callable[[], object]) -> list[object]:
    """`work()` in `count` threads released together, each on its own connection; what each
    returned (the test needs `transaction=True`: the threads see only committed rows)."""
    start = threading.Barrier(count)
    results: list[object] = []

    def run() -> None:
        try:
            start.wait()
            results.append(work())
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == count, "a run did not finish"
    return results
