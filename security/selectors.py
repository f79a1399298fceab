"""Reads for the dashboard: SecRel status on the main branch, open Dependabot PRs."""

from django.conf import settings
from django.utils import timezone

from security.models import SecrelRun
from security.secrel import DECISIVE, PASSED, SecrelStatus
from security.secrel import secrel_status as status_of
from security.selectors_dependabot import QueueSummary, queue_summary


def secrel_status(*, branch: str | None = None) -> SecrelStatus[SecrelRun]:
    """The rule of `security.secrel` over the stored runs: only the runs since the last
    success on the branch are read (two queries), whatever the history's length."""
    branch = branch or settings.SECREL_BRANCH
    decisive = SecrelRun.objects.filter(branch=branch, status="completed", conclusion__in=DECISIVE)
    last_pass = (
        decisive.filter(conclusion__in=PASSED)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    runs = decisive if last_pass is None else decisive.filter(created_at__gte=last_pass)
    return status_of(runs, branch=branch)


def open_dependabot_prs(limit: int = 5) -> tuple[int, QueueSummary]:
    """The open count and the dashboard card's summary: each group's count and the `limit`
    most pressing PRs (the queue page at /security/dependabot/ lists them all)."""
    summary = queue_summary(now=timezone.now(), limit=limit)
    return summary.total, summary
