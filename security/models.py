"""SecRel workflow runs, Dependabot pull requests and security findings, as synced from
GitHub or entered by hand."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models

from rotations.models import team_zone
from security.dependabot import READY, queue_group
from security.findings import Sla


class SecrelRun(models.Model):
    run_id = models.BigIntegerField(unique=True)
    run_number = models.PositiveIntegerField()
    run_attempt = models.PositiveSmallIntegerField(default=1)
    event = models.CharField(
        max_length=32, help_text="schedule, push, pull_request, workflow_dispatch"
    )
    branch = models.CharField(max_length=255, blank=True)
    status = models.CharField(max_length=20)
    conclusion = models.CharField(max_length=20, blank=True)
    head_sha = models.CharField(max_length=40)
    created_at = models.DateTimeField(db_index=True)
    updated_at = models.DateTimeField()
    html_url = models.URLField(max_length=500)
    failed_job = models.CharField(max_length=255, blank=True)
    failed_step = models.CharField(max_length=255, blank=True)
    images_published = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["branch", "status", "created_at"])]

    def __str__(self) -> str:
        return f"SecRel #{self.run_number} ({self.conclusion or self.status})"

    @property
    def label(self) -> str:
        return f"#{self.run_number}"


class DependabotPR(models.Model):
    number = models.PositiveIntegerField(unique=True)
    title = models.CharField(max_length=500)
    head_sha = models.CharField(max_length=40)
    head_ref = models.CharField(max_length=255)
    base_ref = models.CharField(max_length=255)
    opened_at = models.DateTimeField()
    html_url = models.URLField(max_length=500)
    ci_status = models.CharField(max_length=16, help_text="success, failure or pending")
    draft = models.BooleanField(default=False)
    mergeable = models.BooleanField(null=True, blank=True)
    open = models.BooleanField(default=True, help_text="Still open at the last sync.")
    closed_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="When GitHub closed it, merged or not."
    )
    merged_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Empty for a PR closed without merging."
    )
    last_seen_at = models.DateTimeField()

    class Meta:
        ordering = ["opened_at"]
        verbose_name = "Dependabot PR"
        indexes = [models.Index(fields=["open", "opened_at"], name="dependabot_pr_queue_idx")]

    def __str__(self) -> str:
        return f"#{self.number} {self.title}"

    @property
    def label(self) -> str:
        return f"#{self.number}"

    @property
    def queue_group(self) -> str | None:
        """ready, attention or waiting (`security.dependabot.queue_group`); None once closed."""
        if not self.open:
            return None
        return queue_group(ci_status=self.ci_status, mergeable=self.mergeable, draft=self.draft)

    @property
    def ready_to_merge(self) -> bool:
        return self.queue_group == READY


# Findings: GitHub code scanning (Snyk, Aqua/Trivy, others), Dependabot alerts, and findings
# entered by hand (Aqua console results). The rules live in `security.findings`.


class FindingSource(models.TextChoices):
    CODE_SCANNING = "code_scanning", "GitHub code scanning"
    DEPENDABOT = "dependabot", "Dependabot alert"
    MANUAL = "manual", "Entered by hand"


class Tool(models.TextChoices):
    SNYK = "snyk", "Snyk"
    AQUA = "aqua", "Aqua"
    DEPENDABOT = "dependabot", "Dependabot"
    MANUAL = "manual", "By hand"
    OTHER = "other", "Other"


class Rating(models.TextChoices):
    CRITICAL = "critical", "Critical"
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"
    LOW = "low", "Low"
    UNRATED = "unrated", "Unrated"


class ClosedReason(models.TextChoices):
    FIXED = "fixed", "Fixed"
    DISMISSED = "dismissed", "Dismissed"


# A finding whose due date the SLA rules must work out at each moment asked about (an
# exception, which counts only once granted), or that has none stored though rated.
PER_ROW = (
    models.Q(exception_granted_at__isnull=False)
    | models.Q(exception_expires_at__isnull=False)
    | (models.Q(sla_due_at__isnull=True) & ~models.Q(severity="unrated"))
)


class Finding(models.Model):
    source = models.CharField(max_length=16, choices=FindingSource.choices)
    number = models.PositiveIntegerField(help_text="The alert's number upstream (or ours).")
    tool = models.CharField(max_length=16, choices=Tool.choices)
    tool_name = models.CharField(
        max_length=100, blank=True, help_text="As the scanner names itself, e.g. Trivy."
    )
    rule_id = models.CharField(max_length=255, blank=True, help_text="Rule, CVE or GHSA id.")
    title = models.CharField(max_length=500)
    upstream_severity = models.CharField(
        max_length=8,
        choices=Rating.choices,
        default=Rating.UNRATED,
        help_text="What the scanner says; a person's rating stands until this changes.",
    )
    severity = models.CharField(max_length=8, choices=Rating.choices, default=Rating.UNRATED)
    package = models.CharField(max_length=255, blank=True)
    ecosystem = models.CharField(max_length=32, blank=True)
    version = models.CharField(
        max_length=100,
        blank=True,
        help_text="Installed version, or the vulnerable range when only that is known.",
    )
    fixed_version = models.CharField(max_length=100, blank=True)
    location = models.CharField(
        max_length=500, blank=True, help_text="Where: a file path, an image or a manifest."
    )
    upstream_state = models.CharField(
        max_length=16, blank=True, help_text="open, fixed, dismissed, auto_dismissed."
    )
    first_seen_at = models.DateTimeField(help_text="When the scanner first reported it.")
    upstream_updated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_reason = models.CharField(max_length=10, choices=ClosedReason.choices, blank=True)
    dismissed_reason = models.CharField(max_length=100, blank=True)
    html_url = models.URLField(max_length=500, blank=True)
    exception_granted_at = models.DateTimeField(null=True, blank=True)
    exception_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="The last exception granted ends here."
    )
    sla_due_at = models.DateTimeField(
        null=True, blank=True, help_text="Kept by the SLA rule; none while unrated."
    )
    stored_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sla_due_at", "first_seen_at"]
        constraints = [
            models.UniqueConstraint(fields=["source", "number"], name="finding_source_number")
        ]
        indexes = [
            models.Index(fields=["first_seen_at"], name="finding_first_seen"),
            # The list's filters, each over the open findings.
            models.Index(fields=["tool", "closed_at", "sla_due_at"], name="finding_tool_open"),
            models.Index(fields=["severity", "closed_at"], name="finding_severity_open"),
            # The open findings by due date (the list's order, the overdue counts), and the
            # metrics document's counts of findings open at any moment, from this index alone.
            models.Index(
                fields=[
                    "closed_at",
                    "sla_due_at",
                    "exception_expires_at",
                    "exception_granted_at",
                    "first_seen_at",
                    "severity",
                    "tool",
                ],
                name="finding_open_due_at",
            ),
            # The open findings by severity and tool, grouped in index order.
            models.Index(fields=["closed_at", "severity", "tool"], name="finding_open_groups"),
            # The few under an exception.
            models.Index(
                fields=["exception_expires_at"],
                condition=models.Q(exception_expires_at__isnull=False),
                name="finding_excepted",
            ),
            # The few the metrics document reads one by one (see `PER_ROW`).
            models.Index(fields=["first_seen_at"], condition=PER_ROW, name="finding_per_row"),
        ]

    def __str__(self) -> str:
        return f"{self.label} {self.title}"

    @property
    def label(self) -> str:
        prefix = {"code_scanning": "CS", "dependabot": "DA", "manual": "M"}.get(self.source, "")
        return f"{prefix}-{self.number}"


class FindingEventKind(models.TextChoices):
    UPGRADE = "upgrade", "Upgrade"
    EXCEPTION_REQUESTED = "exception_requested", "Exception requested"
    EXCEPTION_GRANTED = "exception_granted", "Exception granted"
    ESCALATED = "escalated", "Escalated to the assessor"
    RATED = "rated", "Severity rated"
    ENTERED = "entered", "Entered by hand"
    CLOSED = "closed", "Closed"
    REOPENED = "reopened", "Reopened"


class FindingEvent(models.Model):
    """The finding's history: what people did (remediation, ratings) and what the upstream
    did (closed, reopened), with who and when. Never rewritten."""

    finding = models.ForeignKey(Finding, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=24, choices=FindingEventKind.choices)
    at = models.DateTimeField(db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    note = models.TextField(blank=True)
    pull_request = models.CharField(
        max_length=500, blank=True, help_text="The upgrade's PR: a URL or #number."
    )
    expires_on = models.DateField(
        null=True, blank=True, help_text="An exception's last day (team's clock)."
    )
    contact = models.CharField(max_length=200, blank=True, help_text="Who was escalated to.")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["finding", "at"], name="finding_event_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on {self.finding.label}"


class SlaPolicy(models.Model):
    """The findings' SLA, one row edited in the admin (see `security.findings`)."""

    critical_days = models.PositiveSmallIntegerField(default=15, validators=[MinValueValidator(1)])
    high_days = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(1)])
    medium_days = models.PositiveSmallIntegerField(default=90, validators=[MinValueValidator(1)])
    low_days = models.PositiveSmallIntegerField(default=180, validators=[MinValueValidator(1)])
    restart_after_exception = models.BooleanField(
        "restart the SLA when an exception expires",
        default=False,
        help_text="Off: an expired exception leaves the SLA counted from first seen.",
    )
    assessor_contact = models.CharField(
        "cloud-authorization assessor",
        max_length=200,
        blank=True,
        help_text="Who cloud-provider findings are escalated to (name and email).",
    )
    reminder_sent_on = models.DateField(
        null=True, blank=True, help_text="The last day the daily findings message was sent."
    )

    class Meta:
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policy"

    def __str__(self) -> str:
        return "SLA policy"

    @classmethod
    def current(cls) -> "SlaPolicy":
        """The policy: the stored row (its migration makes it), or the defaults if it is
        gone. Reading never writes; the daily message claims its day with `stored()`."""
        return cls.objects.filter(pk=1).first() or cls(pk=1)

    @classmethod
    def stored(cls) -> "SlaPolicy":
        policy, _ = cls.objects.get_or_create(pk=1)
        return policy

    def days(self) -> dict[str, int]:
        return {
            "critical": self.critical_days,
            "high": self.high_days,
            "medium": self.medium_days,
            "low": self.low_days,
        }

    def rules(self) -> Sla:
        """The policy as the pure rules take it, on the team's clock."""
        return Sla(
            days=self.days(), restart_after_exception=self.restart_after_exception, zone=team_zone()
        )
