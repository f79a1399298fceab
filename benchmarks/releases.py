"""Server time of the release pages and the releases API beside the bare page, at 200 and
2,000 past releases with an answer from each partner team.

Same method as `benchmarks/pages.py`: a scratch SQLite database in its own process, the demo
team (its cadence makes the releases), then older sprints added as history, and each page
timed alternately with the floor through Django's test client.
"""

import os
import subprocess
import sys
import tempfile
from datetime import timedelta

from benchmarks.pages import ROOT, against_floor, figure, query_count

SIZES = (200, 2_000)  # past sprints, each with its release and every team's answer


def add_history(count: int) -> None:
    from releases.models import Release, ReleaseAnswer
    from releases.services import releases_ensure
    from rotations.models import PartnerTeam, Sprint

    first = Sprint.objects.order_by("number").first()
    Sprint.objects.bulk_create(
        Sprint(
            number=first.number + 100_000 + n,  # numbers apart: the history is bulk-made
            start_date=first.start_date - timedelta(days=14 * n),
            end_date=first.start_date - timedelta(days=14 * (n - 1)),
        )
        for n in range(1, count + 1)
    )
    releases_ensure()
    teams = list(PartnerTeam.objects.filter(is_platform=False).prefetch_related("services"))
    ReleaseAnswer.objects.bulk_create(
        (
            ReleaseAnswer(
                release=release,
                team=team,
                opted_in=bool(release.pk % 3),
                description="Changes of the sprint",
                hashes={s.name: f"{release.pk:07x}" for s in team.services.all()},
                answered_at=release.scheduled_at - timedelta(hours=30),
            )
            for release in Release.objects.filter(answers__isnull=True)
            for team in teams
        ),
        batch_size=2000,
    )


def measure(count: int) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncall_site.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from releases.models import Release

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    settings.DEBUG = False
    settings.ROOT_URLCONF = "benchmarks.urls"
    call_command("migrate", verbosity=0)
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    add_history(count)
    client = Client()
    client.force_login(get_user_model().objects.get(username="demo"))
    number = Release.objects.order_by("-scheduled_at").values_list("sprint__number", flat=True)[0]
    pages = {
        "releases_page": "/releases/",
        "releases_page_last": f"/releases/?page={count // 20}",
        "release_detail": f"/releases/{number}/",
        "releases_api": "/api/v1/releases",
    }
    for name, url in pages.items():
        page_ms, floor_ms = against_floor(client, url)
        figure(f"{name}_ms_at_{count}_releases", page_ms)
        figure(f"{name}_vs_floor_ratio_at_{count}_releases", page_ms / floor_ms)
        figure(f"{name}_queries_at_{count}_releases", query_count(client, url))


def main() -> None:
    for count in SIZES:
        with tempfile.TemporaryDirectory(prefix="oncall-releases-") as folder:
            env = {
                **os.environ,
                "DATABASE_URL": f"sqlite:///{folder}/releases.sqlite3",
                "LOG_LEVEL": "WARNING",
            }
            out = subprocess.run(
                [sys.executable, "-m", "benchmarks.releases", "--measure", str(count)],
                cwd=ROOT,
                env=env,
                timeout=1800,
            )
            if out.returncode != 0:
                raise SystemExit("release page benchmark failed")


if __name__ == "__main__":
    if "--measure" in sys.argv:
        measure(int(sys.argv[sys.argv.index("--measure") + 1]))
    else:
        main()
