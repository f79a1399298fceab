"""Reads for the dashboard: SecRel status on the main branch, open Dependabot PRs."""

from dataclasses import dataclass

from django.conf import settings

from security.models import DependabotPR, SecrelRun


@dataclass(frozen=True)
class SecrelStatus:
    latest: SecrelRun | None  # latest completed run on the branch
    failing_since: SecrelRun | None  # first failed run of the current red streak


def secrel_status(*, branch: str | None = None) -> SecrelStatus:
    """The latest completed run on SECREL_BRANCH decides: red until a success."""
    branch = branch or settings.SECREL_BRANCH
    completed = SecrelRun.objects.filter(branch=branch, status="completed").order_by("-created_at")
    latest = completed.first()
    if latest is None or latest.conclusion == "success":
        return SecrelStatus(latest=latest, failing_since=None)
    last_success = (
        completed.filter(conclusion="success").values_list("created_at", flat=True).first()
    )
    streak = completed.exclude(conclusion__in=["success", "cancelled", "skipped"])
    if last_success is not None:
        streak = streak.filter(created_at__gt=last_success)
    return SecrelStatus(latest=latest, failing_since=streak.order_by("created_at").first())


def open_dependabot_prs(limit: int = 5) -> tuple[int, list[DependabotPR]]:
    prs = DependabotPR.objects.filter(open=True).order_by("opened_at")
    return prs.count(), list(prs[:limit])
