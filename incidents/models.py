"""Incidents (from PagerDuty, Slack reports, Datadog alerts or by hand), their timeline and
partner-team impact, and the Datadog monitors the sync sees."""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from rotations.models import PartnerTeam, Service


class Source(models.TextChoices):
    PAGERDUTY = "pagerduty", "PagerDuty"
    SLACK = "slack", "Slack report"
    DATADOG = "datadog", "Datadog alert"
    MANUAL = "manual", "Entered by hand"


class State(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    MITIGATED = "mitigated", "Mitigated"
    RESOLVED = "resolved", "Resolved"
    CANCELED = "canceled", "Canceled"


OPEN_STATES = (State.TRIGGERED, State.ACKNOWLEDGED, State.MITIGATED)


class Severity(models.TextChoices):
    SEV1 = "SEV1", "SEV1 (critical)"
    SEV2 = "SEV2", "SEV2 (major)"
    SEV3 = "SEV3", "SEV3 (minor)"
    SEV4 = "SEV4", "SEV4 (low)"


URGENT = (Severity.SEV1, Severity.SEV2)


class RootCause(models.TextChoices):
    PLATFORM = "platform", "Platform"
    INFRASTRUCTURE = "infrastructure", "Infrastructure (ArgoCD, Aqua, Kubernetes, SecRel, Vault)"
    PARTNER_TEAM = "partner_team", "Partner team"
    EXTERNAL = "external", "External (BIP, BGS, BIE Kafka, ...)"


class IncidentQuerySet(models.QuerySet):
    def open(self) -> "IncidentQuerySet":
        return self.filter(state__in=OPEN_STATES)

    def started_between(self, since: datetime, until: datetime) -> "IncidentQuerySet":
        """The window rule: incidents that started in [since, until)."""
        return self.filter(started_at__gte=since, started_at__lt=until)

    # `updated_at` moves on every write, bulk ones included (Django's auto_now only does on
    # a full save), so "has anything in these sprints changed?" is one cheap aggregate.
    def update(self, **kwargs: Any) -> int:
        kwargs.setdefault("updated_at", timezone.now())
        return super().update(**kwargs)

    def bulk_update(self, objs: Iterable[Any], fields: Sequence[str], **kwargs: Any) -> int:
        objs = list(objs)
        now = timezone.now()
        for obj in objs:
            obj.updated_at = now
        return super().bulk_update(objs, list(dict.fromkeys([*fields, "updated_at"])), **kwargs)


class Incident(models.Model):
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.MANUAL)
    external_id = models.CharField(
        max_length=64,
        blank=True,
        help_text="The upstream id (PagerDuty incident id, monitor id, ...).",
    )
    number = models.PositiveIntegerField(
        null=True, blank=True, help_text="PagerDuty's incident number."
    )
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    how_to_reproduce = models.TextField(blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.TRIGGERED)
    severity = models.CharField(max_length=4, choices=Severity.choices, blank=True)
    urgency = models.CharField(
        max_length=8, blank=True, help_text="PagerDuty urgency: high or low."
    )
    priority = models.CharField(
        max_length=16, blank=True, help_text="PagerDuty priority name, e.g. P1."
    )
    service = models.ForeignKey(
        Service, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    upstream_service_id = models.CharField(max_length=32, blank=True)
    reporter_team = models.ForeignKey(
        PartnerTeam,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reported_incidents",
    )
    started_at = models.DateTimeField(db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    mitigated_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    canceled_at = models.DateTimeField(null=True, blank=True)
    application_non_functional = models.BooleanField(null=True, blank=True)
    blocker = models.BooleanField(null=True, blank=True, help_text="Blocks a partner team's work.")
    root_cause = models.CharField(max_length=16, choices=RootCause.choices, blank=True)
    ticket_url = models.URLField(
        blank=True,
        max_length=500,
        help_text="The GitHub issue (or other ticket) tracking this incident.",
    )
    ticket_requested_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="Set while a GitHub issue is being created, so a double click opens one issue.",
    )
    upstream_url = models.URLField(blank=True, max_length=500)
    upstream_changed_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text="PagerDuty's time of the newest change taken here; older records change nothing.",
    )
    assignees = models.JSONField(
        default=list,
        blank=True,
        editable=False,
        help_text='PagerDuty\'s current assignees, [{"id": user id, "name": name}]; '
        "empty once resolved.",
    )
    reported_by = models.CharField(
        max_length=120,
        blank=True,
        help_text="Who reported it (the Slack report's reporter, or who declared it here).",
    )
    last_update_at = models.DateTimeField(
        null=True, blank=True, help_text="The latest timeline update."
    )
    needs_review = models.BooleanField(
        default=False, help_text="Stored from upstream with missing or inconsistent fields."
    )
    review_reason = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "external_id"],
                condition=~Q(external_id=""),
                name="incident_unique_upstream_id",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "started_at"]),
            # Older incidents still open, or resolved after a window starts, reach into it.
            models.Index(fields=["resolved_at"], name="incident_resolved_at"),
            # The metrics trend's "has anything in these sprints changed?", from the index.
            models.Index(fields=["started_at", "updated_at"], name="incident_started_updated"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        fields = kwargs.get("update_fields")
        if fields is not None:
            kwargs["update_fields"] = list(dict.fromkeys([*fields, "updated_at"]))
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_urgent(self) -> bool:
        return self.severity in URGENT

    def time_to_resolve(self) -> timedelta | None:
        return self.resolved_at - self.started_at if self.resolved_at else None

    def clean(self) -> None:
        errors: dict[str, str] = {}
        start = self.started_at
        if start and self.acknowledged_at and self.acknowledged_at < start:
            errors["acknowledged_at"] = (
                "The acknowledgement cannot come before the incident started."
            )
        if start and self.mitigated_at and self.mitigated_at < start:
            errors["mitigated_at"] = "The mitigation cannot come before the incident started."
        if start and self.resolved_at and self.resolved_at < start:
            errors["resolved_at"] = "The resolution cannot come before the incident started."
        if self.acknowledged_at and self.resolved_at and self.acknowledged_at > self.resolved_at:
            errors["acknowledged_at"] = "The acknowledgement cannot come after the resolution."
        if self.mitigated_at and self.resolved_at and self.mitigated_at > self.resolved_at:
            errors["mitigated_at"] = "The mitigation cannot come after the resolution."
        if start and self.canceled_at and self.canceled_at < start:
            errors["canceled_at"] = "The cancellation cannot come before the incident started."
        if self.state == State.RESOLVED and not self.resolved_at:
            errors["resolved_at"] = "A resolved incident needs the time it was resolved."
        if self.state in OPEN_STATES and self.resolved_at:
            errors["state"] = (
                "An incident with a resolution time must be resolved (or clear the time)."
            )
        if errors:
            raise ValidationError(errors)


class UpdateKind(models.TextChoices):
    DISCOVERY = "discovery", "Discovery"
    REMEDIATION = "remediation", "Remediation"
    STATUS = "status", "Status change"
    COMMUNICATION = "communication", "Update to partner teams"
    NOTE = "note", "Note"


class IncidentUpdate(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=UpdateKind.choices, default=UpdateKind.NOTE)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    external_id = models.CharField(
        max_length=64, blank=True, help_text="Upstream log entry id, if any."
    )

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "external_id"],
                condition=~Q(external_id=""),
                name="update_unique_upstream_id",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} at {self.at:%Y-%m-%d %H:%M}"


