"""GitHub deployments: what is stored from a deployment and its statuses, and the job
against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from oncall_site.integrations import github
from oncall_site.sync import run_job, upsert
from releases.deploy_models import Deployment, DeploymentSource
from releases.sync import DEPLOYMENTS, deployment_fields

T0 = datetime(2026, 3, 10, 15, tzinfo=UTC)
MINUTE = timedelta(minutes=1)
SHA = "a" * 40


def status(n: int, state: str, minutes: int) -> github.DeploymentStatus:
    return github.DeploymentStatus(
        id=n, state=state, created_at=T0 + minutes * MINUTE, log_url=f"https://ci.example/{n}"
    )


def deployment(*statuses, environment="prod", services=(("svc-bgs-api", SHA),)):
    return github.Deployment(
        id=41,
        environment=environment,
        ref="develop",
        sha=SHA,
        task="deploy",
        description="Deploy svc-bgs-api to prod",
        creator="dkowalski",
        created_at=T0,
        services=services,
        statuses=tuple(statuses),
    )


def test_a_deployment_counts_from_its_first_success():
    fields, problem = deployment_fields(
        deployment(status(1, "queued", 0), status(2, "in_progress", 1), status(3, "success", 9))
    )
    assert problem == "" and fields is not None
    assert fields["deployed_at"] == T0 + 9 * MINUTE
    assert (fields["rolled_back"], fields["rolled_back_at"]) == (False, None)
    assert fields["services"] == {"svc-bgs-api": SHA}
    assert (fields["url"], fields["deployed_by"]) == ("https://ci.example/3", "dkowalski")
    assert fields["source"] == DeploymentSource.GITHUB


def test_one_that_never_succeeded_is_not_a_deployment_yet():
    assert deployment_fields(deployment(status(1, "in_progress", 0))) == (None, "")
    assert deployment_fields(deployment(status(1, "failure", 4))) == (None, "")


def test_a_failure_after_the_success_is_a_rollback():
    fields, _ = deployment_fields(deployment(status(1, "success", 5), status(2, "failure", 50)))
    assert fields is not None
    assert (fields["rolled_back"], fields["rolled_back_at"]) == (True, T0 + 50 * MINUTE)
    fields, _ = deployment_fields(deployment(status(1, "success", 5), status(2, "inactive", 50)))
    assert fields is not None and fields["rolled_back"] is False


def test_environment_names_are_ours_and_others_are_flagged_by_name():
    fields, _ = deployment_fields(deployment(status(1, "success", 1), environment="Production"))
    assert fields is not None and fields["environment"] == "prod"
    fields, problem = deployment_fields(deployment(status(1, "success", 1), environment="staging"))
    assert fields is None
    assert problem.startswith("GitHub deployment 41 is to environment 'staging'")


def test_a_service_commit_that_is_not_a_hash_is_left_out():
    services = (("svc-bgs-api", "not a sha"), ("svc-bip-api", "ABCDEF1"))
    fields, _ = deployment_fields(deployment(status(1, "success", 1), services=services))
    assert fields is not None and fields["services"] == {"svc-bip-api": "abcdef1"}


@pytest.mark.parametrize(
    "payload, services",
    [
        ({"services": {"svc-bgs-api": "abc1234"}}, (("svc-bgs-api", "abc1234"),)),
        ('{"services": {"svc-bgs-api": null}}', (("svc-bgs-api", SHA),)),
        ({"service": "cc-app"}, (("cc-app", SHA),)),
        ("", ()),
        ("not json", ()),
        ([1, 2], ()),
    ],
)
def test_the_services_come_from_the_payload(payload, services):
    raw = {
        "id": 7,
        "environment": "qa",
        "sha": SHA,
        "created_at": "2026-03-10T15:00:00Z",
        "payload": payload,
        "creator": {"login": "bokafor"},
    }
    statuses = [
        {"id": 2, "state": "success", "created_at": "2026-03-10T15:09:00Z"},
        {"id": 1, "state": "queued", "created_at": "2026-03-10T15:00:00Z"},
    ]
    normalized = github.normalize_deployment(raw, statuses)
    assert normalized.services == services
    assert [s.state for s in normalized.statuses] == ["queued", "success"]  # oldest first
    assert normalized.creator == "bokafor"


@pytest.mark.django_db
def test_a_person_linking_an_incident_survives_the_next_sync(claims):
    from incidents.models import Incident

    fields, _ = deployment_fields(deployment(status(1, "success", 5)))
    assert upsert(DEPLOYMENTS, [fields], now=T0).created == 1
    row = Deployment.objects.get()
    row.incident = Incident.objects.create(title="BGS down", started_at=T0 + 60 * MINUTE)
    row.save()
    fields, _ = deployment_fields(deployment(status(1, "success", 5), status(2, "error", 90)))
    assert upsert(DEPLOYMENTS, [fields], now=T0).updated == 1
    row.refresh_from_db()
    assert row.incident is not None and row.rolled_back is True
    assert upsert(DEPLOYMENTS, [fields], now=T0).total == 0  # nothing changed: nothing written


@pytest.mark.django_db
def test_the_job_stores_the_sandboxs_deployments_once(upstreams, demo_team, settings):
    settings.SYNC_BACKFILL_DAYS = 30  # a status request per deployment: a month is plenty
    by_hand = Deployment.objects.count()  # the demo's request marked deployed
    first = run_job("github.deployments", now=upstreams.now())
    assert first.status == "ok", first.message
    stored = Deployment.objects.count() - by_hand
    assert stored > 40
    assert set(Deployment.objects.values_list("environment", flat=True)) == {
        "dev",
        "qa",
        "sandbox",
        "prod-test",
        "prod",
    }
    assert Deployment.objects.filter(rolled_back=True).exists()
    assert Deployment.objects.exclude(source=DeploymentSource.GITHUB).count() == by_hand
    upstreams.requests.reset()
    again = run_job("github.deployments", now=upstreams.now())
    assert again.status == "ok" and again.written == 0
    # Unchanged deployments keep their statuses: only those that never went out are re-read.
    never_out = (
        again.fetched
        - Deployment.objects.filter(deployed_at__gte=upstreams.now() - timedelta(days=7)).count()
    )
    assert upstreams.requests.count("github.deployment_statuses") <= never_out + 1
    assert Deployment.objects.count() == stored + by_hand
