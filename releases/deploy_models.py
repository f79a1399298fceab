"""Ad-hoc deployment requests and the deployments that went out (by hand or from GitHub).

A request names the services and the commit hash of each (`{"svc-bgs-api": "1a2b3c4"}`);
it moves requested → approved → deployed, or is rejected with a reason, each step with
who and when (the transitions are in `releases/deploys.py`). A deployment is what actually
went out to an environment; the DORA figures (`releases/dora.py`) are read from these.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from incidents.models import Incident
from rotations.models import PartnerTeam

__all__ = [
    "DeployRequest",
    "Deployment",
    "DeploymentSource",
    "Environment",
    "RequestState",
]


class Environment(models.TextChoices):
    DEV = "dev", "dev"
    QA = "qa", "qa"
    SANDBOX = "sandbox", "sandbox"
    PROD_TEST = "prod-test", "prod-test"
    PROD = "prod", "prod"


PRODUCTION = Environment.PROD


class RequestState(models.TextChoices):
    REQUESTED = "requested", "requested"
    APPROVED = "approved", "approved"
    DEPLOYED = "deployed", "deployed"
    REJECTED = "rejected", "rejected"


class DeploymentSource(models.TextChoices):
    MANUAL = "manual", "recorded by hand"
    GITHUB = "github", "GitHub deployments"


class DeployRequest(models.Model):
    """A partner team asks for its services at given hashes in one environment."""

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="deploy_requests"
    )
    team = models.ForeignKey(PartnerTeam, on_delete=models.PROTECT, related_name="deploy_requests")
    environment = models.CharField(max_length=16, choices=Environment.choices)
    services = models.JSONField(
        default=dict, help_text='Service name → commit hash, e.g. {"svc-bgs-api": "1a2b3c4"}.'
    )
    reason = models.TextField()
    emergency_justification = models.TextField(
        blank=True, help_text="Required for prod: why this cannot wait for the release."
    )
    incident_link = models.URLField(
        "incident or ticket link",
        max_length=500,
        blank=True,
        help_text="Required for prod: the incident or ticket this fixes.",
    )
    state = models.CharField(
        max_length=16, choices=RequestState.choices, default=RequestState.REQUESTED
    )
    requested_at = models.DateTimeField(db_index=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    rejected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rejected_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.TextField(blank=True)
    deployed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    deployed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["state", "requested_at"], name="deployrequest_pending")]

    def __str__(self) -> str:
        return f"Deploy request #{self.pk}: {self.team} to {self.environment}"

    @property
    def is_pending(self) -> bool:
        return self.state in (RequestState.REQUESTED, RequestState.APPROVED)


class Deployment(models.Model):
    """Services at given hashes went out to one environment at `deployed_at`."""

    environment = models.CharField(max_length=16, choices=Environment.choices)
    services = models.JSONField(default=dict, help_text="Service name → commit hash.")
    deployed_by = models.CharField(
        max_length=150, blank=True, help_text="Who deployed: a login or a name."
    )
    deployed_at = models.DateTimeField(db_index=True)
    rolled_back = models.BooleanField(default=False)
    rolled_back_at = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey(
        Incident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deployments",
        help_text="An incident this deployment caused: it counts as a failed change.",
    )
    source = models.CharField(
        max_length=16, choices=DeploymentSource.choices, default=DeploymentSource.MANUAL
    )
    github_id = models.BigIntegerField(
        "GitHub deployment id", null=True, blank=True, unique=True, editable=False
    )
    ref = models.CharField(max_length=255, blank=True, help_text="The branch, tag or commit.")
    description = models.CharField(max_length=500, blank=True)
    url = models.URLField(max_length=500, blank=True)
    request = models.OneToOneField(
        DeployRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deployment",
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)
    # GitHub moves a deployment's `updated_at` with each new status: unchanged, nothing to read.
    upstream_updated_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-deployed_at", "-pk"]
        indexes = [models.Index(fields=["environment", "deployed_at"], name="deployment_env_at")]
        constraints = [
            models.CheckConstraint(
                condition=Q(rolled_back=True) | Q(rolled_back_at__isnull=True),
                name="deployment_rolled_back_at_only_if_rolled_back",
                violation_error_message="A rollback time needs the rolled-back box ticked.",
            )
        ]

    def __str__(self) -> str:
        names = ", ".join(sorted(self.services)) or "no services"
        return f"{self.environment} {self.deployed_at:%Y-%m-%d %H:%M} ({names})"
