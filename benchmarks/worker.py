"""One benchmark step in its own process, so its peak memory is its own.

    python -m benchmarks.worker sync pagerduty,github
    python -m benchmarks.worker download pagerduty,github

Prints one JSON object: seconds, fetched, written, peak_rss_mb.
"""

import json
import os
import resource
import sys
import time


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oncall_site.settings")
    import django

    django.setup()
    mode, sources = sys.argv[1], sys.argv[2].split(",")
    started = time.monotonic()
    fetched = written = 0
    if mode == "sync":
        from oncall_site.sync import run_job, select

        for declared in (j for source in sources for j in select(source)):
            outcome = run_job(declared, manual=True)
            if outcome.status != "ok":
                raise SystemExit(f"{declared.key}: {outcome.message}")
            fetched += outcome.fetched
            written += outcome.written
    elif mode == "download":
        fetched = download(sources)
    else:
        raise SystemExit(f"unknown mode {mode!r}")
    seconds = time.monotonic() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "seconds": seconds,
                "fetched": fetched,
                "written": written,
                "peak_rss_mb": peak_kb / 1024,
            }
        )
    )


def download(sources: list[str]) -> int:
    """The same pages the first sync fetches, read and normalized, nothing stored."""
    from datetime import timedelta

    from django.conf import settings
    from django.utils import timezone

    from oncall_site.integrations import github, pagerduty

    now = timezone.now()
    since = now - timedelta(days=settings.SYNC_BACKFILL_DAYS)
    count = 0
    if "pagerduty" in sources:
        config = pagerduty.config_from_settings()
        client = pagerduty.build_client(config)
        count += sum(1 for _ in pagerduty.iter_incidents(client, config, since=since, until=now))
        count += sum(
            1 for _ in pagerduty.iter_acknowledgements(client, config, since=since, until=now)
        )
        count += sum(
            1
            for _ in pagerduty.iter_incidents(
                client, config, since=None, statuses=("triggered", "acknowledged")
            )
        )
    if "github" in sources:
        config = github.config_from_settings()
        client = github.build_client(config)
        # As the sync reads them: newest first, no `created` filter, stop past `since`.
        for run in github.iter_workflow_runs(client, config, with_failures=True):
            count += 1
            if run.created_at < since:
                break
        count += sum(1 for _ in github.iter_dependabot_prs(client, config))
    return count


if __name__ == "__main__":
    main()
