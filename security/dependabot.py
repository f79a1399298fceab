"""The Dependabot review queue's rules, as pure functions: no ORM, no clock.

What a PR is (DESIGN.md, "Security"): Dependabot names the update in the PR's title and the
ecosystem in its head branch. `parse_bump` reads both:

- the ecosystem is the head branch's second part, `dependabot/<ecosystem>/...` (pip,
  npm_and_yarn, docker, github_actions, gradle, maven, bundler, go_modules, ...); a branch
  named with another separator (`dependabot-pip-...`) is read against the known ecosystems;
  anything else has no ecosystem ("");
- titles, after any commit prefix a repository configures (`chore(deps): `, `[Security] `):
  "Bump P from A to B[ in the G group][ in /dir]", "Update P requirement from A to B[ in
  /dir]", "Bump the G group[ in /dir][ across N directories] with N update(s)" (a group:
  no package, no versions), "Bump P and Q[ in /dir]" (several packages, no versions);
- a title that reads as none of these is kept as it is (`parsed` False), never an error.

The semver level of a bump (`semver_level`) is the most significant of major, minor and
patch that differs between the two versions, read positionally (so 0.1 -> 0.2 is "minor"
even though semver treats 0.x minors as breaking, as Dependabot's own update types do).
A version is read after dropping a `v` prefix, a requirement operator (`~> `, `^`, `>=`,
...) and the backticks Dependabot puts around a short SHA; missing parts count as 0
(`12.3` is `12.3.0`). When the releases are equal and only a pre-release or build label or
a fourth part differs, the level is "patch". "unknown" when either side is not a version
(a docker tag such as `17.0.9_9-jre`, a SHA, a range) or the two are the same.

The queue (`queue_group`), for an open PR:
- "attention" (needs attention) when CI failed or GitHub says it cannot be merged;
- else "ready" (ready to merge) when CI passed, GitHub says it can be merged, and it is
  not a draft;
- else "waiting": CI still running (or nothing reported yet), GitHub has not computed
  whether it merges, or a draft.

Figures over a window [since, until), known at `as_of` (`dependabot_figures`):
- the queue is read at the window's end, or at `as_of` if that is earlier: `open` counts
  the PRs opened by then and not closed by then;
- CI states are not kept over time, only each PR's state as last synced: the split of
  `open` into ready / failing / waiting is given only for a window still running at
  `as_of` (None for a finished window);
- `merged` counts the PRs merged in the window (`since <= merged < until`) by `as_of`;
  `median_hours_to_merge` is the median of (merged - opened) over them, None when none.
A PR known to be closed but without a closing time (closed before we recorded one) is
never counted open.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

MAJOR, MINOR, PATCH, UNKNOWN = "major", "minor", "patch", "unknown"
LEVELS = (MAJOR, MINOR, PATCH)
READY, ATTENTION, WAITING = "ready", "attention", "waiting"
GROUPS = (ATTENTION, READY, WAITING)  # the order a person works through them

ECOSYSTEMS = {
    "bun": "Bun",
    "bundler": "Bundler",
    "cargo": "Cargo",
    "composer": "Composer",
    "devcontainers": "Dev containers",
    "docker": "Docker",
    "docker_compose": "Docker Compose",
    "dotnet_sdk": ".NET SDK",
    "elm": "Elm",
    "github_actions": "GitHub Actions",
    "gitsubmodule": "Git submodules",
    "go_modules": "Go modules",
    "gradle": "Gradle",
    "helm": "Helm",
    "hex": "Hex",
    "maven": "Maven",
    "npm_and_yarn": "npm",
    "nuget": "NuGet",
    "pip": "pip",
    "pub": "pub",
    "swift": "Swift",
    "terraform": "Terraform",
    "uv": "uv",
}
# Longest first, so `docker_compose` is not read as `docker` in `dependabot-docker_compose-x`.
_BY_LENGTH = sorted(ECOSYSTEMS, key=len, reverse=True)

# The verb, after whatever prefix the repository's commit-message settings add.
_VERB = re.compile(r"^(?P<prefix>.*?)\b(?P<verb>bump|update)\s+(?P<rest>.+)$", re.I | re.S)
_DIR = r"(?: in (?P<directory>/\S*))?"
_GROUP = re.compile(
    r"^the (?P<group>.+?) group" + _DIR + r"(?: across (?P<directories>\d+) directories)?"
    r" with (?P<updates>\d+) updates?$",
    re.I,
)
_REQUIREMENT = re.compile(
    r"^(?P<package>\S+) requirement from (?P<from>.+?) to (?P<to>.+?)" + _DIR + "$", re.I
)
_SINGLE = re.compile(
    r"^(?P<package>\S+) from (?P<from>\S+) to (?P<to>\S+)"
    r"(?: in the (?P<group>.+?) group)?" + _DIR + "$",
    re.I,
)
_SEVERAL = re.compile(r"^(?P<packages>\S+(?:, \S+)* and \S+)" + _DIR + "$", re.I)

_SHA = re.compile(r"^(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}$")
_OPERATOR = re.compile(r"^(?:~>|~=|==|>=|<=|!=|\^|~|=|>|<)\s*")
# A release (1, 1.2, 1.2.3, 1.2.3.4) and an optional label: `-rc.1`, `+build`, `.Final`,
# or PEP 440's `rc1`, `b2`, `.dev3`, `.post1`. A SHA such as `8e5e7e5` is not a version.
_VERSION = re.compile(
    r"^(?P<release>\d+(?:\.\d+)*)"
    r"(?P<label>(?:[-+][0-9A-Za-z][0-9A-Za-z.+-]*|\.[A-Za-z][0-9A-Za-z.+-]*"
    r"|(?:a|b|c|rc|alpha|beta|pre|preview|dev|post)\d*(?:[-+.][0-9A-Za-z.+-]*)?)?)$",
    re.I,
)


@dataclass(frozen=True)
class Bump:
    """What a Dependabot PR updates. Empty strings where the title or branch does not say."""

    title: str
    ecosystem: str = ""
    package: str = ""
    from_version: str = ""
    to_version: str = ""
    level: str = UNKNOWN
    directory: str = ""
    group: str = ""  # a grouped update's group name
    updates: int | None = None  # how many dependencies a grouped update bumps
    parsed: bool = False

    @property
    def ecosystem_label(self) -> str:
        return ECOSYSTEMS.get(self.ecosystem, self.ecosystem)


def ecosystem_of(head_ref: str) -> str:
    """The ecosystem from Dependabot's branch name, `dependabot/<ecosystem>/...`; "" if none."""
    if not head_ref.startswith("dependabot") or len(head_ref) < 12:
        return ""
    separator, rest = head_ref[10], head_ref[11:]
    if separator == "/":
        return rest.split("/", 1)[0]
    for key in _BY_LENGTH:  # a configured separator ("-", "_", "."): the known names only
        if rest.startswith(key + separator):
            return key
    return ""


