"""GitHub's building blocks: users, repositories, the workflow, labels, the Actions app.

`base` is the API root the client used (`http://127.0.0.1:8701`); every `url`-style field
is built on it, and `html_url`s too (as on GitHub Enterprise, where the web UI shares the
host), so no link leads off the sandbox.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

from .facts import BOT_ACTIONS, BOT_DEPENDABOT, Facts
from .models import JSON
from .rng import Rand
from .timeutil import iso


def fake_sha(*keys: object) -> str:
    """A stable 40-hex sha for commits the data only implies (merge commits, parents)."""
    return Rand("implied-commit", *keys).hex("sha")


def node_id(kind: str, number: int) -> str:
    return base64.b64encode(f"0{len(kind)}:{kind}{number}".encode()).decode().rstrip("=")


def merged(payload: JSON, extra: JSON) -> JSON:
    return {**payload, **extra} if extra else payload


def user(base: str, facts: Facts, login: str) -> JSON:
    """A simple-user: an engineer, a bot, or the organization."""
    if login == BOT_DEPENDABOT[0]:
        uid, node, kind = BOT_DEPENDABOT[1], BOT_DEPENDABOT[2], "Bot"
    elif login == BOT_ACTIONS[0]:
        uid, node, kind = BOT_ACTIONS[1], BOT_ACTIONS[2], "Bot"
    elif login == facts.owner:
        uid, node, kind = facts.owner_id, node_id("Organization", facts.owner_id), "Organization"
    else:
        person = facts.person_by_login(login)
        uid = person.github_id if person else 71009000 + sum(map(ord, login))
        node, kind = node_id("User", uid), "User"
    api = f"{base}/users/{login}"
    return {
        "login": login,
        "id": uid,
        "node_id": node,
        "avatar_url": f"{base}/avatars/{login}.png",
        "gravatar_id": "",
        "url": api,
        "html_url": f"{base}/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": kind,
        "site_admin": False,
    }


_REPO_TEMPLATES = {
    "archive_url": "/{archive_format}{/ref}",
    "assignees_url": "/assignees{/user}",
    "blobs_url": "/git/blobs{/sha}",
    "branches_url": "/branches{/branch}",
    "collaborators_url": "/collaborators{/collaborator}",
    "comments_url": "/comments{/number}",
    "commits_url": "/commits{/sha}",
    "compare_url": "/compare/{base}...{head}",
    "contents_url": "/contents/{+path}",
    "contributors_url": "/contributors",
    "deployments_url": "/deployments",
    "downloads_url": "/downloads",
    "events_url": "/events",
    "forks_url": "/forks",
    "git_commits_url": "/git/commits{/sha}",
    "git_refs_url": "/git/refs{/sha}",
    "git_tags_url": "/git/tags{/sha}",
    "issue_comment_url": "/issues/comments{/number}",
    "issue_events_url": "/issues/events{/number}",
    "issues_url": "/issues{/number}",
    "keys_url": "/keys{/key_id}",
    "labels_url": "/labels{/name}",
    "languages_url": "/languages",
    "merges_url": "/merges",
    "milestones_url": "/milestones{/number}",
    "notifications_url": "/notifications{?since,all,participating}",
    "pulls_url": "/pulls{/number}",
    "releases_url": "/releases{/id}",
    "stargazers_url": "/stargazers",
    "statuses_url": "/statuses/{sha}",
    "subscribers_url": "/subscribers",
    "subscription_url": "/subscription",
    "tags_url": "/tags",
    "teams_url": "/teams",
    "trees_url": "/git/trees{/sha}",
    "hooks_url": "/hooks",
}


def repo_minimal(base: str, facts: Facts) -> JSON:
    api = f"{base}/repos/{facts.repository}"
    host = base.split("://", 1)[1]
    out: JSON = {
        "id": facts.repository_id,
        "node_id": node_id("Repository", facts.repository_id),
        "name": facts.repo_name,
        "full_name": facts.repository,
        "owner": user(base, facts, facts.owner),
        "private": True,
        "html_url": f"{base}/{facts.repository}",
        "description": "Benefits platform: shared services and partner apps",
        "fork": False,
        "url": api,
        "git_url": f"git://{host}/{facts.repository}.git",
        "ssh_url": f"git@{host}:{facts.repository}.git",
        "clone_url": f"{base}/{facts.repository}.git",
    }
    out.update({key: api + suffix for key, suffix in _REPO_TEMPLATES.items()})
    return out


def repo_full(base: str, facts: Facts, now: datetime, open_issues: int) -> JSON:
    """The `full-repository` PyGithub reads for `get_repo()`."""
    return repo_minimal(base, facts) | {
        "mirror_url": None,
        "svn_url": f"{base}/{facts.repository}",
        "homepage": None,
        "language": "Java",
        "forks_count": 0,
        "forks": 0,
        "stargazers_count": 3,
        "watchers_count": 3,
        "watchers": 3,
        "size": 48213,
        "default_branch": facts.default_branch,
        "open_issues_count": open_issues,
        "open_issues": open_issues,
        "is_template": False,
        "topics": ["benefits", "platform"],
        "has_issues": True,
        "has_projects": False,
        "has_wiki": True,
        "has_pages": False,
        "has_downloads": True,
        "has_discussions": False,
        "archived": False,
        "disabled": False,
        "visibility": "private",
        "pushed_at": iso(now),
        "created_at": "2022-02-07T15:20:11Z",
        "updated_at": iso(now),
        "permissions": {
            "admin": False,
            "maintain": False,
            "push": True,
            "triage": True,
            "pull": True,
        },
        "allow_rebase_merge": False,
        "allow_squash_merge": True,
        "allow_merge_commit": False,
        "allow_auto_merge": True,
        "delete_branch_on_merge": True,
        "allow_forking": False,
        "web_commit_signoff_required": False,
        "license": None,
        "network_count": 0,
        "subscribers_count": 9,
    }


def workflow(base: str, facts: Facts) -> JSON:
    api = f"{base}/repos/{facts.repository}/actions/workflows/{facts.workflow_id}"
    return {
        "id": facts.workflow_id,
        "node_id": node_id("Workflow", facts.workflow_id),
        "name": facts.workflow_name,
        "path": f".github/workflows/{facts.workflow_file}",
        "state": "active",
        "created_at": "2022-06-14T18:02:44Z",
        "updated_at": "2025-11-03T14:12:09Z",
        "url": api,
        "html_url": f"{base}/{facts.repository}/blob/{facts.default_branch}/.github/workflows/{facts.workflow_file}",
        "badge_url": f"{base}/{facts.repository}/workflows/{facts.workflow_name}/badge.svg",
    }


def git_person(facts: Facts, login: str) -> tuple[str, str]:
    person = facts.person_by_login(login)
    if person is not None:
        return person.name, person.email
    if login == BOT_DEPENDABOT[0]:
        return "dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com"
    return login, f"{login}@users.noreply.github.com"


def label(base: str, facts: Facts, name: str) -> JSON:
    label_id = 4_100_000_000 + sum(map(ord, name)) * 97
    colors = {
        "dependencies": "0366d6",
        "python": "2b67c6",
        "java": "ffa221",
        "docker": "21ceff",
        "github_actions": "000000",
    }
    return {
        "id": label_id,
        "node_id": node_id("Label", label_id),
        "url": f"{base}/repos/{facts.repository}/labels/{name}",
        "name": name,
        "description": "Pull requests that update a dependency file"
        if name == "dependencies"
        else "",
        "color": colors.get(name, "ededed"),
        "default": False,
    }


def actions_app(base: str, facts: Facts) -> JSON:
    return {
        "id": 15368,
        "slug": "github-actions",
        "node_id": "MDM6QXBwMTUzNjg=",
        "client_id": "Iv1.05c79e9ad1f6bdfa",
        "owner": user(base, facts, "github"),
        "name": "GitHub Actions",
        "description": "Automate your workflow from idea to production",
        "external_url": "https://help.github.com/en/actions",
        "html_url": f"{base}/apps/github-actions",
        "created_at": "2018-07-30T09:30:17Z",
        "updated_at": "2024-04-10T20:33:16Z",
        "permissions": {
            "actions": "write",
            "checks": "write",
            "contents": "write",
            "metadata": "read",
        },
        "events": ["check_run", "check_suite", "pull_request", "push", "workflow_dispatch"],
    }


def rate_limit(limit: int, remaining: int, reset: int) -> dict[str, Any]:
    core = {"limit": limit, "remaining": remaining, "reset": reset, "used": limit - remaining}
    idle = {"limit": 30, "remaining": 30, "reset": reset, "used": 0}
    return {
        "resources": {
            "core": core,
            "search": idle,
            "graphql": {**idle, "limit": 5000, "remaining": 5000},
            "code_scanning_upload": {**idle, "limit": 1000, "remaining": 1000},
        },
        "rate": core,
    }
