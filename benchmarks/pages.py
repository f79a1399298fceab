"""Server time of the incident list, an incident page, the metrics page and the metrics API
beside a bare page.

For each size (5,000, 10,000 and 50,000 incidents) a scratch SQLite database in its own
process: migrate, load the demo team, add incidents spread over the last 8 months (a fifth
with an impact; those on a partner service with their partner app performance stored,
latency and error rate with their sparklines), then time each page through Django's test client (the same handler and
middleware as a real request): the median of many requests after a warm-up.

The incidents are stored oldest first, as the sync and the webhooks store them, so a
window's rows sit together as in a real database; an incident is still open only if it
started in the last three days (a tenth of those), plus a few stragglers left open for
months, as a team that closes its incidents has.

The *floor* is a bare page: logged in, `base.html` through the same middleware and context
processors (`benchmarks/urls.py`). Each page is timed alternately with the floor, so its
ratio to the floor holds however busy the machine is; its SQL queries are counted too.
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
SIZES = (5_000, 10_000, 50_000)
DAYS = 240
RECENT = timedelta(days=3)  # incidents younger than this may still be open
STRAGGLERS = 20  # older incidents nobody closed
WARM_UP = 2
MIN_REPEATS = 15
MAX_REPEATS = 61
BUDGET_SECONDS = 6.0  # per page: stop repeating past this (after MIN_REPEATS)
FLOOR = "/_bench/floor/"


def figure(name: str, value: float) -> None:
    text = str(value) if isinstance(value, int) else f"{value:.1f}"
    print(f"{name}: {text}", flush=True)


def add_incidents(count: int, seed: int) -> None:
    from django.utils import timezone

    from incidents.models import Incident, IncidentImpact, Source, State
    from rotations.models import Service

    now = timezone.now()
    rng = random.Random(seed)  # noqa: S311 - test data, not secrets
    services = list(Service.objects.select_related("team"))
    starts = sorted(now - timedelta(minutes=rng.randrange(0, DAYS * 24 * 60)) for _ in range(count))
    stragglers = set(rng.sample(range(count), STRAGGLERS))
    rows = []
    for n, started in enumerate(starts):
        recent = now - started < RECENT
        if rng.random() < 0.02:
            state = State.CANCELED
        elif (recent and rng.random() < 0.1) or n in stragglers:
            state = State.ACKNOWLEDGED
        else:
            state = State.RESOLVED
        rows.append(
            Incident(
                title=f"Benchmark incident {seed}-{n}",
                started_at=started,
                state=state,
                acknowledged_at=started + timedelta(minutes=rng.randrange(1, 30)),
                resolved_at=started + timedelta(minutes=rng.randrange(31, 900))
                if state == State.RESOLVED
                else None,
                canceled_at=started + timedelta(minutes=5) if state == State.CANCELED else None,
                severity=rng.choice(["SEV1", "SEV2", "SEV3", "SEV4"]),
                source=rng.choice(Source.values),
                service=rng.choice(services),
                last_update_at=started,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=2000)
    add_partner_performance()
    every_fifth = Incident.objects.order_by("pk").values_list("pk", "started_at", "service__team")
    IncidentImpact.objects.bulk_create(
        (
            IncidentImpact(
                incident_id=pk, team_id=team, start=started, end=started + timedelta(minutes=45)
            )
            for n, (pk, started, team) in enumerate(every_fifth)
            if n % 5 == 0
        ),
        batch_size=2000,
    )


def add_partner_performance() -> None:
    """Latency and error rate stored for every incident on a partner service, each with its
    60-point sparkline and baseline: the figures the pages show are present."""
    from incidents.models import Incident, ServicePerformance

    on_partner_services = Incident.objects.filter(service__team__is_platform=False).values_list(
        "pk", "service_id", "started_at"
    )
    ServicePerformance.objects.bulk_create(
        (
            ServicePerformance(
                incident_id=pk,
                service_id=service_id,
                measure=measure,
                query="q",
                unit="s",
                status="ok",
                span_start=started - timedelta(hours=1),
                span_end=started + timedelta(hours=3),
                worst=1.5,
                mean=0.9,
                limit=0.6,
                limit_source="baseline",
                degraded_minutes=float(pk % 90),
                baseline_p95=0.3,
                baseline_mean=0.25,
                worst_ratio=5.0,
                mean_ratio=3.6,
                points=[
                    [int((started + timedelta(minutes=4 * n)).timestamp()), 0.3] for n in range(60)
                ],
                baseline_points=[
                    [int((started + timedelta(minutes=4 * n)).timestamp()), 0.25] for n in range(60)
                ],
                final=True,
                fetched_at=started + timedelta(hours=3),
            )
            for pk, service_id, started in on_partner_services.iterator()
            for measure in ("latency", "error_rate")
        ),
        batch_size=1000,
    )


def elapsed_ms(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    ms = (time.perf_counter() - started) * 1000
    assert response.status_code == 200, (url, response.status_code)
    return ms


def against_floor(client, url: str) -> tuple[float, float]:
    """The median time of `url` and of the floor, requested alternately."""
    for _ in range(WARM_UP):
        client.get(url)
        client.get(FLOOR)
    page: list[float] = []
    floor: list[float] = []
    began = time.perf_counter()
    while len(page) < MAX_REPEATS and (
        len(page) < MIN_REPEATS or time.perf_counter() - began < BUDGET_SECONDS
    ):
        floor.append(elapsed_ms(client, FLOOR))
        page.append(elapsed_ms(client, url))
    return statistics.median(page), statistics.median(floor)


def query_count(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return len(queries)


def kept_and_computed(client, settings, name: str, url: str, suffix: str = "") -> None:
    """The page as kept between two writes (what a browser refreshing every 30 s mostly
    gets), then as computed from the database right after one, and its queries."""
    settings.PAGE_CACHE_SECONDS = 120
    page_ms, floor_ms = against_floor(client, url)
    figure(f"{name}_ms{suffix}", page_ms)
    figure(f"{name}_vs_floor_ratio{suffix}", page_ms / floor_ms)
    settings.PAGE_CACHE_SECONDS = 0
    page_ms, floor_ms = against_floor(client, url)
    figure(f"{name}_computed_ms{suffix}", page_ms)
    figure(f"{name}_computed_vs_floor_ratio{suffix}", page_ms / floor_ms)
    figure(f"{name}_queries{suffix}", query_count(client, url))


def measure(size: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncall_site.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    settings.ROOT_URLCONF = "benchmarks.urls"  # the site's URLs plus the floor
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    add_incidents(size, seed=size)
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    from incidents.models import Incident, ServicePerformance
    from rotations.models import Sprint, team_today

    current = Sprint.objects.containing(team_today()).get().number
    measured = ServicePerformance.objects.order_by("-incident__started_at").first()
    plain = Incident.objects.filter(performance=None).order_by("-started_at").first()
    pages = {
        "incident_detail_with_performance": f"/incidents/{measured.incident_id}/",
        "incident_detail_without_performance": f"/incidents/{plain.pk}/",
        "incident_list": "/incidents/",
        "incident_list_filtered": "/incidents/?state=open&severity=SEV2",
        "metrics_page": "/incidents/metrics/",
        "metrics_page_past_sprint": f"/incidents/metrics/?sprint={current - 3}",
        "metrics_api": f"/api/v1/metrics?sprint={current}",
    }
    floors = []
    for name, url in pages.items():
        page_ms, floor_ms = against_floor(client, url)
        floors.append(floor_ms)
        figure(f"{name}_ms_at_{size}", page_ms)
        figure(f"{name}_vs_floor_ratio_at_{size}", page_ms / floor_ms)
        figure(f"{name}_queries_at_{size}", query_count(client, url))
    figure(f"floor_page_ms_at_{size}", statistics.median(floors))


def main() -> None:
    for size in SIZES:
        with tempfile.TemporaryDirectory(prefix="oncall-pages-") as folder:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{folder}/pages.sqlite3",
                "LOG_LEVEL": "WARNING",
            }
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.pages", "--measure", str(size)],
                cwd=ROOT,
                env=env,
                timeout=1800,
            )
            if out.returncode != 0:
                raise SystemExit("page benchmark failed")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure(int(sys.argv[sys.argv.index("--measure") + 1]))
    else:
        main()
