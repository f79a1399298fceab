"""The PagerDuty incidents job end to end, on the wire's edge cases (sandbox upstream)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from incidents.models import Incident
from oncall_site.models import SyncJobState
from oncall_site.sync import run_job
from sandbox import Incident as Upstream

pytestmark = pytest.mark.django_db
JOB = "pagerduty.incidents"


def test_an_incident_pagerduty_no_longer_finds_is_flagged_and_the_sync_goes_on(
    upstreams, demo_team
):
    now = upstreams.now()
    upstreams.load(incidents=[Upstream(id="QLIVE", created_at=now - timedelta(hours=1))])
    # Stored from a webhook days ago; PagerDuty answers 404 for it now.
    ghost = Incident.objects.create(
        source="pagerduty",
        external_id="QGHOST",
        title="BGS SOAP calls timing out",
        state="triggered",
        started_at=now - timedelta(days=200),
    )
    outcome = run_job(JOB)
    assert outcome.status == "ok"
    assert f"PagerDuty incident QGHOST (#{ghost.pk} “BGS SOAP calls timing out”)" in outcome.message
    ghost.refresh_from_db()
    assert ghost.needs_review and "404" in ghost.review_reason and ghost.state == "triggered"
    state = SyncJobState.objects.get(job=JOB)
    assert state.cursor["incidents_since"] and "QGHOST" in state.last_warnings
    assert Incident.objects.filter(external_id="QLIVE").exists()
    # Flagged once: the next sync does not ask again.
    upstreams.requests.reset()
    assert run_job(JOB).status == "ok"
    assert upstreams.requests.count("pagerduty.incident") == 0


def test_an_incomplete_incident_is_stored_flagged_and_does_not_stall_the_sync(upstreams, demo_team):
    now = upstreams.now()
    good = Upstream(id="QGOOD", created_at=now - timedelta(hours=3), priority="P2")
    broken = Upstream(
        id="QBROKEN",
        created_at=now - timedelta(hours=2),
        title="No start time",
        extra={"created_at": None},
    )
    upstreams.load(incidents=[good, broken])
    outcome = run_job(JOB)
    assert outcome.status == "ok" and "flagged for review" in outcome.message
    row = Incident.objects.get(external_id="QBROKEN")
    assert row.needs_review and "created_at" in row.review_reason and row.title == "No start time"
    assert Incident.objects.get(external_id="QGOOD").needs_review is False
    assert run_job(JOB).status == "ok"
    assert Incident.objects.filter(external_id="QBROKEN").count() == 1


def test_acknowledgements_come_from_the_log_or_per_incident_or_stay_unknown(upstreams, demo_team):
    now = upstreams.now()
    acked = Upstream(
        id="QACK",
        created_at=now - timedelta(hours=3),
        acknowledged_at=now - timedelta(hours=2),
        resolved_at=now - timedelta(hours=1),
    )
    upstreams.load(incidents=[acked])
    assert run_job(JOB).status == "ok"
    assert Incident.objects.get(external_id="QACK").acknowledged_at == acked.acknowledged_at

    forget()
    upstreams.fail("pagerduty.log_entries", "error", status=404)
    outcome = run_job(JOB, manual=True)
    assert outcome.status == "ok" and "per incident" in outcome.message
    assert Incident.objects.get(external_id="QACK").acknowledged_at == acked.acknowledged_at

    forget()
    upstreams.fail("pagerduty.incident_log_entries", "error", status=404)
    outcome = run_job(JOB)
    assert outcome.status == "ok" and "acknowledgement times unknown" in outcome.message
    row = Incident.objects.get(external_id="QACK")
    assert row.state == "resolved" and row.acknowledged_at is None


def forget() -> None:
    """Start again from an empty database and no cursor."""
    Incident.objects.all().delete()
    SyncJobState.objects.filter(job=JOB).update(cursor={})


def test_an_incident_resolved_while_we_were_away_is_closed(upstreams, demo_team):
    now = upstreams.now()
    old = Upstream(
        id="QOLD", created_at=now - timedelta(hours=6), resolved_at=now + timedelta(hours=3)
    )
    upstreams.load(incidents=[old])
    run_job(JOB, now=now)
    assert Incident.objects.get(external_id="QOLD").state == "triggered"
    later = upstreams.clock.advance(hours=12)
    assert run_job(JOB, now=later).status == "ok"
    row = Incident.objects.get(external_id="QOLD")
    assert row.state == "resolved" and row.resolved_at == old.resolved_at


def test_it_stores_the_assignees_and_forgets_them_once_resolved(upstreams, demo_team):
    now = upstreams.now()
    assigned = Upstream(id="QOWNED", created_at=now - timedelta(hours=2), assignee_id="PBOKAF2")
    upstreams.load(incidents=[assigned])
    assert run_job(JOB).status == "ok"
    row = Incident.objects.get(external_id="QOWNED")
    assert row.assignees == [{"id": "PBOKAF2", "name": "Bea Okafor"}]
    # Repeated: nothing new to write.
    assert run_job(JOB).written == 0
    # PagerDuty empties the assignments once the incident resolves.
    later = upstreams.clock.advance(hours=1)
    upstreams.load(incidents=[replace(assigned, resolved_at=later - timedelta(minutes=5))])
    assert run_job(JOB).status == "ok"
    row.refresh_from_db()
    assert row.state == "resolved" and row.assignees == []