def _version(raw: str) -> tuple[tuple[int, ...], str] | None:
    text = raw.strip()
    # Dependabot shows a SHA as `1a2b3c4`; a long string is no version (and no int to parse).
    if len(text) > 100 or text.startswith("`") or _SHA.match(text):
        return None
    text = _OPERATOR.sub("", text)
    if text[:1] in {"v", "V"}:
        text = text[1:]
    match = _VERSION.match(text)
    if match is None:
        return None
    release = tuple(int(part) for part in match["release"].split("."))
    return release, match["label"]


def semver_level(from_version: str, to_version: str) -> str:
    """major, minor or patch: the most significant part that differs; unknown when either
    side is not a version or nothing differs (see the module's docstring)."""
    old, new = _version(from_version), _version(to_version)
    if old is None or new is None or old == new:
        return UNKNOWN
    (old_release, old_label), (new_release, new_label) = old, new
    width = max(len(old_release), len(new_release), 3)
    old_parts = old_release + (0,) * (width - len(old_release))
    new_parts = new_release + (0,) * (width - len(new_release))
    for level, a, b in zip(LEVELS, old_parts, new_parts, strict=False):
        if a != b:
            return level
    if old_parts != new_parts or old_label != new_label:
        return PATCH  # a fourth part or a pre-release label
    return UNKNOWN  # 1.0 and 1.0.0: the same version written two ways


def parse_bump(title: str, head_ref: str = "") -> Bump:
    """The update a Dependabot PR makes, from its title and head branch; never raises."""
    title = " ".join((title or "").split())
    ecosystem = ecosystem_of(head_ref or "")
    verb = _VERB.match(title)
    if verb is None or len(verb["prefix"]) > 40:
        return Bump(title=title, ecosystem=ecosystem)
    rest, is_update = verb["rest"], verb["verb"].lower() == "update"
    if not is_update and (match := _GROUP.match(rest)):
        return Bump(
            title=title,
            ecosystem=ecosystem,
            directory=match["directory"] or "",
            group=match["group"],
            updates=int(match["updates"]),
            parsed=True,
        )
    match = (_REQUIREMENT if is_update else _SINGLE).match(rest)
    if match:
        old, new = match["from"], match["to"]
        group = match.groupdict().get("group") or ""
        return Bump(
            title=title,
            ecosystem=ecosystem,
            package=match["package"],
            from_version=old.strip("`"),
            to_version=new.strip("`"),
            level=semver_level(old, new),
            directory=match["directory"] or "",
            group=group,
            updates=1 if group else None,
            parsed=True,
        )
    if not is_update and (match := _SEVERAL.match(rest)):
        return Bump(
            title=title,
            ecosystem=ecosystem,
            package=match["packages"],
            directory=match["directory"] or "",
            parsed=True,
        )
    return Bump(title=title, ecosystem=ecosystem)


