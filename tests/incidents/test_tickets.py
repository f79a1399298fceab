"""Creating the incident's ticket as a GitHub issue, against a tiny fake GitHub."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from werkzeug import Response

from incidents.models import Incident, IncidentImpact, State
from incidents.tickets import ticket_draft
from rotations.models import Service

pytestmark = pytest.mark.django_db

ISSUES = "/repos/octo-org/oncall/issues"


@pytest.fixture
def github(settings, httpserver):
    settings.GITHUB_TOKEN = "ghp_test_token"
    settings.GITHUB_REPOSITORY = "octo-org/oncall"
    settings.GITHUB_API_URL = httpserver.url_for("").rstrip("/")
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = 0
    settings.UPSTREAM_MAX_RETRIES = 0
    return httpserver


def issue_created(httpserver, number: int = 1347):
    api = httpserver.url_for(f"{ISSUES}/{number}")
    return {
        "id": 1,
        "number": number,
        "url": api,
        "html_url": f"https://github.com/octo-org/oncall/issues/{number}",
        "repository_url": httpserver.url_for("/repos/octo-org/oncall"),
        "title": "Incident Reported: cc-app down",
        "state": "open",
        "labels": [],
        "user": {"login": "oncall-bot", "id": 2, "url": httpserver.url_for("/users/oncall-bot")},
    }


@pytest.fixture
def incident(teams, make_incident):
    incident = make_incident(
        "cc-app classification timing out",
        started_at=timezone.now() - timedelta(hours=1),
        severity="SEV2",
        service=Service.objects.get(name="cc-app"),
        description="Every classification request times out after 30 s.",
        application_non_functional=True,
    )
    IncidentImpact.objects.create(
        incident=incident, team=teams["cc"], start=incident.started_at, note="Claims stuck"
    )
    return incident


def create(client, incident):
    return client.post(reverse("incident-ticket-create", args=[incident.pk]), follow=True)


def test_it_creates_the_issue_and_stores_its_link(client, member, github, incident):
    github.expect_oneshot_request(ISSUES, method="POST").respond_with_json(
        issue_created(github), status=201
    )
    client.force_login(member)
    response = create(client, incident)
    assert (
        "Ticket created: https://github.com/octo-org/oncall/issues/1347"
        in response.content.decode()
    )
    incident.refresh_from_db()
    assert incident.ticket_url == "https://github.com/octo-org/oncall/issues/1347"
    assert incident.ticket_requested_at is None
    sent = json.loads(github.log[0][0].get_data())
    assert sent["title"] == "Incident Reported: cc-app classification timing out"
    assert sent["labels"] == ["incident", "SEV2"]
    assert f"http://testserver/incidents/{incident.pk}/" in sent["body"]
    assert "**Application non-functional:** yes" in sent["body"]
    assert "Contention Classification" in sent["body"]
    assert github.log[0][0].headers["Authorization"] == "token ghp_test_token"
    assert incident.updates.filter(text__startswith="Ticket created: GitHub issue #1347").exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (500, "GitHub is having trouble (HTTP 500)"),
        (401, "GitHub rejected the API token (401)"),
        (404, "GitHub could not find what we asked for (404)"),
    ],
)
def test_it_says_in_words_when_github_fails_and_keeps_the_incident(
    client, member, github, incident, status, message
):
    github.expect_oneshot_request(ISSUES, method="POST").respond_with_json(
        {"message": "Server Error"}, status=status
    )
    client.force_login(member)
    before = Incident.objects.values().get(pk=incident.pk)
    response = create(client, incident)
    assert f"The GitHub issue was not created: {message}" in response.content.decode()
    after = Incident.objects.values().get(pk=incident.pk)
    assert after == before  # nothing lost, the claim released: a retry can go ahead


def test_it_reads_a_garbled_answer_as_an_upstream_error(client, member, github, incident):
    github.expect_oneshot_request(ISSUES, method="POST").respond_with_response(
        Response("<html>proxy error</html>", status=201, content_type="text/html")
    )
    client.force_login(member)
    response = create(client, incident)
    assert "The GitHub issue was not created" in response.content.decode()
    incident.refresh_from_db()
    assert incident.ticket_url == "" and incident.ticket_requested_at is None


def test_it_opens_one_issue_when_clicked_twice(client, member, github, incident):
    github.expect_oneshot_request(ISSUES, method="POST").respond_with_json(
        issue_created(github), status=201
    )
    client.force_login(member)
    create(client, incident)
    response = create(client, incident)
    assert "already has a ticket" in response.content.decode()
    assert len(github.log) == 1


def test_it_waits_for_a_creation_in_progress(client, member, github, incident):
    Incident.objects.filter(pk=incident.pk).update(ticket_requested_at=timezone.now())
    client.force_login(member)
    response = create(client, incident)
    assert "being created for this incident right now" in response.content.decode()
    assert github.log == []


def test_it_retries_after_an_abandoned_claim(client, member, github, incident):
    github.expect_oneshot_request(ISSUES, method="POST").respond_with_json(
        issue_created(github), status=201
    )
    Incident.objects.filter(pk=incident.pk).update(
        ticket_requested_at=timezone.now() - timedelta(minutes=10)
    )
    client.force_login(member)
    create(client, incident)
    incident.refresh_from_db()
    assert incident.ticket_url.endswith("/issues/1347")


def test_it_offers_the_link_form_when_github_is_not_configured(client, member, settings, incident):
    settings.GITHUB_TOKEN = ""
    client.force_login(member)
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "GitHub is not configured" in page
    assert "Create the GitHub issue" not in page
    assert 'name="ticket-ticket_url"' in page
    response = create(client, incident)
    assert "GitHub is not configured" in response.content.decode()


def test_the_draft_leaves_out_the_severity_label_when_there_is_none(teams, make_incident):
    incident = make_incident(started_at=timezone.now(), state=State.TRIGGERED)
    draft = ticket_draft(incident, incident_url="https://oncall.example/incidents/1/")
    assert draft.labels == ("incident",)
    assert "**Severity:** not set yet" in draft.body


def test_the_button_says_what_the_issue_will_be(client, member, github, incident):
    client.force_login(member)
    page = client.get(reverse("incident-detail", args=[incident.pk])).content.decode()
    assert "Create the GitHub issue" in page
    assert "“Incident Reported: cc-app classification timing out”" in page
    assert "labelled incident and SEV2" in page
