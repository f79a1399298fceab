"""Upgrading from one state row per vendor to one per job keeps what each job knew."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from oncall_site.models import SyncJobState
from tests.clock import NOW

BEFORE = [("oncall_site", "0003_drop_unfilled_requests_made")]


@pytest.mark.django_db(transaction=True)
def test_each_vendors_state_becomes_its_jobs_states_with_their_cursors():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        SourceState = old.get_model("oncall_site", "SourceState")
        SourceState.objects.create(
            source="pagerduty",
            last_attempt_at=NOW,
            last_success_at=NOW,
            items_fetched=12,
            cursor={"incidents_since": "2026-03-11T18:00:00+00:00", "config": "f1ngerprint"},
        )
        SourceState.objects.create(
            source="github",
            last_attempt_at=NOW,
            last_error="GitHub refused access with this API token (403)",
            needs_attention=True,
            cursor={"secrel_since": "2026-03-10T11:00:00+00:00", "config": "abc"},
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    states = {s.job: s for s in SyncJobState.objects.all()}
    assert set(states) == {
        "pagerduty.incidents",
        "pagerduty.oncalls",
        "github.secrel_runs",
        "github.dependabot_prs",
    }
    incidents = states["pagerduty.incidents"]
    assert incidents.cursor == {"incidents_since": "2026-03-11T18:00:00+00:00"}
    assert (incidents.config_fingerprint, incidents.last_success_at) == ("f1ngerprint", NOW)
    assert (
        states["pagerduty.oncalls"].cursor == {} and states["pagerduty.oncalls"].items_fetched == 12
    )
    runs = states["github.secrel_runs"]
    assert runs.cursor == {"secrel_since": "2026-03-10T11:00:00+00:00"} and runs.needs_attention
    assert runs.vendor == "github" and "403" in runs.last_error
