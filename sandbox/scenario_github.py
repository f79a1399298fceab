"""GitHub side of the scenario: SecRel runs and Dependabot PRs with their CI.

Causality is kept where the on-call pair would notice it: SecRel on develop is red while a
vulnerability is open (see scenario_security.py); a merged Dependabot PR triggers a push
run on develop; a PR's own SecRel check fails while such a vulnerability is open.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .facts import Facts
from .models import CheckRun, CommitStatus, PullRequest, WorkflowRun
from .placement import Ids
from .rng import Rand
from .scenario_security import Vulnerability, blocking, steady

COMMIT_TITLES = (
    "Retry BIP claim lookups on 502",
    "Bump svc-bgs-api heap to 1 GiB",
    "Add Datadog tags to BIE consumer",
    "Move db-init migrations to Flyway 10",
    "Log correlation ids from cc-app requests",
    "Tighten RabbitMQ prefetch for EP merge",
    "Fix flaky BGS contract test",
    "Pin base image digests",
    "Expose max-cfi readiness endpoint",
    "Drop unused Kafka topic config",
)


def secrel_run(
    rand: Rand,
    ids: Ids,
    facts: Facts,
    at: datetime,
    vulns: list[Vulnerability],
    *,
    event: str,
    branch: str,
    actor: str,
    title: str,
    sha: str,
    prs: tuple[int, ...] = (),
    source: int = 0,
) -> WorkflowRun:
    """One SecRel run and its outcome at `at`: red while a vulnerability is open."""
    blocker = (
        blocking(vulns, at) if branch == facts.default_branch or event == "pull_request" else None
    )
    conclusion, failed = "success", None
    if blocker is not None:
        conclusion, failed = "failure", blocker.step
    elif not steady(vulns, at) and rand.chance("flake", 0.04):
        conclusion, failed = "failure", "Snyk scan (code and dependencies)"
    elif rand.chance("cancel", 0.03):
        conclusion = "cancelled"
    minutes = rand.between("minutes", 22, 38) * (0.75 if conclusion == "failure" else 1.0)
    if conclusion == "cancelled":
        minutes = rand.between("cancel-minutes", 3, 15)
    publish = event in {"push", "schedule"} or (
        event == "workflow_dispatch" and rand.chance("publish", 0.7)
    )
    return WorkflowRun(
        id=ids.take(8_000_000_000 + int(at.timestamp()) * 4 + source),
        created_at=at,
        completed_at=at + timedelta(minutes=minutes),
        conclusion=conclusion,  # type: ignore[arg-type]
        event=event,
        head_branch=branch,
        head_sha=sha,
        display_title=title,
        actor=actor,
        failed_step=failed,
        publish_images=publish,
        pull_request_numbers=prs,
    )


def scheduled_runs(
    rand: Rand,
    ids: Ids,
    facts: Facts,
    lo: datetime,
    hi: datetime,
    vulns: list[Vulnerability],
    missed: Collection[date] = (),
) -> list[WorkflowRun]:
    """`0 11 * * 1-5`: every weekday at 11:00 UTC, a few minutes late as GitHub schedules are,
    except the `missed` days, when GitHub dropped the run (as it may under load)."""
    out = []
    day = lo.date()
    while datetime(day.year, day.month, day.day, tzinfo=UTC) < hi:
        if day.weekday() < 5 and day not in missed:
            r = rand.child("schedule", day.isoformat())
            at = datetime(day.year, day.month, day.day, 11, tzinfo=UTC) + timedelta(
                minutes=r.between("delay", 2, 19)
            )
            at = at.replace(microsecond=0)
            if lo <= at < hi:
                out.append(
                    secrel_run(
                        r,
                        ids,
                        facts,
                        at,
                        vulns,
                        event="schedule",
                        branch=facts.default_branch,
                        actor=facts.people[3].github_login,
                        title=facts.workflow_name,
                        sha=r.hex("sha"),
                        source=1,
                    )
                )
        day += timedelta(days=1)
    return out


def other_run(
    rand: Rand, ids: Ids, facts: Facts, at: datetime, vulns: list[Vulnerability], kind: str = ""
) -> WorkflowRun:
    """A push by an engineer, a manual dispatch, or a push to another watched branch."""
    kind = kind or rand.weighted(
        "kind", [("push", 0.78), ("dispatch", 0.14), ("other-branch", 0.08)]
    )
    actor = rand.pick("actor", [p.github_login for p in facts.people[:6]])
    title = rand.pick("title", COMMIT_TITLES)
    if kind == "dispatch":
        branch = rand.pick(
            "branch", [facts.default_branch, "feature/bip-retries", "domain-cc/fix-classifier"]
        )
        return secrel_run(
            rand,
            ids,
            facts,
            at,
            vulns,
            event="workflow_dispatch",
            branch=branch,
            actor=actor,
            title=facts.workflow_name,
            sha=rand.hex("sha"),
            source=2,
        )
    branch = (
        facts.default_branch if kind == "push" else rand.pick("branch", ["main", "qa", "domain-ee"])
    )
    return secrel_run(
        rand,
        ids,
        facts,
        at,
        vulns,
        event="push",
        branch=branch,
        actor=actor,
        title=title,
        sha=rand.hex("sha"),
        source=2,
    )


BUMPS = (
    (
        "pip",
        "/domain-cc/cc-app/src",
        "python",
        ("fastapi", "pydantic", "uvicorn", "httpx", "starlette"),
    ),
    (
        "pip",
        "/domain-ee/ee-max-cfi-app/src",
        "python",
        ("requests", "cryptography", "pytest", "sqlalchemy"),
    ),
    ("pip", "/domain-ee/ee-ep-merge-app/src", "python", ("aiohttp", "pika", "black", "pydantic")),
    (
        "gradle",
        "/",
        "java",
        (
            "org.springframework.boot",
            "com.fasterxml.jackson.core:jackson-databind",
            "org.apache.camel:camel-core",
            "io.micrometer:micrometer-registry-prometheus",
        ),
    ),
    (
        "github_actions",
        "/",
        "github_actions",
        (
            "actions/checkout",
            "docker/build-push-action",
            "aquasecurity/trivy-action",
            "github/codeql-action",
        ),
    ),
    ("docker", "/svc-bgs-api/src/docker", "docker", ("eclipse-temurin",)),
    ("docker", "/svc-bip-api/src/docker", "docker", ("eclipse-temurin",)),
)
HUMAN_PRS = (
    "Add retry to BIP client",
    "Document the release checklist",
    "Raise BIE consumer lag alert threshold",
)


def _version(rand: Rand) -> tuple[str, str]:
    major, minor, patch = (
        rand.integer("maj", 0, 6),
        rand.integer("min", 0, 40),
        rand.integer("pat", 0, 12),
    )
    if rand.chance("minor", 0.35):
        return f"{major}.{minor}.{patch}", f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch}", f"{major}.{minor}.{patch + rand.integer('step', 1, 3)}"


@dataclass
class PullBundle:
    pull: PullRequest
    runs: list[WorkflowRun]
    checks: list[CheckRun]
    statuses: list[CommitStatus]


def pull_request(
    rand: Rand,
    ids: Ids,
    facts: Facts,
    at: datetime,
    vulns: list[Vulnerability],
    number: int,
    pace: float = 1.0,
) -> PullBundle:
    """A PR (usually Dependabot's) with its SecRel run, checks, statuses and eventual merge."""
    sha = rand.hex("sha")
    human = rand.chance("human", 0.1)
    labels: tuple[str, ...]
    if human:
        author = rand.pick("author", [p.github_login for p in facts.people[:6]])
        title = rand.pick("title", HUMAN_PRS)
        head, labels, base = (
            f"feature/{title.lower().replace(' ', '-')[:30]}",
            (),
            facts.default_branch,
        )
    else:
        eco, directory, label, packages = rand.pick("eco", BUMPS)
        package = rand.pick("pkg", packages)
        old, new = _version(rand)
        where = "" if directory == "/" else f" in {directory}"
        title, author = f"Bump {package} from {old} to {new}{where}", "dependabot[bot]"
        slug = package.replace(":", "-").replace("/", "-")
        path = "" if directory == "/" else directory
        head, labels = f"dependabot/{eco}{path}/{slug}-{new}", ("dependencies", label)
        base = "main" if rand.chance("to-main", 0.04) else facts.default_branch
    fate = rand.weighted("fate", [("merged", 0.76), ("closed", 0.16), ("lingers", 0.08)])
    life = timedelta(minutes=max(rand.lognormal_minutes("life", 2.5 * 1440, 1.0) * pace, 30.0))
    if fate == "lingers":
        life = timedelta(days=rand.between("linger", 12, 40) * pace)
    # Lingering history PRs are still open; live ones (pace < 1) give up within hours.
    closed = None if fate == "lingers" and pace >= 1 else at + life
    merged = closed if fate == "merged" else None
    pull = PullRequest(
        number=number,
        title=title,
        head_ref=head,
        head_sha=sha,
        base_ref=base,
        author=author,
        created_at=at,
        closed_at=closed,
        merged_at=merged,
        labels=labels,
        body=None
        if human
        else f"Bumps {title.split(' ')[1]}. Dependabot will resolve any conflicts with this PR.",
    )
    runs = [
        secrel_run(
            rand.child("pr-run"),
            ids,
            facts,
            at + timedelta(seconds=25),
            vulns,
            event="pull_request",
            branch=head,
            actor=author,
            title=title,
            sha=sha,
            prs=(number,),
            source=3,
        )
    ]
    if merged is not None and base == facts.default_branch:
        merger = rand.pick("merger", [p.github_login for p in facts.people[:6]])
        runs.append(
            secrel_run(
                rand.child("merge-run"),
                ids,
                facts,
                merged + timedelta(seconds=15),
                vulns,
                event="push",
                branch=base,
                actor=merger,
                title=f"{title} (#{number})",
                sha=rand.hex("merge-sha"),
                source=0,
            )
        )
    blocker = blocking(vulns, at)
    checks = []
    for n, (name, p_ok, minutes) in enumerate(
        (
            ("Lint", 0.97, 2.0),
            ("Unit tests", 0.88, 9.0),
            ("Check SecRel gate", 1.0, 1.0),
            ("SecRel Pipeline", 0.93, 26.0),
        )
    ):
        r = rand.child("check", n)
        ok = r.chance("ok", p_ok) and not (name == "SecRel Pipeline" and blocker is not None)
        start = at + timedelta(seconds=30 + 5 * n)
        checks.append(
            CheckRun(
                id=ids.take(20_000_000_000 + int(start.timestamp()) * 8 + n),
                head_sha=sha,
                name=name,
                started_at=start,
                completed_at=start + timedelta(minutes=minutes * r.between("x", 0.7, 1.4)),
                conclusion="success" if ok else "failure",
            )
        )
    statuses = []
    if rand.chance("codecov", 0.33):
        good = rand.chance("cov-ok", 0.8)
        statuses.append(
            CommitStatus(
                id=ids.take(30_000_000_000 + int(at.timestamp())),
                sha=sha,
                context="codecov/patch",
                state="success" if good else "failure",
                created_at=at + timedelta(minutes=11),
                description="Coverage not affected"
                if good
                else "62.50% of diff hit (target 80.00%)",
            )
        )
    elif rand.chance("jenkins", 0.12):
        # A status that never reports back: the combined state stays pending.
        statuses.append(
            CommitStatus(
                id=ids.take(30_000_000_001 + int(at.timestamp())),
                sha=sha,
                context="continuous-integration/jenkins",
                state="pending",
                created_at=at + timedelta(minutes=1),
                description="Waiting for an executor",
            )
        )
    return PullBundle(pull, runs, checks, statuses)