def queue_group(*, ci_status: str, mergeable: bool | None, draft: bool) -> str:
    """attention, ready or waiting, for an open PR (see the module's docstring)."""
    if ci_status == "failure" or mergeable is False:
        return ATTENTION
    if ci_status == "success" and mergeable is True and not draft:
        return READY
    return WAITING


def age(opened_at: datetime, now: datetime) -> timedelta:
    """How long a PR has been open at `now`; never negative (a PR stamped after `now`, a
    clock ahead of ours, is new, not minus an hour old)."""
    return max(_utc(now, "now") - _utc(opened_at, "opened_at"), timedelta(0))


def time_to_merge(opened_at: datetime, merged_at: datetime | None) -> timedelta | None:
    """None when unmerged, or merged before it opened (bad data, left unmeasured)."""
    if merged_at is None:
        return None
    span = _utc(merged_at, "merged_at") - _utc(opened_at, "opened_at")
    return None if span < timedelta(0) else span


def _utc(value: datetime, name: str) -> datetime:
    """`value` in UTC: two aware datetimes sharing a zone subtract as wall clocks in Python,
    an hour off across a daylight-saving change."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value.isoformat()}")
    return value if value.tzinfo is UTC else value.astimezone(UTC)


@dataclass(frozen=True)
class PRFacts:
    """What the figures need of one PR. `closed` is True for a PR known to be closed, with
    or without `closed_at`."""

    number: int
    opened_at: datetime
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    ci_status: str = "pending"
    mergeable: bool | None = None
    draft: bool = False
    closed: bool = False

    def __post_init__(self) -> None:
        for name in ("opened_at", "closed_at", "merged_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is not UTC:  # as the database reads them
                object.__setattr__(self, name, _utc(value, f"PR #{self.number} {name}"))

    def is_open_at(self, moment: datetime) -> bool:
        if self.opened_at > moment:
            return False
        if self.closed_at is not None:
            return self.closed_at > moment
        return not self.closed

    def is_merged_in(self, since: datetime, until: datetime, as_of: datetime) -> bool:
        merged = self.merged_at
        return merged is not None and since <= merged < until and merged <= as_of

    @property
    def hours_to_merge(self) -> float | None:
        span = time_to_merge(self.opened_at, self.merged_at)
        return None if span is None else span.total_seconds() / 3600


@dataclass(frozen=True)
class DependabotFigures:
    open: int
    ready_to_merge: int | None
    failing: int | None
    waiting: int | None
    merged: int
    median_hours_to_merge: float | None


def median_hours_to_merge(merged: Iterable[PRFacts]) -> float | None:
    hours = [h for pr in merged if (h := pr.hours_to_merge) is not None]
    return statistics.median(hours) if hours else None


def dependabot_figures(
    prs: Iterable[PRFacts], *, since: datetime, until: datetime, as_of: datetime
) -> DependabotFigures:
    """The queue and the merges of a window (see the module's docstring)."""
    if until < since:
        raise ValueError("the window ends before it starts")
    since, until, as_of = _utc(since, "since"), _utc(until, "until"), _utc(as_of, "as_of")
    prs = list(prs)
    moment = min(until, as_of)
    queue = [pr for pr in prs if pr.is_open_at(moment)]
    merged = [pr for pr in prs if pr.is_merged_in(since, until, as_of)]
    split: dict[str, int | None] = dict.fromkeys(GROUPS, None)
    if until > as_of:
        split = dict.fromkeys(GROUPS, 0)
        for pr in queue:
            group = queue_group(ci_status=pr.ci_status, mergeable=pr.mergeable, draft=pr.draft)
            split[group] = (split[group] or 0) + 1
    return DependabotFigures(
        open=len(queue),
        ready_to_merge=split[READY],
        failing=split[ATTENTION],
        waiting=split[WAITING],
        merged=len(merged),
        median_hours_to_merge=median_hours_to_merge(merged),
    )


def to_json(figures: DependabotFigures) -> dict[str, int | float | None]:
    """The object the metrics API puts under `security.dependabot`."""
    hours = figures.median_hours_to_merge
    return {
        "open": figures.open,
        "ready_to_merge": figures.ready_to_merge,
        "failing": figures.failing,
        "waiting": figures.waiting,
        "merged": figures.merged,
        "median_hours_to_merge": None if hours is None else round(hours, 2),
    }
