"""Creating the incident's ticket as a GitHub issue, against the sandbox's fake GitHub."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.models import Incident, IncidentImpact, State
from incidents.tickets import ticket_draft
from rotations.models import Engineer, Service
from sandbox import SERVE, Items, Reply


@pytest.fixture
def member(member):
    """The login is one of the team's engineers: it does the team's daily work."""
    Engineer.objects.create(name="Morgan Member", user=member)
    return member


pytestmark = pytest.mark.django_db

CREATE = "github.create_issue"


@pytest.fixture
def github(settings, make_sandbox):
    """The sandbox's GitHub (it opens issues as GitHub does), and the site pointed at it."""
    sandbox = make_sandbox(items=Items())
    settings.GITHUB_TOKEN = sandbox.tokens.github
    settings.GITHUB_REPOSITORY = sandbox.facts.repository
    settings.GITHUB_API_URL = sandbox.github_url
    settings.GITHUB_SECONDS_BETWEEN_REQUESTS = 0
    settings.UPSTREAM_MAX_RETRIES = 0
    return sandbox


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
    client.force_login(member)
    response = create(client, incident)
    (issue,) = github.created_issues
    url = f"{github.github_url}/{github.facts.repository}/issues/{issue.number}"
    assert f"Ticket created: {url}" in response.content.decode()
    incident.refresh_from_db()
    assert incident.ticket_url == url
    assert incident.ticket_requested_at is None
    assert issue.title == "Incident Reported: cc-app classification timing out"
    assert issue.labels == ("incident", "SEV2")
    assert f"http://testserver/incidents/{incident.pk}/" in issue.body
    assert "**Application non-functional:** yes" in issue.body
    assert "Contention Classification" in issue.body
    (request,) = github.requests.records(CREATE)
    assert request.headers["authorization"] == f"token {github.tokens.github}"
    assert incident.updates.filter(
        text__startswith=f"Ticket created: GitHub issue #{issue.number}"
    ).exists()


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
    github.script(CREATE, Reply(status, {"message": "Server Error"}), SERVE)
    client.force_login(member)
    fields = [f.attname for f in Incident._meta.concrete_fields if f.attname != "updated_at"]
    before = Incident.objects.values(*fields).get(pk=incident.pk)
    response = create(client, incident)
    assert f"The GitHub issue was not created: {message}" in response.content.decode()
    after = Incident.objects.values(*fields).get(pk=incident.pk)
    assert after == before  # nothing lost, the claim released: a retry can go ahead
    assert github.requests.count(CREATE) == 1 and github.created_issues == []


def test_it_reads_a_garbled_answer_as_an_upstream_error(client, member, github, incident):
    github.script(CREATE, Reply(201, "<html>proxy error</html>", content_type="text/html"))
    client.force_login(member)
    response = create(client, incident)
    assert "The GitHub issue was not created" in response.content.decode()
    incident.refresh_from_db()
    assert incident.ticket_url == "" and incident.ticket_requested_at is None


def test_it_opens_one_issue_when_clicked_twice(client, member, github, incident):
    client.force_login(member)
    create(client, incident)
    response = create(client, incident)
    assert "already has a ticket" in response.content.decode()
    assert len(github.created_issues) == 1
    assert github.requests.count(CREATE) == 1


def test_it_waits_for_a_creation_in_progress(client, member, github, incident):
    Incident.objects.filter(pk=incident.pk).update(ticket_requested_at=timezone.now())
    client.force_login(member)
    response = create(client, incident)
    assert "being created for this incident right now" in response.content.decode()
    assert github.requests.count() == 0


def test_it_retries_after_an_abandoned_claim(client, member, github, incident):
    Incident.objects.filter(pk=incident.pk).update(
        ticket_requested_at=timezone.now() - timedelta(minutes=10)
    )
    client.force_login(member)
    create(client, incident)
    incident.refresh_from_db()
    (issue,) = github.created_issues
    assert incident.ticket_url.endswith(f"/issues/{issue.number}")


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
