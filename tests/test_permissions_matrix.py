"""Who may do what, view by view and verb by verb (`oncall_site/permissions.py`).

Every URL pattern of the site has a row here: a new view without one fails
`test_every_view_has_a_row`. Each row says, for each of the six roles, what a GET and a
POST answer; a POST that is allowed must change the database, one that is refused must
change nothing. PUT and DELETE answer 405 wherever a view restricts its methods. The
rows are built by hand (tests/permissions_world.py).
"""

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.test import Client
from django.urls import get_resolver, reverse

from releases.models import Release
from rotations.models import Engineer
from tests.clock import NOW
from tests.permissions_world import (
    ADMIN_LOGIN,
    ANY,
    API_OTHER,
    DECLARE,
    LOGIN,
    NOT_ALLOWED,
    PAIR,
    ROLES,
    SOME_LOGIN,
    STAFF_ONLY,
    TEAM_WORK,
    Row,
    Writes,
    build_world,
    by_id,
    clients,
    finding_post,
    local,
    outcome,
    said,
    sprint_url,
    url_names,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db, django_user_model, at_now, settings) -> dict:
    return build_world(django_user_model, settings)


MATRIX: dict[str, list[Row]] = {
    "dashboard": [Row(lambda w: "/")],
    "dashboard-needs": [Row(lambda w: reverse("dashboard-needs"))],
    "healthz": [
        Row(
            lambda w: "/healthz",
            get={role: ANY for role in ROLES},
            post={role: 405 for role in ROLES},
            public=True,
        )
    ],
    "login": [
        Row(
            lambda w: reverse("login"),
            get={"anonymous": 200} | {role: 302 for role in ROLES[1:]},
            # No credentials: the form again; someone logged in is sent on.
            post={"anonymous": 200} | {role: 302 for role in ROLES[1:]},
            restricted=False,
            public=True,
            changes=False,
        )
    ],
    "logout": [
        Row(
            lambda w: reverse("logout"),
            get=NOT_ALLOWED,
            post={"anonymous": LOGIN} | {role: 302 for role in ROLES[1:]},
            changes=False,  # the session only
        )
    ],
    "api-summary": [
        Row(
            lambda w: reverse("api-summary"),
            get={"anonymous": 401} | {role: 200 for role in ROLES[1:]},
            post=API_OTHER,
            other=API_OTHER,
            public=True,
        ),
        # A token acts as its user (a viewer here), without a session.
        Row(
            lambda w: reverse("api-summary"),
            get={role: 200 for role in ROLES},
            post={role: 405 for role in ROLES},
            public=True,
            headers=lambda w: {"Authorization": f"Bearer {w['api_token']}"},
        ),
    ],
    "api-oncall": [
        Row(
            lambda w: reverse("api-oncall"),
            get={"anonymous": 401} | {role: 200 for role in ROLES[1:]},
            post=API_OTHER,
            other=API_OTHER,
            public=True,
        )
    ],
    "api-metrics": [
        Row(
            lambda w: reverse("api-metrics") + "?sprint=5",
            get={"anonymous": 401} | {role: 200 for role in ROLES[1:]},
            post=API_OTHER,
            other=API_OTHER,
            public=True,
        )
    ],
    "api-releases": [
        Row(
            lambda w: reverse("api-releases"),
            get={"anonymous": 401} | {role: 200 for role in ROLES[1:]},
            post=API_OTHER,
            other=API_OTHER,
            public=True,
        )
    ],
    "webhook-pagerduty": [
        Row(
            lambda w: reverse("webhook-pagerduty"),
            get={role: 405 for role in ROLES},
            post={role: 401 for role in ROLES},  # unsigned: refused, whoever is logged in
            public=True,
        )
    ],
    "webhook-slack-incident-report": [
        Row(
            lambda w: reverse("webhook-slack-incident-report"),
            get={role: 405 for role in ROLES},
            post={role: 401 for role in ROLES},
            public=True,
        )
    ],
    # Rotations
    "rotations": [Row(lambda w: reverse("rotations"))],
    "engineer-history": [Row(by_id("engineer-history", "olive"))],
    "rotation-confirm": [
        Row(
            sprint_url("rotation-confirm", 6),
            get=NOT_ALLOWED,
            post=PAIR,
            data=lambda w: {"primary": w["sam"].pk, "secondary": w["eve"].pk},
        ),
        Row(
            sprint_url("rotation-confirm", 4),
            get=NOT_ALLOWED,
            post=STAFF_ONLY,
            data=lambda w: {"primary": w["sam"].pk, "secondary": w["eve"].pk},
        ),
    ],
    "checklist-toggle": [
        Row(
            sprint_url("checklist-toggle", 5, "dependabot_prs"),
            get=NOT_ALLOWED,
            post=PAIR,
            data=lambda w: {"done": "1", "next": "/"},
        ),
        Row(
            sprint_url("checklist-toggle", 4, "dependabot_prs"),
            get=NOT_ALLOWED,
            post=STAFF_ONLY,
            data=lambda w: {"done": "1", "next": "/"},
        ),
    ],
    # One's own secret calendar address: reading the rotation elsewhere, open to any login.
    "calendar-settings": [
        Row(
            lambda w: reverse("calendar-settings"),
            post={"anonymous": LOGIN} | {role: 200 for role in ROLES[1:]},
        )
    ],
    "calendar-feed": [
        Row(
            lambda w: reverse("calendar-feed", args=[w["feed_secret"]]),
            get={role: 200 for role in ROLES},
            post={role: 405 for role in ROLES},
            public=True,
        )
    ],
    # Incidents and alerts
    "incident-list": [Row(lambda w: reverse("incident-list"))],
    "incident-metrics": [Row(lambda w: reverse("incident-metrics"))],
    "incident-new": [
        Row(
            lambda w: reverse("incident-new"),
            post=TEAM_WORK,
            data=lambda w: DECLARE | {"started_at": local(NOW - timedelta(minutes=20))},
        )
    ],
    "incident-detail": [Row(by_id("incident-detail", "incident"))],
    "incident-transition": [
        Row(
            by_id("incident-transition", "incident"),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {"move-to": "acknowledged", "move-at": local(NOW)},
        )
    ],
    "incident-update": [
        Row(
            by_id("incident-update", "incident"),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {
                "update-kind": "communication",
                "update-text": "Rollback underway.",
                "update-at": local(NOW),
            },
        )
    ],
    "incident-edit": [
        Row(
            by_id("incident-edit", "incident"),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {
                "edit-title": "BIP 503s",
                "edit-severity": "SEV1",
                "edit-started_at": local(w["incident"].started_at),
            },
        )
    ],
    "impact-add": [
        Row(
            by_id("impact-add", "incident"),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {
                "impact-new-team": w["other"].pk,
                "impact-new-start": local(NOW - timedelta(hours=1)),
            },
        )
    ],
    "impact-edit": [
        Row(
            lambda w: reverse("impact-edit", args=[w["incident"].pk, w["impact"].pk]),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {
                f"impact-{w['impact'].pk}-team": w["claims"].pk,
                f"impact-{w['impact'].pk}-start": local(NOW - timedelta(hours=1)),
                f"impact-{w['impact'].pk}-note": "Claims down",
            },
        )
    ],
    "impact-end": [
        Row(
            lambda w: reverse("impact-end", args=[w["incident"].pk, w["impact"].pk]),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {f"end-{w['impact'].pk}-end": local(NOW)},
        )
    ],
    "incident-ticket-create": [
        # GitHub is not configured here: the refusal to create is a message, not a change.
        Row(
            by_id("incident-ticket-create", "incident"),
            get=NOT_ALLOWED,
            post=TEAM_WORK | {"engineer": ANY, "on_call": ANY, "staff": ANY},
        )
    ],
    "incident-ticket-link": [
        Row(
            by_id("incident-ticket-link", "incident"),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {"ticket-ticket_url": "https://github.com/example-org/infra/issues/7"},
        )
    ],
    "alert-list": [Row(lambda w: reverse("alert-list"))],
    "alert-declare": [
        Row(by_id("alert-declare", "monitor"), get=NOT_ALLOWED, post=TEAM_WORK),
    ],
    "alert-attach": [
        Row(
            by_id("alert-attach", "monitor"),
            get=NOT_ALLOWED,
            post=TEAM_WORK,
            data=lambda w: {"incident": w["incident"].pk},
        )
    ],
    # Security
    "security-secrel": [Row(lambda w: reverse("security-secrel"))],
    "dependabot-queue": [Row(lambda w: reverse("dependabot-queue"))],
    "dependabot-closed": [Row(lambda w: reverse("dependabot-closed"))],
    "finding-list": [Row(lambda w: reverse("finding-list"))],
    "finding-new": [
        Row(
            lambda w: reverse("finding-new"),
            post=TEAM_WORK,
            data=lambda w: {
                "title": "expat: heap overflow (Aqua console)",
                "severity": "high",
                "package": "expat",
                "version": "2.5.0",
                "first_seen_at": "2026-03-02T09:15",
                "tool_name": "Aqua console",
            },
        )
    ],
    "finding-detail": [Row(by_id("finding-detail", "finding"))],
    "finding-upgrade": [finding_post("upgrade", pull_request="812", note="3.0.14")],
    "finding-exception-request": [finding_post("exception-request", note="Vendor fix pending")],
    "finding-exception-grant": [
        finding_post("exception-grant", valid_through="2026-04-30", note="CISO, ticket 12")
    ],
    "finding-escalate": [finding_post("escalate", note="Cloud provider image")],
    "finding-rate": [finding_post("rate", severity="critical", note="Reachable")],
    "finding-close": [finding_post("close", reason="fixed", at="2026-03-11T10:00")],
    # Releases
    "releases": [Row(lambda w: reverse("releases"))],
    "release-detail": [Row(sprint_url("release-detail", 6)), Row(sprint_url("release-detail", 4))],
    "release-answer": [
        # Its own team: the partner's members, the captain (Olive, sprint 6's primary by
        # proposal) and staff; an engineer off the captaincy is refused.
        Row(
            sprint_url("release-answer", 6, "claims"),
            get=PAIR | {"partner": 200, "on_call": 200, "staff": 200},
            post=PAIR | {"partner": 302},
            data=lambda w: {
                "opted_in": "in",
                "description": "x",
                "hashes": "svc-claims-api abc1234",
            },
        ),
        # Another team's: refused to the partner in words.
        Row(
            sprint_url("release-answer", 6, "benefits"),
            get=PAIR | {"on_call": 200, "staff": 200},
            post=PAIR,
            data=lambda w: {"opted_in": "out"},
        ),
        # A release whose sprint is over: staff only.
        Row(
            sprint_url("release-answer", 4, "claims"),
            get=STAFF_ONLY | {"staff": 200},
            post=STAFF_ONLY,
            data=lambda w: {"opted_in": "out"},
        ),
    ],
    "release-move": [
        Row(
            sprint_url("release-move", 6),
            get=NOT_ALLOWED,
            post=PAIR,
            data=lambda w: {"scheduled_at": "2026-03-19T13:00"},
        ),
        Row(
            sprint_url("release-move", 4),
            get=NOT_ALLOWED,
            post=STAFF_ONLY,
            data=lambda w: {
                "scheduled_at": local(Release.objects.get(sprint__number=4).scheduled_at),
                "answers_close_at": "2026-02-17T10:00",
            },
        ),
    ],
    "release-decide": [
        Row(
            sprint_url("release-decide", 6),
            get=NOT_ALLOWED,
            post=PAIR,
            data=lambda w: {"decision": "go", "note": "green"},
        ),
        Row(
            sprint_url("release-decide", 4),
            get=NOT_ALLOWED,
            post=STAFF_ONLY,
            data=lambda w: {"decision": "no_go", "note": "late correction"},
        ),
    ],
    "release-remind": [
        # Slack is not configured: the captain's re-send is answered with a message.
        Row(
            sprint_url("release-remind", 6),
            get=NOT_ALLOWED,
            post=PAIR | {"on_call": ANY, "staff": ANY},
        )
    ],
    # Deploys
    "deploy-queue": [Row(lambda w: reverse("deploy-queue"))],
    "deploy-request-new": [
        Row(
            lambda w: reverse("deploy-request-new"),
            post=TEAM_WORK | {"partner": 302},
            data=lambda w: {
                "team": w["claims"].pk,
                "environment": "qa",
                "services": "svc-claims-api 1a2b3c4d",
                "reason": "QA needs it",
            },
        ),
        Row(
            lambda w: reverse("deploy-request-new"),
            post=TEAM_WORK,
            data=lambda w: {
                "team": w["other"].pk,
                "environment": "qa",
                "services": "svc-benefits-api 1a2b3c4d",
                "reason": "QA needs it",
            },
        ),
    ],
    "deploy-request": [Row(by_id("deploy-request", "deploy_request"))],
    "deploy-request-approve": [
        Row(by_id("deploy-request-approve", "deploy_request"), get=NOT_ALLOWED, post=PAIR)
    ],
    "deploy-request-reject": [
        Row(
            by_id("deploy-request-reject", "deploy_request"),
            get=NOT_ALLOWED,
            post=PAIR,
            data=lambda w: {"rejection_reason": "Not today"},
        )
    ],
    "deploy-request-deployed": [
        Row(
            by_id("deploy-request-deployed", "deploy_request"),
            get=NOT_ALLOWED,
            post=PAIR | {"on_call": ANY, "staff": ANY},
        )
    ],
    "deployment-list": [Row(lambda w: reverse("deployment-list"))],
    "deployment-new": [
        Row(
            lambda w: reverse("deployment-new"),
            post=TEAM_WORK,
            data=lambda w: {
                "environment": "qa",
                "services": "svc-claims-api 1a2b3c4d",
                "deployed_at": local(NOW - timedelta(minutes=5)),
            },
        )
    ],
    # Reports: the handoff notes of the current sprint are its pair's, the past staff's.
    "reports:index": [Row(lambda w: reverse("reports:index"))],
    "reports:sprint": [Row(sprint_url("reports:sprint", 5)), Row(sprint_url("reports:sprint", 4))],
    "reports:handoff": [
        Row(
            sprint_url("reports:handoff", 5),
            get=NOT_ALLOWED,
            post=PAIR,
            data=lambda w: {"notes": "Watch svc-bgs-api.", "action": "save"},
        ),
        Row(
            sprint_url("reports:handoff", 4),
            get=NOT_ALLOWED,
            post=STAFF_ONLY,
            data=lambda w: {"notes": "Corrected by the lead.", "action": "save"},
        ),
    ],
}


