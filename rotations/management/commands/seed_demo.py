"""Load a realistic demo team (idempotent): engineers, partner teams, services, sprints, rotations."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from rotations import services
from rotations.models import (
    CheckItem,
    ChecklistEntry,
    Engineer,
    PartnerTeam,
    Rotation,
    Service,
    Sprint,
    SprintCadence,
    team_today,
)
from rotations.proposals import NoEligibleEngineer

DEMO_USERNAME = "demo"
DEMO_PASSWORD = "oncall-demo"


def refuse_in_production(command: str) -> None:
    """The demo's data and its superuser, whose password the README publishes, have no
    place on a real site: refused with DJANGO_ENV=production, before anything is written."""
    if settings.PRODUCTION:
        raise CommandError(
            f"{command} loads the demo team and a superuser with a published password; "
            "refused with DJANGO_ENV=production. Create real users with `createsuperuser` "
            "and the team in the admin."
        )


@dataclass(frozen=True)
class DemoEngineer:
    name: str
    github: str
    pagerduty: str
    active: bool = True


ENGINEERS = [
    DemoEngineer("Alex Rivera", "arivera-dev", "PARIVE1"),
    DemoEngineer("Bea Okafor", "bokafor", "PBOKAF2"),
    DemoEngineer("Chen Wu", "chenwu-eng", "PCHENW3"),
    DemoEngineer("Dana Kowalski", "dkowalski", "PDKOWA4"),
    DemoEngineer("Eli Brooks", "ebrooks", "PELIBR5"),
    DemoEngineer("Farah Haddad", "fhaddad", "PFHADD6"),
    DemoEngineer("Gus Lindqvist", "glindqvist", "PGLIND7", active=False),
]

# team name -> (slug, platform?, slack channel, services: name -> (PagerDuty id, description))
TEAMS = {
    "Benefits Platform": (
        "platform",
        True,
        "#platform-on-call",
        {
            "svc-bgs-api": ("PBGSAPI", "Gateway to BGS (benefits records)"),
            "svc-bip-api": ("PBIPAPI", "Gateway to BIP (claims intake)"),
            "svc-bie-kafka": ("PBIEKFK", "BIE Kafka event consumer"),
            "db-init": ("PDBINIT", "Database migrations job"),
        },
    ),
    "Contention Classification": (
        "contention-classification",
        False,
        "#cc-team",
        {"cc-app": ("PCCAPP1", "Classifies contentions on new claims")},
    ),
    "Employee Experience": (
        "employee-experience",
        False,
        "#ee-team",
        {
            "ee-max-cfi-app": ("PEEMAXC", "Max CFI / Max Ratings API"),
            "ee-ep-merge-app": ("PEEMERG", "End Product Merge"),
        },
    ),
}


def health_queries(service: str) -> dict[str, str]:
    """A partner service's Datadog health queries, as a team would set them in the admin
    (the sandbox answers them, so the demo's incidents show sparklines)."""
    scope = f"{{service:{service}}}"
    return {
        "latency_query": f"p95:trace.http.request.duration{scope}",
        "latency_unit": "s",
        "error_rate_query": (
            f"sum:trace.http.request.errors{scope}.as_count()"
            f" / sum:trace.http.request.hits{scope}.as_count() * 100"
        ),
        "error_rate_unit": "%",
    }


PAST_SPRINTS = 12  # history shown on the rotations page and in metrics trends
FIRST_PAIR = ("Dana Kowalski", "Alex Rivera")


def most_recent_wednesday(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 2) % 7)


