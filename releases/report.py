"""The releases part of the sprint handoff report (see reports/document.py): the sprint's
release, its ad-hoc deployments and the DORA figures, and what the releases hand over.

The deployment figures are the metrics document's (`ctx.metrics["releases"]`), the same the
metrics page and API give; this module only lists the rows behind them and links them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from incidents.windows import isoformat_utc
from releases import handover
from releases.deploy_models import DeployRequest
from releases.models import Decision
from releases.selectors import ReleaseRow, release_of_sprint
from releases.selectors_report import (
    NextRelease,
    RiskyDeployment,
    RiskyRelease,
    next_release,
    requests_of_window,
    risky_changes,
)
from reports.context import ReportContext
from rotations.models import Engineer

SCOPES = (("prod", "Production"), ("all", "All environments"))
DECISIONS = dict(Decision.choices)
CAPTAIN_ROLES = {
    "chosen": "chosen for this release",
    "primary": "the sprint's primary",
    "proposed": "proposed: the sprint's pair is not confirmed yet",
}


def _person(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def _engineer(engineer: Engineer | None) -> dict[str, Any] | None:
    if engineer is None:
        return None
    return {"name": engineer.name, "url": reverse("engineer-history", args=[engineer.pk])}


def _deployments_url(**params: str) -> str:
    return f"{reverse('deployment-list')}?{urlencode(params)}"


def _deployment_url(pk: int | str) -> str:
    return f"{reverse('deployment-list')}?ids={pk}#deployment-{pk}"


def _release(row: ReleaseRow, *, as_of: datetime) -> dict[str, Any]:
    release = row.release
    answers = [
        {
            "team": t.team.name,
            "answer": t.status,  # in, out or none
            "description": t.answer.description if t.answer else "",
            "hashes": (
                [{"service": s, "commit": c} for s, c in sorted(t.answer.hashes.items())]
                if t.answer and t.answer.opted_in
                else []
            ),
            "answered_by": _person(t.answer.answered_by) if t.answer else None,
            "answered_at": t.answer.answered_at if t.answer else None,
        }
        for t in row.teams
    ]
    shipped = row.went_out
    return {
        "sprint": release.sprint.number,
        "url": reverse("release-detail", args=[release.sprint.number]),
        "scheduled_at": release.scheduled_at,
        "started": release.scheduled_at <= as_of,
        "moved_at": release.moved_at,
        "captain": _engineer(row.captain),
        "captain_chosen": release.captain_id is not None,
        "answers_close_at": release.answers_close,
        "decision": release.decision or None,
        "decision_label": DECISIONS.get(release.decision, "not decided"),
        "decided_by": _person(release.decided_by),
        "decided_at": release.decided_at,
        "decision_note": release.decision_note,
        "answers": answers,
        "answered": len(row.answered),
        "teams": len(row.teams),
        "unanswered": [t.team.name for t in row.unanswered],
        # What went out: the manifest as it stood at the go; None without a go.
        "went_out": (
            None if shipped is None else [{"service": s, "commit": c} for s, c in shipped]
        ),
        "manifest": [
            {"service": line.service, "team": line.team, "commit": line.commit}
            for line in row.manifest
        ],
    }


def _request(item: DeployRequest, *, as_of: datetime) -> dict[str, Any]:
    state = handover.request_state_at(
        as_of=as_of,
        approved_at=item.approved_at,
        deployed_at=item.deployed_at,
        rejected_at=item.rejected_at,
    )
    deployment = getattr(item, "deployment", None)
    rolled_back = bool(
        deployment
        and deployment.rolled_back
        and (deployment.rolled_back_at is None or deployment.rolled_back_at <= as_of)
    )

    def step(at: datetime | None, by: Any) -> dict[str, Any] | None:
        return {"at": at, "by": _person(by)} if at is not None and at <= as_of else None

    return {
        "id": item.pk,
        "url": reverse("deploy-request", args=[item.pk]),
        "team": item.team.name,
        "environment": item.environment,
        "services": [{"service": s, "commit": c} for s, c in sorted(item.services.items())],
        "requested_by": _person(item.requester),
        "requested_at": item.requested_at,
        "state": state,
        "approved": step(item.approved_at, item.approved_by),
        "deployed": step(item.deployed_at, item.deployed_by),
        "rejected": step(item.rejected_at, item.rejected_by),
        "rejection_reason": item.rejection_reason if state == "rejected" else "",
        "rolled_back": rolled_back,
        "rolled_back_at": deployment.rolled_back_at if rolled_back and deployment else None,
        "deployment_url": _deployment_url(deployment.pk)
        if deployment and state == "deployed"
        else None,
    }


def _dora(ctx: ReportContext) -> dict[str, Any]:
    """The metrics document's figures, each with the deployments behind it."""
    figures = ctx.metrics["releases"]
    window = {"since": isoformat_utc(ctx.since), "until": isoformat_utc(ctx.until)}
    failed = figures["failed_deployments"]
    scopes = []
    for key, label in SCOPES:
        rate = figures["change_failure_rate"][key]
        ids = [str(f["id"]) for f in failed if key == "all" or f["environment"] == key]
        environment = {"environment": key} if key != "all" else {}
        scopes.append(
            {
                "key": key,
                "label": label,
                "deployments": figures["deployments"][key],
                "deployments_url": _deployments_url(**window, **environment),
                "deploy_days": figures["deploy_days"][key],
                "deploys_per_week": figures["deploys_per_week"][key],
                "deploy_days_per_week": figures["deploy_days_per_week"][key],
                "failed": rate["failed"],
                "failed_url": _deployments_url(ids=",".join(ids)) if ids else None,
                "change_failure_rate": rate["rate"],
                "change_failure_percent": None
                if rate["rate"] is None
                else round(rate["rate"] * 100),
            }
        )
    return {
        "scopes": scopes,
        "change_failure_window_hours": figures["change_failure_window_hours"],
        "failed_deployments": [
            {
                **f,
                "url": _deployment_url(f["id"]),
                "incidents": [
                    {"id": i, "url": reverse("incident-detail", args=[i])} for i in f["incidents"]
                ],
            }
            for f in failed
        ],
        "metrics_url": f"{reverse('incident-metrics')}?sprint={ctx.sprint.number}",
    }


