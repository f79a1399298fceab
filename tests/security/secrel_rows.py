"""Stored SecRel runs for selector and page tests: one story around the March 2026 change.

`0 11 * * 1-5` runs at 11:05 UTC: 06:05 EST (off schedule by the daylight-saving shift)
until Friday March 6, 07:05 EDT from Monday March 9. On develop: green Monday and Tuesday,
Wednesday March 4 missed, red from Thursday March 5 (Snyk), Friday and Monday (Aqua gate),
Tuesday's run cancelled, Wednesday March 11 missed. A feature branch passes meanwhile, and
a push is still running at `NOW` (18:30 UTC on March 11).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

from security.models import SecrelRun

_ids = count(1)


def make_run(
    created_at: datetime,
    conclusion: str = "success",
    *,
    event: str = "schedule",
    branch: str = "develop",
    took: timedelta = timedelta(minutes=30),
    **fields,
) -> SecrelRun:
    run_id = next(_ids)
    fields.setdefault("run_number", run_id)
    fields.setdefault("status", "completed" if conclusion else "in_progress")
    return SecrelRun.objects.create(
        run_id=run_id,
        event=event,
        branch=branch,
        conclusion=conclusion,
        head_sha="a" * 40,
        created_at=created_at,
        updated_at=created_at + took,
        html_url=f"https://github.com/org/repo/actions/runs/{run_id}",
        **fields,
    )


def cron(day: int) -> datetime:
    """March `day`, 11:05 UTC."""
    return datetime(2026, 3, day, 11, 5, tzinfo=UTC)


def march_story() -> dict[str, SecrelRun]:
    snyk = {"failed_job": "SecRel Pipeline", "failed_step": "Snyk scan (code and dependencies)"}
    aqua = {"failed_job": "SecRel Pipeline", "failed_step": "Aqua gate check"}
    return {
        "before": make_run(cron(2) - timedelta(days=4), run_number=100, images_published=True),
        "mon": make_run(cron(2), run_number=101, images_published=True),
        "tue": make_run(cron(3), run_number=102, images_published=True),
        "thu": make_run(cron(5), "failure", run_number=104, images_published=True, **snyk),
        "fri": make_run(cron(6), "failure", run_number=105, images_published=False, **aqua),
        "mon9": make_run(cron(9), "failure", run_number=106, images_published=False, **aqua),
        "feature": make_run(
            cron(10) - timedelta(hours=2),
            event="push",
            branch="feature/bip-retries",
            run_number=107,
        ),
        "tue10": make_run(cron(10), "cancelled", run_number=108),
        "going": make_run(datetime(2026, 3, 11, 18, tzinfo=UTC), "", event="push", run_number=109),
    }
