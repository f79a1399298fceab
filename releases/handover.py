"""What the releases hand over at a sprint's end, and a deploy request as of an instant: pure
rules (no ORM, no clock; the caller passes `as_of`).

Rules:

- Risky changes: what went out in the 72 hours before the handover, the sooner of `as_of`
  and the sprint's end (`until`): deployments to any environment deployed in
  [end - 72 h, end] and releases started then. The next pair inherits their failures, so
  they are listed failed first (rolled back first, then those a change-failure reason
  marks: a linked incident, or an incident that followed on one of its services, as the
  change failure rate decides), then the rest; the newest first within each group.
- A deploy request as of `as_of` is in the state of its last step taken by then (requested,
  approved, deployed or rejected): a report generated later for an earlier moment does not
  show what came after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from incidents.metrics import as_utc

RISKY_SPAN = timedelta(hours=72)


def risky_window(*, as_of: datetime, until: datetime) -> tuple[datetime, datetime]:
    """[end - 72 h, end], end the sooner of `as_of` and `until`, in UTC."""
    end = min(as_utc(as_of, "as_of"), as_utc(until, "until"))
    return end - RISKY_SPAN, end


@dataclass(frozen=True)
class Change:
    """A change that went out: a deployment or a release; `failed` with why."""

    kind: str  # "deployment" or "release"
    id: int | str
    at: datetime
    rolled_back: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def failed(self) -> bool:
        return self.rolled_back or bool(self.reasons)


C = TypeVar("C", bound=Change)


def risky_order(changes: Iterable[C]) -> list[C]:
    """Rolled back, then failed otherwise, then the rest; newest first within each."""
    ordered = sorted(changes, key=lambda c: (as_utc(c.at), str(c.id)), reverse=True)
    return sorted(ordered, key=lambda c: 0 if c.rolled_back else 1 if c.failed else 2)


def request_state_at(
    *,
    as_of: datetime,
    approved_at: datetime | None,
    deployed_at: datetime | None,
    rejected_at: datetime | None,
) -> str:
    """requested, approved, deployed or rejected: the last step taken by `as_of`."""
    as_of = as_utc(as_of, "as_of")
    if deployed_at is not None and as_utc(deployed_at) <= as_of:
        return "deployed"
    if rejected_at is not None and as_utc(rejected_at) <= as_of:
        return "rejected"
    if approved_at is not None and as_utc(approved_at) <= as_of:
        return "approved"
    return "requested"