def test_every_view_has_a_row():
    site = {
        name for name in url_names(get_resolver().url_patterns) if not name.startswith("admin:")
    }
    assert site - MATRIX.keys() == set(), "a view without a row in the permissions matrix"
    assert MATRIX.keys() - site == set(), "a row for a view that is gone"


def check(client: Client, world: dict, row: Row, role: str, verb: str) -> list[str]:
    """What went wrong for one role and verb, in words (nothing: as the row says)."""
    url = row.url(world)
    if verb in ("get", "post"):
        expected = (row.get if verb == "get" else row.post)[role]
    elif row.other is not None:
        expected = row.other[role]
    elif role == "anonymous" and not row.public:
        expected = LOGIN
    else:
        expected = 405 if row.restricted else ANY
    writes = Writes()
    with transaction.atomic():
        send = getattr(client, verb)
        headers = row.headers(world)
        with connection.execute_wrapper(writes):
            if verb == "post":
                response = send(url, row.data(world), headers=headers)
            else:
                response = send(url, headers=headers)
        transaction.set_rollback(True)
    problems = []
    name = f"{verb.upper()} {url} as {role}"
    if response.status_code >= 500 or not outcome(response, expected):
        problems.append(f"{name}: {response.status_code}, expected {expected}")
    html = response.get("Content-Type", "").startswith("text/html")
    if response.status_code == 403 and html and not said(response):
        problems.append(f"{name}: 403 without a sentence saying why")
    if verb == "post" and expected == 302 and row.changes and not writes.tables:
        problems.append(f"{name}: allowed, but nothing changed")
    if (expected in (401, 403, 405, LOGIN) or verb == "get") and writes.tables:
        problems.append(f"{name}: refused, yet it wrote to {sorted(set(writes.tables))}")
    return problems