class IncidentImpact(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="impacts")
    team = models.ForeignKey(PartnerTeam, on_delete=models.PROTECT, related_name="impacts")
    start = models.DateTimeField()
    end = models.DateTimeField(
        null=True, blank=True, help_text="Leave empty while the impact goes on."
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="impact_ends_after_start",
                violation_error_message="The impact cannot end before it starts.",
            )
        ]
        # Impacts still going on, or ending after a window starts, reach into it.
        indexes = [models.Index(fields=["end"], name="impact_end")]

    def __str__(self) -> str:
        return f"{self.team} impacted from {self.start:%Y-%m-%d %H:%M}"

    def clean(self) -> None:
        # The check constraint says the same, but as a form-wide error; here it lands on `end`.
        if self.start and self.end and self.end < self.start:
            raise ValidationError({"end": "The impact cannot end before it starts."})


class DatadogMonitor(models.Model):
    """A Datadog monitor matching the configured query, as last seen by the sync; the alerts
    page lists those alerting (in Alert, Warn or No Data)."""

    monitor_id = models.BigIntegerField(unique=True)
    name = models.CharField(max_length=500)
    status = models.CharField(max_length=16, help_text="Alert, Warn, No Data, OK, ...")
    tags = models.JSONField(default=list, blank=True)
    triggered_at = models.DateTimeField(null=True, blank=True)
    url = models.URLField(max_length=500, blank=True)
    monitor_type = models.CharField(max_length=64, blank=True)
    active = models.BooleanField(
        default=True, help_text="In Alert, Warn or No Data at the last sync."
    )
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="datadog_monitors",
        help_text="The incident declared from it (from the alerts page), if any.",
    )

    muted = models.BooleanField(
        default=False, help_text="Silenced by a Datadog downtime at the last sync."
    )

    class Meta:
        ordering = ["-active", "-triggered_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"

    @property
    def firing_since(self) -> datetime:
        """When the monitor started alerting, or when the sync first saw it if Datadog did not say."""
        return self.triggered_at or self.first_seen_at


class MonitorTransition(models.Model):
    """One change of a monitor's overall state, as the monitors sync saw it: at Datadog's
    `overall_state_modified` where its answer gives it, else at the sync's time (within a
    minute of the change while the worker runs; a change undone between two syncs is not
    seen). Stored once: a repeated sync adds nothing."""

    monitor = models.ForeignKey(
        DatadogMonitor, on_delete=models.CASCADE, related_name="transitions"
    )
    from_state = models.CharField(
        max_length=16, blank=True, help_text="Empty: the monitor's first state seen here."
    )
    to_state = models.CharField(max_length=16)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["monitor", "at", "to_state"], name="one_transition_per_instant"
            )
        ]
        # The sprint's episodes and the last day's changes, by time.
        indexes = [models.Index(fields=["at"], name="monitor_transition_at")]

    def __str__(self) -> str:
        return f"{self.from_state or '?'} -> {self.to_state} at {self.at:%Y-%m-%d %H:%M}"


