"""What of SecRel, the findings and the Dependabot queue needs the pair on call now (see
`oncall_site.needs`): SecRel red on the main branch since its first failed run, findings
past or near their SLA, Dependabot PRs failing or ready to merge. Counts, one line each,
linking to the list behind them; from what the dashboard's cards read, no query of its own.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.urls import reverse

from oncall_site.needs import Need, counted
from security.dependabot import ATTENTION, READY
from security.secrel import SecrelStatus
from security.selectors_findings import SOON_DAYS, FindingCounts


def secrel_needs(status: SecrelStatus) -> list[Need]:
    """From the status the dashboard's SecRel card shows (`selectors.secrel_status`)."""
    first = status.failing_since
    if first is None:
        return []
    runs = counted(status.red_runs, "red run", "red runs")
    step = status.latest.failed_step if status.latest is not None else ""
    return [
        Need(
            "secrel_red",
            f"SecRel failing on {first.branch} since run #{first.run_number}",
            reverse("security-secrel"),
            since=first.created_at,
            detail=f"{runs}{f', failing at {step}' if step else ''}; signed images not published",
        )
    ]


def finding_needs(counts: FindingCounts) -> list[Need]:
    """From the counts the findings page shows (`selectors_findings.finding_counts`)."""
    url = reverse("finding-list")
    needs = []
    if counts.overdue:
        needs.append(
            Need(
                "findings_overdue",
                f"{counted(counts.overdue, 'finding', 'findings')} past the SLA",
                f"{url}?overdue=yes",
                count=counts.overdue,
            )
        )
    if counts.due_soon:
        needs.append(
            Need(
                "findings_due_soon",
                f"{counted(counts.due_soon, 'finding', 'findings')} due within {SOON_DAYS} days",
                f"{url}?overdue=soon",
                count=counts.due_soon,
            )
        )
    return needs


def dependabot_needs(counts: Mapping[str, int]) -> list[Need]:
    """From the queue's group counts (`selectors_dependabot.queue_summary`)."""
    url = reverse("dependabot-queue")
    needs = []
    if failing := counts.get(ATTENTION, 0):
        title = f"{counted(failing, 'Dependabot PR needs', 'Dependabot PRs need')} attention"
        needs.append(
            Need(
                "dependabot_failing",
                title,
                f"{url}#attention",
                count=failing,
                detail="CI failing or conflicting with the branch",
            )
        )
    if ready := counts.get(READY, 0):
        title = f"{counted(ready, 'Dependabot PR', 'Dependabot PRs')} ready to merge"
        needs.append(Need("dependabot_ready", title, f"{url}#ready", count=ready))
    return needs


def security_needs(
    *, secrel: SecrelStatus, findings: FindingCounts, queue: Mapping[str, int]
) -> list[Need]:
    """Everything of this app that needs the pair now (unordered: see `needs.ordered`),
    from what the dashboard's cards already read: no query of its own."""
    return [*secrel_needs(secrel), *finding_needs(findings), *dependabot_needs(queue)]
