"""The findings figures of the metrics document count most rows in the database and read
the rest one by one; together they must equal the rules applied to every row."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from security import findings
from security.models import Finding, SlaPolicy
from security.selectors_findings import findings_document
from tests.clock import NOW

pytestmark = pytest.mark.django_db

SEVERITIES = ["critical", "high", "medium", "low", "unrated"]
TOOLS = ["snyk", "aqua", "other"]


def history(rng: random.Random, size: int) -> None:
    """Findings over a year before NOW and a little after: some closed (fixed or dismissed),
    some with exceptions granted before or after the moments asked about, stored the way
    every write path stores them (the due date by the rule)."""
    rules = SlaPolicy.current().rules()
    rows = []
    for number in range(1, size + 1):
        first_seen = NOW - timedelta(hours=rng.randrange(-24 * 20, 24 * 365))
        severity = rng.choice(SEVERITIES)
        closed = reason = None
        if rng.random() < 0.4:
            closed = first_seen + timedelta(hours=rng.randrange(1, 24 * 120))
            reason = rng.choice(["fixed", "fixed", "dismissed"])
        granted = expires = None
        if rng.random() < 0.15:
            granted = first_seen + timedelta(hours=rng.randrange(1, 24 * 60))
            expires = granted + timedelta(days=rng.randrange(1, 90))
        rows.append(
            Finding(
                source="code_scanning",
                number=number,
                title=f"finding {number}",
                severity=severity,
                upstream_severity=severity,
                tool=rng.choice(TOOLS),
                first_seen_at=first_seen,
                closed_at=closed,
                closed_reason=reason or "",
                exception_granted_at=granted,
                exception_expires_at=expires,
                sla_due_at=findings.sla_due(first_seen, severity, rules, exception_expires=expires),
            )
        )
    Finding.objects.bulk_create(rows)


def every_row_by_the_rules(*, since, until, as_of) -> dict:
    facts = [
        findings.FindingFacts(
            id=f.pk,
            first_seen=f.first_seen_at,
            severity=f.severity,
            tool=f.tool,
            closed=f.closed_at,
            closed_reason=f.closed_reason if f.closed_at else "",
            exception_granted=f.exception_granted_at if f.exception_expires_at else None,
            exception_expires=f.exception_expires_at if f.exception_granted_at else None,
        )
        for f in Finding.objects.all()
    ]
    summary = findings.findings_summary(
        facts, policy=SlaPolicy.current().rules(), since=since, until=until, as_of=as_of
    )
    return findings.to_json(summary)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_counted_and_read_one_by_one_equal_every_row_by_the_rules(seed: int) -> None:
    rng = random.Random(seed)
    history(rng, 400)
    for _ in range(6):
        since = NOW - timedelta(days=rng.randrange(0, 300))
        until = since + timedelta(days=14)
        as_of = rng.choice([until, NOW, since + timedelta(days=3), until + timedelta(days=40)])
        expected = every_row_by_the_rules(since=since, until=until, as_of=as_of)
        assert findings_document(since=since, until=until, as_of=as_of) == expected
        assert expected["open"] > 0  # the comparison has rows to count
