"""The security part of the sprint handoff report (see reports/document.py): SecRel, findings
and Dependabot PRs in the sprint.

Every figure the metrics document gives (`ctx.metrics["security"]`: the SecRel status, time
red, missed and off-schedule runs, pass rate; findings opened, fixed, overdue, under
exception; Dependabot PRs merged and open) is taken from it, never recomputed; this module
adds the rows it does not list (runs by conclusion, exceptions granted and expiring) and the
link to the rows behind each figure.

Time red (`security.secrel.hours_red`, given as seconds here): the time of the sprint, up to
`as_of`, during which SecRel on the main branch was failing, from a failure's completion to
the completion of the success that ended the streak; a streak begun before the sprint
counts from the sprint's start, one still open at `as_of` runs to it.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from incidents.windows import isoformat_utc
from oncall_site.integrations.timestamps import parse_instant
from reports.context import ReportContext
from security.models import SlaPolicy
from security.selectors import CONCLUSION_RED, CONCLUSIONS
from security.selectors_report import (
    EXPIRY_DAYS,
    exceptions_expiring,
    exceptions_granted,
    run_counts,
)

# The order the runs' conclusions are listed in; any other GitHub gives comes after.
CONCLUSION_ORDER = ("success", "failure", "timed_out", "startup_failure", "cancelled", "skipped")


def _url(name: str, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{reverse(name)}?{query}" if query else reverse(name)


def _span(seconds: int) -> str:
    """A duration as a person reads it, to the minute: 0 min, 45 min, 2 d 3 h 5 min."""
    minutes = round(seconds / 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    parts = [f"{n} {unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "min")) if n]
    return " ".join(parts) or "0 min"


def _secrel(ctx: ReportContext) -> dict[str, Any]:
    figures = ctx.metrics["security"]["secrel"]
    branch = settings.SECREL_BRANCH
    window = {
        "branch": branch,
        "since": isoformat_utc(ctx.since),
        "until": isoformat_utc(ctx.until),
    }
    counts = run_counts(branch=branch, since=ctx.since, until=ctx.until, as_of=ctx.as_of)
    keys = [k for k in CONCLUSION_ORDER if k in counts]
    keys += sorted(k for k in counts if k not in CONCLUSION_ORDER)
    by_conclusion = [
        {
            "conclusion": key,
            "label": CONCLUSIONS.get(key, key.replace("_", " ").capitalize()),
            "runs": counts[key],
            "url": _url("security-secrel", **window, conclusion=key) + "#history-heading",
        }
        for key in keys
    ]
    hours, rate = figures["hours_red"], figures["pass_rate"]
    seconds = None if hours is None else round(hours * 3600)
    failing_since = figures["failing_since"]
    return {
        "branch": branch,
        "runs": sum(counts.values()),
        "runs_url": _url("security-secrel", **window) + "#history-heading",
        "by_conclusion": by_conclusion,
        "state": figures["state"],
        "failing_since": parse_instant(failing_since),
        "failing_since_run_number": figures["failing_since_run_number"],
        "red_runs": figures["red_runs"],
        "red_runs_url": (
            _url("security-secrel", branch=branch, conclusion=CONCLUSION_RED, since=failing_since)
            + "#history-heading"
            if failing_since
            else None
        ),
        "failed_job": figures["failed_job"],
        "failed_step": figures["failed_step"],
        "images_published": figures["images_published"],
        "time_red_seconds": None if seconds is None else seconds,
        "time_red_words": None if seconds is None else _span(seconds),
        "pass_rate": figures["pass_rate"],
        "pass_rate_percent": None if rate is None else round(rate * 100),
        "missed_scheduled_runs": (
            None
            if figures["missed_scheduled_runs"] is None
            else [date.fromisoformat(d) for d in figures["missed_scheduled_runs"]]
        ),
        "off_schedule_runs": figures["off_schedule_runs"],
        "schedule_url": reverse("security-secrel"),
    }


def _finding(finding: Any) -> dict[str, Any]:
    return {
        "id": finding.pk,
        "label": finding.label,
        "title": finding.title,
        "severity": finding.severity,
        "url": reverse("finding-detail", args=[finding.pk]),
    }


def _findings(ctx: ReportContext) -> dict[str, Any]:
    figures = ctx.metrics["security"]["findings"]
    window = {"since": isoformat_utc(ctx.since), "until": isoformat_utc(ctx.until)}
    rules = SlaPolicy.current().rules()
    granted = exceptions_granted(since=ctx.since, until=ctx.until, as_of=ctx.as_of)
    expiring = exceptions_expiring(as_of=ctx.as_of, rules=rules)
    return {
        "opened": figures["opened"],
        "opened_url": _url("finding-list", state="all", window="opened", **window),
        "fixed": figures["fixed"],
        "fixed_url": _url("finding-list", state="closed", window="fixed", **window),
        "dismissed": figures["dismissed"],
        "mean_days_to_remediate": figures["mean_days_to_remediate"],
        "open": figures["open"],
        "open_url": reverse("finding-list"),
        "overdue": figures["overdue"],
        "overdue_url": _url("finding-list", overdue="yes"),
        "under_exception": figures["under_exception"],
        "under_exception_url": _url("finding-list", state="excepted"),
        "exceptions_granted": [
            {
                **_finding(event.finding),
                "granted_at": event.at,
                "granted_by": (event.user.get_full_name() or event.user.get_username())
                if event.user
                else None,
                "through": event.expires_on,
            }
            for event in granted
        ],
        "expiry_days": EXPIRY_DAYS,
        "exceptions_expiring": [
            {**_finding(finding), "expires_at": expires} for finding, expires in expiring
        ],
    }


def _dependabot(ctx: ReportContext) -> dict[str, Any]:
    figures = ctx.metrics["security"]["dependabot"]
    return {
        "merged": figures["merged"],
        "merged_url": _url("dependabot-closed", sprint=ctx.sprint.number, outcome="merged"),
        "median_hours_to_merge": figures["median_hours_to_merge"],
        # Open at the sooner of the sprint's end and `as_of`; the split into groups is only
        # known for the present (None for a sprint that has ended).
        "open_at": min(ctx.until, ctx.as_of),
        "open": figures["open"],
        "ready_to_merge": figures["ready_to_merge"],
        "failing": figures["failing"],
        "waiting": figures["waiting"],
        "queue_url": reverse("dependabot-queue"),
    }


def security_section(ctx: ReportContext) -> dict[str, Any]:
    """`{"secrel", "findings", "dependabot"}` of the sprint as of `as_of` (see the module's
    docstring); four queries beyond the metrics document, whatever the number of rows."""
    return {
        "secrel": _secrel(ctx),
        "findings": _findings(ctx),
        "dependabot": _dependabot(ctx),
    }
