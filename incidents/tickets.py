"""The incident's ticket: a GitHub issue in the configured repository (ZenHub boards pick
GitHub issues up), with a severity label and a link back to the incident.

Creating an issue is not idempotent upstream, so the incident is claimed first
(`ticket_requested_at`): a double click, or two people at once, open one issue. A failure
releases the claim and leaves the incident as it was, with the reason in words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from incidents.models import Incident, UpdateKind
from incidents.services import User, timeline_record
from oncall_site.integrations import github
from oncall_site.integrations.errors import UpstreamError

# A claim older than this is from a request that died mid-way (the upstream timeout and
# its retries are far shorter), so another attempt may go ahead.
CLAIM_EXPIRES = timedelta(minutes=5)
NOT_CONFIGURED = (
    "GitHub is not configured (GITHUB_TOKEN and GITHUB_REPOSITORY), so a ticket cannot be "
    "created here. Create it by hand and link it below."
)


class TicketError(Exception):
    """The ticket was not created; `message` says why, for the person who asked."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class TicketDraft:
    title: str
    body: str
    labels: tuple[str, ...]


def _when(moment: datetime | None) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M %Z")


def _yes_no(value: bool | None) -> str:
    return "unknown" if value is None else ("yes" if value else "no")


def ticket_draft(incident: Incident, *, incident_url: str) -> TicketDraft:
    """The issue's title, body and labels (`incident`, and the severity such as `SEV2`)."""
    service = incident.service
    impacts = list(incident.impacts.select_related("team"))
    lines = [
        f"**Severity:** {incident.severity or 'not set yet'}",
        f"**State:** {incident.get_state_display()}",
        f"**Started:** {_when(incident.started_at)}",
        f"**Source:** {incident.get_source_display()}"
        + (f" ({incident.upstream_url})" if incident.upstream_url else ""),
    ]
    if service is not None:
        lines.append(f"**Service:** {service.name} ({service.team.name})")
    if incident.reporter_team_id:
        lines.append(f"**Reported by:** {incident.reporter_team}")
    if impacts:
        spans = ", ".join(
            f"{impact.team.name} ({_when(impact.start)} – {_when(impact.end)})"
            for impact in impacts
        )
        lines.append(f"**Impacted partner teams:** {spans}")
    lines += [
        f"**Application non-functional:** {_yes_no(incident.application_non_functional)}",
        f"**Blocker:** {_yes_no(incident.blocker)}",
    ]
    if incident.root_cause:
        lines.append(f"**Root cause:** {incident.get_root_cause_display()}")
    body = "\n".join(f"{line}  " for line in lines)
    if incident.description:
        body += f"\n\n### Description\n\n{incident.description}"
    if incident.how_to_reproduce:
        body += f"\n\n### How to reproduce\n\n{incident.how_to_reproduce}"
    body += f"\n\n---\nIncident #{incident.pk} on the on-call dashboard: {incident_url}\n"
    labels = ("incident", incident.severity) if incident.severity else ("incident",)
    return TicketDraft(title=f"Incident Reported: {incident.title}", body=body, labels=labels)


def github_configured() -> bool:
    return github.config_from_settings() is not None


def ticket_create(
    *,
    incident: Incident,
    incident_url: str,
    user: User,
    config: github.Config | None = None,
) -> str:
    """Open the GitHub issue, store its URL on the incident and return it; TicketError if not."""
    config = config or github.config_from_settings()
    if config is None:
        raise TicketError(NOT_CONFIGURED)
    now = timezone.now()
    claimed = (
        Incident.objects.filter(pk=incident.pk, ticket_url="")
        .filter(
            Q(ticket_requested_at__isnull=True) | Q(ticket_requested_at__lt=now - CLAIM_EXPIRES)
        )
        .update(ticket_requested_at=now)
    )
    if not claimed:
        incident.refresh_from_db(fields=["ticket_url", "ticket_requested_at"])
        if incident.ticket_url:
            raise TicketError(f"This incident already has a ticket: {incident.ticket_url}")
        raise TicketError("A ticket is being created for this incident right now; reload soon.")
    draft = ticket_draft(incident, incident_url=incident_url)
    try:
        created = github.create_issue(
            github.build_client(config),
            config,
            title=draft.title,
            body=draft.body,
            labels=draft.labels,
        )
    except UpstreamError as exc:
        Incident.objects.filter(pk=incident.pk).update(ticket_requested_at=None)
        raise TicketError(f"The GitHub issue was not created: {exc.message}") from exc
    Incident.objects.filter(pk=incident.pk).update(
        ticket_url=created.html_url, ticket_requested_at=None
    )
    incident.ticket_url = created.html_url
    timeline_record(
        incident,
        kind=UpdateKind.NOTE,
        text=f"Ticket created: GitHub issue #{created.number}, {created.html_url}",
        at=timezone.now(),
        user=user,
    )
    return created.html_url
