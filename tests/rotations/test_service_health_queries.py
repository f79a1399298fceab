"""A service's Datadog health queries in the admin: examples shown, a unit required."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from rotations.models import PartnerTeam, Service

pytestmark = pytest.mark.django_db


@pytest.fixture
def service(db) -> Service:
    team = PartnerTeam.objects.create(name="Contention Classification", slug="cc")
    return Service.objects.create(name="cc-app", team=team)


def test_it_shows_example_queries_in_the_admin(client, lead, service):
    client.force_login(lead)
    page = client.get(reverse("admin:rotations_service_change", args=[service.pk]))
    text = page.content.decode()
    assert "Datadog health queries" in text
    assert "p95:trace.http.request.duration{service:cc-app}" in text
    assert "sum:trace.http.request.errors{service:cc-app}.as_count()" in text


def test_it_requires_a_unit_beside_a_query(service):
    service.latency_query = "p95:trace.http.request.duration{service:cc-app}"
    with pytest.raises(ValidationError) as error:
        service.full_clean()
    assert error.value.message_dict == {"latency_unit": ["Give the unit of the query's values."]}
    service.latency_unit = "s"
    service.full_clean()


def test_it_saves_the_queries_from_the_admin(client, lead, service):
    client.force_login(lead)
    response = client.post(
        reverse("admin:rotations_service_change", args=[service.pk]),
        {
            "name": "cc-app",
            "team": service.team_id,
            "description": "",
            "pagerduty_service_id": "",
            "active": "on",
            "latency_query": "p95:trace.http.request.duration{service:cc-app}",
            "latency_unit": "s",
            "latency_threshold": "",
            "error_rate_query": "",
            "error_rate_unit": "",
            "error_rate_threshold": "2.5",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    service.refresh_from_db()
    assert service.health_queries == {"latency": "p95:trace.http.request.duration{service:cc-app}"}
    assert service.error_rate_threshold == 2.5
