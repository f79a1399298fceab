"""GET /api/v1/metrics and `manage.py metrics`: one document, keys as the issue lists them."""

from __future__ import annotations

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from oncall_site.models import ApiToken

pytestmark = pytest.mark.django_db

WINDOW = {"since": "2026-03-04T05:00:00Z", "until": "2026-03-18T04:00:00Z"}
AS_OF = "2026-03-20T00:00:00Z"
INCIDENT_KEYS = {
    "mttr_seconds",
    "mttr_median_seconds",
    "mttr_p90_seconds",
    "mtta_seconds",
    "resolved_count",
    "open_count",
    "unacknowledged_count",
    "by_severity",
    "partner_impact_minutes",
    "incident_count",
    "acknowledged_count",
    "canceled_count",
    "by_source",
    "partner_performance",
}
EXPECTED = {
    "since": "2026-03-04T05:00:00Z",
    "until": "2026-03-18T04:00:00Z",
    "as_of": "2026-03-20T00:00:00Z",
    "incidents": {
        "mttr_seconds": 3600.0,
        "mttr_median_seconds": 3600.0,
        "mttr_p90_seconds": pytest.approx(4860.0),
        "mtta_seconds": 750.0,
        "resolved_count": 4,
        "open_count": 2,
        "unacknowledged_count": 2,
        "by_severity": {"SEV1": 1, "SEV2": 2, "SEV3": 1, "SEV4": 1, "unknown": 1},
        "partner_impact_minutes": {"Contention Classification": 120.0, "Employee Experience": 60.0},
        "incident_count": 6,
        "acknowledged_count": 4,
        "canceled_count": 1,
        "by_source": {"datadog": 1, "manual": 2, "pagerduty": 2, "slack": 1},
        "partner_performance": {},  # nothing read from Datadog in this scenario
    },
    # Nothing security-related stored: counts of zero, None where nothing is measured
    # (tests/security/ has the figures with rows).
    "security": {
        "secrel": {
            "state": "unknown",
            "failing_since_run_number": None,
            "failing_since": None,
            "red_runs": None,
            "failed_job": None,
            "failed_step": None,
            "images_published": None,
            "missed_scheduled_runs": None,
            "off_schedule_runs": None,
            "pass_rate": None,
            "hours_red": None,
        },
        "findings": {
            "open": 0,
            "open_by_severity": {"critical": 0, "high": 0, "medium": 0, "low": 0, "unrated": 0},
            "open_by_tool": {"snyk": 0, "aqua": 0, "dependabot": 0, "manual": 0, "other": 0},
            "under_exception": 0,
            "overdue": 0,
            "opened": 0,
            "fixed": 0,
            "dismissed": 0,
            "mean_days_to_remediate": None,
        },
        # The window ended before as_of: no CI history is kept, so the split is unknown.
        "dependabot": {
            "open": 0,
            "ready_to_merge": None,
            "failing": None,
            "waiting": None,
            "merged": 0,
            "median_hours_to_merge": None,
        },
    },
    # No deployment in two measured weeks: zero a week; no rate without a deployment.
    "releases": {
        "change_failure_window_hours": 24.0,
        "deployments": {"prod": 0, "all": 0},
        "deploy_days": {"prod": 0, "all": 0},
        "deploys_per_week": {"prod": 0.0, "all": 0.0},
        "deploy_days_per_week": {"prod": 0.0, "all": 0.0},
        "change_failure_rate": {
            "prod": {"failed": 0, "deployments": 0, "rate": None},
            "all": {"failed": 0, "deployments": 0, "rate": None},
        },
        "failed_deployments": [],
    },
}


@pytest.fixture
def token(member) -> str:
    api_token = ApiToken(user=member, name="sprint review sheet")
    secret = api_token.set_new_secret()
    api_token.save()
    return secret


def get_metrics(client, **params):
    return client.get(reverse("api-metrics"), params)


def test_it_answers_the_document_for_a_logged_in_session(client, member, scenario):
    client.force_login(member)
    response = get_metrics(client, **WINDOW, as_of=AS_OF)
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"since", "until", "as_of", "incidents", "security", "releases"}
    assert set(body["incidents"]) == INCIDENT_KEYS
    assert body == EXPECTED


