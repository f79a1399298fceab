"""Jobs declared by the apps; a new job reaches the schedules, the command, the admin and the
dashboard without an edit to the engine."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.urls import reverse
from django_q.models import Schedule

from oncall_site.models import SyncJobState
from oncall_site.selectors import sync_freshness
from oncall_site.sync import SyncContext, jobs, registry, select
from tests.clock import NOW
from tests.sync.conftest import FakeVendor

pytestmark = pytest.mark.django_db


def test_it_finds_the_jobs_each_app_declares():
    found = {j.key: j.run.__module__ for j in jobs()}
    assert found == {
        "pagerduty.incidents": "incidents.sync",
        "pagerduty.oncalls": "rotations.sync",
        "datadog.monitors": "incidents.sync_datadog",
        "datadog.partner_performance": "incidents.sync_datadog",
        "github.secrel_runs": "security.sync",
        "github.dependabot_prs": "security.sync",
        "github.code_scanning": "security.sync",
        "github.deployments": "releases.sync",
        "github.dependabot_alerts": "security.sync",
        "github.incident_tickets": "incidents.sync",
    }


def test_it_selects_all_a_vendor_or_one_job():
    assert len(select(None)) == len(jobs())
    # The order is the order of registration (a test importing an app's sync module early
    # changes it), so the set is what is asserted.
    assert {j.key for j in select("github")} == {
        "github.incident_tickets",
        "github.deployments",
        "github.secrel_runs",
        "github.dependabot_prs",
        "github.code_scanning",
        "github.dependabot_alerts",
    }
    assert [j.key for j in select("github.dependabot_prs")] == ["github.dependabot_prs"]
    with pytest.raises(ValueError, match="known: .*github.secrel_runs"):
        select("gitlab")


def test_a_job_declared_in_an_app_is_scheduled_run_listed_and_shown(declare, admin_client):
    ran = []

    def findings(ctx: SyncContext) -> None:
        ran.append(ctx.now)
        ctx.fetched = 2

    declare(
        FakeVendor(key="scanner", label="Scanner").vendor(),
        "findings",
        findings,
        minutes=7,
        label="findings",
    )

    call_command("setup_schedules", stdout=StringIO())
    schedule = Schedule.objects.get(name="sync-scanner.findings")
    assert (schedule.func, schedule.args, schedule.minutes) == (
        "oncall_site.tasks.sync_job",
        "('scanner.findings',)",
        7,
    )

    out = StringIO()
    call_command("sync", "--source", "scanner", stdout=out)
    assert "Scanner findings: fetched 2 item(s)" in out.getvalue() and len(ran) == 1

    rows = {v.key: [j.key for j in v.jobs] for v in sync_freshness(now=NOW)}
    assert rows["scanner"] == ["scanner.findings"]

    page = admin_client.get(reverse("admin:oncall_site_syncjobstate_changelist"))
    assert page.status_code == 200 and "scanner.findings" in page.text
    assert SyncJobState.objects.filter(job="github.secrel_runs").exists()  # never ran, listed


def test_setup_schedules_removes_schedules_of_jobs_that_are_gone():
    Schedule.objects.create(
        name="sync-github", func="oncall_site.tasks.sync_source", schedule_type=Schedule.MINUTES
    )
    call_command("setup_schedules", stdout=StringIO())
    names = set(Schedule.objects.filter(name__startswith="sync-").values_list("name", flat=True))
    assert names == {f"sync-{j.key}" for j in jobs()}


def test_two_jobs_cannot_share_a_name(declare):
    vendor = FakeVendor().vendor()
    declare(vendor, "things", lambda ctx: None)

    def other_things(ctx: SyncContext) -> None: ...

    with pytest.raises(ImproperlyConfigured, match="two sync jobs are named fake.things"):
        registry.job(vendor, "things", label="things", minutes=5)(other_things)
    with pytest.raises(ImproperlyConfigured, match="lower_case"):
        registry.job(vendor, "Things!", label="things", minutes=5)


def test_intervals_come_from_the_job_then_the_vendor_then_the_job_setting(declare, settings):
    declared = declare(FakeVendor().vendor(), "things", lambda ctx: None, minutes=5)
    settings.SYNC_INTERVAL_MINUTES = {}
    assert declared.interval_minutes == 5
    settings.SYNC_INTERVAL_MINUTES = {"fake": 10}
    assert declared.interval_minutes == 10
    settings.SYNC_INTERVAL_MINUTES = {"fake": 10, "fake_things": 2}
    assert declared.interval_minutes == 2


def test_the_sync_command_names_what_exists_and_fails_loudly(declare):
    with pytest.raises(CommandError, match="no sync job or vendor 'gitlab'"):
        call_command("sync", "--source", "gitlab", stdout=StringIO())

    def broken(ctx: SyncContext) -> None:
        raise RuntimeError("boom")

    declare(FakeVendor().vendor(), "broken", broken)
    out = StringIO()
    with pytest.raises(CommandError, match="sync failed for fake.broken"):
        call_command("sync", "--source", "fake", stdout=out)
    assert "Fake things: internal error: boom" in out.getvalue()


def test_vendors_keep_their_order_whatever_module_a_process_imports_first() -> None:
    """A process that imports the Datadog jobs' module before discovery (a test file, a
    shell) still lists PagerDuty, Datadog, GitHub: the order the panel and a full run use."""
    import subprocess
    import sys

    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'oncall_site.settings');"
        "django.setup(); import incidents.sync_datadog, security.sync;"
        "from oncall_site.sync.registry import vendors; print([v.key for v in vendors()])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "['pagerduty', 'datadog', 'github']"
