"""Factories for incident tests: teams and services, incidents, signed webhook requests."""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from incidents.models import Incident, IncidentImpact, Source, State
from rotations.models import PartnerTeam, Service

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


@pytest.fixture
def teams(db) -> dict[str, PartnerTeam]:
    """The platform team and two partner teams, each with a service and a PagerDuty id."""
    platform = PartnerTeam.objects.create(
        name="Benefits Platform", slug="platform", is_platform=True
    )
    cc = PartnerTeam.objects.create(name="Contention Classification", slug="cc")
    ee = PartnerTeam.objects.create(name="Employee Experience", slug="ee")
    Service.objects.create(name="svc-bgs-api", team=platform, pagerduty_service_id="PBGSAPI")
    Service.objects.create(name="cc-app", team=cc, pagerduty_service_id="PCCAPP1")
    Service.objects.create(name="ee-max-cfi-app", team=ee, pagerduty_service_id="PEEMAXC")
    return {"platform": platform, "cc": cc, "ee": ee}


@pytest.fixture
def make_incident(db):
    def make(title: str = "BGS API returning 502", *, started_at: datetime, **fields) -> Incident:
        fields.setdefault("state", State.TRIGGERED)
        return Incident.objects.create(title=title, started_at=started_at, **fields)

    return make


def pagerduty_signature(body: bytes, secret: str) -> str:
    return "v1=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def slack_signature(body: bytes, timestamp: str, secret: str) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


# A sprint in New York across the spring-forward night (Sunday 2026-03-08): 14 days minus
# one hour of real time. `scenario` is an incident set with hand-computed figures:
# MTTR 3600 s (median 3600, p90 4860), MTTA 750 s, 6 counted (4 resolved, 2 open, 2 never
# acknowledged), 1 canceled, 1 skipped as inconsistent, CC 120 min and EE 60 min of impact.
SINCE = datetime(2026, 3, 4, 5, tzinfo=UTC)  # Wed Mar 4, 00:00 EST
UNTIL = datetime(2026, 3, 18, 4, tzinfo=UTC)  # Wed Mar 18, 00:00 EDT
AS_OF = datetime(2026, 3, 20, tzinfo=UTC)
MIN = timedelta(minutes=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def scenario(teams, make_incident):
    cc_app = Service.objects.get(name="cc-app")
    bgs = Service.objects.get(name="svc-bgs-api")
    a = make_incident(  # cc-app, no impact recorded: CC is impacted from start to resolution
        "A",
        started_at=at(5, 10),
        acknowledged_at=at(5, 10, 5),
        resolved_at=at(5, 11),
        state=State.RESOLVED,
        severity="SEV1",
        source=Source.PAGERDUTY,
        service=cc_app,
    )
    b = make_incident(  # never acknowledged; its recorded impact on CC overlaps A's
        "B",
        started_at=at(5, 10, 30),
        resolved_at=at(5, 12),
        state=State.RESOLVED,
        severity="SEV2",
        source=Source.SLACK,
    )
    IncidentImpact.objects.create(incident=b, team=teams["cc"], start=at(5, 10, 30), end=at(5, 12))
    make_incident(  # exactly on the window's start: in
        "C",
        started_at=SINCE,
        acknowledged_at=SINCE + 10 * MIN,
        resolved_at=SINCE + 30 * MIN,
        state=State.RESOLVED,
        severity="SEV3",
    )
    make_incident("D", started_at=UNTIL, state=State.RESOLVED, resolved_at=UNTIL + MIN)  # out
    e = make_incident(  # started before the window; its impact on EE reaches an hour in
        "E",
        started_at=at(3, 23),
        resolved_at=at(4, 6),
        state=State.RESOLVED,
        severity="SEV2",
    )
    IncidentImpact.objects.create(incident=e, team=teams["ee"], start=at(4, 4), end=at(4, 6))
    make_incident(  # across the DST change: 01:30 EST -> 03:30 EDT is one real hour
        "F",
        started_at=at(8, 6, 30),
        acknowledged_at=at(8, 6, 50),
        resolved_at=at(8, 7, 30),
        state=State.RESOLVED,
        severity="SEV2",
        source=Source.DATADOG,
        service=bgs,  # a platform service: no implied partner impact
    )
    make_incident(
        "G",
        started_at=at(10, 12),
        acknowledged_at=at(10, 12, 15),
        state=State.ACKNOWLEDGED,
        severity="SEV4",
        source=Source.PAGERDUTY,
    )
    make_incident("H", started_at=at(11, 9), canceled_at=at(11, 9, 5), state=State.CANCELED)
    bad = make_incident("I", started_at=at(12, 9), resolved_at=at(12, 8), state=State.RESOLVED)
    make_incident("J", started_at=at(12, 14))  # no severity, never acknowledged, open
    return {"a": a, "bad": bad}


def add_bulk_incidents(count: int, *, seed: int, open_every: int, impacts: int) -> None:
    """`count` incidents over the 120 days before now, one in `open_every` still open, the
    first `impacts` with a 30-minute impact: volume for the query-count tests."""
    now = timezone.now()
    rng = random.Random(seed)
    services = list(Service.objects.all())
    teams = list({s.team for s in services})
    rows = []
    for n in range(count):
        started = now - timedelta(minutes=rng.randrange(0, 120 * 24 * 60))
        resolved = n % open_every != 0
        rows.append(
            Incident(
                title=f"incident {n}",
                started_at=started,
                state=State.RESOLVED if resolved else State.ACKNOWLEDGED,
                acknowledged_at=started + timedelta(minutes=5),
                resolved_at=started + timedelta(minutes=rng.randrange(10, 600))
                if resolved
                else None,
                severity=rng.choice(["SEV1", "SEV2", "SEV3", "SEV4", ""]),
                source=rng.choice(Source.values),
                service=rng.choice(services),
                last_update_at=started,
            )
        )
    Incident.objects.bulk_create(rows, batch_size=2000)
    IncidentImpact.objects.bulk_create(
        IncidentImpact(
            incident_id=pk,
            team=rng.choice(teams),
            start=started,
            end=started + timedelta(minutes=30),
        )
        for pk, started in Incident.objects.order_by("pk").values_list("pk", "started_at")[:impacts]
    )
