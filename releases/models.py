"""The release train: one scheduled release per sprint, its captain and go / no-go, the
partner teams' answers, and the reminder posted once to Slack."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from releases import schedule
from rotations.models import Engineer, PartnerTeam, Sprint


class Decision(models.TextChoices):
    GO = "go", "Go"
    NO_GO = "no_go", "No-go"


class Release(models.Model):
    sprint = models.OneToOneField(Sprint, on_delete=models.CASCADE, related_name="release")
    scheduled_at = models.DateTimeField(
        db_index=True, help_text="When the release starts (shown on the team's clock)."
    )
    moved_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When a person last moved it; its reminder falls due from then at the earliest.",
    )
    moved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    captain = models.ForeignKey(
        Engineer,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="captained_releases",
        help_text="Leave empty: the sprint's primary is the captain.",
    )
    answers_close_at = models.DateTimeField(
        "answers close",
        null=True,
        blank=True,
        help_text="The cut-off for partner teams' answers; empty: until the release starts.",
    )
    decision = models.CharField("go / no-go", max_length=8, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    # What went out: the manifest as it stood when the captain said go ({service: hash|null}).
    shipped = models.JSONField(null=True, blank=True, editable=False)

    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    reminder_late = models.BooleanField(default=False)
    reminder_error = models.TextField(blank=True)
    reminder_attempts = models.PositiveIntegerField(default=0, editable=False)
    # The claim of the run posting the reminder: its token, held until the lease runs out,
    # so a run that died mid-post frees the reminder for the next one.
    reminder_claim = models.CharField(max_length=32, blank=True, editable=False)
    reminder_claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["scheduled_at"]
        indexes = [
            models.Index(
                fields=["scheduled_at"],
                condition=Q(reminder_sent_at__isnull=True),
                name="release_reminder_pending",
            )
        ]

    def __str__(self) -> str:
        return f"Release of sprint {self.sprint.number}"

    @property
    def reminder_at(self):
        return schedule.reminder_at(self.scheduled_at)

    @property
    def answers_close(self):
        return self.answers_close_at or self.scheduled_at

    def captain_engineer(self) -> Engineer | None:
        """The captain: the one chosen, else the sprint's primary (select `sprint__rotation`)."""
        if self.captain_id is not None:
            return self.captain
        rotation = getattr(self.sprint, "rotation", None)
        return rotation.primary if rotation is not None else None


class ReleaseAnswer(models.Model):
    """A partner team's answer for one release: in (with the changes and a hash per service
    of the team) or out."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="answers")
    team = models.ForeignKey(PartnerTeam, on_delete=models.CASCADE, related_name="release_answers")
    opted_in = models.BooleanField("in this release")
    description = models.TextField(blank=True, help_text="What changes go out.")
    hashes = models.JSONField(default=dict, blank=True, help_text="Service name → commit hash.")
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["team__name"]
        constraints = [
            models.UniqueConstraint(fields=["release", "team"], name="one_answer_per_team")
        ]

    def __str__(self) -> str:
        return f"{self.team}: {'in' if self.opted_in else 'out'}"

    def as_fact(self, team_slug: str) -> schedule.TeamAnswer:
        return schedule.TeamAnswer(team_slug, self.opted_in, dict(self.hashes or {}))


# Deploy requests and deployments live in their own module; imported here so Django finds them.
from releases.deploy_models import *  # noqa: E402,F401,F403
