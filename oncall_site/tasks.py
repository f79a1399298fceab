"""Thin django-q2 entry points of the site itself."""

import socket

from oncall_site.models import WorkerHeartbeat


def heartbeat() -> str:
    """Scheduled every minute: proves a worker is alive and executing tasks."""
    row = WorkerHeartbeat.beat(cluster=socket.gethostname())
    return f"beat at {row.beat_at.isoformat()}"


def sync_source(source: str) -> str:
    """Scheduled per source: one sync run; failures are recorded on the source's state."""
    from oncall_site.sync import run_source

    outcome = run_source(source)
    return f"{outcome.status}: {outcome.message}"
