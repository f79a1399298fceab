"""What people add to a sprint's report: the outgoing pair's handoff notes, and the record of
the report's notice posted to Slack at the sprint's end."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from rotations.models import Sprint

NOTES_MAX = 20_000


class Handoff(models.Model):
    """The handoff notes of one sprint: editable until someone closes the sprint's report,
    then frozen with who closed it and when."""

    sprint = models.OneToOneField(Sprint, on_delete=models.PROTECT, related_name="handoff")
    notes = models.TextField(
        blank=True,
        max_length=NOTES_MAX,
        help_text="What the next pair should know: open work, risks, follow-ups.",
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-sprint__number"]

    def __str__(self) -> str:
        return f"Handoff of sprint {self.sprint.number}"

    @property
    def closed(self) -> bool:
        return self.closed_at is not None


class HandoffNotice(models.Model):
    """The sprint-end message to Slack, sent once: a run claims the row (a conditional UPDATE
    with a lease) before posting, and records the outcome."""

    sprint = models.OneToOneField(Sprint, on_delete=models.PROTECT, related_name="handoff_notice")
    sent_at = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-sprint__number"]

    def __str__(self) -> str:
        return f"Handoff notice of sprint {self.sprint.number}"
