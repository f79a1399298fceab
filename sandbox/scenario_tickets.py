"""The tickets of the demo's pages: most PagerDuty incidents get a GitHub issue a few
minutes after they start, written as the team's Slack incident workflow writes it (naming
the incident by its number or its link), so most incidents have a ticket after a sync. A
few get none, so "incidents without a ticket" has a handful to show; and now and then an
issue that names no incident ("#1234" there is a pull request), which must link nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from .facts import Facts
from .models import Incident, Issue
from .rng import Rand

# Share of pages nobody opened a ticket for.
UNTICKETED = 0.08
# What the Slack workflow writes; `{number}` and `{link}` are the incident's (filled in
# when served, once PagerDuty's numbering is known).
WORKFLOW_SHAPES: tuple[tuple[str, str, float], ...] = (
    (
        "Incident Reported: {title}",
        "Reported in #vro-incidents by {reporter} through the Slack incident workflow.\n\n"
        "**PagerDuty:** {link}\n**Service:** {service}\n",
        0.45,
    ),
    (
        "PagerDuty #{number}: {title}",
        "Opened from Slack by {reporter}.\n\nPagerDuty incident #{number} on {service}.\n",
        0.35,
    ),
    (
        "[Incident {number}] {title}",
        "Slack incident workflow: {service} paged the on-call pair. Details in PagerDuty.\n",
        0.2,
    ),
)
BACKGROUND = (
    ("Upgrade the BIE Kafka client to 3.7", "Follow-up of #1812; no incident involved."),
    ("Runbook: rotating the BGS certificate", "Steps we took last time, written down."),
    ("Flaky test in svc-bip-api claims lookup", "Fails about 1 in 20 runs on CI."),
    ("Dashboards: add p99 latency for cc-app", "Asked for in the sprint review."),
)


def ticket_issue(rand: Rand, facts: Facts, incident: Incident, *, live: bool) -> Issue | None:
    """The issue the Slack workflow opened for `incident`, or None (no ticket)."""
    if rand.chance("unticketed", UNTICKETED):
        return None
    title, body, _ = rand.weighted("shape", [(s, s[2]) for s in WORKFLOW_SHAPES])
    reporter = rand.pick("reporter", facts.people)
    service = facts.service(incident.service_id)
    words = {
        "{title}": incident.title,
        "{reporter}": f"@{reporter.github_login}",
        "{service}": service.name if service else incident.service_id,
    }
    for key, value in words.items():
        title, body = title.replace(key, value), body.replace(key, value)
    minutes = rand.between("delay", 1, 6) if live else rand.between("delay", 2, 15)
    opened = (incident.created_at + timedelta(minutes=minutes)).replace(microsecond=0)
    resolved = incident.resolved_at
    closed = resolved + timedelta(hours=rand.between("close", 1, 30)) if resolved else None
    return Issue(
        number=0,
        title=title,
        body=body,
        author=reporter.github_login,
        incident_id=incident.id,
        created_at=opened,
        closed_at=closed.replace(microsecond=0) if closed else None,
        labels=("incident",),
    )


def background_issues(rand: Rand, lo: datetime, hi: datetime) -> list[Issue]:
    """Issues that are no incident's ticket, one every ten days or so."""
    out = []
    at, n = lo, 0
    while (at := at + timedelta(days=rand.between(f"gap-{n}", 6, 14))) < hi:
        title, body = BACKGROUND[n % len(BACKGROUND)]
        out.append(Issue(number=0, title=title, body=body, created_at=at.replace(microsecond=0)))
        n += 1
    return out


def tickets(rand: Rand, facts: Facts, incidents: list[Incident], *, live: bool) -> list[Issue]:
    """The workflow's issues for these pages (each decided by its own id, so the history is
    the same whatever else the scenario holds)."""
    found = (ticket_issue(rand.child("ticket", i.id), facts, i, live=live) for i in incidents)
    return [issue for issue in found if issue is not None]
