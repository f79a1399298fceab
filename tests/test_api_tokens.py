"""API tokens: stored as a hash, the bearer authentication of the JSON API, created in the
admin and shown once, and kept (with the Datadog monitors) across the migrations that
moved and renamed their tables."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.urls import reverse

from oncall_site.auth import LAST_USED_RESOLUTION, api_login_required, token_user
from oncall_site.models import ApiToken, token_digest
from tests.clock import NOW

SECOND = timedelta(seconds=1)


@pytest.fixture
def token(member) -> str:
    api_token = ApiToken(user=member, name="sprint review sheet")
    secret = api_token.set_new_secret()
    api_token.save()
    return secret


def last_used():
    return ApiToken.objects.values_list("last_used_at", flat=True).get()


# The token and its user


@pytest.mark.django_db
def test_only_the_digest_and_a_prefix_are_stored(token):
    stored = ApiToken.objects.get()
    assert token.startswith("oncall_") and len(token) > 40
    assert stored.digest == token_digest(token) and token not in stored.digest
    assert token.startswith(stored.prefix) and stored.prefix != token


@pytest.mark.django_db
@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_a_token_is_its_users_and_its_use_is_noted(token, member, scheme):
    assert token_user(f"{scheme} {token}", now=NOW) == member
    assert last_used() == NOW


@pytest.mark.django_db
def test_its_use_is_noted_at_most_once_a_minute(token):
    token_user(f"Bearer {token}", now=NOW)
    token_user(f"Bearer {token}", now=NOW + LAST_USED_RESOLUTION)
    assert last_used() == NOW
    token_user(f"Bearer {token}", now=NOW + LAST_USED_RESOLUTION + SECOND)
    assert last_used() == NOW + LAST_USED_RESOLUTION + SECOND


@pytest.mark.django_db
@pytest.mark.parametrize(
    "header",
    [
        "Bearer oncall_not-a-real-token",
        "Bearer ",
        "Bearer",
        "Token {token}",
        "Basic ZGVtbzpvbmNhbGwtZGVtbw==",
        "{token}",
    ],
)
def test_an_unknown_or_malformed_token_has_no_user(token, header):
    assert token_user(header.format(token=token), now=NOW) is None
    assert last_used() is None


@pytest.mark.django_db
def test_the_token_of_an_inactive_user_has_no_user(token, member):
    member.is_active = False
    member.save()
    assert token_user(f"Bearer {token}", now=NOW) is None


@pytest.mark.django_db
def test_a_deleted_token_has_no_user(token):
    ApiToken.objects.all().delete()
    assert token_user(f"Bearer {token}", now=NOW) is None


# The decorator


@api_login_required
def whoami(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"user": request.user.get_username()})


def call(rf, user, authorization: str = "") -> tuple[int, dict, JsonResponse]:
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    request = rf.get("/api/v1/whoami", **headers)
    request.user = user
    response = whoami(request)
    return response.status_code, json.loads(response.content), response


@pytest.mark.django_db
def test_it_lets_a_logged_in_session_through(rf, member):
    assert call(rf, member)[:2] == (200, {"user": "member"})


@pytest.mark.django_db
def test_a_request_with_a_token_acts_as_the_tokens_user(rf, token, lead):
    for user in (AnonymousUser(), lead):
        assert call(rf, user, f"Bearer {token}")[:2] == (200, {"user": "member"})


@pytest.mark.django_db
def test_a_bad_token_is_refused_even_with_a_session(rf, member):
    status, body, response = call(rf, member, "Bearer oncall_nope")
    assert status == 401 and "token is unknown" in body["error"]
    assert response["WWW-Authenticate"] == 'Bearer realm="oncall"'


@pytest.mark.django_db
def test_no_session_and_no_token_is_a_401_in_json(rf):
    status, body, response = call(rf, AnonymousUser())
    assert status == 401 and response["Content-Type"] == "application/json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert "Log in" in body["error"]


def test_the_api_is_exempt_from_the_pages_login_redirect():
    assert whoami.login_required is False
    assert whoami.__name__ == "whoami"


# The admin


@pytest.fixture
def admin_client(client, lead):
    client.force_login(lead)
    return client


@pytest.mark.django_db
def test_the_admin_pages_answer(admin_client, token):
    pk = ApiToken.objects.get().pk
    for url in (
        reverse("admin:oncall_site_apitoken_changelist"),
        reverse("admin:oncall_site_apitoken_add"),
        reverse("admin:oncall_site_apitoken_change", args=[pk]),
    ):
        assert admin_client.get(url).status_code == 200, url


@pytest.mark.django_db
def test_the_admin_creates_a_token_and_shows_it_once(admin_client, member):
    response = admin_client.post(
        reverse("admin:oncall_site_apitoken_add"), {"user": member.pk, "name": "sprint review"}
    )
    assert response.status_code == 200
    token = ApiToken.objects.get()
    secret = response.context["secret"]
    assert secret.startswith("oncall_") and len(secret) > 40
    assert secret in response.content.decode()
    assert token.digest == token_digest(secret) and secret not in token.digest
    change = admin_client.get(reverse("admin:oncall_site_apitoken_change", args=[token.pk]))
    assert secret not in change.content.decode()
    api = admin_client.get(
        reverse("api-metrics"),
        {"since": "2026-01-01", "until": "2026-02-01"},
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )
    assert api.status_code == 200


# The migrations: tokens moved from `incidents` to the site, Alert renamed DatadogMonitor


def migration_named(loader, app: str, suffix: str) -> tuple[str, str]:
    """The app's migration whose name ends with `suffix` (numbers may change on a merge)."""
    return next(key for key in loader.disk_migrations if key[0] == app and key[1].endswith(suffix))


