"""The sync engine: a registry of jobs declared by the apps, a runner, one upsert.

Data flows one way: upstream -> `oncall_site.integrations.<vendor>` (fetch, normalize) ->
the owning app's `sync.py` job (`@job(...)`, storing through `upsert`) -> models. The engine
imports no app: the apps import it, and it finds their jobs through the registry.
"""

from oncall_site.sync import vendors
from oncall_site.sync.context import SyncContext, batched
from oncall_site.sync.registry import SyncJob, Vendor, get_job, job, jobs, select
from oncall_site.sync.runner import SyncOutcome, run_job
from oncall_site.sync.store import Ownership, Written, clean, upsert

__all__ = [
    "Ownership",
    "SyncContext",
    "SyncJob",
    "SyncOutcome",
    "Vendor",
    "Written",
    "batched",
    "clean",
    "get_job",
    "job",
    "jobs",
    "run_job",
    "select",
    "upsert",
    "vendors",
]
