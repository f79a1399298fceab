"""Reads of the releases part of the sprint handoff report: the sprint's deploy requests, the
changes of the last 72 hours and the next release, each in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from releases import dora, handover
from releases.deploy_models import DeployRequest
from releases.models import Release
from releases.selectors import ReleaseRow, release_rows, with_details
from releases.selectors_deploys import deployment_facts, failure_window, incident_starts
from rotations.models import Engineer
from rotations.selectors import upcoming_sprints


def requests_of_window(*, since: datetime, until: datetime, as_of: datetime) -> list[DeployRequest]:
    """Deploy requests asked for in [since, until) by `as_of`, oldest first: one query."""
    return list(
        DeployRequest.objects.filter(
            requested_at__gte=since, requested_at__lt=until, requested_at__lte=as_of
        )
        .select_related("team", "requester", "approved_by", "rejected_by", "deployed_by")
        .select_related("deployment")
        .order_by("requested_at", "pk")
    )


@dataclass(frozen=True)
class RiskyDeployment(handover.Change):
    environment: str = ""
    services: tuple[str, ...] = ()
    deployed_by: str = ""
    url: str = ""
    incidents: tuple[int | str, ...] = ()


@dataclass(frozen=True)
class RiskyRelease(handover.Change):
    release: Release | None = None


@dataclass(frozen=True)
class RiskyChanges:
    since: datetime
    until: datetime  # the handover: the sooner of as_of and the sprint's end
    changes: list[handover.Change]


def risky_changes(*, until: datetime, as_of: datetime) -> RiskyChanges:
    """The rule of `releases.handover`: three queries (deployments, incidents, releases)."""
    start, end = handover.risky_window(as_of=as_of, until=until)
    window = failure_window()
    # Deployments after the window are read too: a service's next prod deployment ends the
    # search for the incidents that followed one (the change failure rate's rule).
    facts, details = deployment_facts(since=start, until=until + window)
    incidents = incident_starts(since=start, until=until + window)
    rate = dora.change_failure_rate(
        facts, incidents, since=start, until=until, as_of=as_of, window=window
    )
    failures = {f.deployment.id: f for f in rate.failures}
    changes: list[handover.Change] = []
    for d in dora.counted(facts, since=start, until=until, as_of=as_of):
        failure = failures.get(d.id)
        row = details.get(int(d.id), {})
        changes.append(
            RiskyDeployment(
                kind="deployment",
                id=d.id,
                at=d.deployed_at,
                rolled_back=failure.rolled_back if failure else False,
                reasons=tuple(failure.reasons()) if failure else (),
                environment=d.environment,
                services=tuple(sorted(d.services)),
                deployed_by=row.get("deployed_by", ""),
                url=row.get("url", ""),
                incidents=failure.incident_ids if failure else (),
            )
        )
    releases = Release.objects.filter(scheduled_at__gte=start, scheduled_at__lte=end)
    for release in releases.select_related("sprint", "decided_by"):
        changes.append(
            RiskyRelease(kind="release", id=release.pk, at=release.scheduled_at, release=release)
        )
    return RiskyChanges(start, end, handover.risky_order(changes))


@dataclass(frozen=True)
class NextRelease:
    row: ReleaseRow
    captain: Engineer | None
    captain_role: str  # "chosen", "primary", "proposed" or "" (no captain yet)


def next_release(*, after: datetime, as_of: datetime) -> NextRelease | None:
    """The first release not started at `after`, with its captain: the one chosen, else the
    sprint's primary (proposed while the rotation is not confirmed, or, with no rotation
    stored, the pair the Rotations page proposes). Four queries, two more for a proposal."""
    found = with_details(Release.objects.filter(scheduled_at__gt=after)).order_by("scheduled_at")
    release = found.first()
    if release is None:
        return None
    row = release_rows([release], now=as_of)[0]
    if release.captain_id is not None:
        return NextRelease(row, row.captain, "chosen")
    rotation = getattr(release.sprint, "rotation", None)
    if rotation is not None:
        return NextRelease(row, row.captain, "primary" if rotation.confirmed else "proposed")
    for upcoming in upcoming_sprints(now=as_of, limit=2):
        if upcoming.sprint.pk == release.sprint_id and upcoming.primary is not None:
            return NextRelease(row, upcoming.primary, "proposed")
    return NextRelease(row, None, "")
