"""The demo's release history: past releases with answers, a go and what went out; the next
release with one team answered and one still to answer. Idempotent."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.utils import timezone

from releases import schedule, selectors, services
from releases.models import Decision, Release, ReleaseAnswer
from rotations.models import PartnerTeam, Service

CHANGES = [
    "Faster contention lookups; retry on BIP timeouts.",
    "New merge rules for EP 400s.",
    "Logging clean-up and a dependency bump.",
]


def _commit(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode(), usedforsecurity=False).hexdigest()[:12]


def seed_releases(*, now: datetime | None = None) -> int:
    """Answers and decisions for the demo's releases that have none; returns how many changed."""
    now = now or timezone.now()
    services.releases_ensure()
    teams = list(PartnerTeam.objects.filter(is_platform=False).order_by("name"))
    team_services = {
        t.pk: list(Service.objects.filter(team=t).values_list("name", flat=True)) for t in teams
    }
    changed = 0
    releases = Release.objects.select_related("sprint").filter(answers__isnull=True)
    for release in releases.order_by("scheduled_at"):
        number = release.sprint.number
        past = release.scheduled_at <= now
        upcoming = not past and release.scheduled_at <= now + timedelta(days=14)
        if not (past or upcoming):
            continue
        for index, team in enumerate(teams):
            if upcoming and index > 0:
                break  # the next release still waits for the other teams
            opted_in = (number + index) % 3 != 0
            hashes = {s: _commit(number, s) for s in team_services[team.pk][:2]} if opted_in else {}
            ReleaseAnswer.objects.create(
                release=release,
                team=team,
                opted_in=opted_in,
                description=CHANGES[(number + index) % len(CHANGES)] if opted_in else "",
                hashes=hashes,
                answered_at=min(now, release.scheduled_at - timedelta(hours=30 - index)),
            )
        if past:
            row = selectors.release_of_sprint(number, now=now)
            go = number % 7 != 0
            Release.objects.filter(pk=release.pk).update(
                decision=Decision.GO if go else Decision.NO_GO,
                decided_at=release.scheduled_at - timedelta(minutes=15),
                decision_note="" if go else "Held: SecRel was red that morning.",
                shipped={line.service: line.commit for line in row.manifest} if go else None,
                reminder_sent_at=schedule.reminder_at(release.scheduled_at) + timedelta(minutes=2),
            )
        changed += 1
    return changed
