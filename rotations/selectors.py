"""Reads for the rotation pages, the header and the dashboard, in a bounded number of queries."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet

from rotations.models import Engineer, Rotation, Sprint, team_today
from rotations.proposals import NoEligibleEngineer, PlannedSprint, Proposal, propose_ahead


def sprints_with_rotation() -> QuerySet[Sprint]:
    return Sprint.objects.select_related(
        "rotation", "rotation__primary", "rotation__secondary", "rotation__confirmed_by"
    )


def current_sprint(*, now: datetime) -> Sprint | None:
    return sprints_with_rotation().containing(team_today(now)).first()


def rotation_of(sprint: Sprint | None) -> Rotation | None:
    if sprint is None:
        return None
    try:
        return sprint.rotation
    except Rotation.DoesNotExist:
        return None


def role_of(rotation: Rotation | None, engineer_id: int | None) -> str | None:
    """ "primary" or "secondary" when the engineer is on call in the rotation, else None."""
    if rotation is None or engineer_id is None:
        return None
    if rotation.primary_id == engineer_id:
        return "primary"
    if rotation.secondary_id == engineer_id:
        return "secondary"
    return None


@dataclass(frozen=True)
class Duty:
    """One sprint an engineer was (or will be) on call, as their history lists it."""

    rotation: Rotation
    role: str
    partner: Engineer  # the other engineer on call that sprint


def duties_of(engineer: Engineer, rotations: Iterable[Rotation]) -> list[Duty]:
    duties = []
    for rotation in rotations:
        role = role_of(rotation, engineer.pk)
        if role is not None:
            partner = rotation.secondary if role == "primary" else rotation.primary
            duties.append(Duty(rotation=rotation, role=role, partner=partner))
    return duties


def still_away(engineer: Engineer, *, today: date) -> bool:
    """Marked unavailable today or later; an absence that is over no longer counts."""
    return engineer.as_candidate().is_unavailable(today, date.max)


# What a sprint's pair is: stored and confirmed, stored and unconfirmed, a proposal the page
# computed (nothing stored), or none because no proposal could be made.
CONFIRMED, UNCONFIRMED, PROPOSED, NO_PROPOSAL = "confirmed", "unconfirmed", "proposed", "none"


@dataclass(frozen=True)
class UpcomingSprint:
    sprint: Sprint
    rotation: Rotation | None
    proposal: Proposal | None
    problem: str  # why no proposal could be made, if so
    primary: Engineer | None  # the proposed (or stored) pair, resolved to engineers
    secondary: Engineer | None

    @property
    def status(self) -> str:
        """CONFIRMED, UNCONFIRMED, PROPOSED or NO_PROPOSAL: a stored rotation wins over a
        proposal, whether or not anyone confirmed it."""
        if self.rotation is not None:
            return CONFIRMED if self.rotation.confirmed else UNCONFIRMED
        return PROPOSED if self.proposal is not None else NO_PROPOSAL


def last_duty_before(day: date) -> dict[int, date]:
    """Engineer id -> first day of the last sprint before `day` they were on call in."""
    duty: dict[int, date] = {}
    for role in ("primary", "secondary"):
        rows = (
            Rotation.objects.filter(sprint__start_date__lt=day)
            .values(role)
            .annotate(last=Max("sprint__start_date"))
        )
        for row in rows:
            engineer_id, last = row[role], row["last"]
            if engineer_id not in duty or duty[engineer_id] < last:
                duty[engineer_id] = last
    return duty


def upcoming_sprints(*, now: datetime, limit: int = 6) -> list[UpcomingSprint]:
    """Sprints after the current one, each with its rotation or a chained proposal."""
    today = team_today(now)
    sprints = list(sprints_with_rotation().filter(start_date__gt=today).order_by("number")[:limit])
    if not sprints:
        return []
    first = sprints[0]
    before = (
        Rotation.objects.filter(sprint__number=first.number - 1)
        .values_list("secondary_id", flat=True)
        .first()
    )
    engineers = {e.pk: e for e in Engineer.objects.all()}
    planned = []
    for sprint in sprints:
        rotation = rotation_of(sprint)
        planned.append(
            PlannedSprint(
                number=sprint.number,
                start=sprint.start_date,
                end=sprint.end_date,
                primary_id=rotation.primary_id if rotation else None,
                secondary_id=rotation.secondary_id if rotation else None,
            )
        )
    proposals = propose_ahead(
        candidates=[e.as_candidate() for e in engineers.values()],
        last_duty=last_duty_before(first.start_date),
        previous_secondary_id=before,
        sprints=planned,
    )
    out = []
    for sprint in sprints:
        rotation = rotation_of(sprint)
        result = proposals.get(sprint.number)
        proposal = result if isinstance(result, Proposal) else None
        problem = str(result) if isinstance(result, NoEligibleEngineer) else ""
        if rotation:
            primary, secondary = rotation.primary, rotation.secondary
        elif proposal:
            primary, secondary = engineers[proposal.primary_id], engineers[proposal.secondary_id]
        else:
            primary = secondary = None
        out.append(
            UpcomingSprint(
                sprint=sprint,
                rotation=rotation,
                proposal=proposal,
                problem=problem,
                primary=primary,
                secondary=secondary,
            )
        )
    return out


def past_sprints(*, now: datetime) -> QuerySet[Sprint]:
    return sprints_with_rotation().filter(end_date__lte=team_today(now)).order_by("-number")


def engineers_with_duty_counts(*, now: datetime) -> list[Engineer]:
    """Every engineer with their duty counts and `away` (see `still_away`) as of `now`."""
    today = team_today(now)
    engineers = list(
        Engineer.objects.annotate(
            primary_count=Count("primary_rotations", distinct=True),
            secondary_count=Count("secondary_rotations", distinct=True),
            last_primary=Max("primary_rotations__sprint__start_date"),
            last_secondary=Max("secondary_rotations__sprint__start_date"),
        ).order_by("-active", "name")
    )
    for engineer in engineers:
        engineer.away = still_away(engineer, today=today)
    return engineers


def engineer_rotations(engineer: Engineer) -> QuerySet[Rotation]:
    return (
        Rotation.objects.filter(Q(primary=engineer) | Q(secondary=engineer))
        .select_related("sprint", "primary", "secondary")
        .order_by("-sprint__number")
    )


def on_call_overview(*, now: datetime, user) -> dict:
    """The rotation part of the dashboard: who is on call now and next, and the checklist."""
    sprint = current_sprint(now=now)
    rotation = rotation_of(sprint)
    checklist = []
    if rotation:
        checklist = sorted(rotation.checklist.select_related("done_by"), key=lambda e: e.order)
    upcoming = upcoming_sprints(now=now, limit=1)
    engineer = Engineer.objects.filter(user=user).first() if user.is_authenticated else None
    return {
        "sprint": sprint,
        "rotation": rotation,
        "checklist": checklist,
        "checklist_done": sum(1 for e in checklist if e.done),
        "next": upcoming[0] if upcoming else None,
        "my_role": role_of(rotation, engineer.pk if engineer else None),
        "pager": pagerduty_check(rotation),
    }


@dataclass(frozen=True)
class PagerCheck:
    """Who PagerDuty pages at one escalation level, against the rotation's engineer."""

    level: int
    role: str
    engineer: Engineer | None
    paged: tuple[str, ...]  # names PagerDuty has at this level
    matches: bool


def pagerduty_check(rotation: Rotation | None) -> list[PagerCheck]:
    """Level 1 should page the primary and level 2 the secondary; empty when not synced."""
    from rotations.models import PagerDutyOnCall

    oncalls = list(PagerDutyOnCall.objects.filter(escalation_level__in=(1, 2)))
    if rotation is None or not oncalls:
        return []
    checks = []
    for level, role in ((1, "primary"), (2, "secondary")):
        engineer = getattr(rotation, role)
        at_level = [o for o in oncalls if o.escalation_level == level]
        paged_ids = {o.user_id for o in at_level}
        checks.append(
            PagerCheck(
                level=level,
                role=role,
                engineer=engineer,
                paged=tuple(sorted({o.user_name for o in at_level})),
                matches=bool(engineer.pagerduty_user_id)
                and engineer.pagerduty_user_id in paged_ids,
            )
        )
    return checks
