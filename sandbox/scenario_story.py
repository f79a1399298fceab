"""The story every demo tells, whatever the seed, placed relative to the start.

- **An Aqua finding turns SecRel red on develop** (five weeks before the start): Trivy finds
  an openssl flaw in the images, and every run on develop fails at the "Aqua gate check"
  and publishes no signed images. Beside it, runs on other branches come and go: the
  on-call pair re-runs SecRel on develop by hand (red again), a Dependabot PR's run fails
  on the same finding, a manual dispatch on `main` and a PR pinning the base images pass.
  The streak ends when the finding gets an exception: the alert is dismissed upstream
  ("won't fix", the comment naming the exception), and the next run on develop is green.
- **Another such streak is going on at the start** (libexpat, critical), about a day old,
  with the same runs beside it; its exception comes a few hours in.
- **Dependabot fixes a Snyk finding** (three and a half weeks before): an advisory for
  `requests` raises a Dependabot alert, Dependabot opens its PR to the fixed version, Snyk
  reports the same package; the PR merges a day later, the Dependabot alert is fixed
  minutes after and the Snyk alert when the push run after the merge uploads its results.
- **GitHub dropped some scheduled runs**: the Monday after each daylight-saving change
  (so the schedule's DST case has a missed day) and a Thursday about two months back.
- **The Dependabot queue has one PR in each group** at the start: ready to merge, failing
  its unit tests, and a major update a person turned into a draft until the workflows
  are ready for it (waiting).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .facts import BOT_DEPENDABOT, Facts
from .models import (
    CheckRun,
    CodeScanningAlert,
    CommitStatus,
    DependabotAlert,
    PullRequest,
    WorkflowRun,
)
from .placement import Ids
from .rng import Rand
from .scenario_github import PullBundle
from .scenario_security import Vulnerability
from .secrel import AQUA_GATE

DEPENDABOT = BOT_DEPENDABOT[0]
# Random vulnerabilities keep this far from the story's stretches, so only the story breaks
# SecRel there.
CLEARANCE = timedelta(days=1)


@dataclass
class PlannedPull:
    """A PR the history adds when its turn comes (PR numbers follow creation order)."""

    at: datetime
    build: Callable[[int], PullBundle]


@dataclass
class Story:
    streaks: list[Vulnerability] = field(default_factory=list)
    quiet: list[tuple[datetime, datetime]] = field(default_factory=list)
    runs: list[WorkflowRun] = field(default_factory=list)
    pulls: list[PlannedPull] = field(default_factory=list)
    code_scanning: list[CodeScanningAlert] = field(default_factory=list)
    dependabot: list[DependabotAlert] = field(default_factory=list)
    missed: frozenset[date] = frozenset()

    def clear_of(self, v: Vulnerability) -> bool:
        """Whether a random vulnerability keeps out of the story's stretches."""
        return all(v.end + CLEARANCE <= lo or v.start - CLEARANCE >= hi for lo, hi in self.quiet)


def _weekday_on_or_before(day: date, weekday: int) -> date:
    return day - timedelta(days=(day.weekday() - weekday) % 7)


