"""What of SecRel, findings and the Dependabot queue needs the pair now
(`security.selectors_needs`), from hand-made statuses and counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from security.secrel import SecrelStatus
from security.selectors_findings import FindingCounts
from security.selectors_needs import dependabot_needs, finding_needs, secrel_needs, security_needs
from tests.clock import NOW


@dataclass
class Run:
    run_number: int
    branch: str
    created_at: datetime
    failed_step: str = ""


def counts(overdue: int = 0, due_soon: int = 0) -> FindingCounts:
    return FindingCounts(
        unresolved=50,
        by_severity={},
        unrated=0,
        by_tool={},
        overdue=overdue,
        due_soon=due_soon,
        excepted=0,
    )


def test_secrel_red_names_the_first_failed_run_and_waits_since_it():
    first = Run(552, "develop", NOW - timedelta(hours=30))
    latest = Run(560, "develop", NOW - timedelta(hours=1), failed_step="Aqua gate check")
    [need] = secrel_needs(SecrelStatus("develop", latest, first, red_runs=5))
    assert need.kind == "secrel_red"
    assert need.title == "SecRel failing on develop since run #552"
    assert need.since == first.created_at
    assert need.detail.startswith("5 red runs, failing at Aqua gate check")
    assert need.url == "/security/secrel/"


def test_secrel_passing_or_never_run_needs_nobody():
    passed = Run(561, "develop", NOW)
    assert secrel_needs(SecrelStatus("develop", passed, None)) == []
    assert secrel_needs(SecrelStatus("develop", None, None)) == []


def test_findings_past_and_near_their_sla_are_one_line_each_linking_to_the_list():
    overdue, soon = finding_needs(counts(overdue=12, due_soon=1))
    assert (overdue.kind, overdue.title, overdue.count) == (
        "findings_overdue",
        "12 findings past the SLA",
        12,
    )
    assert overdue.url == "/security/findings/?overdue=yes"
    assert (soon.title, soon.url) == (
        "1 finding due within 7 days",
        "/security/findings/?overdue=soon",
    )
    assert finding_needs(counts()) == []


def test_dependabot_prs_failing_and_ready_are_counted_apart():
    failing, ready = dependabot_needs({"attention": 1, "ready": 8, "waiting": 3})
    assert (failing.kind, failing.title, failing.count) == (
        "dependabot_failing",
        "1 Dependabot PR needs attention",
        1,
    )
    assert failing.url.endswith("#attention")
    assert (ready.title, ready.url) == (
        "8 Dependabot PRs ready to merge",
        "/security/dependabot/#ready",
    )
    assert dependabot_needs({"attention": 0, "ready": 0, "waiting": 3}) == []


def test_the_app_says_all_three_together():
    first = Run(1, "develop", NOW - timedelta(hours=2))
    needs = security_needs(
        secrel=SecrelStatus("develop", first, first, red_runs=1),
        findings=counts(overdue=1),
        queue={"attention": 0, "ready": 2, "waiting": 0},
    )
    assert [n.kind for n in needs] == ["secrel_red", "findings_overdue", "dependabot_ready"]
