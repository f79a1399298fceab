"""`/api/v1/summary` and `/api/v1/oncall`: the dashboard's state and who is on call, as JSON,
for a session or an API token, in a bounded number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from incidents.models import Incident, State
from oncall_site.models import ApiToken
from rotations.models import Rotation, Sprint
from tests.clock import NOW

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


@pytest.fixture
def bearer(member, demo_team) -> dict[str, str]:
    from releases.deploy_models import DeployRequest

    DeployRequest.objects.all().delete()  # the demo's; each test makes what it needs
    token = ApiToken(user=member, name="chat bot")
    secret = token.set_new_secret()
    token.save()
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_the_summary_says_what_needs_you_with_absolute_links(client, bearer):
    incident = Incident.objects.create(
        title="BIP API 502s", started_at=NOW - 12 * MIN, state=State.TRIGGERED, severity="SEV2"
    )
    body = client.get(reverse("api-summary"), **bearer).json()
    needs = body["needs_you_now"]
    assert needs["total"] == 2  # the page, and the ticket it owes
    first = needs["items"][0]
    assert first["kind"] == "triggered" and first["title"] == str(incident)
    assert first["url"] == f"http://testserver/incidents/{incident.pk}/"
    assert first["since"] == "2026-03-11T14:18:00-04:00"  # with the team's offset
    assert needs["items"][1]["kind"] == "ticket_owed"
    assert body["secrel"]["state"] == "unknown"
    assert {v["vendor"] for v in body["sources"]} == {"github", "pagerduty", "datadog"}
    assert all(job["status"] == "not_configured" for v in body["sources"] for job in v["jobs"])


def test_oncall_names_the_pair_now_and_next(client, bearer):
    sprint = Sprint.objects.containing(NOW.date()).get()
    rotation = Rotation.objects.get(sprint=sprint)
    body = client.get(reverse("api-oncall"), **bearer).json()
    assert body["now"]["number"] == sprint.number
    assert body["now"]["primary"]["name"] == rotation.primary.name
    assert body["now"]["secondary"]["name"] == rotation.secondary.name
    assert body["now"]["starts_at"].startswith(sprint.start_date.isoformat())
    assert body["next"]["number"] == sprint.number + 1
    assert body["next"]["primary"] is not None and body["next"]["status"]
    assert body["timezone"] == "America/New_York"


def test_both_need_a_session_or_a_token(client, member, demo_team):
    for name in ("api-summary", "api-oncall"):
        assert client.get(reverse(name)).status_code == 401
        client.force_login(member)
        assert client.get(reverse(name)).status_code == 200
        client.logout()
        bad = client.get(reverse(name), HTTP_AUTHORIZATION="Bearer oncall_nope")
        assert bad.status_code == 401 and "error" in bad.json()


def test_they_answer_in_a_bounded_number_of_queries(client, bearer, django_assert_max_num_queries):
    for n in range(30):
        Incident.objects.create(title=f"p{n}", started_at=NOW - (n + 1) * MIN)
    # With the next release and the deploy requests; the findings' counts are four.
    with django_assert_max_num_queries(29):
        client.get(reverse("api-summary"), **bearer)
    with django_assert_max_num_queries(12):
        client.get(reverse("api-oncall"), **bearer)
