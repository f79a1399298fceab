"""The pages behind the `html_url`s the sandbox hands out, so a demo link answers: a pull
request, an issue, a workflow run (and its jobs), a code-scanning or Dependabot alert, a
commit, a PagerDuty incident, a Datadog monitor. Each is a small plain HTML page saying
what it is (title, number, state), on loopback; no real vendor host is ever linked.

They ask for no credentials (a person follows the link in a browser). PagerDuty's incident
page shares its path with the API's `GET /incidents/{id}`, as on pagerduty.com it shares
it with nothing: a request with an `Authorization` header is the API's, one without is a
person's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from html import escape
from typing import TYPE_CHECKING

from .dataset import Dataset
from .server import NotFound, Request, Response, Route, route
from .timeutil import iso

if TYPE_CHECKING:
    from .datadog import Datadog
    from .github import GitHub
    from .pagerduty import PagerDuty

Fact = tuple[str, object]


def page(vendor: str, kind: str, title: str, facts: list[Fact]) -> Response:
    """A plain page: what it is, its title, then its facts; everything escaped."""
    rows = "".join(
        f"<dt>{escape(name)}</dt><dd>{escape(str(value))}</dd>"
        for name, value in facts
        if value is not None
    )
    heading = f"{kind}: {title}"
    text = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(heading)} · {escape(vendor)} (sandbox)</title></head>"
        f"<body><main><p>{escape(vendor)} sandbox</p><h1>{escape(heading)}</h1>"
        f"<dl>{rows}</dl></main></body></html>"
    )
    return Response.text(200, text, "text/html; charset=utf-8")


def _number(text: str) -> int:
    if not text.isdigit():
        raise NotFound
    return int(text)


def _when(at: datetime | None, now: datetime) -> str | None:
    return iso(at) if at is not None and at <= now else None


# GitHub: https://github.com/{owner}/{repo}/pull/1, /issues/1, /actions/runs/1, ...


def github_pages(vendor: GitHub) -> list[Route]:
    def snapshot(owner: str, repo: str) -> tuple[Dataset, datetime]:
        return vendor._snapshot(owner, repo)

    def pull(req: Request, owner: str, repo: str, number: str) -> Response:
        ds, now = snapshot(owner, repo)
        wanted = _number(number)
        found = next((p for p in ds.pulls.upto(now) if p.number == wanted), None)
        if found is None:
            raise NotFound
        merged = found.merged_at is not None and found.merged_at <= now
        state = "merged" if merged else found.state(now)
        return page(
            "GitHub",
            f"Pull request #{found.number}",
            found.title,
            [
                ("State", state),
                ("Author", found.author),
                ("Base", found.base_ref),
                ("Opened", iso(found.created_at)),
                ("Closed", _when(found.closed_at, now)),
            ],
        )

    def issue(req: Request, owner: str, repo: str, number: str) -> Response:
        from .github_issues import filled

        ds, now = snapshot(owner, repo)
        wanted = _number(number)
        found = next((i for i in ds.issues.upto(now) if i.number == wanted), None)
        if found is not None:
            web = vendor.state.web.get("pagerduty", req.base_url)
            title = filled(found.title, ds, found, web) or ""
            return page(
                "GitHub",
                f"Issue #{found.number}",
                title,
                [
                    ("State", found.state(now)),
                    ("Opened", iso(found.created_at)),
                    ("Closed", _when(found.closed_at, now)),
                    ("Body", filled(found.body, ds, found, web)),
                ],
            )
        created = next((i for i in vendor.state.created_issues if i.number == wanted), None)
        if created is None:
            raise NotFound
        return page(
            "GitHub",
            f"Issue #{created.number}",
            created.title,
            [
                ("State", "open"),
                ("Opened", iso(created.created_at)),
                ("Labels", ", ".join(created.labels)),
            ],
        )

    def run(req: Request, owner: str, repo: str, run_id: str, job: str = "") -> Response:
        ds, now = snapshot(owner, repo)
        found = ds.run_by_id.get(_number(run_id))
        if found is None or found.created_at > now:
            raise NotFound
        status = found.status(now)
        return page(
            "GitHub",
            f"Workflow run #{found.run_number}",
            f"{ds.facts.workflow_name}: {found.display_title}",
            [
                ("Status", status),
                ("Conclusion", found.conclusion if status == "completed" else None),
                ("Trigger", found.event),
                ("Branch", found.head_branch),
                ("Started", iso(found.created_at)),
                ("Job", job or None),
            ],
        )

    def job(req: Request, owner: str, repo: str, run_id: str, job_id: str) -> Response:
        return run(req, owner, repo, run_id, job=job_id)

    def code_scanning(req: Request, owner: str, repo: str, number: str) -> Response:
        ds, now = snapshot(owner, repo)
        wanted = _number(number)
        found = next((a for a in ds.code_scanning.upto(now) if a.number == wanted), None)
        if found is None:
            raise NotFound
        return page(
            "GitHub",
            f"Code scanning alert #{found.number}",
            found.description,
            [
                ("State", found.state(now)),
                ("Tool", found.tool),
                ("Rule", found.rule_id),
                ("Severity", found.security_severity or found.severity),
                ("Where", found.path),
                ("Opened", iso(found.created_at)),
            ],
        )

    def dependabot(req: Request, owner: str, repo: str, number: str) -> Response:
        ds, now = snapshot(owner, repo)
        wanted = _number(number)
        found = next((a for a in ds.dependabot.upto(now) if a.number == wanted), None)
        if found is None:
            raise NotFound
        return page(
            "GitHub",
            f"Dependabot alert #{found.number}",
            found.summary,
            [
                ("State", found.state(now)),
                ("Package", found.package),
                ("Severity", found.severity),
                ("Manifest", found.manifest_path),
                ("Opened", iso(found.created_at)),
            ],
        )

    def commit(req: Request, owner: str, repo: str, sha: str) -> Response:
        ds, now = snapshot(owner, repo)
        known = ds.commit_shas().get(sha)
        if known is None or known[2] > now:
            raise NotFound
        message, login, at = known
        return page("GitHub", f"Commit {sha[:7]}", message, [("Author", login), ("Date", iso(at))])

    web = "/{owner}/{repo}"
    pages: list[tuple[str, str, Callable[..., Response]]] = [
        (web + "/pull/{number}", "pull", pull),
        (web + "/issues/{number}", "issue", issue),
        (web + "/actions/runs/{run_id}", "run", run),
        (web + "/actions/runs/{run_id}/job/{job_id}", "job", job),
        (web + "/security/code-scanning/{number}", "code_scanning_alert", code_scanning),
        (web + "/security/dependabot/{number}", "dependabot_alert", dependabot),
        (web + "/commit/{sha}", "commit", commit),
    ]
    return [route("GET", path, f"github.page.{name}", fn, page=True) for path, name, fn in pages]


# PagerDuty: https://<subdomain>.pagerduty.com/incidents/Q1ABC2DEF3


def pagerduty_pages(vendor: PagerDuty) -> list[Route]:
    def incident(req: Request, incident_id: str) -> Response:
        ds, now = vendor.state.snapshot()
        found = ds.incident(incident_id)
        if found is None or found.created_at > now:
            raise NotFound
        return page(
            "PagerDuty",
            f"Incident #{found.number}",
            found.title,
            [
                ("Status", found.status(now)),
                ("Urgency", found.urgency),
                ("Priority", found.priority),
                ("Service", getattr(ds.facts.service(found.service_id), "name", found.service_id)),
                ("Triggered", iso(found.created_at)),
                ("Resolved", _when(found.resolved_at, now)),
            ],
        )

    return [
        route("GET", "/incidents/{incident_id}", "pagerduty.page.incident", incident, page=True)
    ]


# Datadog: https://app.datadoghq.com/monitors/123 (the site derives it from the API root)


def datadog_pages(vendor: Datadog) -> list[Route]:
    def monitor(req: Request, monitor_id: str) -> Response:
        ds, now = vendor.state.snapshot()
        wanted = _number(monitor_id)
        found = next((m for m in ds.monitors if m.id == wanted), None)
        if found is None:
            raise NotFound
        return page(
            "Datadog",
            f"Monitor {found.id}",
            found.name,
            [
                ("Status", found.status_at(now)),
                ("Type", found.type),
                ("Query", found.query or None),
                ("Tags", ", ".join(found.tags)),
            ],
        )

    return [route("GET", "/monitors/{monitor_id}", "datadog.page.monitor", monitor, page=True)]
