"""Server time of the incident list and the metrics page at 10,000 and 50,000 incidents.

Runs in its own process on a scratch SQLite database: migrate, load the demo team, add
incidents spread over the last 8 months (a fifth with an impact), then time each page
through Django's test client (median of several requests, after one warm-up).
"""

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REPEATS = 5


def figure(name: str, value: float) -> None:
    print(f"{name}: {value:.1f}", flush=True)


def add_incidents(count: int, seed: int) -> None:
    from django.utils import timezone

    from incidents.models import Incident, IncidentImpact, Source, State
    from rotations.models import Service

    now = timezone.now()
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    services = list(Service.objects.select_related("team"))
    rows = []
    for n in range(count):
        started = now - timedelta(minutes=rng.randrange(0, 240 * 24 * 60))
        resolved = rng.random() < 0.9
        rows.append(
            Incident(
                title=f"Benchmark incident {seed}-{n}",
                started_at=started,
                state=State.RESOLVED if resolved else State.ACKNOWLEDGED,
                acknowledged_at=started + timedelta(minutes=rng.randrange(1, 30)),
                resolved_at=started + timedelta(minutes=rng.randrange(31, 900))
                if resolved
                else None,
                severity=rng.choice(["SEV1", "SEV2", "SEV3", "SEV4"]),
                source=rng.choice(Source.values),
                service=rng.choice(services),
                last_update_at=started,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=2000)
    latest = Incident.objects.order_by("-pk").values_list("pk", "started_at", "service__team")[
        : count // 5
    ]
    IncidentImpact.objects.bulk_create(
        (
            IncidentImpact(
                incident_id=pk, team_id=team, start=started, end=started + timedelta(minutes=45)
            )
            for pk, started, team in latest
        ),
        batch_size=2000,
    )


def median_ms(client, url: str) -> float:
    client.get(url)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return statistics.median(times)


def measure() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncall_site.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    pages = {
        "incident_list": "/incidents/",
        "incident_list_filtered": "/incidents/?state=open&severity=SEV2",
        "metrics_page": "/incidents/metrics/",
        "metrics_api": "/api/v1/metrics?sprint=",
    }
    from rotations.models import Sprint, team_today

    pages["metrics_api"] += str(Sprint.objects.containing(team_today()).get().number)
    add_incidents(10_000, seed=1)
    for name, url in pages.items():
        figure(f"{name}_ms_at_10000", median_ms(client, url))
    add_incidents(40_000, seed=2)
    for name, url in pages.items():
        figure(f"{name}_ms_at_50000", median_ms(client, url))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="oncall-pages-") as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/pages.sqlite3",
            "LOG_LEVEL": "WARNING",
        }
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.pages", "--measure"], cwd=ROOT, env=env, timeout=1800
        )
        if out.returncode != 0:
            raise SystemExit("page benchmark failed")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure()
    else:
        main()
