"""Deployment requests and deployments: what may be asked, and each step with who and when.

Rules:

- A request names one or more services of the requesting team, each with a commit hash of
  7 to 40 hexadecimal characters (stored in lower case). A service of another team, or one
  that does not exist, is refused by name.
- A request to prod is an emergency fix: it needs a justification and a link (http or
  https) to the incident or ticket it fixes.
- requested → approved → deployed, or requested/approved → rejected with a reason. Any
  other move is refused, saying the state the request is in. Each step is one conditional
  UPDATE on the state it leaves, so two people clicking at once move it once.
- Approving one's own request is refused unless `DEPLOY_SELF_APPROVAL` is set.
- Marking a request deployed records the `Deployment` that went out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from incidents.models import Incident
from oncall_site.links import http_url
from releases.deploy_models import (
    PRODUCTION,
    Deployment,
    DeploymentSource,
    DeployRequest,
    Environment,
    RequestState,
)
from rotations.models import PartnerTeam, Service

COMMIT_HASH = re.compile(r"^[0-9a-f]{7,40}$")
_LINE = re.compile(r"^\s*([^\s=:@]+)\s*[\s=:@]\s*(\S+)\s*$")


def parse_manifest(text: str) -> dict[str, str]:
    """`svc-bgs-api 1a2b3c4` (or `=`, `:` or `@` between), one service a line, as a mapping.

    A line that is not "name hash" is an error naming the line; blank lines are skipped.
    """
    manifest: dict[str, str] = {}
    errors: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = _LINE.match(line)
        if match is None:
            errors.append(f"Line {number} is not “service hash”: {line.strip()[:60]!r}.")
            continue
        name, commit = match.groups()
        if name in manifest:
            errors.append(f"Line {number} names {name} a second time.")
        manifest[name] = commit
    if errors:
        raise ValidationError(errors)
    return manifest


def manifest_errors(
    manifest: Mapping[str, str], *, team: str, team_services: Iterable[str], known: Iterable[str]
) -> list[str]:
    """What is wrong with `manifest` (service → hash) for `team`, in words; [] when nothing."""
    own, everything = set(team_services), set(known)
    errors: list[str] = []
    if not manifest:
        errors.append("Name at least one service and its commit hash.")
    for name in manifest:
        if name not in everything:
            errors.append(f"Unknown service {name!r}.")
        elif name not in own:
            errors.append(f"{name} is not a service of {team}.")
    return errors + hash_errors(manifest)


def hash_errors(manifest: Mapping[str, str]) -> list[str]:
    """The hashes that are not 7 to 40 hexadecimal characters, by service."""
    return [
        f"The hash of {name}, {str(commit)[:60]!r}, is not 7 to 40 hexadecimal characters."
        for name, commit in manifest.items()
        if not COMMIT_HASH.match(str(commit).lower())
    ]


def normalized(manifest: Mapping[str, str]) -> dict[str, str]:
    return {name: str(commit).lower() for name, commit in sorted(manifest.items())}


def _team_manifest_errors(team: PartnerTeam, manifest: Mapping[str, str]) -> list[str]:
    names = Service.objects.filter(name__in=list(manifest)).values_list("name", "team_id")
    found = dict(names)
    return manifest_errors(
        manifest,
        team=team.name,
        team_services=[n for n, t in found.items() if t == team.pk],
        known=found,
    )


def request_errors(
    *,
    team: PartnerTeam | None,
    environment: str,
    services: Mapping[str, str] | None,
    reason: str,
    emergency_justification: str = "",
    incident_link: str = "",
) -> dict[str, list[str]]:
    """Every problem of a request, by field; {} when it may be sent. None: already refused."""
    errors: dict[str, list[str]] = {}
    if environment not in Environment.values:
        errors["environment"] = [f"Unknown environment {environment!r}."]
    if team is not None and services is not None:
        service_errors = _team_manifest_errors(team, services)
        if service_errors:
            errors["services"] = service_errors
    if not reason.strip():
        errors["reason"] = ["Say why this deployment is needed."]
    if environment == PRODUCTION:
        if not emergency_justification.strip():
            errors["emergency_justification"] = [
                "A prod deployment outside the release is an emergency: say why it cannot wait."
            ]
        if not http_url(incident_link.strip()):
            errors["incident_link"] = [
                "A prod deployment needs the http(s) link of the incident or ticket it fixes."
            ]
    return errors


def request_deploy(
    *,
    requester: Any,
    team: PartnerTeam,
    environment: str,
    services: Mapping[str, str],
    reason: str,
    now: datetime,
    emergency_justification: str = "",
    incident_link: str = "",
) -> DeployRequest:
    """A new request, or ValidationError with every problem by field."""
    errors = request_errors(
        team=team,
        environment=environment,
        services=services,
        reason=reason,
        emergency_justification=emergency_justification,
        incident_link=incident_link,
    )
    if errors:
        raise ValidationError(errors)
    return DeployRequest.objects.create(
        requester=requester,
        team=team,
        environment=environment,
        services=normalized(services),
        reason=reason.strip(),
        emergency_justification=emergency_justification.strip(),
        incident_link=incident_link.strip(),
        requested_at=now,
    )


def _move(request: DeployRequest, leaving: Iterable[str], verb: str, **fields: Any) -> None:
    """One conditional UPDATE from the states in `leaving`; refused with the state it is in."""
    leaving = tuple(leaving)
    moved = DeployRequest.objects.filter(pk=request.pk, state__in=leaving).update(**fields)
    if not moved:
        state = DeployRequest.objects.filter(pk=request.pk).values_list("state", flat=True).first()
        raise ValidationError(
            f"Deploy request #{request.pk} cannot be {verb}: it is {state or 'gone'}."
        )
    for name, value in fields.items():
        setattr(request, name, value)


def approve(request: DeployRequest, *, by: Any, now: datetime) -> DeployRequest:
    if request.requester_id == by.pk and not settings.DEPLOY_SELF_APPROVAL:
        raise ValidationError(
            "You cannot approve your own deploy request: ask the other on-call engineer."
        )
    _move(
        request,
        [RequestState.REQUESTED],
        "approved",
        state=RequestState.APPROVED,
        approved_by=by,
        approved_at=now,
    )
    return request


def reject(request: DeployRequest, *, by: Any, reason: str, now: datetime) -> DeployRequest:
    if not reason.strip():
        raise ValidationError({"rejection_reason": ["Say why the request is rejected."]})
    _move(
        request,
        [RequestState.REQUESTED, RequestState.APPROVED],
        "rejected",
        state=RequestState.REJECTED,
        rejected_by=by,
        rejected_at=now,
        rejection_reason=reason.strip(),
    )
    return request


def mark_deployed(request: DeployRequest, *, by: Any, now: datetime) -> Deployment:
    """The approved request went out: record it, and the deployment it made."""
    with transaction.atomic():
        _move(
            request,
            [RequestState.APPROVED],
            "marked deployed",
            state=RequestState.DEPLOYED,
            deployed_by=by,
            deployed_at=now,
        )
        return Deployment.objects.create(
            environment=request.environment,
            services=dict(request.services),
            deployed_by=by.get_username(),
            deployed_at=now,
            source=DeploymentSource.MANUAL,
            description=request.reason[:500],
            request=request,
        )


def record_deployment(
    *,
    environment: str,
    services: Mapping[str, str],
    deployed_by: str,
    deployed_at: datetime,
    now: datetime,
    incident: Incident | None = None,
    url: str = "",
    description: str = "",
) -> Deployment:
    """A deployment recorded by hand (no request behind it): hashes checked, any service."""
    errors: dict[str, list[str]] = {}
    if environment not in Environment.values:
        errors["environment"] = [f"Unknown environment {environment!r}."]
    known = set(Service.objects.filter(name__in=list(services)).values_list("name", flat=True))
    service_errors = [
        e
        for e in manifest_errors(services, team="", team_services=known, known=known)
        if "is not a service of" not in e
    ]
    if service_errors:
        errors["services"] = service_errors
    if deployed_at > now:
        errors["deployed_at"] = ["A deployment is recorded once it has happened, not ahead."]
    if url and not http_url(url):
        errors["url"] = ["The link must be an http(s) address."]
    if errors:
        raise ValidationError(errors)
    return Deployment.objects.create(
        environment=environment,
        services=normalized(services),
        deployed_by=deployed_by,
        deployed_at=deployed_at,
        incident=incident,
        url=url,
        description=description,
        source=DeploymentSource.MANUAL,
    )


def mark_rolled_back(deployment: Deployment, *, at: datetime) -> Deployment:
    if at < deployment.deployed_at:
        raise ValidationError("A deployment cannot be rolled back before it went out.")
    Deployment.objects.filter(pk=deployment.pk, rolled_back=False).update(
        rolled_back=True, rolled_back_at=at
    )
    deployment.refresh_from_db()
    return deployment
