"""Create or update every periodic task, idempotently (run at deploy and by `make demo`).

The sync schedules come from the job registry (`<app>/sync.py`): one schedule per job,
named `sync-<vendor>.<job>`. Schedules of jobs that no longer exist are removed.
"""

from dataclasses import dataclass

from django.core.management.base import BaseCommand
from django.utils import timezone
from django_q.models import Schedule

from oncall_site.sync import jobs

SYNC_PREFIX = "sync-"


@dataclass(frozen=True)
class Periodic:
    name: str
    func: str
    minutes: int
    args: tuple[str, ...] = ()


def periodic_tasks() -> list[Periodic]:
    return [
        Periodic("worker-heartbeat", "oncall_site.tasks.heartbeat", 1),
        Periodic("generate-sprints", "rotations.tasks.generate_sprints", 24 * 60),
        Periodic("findings-reminder", "security.tasks.findings_reminder", 60),
        Periodic("release-reminders", "releases.tasks.release_reminders", 5),
        Periodic("handoff-notice", "reports.tasks.handoff_notice", 15),
        *(
            Periodic(
                SYNC_PREFIX + j.key, "oncall_site.tasks.sync_job", j.interval_minutes, (j.key,)
            )
            for j in jobs()
        ),
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
        names = {t.name for t in wanted}
        gone = Schedule.objects.filter(name__startswith=SYNC_PREFIX).exclude(name__in=names)
        for name in gone.values_list("name", flat=True):
            self.stdout.write(f"removed schedule {name}: no such sync job any more")
        gone.delete()
        self.stdout.write(self.style.SUCCESS(f"{len(wanted)} schedules in place."))