def test_it_answers_with_an_api_token(client, token, scenario):
    response = client.get(
        reverse("api-metrics"), {**WINDOW, "as_of": AS_OF}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 200
    assert response.json() == EXPECTED
    used = ApiToken.objects.get()
    assert used.last_used_at is not None
    assert token not in (used.digest, used.prefix) and token.startswith(used.prefix)


def test_it_uses_null_not_zero_where_nothing_is_measured(client, member, teams):
    client.force_login(member)
    body = get_metrics(client, **WINDOW).json()["incidents"]
    for key in ("mttr_seconds", "mttr_median_seconds", "mttr_p90_seconds", "mtta_seconds"):
        assert body[key] is None
    assert body["resolved_count"] == 0 and body["partner_impact_minutes"] == {}
    raw = get_metrics(client, **WINDOW).content.decode()
    assert '"mttr_seconds": null' in raw


def test_it_refuses_a_bad_token_even_with_a_session(client, member, scenario):
    client.force_login(member)
    response = client.get(reverse("api-metrics"), WINDOW, HTTP_AUTHORIZATION="Bearer oncall_x")
    assert response.status_code == 401 and "token" in response.json()["error"]


def test_it_requires_a_login_or_a_token_and_answers_json(client):
    response = get_metrics(client, **WINDOW)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/json"
    assert "Log in" in response.json()["error"]


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({}, "since is missing"),
        ({"since": "2026-03-04"}, "until is missing"),
        ({"since": "yesterday", "until": "2026-03-18"}, "since is not an ISO 8601"),
        ({"since": "2026-03-18", "until": "2026-03-04"}, "must be after since"),
        ({"sprint": "forty"}, "sprint must be a sprint number"),
        ({"sprint": "999"}, "There is no sprint 999"),
        ({**WINDOW, "as_of": "soon"}, "as_of is not an ISO 8601"),
    ],
)
def test_it_answers_400_with_a_clear_message(client, member, params, message):
    client.force_login(member)
    response = get_metrics(client, **params)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_it_reads_dates_as_the_teams_midnight_and_an_unencoded_plus(client, member, scenario):
    client.force_login(member)
    by_date = get_metrics(client, since="2026-03-04", until="2026-03-18", as_of=AS_OF).json()
    assert by_date == EXPECTED
    # `+` in an unencoded query string arrives as a space.
    response = client.get(
        reverse("api-metrics") + "?since=2026-03-04T00:00:00+05:00&until=2026-03-18T00:00:00-04:00"
    )
    assert response.json()["since"] == "2026-03-03T19:00:00Z"


def test_it_takes_a_sprint_number(client, member, cadence):
    from rotations import services

    services.sprints_generate(cadence=cadence)
    client.force_login(member)
    body = get_metrics(client, sprint="1").json()
    assert (body["since"], body["until"]) == ("2026-01-07T05:00:00Z", "2026-01-21T05:00:00Z")


# The command


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("metrics", *args, stdout=out)
    return out.getvalue()


def test_the_command_prints_the_same_document_as_json(scenario):
    output = run("--since", WINDOW["since"], "--until", WINDOW["until"], "--as-of", AS_OF)
    assert json.loads(output) == EXPECTED


def test_the_command_prints_text_for_people(scenario):
    output = run(
        "--since", "2026-03-04", "--until", "2026-03-18", "--as-of", AS_OF, "--format", "text"
    )
    assert "MTTR            1 h (median 1 h, p90 1 h 21 min)" in output
    assert "MTTA            12 min" in output
    assert "Contention Classification 120 min" in output
    assert "6 (4 resolved, 2 open; 1 canceled apart)" in output


def test_the_command_prints_text_with_nothing_to_measure(teams):
    output = run("--since", "2026-03-04", "--until", "2026-03-18", "--format", "text")
    assert "MTTR            — (median —, p90 —)" in output
    assert "Partner impact  none" in output


def test_the_command_takes_a_sprint(cadence):
    from rotations import services

    services.sprints_generate(cadence=cadence)
    body = json.loads(run("--sprint", "2"))
    assert body["since"] == "2026-01-21T05:00:00Z"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "Give --since and --until"),
        (("--since", "2026-03-04"), "until is missing"),
        (("--since", "nope", "--until", "2026-03-18"), "since is not an ISO 8601"),
        (("--since", "2026-03-18", "--until", "2026-03-04"), "must be after since"),
        (("--sprint", "999"), "There is no sprint 999"),
    ],
)
def test_the_command_refuses_a_bad_window(db, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_dates_win_over_a_sprint(client, member, teams):
    client.force_login(member)
    response = get_metrics(client, sprint="999", **WINDOW)
    assert response.status_code == 200 and response.json()["since"] == WINDOW["since"]


def test_it_answers_the_figures_the_metrics_page_shows(client, member, demo_team):
    from django.utils import timezone

    from incidents.metrics import to_json
    from incidents.models import Incident, State
    from incidents.windows import isoformat_utc

    now = timezone.now()
    Incident.objects.create(
        title="resolved",
        started_at=now - timedelta(hours=5),
        acknowledged_at=now - timedelta(hours=4),
        resolved_at=now - timedelta(hours=2),
        state=State.RESOLVED,
        severity="SEV1",
    )
    Incident.objects.create(title="open", started_at=now - timedelta(hours=1))
    client.force_login(member)
    page = client.get(reverse("incident-metrics")).context
    sprint = page["window"].sprint_number
    body = get_metrics(client, sprint=sprint, as_of=isoformat_utc(page["as_of"])).json()
    assert body["incidents"] == {**to_json(page["metrics"]), "partner_performance": {}}
    assert page["performance"] == []  # nothing read from Datadog
    assert (body["incidents"]["mttr_seconds"], body["incidents"]["open_count"]) == (10800.0, 1)
