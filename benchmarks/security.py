"""Server time of the security pages beside the bare page, at 50,000 findings, 5,000 SecRel
runs and 2,000 Dependabot PRs (and at a tenth of that, to see the growth).

Same method as `benchmarks/pages.py`: a scratch SQLite database in its own process, the demo
team, then rows stored as the sync stores them, and each page timed alternately with the
floor through Django's test client: first as kept between two writes (the findings'
figures and the queue's sprint history are kept per data version and minute), then
computed right after a write (`*_computed_vs_floor_ratio_*`).
"""

import os
import random
import subprocess
import sys
import tempfile
from datetime import timedelta

from benchmarks.pages import ROOT, kept_and_computed

SIZES = ((5_000, 500, 200), (50_000, 5_000, 2_000))  # findings, SecRel runs, Dependabot PRs
TOOLS = ("snyk", "aqua", "other", "dependabot")
SEVERITIES = ("critical", "high", "medium", "low", "unrated")


def add_runs(count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from security.models import SecrelRun

    now = timezone.now()
    runs = []
    for n in range(count):
        started = now - timedelta(hours=count - n)
        develop = n % 3 != 0
        conclusion = rng.choice(("success", "success", "failure", "cancelled"))
        runs.append(
            SecrelRun(
                run_id=1_000_000 + n,
                run_number=n + 1,
                # As the cron runs it: once a weekday at 11:00 UTC on develop; pushes and
                # pull requests the rest of the time.
                event="schedule"
                if develop and started.hour == 11 and started.weekday() < 5
                else rng.choice(("push", "pull_request")),
                branch="develop" if develop else f"dependabot/npm_and_yarn/pkg-{n % 50}",
                status="completed",
                conclusion=conclusion,
                head_sha=f"{n:040x}",
                created_at=started,
                updated_at=started + timedelta(minutes=rng.randrange(8, 40)),
                html_url=f"https://github.com/example-org/benefits-platform/actions/runs/{n}",
                failed_job="SecRel Pipeline" if conclusion == "failure" else "",
                failed_step="Aqua gate check" if conclusion == "failure" else "",
                images_published=conclusion == "success",
            )
        )
    SecrelRun.objects.bulk_create(runs, batch_size=2000)


def add_prs(count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from security.models import DependabotPR

    now = timezone.now()
    prs = []
    for n in range(count):
        opened = now - timedelta(hours=6 * (count - n))
        still_open = n >= count - count // 10
        closed = None if still_open else opened + timedelta(hours=rng.randrange(1, 200))
        prs.append(
            DependabotPR(
                number=n + 1,
                title=f"Bump package-{n % 300} from 1.{n % 9}.0 to 1.{n % 9}.{n % 5 + 1} in /app",
                head_sha=f"{n:040x}",
                head_ref=f"dependabot/pip/app/package-{n % 300}-1.{n % 9}.{n % 5 + 1}",
                base_ref="develop",
                opened_at=opened,
                html_url=f"https://github.com/example-org/benefits-platform/pull/{n + 1}",
                ci_status=rng.choice(("success", "failure", "pending")),
                mergeable=rng.choice((True, False, None)),
                open=still_open,
                closed_at=closed,
                merged_at=closed if closed and n % 4 else None,
                last_seen_at=now,
            )
        )
    DependabotPR.objects.bulk_create(prs, batch_size=2000)


def add_findings(count: int, rng: random.Random) -> None:
    from django.utils import timezone

    from security.models import Finding, SlaPolicy
    from security.remediation import due_dates_refresh

    now = timezone.now()
    findings = []
    for n in range(count):
        first_seen = now - timedelta(hours=rng.randrange(1, 3 * 365 * 24))
        closed = rng.random() < 0.6
        severity = rng.choice(SEVERITIES)
        findings.append(
            Finding(
                source="dependabot" if n % 4 == 3 else "code_scanning",
                number=n + 1,
                tool=TOOLS[n % 4],
                rule_id=f"CVE-2025-{n:05d}",
                title=f"Vulnerable package-{n % 700}",
                upstream_severity=severity,
                severity=severity,
                package=f"package-{n % 700}",
                version="1.0.0",
                fixed_version="1.0.1",
                location="requirements.txt",
                upstream_state="fixed" if closed else "open",
                first_seen_at=first_seen,
                closed_at=first_seen + timedelta(days=rng.randrange(1, 60)) if closed else None,
                closed_reason="fixed" if closed else "",
                html_url=f"https://github.com/example-org/benefits-platform/security/{n}",
            )
        )
    Finding.objects.bulk_create(findings, batch_size=2000)
    due_dates_refresh(SlaPolicy.current().rules())


def measure(findings: int, runs: int, prs: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncall_site.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    settings.ROOT_URLCONF = "benchmarks.urls"
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    rng = random.Random(findings)  # noqa: S311 - test data, not secrets
    add_runs(runs, rng)
    add_prs(prs, rng)
    add_findings(findings, rng)
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    pages = {
        "secrel_page": "/security/secrel/",
        "secrel_page_filtered": "/security/secrel/?conclusion=failure&branch=develop",
        "findings_page": "/security/findings/",
        "findings_page_overdue": "/security/findings/?overdue=yes&severity=high",
        "dependabot_queue": "/security/dependabot/",
    }
    for name, url in pages.items():
        kept_and_computed(client, settings, name, url, suffix=f"_at_{findings}_findings")


def main() -> None:
    for findings, runs, prs in SIZES:
        with tempfile.TemporaryDirectory(prefix="oncall-security-") as folder:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{folder}/security.sqlite3",
                "LOG_LEVEL": "WARNING",
            }
            args = ["--measure", str(findings), str(runs), str(prs)]
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.security", *args],
                cwd=ROOT,
                env=env,
                timeout=1800,
            )
            if out.returncode != 0:
                raise SystemExit("security page benchmark failed")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        at = sys.argv.index("--measure")
        measure(*(int(v) for v in sys.argv[at + 1 : at + 4]))
    else:
        main()
