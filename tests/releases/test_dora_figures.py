"""The deployment figures read from the database: the metrics document, the metrics page,
each failure linked, and bounded queries at thousands of rows."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents import trend_cache
from incidents.models import Incident, State
from releases.deploy_models import Deployment
from releases.selectors_deploys import releases_document
from rotations.models import Service
from tests.clock import NOW

pytestmark = pytest.mark.django_db

# Sprint of Mar 4 - Mar 17 local (EST then EDT); NOW is Mar 11 18:30 UTC.
WINDOW = {"since": "2026-03-04T05:00:00Z", "until": "2026-03-18T04:00:00Z"}
HOUR = timedelta(hours=1)


def deployment(environment, at, *services, **kwargs) -> Deployment:
    return Deployment.objects.create(
        environment=environment,
        deployed_at=at,
        services={name: "abcdef1" for name in services},
        deployed_by="bot",
        **kwargs,
    )


def incident(title, service, at, **kwargs) -> Incident:
    return Incident.objects.create(
        title=title,
        service=Service.objects.get(name=service),
        started_at=at,
        state=kwargs.pop("state", State.RESOLVED),
        **kwargs,
    )


@pytest.fixture
def history(claims):
    """Five deployments, three of them failed, one for each reason."""
    day = NOW - timedelta(days=5)  # Mar 6, 18:30 UTC
    ok = deployment("prod", day, "svc-claims-api")
    rolled = deployment(
        "prod", day + 24 * HOUR, "svc-claims-ui", rolled_back=True, rolled_back_at=day + 25 * HOUR
    )
    followed = deployment("prod", day + 48 * HOUR, "svc-claims-api", url="https://ci.example/1")
    caused = incident("claims API 500s", "svc-claims-api", day + 50 * HOUR)
    linked = incident("UI blank", "svc-claims-ui", day + 80 * HOUR)
    qa = deployment("qa", day + 72 * HOUR, "svc-claims-ui", incident=linked)
    deployment("dev", day + 72 * HOUR + HOUR, "svc-claims-ui")
    incident(
        "false alarm",
        "svc-claims-api",
        day + 1 * HOUR,
        state=State.CANCELED,
        canceled_at=day + 2 * HOUR,
    )
    return {
        "ok": ok,
        "rolled": rolled,
        "followed": followed,
        "qa": qa,
        "caused": caused,
        "linked": linked,
    }


def document(**kwargs):
    from incidents.windows import parse_window
    from rotations.models import team_zone

    window = parse_window(WINDOW["since"], WINDOW["until"], team_zone())
    return releases_document(since=window.since, until=window.until, as_of=kwargs.get("as_of", NOW))


def test_the_document_has_each_figure_for_prod_and_all(history):
    doc = document()
    assert doc["deployments"] == {"prod": 3, "all": 5}
    assert doc["deploy_days"] == {"prod": 3, "all": 4}
    # Measured from Mar 4 00:00 to Mar 11 14:30 local: 7 days 14.5 hours.
    weeks = (7 + 14.5 / 24) / 7
    assert doc["deploys_per_week"]["all"] == pytest.approx(5 / weeks)
    assert doc["change_failure_rate"] == {
        "prod": {"failed": 2, "deployments": 3, "rate": 2 / 3},
        "all": {"failed": 3, "deployments": 5, "rate": 0.6},
    }
    failed = {f["id"]: f for f in doc["failed_deployments"]}
    assert set(failed) == {history["rolled"].pk, history["followed"].pk, history["qa"].pk}
    assert failed[history["rolled"].pk]["reasons"] == ["rolled back"]
    assert failed[history["followed"].pk]["incidents"] == [history["caused"].pk]
    assert failed[history["followed"].pk]["url"] == "https://ci.example/1"
    assert failed[history["qa"].pk]["incidents"] == [history["linked"].pk]
    json.dumps(doc)


def test_the_window_setting_changes_what_counts_as_failed(history, settings):
    settings.CHANGE_FAILURE_WINDOW_HOURS = 1  # the incident came two hours after
    assert document()["change_failure_rate"]["prod"]["failed"] == 1
    assert document()["change_failure_window_hours"] == 1


def test_it_is_in_the_metrics_command_and_the_api(history, client, member):
    out = StringIO()
    call_command(
        "metrics",
        "--since",
        WINDOW["since"],
        "--until",
        WINDOW["until"],
        "--as-of",
        NOW.isoformat(),
        "--format",
        "json",
        stdout=out,
    )
    from_command = json.loads(out.getvalue())["releases"]
    assert from_command == document()
    client.force_login(member)
    response = client.get(reverse("api-metrics"), {**WINDOW, "as_of": NOW.isoformat()})
    assert response.json()["releases"] == from_command
    out = StringIO()
    call_command(
        "metrics",
        "--since",
        WINDOW["since"],
        "--until",
        WINDOW["until"],
        "--as-of",
        NOW.isoformat(),
        "--format",
        "text",
        stdout=out,
    )
    assert "Deploys prod    3 on 3 days (2.8 a week), 2 / 3 failed (67%)" in out.getvalue()


def test_the_metrics_page_shows_them_with_every_failure_linked(history, client, member, at_now):
    client.force_login(member)
    response = client.get(reverse("incident-metrics"), WINDOW)
    section = response.context["deploys"]
    prod, every = section["rows"]
    assert (prod["deployments"], prod["failed"], prod["rate"]) == (3, 2, "67%")
    assert (every["deployments"], every["failed"], every["rate"]) == (5, 3, "60%")
    listed = client.get(every["failed_href"]).context["page"].paginator.count
    assert listed == every["failed"]
    listed = client.get(every["deployments_href"]).context["page"].paginator.count
    assert listed == every["deployments"]
    assert client.get(prod["deployments_href"]).context["page"].paginator.count == 3
    body = response.content.decode()
    for failure in section["failures"]:
        assert failure["href"] in body.replace("&amp;", "&")
    assert reverse("incident-detail", args=[history["caused"].pk]) in body
    assert "incident #" in body and "rolled back" in body


@pytest.fixture
def sprints(db):
    from datetime import date

    from rotations.models import Sprint

    Sprint.objects.create(number=4, start_date=date(2026, 2, 18), end_date=date(2026, 3, 4))
    Sprint.objects.create(number=5, start_date=date(2026, 3, 4), end_date=date(2026, 3, 18))


def test_the_page_has_the_figures_per_sprint(history, sprints, client, member, at_now):
    client.force_login(member)
    response = client.get(reverse("incident-metrics"))  # this sprint, 5
    trend = response.context["deploys"]["trend"]
    assert [point["number"] for point in trend] == [4, 5]
    prod, every = trend[1]["scopes"]
    assert (prod["deployments"], prod["failed"], every["deployments"], every["failed"]) == (
        3,
        2,
        5,
        3,
    )
    assert trend[0]["scopes"][1]["deployments"] == 0
    assert client.get(every["failed_href"]).context["page"].paginator.count == 3
    assert client.get(prod["deployments_href"]).context["page"].paginator.count == 3
    assert trend[1]["scopes"] == response.context["deploys"]["rows"]


def test_an_empty_window_says_so(client, member, at_now, claims):
    client.force_login(member)
    response = client.get(reverse("incident-metrics"), WINDOW)
    assert "No deployment in the window failed." in response.content.decode()
    assert response.context["deploys"]["rows"][0]["rate"] == "—"


def test_the_figures_take_the_same_queries_at_thousands_of_rows(
    client, member, claims, sprints, at_now, django_assert_num_queries
):
    client.force_login(member)
    page_queries = []
    service = Service.objects.get(name="svc-claims-api")
    for size in (10, 3000):
        start = NOW - timedelta(days=6)
        Deployment.objects.bulk_create(
            Deployment(
                environment=["prod", "qa", "dev"][n % 3],
                services={"svc-claims-api": "abcdef1"},
                deployed_at=start + n * timedelta(minutes=2),
                rolled_back=n % 50 == 0,
            )
            for n in range(size)
        )
        Incident.objects.bulk_create(
            Incident(
                title=f"i{n}",
                service=service,
                started_at=start + n * timedelta(minutes=7),
                state=State.RESOLVED,
            )
            for n in range(size // 3)
        )
        with django_assert_num_queries(2):  # the deployments, the incidents on services
            doc = document()
        assert doc["deployments"]["all"] >= size
        # The whole document (incidents, security, releases) and the page, as many at 3000.
        # Partner app performance: its stored rows; the findings: eight.
        with django_assert_num_queries(21):
            response = client.get(reverse("api-metrics"), {**WINDOW, "as_of": NOW.isoformat()})
        assert response.json()["releases"] == doc
        trend_cache.clear()  # cold both times: the incident trend reads its sprints again
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("incident-metrics")).status_code == 200
        page_queries.append(len(page))
    assert page_queries[0] == page_queries[1]  # this sprint with its trend, as many at 3000