def _utc(day: date, hour: int, minute: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def daylight_saving_mondays(lo: datetime, hi: datetime, zone: ZoneInfo) -> list[date]:
    """The Mondays in [lo, hi) right after the zone's clocks changed (on the Sunday)."""
    out = []
    day = _weekday_on_or_before(lo.date(), 0)
    while day < hi.date():
        before = datetime.combine(day - timedelta(days=2), time(12), tzinfo=zone).utcoffset()
        after = datetime.combine(day, time(12), tzinfo=zone).utcoffset()
        if before != after and lo.date() <= day:
            out.append(day)
        day += timedelta(days=7)
    return out


def tell(rand: Rand, ids: Ids, facts: Facts, start: datetime, lo: datetime, hi: datetime) -> Story:
    """The story of a scenario starting at `start` with history from `lo`; what would fall
    before `lo` is left out."""
    story = Story()
    rand = rand.child("story")
    on_call = facts.people[3].github_login  # who re-runs SecRel by hand

    # Five weeks back: Tuesday 15:12 UTC a push brings the openssl flaw in; the exception
    # comes on Friday afternoon, three scheduled runs later.
    tuesday = _weekday_on_or_before((start - timedelta(days=35)).date(), 1)
    past = _streak(
        _utc(tuesday, 15, 12),
        _utc(tuesday + timedelta(days=3), 16, 41),
        rule="CVE-2024-6119",
        description="openssl: denial of service in X.509 name checks",
        severity="high",
        exception="AQUA-EXC-0412",
        why="Debian has no fixed openssl for the base image yet",
        zone=ZoneInfo(facts.account_tz),
    )
    # At the start: red since yesterday or so; the exception comes later today.
    now = rand.child("current")
    began = (start - timedelta(hours=now.between("hours", 20, 44))).replace(microsecond=0)
    current = _streak(
        began,
        (start + timedelta(hours=now.between("left", 3, 8))).replace(microsecond=0),
        rule="CVE-2024-45490",
        description="libexpat: negative length parsing in XML_ParseBuffer",
        severity="critical",
        exception="AQUA-EXC-0419",
        why="the fixed libexpat is not in the base image yet",
        zone=ZoneInfo(facts.account_tz),
    )
    for v in (past, current):
        if v.start - CLEARANCE >= lo:
            story.streaks.append(v)
            story.quiet.append((v.start, v.end))
            story.runs += _beside(rand.child("beside", v.rule), ids, facts, v, on_call)

    monday = _weekday_on_or_before((start - timedelta(days=25)).date(), 0)
    advisory = _utc(monday, 14, 10)
    if advisory - CLEARANCE >= lo:
        fix = _snyk_fixed_by_dependabot(ids, facts, advisory)
        story.pulls.append(fix.pull)
        story.code_scanning.append(fix.snyk)
        story.dependabot.append(fix.alert)
        story.quiet.append((advisory, fix.merged + timedelta(hours=1)))

    story.pulls += [p for p in _queue(ids, facts, start) if p.at >= lo]
    thursday = _weekday_on_or_before((start - timedelta(days=58)).date(), 3)
    dst = daylight_saving_mondays(lo, hi, ZoneInfo(facts.account_tz))
    story.missed = frozenset([thursday, *dst])
    return story


def _streak(
    begin: datetime,
    end: datetime,
    *,
    rule: str,
    description: str,
    severity: str,
    exception: str,
    why: str,
    zone: ZoneInfo,
) -> Vulnerability:
    through = (end.astimezone(zone) + timedelta(days=30)).date()
    return Vulnerability(
        start=begin,
        end=end,
        tool="Trivy",
        step=AQUA_GATE,
        rule=rule,
        description=description,
        severity=severity,
        excepted=True,
        exception=f"Exception {exception} granted in Aqua through {through.isoformat()}: {why}.",
        story=True,
    )


def _run(
    ids: Ids,
    at: datetime,
    minutes: float,
    *,
    event: str,
    branch: str,
    actor: str,
    title: str,
    failed: bool,
    publish: bool = False,
    sha: str = "",
    prs: tuple[int, ...] = (),
) -> WorkflowRun:
    at = at.replace(microsecond=0)
    return WorkflowRun(
        id=ids.take(8_000_000_000 + int(at.timestamp()) * 4 + 2),
        created_at=at,
        completed_at=(at + timedelta(minutes=minutes)).replace(microsecond=0),
        conclusion="failure" if failed else "success",
        event=event,
        head_branch=branch,
        head_sha=sha,
        display_title=title,
        actor=actor,
        failed_step=AQUA_GATE if failed else None,
        publish_images=publish,
        pull_request_numbers=prs,
    )


def _beside(
    rand: Rand, ids: Ids, facts: Facts, v: Vulnerability, on_call: str
) -> list[WorkflowRun]:
    """The runs around the streak's first hours: a re-run on develop and a Dependabot PR's
    run, red on the same finding; a dispatch on `main` (the release branch, built before
    the flaw) and a PR pinning the base images' digests, green."""
    developer = facts.people[1].github_login
    hour = timedelta(hours=1)
    return [
        _run(
            ids,
            v.start + 2 * hour,
            rand.between("rerun", 18, 22),
            event="workflow_dispatch",
            branch=facts.default_branch,
            actor=on_call,
            title=facts.workflow_name,
            failed=True,
            publish=True,
        ),
        _run(
            ids,
            v.start + 4 * hour,
            rand.between("bump", 18, 22),
            event="pull_request",
            branch="dependabot/pip/domain-cc/cc-app/src/httpx-0.28.1",
            actor=DEPENDABOT,
            title="Bump httpx from 0.27.2 to 0.28.1 in /domain-cc/cc-app/src",
            failed=True,
        ),
        _run(
            ids,
            v.start + 5 * hour,
            rand.between("main", 24, 30),
            event="workflow_dispatch",
            branch="main",
            actor=on_call,
            title=facts.workflow_name,
            failed=False,
        ),
        _run(
            ids,
            v.start + 7 * hour,
            rand.between("pin", 24, 30),
            event="pull_request",
            branch="feature/pin-base-image-digests",
            actor=developer,
            title="Pin base image digests",
            failed=False,
        ),
    ]


def _checks(
    ids: Ids, sha: str, at: datetime, results: tuple[tuple[str, str, float], ...]
) -> list[CheckRun]:
    out = []
    for n, (name, conclusion, minutes) in enumerate(results):
        begin = (at + timedelta(seconds=30 + 5 * n)).replace(microsecond=0)
        out.append(
            CheckRun(
                id=ids.take(20_000_000_000 + int(begin.timestamp()) * 8 + n),
                head_sha=sha,
                name=name,
                started_at=begin,
                completed_at=begin + timedelta(minutes=minutes),
                conclusion=conclusion,
            )
        )
    return out


GREEN = (
    ("Lint", "success", 2.0),
    ("Unit tests", "success", 8.5),
    ("Check SecRel gate", "success", 1.0),
    ("SecRel Pipeline", "success", 25.0),
)


def _pull(
    ids: Ids,
    facts: Facts,
    number: int,
    *,
    at: datetime,
    package: str,
    old: str,
    new: str,
    ecosystem: str,
    directory: str = "/",
    label: str,
    checks: tuple[tuple[str, str, float], ...] = GREEN,
    merged: datetime | None = None,
    closed: datetime | None = None,
    draft: bool = False,
) -> PullBundle:
    """A Dependabot PR, with its SecRel run and checks, and the push run its merge starts."""
    sha = Rand("story-pr", number, package).hex("sha")
    where = "" if directory == "/" else f" in {directory}"
    title = f"Bump {package} from {old} to {new}{where}"
    slug = package.replace(":", "-").replace("/", "-")
    head = f"dependabot/{ecosystem}{'' if directory == '/' else directory}/{slug}-{new}"
    pull = PullRequest(
        number=number,
        title=title,
        head_ref=head,
        head_sha=sha,
        created_at=at,
        closed_at=merged or closed,
        merged_at=merged,
        labels=("dependencies", label),
        draft=draft,
        body=f"Bumps {package} from {old} to {new}. Dependabot will resolve any conflicts "
        "with this PR.",
    )
    runs = []
    secrel = next((conclusion for name, conclusion, _ in checks if name == "SecRel Pipeline"), None)
    if secrel is not None:
        runs.append(
            _run(
                ids,
                at + timedelta(seconds=25),
                26,
                event="pull_request",
                branch=head,
                actor=DEPENDABOT,
                title=title,
                failed=secrel == "failure",
                sha=sha,
                prs=(number,),
            )
        )
    if merged is not None:
        runs.append(
            _run(
                ids,
                merged + timedelta(seconds=15),
                MERGE_RUN_MINUTES,
                event="push",
                branch=facts.default_branch,
                actor=facts.people[0].github_login,
                title=f"{title} (#{number})",
                failed=False,
                publish=True,
            )
        )
    statuses = []
    if checks:
        statuses.append(
            CommitStatus(
                id=ids.take(30_000_000_000 + int(at.timestamp())),
                sha=sha,
                context="codecov/patch",
                state="success",
                created_at=at + timedelta(minutes=11),
                description="Coverage not affected",
            )
        )
    return PullBundle(pull, runs, _checks(ids, sha, at, checks), statuses)


MERGE_RUN_MINUTES = 26.5  # the push run after a merge uploads its SARIF as it ends


@dataclass
class SnykFix:
    pull: PlannedPull
    snyk: CodeScanningAlert
    alert: DependabotAlert
    merged: datetime


def _snyk_fixed_by_dependabot(ids: Ids, facts: Facts, advisory: datetime) -> SnykFix:
    opened = advisory + timedelta(minutes=7)
    merged = advisory + timedelta(days=1, hours=1, minutes=5)
    manifest = "domain-ee/ee-max-cfi-app/src/requirements.txt"
    run_ends = merged + timedelta(seconds=15, minutes=MERGE_RUN_MINUTES)
    snyk = CodeScanningAlert(
        number=0,
        tool="Snyk Open Source",
        rule_id="SNYK-PYTHON-REQUESTS-6928867",
        description="requests: certificate verification stays disabled",
        created_at=advisory + timedelta(hours=3, minutes=20),
        security_severity="medium",
        severity="warning",
        path=manifest,
        message="This file introduces a vulnerable requests package with a medium severity "
        "vulnerability.",
        fixed_at=run_ends.replace(microsecond=0),
        commit_sha=Rand("story-snyk").hex("sha"),
        tool_version="1.1290.0",
    )
    alert = DependabotAlert(
        number=0,
        package="requests",
        ecosystem="pip",
        manifest_path=manifest,
        severity="medium",
        summary="Requests Session object does not verify requests after making first "
        "request with verify=False",
        created_at=advisory,
        vulnerable_range="< 2.32.0",
        patched_version="2.32.0",
        ghsa_id="GHSA-9wx4-h78v-vm56",
        cve_id="CVE-2024-35195",
        fixed_at=merged + timedelta(minutes=3),
        cvss_score=5.6,
    )

    def build(number: int) -> PullBundle:
        return _pull(
            ids,
            facts,
            number,
            at=opened,
            package="requests",
            old="2.31.0",
            new="2.32.0",
            ecosystem="pip",
            directory="/domain-ee/ee-max-cfi-app/src",
            label="python",
            merged=merged,
        )

    return SnykFix(PlannedPull(opened, build), snyk, alert, merged)


def _queue(ids: Ids, facts: Facts, start: datetime) -> list[PlannedPull]:
    """One open PR in each of the queue's groups at the start."""

    def ready(number: int) -> PullBundle:
        return _pull(
            ids,
            facts,
            number,
            at=start - timedelta(days=2, hours=3),
            package="pydantic",
            old="2.9.2",
            new="2.10.3",
            ecosystem="pip",
            directory="/domain-cc/cc-app/src",
            label="python",
            merged=start + timedelta(hours=20),
        )

    def failing(number: int) -> PullBundle:
        unit_tests_fail = tuple(
            (name, "failure" if name == "Unit tests" else conclusion, minutes)
            for name, conclusion, minutes in GREEN
        )
        return _pull(
            ids,
            facts,
            number,
            at=start - timedelta(days=4, hours=1),
            package="org.springframework.boot",
            old="3.3.5",
            new="3.4.0",
            ecosystem="gradle",
            label="java",
            checks=unit_tests_fail,
            closed=start + timedelta(days=6),  # superseded by the next release's PR
        )

    def held(number: int) -> PullBundle:
        return _pull(
            ids,
            facts,
            number,
            at=start - timedelta(hours=30),
            package="actions/upload-artifact",
            old="3.1.3",
            new="4.4.3",
            ecosystem="github_actions",
            label="github_actions",
            draft=True,  # v4 renames artifacts: held until the workflows are changed
            closed=start + timedelta(days=9),
        )

    return [
        PlannedPull(start - timedelta(days=4, hours=1), failing),
        PlannedPull(start - timedelta(days=2, hours=3), ready),
        PlannedPull(start - timedelta(hours=30), held),
    ]
