"""Reads of the security part of the sprint handoff report that the metrics document does not
give: the SecRel runs of the sprint by conclusion, the exceptions granted in it and those
expiring soon. One query each, whatever the number of rows."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Q

from security import findings
from security.models import Finding, FindingEvent, FindingEventKind, SecrelRun
from security.reminders import EXPIRY_DAYS  # as the morning message names them
from security.selectors import CONCLUSION_RUNNING
from security.selectors_findings import facts_of


def run_counts(*, branch: str, since: datetime, until: datetime, as_of: datetime) -> dict[str, int]:
    """The runs on `branch` started in [since, until) by `as_of`, by conclusion ("running"
    for those not completed): one grouped count."""
    rows = (
        SecrelRun.objects.filter(
            branch=branch, created_at__gte=since, created_at__lt=until, created_at__lte=as_of
        )
        .order_by()
        .values_list("status", "conclusion")
        .annotate(n=Count("pk"))
    )
    counts: dict[str, int] = {}
    for status, conclusion, n in rows:
        key = conclusion if status == "completed" and conclusion else CONCLUSION_RUNNING
        counts[key] = counts.get(key, 0) + n
    return counts


def exceptions_granted(*, since: datetime, until: datetime, as_of: datetime) -> list[FindingEvent]:
    """Exceptions granted in [since, until) by `as_of`, from the findings' history (a finding
    granted twice counts twice), oldest first."""
    return list(
        FindingEvent.objects.filter(
            kind=FindingEventKind.EXCEPTION_GRANTED, at__gte=since, at__lt=until, at__lte=as_of
        )
        .select_related("finding", "user")
        .order_by("at", "pk")
    )


def exceptions_expiring(
    *, as_of: datetime, rules: findings.Sla, days: int = EXPIRY_DAYS
) -> list[tuple[Finding, datetime]]:
    """Exceptions in force at `as_of` that end within `days` calendar days (the rule of
    `security.findings.exception_expires_within`), soonest first."""
    horizon = findings.add_days(as_of, days, rules.zone)
    candidates = Finding.objects.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=as_of),
        exception_expires_at__gt=as_of,
        exception_expires_at__lte=horizon,
    ).order_by("exception_expires_at", "pk")
    out = []
    for finding in candidates:
        expires = findings.exception_expires_within(facts_of(finding), as_of, days, rules.zone)
        if expires is not None:
            out.append((finding, expires))
    return out
