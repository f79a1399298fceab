"""What of the releases needs the pair on call now (see `oncall_site.needs`): partner teams
that have not answered for the next release while answers are still open, and deploy
requests waiting for a decision or a deployment."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from oncall_site.needs import Need, counted
from releases.deploy_models import DeployRequest
from releases.selectors import ReleaseRow
from releases.selectors_deploys import PENDING

ANSWERS_AHEAD = timedelta(days=3)  # asked for once the cut-off is this close


def release_needs(row: ReleaseRow | None, *, now: datetime) -> list[Need]:
    """Teams yet to answer for the next release (`selectors.next_release`), from three days
    before the answers close until they close: after that, their answer is the captain's."""
    if row is None or not row.unanswered:
        return []
    closes = row.release.answers_close
    if not (closes - ANSWERS_AHEAD <= now < closes):
        return []
    waiting = len(row.unanswered)
    names = ", ".join(t.team.name for t in row.unanswered)
    number = row.release.sprint.number
    local = timezone.localtime(closes)
    return [
        Need(
            "release_answers",
            f"{counted(waiting, 'team')} yet to answer for sprint {number}'s release",
            reverse("release-detail", args=[number]),
            count=waiting,
            detail=f"{names}; answers close {local:%a %b %-d, %H:%M} {local.tzname()}",
        )
    ]


def deploy_needs() -> list[Need]:
    """Deploy requests waiting (requested, or approved and not yet deployed): one line with
    their count and how long the oldest has waited. One query."""
    found = DeployRequest.objects.filter(state__in=PENDING).aggregate(
        n=Count("pk"), oldest=Min("requested_at")
    )
    if not found["n"]:
        return []
    n = found["n"]
    return [
        Need(
            "deploy_requests",
            f"{counted(n, 'deploy request')} waiting",
            reverse("deploy-queue"),
            since=found["oldest"],
            count=n,
            detail="approve, reject or mark deployed",
        )
    ]