ACTIVE_ALERT_STATUSES = ("Alert", "Warn", "No Data")


class Measure(models.TextChoices):
    LATENCY = "latency", "Latency"
    ERROR_RATE = "error_rate", "Error rate"


class PerformanceStatus(models.TextChoices):
    OK = "ok", "Measured"
    NOT_ENOUGH_DATA = "not_enough_data", "Not enough data"
    DATADOG_ERROR = "datadog_error", "Datadog error"


class ServicePerformance(models.Model):
    """How one partner service performed during one incident, on one measure (latency or
    error rate), from its Datadog query: the figures of `incidents.performance`, the series
    and its baseline downsampled for the sparkline, and how the read went. Stored so pages
    never ask Datadog; `final` once the incident has been resolved for an hour, after which
    the sync never reads it again."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="performance")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="performance")
    measure = models.CharField(max_length=16, choices=Measure.choices)
    query = models.CharField(max_length=500, help_text="The Datadog query as it was read.")
    unit = models.CharField(max_length=20, blank=True)
    status = models.CharField(max_length=16, choices=PerformanceStatus.choices)
    message = models.CharField(
        max_length=500, blank=True, help_text="Why there are no figures, in words (Datadog's own)."
    )
    span_start = models.DateTimeField(help_text="An hour before the incident started.")
    span_end = models.DateTimeField(help_text="An hour after it resolved, or when read.")
    worst = models.FloatField(null=True, blank=True)
    mean = models.FloatField(null=True, blank=True)
    limit = models.FloatField(null=True, blank=True, help_text="Above it a minute is degraded.")
    limit_source = models.CharField(max_length=16, blank=True)
    degraded_minutes = models.FloatField(null=True, blank=True)
    baseline_p95 = models.FloatField(null=True, blank=True)
    baseline_mean = models.FloatField(null=True, blank=True)
    worst_ratio = models.FloatField(null=True, blank=True)
    mean_ratio = models.FloatField(null=True, blank=True)
    points = models.JSONField(
        default=list, blank=True, help_text="[epoch seconds, value or null], downsampled."
    )
    baseline_points = models.JSONField(
        default=list, blank=True, help_text="The same a week earlier, shifted onto the span."
    )
    final = models.BooleanField(
        default=False, help_text="Resolved for an hour when read: never read again."
    )
    fetched_at = models.DateTimeField()

    class Meta:
        ordering = ["service__name", "measure"]
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "service", "measure"], name="one_performance_per_measure"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.get_measure_display().lower()} in incident {self.incident_id}"
