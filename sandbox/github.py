"""Fake GitHub REST API: the SecRel workflow, pull requests, checks, security alerts, issues.

Pagination is GitHub's: `per_page` (default 30, at most 100) and `page`, with a `Link`
header (`next`, `last`, `first`, `prev`) on this server's own host; Dependabot alerts use
cursors (`after`/`before`) instead. Workflow-run searches with a filter stop at 1,000
results, as GitHub documents; `total_count` still reports the full number.
"""

from __future__ import annotations

import base64
import hmac
import threading
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from math import ceil
from typing import Any, TypeVar

from . import deployments, github_issues, web_pages
from . import github_objects as objects
from . import github_render as render
from .dataset import Dataset, pull_sha, run_sha
from .faults import Fault
from .models import CreatedIssue, DependabotAlert, PullRequest, WorkflowRun
from .server import (
    BadRequest,
    NotFound,
    Request,
    Response,
    SandboxState,
    Unprocessable,
    Vendor,
    route,
)
from .timeutil import Range, parse_github_created

T = TypeVar("T")
DOCS = "https://docs.github.com/rest"
FILTERED_RUNS_CAP = 1000
RATE_LIMIT = 5000  # core requests an hour, counted down by every answer
UNCOUNTED = {"github.rate_limit", "github.unknown"}
RUN_STATUSES = {
    "completed",
    "in_progress",
    "queued",
    "requested",
    "waiting",
    "pending",
    "action_required",
}