@pytest.mark.django_db(transaction=True)
def test_stored_tokens_and_monitors_survive_the_migrations():
    from django.contrib.auth.models import Permission, User
    from django.contrib.contenttypes.models import ContentType

    from incidents.models import DatadogMonitor

    executor = MigrationExecutor(connection)
    loader = executor.loader
    moved = migration_named(loader, "oncall_site", "_api_token")
    site_before = [
        dep for dep in loader.get_migration(*moved).dependencies if dep[0] == "oncall_site"
    ]
    # Every other app stays at its latest migration, so the historical models are whole.
    others = [
        key for key in loader.graph.leaf_nodes() if key[0] not in {"incidents", "oncall_site"}
    ]
    before = [
        migration_named(loader, "incidents", "_tickets_and_api_tokens"),
        *site_before,
        *others,
    ]
    secret = "oncall_" + "s3cret" * 8
    try:
        executor.migrate(before)
        old = executor.loader.project_state(before).apps
        user = old.get_model("auth", "User").objects.create(username="sheet")
        old.get_model("incidents", "ApiToken").objects.create(
            user=user, name="sprint review sheet", prefix=secret[:11], digest=token_digest(secret)
        )
        incident = old.get_model("incidents", "Incident").objects.create(
            title="BIP 5xx", started_at=NOW
        )
        old.get_model("incidents", "Alert").objects.create(
            monitor_id=7,
            name="bip 5xx",
            status="Alert",
            first_seen_at=NOW,
            last_seen_at=NOW,
            incident=incident,
        )
        # A permission given on the old model is kept: its content type moves with it.
        content_types = old.get_model("contenttypes", "ContentType").objects
        content_types.filter(model="apitoken").delete()
        old_type = content_types.create(app_label="incidents", model="apitoken")
        permission = old.get_model("auth", "Permission").objects.create(
            content_type=old_type, codename="view_apitoken", name="Can view API token"
        )
        user.user_permissions.add(permission)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    token = ApiToken.objects.get()
    assert (token.name, token.user.username) == ("sprint review sheet", "sheet")
    assert token_user(f"Bearer {secret}", now=NOW) == token.user
    ContentType.objects.clear_cache()
    assert not ContentType.objects.filter(app_label="incidents", model="apitoken").exists()
    assert Permission.objects.get(pk=permission.pk).content_type.app_label == "oncall_site"
    assert User.objects.get(username="sheet").has_perm("oncall_site.view_apitoken")
    monitor = DatadogMonitor.objects.get()
    assert (monitor.monitor_id, monitor.incident.title) == (7, "BIP 5xx")
    assert list(monitor.incident.datadog_monitors.all()) == [monitor]
