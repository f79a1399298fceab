"""Storing code-scanning and Dependabot alerts as findings: hand-made alerts, then the two
jobs end to end against the sandbox (a 403 on one, an alert fixed upstream)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from oncall_site.integrations import github
from oncall_site.models import SyncJobState
from oncall_site.sync import run_job
from sandbox import Reply
from security import findings
from security.models import Finding, FindingEvent, SlaPolicy
from security.sync import code_scanning_fields, dependabot_alert_fields, store_findings
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def rules() -> findings.Sla:
    return SlaPolicy.current().rules()


def alert(number: int = 7, **changes) -> github.CodeScanningFinding:
    fields = {
        "number": number,
        "tool": "aqua",
        "tool_name": "Trivy",
        "rule_id": "CVE-2024-45490",
        "rule_name": "OsPackageVulnerability",
        "severity": "critical",
        "state": "open",
        "created_at": NOW - timedelta(days=20),
        "updated_at": NOW - timedelta(days=20),
        "fixed_at": None,
        "dismissed_at": None,
        "dismissed_reason": None,
        "html_url": f"https://github.com/org/repo/security/code-scanning/{number}",
        "path": "ghcr.io/example-org/svc-bgs-api",
        "security_severity_level": "critical",
        "rule_level": "error",
        "description": "libexpat: negative length parsing in XML_ParseBuffer",
        "package": "libexpat",
        "version": "2.5.0-1",
        "fixed_version": "2.5.0-1+deb12u1",
    }
    return github.CodeScanningFinding(**{**fields, **changes})


def store(*alerts: github.CodeScanningFinding, now=NOW) -> int:
    return store_findings(
        [code_scanning_fields(a, rules(), now=now) for a in alerts], rules(), now=now
    )


def test_an_alert_is_stored_with_the_scanners_first_seen_and_its_due_date():
    assert store(alert()) == 1
    row = Finding.objects.get()
    assert (row.tool, row.severity, row.package, row.location) == (
        "aqua",
        "critical",
        "libexpat",
        "ghcr.io/example-org/svc-bgs-api",
    )
    assert row.first_seen_at == NOW - timedelta(days=20)  # not when we synced it
    assert row.sla_due_at == NOW - timedelta(days=5)  # 15 days, no DST between


def test_storing_the_same_alerts_again_writes_nothing():
    store(alert(1), alert(2))
    assert store(alert(1), alert(2)) == 0


def test_an_alert_with_an_unknown_tool_and_no_severity_is_other_and_unrated():
    odd = alert(
        tool="other",
        tool_name="",
        security_severity_level="severe",
        rule_level=None,
        description="",
        rule_name=None,
        rule_id=None,
    )
    store(odd)
    row = Finding.objects.get()
    assert (row.tool, row.severity, row.sla_due_at, row.title) == (
        "other",
        "unrated",
        None,
        "Alert 7",
    )


def test_a_persons_rating_stands_until_the_scanners_severity_changes():
    store(alert(security_severity_level=None, rule_level=None))
    Finding.objects.update(severity="high")  # rated by a person
    store(alert(security_severity_level=None, rule_level=None, updated_at=NOW))
    row = Finding.objects.get()
    assert row.severity == "high"
    assert row.sla_due_at == findings.sla_due(row.first_seen_at, "high", rules())
    store(alert(security_severity_level="low", updated_at=NOW))
    assert Finding.objects.get().severity == "low"


def test_an_exception_recorded_here_survives_the_sync_and_restarts_the_sla_if_set():
    store(alert())
    expires = NOW + timedelta(days=3)
    Finding.objects.update(exception_granted_at=NOW, exception_expires_at=expires)
    # stored(): the migration's row is gone after an earlier test's flush in this worker.
    SlaPolicy.objects.filter(pk=SlaPolicy.stored().pk).update(restart_after_exception=True)
    store(alert(updated_at=NOW))
    row = Finding.objects.get()
    assert row.exception_expires_at == expires
    assert row.sla_due_at == expires + timedelta(days=15)


def test_fixed_upstream_closes_it_and_reappearing_reopens_it_with_its_history():
    store(alert())
    fixed_at = NOW - timedelta(hours=2)
    store(alert(state="fixed", fixed_at=fixed_at, updated_at=fixed_at))
    row = Finding.objects.get()
    assert (row.closed_at, row.closed_reason, row.upstream_state) == (fixed_at, "fixed", "fixed")
    store(alert(state="open", updated_at=NOW), now=NOW)
    row = Finding.objects.get()
    assert (row.closed_at, row.closed_reason) == (None, "")
    events = list(FindingEvent.objects.values_list("kind", "at"))
    assert events == [("closed", fixed_at), ("reopened", NOW)]


def test_a_dismissal_without_a_time_closes_when_we_saw_it():
    store(alert())
    store(alert(state="dismissed", dismissed_reason="won't fix", updated_at=NOW))
    row = Finding.objects.get()
    assert (row.closed_at, row.closed_reason, row.dismissed_reason) == (
        NOW,
        "dismissed",
        "won't fix",
    )
    assert FindingEvent.objects.get().note == "Dismissed upstream (won't fix)."


def test_a_dependabot_alert_keeps_its_manifest_and_vulnerable_range():
    dep = github.DependabotAlert(
        number=3,
        state="open",
        severity="moderate",
        package="minimist",
        ecosystem="npm",
        manifest_path="ui/package-lock.json",
        vulnerable_range="< 1.2.6",
        fixed_version="1.2.6",
        ghsa_id="GHSA-xvch-5gv4-984h",
        cve_id=None,
        summary="Prototype pollution in minimist",
        created_at=NOW - timedelta(days=900),
        updated_at=None,
        fixed_at=None,
        dismissed_at=None,
        dismissed_reason=None,
        html_url="javascript:alert(1)",
    )
    store_findings([dependabot_alert_fields(dep, rules(), now=NOW)], rules(), now=NOW)
    row = Finding.objects.get()
    assert (row.source, row.tool, row.severity, row.rule_id) == (
        "dependabot",
        "dependabot",
        "medium",
        "GHSA-xvch-5gv4-984h",
    )
    assert (row.location, row.version, row.fixed_version) == (
        "ui/package-lock.json",
        "< 1.2.6",
        "1.2.6",
    )
    assert row.html_url == ""  # not an http(s) link: not stored


# End to end, against the sandbox


@pytest.fixture
def github_only(upstreams, settings):
    return upstreams


def test_both_jobs_store_the_story_and_a_repeat_reads_one_page_and_writes_nothing(github_only):
    assert run_job("github.code_scanning").status == "ok"
    assert run_job("github.dependabot_alerts").status == "ok"
    served = github_only.dataset.code_scanning.upto(github_only.now())
    assert Finding.objects.filter(source="code_scanning").count() == len(served)
    unrated = Finding.objects.get(tool_name="Checkov")
    assert (unrated.tool, unrated.severity, unrated.sla_due_at) == ("other", "unrated", None)
    trivy = Finding.objects.filter(tool="aqua").exclude(package="").first()
    assert trivy is not None and trivy.version and trivy.fixed_version
    assert Finding.objects.filter(tool="snyk").exclude(package="").exists()
    years_old = Finding.objects.filter(
        source="dependabot", closed_at=None, first_seen_at__lt=NOW - timedelta(days=730)
    )
    assert years_old.count() == 2

    github_only.requests.reset()
    assert run_job("github.code_scanning").written == 0
    assert run_job("github.dependabot_alerts").written == 0
    assert github_only.requests.count("github.code_scanning_alerts") == 1
    assert github_only.requests.count("github.dependabot_alerts") == 1
    (listing,) = github_only.requests.records("github.code_scanning_alerts")
    assert (listing.param("sort"), listing.param("direction")) == ("updated", "desc")


def test_an_alert_fixed_upstream_closes_here_at_the_next_sync(github_only):
    from sandbox import CodeScanningAlert

    now = github_only.now()
    snyk = CodeScanningAlert(
        number=0,
        tool="Snyk Open Source",
        rule_id="SNYK-PYTHON-JINJA2-6150717",
        description="jinja2: cross-site scripting in xmlattr filter",
        created_at=now - timedelta(days=3),
        security_severity="medium",
        fixed_at=now + timedelta(hours=1),
    )
    github_only.load(code_scanning_alerts=[snyk])
    run_job("github.code_scanning", now=now)
    row = Finding.objects.get(rule_id="SNYK-PYTHON-JINJA2-6150717")
    assert row.closed_at is None
    github_only.clock.advance(hours=2)
    outcome = run_job("github.code_scanning", now=github_only.now())
    assert outcome.written == 1
    row.refresh_from_db()
    assert (row.closed_reason, row.closed_at) == ("fixed", now + timedelta(hours=1))
    assert row.events.get().kind == "closed"


def test_a_403_on_code_scanning_names_the_scope_and_leaves_the_other_jobs_syncing(github_only):
    github_only.script(
        "github.code_scanning_alerts",
        Reply(
            403,
            {
                "message": "Resource not accessible by personal access token",
                "documentation_url": "https://docs.github.com/rest/code-scanning",
            },
            headers={"X-OAuth-Scopes": "repo, workflow", "X-Accepted-OAuth-Scopes": ""},
        ),
    )
    outcome = run_job("github.code_scanning")
    assert outcome.status == "failed"
    assert "security_events" in outcome.message and "it has: repo, workflow" in outcome.message
    assert "Resource not accessible" in outcome.message
    for other in ("github.dependabot_alerts", "github.secrel_runs"):
        assert run_job(other).status == "ok", other
    states = dict(SyncJobState.objects.values_list("job", "needs_attention"))
    assert states == {
        "github.code_scanning": True,
        "github.dependabot_alerts": False,
        "github.secrel_runs": False,
    }


def test_a_repository_without_code_scanning_analyses_has_no_alerts(github_only):
    github_only.script("github.code_scanning_alerts", Reply(404, {"message": "no analysis found"}))
    outcome = run_job("github.code_scanning")
    assert (outcome.status, outcome.fetched) == ("ok", 0)


def test_the_cursor_moves_to_the_newest_update_seen(github_only):
    run_job("github.code_scanning")
    cursor = SyncJobState.objects.get(job="github.code_scanning").cursor["updated_since"]
    newest = max(
        updated_of(a, github_only.now())
        for a in github_only.dataset.code_scanning.upto(github_only.now())
    )
    assert cursor == newest.replace(microsecond=0).isoformat()  # GitHub sends whole seconds


def updated_of(a, now):
    """What the sandbox serves as the alert's `updated_at`."""
    return max(t for t in (a.created_at, a.fixed_at, a.dismissed_at) if t is not None and t <= now)


def test_a_repeat_reads_only_as_far_back_as_the_last_run(db):
    """Alerts come most recently updated first: reading stops at the first page reaching
    past the cursor (minus an hour), so an unchanged list costs one page."""
    from oncall_site.sync import SyncContext
    from security.sync import sync_alerts

    alerts = [
        alert(n, updated_at=NOW - timedelta(days=n), created_at=NOW - timedelta(days=n + 1))
        for n in range(1, 251)
    ]
    pulled = []

    def stream():
        for a in alerts:
            pulled.append(a.number)
            yield a

    def run(cursor: dict) -> SyncContext:
        ctx = SyncContext(config=None, client=None, now=NOW, cursor=cursor, progress=print)
        sync_alerts(ctx, stream(), code_scanning_fields)
        return ctx

    first = run({})
    assert (first.fetched, first.written, len(pulled)) == (250, 250, 250)
    assert first.cursor == {"updated_since": (NOW - timedelta(days=1)).isoformat()}
    pulled.clear()
    again = run(dict(first.cursor))
    assert (again.fetched, again.written) == (1, 0)
    assert len(pulled) == 100  # one page