def releases_section(ctx: ReportContext) -> dict[str, Any]:
    """`{"release", "deploy_requests", "requests_by_state", "deploy_queue_url", "dora"}`:
    the sprint's release (None when it has none), the deploy requests asked for in the
    sprint (their state as of `as_of`), and deployment frequency and change failure rate
    from the metrics document. Five queries, whatever the number of rows."""
    row = release_of_sprint(ctx.sprint.number, now=ctx.as_of)
    requests = [
        _request(r, as_of=ctx.as_of)
        for r in requests_of_window(since=ctx.since, until=ctx.until, as_of=ctx.as_of)
    ]
    by_state = dict.fromkeys(("requested", "approved", "deployed", "rejected"), 0)
    for r in requests:
        by_state[r["state"]] += 1
    return {
        "release": _release(row, as_of=ctx.as_of) if row else None,
        "deploy_requests": requests,
        "requests_by_state": by_state,
        "deploy_queue_url": reverse("deploy-queue"),
        "dora": _dora(ctx),
    }


def _change(change: handover.Change) -> dict[str, Any]:
    out: dict[str, Any] = {
        "kind": change.kind,
        "at": change.at,
        "failed": change.failed,
        "rolled_back": change.rolled_back,
        "reasons": list(change.reasons),
    }
    if isinstance(change, RiskyDeployment):
        out |= {
            "id": change.id,
            "url": _deployment_url(change.id),
            "environment": change.environment,
            "services": list(change.services),
            "deployed_by": change.deployed_by,
            "upstream_url": change.url,
            "incidents": [
                {"id": i, "url": reverse("incident-detail", args=[i])} for i in change.incidents
            ],
        }
    elif isinstance(change, RiskyRelease) and change.release is not None:
        release = change.release
        out |= {
            "id": release.sprint.number,
            "url": reverse("release-detail", args=[release.sprint.number]),
            "environment": "prod",
            "services": sorted(release.shipped or {}),
            "decision": release.decision or None,
            "decision_label": DECISIONS.get(release.decision, "not decided"),
            "decided_by": _person(release.decided_by),
        }
    return out


def _next(found: NextRelease | None) -> dict[str, Any] | None:
    if found is None:
        return None
    release = found.row.release
    return {
        "sprint": release.sprint.number,
        "url": reverse("release-detail", args=[release.sprint.number]),
        "scheduled_at": release.scheduled_at,
        "answers_close_at": release.answers_close,
        "captain": _engineer(found.captain),
        "captain_role": found.captain_role or None,
        "captain_note": CAPTAIN_ROLES.get(found.captain_role, "no captain yet"),
        "answered": len(found.row.answered),
        "teams": len(found.row.teams),
        "unanswered": [t.team.name for t in found.row.unanswered],
        "decision": release.decision or None,
    }


def releases_handover(ctx: ReportContext) -> dict[str, Any]:
    """`{"risky_since", "risky_until", "risky_changes", "next_release"}`.

    Risky changes (`releases.handover`): the deployments (any environment) and releases
    that went out in the 72 hours before the sooner of `as_of` and the sprint's end,
    rolled back first, then those that failed otherwise (a linked incident, or one that
    followed on a service, as the change failure rate decides), then the rest, newest
    first within each. The next release: the first not started at that moment, with its
    captain (or "no captain yet"), a proposed captain marked as proposed."""
    risky = risky_changes(until=ctx.until, as_of=ctx.as_of)
    return {
        "risky_since": risky.since,
        "risky_until": risky.until,
        "risky_hours": int(handover.RISKY_SPAN.total_seconds() // 3600),
        "risky_changes": [_change(c) for c in risky.changes],
        "deployments_url": _deployments_url(
            since=isoformat_utc(risky.since), until=isoformat_utc(risky.until)
        ),
        "next_release": _next(next_release(after=risky.until, as_of=ctx.as_of)),
    }
