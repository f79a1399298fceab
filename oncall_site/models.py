"""Site-wide bookkeeping: the worker heartbeat and the state of each sync job."""

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
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
    # What the upstream last said of its request budget (GitHub's X-RateLimit-* headers).
    rate_limit_remaining = models.PositiveIntegerField(
        "requests left", null=True, blank=True, help_text="As the upstream's last answer said."
    )
    rate_limit_limit = models.PositiveIntegerField(
        "request limit", null=True, blank=True, help_text="Per window (GitHub: an hour)."
    )
    rate_limit_reset_at = models.DateTimeField(
        "rate limit resets at", null=True, blank=True, help_text="When the budget is whole again."
    )
    run_token = models.CharField(max_length=32, blank=True, editable=False)
    running_since = models.DateTimeField(null=True, blank=True, editable=False)
    lease_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["job"]
        verbose_name = "sync job state"

    def __str__(self) -> str:
        return self.job


def token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A secret for scripts calling `/api/v1/` with `Authorization: Bearer <token>`.

    Only the SHA-256 of the token is stored: a leaked database does not leak working
    tokens, and the token is shown once, when it is created. The secret has 256 bits of
    randomness, so a plain (unsalted, fast) hash is enough to look it up by.
    """

    PREFIX = "oncall_"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        help_text="Requests with this token act as this user (who must stay active).",
    )
    name = models.CharField(max_length=100, help_text="What it is for, e.g. 'sprint review sheet'.")
    prefix = models.CharField(
        max_length=16, editable=False, help_text="The token's first characters, to recognize it."
    )
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def set_new_secret(self) -> str:
        """Give the token a fresh secret and return it; the caller shows it once."""
        secret = self.PREFIX + secrets.token_urlsafe(32)
        self.prefix = secret[: len(self.PREFIX) + 4]
        self.digest = token_digest(secret)
        return secret


class CapacityPolicy(models.Model):
    """When the dashboard says the primary carries too much (`oncall_site.capacity`)."""

    threshold = models.PositiveSmallIntegerField(
        default=12,
        help_text=(
            "Load score at which the dashboard says the primary needs help and names who can "
            "give it. Points: each open SEV1 5, SEV2 3, other 1; each night page this sprint "
            "2, evening or weekend page 1; each pending deploy request 1; SecRel red 3; every "
            "5 findings past their SLA 1; every 5 Dependabot PRs waiting 1."
        ),
    )

    class Meta:
        verbose_name = "capacity policy"
        verbose_name_plural = "capacity policy"

    def __str__(self) -> str:
        return f"Capacity policy (help at {self.threshold} points)"

    @classmethod
    def current(cls) -> "CapacityPolicy":
        """The stored row, or the defaults; reading never writes."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)


class DataVersion(models.Model):
    """One counter, raised after anything that may change what the pages show (see
    `oncall_site/data_version.py`), so a page computed for one number stays valid until the
    next."""

    number = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"Data version {self.number}"
