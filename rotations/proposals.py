"""The rotation proposal rule (DESIGN.md): pure functions, tested without the database.

For sprint N+1: the primary is sprint N's secondary; the secondary is the active engineer
who has gone longest without being on call (never on call counts as longest; ties broken
by name), excluding the new primary and anyone unavailable during the sprint.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date


class NoEligibleEngineer(ValueError):
    """Fewer than two engineers are active and available for the sprint."""


@dataclass(frozen=True)
class Candidate:
    id: int
    name: str
    active: bool = True
    unavailable_from: date | None = None
    unavailable_to: date | None = None  # inclusive

    def is_unavailable(self, start: date, end: date) -> bool:
        """True when the unavailability overlaps the days start..end-1."""
        if self.unavailable_from is None and self.unavailable_to is None:
            return False
        away_from = self.unavailable_from or date.min
        away_to = self.unavailable_to or date.max
        return away_from < end and away_to >= start

    def is_eligible(self, start: date, end: date) -> bool:
        return self.active and not self.is_unavailable(start, end)


@dataclass(frozen=True)
class Proposal:
    primary_id: int
    secondary_id: int
    reasons: tuple[str, ...] = field(default=())


def longest_without_duty(
    candidates: Sequence[Candidate], last_duty: Mapping[int, date]
) -> list[Candidate]:
    """Candidates ordered by how long ago they were last on call: never first, then oldest."""
    return sorted(
        candidates,
        key=lambda c: (last_duty.get(c.id, date.min), c.name.casefold(), c.id),
    )


def propose_rotation(
    *,
    candidates: Sequence[Candidate],
    previous_secondary_id: int | None,
    last_duty: Mapping[int, date],
    sprint_start: date,
    sprint_end: date,
) -> Proposal:
    """Propose primary and secondary for the sprint running sprint_start..sprint_end-1.

    `last_duty` maps an engineer id to the first day of the last sprint (before this one)
    in which they were primary or secondary.
    """
    eligible = [c for c in candidates if c.is_eligible(sprint_start, sprint_end)]
    by_id = {c.id: c for c in candidates}
    reasons: list[str] = []
    ordered = longest_without_duty(eligible, last_duty)

    previous = by_id.get(previous_secondary_id) if previous_secondary_id is not None else None
    if previous is not None and previous in eligible:
        primary = previous
        reasons.append(f"{primary.name} was last sprint's secondary.")
    else:
        if previous is not None:
            why = "is inactive" if not previous.active else "is unavailable during this sprint"
            reasons.append(f"{previous.name} (last sprint's secondary) {why}.")
        if not ordered:
            raise NoEligibleEngineer("No active engineer is available for this sprint.")
        primary = ordered[0]
        reasons.append(f"{primary.name} has gone longest without being on call.")

    rest = [c for c in ordered if c.id != primary.id]
    if not rest:
        raise NoEligibleEngineer(
            f"Only {primary.name} is active and available for this sprint; "
            "a rotation needs two different engineers."
        )
    secondary = rest[0]
    if secondary.id in last_duty:
        reasons.append(
            f"{secondary.name} has gone longest without being on call "
            f"(last on call in the sprint starting {last_duty[secondary.id]:%Y-%m-%d})."
        )
    else:
        reasons.append(f"{secondary.name} has not been on call yet.")
    return Proposal(primary_id=primary.id, secondary_id=secondary.id, reasons=tuple(reasons))


@dataclass(frozen=True)
class PlannedSprint:
    number: int
    start: date
    end: date
    primary_id: int | None = None  # set when a rotation is already stored
    secondary_id: int | None = None


def propose_ahead(
    *,
    candidates: Sequence[Candidate],
    last_duty: Mapping[int, date],
    previous_secondary_id: int | None,
    sprints: Sequence[PlannedSprint],
) -> dict[int, Proposal | NoEligibleEngineer]:
    """Chain proposals over consecutive sprints, each built on the one before.

    Sprints that already have a rotation keep it and feed the next proposal; the rest get
    a proposal (or the reason none is possible), keyed by sprint number.
    """
    duty = dict(last_duty)
    prev_secondary = previous_secondary_id
    out: dict[int, Proposal | NoEligibleEngineer] = {}
    for sprint in sorted(sprints, key=lambda s: s.number):
        if sprint.primary_id is not None and sprint.secondary_id is not None:
            pair = (sprint.primary_id, sprint.secondary_id)
        else:
            try:
                proposal = propose_rotation(
                    candidates=candidates,
                    previous_secondary_id=prev_secondary,
                    last_duty=duty,
                    sprint_start=sprint.start,
                    sprint_end=sprint.end,
                )
            except NoEligibleEngineer as exc:
                out[sprint.number] = exc
                prev_secondary = None
                continue
            out[sprint.number] = proposal
            pair = (proposal.primary_id, proposal.secondary_id)
        for engineer_id in pair:
            duty[engineer_id] = sprint.start
        prev_secondary = pair[1]
    return out
