""" "Needs you now": what the pair on call should act on, most urgent first.

Each app says what of its own needs someone (`incidents.selectors_needs`,
`security.selectors_needs`, ...) as `Need` lines; the dashboard, the summary API and the
tab title show them in the order decided here:

1. the kind's urgency, in `URGENCY` order: a triggered incident nobody has acknowledged
   comes first, then urgent incidents overdue for their 30-minute update, monitors alerting
   with no incident, SecRel red on the main branch, release answers missing before the
   cut-off, pending deploy requests, findings past their SLA, incidents without a ticket,
   findings near their SLA, Dependabot PRs failing, then PRs ready to merge;
2. within a kind, the more severe first (`rank`: 0 is the most severe);
3. then whatever has waited longest (`since`, oldest first; a line with no time last);
4. then by title, so the order never flickers between two refreshes.

A line may stand for several rows (`count`: "12 findings past their SLA"), linking to the
list behind it rather than naming each.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

URGENCY = (
    "triggered",
    "update_overdue",
    "alert_without_incident",
    "secrel_red",
    "release_answers",
    "deploy_requests",
    "findings_overdue",
    "ticket_owed",
    "findings_due_soon",
    "dependabot_failing",
    "dependabot_ready",
)
# Kinds that mean something is broken or someone is waiting on us right now.
PRESSING = frozenset({"triggered", "update_overdue", "alert_without_incident", "secrel_red"})


@dataclass(frozen=True)
class Need:
    """One line of "needs you now": what, in words, and the link to the thing itself."""

    kind: str  # one of URGENCY
    title: str
    url: str
    since: datetime | None = None  # waiting since (triggered, last update, failing since)
    rank: int = 0  # within the kind: 0 the most severe
    count: int = 1  # rows this line stands for
    detail: str = ""

    def __post_init__(self) -> None:
        if self.kind not in URGENCY:
            raise ValueError(f"unknown kind of need {self.kind!r}")

    @property
    def pressing(self) -> bool:
        return self.kind in PRESSING


def ordered(needs: Iterable[Need]) -> list[Need]:
    """The lines in the order of the module's rule."""

    def key(need: Need) -> tuple:
        waited = need.since.timestamp() if need.since is not None else float("inf")
        return (URGENCY.index(need.kind), need.rank, waited, need.title)

    return sorted(needs, key=key)


def counted(n: int, one: str, many: str = "") -> str:
    """ "1 finding", "3 findings": the count and its words, for every app's lines."""
    return f"{n} {one if n == 1 else (many or one + 's')}"


def total(needs: Iterable[Need]) -> int:
    """How many things need someone: each line counts the rows it stands for."""
    return sum(need.count for need in needs)