class Command(BaseCommand):
    help = "Load the demo team, calendar and rotations (safe to run again: nothing is duplicated)."

    def handle(self, *args, **options) -> None:
        refuse_in_production("seed_demo")
        with transaction.atomic():
            user = self.seed_user()
            engineers = self.seed_engineers(user)
            self.seed_teams()
            cadence = self.seed_cadence()
            created = services.sprints_generate(cadence=cadence)
            self.stdout.write(f"sprints: {Sprint.objects.count()} ({len(created)} new)")
            self.seed_rotations(engineers)
            # The release train's history rides on the sprints (releases made with them).
            from releases.demo import seed_releases

            self.stdout.write(f"releases: {seed_releases()} with answers seeded")
            from releases.demo_deploys import seed_deploy_requests

            made = seed_deploy_requests(decider=user, now=timezone.now())
            self.stdout.write(f"deploy requests: {made or 'kept'}")
        self.stdout.write(
            self.style.SUCCESS(f"Demo data ready. Log in as {DEMO_USERNAME} / {DEMO_PASSWORD}")
        )

    def seed_user(self):
        User = get_user_model()
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME,
            defaults={
                "first_name": "Alex",
                "last_name": "Rivera",
                "email": "alex.rivera@example.org",
                "is_staff": True,
                "is_superuser": True,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        self.stdout.write(f"user {DEMO_USERNAME}: {'created' if created else 'kept'}")
        return user

    def seed_engineers(self, user) -> dict[str, Engineer]:
        today = team_today()
        out = {}
        for spec in ENGINEERS:
            first = spec.name.split()[0].lower()
            engineer, _ = Engineer.objects.get_or_create(
                name=spec.name,
                defaults={
                    "email": f"{first}.{spec.name.split()[-1].lower()}@example.org",
                    "github_login": spec.github,
                    "pagerduty_user_id": spec.pagerduty,
                    "active": spec.active,
                },
            )
            out[spec.name] = engineer
        if not Engineer.objects.filter(user=user).exists() and out["Alex Rivera"].user_id is None:
            out["Alex Rivera"].user = user
            out["Alex Rivera"].save(update_fields=["user"])
        farah = out["Farah Haddad"]
        if farah.unavailable_from is None:
            # On leave over the sprint after next, so proposals visibly skip her.
            farah.unavailable_from = today + timedelta(days=20)
            farah.unavailable_to = today + timedelta(days=34)
            farah.save(update_fields=["unavailable_from", "unavailable_to"])
        self.stdout.write(f"engineers: {len(out)}")
        return out

    def seed_teams(self) -> None:
        for name, (slug, platform, channel, svcs) in TEAMS.items():
            team, _ = PartnerTeam.objects.get_or_create(
                slug=slug,
                defaults={"name": name, "is_platform": platform, "slack_channel": channel},
            )
            for svc, (pd_id, description) in svcs.items():
                Service.objects.get_or_create(
                    name=svc,
                    defaults={
                        "team": team,
                        "pagerduty_service_id": pd_id,
                        "description": description,
                        **({} if platform else health_queries(svc)),
                    },
                )
        for svc in ("rabbitmq", "postgres", "dev-tools"):
            Service.objects.get_or_create(
                name=svc, defaults={"team": PartnerTeam.objects.get(slug="platform")}
            )
        self.stdout.write(
            f"teams: {PartnerTeam.objects.count()}, services: {Service.objects.count()}"
        )

    def seed_cadence(self) -> SprintCadence:
        cadence = SprintCadence.objects.first()
        if cadence is None:
            anchor = most_recent_wednesday(team_today()) - timedelta(days=14 * PAST_SPRINTS)
            cadence = SprintCadence.objects.create(
                anchor_number=41, anchor_start=anchor, length_days=14
            )
        self.stdout.write(f"cadence: {cadence}")
        return cadence

    def seed_rotations(self, engineers: dict[str, Engineer]) -> None:
        today = team_today()
        sprints = list(Sprint.objects.filter(start_date__lte=today).order_by("number"))
        made = 0
        for index, sprint in enumerate(sprints):
            if Rotation.objects.filter(sprint=sprint).exists():
                continue
            if index == 0 and not Rotation.objects.exists():
                rotation = Rotation(
                    sprint=sprint,
                    primary=engineers[FIRST_PAIR[0]],
                    secondary=engineers[FIRST_PAIR[1]],
                )
                rotation.save()
            else:
                try:
                    rotation = services.rotation_propose(sprint=sprint)
                except NoEligibleEngineer as exc:
                    self.stderr.write(f"sprint {sprint.number}: {exc}")
                    continue
            rotation.confirmed = True
            rotation.confirmed_at = timezone.now()
            rotation.notes = (
                "" if index % 5 else "Swapped two days with the secondary for a conference."
            )
            rotation.save()
            finished = sprint.end_date <= today
            entries = ChecklistEntry.objects.filter(rotation=rotation)
            for entry in entries:
                entry.done = finished or entry.item in {
                    CheckItem.MONITOR_ALERTS,
                    CheckItem.PERFORM_RELEASE,
                }
                entry.save()
            made += 1
        self.stdout.write(f"rotations: {Rotation.objects.count()} ({made} new)")
