"""GitHub issues that may name a PagerDuty incident (the incident tickets job), through
PyGithub."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any

from github import Github

from oncall_site.integrations.errors import BadPayload
from oncall_site.integrations.github.client import GITHUB, Config, upstream_errors
from oncall_site.integrations.github.resources import _repo, raw_of, streamed
from oncall_site.integrations.github.types import Issue


def iter_issues(
    client: Github,
    config: Config,
    *,
    since: datetime,
    on_unreadable: Callable[[Mapping[str, Any], BadPayload], None] | None = None,
) -> Iterator[Issue]:
    """Issues of every state updated at or after `since`, least recently updated first.
    GitHub's list has pull requests in it too (they carry `pull_request`): skipped here. An
    issue that cannot be read goes to `on_unreadable` (or raises) and the list goes on.

    Reference: https://docs.github.com/en/rest/issues/issues#list-repository-issues
    """
    with upstream_errors(config):
        issues = _repo(client, config).get_issues(
            state="all", sort="updated", direction="asc", since=since
        )
        for item in streamed(issues):
            raw = raw_of(item)
            if raw.get("pull_request") is not None:
                continue
            try:
                yield normalize_issue(raw)
            except BadPayload as exc:
                if on_unreadable is None:
                    raise
                on_unreadable(raw, exc)


def normalize_issue(raw: Mapping[str, Any]) -> Issue:
    """One issue of the list; a title or body that is not text counts as empty.

    Reference: https://docs.github.com/en/rest/issues/issues#get-an-issue
    """
    raw = GITHUB.mapping(raw, "issue")
    try:
        number = int(GITHUB.required(raw, "number", "issue"))
    except (TypeError, ValueError):
        raise GITHUB.bad(f"issue number {raw.get('number')!r} is not a number") from None
    what = f"issue {number}"
    created_at = GITHUB.required_timestamp(raw, "created_at", what)
    title, body = raw.get("title"), raw.get("body")
    return Issue(
        number=number,
        title=title if isinstance(title, str) else "",
        body=body if isinstance(body, str) else "",
        state=str(raw.get("state") or "open"),
        html_url=str(GITHUB.required(raw, "html_url", what)),
        created_at=created_at,
        updated_at=GITHUB.timestamp(raw.get("updated_at"), "updated_at") or created_at,
    )
