"""The dashboard composed from the apps' selectors: what needs the pair on call now.

The page passes what its cards already read (the sprint, SecRel's status, the Dependabot
queue's counts) so nothing is read twice; the live refresh passes nothing and reads it all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from incidents.selectors_needs import incident_needs
from oncall_site.needs import Need, ordered
from rotations.models import Sprint
from rotations.selectors import current_sprint
from security import selectors as security_selectors
from security.models import SlaPolicy
from security.secrel import SecrelStatus
from security.selectors_dependabot import queue_ids
from security.selectors_findings import finding_counts
from security.selectors_needs import security_needs

UNSET = object()


def needs_now(
    *,
    now: datetime,
    sprint: Sprint | None | object = UNSET,
    secrel: SecrelStatus | None = None,
    queue: Mapping[str, int] | None = None,
) -> list[Need]:
    """Every app's lines, in the order of `oncall_site.needs`."""
    if sprint is UNSET:
        sprint = current_sprint(now=now)
    if secrel is None:
        secrel = security_selectors.secrel_status(as_of=now)
    if queue is None:
        queue = {group: len(ids) for group, ids in queue_ids().items()}
    findings = finding_counts(now=now, rules=SlaPolicy.current().rules())
    start = sprint.starts_at if isinstance(sprint, Sprint) else None
    return ordered(
        [
            *incident_needs(now=now, sprint_start=start),
            *security_needs(secrel=secrel, findings=findings, queue=queue),
        ]
    )
