"""Server time of the dashboard, its live part and `/api/v1/summary` beside the bare page,
with two years of history: 5,000 incidents, 50,000 findings, 5,000 SecRel runs, 2,000
Dependabot PRs and 52 sprints with their rotations.

`*_vs_floor_ratio` is the page as kept between two writes (oncall_site/page_cache.py),
`*_computed_vs_floor_ratio` the page computed from the database right after one.

Same method as `benchmarks/pages.py`: a scratch SQLite database in its own process, the demo
team, rows stored in bulk, each page timed alternately with the floor.
"""

import os
import random
import subprocess
import sys
import tempfile
from datetime import timedelta

from benchmarks.pages import ROOT, add_incidents, kept_and_computed
from benchmarks.security import add_findings, add_prs, add_runs

INCIDENTS, FINDINGS, RUNS, PRS, SPRINTS = 5_000, 50_000, 5_000, 2_000, 52


def add_sprints(total: int) -> None:
    """Sprints (with a pair each) before the demo's first, until there are `total`."""
    from rotations.models import Engineer, Rotation, Sprint

    first = Sprint.objects.order_by("number").first()
    have = Sprint.objects.count()
    engineers = list(Engineer.objects.order_by("pk"))
    sprints, pairs = [], []
    for n in range(1, max(total - have, 0) + 1):
        start = first.start_date - timedelta(days=14 * n)
        sprint = Sprint(
            number=first.number - n, start_date=start, end_date=start + timedelta(days=14)
        )
        sprints.append(sprint)
    Sprint.objects.bulk_create(sprints)
    for i, sprint in enumerate(
        Sprint.objects.filter(rotation__isnull=True, number__lt=first.number)
    ):
        primary, secondary = engineers[i % len(engineers)], engineers[(i + 1) % len(engineers)]
        pairs.append(Rotation(sprint=sprint, primary=primary, secondary=secondary, confirmed=True))
    Rotation.objects.bulk_create(pairs)


def two_years():
    """A logged-in test client over the demo team plus two years of history (in a scratch
    database: run in its own process), and the settings it runs under."""
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
    add_sprints(SPRINTS)
    add_incidents(INCIDENTS, seed=7)
    rng = random.Random(INCIDENTS)  # noqa: S311 - test data, not secrets
    add_runs(RUNS, rng)
    add_prs(PRS, rng)
    add_findings(FINDINGS, rng)
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    return client, settings


def measure() -> None:
    client, settings = two_years()
    pages = {"dashboard": "/", "dashboard_live": "/needs/", "summary_api": "/api/v1/summary"}
    for name, url in pages.items():
        kept_and_computed(client, settings, name, url)


def in_scratch_database(module: str) -> None:
    """`python -m <module> --measure` in its own process over a scratch SQLite file."""
    name = module.rsplit(".", 1)[-1]
    with tempfile.TemporaryDirectory(prefix=f"oncall-{name}-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/{name}.sqlite3",
            "LOG_LEVEL": "WARNING",
        }
        out = subprocess.run(
            [sys.executable, "-m", module, "--measure"], cwd=ROOT, env=env, timeout=1800
        )
        if out.returncode != 0:
            raise SystemExit(f"{name} benchmark failed")


def main() -> None:
    in_scratch_database("benchmarks.dashboard")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        main()
