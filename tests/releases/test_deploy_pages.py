"""The deployment pages: asking, the on-call pair's queue and buttons, the deployments list."""

from datetime import timedelta
from html import unescape
from io import StringIO

import pytest
from django.urls import reverse

from releases import deploys
from releases.deploy_models import Deployment, DeployRequest, RequestState
from rotations.models import Engineer
from tests.clock import NOW


@pytest.fixture
def member(member):
    """The login is one of the team's engineers: it does the team's daily work."""
    Engineer.objects.create(name="Morgan Member", user=member)
    return member


pytestmark = pytest.mark.django_db

HASH = "1a2b3c4d"


def body(response) -> str:
    return unescape(response.content.decode())


def a_request(requester, team, **kwargs) -> DeployRequest:
    return deploys.request_deploy(
        requester=requester,
        team=team,
        environment=kwargs.pop("environment", "qa"),
        services={"svc-claims-api": HASH},
        reason="QA needs the new claim form",
        now=kwargs.pop("now", NOW - timedelta(hours=3)),
        **kwargs,
    )


def test_it_requires_login(client):
    for name in ("deploy-queue", "deploy-request-new", "deployment-list", "deployment-new"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_form_explains_unknown_services_bad_hashes_and_a_prod_without_justification(
    client, claims, requester
):
    client.force_login(requester)
    response = client.post(
        reverse("deploy-request-new"),
        {
            "team": claims.pk,
            "environment": "prod",
            "services": "svc-nope 1a2b3c4\nsvc-claims-api zz-top!",
            "reason": "hotfix",
        },
    )
    assert response.status_code == 400
    text = body(response)
    assert "Unknown service 'svc-nope'." in text
    assert "The hash of svc-claims-api, 'zz-top!', is not 7 to 40 hexadecimal characters." in text
    assert "A prod deployment outside the release is an emergency" in text
    assert "needs the http(s) link of the incident or ticket" in text
    assert not DeployRequest.objects.exists()


def test_a_line_that_is_not_service_and_hash_is_named(client, claims, requester):
    client.force_login(requester)
    response = client.post(
        reverse("deploy-request-new"),
        {"team": claims.pk, "environment": "qa", "services": "svc-claims-api", "reason": "x"},
    )
    assert "Line 1 is not “service hash”: 'svc-claims-api'." in body(response)


def test_a_good_request_is_stored_and_shown(client, claims, requester, at_now):
    client.force_login(requester)
    response = client.post(
        reverse("deploy-request-new"),
        {
            "team": claims.pk,
            "environment": "qa",
            "services": "svc-claims-api 1A2B3C4D",
            "reason": "QA needs it",
        },
        follow=True,
    )
    created = DeployRequest.objects.get()
    assert created.services == {"svc-claims-api": "1a2b3c4d"}
    assert created.requester == requester
    assert f"Deploy request #{created.pk} sent to the on-call pair." in body(response)
    assert "requested by requester" in body(response)


def test_the_on_call_pair_sees_pending_requests_with_their_age_and_buttons(
    client, claims, requester, on_call
):
    pending = a_request(requester, claims)
    client.force_login(on_call)
    response = client.get(reverse("deploy-queue"))
    text = body(response)
    assert f"#{pending.pk} Claims" in text
    assert "3\xa0hours" in text  # its age
    assert reverse("deploy-request-approve", args=[pending.pk]) in text
    client.force_login(requester)
    text = body(client.get(reverse("deploy-queue")))
    assert reverse("deploy-request-approve", args=[pending.pk]) not in text
    assert "only the on-call pair or staff decide" in text


def test_someone_off_call_cannot_decide(client, claims, requester, on_call, member):
    pending = a_request(requester, claims)
    client.force_login(member)
    for name in ("deploy-request-approve", "deploy-request-reject", "deploy-request-deployed"):
        assert client.post(reverse(name, args=[pending.pk])).status_code == 403
    pending.refresh_from_db()
    assert pending.state == RequestState.REQUESTED


def test_approve_then_mark_deployed_records_the_deployment(client, claims, requester, on_call):
    pending = a_request(requester, claims)
    client.force_login(on_call)
    response = client.post(reverse("deploy-request-approve", args=[pending.pk]), follow=True)
    assert f"Deploy request #{pending.pk} approved." in body(response)
    response = client.post(
        reverse("deploy-request-deployed", args=[pending.pk]),
        {"next": reverse("deploy-request", args=[pending.pk])},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse("deploy-request", args=[pending.pk])
    text = body(response)
    assert "approved by approver" in text and "deployed by approver" in text
    deployment = Deployment.objects.get()
    assert (deployment.request, deployment.environment) == (pending, "qa")


def test_the_on_call_engineer_cannot_approve_their_own_request(client, claims, on_call):
    own = a_request(on_call, claims)
    client.force_login(on_call)
    page = body(client.get(reverse("deploy-request", args=[own.pk])))
    assert f'disabled title="You cannot approve your own request">Approve #{own.pk}' in page
    response = client.post(reverse("deploy-request-approve", args=[own.pk]), follow=True)
    assert "You cannot approve your own deploy request" in body(response)
    own.refresh_from_db()
    assert own.state == RequestState.REQUESTED


def test_a_rejection_needs_a_reason(client, claims, requester, on_call):
    pending = a_request(requester, claims)
    client.force_login(on_call)
    response = client.post(reverse("deploy-request-reject", args=[pending.pk]), follow=True)
    assert "Say why the request is rejected." in body(response)
    client.post(
        reverse("deploy-request-reject", args=[pending.pk]), {"rejection_reason": "Not today"}
    )
    pending.refresh_from_db()
    assert (pending.state, pending.rejection_reason) == (RequestState.REJECTED, "Not today")
    assert "rejected</span> by approver: Not today" in body(client.get(reverse("deploy-queue")))


def test_next_never_leaves_the_deploy_pages(client, claims, requester, on_call):
    pending = a_request(requester, claims)
    client.force_login(on_call)
    response = client.post(
        reverse("deploy-request-approve", args=[pending.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("deploy-queue")


def test_staff_decide_too(client, claims, requester, lead, at_now):
    pending = a_request(requester, claims)
    client.force_login(lead)
    client.post(reverse("deploy-request-approve", args=[pending.pk]))
    pending.refresh_from_db()
    assert pending.approved_by == lead


def test_a_deployment_is_recorded_by_hand(client, claims, member, at_now):
    client.force_login(member)
    response = client.post(
        reverse("deployment-new"),
        {"environment": "prod", "services": "svc-claims-api nothex", "deployed_at": "soon"},
    )
    assert response.status_code == 400
    text = body(response)
    assert "Enter a date and time" in text and "hexadecimal" in text
    response = client.post(
        reverse("deployment-new"),
        {
            "environment": "prod",
            "services": "svc-claims-api abcdef1",
            "deployed_at": "2026-03-11 09:00",
        },
        follow=True,
    )
    deployment = Deployment.objects.get()
    assert (deployment.deployed_by, deployment.services) == (
        "member",
        {"svc-claims-api": "abcdef1"},
    )
    assert "Deployment recorded." in body(response)


def add_deployments(count: int, *, start: int = 0) -> None:
    environments = ["dev", "qa", "sandbox", "prod-test", "prod"]
    Deployment.objects.bulk_create(
        Deployment(
            environment=environments[n % 5],
            services={"svc-claims-api": f"{n:07x}"},
            deployed_by="bot",
            deployed_at=NOW - timedelta(hours=n),
        )
        for n in range(start, start + count)
    )


def test_the_deployment_list_filters_by_environment_and_pages(client, member, at_now):
    add_deployments(120)
    client.force_login(member)
    response = client.get(reverse("deployment-list"), {"environment": "prod"})
    page = response.context["page"]
    assert page.paginator.count == 24
    assert {d.environment for d in page.object_list} == {"prod"}
    response = client.get(reverse("deployment-list"), {"page": "3"})
    assert len(response.context["page"].object_list) == 20
    assert 'href="?page=2" rel="prev"' in response.content.decode()


def test_the_pages_answer_in_the_same_number_of_queries_at_thousands_of_rows(
    client, claims, requester, on_call, django_assert_num_queries
):
    client.force_login(on_call)
    pages = {
        # Who is reading (oncall_site/permissions.py): two queries on the queue and the form.
        "queue": (reverse("deploy-queue"), {}, 7),
        "deployments": (reverse("deployment-list"), {"environment": "prod"}, 5),
        "form": (reverse("deploy-request-new"), {}, 6),
    }
    for size in (10, 3000):
        add_deployments(size - (10 if size > 10 else 0), start=10 if size > 10 else 0)
        for n in range(size // 100):
            a_request(requester, claims, now=NOW - timedelta(minutes=n))
        for name, (url, params, queries) in pages.items():
            with django_assert_num_queries(queries):
                assert client.get(url, params).status_code == 200, name
    assert Deployment.objects.count() == 3000


def test_the_admin_lists_requests_and_deployments(client, lead, claims, requester, at_now):
    a_request(requester, claims)
    add_deployments(3)
    client.force_login(lead)
    for name in ("admin:releases_deployrequest_changelist", "admin:releases_deployment_changelist"):
        assert client.get(reverse(name)).status_code == 200


def test_the_demo_has_a_request_in_each_state(demo_team):
    from django.core.management import call_command

    states = sorted(DeployRequest.objects.values_list("state", flat=True))
    assert states == ["approved", "deployed", "rejected", "requested", "requested"]
    call_command("seed_demo", stdout=StringIO())  # idempotent
    assert DeployRequest.objects.count() == 5
