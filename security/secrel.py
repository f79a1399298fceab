"""The SecRel status rule, as a pure function of runs (no ORM, no clock).

Rule (DESIGN.md, "Security"): the status of SecRel on the main branch (`SECREL_BRANCH`) is
decided by its latest completed run there. A success means passing. A failure means
"failing since <the first failed run of the current streak>, N red runs" until a success
ends the streak. Only the main branch counts: runs on other branches (a pull request, a
manual dispatch on a feature branch) never break or end its streak. Runs that were
cancelled or skipped say nothing about the pipeline's health: they neither break nor end a
streak, and are never "the latest" the status names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Protocol, TypeVar

FAILED = frozenset({"failure", "timed_out", "startup_failure"})
PASSED = frozenset({"success"})
DECISIVE = FAILED | PASSED


class Run(Protocol):
    branch: str
    status: str
    conclusion: str
    created_at: datetime


R = TypeVar("R", bound=Run)


@dataclass(frozen=True)
class SecrelStatus(Generic[R]):
    branch: str
    latest: R | None  # the latest completed run on the branch that passed or failed
    failing_since: R | None  # the first failed run of the current red streak
    red_runs: int = 0  # failed runs in the current streak

    @property
    def passing(self) -> bool | None:
        """True or False; None when no run on the branch has passed or failed yet."""
        return None if self.latest is None else self.failing_since is None


def is_decisive(run: Run) -> bool:
    return run.status == "completed" and run.conclusion in DECISIVE


def secrel_status(runs: Iterable[R], *, branch: str) -> SecrelStatus[R]:
    """The status of SecRel on `branch`, from any runs (any order, any branches)."""
    mine = sorted(
        (r for r in runs if r.branch == branch and is_decisive(r)), key=lambda r: r.created_at
    )
    if not mine:
        return SecrelStatus(branch, None, None)
    latest = mine[-1]
    if latest.conclusion in PASSED:
        return SecrelStatus(branch, latest, None)
    streak: list[R] = []
    for run in reversed(mine):
        if run.conclusion in PASSED:
            break
        streak.append(run)
    return SecrelStatus(branch, latest, streak[-1], len(streak))
