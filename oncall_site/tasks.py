"""Thin django-q2 entry points of the site itself."""

import socket

from oncall_site.models import WorkerHeartbeat


def heartbeat() -> str:
    """Scheduled every minute: proves a worker is alive and executing tasks."""
    row = WorkerHeartbeat.beat(cluster=socket.gethostname())
    return f"beat at {row.beat_at.isoformat()}"


def sync_job(key: str, manual: bool = False) -> str:
    """Scheduled per job (and queued by "sync now"): one run; the outcome is recorded on
    the job's state. A job no longer registered (removed in a deploy) is a no-op."""
    from oncall_site.sync import get_job, run_job

    try:
        declared = get_job(key)
    except KeyError:
        return f"skipped: no sync job {key!r} is registered (run setup_schedules)"
    outcome = run_job(declared, manual=manual)
    return f"{outcome.status}: {outcome.message}"
