"""The world of the permissions matrix (tests/test_permissions_matrix.py): one login per
role, the rows each role reads or changes, built by hand at `NOW` (sprint 5, Mar 4-17,
around it; sprint 4 over; sprint 6 ahead), and how a request is judged: its answer, the
sentence of a refusal, and whether it wrote to the database."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import URLPattern, URLResolver, reverse
from django.utils import timezone

from incidents.models import DatadogMonitor, Incident, IncidentImpact, State
from oncall_site.models import ApiToken
from releases import deploys
from rotations.models import CalendarFeed, Engineer, PartnerTeam, Rotation, Service, Sprint
from security.models import Finding, SlaPolicy
from tests.clock import NOW

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "viewer", "partner", "engineer", "on_call", "staff")
LOGIN = "login"  # a 302 to the login page
ADMIN_LOGIN = "admin-login"  # a 302 to the admin's login page
SOME_LOGIN = "some-login"  # a 302 to either login page
ANY = "any"  # answered, whatever the code (forms re-shown, redirects): not checked


def local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


# The world


def build_world(django_user_model: Any, settings: Any) -> dict[str, Any]:
    """The rows; the caller sets the clock at `NOW` and gives the database."""
    settings.PAGERDUTY_WEBHOOK_SECRET = "pd-secret-for-tests"
    settings.SLACK_SIGNING_SECRET = "slack-secret-for-tests"
    users = {
        name: django_user_model.objects.create_user(name)  # no password to hash: force_login
        for name in ("viewer", "partner", "engineer", "on_call", "outsider")
    }
    users["staff"] = django_user_model.objects.create_user(
        "staff", is_staff=True, is_superuser=True
    )
    platform = PartnerTeam.objects.create(name="Platform", slug="platform", is_platform=True)
    claims = PartnerTeam.objects.create(
        name="Claims", slug="claims", group=Group.objects.create(name="claims")
    )
    other = PartnerTeam.objects.create(
        name="Benefits", slug="benefits", group=Group.objects.create(name="benefits")
    )
    users["partner"].groups.add(claims.group)
    Service.objects.create(name="svc-bgs-api", team=platform)
    claims_api = Service.objects.create(name="svc-claims-api", team=claims)
    Service.objects.create(name="svc-benefits-api", team=other)
    olive = Engineer.objects.create(name="Olive Oncall", user=users["on_call"])
    sam = Engineer.objects.create(name="Sam Second")
    eve = Engineer.objects.create(name="Eve Engineer", user=users["engineer"])
    Engineer.objects.create(name="Ida Inactive", user=users["outsider"], active=False)
    sprints = {
        n: Sprint.objects.create(
            number=n,
            start_date=date(2026, 2, 18) + timedelta(days=14 * (n - 4)),
            end_date=date(2026, 3, 4) + timedelta(days=14 * (n - 4)),
        )
        for n in (4, 5, 6)
    }
    for n in (4, 5):
        Rotation.objects.create(sprint=sprints[n], primary=olive, secondary=sam)
    # Olive is sprint 6's primary too, and so the captain of its release.
    Rotation.objects.create(sprint=sprints[6], primary=olive, secondary=eve)
    incident = Incident.objects.create(
        title="BIP returns 503",
        started_at=NOW - timedelta(hours=2),
        severity="SEV2",
        state=State.TRIGGERED,
        service=claims_api,
    )
    impact = IncidentImpact.objects.create(
        incident=incident, team=claims, start=NOW - timedelta(hours=2)
    )
    monitor = DatadogMonitor.objects.create(
        monitor_id=1001,
        name="svc-benefits-api p99 latency > 2s",
        status="Alert",
        triggered_at=NOW - timedelta(minutes=35),
        first_seen_at=NOW,
        last_seen_at=NOW,
        url="https://app.datadoghq.com/monitors/1001",
    )
    SlaPolicy.objects.update_or_create(pk=1, defaults={"assessor_contact": "assessor@example.org"})
    finding = Finding.objects.create(
        title="openssl: X.509 name check DoS",
        source="manual",
        number=1,
        tool="aqua",
        severity="high",
        upstream_severity="high",
        package="openssl",
        first_seen_at=NOW - timedelta(days=5),
        upstream_state="open",
        sla_due_at=NOW + timedelta(days=25),
    )
    deploy_request = deploys.request_deploy(
        requester=users["engineer"],
        team=claims,
        environment="qa",
        services={"svc-claims-api": "1a2b3c4d"},
        reason="QA needs the new claim form",
        now=NOW - timedelta(hours=3),
    )
    feed = CalendarFeed(user=users["engineer"])
    secret = feed.set_new_secret()
    feed.save()
    api_token = ApiToken(user=users["viewer"], name="bot")
    token = api_token.set_new_secret()
    api_token.save()
    return {
        "users": users,
        "claims": claims,
        "other": other,
        "olive": olive,
        "sam": sam,
        "eve": eve,
        "sprints": sprints,
        "incident": incident,
        "impact": impact,
        "monitor": monitor,
        "finding": finding,
        "deploy_request": deploy_request,
        "feed_secret": secret,
        "api_token": token,
    }


# What counts as a change: a statement writing to one of the site's tables while the
# request runs (on SQLite and PostgreSQL alike), but the bookkeeping a request may write
# without changing anything: the session, the shared data version, a token's last use, the
# login lock's log.
WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
NOT_DATA = re.compile(r"^(django_session|oncall_site_dataversion|oncall_site_apitoken|axes_)")


class Writes:
    """The tables written to by the SQL run inside the block."""

    def __init__(self) -> None:
        self.tables: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        found = WRITE.match(sql)
        if found and not NOT_DATA.match(found.group(1)):
            self.tables.append(found.group(1))
        return execute(sql, params, many, context)


# The rows

Expect = dict[str, int | str]
PAGE: Expect = {"anonymous": LOGIN} | {role: 200 for role in ROLES[1:]}
NOT_ALLOWED: Expect = {"anonymous": LOGIN} | {role: 405 for role in ROLES[1:]}
TEAM_WORK: Expect = {"anonymous": LOGIN, "viewer": 403, "partner": 403} | {
    "engineer": 302,
    "on_call": 302,
    "staff": 302,
}
PAIR: Expect = TEAM_WORK | {"engineer": 403}
STAFF_ONLY: Expect = PAIR | {"on_call": 403}
API_OTHER: Expect = {"anonymous": 401} | {role: 405 for role in ROLES[1:]}


@dataclass
class Row:
    url: Callable[[dict], str]
    get: Expect = field(default_factory=lambda: PAGE)
    post: Expect = field(default_factory=lambda: NOT_ALLOWED)
    data: Callable[[dict], dict] = lambda w: {}
    restricted: bool = True  # PUT and DELETE answer 405
    public: bool = False  # answers without a login
    headers: Callable[[dict], dict] = lambda w: {}
    other: Expect | None = None  # PUT and DELETE, when not the usual 405
    changes: bool = True  # an allowed POST writes to the database


def by_id(name: str, key: str, *more: str) -> Callable[[dict], str]:
    return lambda w: reverse(name, args=[w[key].pk, *more])


def sprint_url(name: str, number: int, *more: str) -> Callable[[dict], str]:
    return lambda w: reverse(name, args=[number, *more])


def finding_post(name: str, **data: str) -> Row:
    return Row(
        by_id(f"finding-{name}", "finding"),
        get=NOT_ALLOWED,
        post=TEAM_WORK,
        data=lambda w: {f"{name.split('-')[-1]}-{k}": v for k, v in data.items()},
    )


DECLARE = {
    "title": "Vault token renewal failing",
    "severity": "SEV2",
    "description": "Pods cannot renew their Vault tokens.",
}

# The checks


def clients(world: dict) -> dict[str, Client]:
    """One browser per role, logged in once."""
    by_role = {role: Client() for role in ROLES}
    for role, client in by_role.items():
        if role != "anonymous":
            client.force_login(world["users"][role])
    return by_role


def outcome(response, expected: int | str) -> bool:
    if expected == ANY:
        return response.status_code < 500
    if expected == LOGIN:
        return response.status_code == 302 and response["Location"].startswith(reverse("login"))
    if expected == SOME_LOGIN:
        return response.status_code == 302 and "/login/" in response["Location"]
    if expected == ADMIN_LOGIN:
        return response.status_code == 302 and "/admin/login/" in response["Location"]
    return response.status_code == expected


def said(response) -> str:
    """The sentence of the site's forbidden page."""
    found = re.search(r'<p class="alert-box" role="alert">(.+?)</p>', response.content.decode())
    return found.group(1).strip() if found else ""


def url_names(patterns: list, prefix: str = "") -> dict[str, str]:
    """Every named URL pattern of the site, by its (namespaced) name, with its route."""
    names: dict[str, str] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            namespace = f"{pattern.namespace}:" if pattern.namespace else ""
            for name, route in url_names(pattern.url_patterns).items():
                names[f"{namespace}{name}"] = str(pattern.pattern) + route
        elif isinstance(pattern, URLPattern):
            names[pattern.name or f"<unnamed {pattern.pattern}>"] = str(pattern.pattern)
    return names