class GitHub(Vendor):
    name = "github"

    def __init__(self, state: SandboxState) -> None:
        super().__init__(state)
        repo = "/repos/{owner}/{repo}"
        self.routes = [
            route("GET", "/rate_limit", "github.rate_limit", self.rate_limit),
            route("GET", repo, "github.repo", self.get_repo),
            route("GET", repo + "/actions/workflows", "github.workflows", self.list_workflows),
            route(
                "GET",
                repo + "/actions/workflows/{workflow_id}",
                "github.workflow",
                self.get_workflow,
            ),
            route(
                "GET",
                repo + "/actions/workflows/{workflow_id}/runs",
                "github.workflow_runs",
                self.list_runs,
            ),
            route("GET", repo + "/actions/runs/{run_id}", "github.run", self.get_run),
            route("GET", repo + "/actions/runs/{run_id}/jobs", "github.jobs", self.list_jobs),
            route("GET", repo + "/pulls", "github.pulls", self.list_pulls),
            route("GET", repo + "/pulls/{pull_number}", "github.pull", self.get_pull),
            route(
                "GET",
                repo + "/commits/{ref+}/check-runs",
                "github.check_runs",
                self.list_check_runs,
            ),
            route("GET", repo + "/commits/{ref+}/status", "github.status", self.get_status),
            route("GET", repo + "/commits/{ref+}", "github.commit", self.get_commit),
            route(
                "GET",
                repo + "/code-scanning/alerts",
                "github.code_scanning_alerts",
                self.list_code_scanning,
            ),
            route(
                "GET", repo + "/dependabot/alerts", "github.dependabot_alerts", self.list_dependabot
            ),
            route("POST", repo + "/issues", "github.create_issue", self.create_issue),
            *deployments.routes(self, repo),
            route("GET", repo + "/issues", "github.issues", self.list_issues),
            *web_pages.github_pages(self),
        ]
        self._rate_lock = threading.Lock()
        self._window = int(time.time()) // 3600
        self._used = 0

    # --- shapes --------------------------------------------------------------------------

    def error(self, status: int, message: str) -> Response:
        return Response.json(
            status, {"message": message, "documentation_url": DOCS, "status": str(status)}
        )

    def unauthorized(self) -> Response:
        return self.error(401, "Bad credentials")

    def rate_limited(self, fault: Fault) -> Response:
        status = fault.status or 429
        resp = self.error(status, "API rate limit exceeded for user ID 71002001.")
        reset = int(time.time()) + fault.retry_after
        resp.headers.update(
            {
                "Retry-After": str(fault.retry_after),
                "x-ratelimit-limit": str(RATE_LIMIT),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(reset),
                "x-ratelimit-used": str(RATE_LIMIT),
                "x-ratelimit-resource": "core",
            }
        )
        return resp

    def authenticate(self, req: Request) -> Response | None:
        header = req.headers.get("authorization", "")
        if not header:
            return self.error(401, "Requires authentication")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in {"token", "bearer"} or not hmac.compare_digest(
            token.strip().encode(), self.state.tokens.github.encode()
        ):
            return self.unauthorized()
        if req.endpoint not in UNCOUNTED and self._budget(False)[0] == 0:
            return self.budget_spent()
        return None

    def budget_spent(self) -> Response:
        """GitHub's answer once the hour's budget is spent: 403, `x-ratelimit-remaining: 0`
        and the reset; no `Retry-After` (that is the secondary limit's)."""
        resp = self.error(403, "API rate limit exceeded for user ID 71002001.")
        _, reset = self._budget(False)
        resp.headers.update(
            {
                "x-ratelimit-limit": str(RATE_LIMIT),
                "x-ratelimit-remaining": "0",
                "x-ratelimit-reset": str(reset),
                "x-ratelimit-used": str(RATE_LIMIT),
                "x-ratelimit-resource": "core",
            }
        )
        return resp

    def _budget(self, spend: bool) -> tuple[int, int]:
        """(remaining, reset epoch) of the hourly core budget; real wall time, as clients sleep on it."""
        with self._rate_lock:
            window = int(time.time()) // 3600
            if window != self._window:
                self._window, self._used = window, 0
            if spend and self._used < RATE_LIMIT:
                self._used += 1
            return RATE_LIMIT - self._used, (window + 1) * 3600

    def decorate(self, req: Request, resp: Response) -> None:
        counted = req.endpoint not in UNCOUNTED and resp.status != 401
        remaining, reset = self._budget(counted)
        for name, value in {
            "x-ratelimit-limit": str(RATE_LIMIT),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(reset),
            "x-ratelimit-used": str(RATE_LIMIT - remaining),
            "x-ratelimit-resource": "core",
            "x-github-api-version-selected": "2022-11-28",
            "x-github-media-type": "github.v3; format=json",
        }.items():
            resp.headers.setdefault(name, value)

    # --- helpers -------------------------------------------------------------------------

    def _snapshot(self, owner: str, repo: str) -> tuple[Dataset, datetime]:
        ds, now = self.state.snapshot()
        if f"{owner}/{repo}".lower() != ds.facts.repository.lower():
            raise NotFound
        return ds, now

    def paginate(self, req: Request, items: Sequence[T]) -> tuple[Sequence[T], dict[str, str]]:
        """One page of `items` and the `Link` header GitHub would send with it."""
        per_page = req.int_arg("per_page", 30, lo=1, hi=100)
        page = req.int_arg("page", 1, lo=1)
        last = max(1, ceil(len(items) / per_page))
        chunk = items[(page - 1) * per_page : page * per_page]
        rels: list[tuple[str, int]] = []
        if page < last or req.empty_page:
            rels += [("next", page + 1), ("last", max(last, page + 1))]
        if page > 1:
            rels = [("prev", page - 1), *rels, ("first", 1)]
        if req.empty_page:
            chunk = []  # the fault: nothing here, yet `next` still promises more
        if not rels:
            return chunk, {}
        links = (f'<{self._page_url(req, "page", str(n))}>; rel="{rel}"' for rel, n in rels)
        return chunk, {"Link": ", ".join(links)}

    def _page_url(self, req: Request, key: str, value: str) -> str:
        params = [
            (k, v)
            for k, values in req.query.items()
            for v in values
            if k not in {key, "after", "before"}
        ]
        return req.url(req.path, [*params, (key, value)])

    def _develop_sha(self, ds: Dataset, now: datetime) -> str:
        runs = [
            r
            for r in ds.runs.upto(now)
            if r.head_branch == ds.facts.default_branch and r.event != "pull_request"
        ]
        return run_sha(runs[-1]) if runs else objects.fake_sha("develop")

    def _resolve_ref(self, ds: Dataset, now: datetime, ref: str) -> str | None:
        commits = ds.commit_shas()
        if ref in commits:
            return ref
        if ref in {ds.facts.default_branch, f"refs/heads/{ds.facts.default_branch}"}:
            return self._develop_sha(ds, now)
        # Newest first: PRs can share a head branch (Dependabot reuses the branch name for a
        # later bump), and the branch points at its latest PR's head.
        for pr in reversed(ds.pulls.upto(now)):
            if ref in {pr.head_ref, f"refs/heads/{pr.head_ref}"}:
                return pull_sha(pr)
        return None

    # --- endpoints -----------------------------------------------------------------------

    def rate_limit(self, req: Request) -> Response:
        remaining, reset = self._budget(False)
        return Response.json(200, objects.rate_limit(RATE_LIMIT, remaining, reset))

    def get_repo(self, req: Request, owner: str, repo: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        open_prs = sum(1 for p in ds.pulls.upto(now) if p.state(now) == "open")
        return Response.json(200, objects.repo_full(req.base_url, ds.facts, now, open_prs))

    def list_workflows(self, req: Request, owner: str, repo: str) -> Response:
        ds, _ = self._snapshot(owner, repo)
        return Response.json(
            200, {"total_count": 1, "workflows": [objects.workflow(req.base_url, ds.facts)]}
        )

    def _workflow(self, ds: Dataset, workflow_id: str) -> None:
        facts = ds.facts
        if workflow_id not in {
            str(facts.workflow_id),
            facts.workflow_file,
            f".github/workflows/{facts.workflow_file}",
        }:
            raise NotFound

    def get_workflow(self, req: Request, owner: str, repo: str, workflow_id: str) -> Response:
        ds, _ = self._snapshot(owner, repo)
        self._workflow(ds, workflow_id)
        return Response.json(200, objects.workflow(req.base_url, ds.facts))

    def list_runs(self, req: Request, owner: str, repo: str, workflow_id: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        self._workflow(ds, workflow_id)
        runs: list[WorkflowRun] = ds.runs.upto(now)[::-1]  # newest first
        checks: list[Callable[[WorkflowRun], bool]] = []
        if (branch := req.arg("branch")) is not None:
            checks.append(lambda r: r.head_branch == branch)
        if (event := req.arg("event")) is not None:
            checks.append(lambda r: r.event == event)
        if (actor := req.arg("actor")) is not None:
            checks.append(lambda r: r.actor == actor)
        if (head_sha := req.arg("head_sha")) is not None:
            checks.append(lambda r: run_sha(r) == head_sha)
        if (status := req.arg("status")) is not None:
            if status in RUN_STATUSES:
                checks.append(lambda r: r.status(now) == status)
            else:
                checks.append(lambda r: r.status(now) == "completed" and r.conclusion == status)
        if (created := req.arg("created")) is not None:
            window = _created(created)
            checks.append(lambda r: r.created_at in window)
        filtered = [r for r in runs if all(check(r) for check in checks)]
        searchable = (
            filtered[:FILTERED_RUNS_CAP] if (checks or req.arg("check_suite_id")) else filtered
        )
        page, headers = self.paginate(req, searchable)
        strip = (req.arg("exclude_pull_requests") or "false").lower() == "true"
        rendered = [
            render.run(req.base_url, ds, r, now) | ({"pull_requests": []} if strip else {})
            for r in page
        ]
        return Response.json(
            200, {"total_count": len(filtered), "workflow_runs": rendered}, headers
        )

    def _run(self, ds: Dataset, now: datetime, run_id: str) -> WorkflowRun:
        found = ds.run_by_id.get(int(run_id)) if run_id.isdigit() else None
        if found is None or found.created_at > now:
            raise NotFound
        return found

    def get_run(self, req: Request, owner: str, repo: str, run_id: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        return Response.json(200, render.run(req.base_url, ds, self._run(ds, now, run_id), now))

    def list_jobs(self, req: Request, owner: str, repo: str, run_id: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        found = self._run(ds, now, run_id)
        jobs = render.jobs_of(found)
        page, headers = self.paginate(req, jobs)
        rendered = [render.job(req.base_url, ds.facts, found, j, now) for j in page]
        return Response.json(200, {"total_count": len(jobs), "jobs": rendered}, headers)

    def list_pulls(self, req: Request, owner: str, repo: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        state = req.arg("state", "open")
        if state not in {"open", "closed", "all"}:
            raise BadRequest(f"state must be open, closed or all, not {state!r}")
        pulls = [p for p in ds.pulls.upto(now) if state == "all" or p.state(now) == state]
        if (base := req.arg("base")) is not None:
            pulls = [p for p in pulls if p.base_ref == base]
        if (head := req.arg("head")) is not None:
            ref = head.split(":", 1)[1] if ":" in head else head
            pulls = [p for p in pulls if p.head_ref == ref]
        sort = req.arg("sort", "created")
        descending = req.arg("direction", "desc" if sort == "created" else "asc") == "desc"
        keys: dict[str, Callable[[PullRequest], Any]] = {
            "created": lambda p: p.created_at,
            "updated": lambda p: max(
                t for t in (p.updated_at, p.created_at, p.closed_at) if t and t <= now
            ),
            "popularity": lambda p: p.number,
            "long-running": lambda p: p.created_at,
        }
        if sort not in keys:
            raise Unprocessable(f"sort must be one of {', '.join(keys)}")
        pulls.sort(key=keys[sort], reverse=descending)
        page, headers = self.paginate(req, pulls)
        develop = self._develop_sha(ds, now)
        return Response.json(
            200, [render.pull(req.base_url, ds, p, now, develop) for p in page], headers
        )

    def get_pull(self, req: Request, owner: str, repo: str, pull_number: str) -> Response:
        """A single PR: the list's shape plus what only this call carries (`mergeable`)."""
        ds, now = self._snapshot(owner, repo)
        number = int(pull_number) if pull_number.isdigit() else -1
        found = next((p for p in ds.pulls.upto(now) if p.number == number), None)
        if found is None:
            raise NotFound
        payload = render.pull(req.base_url, ds, found, now, self._develop_sha(ds, now))
        is_open = payload["state"] == "open"
        payload.update(
            merged=payload["merged_at"] is not None,
            mergeable=True if is_open else None,
            rebaseable=True if is_open else None,
            mergeable_state="clean" if is_open else "unknown",
            merged_by=None,
            comments=0,
            review_comments=0,
            maintainer_can_modify=False,
            commits=1,
            additions=2,
            deletions=2,
            changed_files=1,
        )
        return Response.json(200, payload)

    def get_commit(self, req: Request, owner: str, repo: str, ref: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        sha = self._resolve_ref(ds, now, ref)
        known = ds.commit_shas().get(sha or "")
        if sha is None or known is None or known[2] > now:
            raise Unprocessable(f"No commit found for SHA: {ref}")
        message, login, at = known
        return Response.json(200, render.commit(req.base_url, ds.facts, sha, message, login, at))

    def list_check_runs(self, req: Request, owner: str, repo: str, ref: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        sha = self._resolve_ref(ds, now, ref) or ref
        checks = [c for c in ds.check_runs.get(sha, []) if c.started_at <= now]
        if (name := req.arg("check_name")) is not None:
            checks = [c for c in checks if c.name == name]
        if (status := req.arg("status")) is not None:
            checks = [
                c for c in checks if render.check_run(req.base_url, ds, c, now)["status"] == status
            ]
        if req.arg("filter", "latest") == "latest":
            latest = {
                c.name: c for c in checks
            }  # started_at order: the last per name is the latest
            checks = sorted(latest.values(), key=lambda c: c.started_at)
        checks = checks[::-1]
        page, headers = self.paginate(req, checks)
        rendered = [render.check_run(req.base_url, ds, c, now) for c in page]
        return Response.json(200, {"total_count": len(checks), "check_runs": rendered}, headers)

    def get_status(self, req: Request, owner: str, repo: str, ref: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        sha = self._resolve_ref(ds, now, ref)
        if sha is None:
            raise NotFound
        statuses = [s for s in ds.statuses.get(sha, []) if s.created_at <= now]
        body = render.combined_status(req.base_url, ds.facts, sha, statuses)
        page, headers = self.paginate(req, body["statuses"])
        return Response.json(200, body | {"statuses": list(page)}, headers)

    def list_code_scanning(self, req: Request, owner: str, repo: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        alerts = ds.code_scanning.upto(now)
        if (state := req.arg("state")) is not None:
            wanted = {"fixed", "dismissed"} if state == "closed" else {state}
            alerts = [a for a in alerts if a.state(now) in wanted]
        if (tool := req.arg("tool_name")) is not None:
            alerts = [a for a in alerts if a.tool == tool]
        if req.arg("tool_guid") is not None:
            alerts = []  # none of the uploaded analyses carry a GUID
        descending = req.arg("direction", "desc") == "desc"
        if req.arg("sort", "created") == "updated":
            alerts = sorted(
                alerts,
                key=lambda a: max(
                    t for t in (a.created_at, a.fixed_at, a.dismissed_at) if t and t <= now
                ),
                reverse=descending,
            )
        else:
            alerts = sorted(alerts, key=lambda a: (a.created_at, a.number), reverse=descending)
        page, headers = self.paginate(req, alerts)
        return Response.json(
            200, [render.code_scanning_alert(req.base_url, ds.facts, a, now) for a in page], headers
        )

    def list_dependabot(self, req: Request, owner: str, repo: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        alerts = ds.dependabot.upto(now)
        filters: tuple[tuple[str, Callable[[DependabotAlert], object]], ...] = (
            ("state", lambda a: a.state(now)),
            ("severity", lambda a: a.severity),
            ("ecosystem", lambda a: a.ecosystem),
            ("package", lambda a: a.package),
            ("manifest", lambda a: a.manifest_path),
            ("scope", lambda a: a.scope),
        )
        for param, value_of in filters:
            if (raw := req.arg(param)) is not None:
                wanted = {v.strip() for v in raw.split(",") if v.strip()}
                alerts = [a for a in alerts if value_of(a) in wanted]
        descending = req.arg("direction", "desc") == "desc"
        if req.arg("sort", "created") == "updated":
            alerts = sorted(
                alerts,
                key=lambda a: max(
                    t for t in (a.created_at, a.fixed_at, a.dismissed_at) if t and t <= now
                ),
                reverse=descending,
            )
        else:
            alerts = sorted(alerts, key=lambda a: (a.created_at, a.number), reverse=descending)
        if req.arg("page") is not None:
            page, headers = self.paginate(req, alerts)
        else:
            page, headers = self._cursor_page(req, alerts, lambda a: a.number)
        return Response.json(
            200, [render.dependabot_alert(req.base_url, ds.facts, a, now) for a in page], headers
        )

    def _cursor_page(
        self, req: Request, items: Sequence[T], key: Callable[[T], int]
    ) -> tuple[Sequence[T], dict[str, str]]:
        """Cursor pagination: `after`/`before` name an item; Link carries the next cursor."""
        per_page = req.int_arg("per_page", 30, lo=1, hi=100)
        positions = {key(item): n for n, item in enumerate(items)}
        start, end = 0, len(items)
        if (after := req.arg("after")) is not None:
            start = positions.get(_decode_cursor(after), -1) + 1
        if (before := req.arg("before")) is not None:
            end = positions.get(_decode_cursor(before), len(items))
            start = max(start, end - per_page)
        chunk = items[start : min(end, start + per_page)]
        rels: list[tuple[str, str]] = []
        if (chunk and start + len(chunk) < end) or req.empty_page:
            anchor = chunk[-1] if chunk else (items[start - 1] if start else None)
            rels.append(
                ("next", _encode_cursor(key(anchor)) if anchor is not None else _encode_cursor(0))
            )
        if start > 0 and chunk:
            rels.append(("prev", _encode_cursor(key(chunk[0]))))
        if req.empty_page:
            chunk = []
        links = [
            f'<{self._page_url(req, "after" if rel == "next" else "before", cursor)}>; rel="{rel}"'
            for rel, cursor in rels
        ]
        return chunk, ({"Link": ", ".join(links)} if links else {})

    def list_issues(self, req: Request, owner: str, repo: str) -> Response:
        return github_issues.list_issues(self, req, owner, repo)

    def create_issue(self, req: Request, owner: str, repo: str) -> Response:
        ds, now = self._snapshot(owner, repo)
        payload = req.json()
        if (
            not isinstance(payload, dict)
            or not isinstance(payload.get("title"), str | int)
            or payload["title"] == ""
        ):
            raise Unprocessable('Invalid request.\n\n"title" wasn\'t supplied.')
        labels = tuple(
            label["name"] if isinstance(label, dict) else str(label)
            for label in payload.get("labels") or []
        )
        assignees = tuple(
            payload.get("assignees") or ([payload["assignee"]] if payload.get("assignee") else [])
        )
        author = ds.facts.people[0].github_login  # the token's owner
        issue = self.state.record_issue(
            lambda number: CreatedIssue(
                number=number,
                title=str(payload["title"]),
                body=payload.get("body"),
                labels=labels,
                assignees=assignees,
                created_at=now,
            )
        )
        body = render.issue(req.base_url, ds.facts, issue, author)
        return Response.json(201, body, {"Location": body["url"]})


def _created(text: str) -> Range:
    try:
        return parse_github_created(text)
    except ValueError:
        raise Unprocessable(f"Invalid created filter: {text!r}") from None


def _encode_cursor(number: int) -> str:
    return base64.urlsafe_b64encode(f"cursor:v2:{number}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        return int(text.rsplit(":", 1)[1])
    except (ValueError, IndexError):
        raise BadRequest(f"Invalid cursor: {cursor!r}") from None
