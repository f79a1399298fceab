"""GitHub's issue list, `GET /repos/{owner}/{repo}/issues`, as GitHub serves it: issues and
pull requests together (a pull request carries `pull_request`), filtered by `state`,
`since` (updated at or after), `creator` and `labels`, sorted by `created` or `updated`
(`comments` sorts as `created`: the sandbox has no comments), `direction`, and paginated
like every other list.

Reference: https://docs.github.com/en/rest/issues/issues#list-repository-issues
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

from .dataset import Dataset
from .github_objects import label, node_id, user
from .models import JSON, Issue, PullRequest
from .server import BadRequest, Request, Response, Unprocessable
from .timeutil import iso, parse_instant

if TYPE_CHECKING:
    from .github import GitHub

Listed = Issue | PullRequest


def updated_at(item: Listed, now: datetime) -> datetime:
    closed = item.closed_at if item.closed_at is not None and item.closed_at <= now else None
    return max(t for t in (item.updated_at, item.created_at, closed) if t is not None and t <= now)


def filled(text: str | None, ds: Dataset, issue: Issue, pagerduty_web: str) -> str | None:
    """The Slack workflow's text with its incident's number and page filled in."""
    incident = ds.incident(issue.incident_id) if issue.incident_id else None
    if text is None or incident is None:
        return text
    link = f"{pagerduty_web}/incidents/{incident.id}"
    return text.replace("{number}", str(incident.number)).replace("{link}", link)


def issue_object(
    base: str, ds: Dataset, item: Listed, now: datetime, *, pagerduty_web: str
) -> JSON:
    """The `issue` schema, for an issue or (with `pull_request`) a pull request."""
    facts = ds.facts
    api = f"{base}/repos/{facts.repository}/issues/{item.number}"
    is_pull = isinstance(item, PullRequest)
    closed = item.closed_at if item.state(now) == "closed" else None
    author = item.author or facts.people[0].github_login
    title, body = item.title, item.body
    if isinstance(item, Issue):
        title = filled(title, ds, item, pagerduty_web) or ""
        body = filled(body, ds, item, pagerduty_web)
    payload: JSON = {
        "id": (1_600_000_000 if is_pull else 2_300_000_000) + item.number,
        "node_id": node_id("PullRequest" if is_pull else "Issue", item.number),
        "url": api,
        "repository_url": f"{base}/repos/{facts.repository}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"{base}/{facts.repository}/{'pull' if is_pull else 'issues'}/{item.number}",
        "number": item.number,
        "state": item.state(now),
        "state_reason": "completed" if closed else None,
        "title": title,
        "body": body,
        "user": user(base, facts, author),
        "labels": [label(base, facts, name) for name in item.labels],
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "locked": False,
        "active_lock_reason": None,
        "comments": 0,
        "closed_at": iso(closed) if closed else None,
        "created_at": iso(item.created_at),
        "updated_at": iso(updated_at(item, now)),
        "author_association": "MEMBER",
    }
    if isinstance(item, PullRequest):
        web = f"{base}/{facts.repository}/pull/{item.number}"
        merged = item.merged_at if item.merged_at is not None and item.merged_at <= now else None
        payload["pull_request"] = {
            "url": f"{base}/repos/{facts.repository}/pulls/{item.number}",
            "html_url": web,
            "diff_url": f"{web}.diff",
            "patch_url": f"{web}.patch",
            "merged_at": iso(merged) if merged else None,
        }
    return payload


def list_issues(vendor: GitHub, req: Request, owner: str, repo: str) -> Response:
    ds, now = vendor._snapshot(owner, repo)
    state = req.arg("state", "open")
    if state not in {"open", "closed", "all"}:
        raise Unprocessable(f"state must be open, closed or all, not {state!r}")
    items: list[Listed] = [*ds.issues.upto(now), *ds.pulls.upto(now)]
    checks: list[Callable[[Listed], bool]] = []
    if state != "all":
        checks.append(lambda i: i.state(now) == state)
    if (since := req.arg("since")) is not None:
        try:
            lo = parse_instant(since)
        except ValueError:
            raise BadRequest(f"since is not an ISO 8601 timestamp: {since!r}") from None
        checks.append(lambda i: updated_at(i, now) >= lo)
    if (creator := req.arg("creator")) is not None:
        checks.append(lambda i: (i.author or ds.facts.people[0].github_login) == creator)
    if labels := [x.strip() for x in (req.arg("labels") or "").split(",") if x.strip()]:
        checks.append(lambda i: set(labels) <= set(i.labels))
    items = [i for i in items if all(check(i) for check in checks)]
    sort = req.arg("sort", "created")
    if sort not in {"created", "updated", "comments"}:
        raise Unprocessable("sort must be one of created, updated, comments")
    key: Callable[[Listed], tuple[datetime, int]] = (
        (lambda i: (updated_at(i, now), i.number))
        if sort == "updated"
        else (lambda i: (i.created_at, i.number))
    )
    items.sort(key=key, reverse=req.arg("direction", "desc") != "asc")
    page, headers = vendor.paginate(req, items)
    web = vendor.state.web.get("pagerduty", req.base_url)
    body = [issue_object(req.base_url, ds, i, now, pagerduty_web=web) for i in page]
    return Response.json(200, body, headers)
