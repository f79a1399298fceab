"""The newest upstream change wins: replayed, reordered and raced PagerDuty records.

The rule (`incidents.upstream_order.supersedes`) on hand-made records first, then through
the webhook and the sync: a delivery replayed twice, deliveries in reverse order, two of
one instant, a sync run that read the incident before a delivery changed it, and a
property test that any order of any deliveries ends in the same state.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from incidents import sync
from incidents.inbound import pagerduty_event_store
from incidents.models import Incident, IncidentUpdate, State
from incidents.upstream_order import STATUS_RANK, UpstreamChange, supersedes, upstream_status
from oncall_site.integrations import pagerduty

from .conftest import pagerduty_signature
from .test_sync import upstream

T0 = datetime(2026, 3, 5, 15, 2, 10, tzinfo=UTC)
M = timedelta(minutes=1)
SECRET = "pd-webhook-secret-for-tests"
INCIDENT = "Q2PX7ZSGLDOWJZ"


# The rule


@pytest.mark.parametrize(
    ("incoming", "stored", "wins"),
    [
        (UpstreamChange(T0, "resolved"), UpstreamChange(None, "triggered"), True),
        (UpstreamChange(None, "resolved"), UpstreamChange(None, "triggered"), True),
        (UpstreamChange(None, "resolved"), UpstreamChange(T0, "triggered"), False),
        (UpstreamChange(T0 + M, "triggered"), UpstreamChange(T0, "resolved"), True),
        (UpstreamChange(T0 - M, "resolved"), UpstreamChange(T0, "triggered"), False),
        # the same instant: a replay changes nothing, the status further along wins
        (UpstreamChange(T0, "resolved"), UpstreamChange(T0, "resolved"), False),
        (UpstreamChange(T0, "resolved"), UpstreamChange(T0, "acknowledged"), True),
        (UpstreamChange(T0, "acknowledged"), UpstreamChange(T0, "resolved"), False),
    ],
)
def test_the_newer_record_wins(incoming, stored, wins):
    assert supersedes(incoming, stored) is wins


def test_it_compares_instants_not_their_offsets():
    stored = UpstreamChange(T0, "resolved")
    later_in_new_york = T0.astimezone(UTC) + timedelta(seconds=1)
    assert supersedes(UpstreamChange(later_in_new_york, "triggered"), stored)


def test_local_states_read_as_pagerduty_names_them():
    assert [upstream_status(s) for s in State] == [
        "triggered",
        "acknowledged",
        "acknowledged",
        "resolved",
        "resolved",
    ]


# Through the webhook


def delivery(event_type: str, at: datetime, *, event_id: str | None = None) -> bytes:
    status = {
        "incident.triggered": "triggered",
        "incident.reopened": "triggered",
        "incident.acknowledged": "acknowledged",
        "incident.resolved": "resolved",
    }[event_type]
    return json.dumps(
        {
            "event": {
                "id": event_id or f"{event_type}-{at:%H%M%S}",
                "event_type": event_type,
                "occurred_at": at.isoformat(),
                "data": {
                    "id": INCIDENT,
                    "type": "incident",
                    "number": 4123,
                    "status": status,
                    "created_at": T0.isoformat(),
                    "title": "cc-app: classification requests timing out",
                    "urgency": "high",
                },
            }
        }
    ).encode()


@pytest.fixture
def post(client, settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = SECRET

    def send(body: bytes) -> int:
        return client.post(
            reverse("webhook-pagerduty"),
            body,
            content_type="application/json",
            HTTP_X_PAGERDUTY_SIGNATURE=pagerduty_signature(body, SECRET),
        ).status_code

    return send


def stored() -> Incident:
    return Incident.objects.get(external_id=INCIDENT)


@pytest.mark.django_db
def test_an_old_resolved_delivered_again_does_not_close_a_reopened_incident(post):
    resolved = delivery("incident.resolved", T0 + 30 * M)
    for body in (delivery("incident.triggered", T0), resolved):
        assert post(body) == 200
    assert post(delivery("incident.reopened", T0 + 45 * M)) == 200
    for _ in range(2):  # PagerDuty retries; an attacker replays
        assert post(resolved) == 200
    incident = stored()
    assert (incident.state, incident.resolved_at) == (State.TRIGGERED, None)
    assert incident.upstream_changed_at == T0 + 45 * M
    assert IncidentUpdate.objects.filter(incident=incident).count() == 3


@pytest.mark.django_db
def test_deliveries_in_reverse_order_end_where_the_newest_says(post):
    bodies = [
        delivery("incident.triggered", T0),
        delivery("incident.acknowledged", T0 + 5 * M),
        delivery("incident.resolved", T0 + 30 * M),
        delivery("incident.reopened", T0 + 45 * M),
    ]
    for body in reversed(bodies):
        assert post(body) == 200
    incident = stored()
    assert (incident.state, incident.resolved_at) == (State.TRIGGERED, None)
    assert incident.acknowledged_at == T0 + 5 * M  # the first acknowledgement counts late
    assert incident.started_at == T0


@pytest.mark.django_db
def test_a_newer_acknowledgement_reopens_a_resolution_it_follows(post):
    post(delivery("incident.resolved", T0 + 30 * M))
    post(delivery("incident.acknowledged", T0 + 50 * M))  # the reopen was never delivered
    incident = stored()
    assert (incident.state, incident.resolved_at) == (State.ACKNOWLEDGED, None)


@pytest.mark.django_db
@pytest.mark.parametrize("first_resolved", [True, False])
def test_two_deliveries_of_one_instant_end_alike_in_either_order(post, first_resolved):
    same = T0 + 30 * M
    bodies = [delivery("incident.acknowledged", same), delivery("incident.resolved", same)]
    for body in bodies if not first_resolved else reversed(bodies):
        post(body)
    incident = stored()
    assert (incident.state, incident.resolved_at) == (State.RESOLVED, same)


@pytest.mark.django_db
def test_a_delivery_without_its_time_does_not_overrule_a_timed_one(post):
    post(delivery("incident.reopened", T0 + 45 * M))
    body = json.loads(delivery("incident.resolved", T0))
    del body["event"]["occurred_at"]
    post(json.dumps(body).encode())
    assert stored().state == State.TRIGGERED


# Sync against webhook


@pytest.fixture
def services(db):
    return {}


@pytest.mark.django_db
def test_a_sync_that_read_the_incident_before_a_delivery_does_not_undo_it(post, services):
    post(delivery("incident.triggered", T0))
    post(delivery("incident.reopened", T0 + 45 * M))
    # The run listed the incident while it was still resolved, and stores it only now.
    read_earlier = upstream(
        INCIDENT,
        status="resolved",
        created_at=T0,
        resolved_at=T0 + 30 * M,
        updated_at=T0 + 30 * M,
        title="stale title",
    )
    sync.store_incidents([read_earlier], services)
    incident = stored()
    assert (incident.state, incident.resolved_at) == (State.TRIGGERED, None)
    assert incident.title == "cc-app: classification requests timing out"


@pytest.mark.django_db
def test_a_newer_sync_record_wins_over_the_last_delivery(post, services):
    post(delivery("incident.triggered", T0))
    newer = upstream(
        INCIDENT,
        status="resolved",
        created_at=T0,
        resolved_at=T0 + 50 * M,
        updated_at=T0 + 50 * M,
    )
    assert sync.store_incidents([newer], services) == 1
    incident = stored()
    assert (incident.state, incident.resolved_at) == (State.RESOLVED, T0 + 50 * M)
    assert incident.upstream_changed_at == T0 + 50 * M
    # ...and the delivery of an older resolution, arriving after, changes nothing.
    post(delivery("incident.reopened", T0 + 20 * M))
    assert stored().state == State.RESOLVED


@pytest.mark.django_db
def test_the_same_sync_record_twice_writes_nothing(services):
    record = upstream(INCIDENT, status="acknowledged", updated_at=T0 + 5 * M, created_at=T0)
    assert sync.store_incidents([record], services) == 1
    assert sync.store_incidents([record], services) == 0


# Any order of any deliveries


STATUS_EVENTS = ["incident.triggered", "incident.acknowledged", "incident.resolved"]
EVENTS = st.lists(
    st.tuples(st.sampled_from([*STATUS_EVENTS, "incident.reopened"]), st.integers(1, 20)),
    min_size=1,
    max_size=6,
    unique_by=lambda e: e,
)


def final_state(events: list[tuple[str, int]]) -> tuple[str, datetime | None]:
    Incident.objects.filter(external_id=INCIDENT).delete()
    for event_type, minute in events:
        body = json.loads(delivery(event_type, T0 + minute * M))
        pagerduty_event_store(pagerduty.parse_event(body), now=T0 + 60 * M)
    incident = stored()
    return incident.state, incident.resolved_at


@pytest.mark.django_db
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=EVENTS, data=st.data())
def test_any_order_of_deliveries_ends_in_the_newest_ones_state(events, data):
    shuffled = data.draw(st.permutations(events))
    state = final_state(events)
    assert final_state(shuffled) == state
    assert final_state([*shuffled, *shuffled]) == state  # everything delivered twice
    newest, minute = max(events, key=lambda e: (e[1], STATUS_RANK[status_of(e[0])]))
    expected = status_of(newest)
    assert state[0] == expected
    assert state[1] == (T0 + minute * M if expected == "resolved" else None)


def status_of(event_type: str) -> str:
    return "triggered" if event_type == "incident.reopened" else event_type.split(".")[1]
