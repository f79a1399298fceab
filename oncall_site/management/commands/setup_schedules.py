"""Create or update every periodic task, idempotently (run at deploy and by `make demo`)."""

from dataclasses import dataclass

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone
from django_q.models import Schedule


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    minutes: int
    args: tuple[str, ...] = ()


def periodic_tasks() -> list[Periodic]:
    every = settings.SYNC_INTERVAL_MINUTES
    return [
        Periodic("worker-heartbeat", "oncall_site.tasks.heartbeat", 1),
        Periodic("generate-sprints", "rotations.tasks.generate_sprints", 24 * 60),
        Periodic(
            "sync-pagerduty", "oncall_site.tasks.sync_source", every["pagerduty"], ("pagerduty",)
        ),
        Periodic("sync-datadog", "oncall_site.tasks.sync_source", every["datadog"], ("datadog",)),
        Periodic("sync-github", "oncall_site.tasks.sync_source", every["github"], ("github",)),
    ]


class Command(BaseCommand):
    help = "Create or update the django-q2 schedules (idempotent)."

    def handle(self, *args, **options) -> None:
        wanted = periodic_tasks()
        for task in wanted:
            # Schedule.name is not unique in the table: update_or_create keeps one row per name.
            schedule, created = Schedule.objects.update_or_create(
                name=task.name,
                defaults={
                    "func": task.func,
                    "args": repr(task.args) if task.args else None,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": task.minutes,
                    "repeats": -1,
                },
            )
            if created:
                schedule.next_run = timezone.now()
                schedule.save(update_fields=["next_run"])
            verb = "created" if created else "updated"
            self.stdout.write(f"{verb} schedule {task.name}: {task.func} every {task.minutes} min")
        self.stdout.write(self.style.SUCCESS(f"{len(wanted)} schedules in place."))
