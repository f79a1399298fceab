"""The sprint report's security section: SecRel runs, time red (across a DST change), missed
runs; findings opened, fixed, overdue, exceptions granted and expiring; Dependabot PRs
merged and open. Figures checked against hand-computed ones and the metrics API, each list
behind a figure opened, a constant number of queries at two sizes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from reports.document import report_context
from reports.encoding import plain
from rotations.models import Sprint, team_zone
from security import findings
from security.models import DependabotPR, Finding, FindingEvent, SecrelRun, SlaPolicy
from security.report import security_section
from tests.clock import NOW
from tests.security.secrel_rows import make_run, march_story

pytestmark = pytest.mark.django_db


def at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def sprint(db) -> Sprint:
    """Sprint 5: Mar 4 00:00 EST (05:00 UTC) to Mar 18 00:00 EDT (04:00 UTC); NOW in it."""
    return Sprint.objects.create(number=5, start_date=date(2026, 3, 4), end_date=date(2026, 3, 18))


def section_of(sprint: Sprint, as_of: datetime = NOW) -> dict:
    return plain({"s": security_section(report_context(sprint, as_of=as_of))})["s"]


_numbers = iter(range(1, 10_000_000))


def finding(title: str, first_seen: datetime, severity: str = "high", **fields) -> Finding:
    rules = SlaPolicy.current().rules()
    due = findings.sla_due(
        first_seen, severity, rules, exception_expires=fields.get("exception_expires_at")
    )
    return Finding.objects.create(
        source="code_scanning",
        number=next(_numbers),
        tool="snyk",
        title=title,
        severity=severity,
        upstream_severity=severity,
        first_seen_at=first_seen,
        upstream_state="fixed" if fields.get("closed_reason") == "fixed" else "open",
        sla_due_at=due,
        **fields,
    )


def excepted(title: str, granted: datetime, through: date, by) -> Finding:
    expires = findings.exception_expiry(through, team_zone())
    row = finding(title, at(2, 20), exception_granted_at=granted, exception_expires_at=expires)
    FindingEvent.objects.create(
        finding=row, kind="exception_granted", at=granted, user=by, expires_on=through
    )
    return row


def pr(number: int, opened: datetime, **fields) -> DependabotPR:
    return DependabotPR.objects.create(
        number=number,
        title=f"Bump lodash from 4.17.{number} to 4.17.21",
        head_sha="b" * 40,
        head_ref=f"dependabot/npm_and_yarn/lodash-{number}",
        base_ref="develop",
        opened_at=opened,
        html_url=f"https://github.com/org/repo/pull/{number}",
        ci_status=fields.pop("ci_status", "success"),
        last_seen_at=NOW,
        **fields,
    )


@pytest.fixture
def story(sprint, lead):
    """SecRel's March story; findings opened, fixed, dismissed, overdue and under exception;
    Dependabot PRs merged before and in the sprint, and two open."""
    runs = march_story()
    rows = {
        "new": finding("opened in the sprint", at(3, 5)),
        "fixed": finding(
            "fixed in the sprint", at(2, 1), closed_at=at(3, 6), closed_reason="fixed"
        ),
        "dismissed": finding(
            "dismissed in the sprint", at(2, 2), closed_at=at(3, 7), closed_reason="dismissed"
        ),
        "old": finding("overdue since January", at(1, 1)),
        "soon": excepted("exception ending Mar 15", at(3, 9, 15), date(2026, 3, 15), lead),
        "later": excepted("exception ending Apr 30", at(2, 25), date(2026, 4, 30), lead),
    }
    prs = {
        "merged": pr(1, at(3, 2), open=False, closed_at=at(3, 6), merged_at=at(3, 6)),
        "earlier": pr(2, at(2, 10), open=False, closed_at=at(2, 20), merged_at=at(2, 20)),
        "ready": pr(3, at(3, 9), mergeable=True),
        "failing": pr(4, at(3, 10), ci_status="failure", mergeable=True),
    }
    return {"runs": runs, "findings": rows, "prs": prs}


def test_secrel_runs_status_time_red_and_missed_runs(story, sprint):
    """On develop in the sprint: Thu 104, Fri 105, Mon 106 failed, Tue 108 cancelled, a push
    still running (109). Red from 104's completion (Mar 5 11:35 UTC) to NOW (Mar 11 18:30):
    6 days 6 h 55 min = 543,300 s. Wed Mar 4 and Wed Mar 11 had no scheduled run."""
    secrel = section_of(sprint)["secrel"]
    assert secrel["runs"] == 5
    assert {c["conclusion"]: c["runs"] for c in secrel["by_conclusion"]} == {
        "failure": 3,
        "cancelled": 1,
        "running": 1,
    }
    assert (secrel["state"], secrel["failing_since_run_number"], secrel["red_runs"]) == (
        "failing",
        104,
        3,
    )
    assert secrel["failing_since"] == "2026-03-05T11:05:00Z"
    assert secrel["failed_step"] == "Aqua gate check"
    assert secrel["time_red_seconds"] == 543_300
    assert secrel["time_red_words"] == "6 d 6 h 55 min"
    assert secrel["missed_scheduled_runs"] == ["2026-03-04", "2026-03-11"]
    assert secrel["pass_rate"] == 0.0


def test_time_red_across_the_dst_change_is_real_time(sprint):
    """Red from Sat Mar 7 12:00 EST (17:00 UTC) to Mon Mar 9 12:00 EDT (16:00 UTC): 48 hours
    on the wall clock, 47 of real time."""
    make_run(at(3, 2, 11, 5), took=timedelta(minutes=30))
    make_run(at(3, 7, 16, 30), "failure")
    make_run(at(3, 9, 15, 30), "success")
    secrel = section_of(sprint)["secrel"]
    assert secrel["time_red_seconds"] == 47 * 3600
    assert secrel["time_red_words"] == "1 d 23 h"
    assert secrel["state"] == "passing"


def test_findings_opened_fixed_overdue_and_exceptions(story, sprint, lead):
    section = section_of(sprint)["findings"]
    assert (section["opened"], section["fixed"], section["dismissed"]) == (1, 1, 1)
    assert section["mean_days_to_remediate"] == 33.0  # Feb 1 to Mar 6
    assert (section["overdue"], section["under_exception"], section["open"]) == (1, 2, 4)
    soon = story["findings"]["soon"]
    assert [(e["id"], e["granted_at"], e["through"]) for e in section["exceptions_granted"]] == [
        (soon.pk, "2026-03-09T15:00:00Z", "2026-03-15")
    ]
    assert section["exceptions_granted"][0]["granted_by"] == "lead"
    # Granted through Mar 15: ends at the midnight after it, 04:00 UTC (EDT); NOW + 10 days
    # is Mar 21, so it is expiring, the one through Apr 30 is not.
    assert [(e["id"], e["expires_at"]) for e in section["exceptions_expiring"]] == [
        (soon.pk, "2026-03-16T04:00:00Z")
    ]


def test_dependabot_merged_in_the_sprint_and_open_now(story, sprint):
    section = section_of(sprint)["dependabot"]
    assert section["merged"] == 1
    assert section["merged_url"] == "/security/dependabot/closed/?sprint=5&outcome=merged"
    assert (section["open"], section["ready_to_merge"], section["failing"]) == (2, 1, 1)
    assert section["open_at"] == "2026-03-11T18:30:00Z"


def test_the_figures_are_the_metrics_apis(story, sprint, client, lead):
    client.force_login(lead)
    api = client.get(reverse("api-metrics"), {"sprint": 5, "as_of": "2026-03-11T18:30:00Z"})
    assert api.status_code == 200
    figures = api.json()["security"]
    section = section_of(sprint)
    secrel, expected = section["secrel"], figures["secrel"]
    for key in ("state", "failing_since_run_number", "failing_since", "red_runs", "pass_rate"):
        assert secrel[key] == expected[key], key
    assert secrel["missed_scheduled_runs"] == expected["missed_scheduled_runs"]
    assert secrel["off_schedule_runs"] == expected["off_schedule_runs"]
    assert secrel["time_red_seconds"] == round(expected["hours_red"] * 3600)
    for key in ("opened", "fixed", "dismissed", "overdue", "under_exception", "open"):
        assert section["findings"][key] == figures["findings"][key], key
    for key in ("merged", "open", "ready_to_merge", "failing", "waiting"):
        assert section["dependabot"][key] == figures["dependabot"][key], key


def test_each_figure_links_to_its_rows(story, sprint, client, lead, at_now):
    client.force_login(lead)
    section = section_of(sprint)

    def history(url: str) -> str:
        page = client.get(url).content.decode()
        return page[page.index('id="history-heading"') :]

    runs = history(section["secrel"]["runs_url"])
    assert ">#104<" in runs and ">#109<" in runs
    assert ">#102<" not in runs and ">#107<" not in runs  # before the sprint; another branch
    failed = next(c for c in section["secrel"]["by_conclusion"] if c["conclusion"] == "failure")
    page = history(failed["url"])
    assert ">#104<" in page and ">#108<" not in page
    opened = client.get(section["findings"]["opened_url"]).content.decode()
    assert "opened in the sprint" in opened and "overdue since January" not in opened
    fixed = client.get(section["findings"]["fixed_url"]).content.decode()
    assert "fixed in the sprint" in fixed and "dismissed in the sprint" not in fixed
    merged = client.get(section["dependabot"]["merged_url"]).content.decode()
    assert "4.17.1 " in merged and "4.17.2 " not in merged


def test_empty_states(sprint, client, lead, at_now):
    section = section_of(sprint)
    assert (section["secrel"]["runs"], section["secrel"]["state"]) == (0, "unknown")
    assert section["secrel"]["time_red_seconds"] is None
    assert section["secrel"]["missed_scheduled_runs"] is None
    assert section["findings"]["exceptions_granted"] == []
    assert section["dependabot"]["merged"] == 0
    client.force_login(lead)
    page = client.get(reverse("reports:sprint", args=[5])).content.decode()
    assert "No SecRel run on develop started this sprint." in page
    assert "not measured" in page


def test_the_page_prints_tables_without_forms_or_inline_styles(story, client, lead, at_now):
    client.force_login(lead)
    page = client.get(reverse("reports:sprint", args=[5])).content.decode()
    start = page.index('aria-labelledby="report-security-heading"')
    mine = page[start : page.index("</section>", start)]
    assert "<form" not in mine and "style=" not in mine
    assert mine.count("<table") == mine.count("<thead>") == 3
    assert "6 d 6 h 55 min" in mine
    assert "Wed 2026-03-04, Wed 2026-03-11" in mine
    assert "exception ending Mar 15" in mine


def _grow(size: int) -> None:
    base = at(3, 4, 6)
    SecrelRun.objects.bulk_create(
        SecrelRun(
            run_id=1_000_000 + i,
            run_number=1_000 + i,
            event="push",
            branch="develop",
            status="completed",
            conclusion="failure" if i % 3 else "success",
            head_sha="c" * 40,
            created_at=base + timedelta(minutes=5 * i),
            updated_at=base + timedelta(minutes=5 * i + 2),
            html_url="https://github.com/org/repo/actions/runs/1",
        )
        for i in range(size)
    )
    rules = SlaPolicy.current().rules()
    expires = findings.exception_expiry(date(2026, 3, 16), team_zone())
    rows = Finding.objects.bulk_create(
        Finding(
            source="dependabot",
            number=2_000_000 + i,
            tool="dependabot",
            title="t",
            severity="low",
            first_seen_at=base + timedelta(minutes=i),
            sla_due_at=findings.sla_due(base, "low", rules),
            exception_granted_at=base + timedelta(minutes=i),
            exception_expires_at=expires,
        )
        for i in range(size)
    )
    FindingEvent.objects.bulk_create(
        FindingEvent(finding=row, kind="exception_granted", at=row.first_seen_at) for row in rows
    )


@pytest.mark.parametrize("size", [3, 2000])
def test_it_answers_in_a_constant_number_of_queries(story, sprint, size, django_assert_num_queries):
    _grow(size)
    ctx = report_context(sprint, as_of=NOW)
    # Runs by conclusion, the SLA policy, exceptions granted, exceptions expiring.
    with django_assert_num_queries(4):
        section = security_section(ctx)
    assert len(section["findings"]["exceptions_granted"]) == size + 1
    assert len(section["findings"]["exceptions_expiring"]) == size + 1
