"""Deploy requests and deployments: what may be asked, each step with who and when."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from releases import deploys
from releases.deploy_models import Deployment, DeploymentSource, RequestState
from tests.clock import NOW

pytestmark = pytest.mark.django_db

HASH = "1a2b3c4d"


def ask(requester, team, environment="qa", services=None, **kwargs):
    return deploys.request_deploy(
        requester=requester,
        team=team,
        environment=environment,
        services={"svc-claims-api": HASH} if services is None else services,
        reason=kwargs.pop("reason", "QA needs the new claim form"),
        now=kwargs.pop("now", NOW),
        **kwargs,
    )


def messages(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_it_parses_a_manifest_one_service_a_line():
    text = "svc-claims-api 1A2B3C4\n\n svc-claims-ui=abcdef0123 \nsvc-x: 0000000"
    assert deploys.parse_manifest(text) == {
        "svc-claims-api": "1A2B3C4",
        "svc-claims-ui": "abcdef0123",
        "svc-x": "0000000",
    }
    with pytest.raises(ValidationError, match="Line 2 is not"):
        deploys.parse_manifest("svc-a 1234567\nsvc-b")
    with pytest.raises(ValidationError, match="a second time"):
        deploys.parse_manifest("svc-a 1234567\nsvc-a 7654321")


def test_it_explains_unknown_services_foreign_services_and_bad_hashes(claims, requester):
    with pytest.raises(ValidationError) as exc:
        ask(
            requester,
            claims,
            services={"svc-nope": HASH, "svc-bgs-api": HASH, "svc-claims-ui": "not-hex!"},
        )
    assert messages(exc)["services"] == [
        "Unknown service 'svc-nope'.",
        "svc-bgs-api is not a service of Claims.",
        "The hash of svc-claims-ui, 'not-hex!', is not 7 to 40 hexadecimal characters.",
    ]


@pytest.mark.parametrize("commit", ["abc123", "a" * 41, "g234567", ""])
def test_a_hash_is_7_to_40_hex_characters(claims, requester, commit):
    with pytest.raises(ValidationError, match="hexadecimal"):
        ask(requester, claims, services={"svc-claims-api": commit})


def test_it_stores_hashes_in_lower_case_and_the_request_as_requested(claims, requester):
    request = ask(requester, claims, services={"svc-claims-api": "ABCDEF0" + "1" * 33})
    assert request.services == {"svc-claims-api": "abcdef0" + "1" * 33}
    assert (request.state, request.requested_at, request.requester) == (
        RequestState.REQUESTED,
        NOW,
        requester,
    )


def test_prod_needs_a_justification_and_an_incident_or_ticket_link(claims, requester):
    with pytest.raises(ValidationError) as exc:
        ask(requester, claims, environment="prod", incident_link="javascript:alert(1)")
    assert set(messages(exc)) == {"emergency_justification", "incident_link"}
    request = ask(
        requester,
        claims,
        environment="prod",
        emergency_justification="Claims cannot be submitted",
        incident_link="https://github.com/acme/platform/issues/12",
    )
    assert request.environment == "prod"


def test_lower_environments_need_no_justification(claims, requester):
    for environment in ("dev", "qa", "sandbox", "prod-test"):
        assert ask(requester, claims, environment=environment).pk


def test_it_refuses_an_unknown_environment_and_an_empty_request(claims, requester):
    with pytest.raises(ValidationError) as exc:
        ask(requester, claims, environment="staging", services={}, reason=" ")
    assert set(messages(exc)) == {"environment", "services", "reason"}


def test_requested_approved_deployed_records_who_and_when(claims, requester, approver):
    request = ask(requester, claims)
    deploys.approve(request, by=approver, now=NOW + timedelta(minutes=5))
    deployment = deploys.mark_deployed(request, by=approver, now=NOW + timedelta(minutes=30))
    request.refresh_from_db()
    assert request.state == RequestState.DEPLOYED
    assert (request.approved_by, request.approved_at) == (approver, NOW + timedelta(minutes=5))
    assert (request.deployed_by, request.deployed_at) == (approver, NOW + timedelta(minutes=30))
    assert deployment.request == request
    assert (deployment.environment, deployment.services) == ("qa", {"svc-claims-api": HASH})
    assert (deployment.deployed_by, deployment.source) == ("approver", DeploymentSource.MANUAL)


def test_approving_ones_own_request_is_refused(claims, requester):
    request = ask(requester, claims)
    with pytest.raises(ValidationError, match="your own deploy request"):
        deploys.approve(request, by=requester, now=NOW)
    request.refresh_from_db()
    assert request.state == RequestState.REQUESTED


def test_a_setting_allows_self_approval(claims, requester, settings):
    settings.DEPLOY_SELF_APPROVAL = True
    request = ask(requester, claims)
    deploys.approve(request, by=requester, now=NOW)
    assert request.state == RequestState.APPROVED


def test_a_rejection_needs_a_reason_and_ends_the_request(claims, requester, approver):
    request = ask(requester, claims)
    with pytest.raises(ValidationError, match="Say why"):
        deploys.reject(request, by=approver, reason="  ", now=NOW)
    deploys.reject(request, by=approver, reason="Wait for the release", now=NOW)
    request.refresh_from_db()
    assert (request.state, request.rejected_by, request.rejection_reason) == (
        RequestState.REJECTED,
        approver,
        "Wait for the release",
    )
    with pytest.raises(ValidationError, match="cannot be approved: it is rejected"):
        deploys.approve(request, by=approver, now=NOW)


def test_only_an_approved_request_can_be_marked_deployed_once(claims, requester, approver):
    request = ask(requester, claims)
    with pytest.raises(ValidationError, match="cannot be marked deployed: it is requested"):
        deploys.mark_deployed(request, by=approver, now=NOW)
    deploys.approve(request, by=approver, now=NOW)
    deploys.mark_deployed(request, by=approver, now=NOW)
    stale = type(request).objects.get(pk=request.pk)
    stale.state = RequestState.APPROVED  # a second click from a page loaded before the first
    with pytest.raises(ValidationError, match="it is deployed"):
        deploys.mark_deployed(stale, by=approver, now=NOW)
    assert Deployment.objects.count() == 1


def test_a_deployment_recorded_by_hand_is_checked(claims):
    with pytest.raises(ValidationError) as exc:
        deploys.record_deployment(
            environment="prod",
            services={"svc-claims-api": "xyz"},
            deployed_by="ana",
            deployed_at=NOW + timedelta(hours=1),
            now=NOW,
            url="ftp://example.com",
        )
    assert set(messages(exc)) == {"services", "deployed_at", "url"}
    deployment = deploys.record_deployment(
        environment="prod",
        services={"svc-claims-api": HASH, "svc-bgs-api": "abcdef1"},
        deployed_by="ana",
        deployed_at=NOW - timedelta(hours=1),
        now=NOW,
    )
    rolled = deploys.mark_rolled_back(deployment, at=NOW)
    assert (rolled.rolled_back, rolled.rolled_back_at) == (True, NOW)
