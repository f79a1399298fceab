"""Server time of the sprint handoff report beside the bare page, with two years of history
(52 sprints with their pairs, 5,000 incidents, 50,000 findings, 5,000 SecRel runs, 2,000
Dependabot PRs), and the time to make its PDF.

`report_vs_floor_ratio` is the page as kept between two writes, `*_computed_*` right after
one (oncall_site/page_cache.py). Same method as `benchmarks/dashboard.py`: a scratch SQLite database in its own process, the
demo team, rows stored in bulk, the page timed alternately with the floor.
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time

from benchmarks.dashboard import FINDINGS, INCIDENTS, PRS, RUNS, SPRINTS, add_sprints
from benchmarks.pages import ROOT, add_incidents, against_floor, figure, query_count
from benchmarks.security import add_findings, add_prs, add_runs

PDF_REPEATS = 3


def measure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncall_site.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from rotations.selectors import current_sprint

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
    number = current_sprint(now=timezone.now()).number
    pages = {
        "report": f"/reports/sprint/{number}/",
        "report_json": f"/reports/sprint/{number}/?format=json",
    }
    for name, url in pages.items():
        # Between two writes: the document and its sections are kept (page_cache.py).
        settings.PAGE_CACHE_SECONDS = 120
        page_ms, floor_ms = against_floor(client, url)
        figure(f"{name}_ms", page_ms)
        figure(f"{name}_vs_floor_ratio", page_ms / floor_ms)
        # Right after a write: computed from the database.
        settings.PAGE_CACHE_SECONDS = 0
        page_ms, floor_ms = against_floor(client, url)
        figure(f"{name}_computed_ms", page_ms)
        figure(f"{name}_computed_vs_floor_ratio", page_ms / floor_ms)
        figure(f"{name}_queries", query_count(client, url))
    seconds = []
    for _ in range(PDF_REPEATS):
        began = time.perf_counter()
        response = client.get(f"/reports/sprint/{number}/?format=pdf")
        seconds.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"the report's PDF answered {response.status_code}")
    figure("report_pdf_seconds", statistics.median(seconds))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="oncall-report-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/report.sqlite3",
            "LOG_LEVEL": "WARNING",
        }
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.report", "--measure"],
            cwd=ROOT,
            env=env,
            timeout=1800,
        )
        if out.returncode != 0:
            raise SystemExit("report benchmark failed")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        main()
