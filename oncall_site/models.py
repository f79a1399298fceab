"""Site-wide bookkeeping: the worker heartbeat and the state of each sync job."""

from datetime import datetime

from django.db import models
from django.utils import timezone


class WorkerHeartbeat(models.Model):
    """One row, touched by a scheduled task, so /healthz can tell a dead qcluster."""

    beat_at = models.DateTimeField()
    cluster = models.CharField(max_length=100, blank=True)

    def __str__(self) -> str:
        return f"Worker heartbeat at {self.beat_at:%Y-%m-%d %H:%M:%S}"

    @classmethod
    def beat(cls, *, cluster: str = "", now: datetime | None = None) -> "WorkerHeartbeat":
        row, _ = cls.objects.update_or_create(
            pk=1, defaults={"beat_at": now or timezone.now(), "cluster": cluster}
        )
        return row

    @classmethod
    def age_seconds(cls, *, now: datetime | None = None) -> float | None:
        beat_at = cls.objects.filter(pk=1).values_list("beat_at", flat=True).first()
        if beat_at is None:
            return None
        return max(0.0, ((now or timezone.now()) - beat_at).total_seconds())


class SyncJobState(models.Model):
    """How one sync job last went: what the dashboard shows beside the data the job feeds.

    One row per registered job (`vendor.name`, e.g. `github.secrel_runs`). The job names
    come from the apps' `sync.py` registries, not from a choices list, so a new job needs
    no migration. `run_token` and `lease_until` are the claim that lets one run of a job
    go at a time across processes (see `oncall_site.sync.runner`).
    """

    job = models.CharField(
        max_length=100, unique=True, help_text="vendor.job, e.g. github.secrel_runs"
    )
    vendor = models.CharField(max_length=32, db_index=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(
        blank=True, help_text="The last failure, in words; empty after a success."
    )
    last_error_kind = models.CharField(max_length=40, blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    last_warnings = models.TextField(
        blank=True, help_text="What the last run flagged or skipped (items named), one per line."
    )
    needs_attention = models.BooleanField(
        default=False,
        help_text="A permanent error (e.g. a rejected token): polling stops until fixed.",
    )
    consecutive_failures = models.PositiveIntegerField(default=0)
    items_fetched = models.PositiveIntegerField(default=0, help_text="In the last attempt.")
    rows_written = models.PositiveIntegerField(default=0, help_text="In the last attempt.")
    duration_seconds = models.FloatField(null=True, blank=True)
    cursor = models.JSONField(default=dict, blank=True, help_text="Where incremental syncs resume.")
    config_fingerprint = models.CharField(
        max_length=16,
        blank=True,
        help_text="Hash of the URL and credentials the cursor and the last error belong to.",
    )
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    running_since = models.DateTimeField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["job"]
        verbose_name = "sync job state"

    def __str__(self) -> str:
        return self.job
