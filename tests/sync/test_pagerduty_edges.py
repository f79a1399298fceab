"""PagerDuty edge cases through the sync: null priority, resolved with empty
acknowledgements, incomplete records, an API without the account-wide log."""

from datetime import timedelta

import pytest

from incidents.models import Incident
from oncall_site.models import SourceState
from sandbox import Incident as Upstream
from oncall_site.sync import run_source

pytestmark = pytest.mark.django_db


def load(upstreams, *incidents):
    upstreams.load(incidents=list(incidents))


def test_it_maps_priority_falls_back_to_urgency_and_reads_acks_from_the_log(upstreams, demo_team):
    now = upstreams.now()
    p1 = Upstream(
        id="QP1",
        created_at=now - timedelta(hours=5),
        priority="P1",
        service_id="PCCAPP1",
        acknowledged_at=now - timedelta(hours=4, minutes=50),
        resolved_at=now - timedelta(hours=3),
    )
    low = Upstream(
        id="QLOW",
        created_at=now - timedelta(hours=2),
        priority=None,
        urgency="low",
        service_id="PEEMERG",
    )
    never = Upstream(
        id="QNEVER",
        created_at=now - timedelta(days=2),
        priority="P3",
        resolved_at=now - timedelta(days=1),
    )
    load(upstreams, p1, low, never)
    assert run_source("pagerduty").status == "ok"
    rows = {i.external_id: i for i in Incident.objects.filter(source="pagerduty")}
    assert rows["QP1"].severity == "SEV1" and rows["QP1"].state == "resolved"
    # Resolved: PagerDuty's `acknowledgements` is empty; the first ack comes from the log.
    assert rows["QP1"].acknowledged_at == p1.acknowledged_at
    assert rows["QP1"].resolved_at == p1.resolved_at
    assert (
        rows["QP1"].service.name == "cc-app"
        and rows["QP1"].service.team.name == "Contention Classification"
    )
    assert (
        rows["QLOW"].severity == "SEV4"
        and rows["QLOW"].priority == ""
        and rows["QLOW"].state == "triggered"
    )
    assert rows["QNEVER"].acknowledged_at is None and rows["QNEVER"].severity == "SEV3"


def test_an_incomplete_incident_is_stored_flagged_and_does_not_stall_the_sync(upstreams, demo_team):
    now = upstreams.now()
    good = Upstream(id="QGOOD", created_at=now - timedelta(hours=3), priority="P2")
    broken = Upstream(
        id="QBROKEN",
        created_at=now - timedelta(hours=2),
        title="No start time",
        extra={"created_at": None},
    )
    load(upstreams, good, broken)
    outcome = run_source("pagerduty")
    assert outcome.status == "ok" and "flagged for review" in outcome.message
    row = Incident.objects.get(external_id="QBROKEN")
    assert row.needs_review and "created_at" in row.review_reason and row.title == "No start time"
    assert Incident.objects.get(external_id="QGOOD").needs_review is False
    assert run_source("pagerduty").status == "ok"
    assert Incident.objects.filter(external_id="QBROKEN").count() == 1


def test_an_unmapped_service_is_flagged(upstreams, demo_team):
    now = upstreams.now()
    load(
        upstreams,
        Upstream(
            id="QX", created_at=now - timedelta(hours=1), service_id="PNOTOURS", priority="P2"
        ),
    )
    # The sync asks only for the configured services; this one is configured upstream only.
    from django.conf import settings

    settings.PAGERDUTY_SERVICE_IDS = [*settings.PAGERDUTY_SERVICE_IDS, "PNOTOURS"]
    run_source("pagerduty")
    row = Incident.objects.get(external_id="QX")
    assert row.needs_review and "PNOTOURS" in row.review_reason and row.service is None


def test_it_reads_acks_per_incident_when_the_account_log_is_missing(upstreams, demo_team):
    now = upstreams.now()
    load(
        upstreams,
        Upstream(
            id="QACK",
            created_at=now - timedelta(hours=3),
            acknowledged_at=now - timedelta(hours=2),
            resolved_at=now - timedelta(hours=1),
        ),
    )
    upstreams.fail("pagerduty.log_entries", "error", status=404)
    outcome = run_source("pagerduty")
    assert outcome.status == "ok" and "per incident" in outcome.message
    assert Incident.objects.get(external_id="QACK").acknowledged_at == now - timedelta(hours=2)


def test_an_incident_resolved_while_we_were_away_is_closed(upstreams, demo_team):
    now = upstreams.now()
    old = Upstream(
        id="QOLD", created_at=now - timedelta(hours=6), resolved_at=now + timedelta(hours=3)
    )
    load(upstreams, old)
    run_source("pagerduty")
    assert Incident.objects.get(external_id="QOLD").state == "triggered"
    upstreams.clock.advance(hours=12)
    assert run_source("pagerduty").status == "ok"
    row = Incident.objects.get(external_id="QOLD")
    assert row.state == "resolved" and row.resolved_at == old.resolved_at
    assert SourceState.objects.get(source="pagerduty").last_error == ""


def test_a_stored_acknowledgement_that_no_longer_fits_the_start_is_dropped(upstreams, demo_team):
    now = upstreams.now()
    load(
        upstreams,
        Upstream(
            id="QMOVE",
            created_at=now - timedelta(hours=3),
            acknowledged_at=now - timedelta(hours=2),
        ),
    )
    run_source("pagerduty")
    assert Incident.objects.get(external_id="QMOVE").acknowledged_at == now - timedelta(hours=2)
    # Upstream corrects the start to after that acknowledgement, and acknowledges later.
    load(
        upstreams,
        Upstream(
            id="QMOVE",
            created_at=now - timedelta(minutes=90),
            acknowledged_at=now - timedelta(minutes=30),
        ),
    )
    run_source("pagerduty")
    row = Incident.objects.get(external_id="QMOVE")
    assert row.started_at == now - timedelta(minutes=90)
    assert row.acknowledged_at == now - timedelta(minutes=30)


def test_it_keeps_incidents_when_no_log_entries_are_served_at_all(upstreams, demo_team):
    now = upstreams.now()
    load(
        upstreams,
        Upstream(
            id="QNOLOG", created_at=now - timedelta(hours=3), resolved_at=now - timedelta(hours=1)
        ),
    )
    upstreams.fail("pagerduty.log_entries", "error", status=404)
    upstreams.fail("pagerduty.incident_log_entries", "error", status=404)
    outcome = run_source("pagerduty")
    assert outcome.status == "ok" and "acknowledgement times unknown" in outcome.message
    row = Incident.objects.get(external_id="QNOLOG")
    assert row.state == "resolved" and row.acknowledged_at is None


def test_it_uses_the_configured_priority_mapping(upstreams, demo_team, settings):
    settings.PAGERDUTY_PRIORITY_SEVERITIES = {"P1": "SEV1", "P2": "SEV1", "P3": "SEV2"}
    now = upstreams.now()
    load(
        upstreams,
        Upstream(id="QMAP", created_at=now - timedelta(hours=1), priority="P2"),
        Upstream(id="QUNMAPPED", created_at=now - timedelta(hours=1), priority="P5", urgency="low"),
    )
    run_source("pagerduty")
    assert Incident.objects.get(external_id="QMAP").severity == "SEV1"
    assert Incident.objects.get(external_id="QUNMAPPED").severity == "SEV4"  # falls back to urgency