CASES = [
    pytest.param(name, index, id=f"{name}#{index}" if len(rows) > 1 else name)
    for name, rows in MATRIX.items()
    for index in range(len(rows))
]


@pytest.mark.parametrize(("name", "index"), CASES)
def test_each_role_sees_and_changes_only_what_it_should(world, name, index):
    row = MATRIX[name][index]
    by_role = clients(world)
    # The other verbs from the weakest and the strongest: refused before any rule. POST
    # last: logging out ends the browser's session.
    cases = [
        *[(role, "get") for role in ROLES],
        *[(role, verb) for role in ("anonymous", "staff") for verb in ("put", "delete")],
        *[(role, "post") for role in ROLES],
    ]
    problems = [
        problem for role, verb in cases for problem in check(by_role[role], world, row, role, verb)
    ]
    assert not problems, "\n" + "\n".join(problems)


def admin_urls() -> list[str]:
    """The admin's index, and each model's list and add page."""
    from django.contrib import admin

    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        meta = model._meta
        urls.append(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    return urls


def test_only_staff_reach_the_admin(world):
    by_role = clients(world)
    problems = []
    for url in admin_urls():
        for role in ROLES:
            response = by_role[role].get(url)
            # Anonymous meets a login page, a non-staff login the admin's.
            expected = {"staff": 200, "anonymous": SOME_LOGIN}.get(role, ADMIN_LOGIN)
            if not outcome(response, expected):
                problems.append(f"GET {url} as {role}: {response.status_code}, expected {expected}")
    # A form posted to the admin by someone else is sent to the admin's login, unstored.
    url = reverse("admin:rotations_engineer_add")
    for role in ROLES[1:-1]:
        writes = Writes()
        with connection.execute_wrapper(writes):
            response = by_role[role].post(url, {"name": "Mallory", "active": "on"})
        if not outcome(response, ADMIN_LOGIN) or writes.tables:
            problems.append(f"POST {url} as {role}: {response.status_code}, {writes.tables}")
    assert not Engineer.objects.filter(name="Mallory").exists()
    assert not problems, "\n" + "\n".join(problems)


@pytest.mark.parametrize(
    ("page", "form"),
    [
        (by_id("incident-detail", "incident"), by_id("incident-transition", "incident")),
        (by_id("finding-detail", "finding"), by_id("finding-rate", "finding")),
        (lambda w: reverse("alert-list"), by_id("alert-declare", "monitor")),
        (lambda w: reverse("incident-new"), lambda w: 'method="post" novalidate'),
        (lambda w: reverse("deployment-new"), lambda w: 'method="post" novalidate'),
    ],
)
def test_a_page_offers_no_form_its_reader_cannot_use(world, page, form):
    by_role = clients(world)
    for role in ("viewer", "partner"):
        body = by_role[role].get(page(world)).content.decode()
        assert form(world) not in body, role
        assert "reads every page but changes nothing here" in body, role
    assert form(world) in by_role["engineer"].get(page(world)).content.decode()


def test_the_rotations_page_offers_confirming_to_the_on_call_pair_only(world):
    by_role = clients(world)
    form = reverse("rotation-confirm", args=[6])
    for role in ("viewer", "partner", "engineer"):
        body = by_role[role].get(reverse("rotations")).content.decode()
        assert form not in body and "Only the on-call pair (or staff) confirm" in body, role
    for role in ("on_call", "staff"):
        assert form in by_role[role].get(reverse("rotations")).content.decode(), role
