"""Run every benchmark against the sandbox upstreams on loopback and print `name: value` lines.

Sync: a first sync of the scale scenario (10,000 PagerDuty incidents with their log
entries, 2,000 SecRel runs) into a fresh SQLite database, then a repeat sync with nothing
new, then the same pages downloaded without storing anything. Memory is the peak RSS of
the syncing process, at a quarter and at the full volume (flat = streamed).

Pages: server time of the incident list, the metrics page and the API beside a bare page
(`benchmarks/pages.py`), and of the SecRel, findings and Dependabot pages at 50,000
findings, 5,000 runs and 2,000 PRs (`benchmarks/security.py`), of the release pages and
API at 2,000 past releases (`benchmarks/releases.py`), and of the dashboard, its live part
and the summary API with two years of history (`benchmarks/dashboard.py`), and of the
sprint handoff report and its PDF at the same size (`benchmarks/report.py`).

Load: 50 logged-in users on gunicorn while a full sync runs and webhooks arrive, on SQLite
and PostgreSQL (`benchmarks/load.py`). `python -m benchmarks --pages-only` runs the pages
alone.
"""

import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = "pagerduty,github"


def figure(name: str, value: float | int) -> None:
    text = f"{value:.3f}" if isinstance(value, float) else str(value)
    print(f"{name}: {text}", flush=True)


def control(base: str, path: str, method: str = "GET", body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}/_sandbox{path}", data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback only
        raw = response.read()
    return json.loads(raw) if raw else {}


def run(env: dict[str, str], *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=1800
    )
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed:\n{out.stderr[-3000:]}")
    lines = [line for line in out.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {}


def fresh_database(env: dict[str, str], folder: Path, name: str) -> dict[str, str]:
    env = {**env, "DATABASE_URL": f"sqlite:///{folder / name}"}
    run(env, "manage.py", "migrate", "--verbosity", "0")
    run(env, "manage.py", "seed_demo")
    return env


@contextlib.contextmanager
def sandbox_upstreams(folder: Path, *options: str) -> Iterator[dict[str, str]]:
    """The sandbox upstreams on loopback (free ports) while the block runs: the variables
    that point the site at them (`manage.py sandbox --env-file`)."""
    env_file = folder / "sandbox.env"
    ports = [f"--{vendor}-port=0" for vendor in ("github", "pagerduty", "datadog", "slack")]
    log = (folder / "sandbox.log").open("w")  # not a pipe nobody reads, which could fill up
    sandbox = subprocess.Popen(
        [sys.executable, "manage.py", "sandbox", "--env-file", str(env_file), *ports, *options],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        deadline = time.monotonic() + 60
        while not env_file.exists():
            if sandbox.poll() is not None or time.monotonic() > deadline:
                log.flush()
                raise SystemExit(
                    f"the sandbox did not start:\n{Path(log.name).read_text()[-2000:]}"
                )
            time.sleep(0.2)
        time.sleep(0.3)
        yield dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
        log.close()


def sync_benchmarks(tmp: Path) -> None:
    with sandbox_upstreams(tmp, "--scale") as values:
        base_env = {
            **os.environ,
            **values,
            "GITHUB_SECONDS_BETWEEN_REQUESTS": "0",
            "SYNC_BACKFILL_DAYS": "400",
            "LOG_LEVEL": "WARNING",
        }
        gh, pd = values["GITHUB_API_URL"], values["PAGERDUTY_API_URL"]

        def requests_made() -> int:
            return sum(control(url, "/requests")["total"] for url in (gh, pd))

        def reset_requests() -> None:
            for url in (gh, pd):
                control(url, "/requests", "DELETE")

        # A quarter of the volume first, for the memory comparison.
        control(
            pd, "/scenario", "POST", {"incidents": 2500, "workflow_runs": 500, "live_interval": 0}
        )
        env = fresh_database(base_env, tmp, "quarter.sqlite3")
        quarter = run(env, "-m", "benchmarks.worker", "sync", SOURCES)

        control(
            pd,
            "/scenario",
            "POST",
            {"incidents": 10_000, "workflow_runs": 2_000, "live_interval": 0},
        )
        env = fresh_database(base_env, tmp, "full.sqlite3")
        reset_requests()
        first = run(env, "-m", "benchmarks.worker", "sync", SOURCES)
        first_requests = requests_made()
        reset_requests()
        repeat = run(env, "-m", "benchmarks.worker", "sync", SOURCES)
        repeat_requests = requests_made()
        reset_requests()
        download = run(env, "-m", "benchmarks.worker", "download", SOURCES)

        # Partner app performance over the incidents just stored: one run reads at most
        # DATADOG_PERFORMANCE_MAX_QUERIES metric queries, newest incidents first.
        dd = values["DATADOG_API_URL"]
        control(dd, "/requests", "DELETE")
        performance = run(env, "-m", "benchmarks.worker", "sync", "datadog.partner_performance")
        performance_queries = control(dd, "/requests")["total"]
        control(dd, "/requests", "DELETE")
        run(env, "-m", "benchmarks.worker", "sync", "datadog.partner_performance")
        performance_next_queries = control(dd, "/requests")["total"]

        figure("first_sync_items", first["fetched"])
        figure("first_sync_seconds", first["seconds"])
        figure("first_sync_requests", first_requests)
        figure("worker_peak_rss_mb", first["peak_rss_mb"])
        figure("worker_peak_rss_mb_quarter_volume", quarter["peak_rss_mb"])
        figure("worker_rss_growth_ratio_4x_items", first["peak_rss_mb"] / quarter["peak_rss_mb"])
        figure("repeat_sync_requests", repeat_requests)
        figure("repeat_sync_rows_written", repeat["written"])
        figure("download_only_seconds", download["seconds"])
        figure("sync_vs_download_ratio", first["seconds"] / download["seconds"])
        figure("partner_performance_run_seconds", performance["seconds"])
        figure("partner_performance_run_datadog_queries", performance_queries)
        figure("partner_performance_rows_written", performance["written"])
        figure("partner_performance_next_run_datadog_queries", performance_next_queries)


def main() -> None:
    if "--pages-only" not in sys.argv:
        with tempfile.TemporaryDirectory(prefix="oncall-bench-") as folder:
            sync_benchmarks(Path(folder))
    from benchmarks import dashboard, pages, releases, report, security

    pages.main()
    security.main()
    releases.main()
    dashboard.main()
    report.main()
    if "--pages-only" not in sys.argv:
        from benchmarks import load

        load.main([])


if __name__ == "__main__":
    main()
