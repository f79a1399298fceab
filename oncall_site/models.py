"""Site-wide bookkeeping: the worker heartbeat (and, later, per-source sync state)."""

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
