"""SecRel workflow runs and Dependabot pull requests, as synced from GitHub."""

from django.db import models

from security.dependabot import READY, queue_group


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
