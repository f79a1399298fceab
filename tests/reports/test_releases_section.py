"""The sprint report's releases section and handover: the release, deploy requests and the
deployment figures of a sprint built by hand, figures checked against hand-computed ones and
against the metrics API, and a constant number of queries at two sizes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from incidents.models import Incident, State
from releases import handover
from releases.deploy_models import Deployment, DeployRequest
from releases.models import Release, ReleaseAnswer
from releases.report import releases_handover, releases_section
from reports.document import report_context
from reports.encoding import plain
from rotations.models import Engineer, PartnerTeam, Rotation, Service, Sprint
from tests.clock import NOW

pytestmark = pytest.mark.django_db

HOUR = timedelta(hours=1)


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """March `day` 2026 at `hour`:`minute` UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def deployment(environment: str, when: datetime, *services: str, **kwargs) -> Deployment:
    return Deployment.objects.create(
        environment=environment,
        deployed_at=when,
        services={name: "abcdef1" for name in services},
        deployed_by=kwargs.pop("deployed_by", "bot"),
        **kwargs,
    )


@pytest.fixture
def team(db, django_user_model):
    """Sprints 4-6 (sprint 5: Mar 4-17, EST then EDT; NOW is in it), the platform and two
    partner teams, sprint 5's confirmed pair Dana (primary) and Alex (secondary)."""
    for number, start in ((4, date(2026, 2, 18)), (5, date(2026, 3, 4)), (6, date(2026, 3, 18))):
        Sprint.objects.create(number=number, start_date=start, end_date=start + timedelta(days=14))
    platform = PartnerTeam.objects.create(name="Platform", slug="platform", is_platform=True)
    cc = PartnerTeam.objects.create(
        name="Contention Classification", slug="cc", group=Group.objects.create(name="cc")
    )
    ee = PartnerTeam.objects.create(name="Employee Experience", slug="ee")
    for name, owner in (("svc-bgs-api", platform), ("db-init", platform), ("cc-app", cc)):
        Service.objects.create(name=name, team=owner)
    Service.objects.create(name="ee-app", team=ee)
    users = {
        name: django_user_model.objects.create_user(
            name, password="pw-for-tests-only", first_name=first, last_name=last
        )
        for name, first, last in (
            ("dana", "Dana", "Kowalski"),
            ("maya", "Maya", "Ortiz"),
            ("alex", "Alex", "Rivera"),
        )
    }
    dana = Engineer.objects.create(name="Dana Kowalski", user=users["dana"])
    alex = Engineer.objects.create(name="Alex Rivera", user=users["alex"])
    Rotation.objects.create(
        sprint=Sprint.objects.get(number=5), primary=dana, secondary=alex, confirmed=True
    )
    return {
        "cc": cc,
        "ee": ee,
        "dana": dana,
        "alex": alex,
        "maya": users["maya"],
        "dana_user": users["dana"],
        "alex_user": users["alex"],
    }


@pytest.fixture
def sprint_story(team):
    """Sprint 5's release (CC in, EE silent, go by Dana) and its deployments and requests."""
    release = Release.objects.get(sprint__number=5)
    ReleaseAnswer.objects.create(
        release=release,
        team=team["cc"],
        opted_in=True,
        description="Logging clean-up",
        hashes={"cc-app": "abc1234"},
        answered_by=team["maya"],
        answered_at=at(3, 14),
    )
    shipped = {"cc-app": "abc1234", "db-init": None, "svc-bgs-api": None}
    Release.objects.filter(pk=release.pk).update(
        decision="go", decided_by=team["dana_user"], decided_at=at(4, 14, 45), shipped=shipped
    )
    requests = {}

    def ask(key: str, when: datetime, environment: str = "qa", **steps) -> DeployRequest:
        requests[key] = DeployRequest.objects.create(
            requester=team["maya"],
            team=team["cc"],
            environment=environment,
            services={"cc-app": "1a2b3c4"},
            reason="a fix",
            requested_at=when,
            **steps,
        )
        return requests[key]

    ask("before", at(3, 15))  # before the sprint: not its request
    rolled = ask(
        "rolled",
        at(5, 15),
        state="deployed",
        approved_by=team["alex_user"],
        approved_at=at(5, 16),
        deployed_by=team["alex_user"],
        deployed_at=at(5, 17),
    )
    ask(
        "rejected",
        at(9, 14),
        state="rejected",
        rejected_by=team["dana_user"],
        rejected_at=at(9, 15),
    )
    DeployRequest.objects.filter(pk=requests["rejected"].pk).update(rejection_reason="wait")
    ask("waiting", at(11, 12))
    # Approved after NOW: as of NOW it is still waiting.
    ask(
        "later", at(11, 18), state="approved", approved_by=team["dana_user"], approved_at=at(11, 19)
    )
    deployments = {
        "qa": deployment(
            "qa", at(5, 17), "cc-app", request=rolled, rolled_back=True, rolled_back_at=at(5, 18)
        ),
        "db": deployment("prod", at(6, 12), "db-init"),
        "test": deployment(
            "prod-test", at(9, 12), "svc-bgs-api", rolled_back=True, rolled_back_at=at(9, 13)
        ),
        "api": deployment("prod", at(10, 12), "svc-bgs-api", deployed_by="dana"),
        "dev": deployment("dev", at(11, 10), "cc-app"),
    }
    incident = Incident.objects.create(
        title="BGS 500s",
        service=Service.objects.get(name="svc-bgs-api"),
        started_at=at(10, 14),
        state=State.RESOLVED,
    )
    return {"release": release, "requests": requests, "incident": incident, **deployments}


def section_of(number: int = 5, as_of: datetime = NOW) -> dict:
    ctx = report_context(Sprint.objects.get(number=number), as_of=as_of)
    return plain({"s": releases_section(ctx), "h": releases_handover(ctx)})


def test_it_shows_the_release_who_answered_and_what_went_out(sprint_story):
    release = section_of()["s"]["release"]
    assert release["url"] == "/releases/5/"
    assert release["scheduled_at"] == "2026-03-04T15:00:00Z"  # Wed 10:00 EST
    assert release["captain"]["name"] == "Dana Kowalski"
    assert (release["decision"], release["decided_by"]) == ("go", "Dana Kowalski")
    assert release["decided_at"] == "2026-03-04T14:45:00Z"
    cc, ee = release["answers"]
    assert (cc["team"], cc["answer"], cc["answered_by"]) == (
        "Contention Classification",
        "in",
        "Maya Ortiz",
    )
    assert cc["hashes"] == [{"service": "cc-app", "commit": "abc1234"}]
    assert (ee["answer"], ee["answered_at"]) == ("none", None)
    assert (release["answered"], release["teams"], release["unanswered"]) == (
        1,
        2,
        ["Employee Experience"],
    )
    assert [line["service"] for line in release["went_out"]] == ["cc-app", "db-init", "svc-bgs-api"]


def test_it_lists_the_sprints_deploy_requests_as_of_the_report(sprint_story):
    section = section_of()["s"]
    rows = {r["id"]: r for r in section["deploy_requests"]}
    ids = {k: v.pk for k, v in sprint_story["requests"].items()}
    assert ids["before"] not in rows
    assert [r["id"] for r in section["deploy_requests"]] == [
        ids["rolled"],
        ids["rejected"],
        ids["waiting"],
        ids["later"],
    ]
    rolled = rows[ids["rolled"]]
    assert rolled["state"] == "deployed"
    assert rolled["approved"] == {"at": "2026-03-05T16:00:00Z", "by": "Alex Rivera"}
    assert (rolled["rolled_back"], rolled["rolled_back_at"]) == (True, "2026-03-05T18:00:00Z")
    assert rolled["deployment_url"].endswith(
        f"ids={sprint_story['qa'].pk}#deployment-{sprint_story['qa'].pk}"
    )
    assert rows[ids["rejected"]]["rejection_reason"] == "wait"
    assert rows[ids["later"]]["state"] == "requested"
    assert rows[ids["later"]]["approved"] is None
    assert section["requests_by_state"] == {
        "requested": 2,
        "approved": 0,
        "deployed": 1,
        "rejected": 1,
    }


def test_the_deployment_figures_are_the_hand_computed_ones(sprint_story):
    """prod: Mar 6 db-init, Mar 10 svc-bgs-api (an incident on it 2 h later): 1 of 2 failed.
    All: those and qa Mar 5 (rolled back), prod-test Mar 9 (rolled back), dev Mar 11: 3 of 5,
    on 5 local days. Weeks measured: Mar 4 00:00 EST to Mar 11 14:30 EDT on the wall clock,
    7 days 14.5 hours = 1.08631 weeks."""
    dora = section_of()["s"]["dora"]
    prod, every = dora["scopes"]
    weeks = (7 + 14.5 / 24) / 7
    assert (prod["deployments"], prod["deploy_days"], prod["failed"]) == (2, 2, 1)
    assert prod["deploys_per_week"] == pytest.approx(2 / weeks)
    assert (prod["change_failure_rate"], prod["change_failure_percent"]) == (0.5, 50)
    assert (every["deployments"], every["deploy_days"], every["failed"]) == (5, 5, 3)
    assert every["change_failure_rate"] == pytest.approx(0.6)
    assert prod["failed_url"] == f"/releases/deploys/deployments/?ids={sprint_story['api'].pk}"
    assert "environment=prod" in prod["deployments_url"]
    reasons = {f["id"]: f["reasons"] for f in dora["failed_deployments"]}
    assert reasons[sprint_story["api"].pk] == [
        f"incident {sprint_story['incident'].pk} on svc-bgs-api"
    ]
    assert reasons[sprint_story["qa"].pk] == ["rolled back"]


def test_the_figures_are_the_metrics_apis(sprint_story, client, team):
    client.force_login(team["dana_user"])
    api = client.get(reverse("api-metrics"), {"sprint": 5, "as_of": "2026-03-11T18:30:00Z"})
    assert api.status_code == 200
    figures = api.json()["releases"]
    dora = section_of()["s"]["dora"]
    for scope in dora["scopes"]:
        key = scope["key"]
        assert scope["deployments"] == figures["deployments"][key]
        assert scope["deploy_days"] == figures["deploy_days"][key]
        assert scope["deploys_per_week"] == figures["deploys_per_week"][key]
        assert scope["deploy_days_per_week"] == figures["deploy_days_per_week"][key]
        rate = figures["change_failure_rate"][key]
        assert (scope["failed"], scope["deployments"], scope["change_failure_rate"]) == (
            rate["failed"],
            rate["deployments"],
            rate["rate"],
        )
    assert [f["id"] for f in dora["failed_deployments"]] == [
        f["id"] for f in figures["failed_deployments"]
    ]


def test_risky_changes_are_the_last_72_hours_rolled_back_then_failed_first(sprint_story):
    """Handover at NOW (Mar 11 18:30 UTC): from Mar 8 18:30. The prod-test rollback first,
    then the prod deployment an incident followed, then dev; Mar 4-6 are older."""
    part = section_of()["h"]
    assert (part["risky_since"], part["risky_until"]) == (
        "2026-03-08T18:30:00Z",
        "2026-03-11T18:30:00Z",
    )
    changes = part["risky_changes"]
    assert [c["id"] for c in changes] == [
        sprint_story["test"].pk,
        sprint_story["api"].pk,
        sprint_story["dev"].pk,
    ]
    assert [(c["rolled_back"], c["failed"]) for c in changes] == [
        (True, True),
        (False, True),
        (False, False),
    ]
    assert changes[1]["incidents"] == [
        {"id": sprint_story["incident"].pk, "url": f"/incidents/{sprint_story['incident'].pk}/"}
    ]


def test_a_past_sprint_hands_over_its_last_72_hours_and_its_release(sprint_story):
    """Sprint 4 ends Mar 4 00:00 EST (05:00 UTC); generated at NOW, the window is the three
    days before its end, and sprint 5's release (Mar 4 15:00 UTC) is the next one."""
    deployment("prod", at(3, 12), "db-init")
    part = section_of(4)["h"]
    assert part["risky_until"] == "2026-03-04T05:00:00Z"
    assert [c["at"] for c in part["risky_changes"]] == ["2026-03-03T12:00:00Z"]
    assert part["next_release"]["sprint"] == 5
    assert part["next_release"]["captain_role"] == "primary"


def test_the_next_release_names_a_proposed_captain_as_proposed(sprint_story, team):
    """Sprint 6 has no rotation: the Rotations page proposes Alex (sprint 5's secondary)."""
    following = section_of()["h"]["next_release"]
    assert following["sprint"] == 6
    assert following["scheduled_at"] == "2026-03-18T14:00:00Z"  # Wed 10:00 EDT
    assert following["captain"]["name"] == "Alex Rivera"
    assert following["captain_role"] == "proposed"
    rotation = Rotation.objects.create(
        sprint=Sprint.objects.get(number=6), primary=team["alex"], secondary=team["dana"]
    )
    assert section_of()["h"]["next_release"]["captain_role"] == "proposed"
    rotation.confirmed = True
    rotation.save()
    assert section_of()["h"]["next_release"]["captain_role"] == "primary"
    Release.objects.filter(sprint__number=6).update(captain=team["dana"])
    following = section_of()["h"]["next_release"]
    assert (following["captain"]["name"], following["captain_role"]) == ("Dana Kowalski", "chosen")


def test_no_captain_yet_when_nobody_can_be_proposed(team):
    team["alex"].active = False
    team["alex"].save()
    following = section_of()["h"]["next_release"]
    assert (following["captain"], following["captain_note"]) == (None, "no captain yet")


def test_empty_states(team, client, at_now):
    Release.objects.filter(sprint__number__in=[5, 6]).delete()
    part = section_of()
    assert part["s"]["release"] is None
    assert part["s"]["deploy_requests"] == []
    assert part["h"]["risky_changes"] == []
    assert part["h"]["next_release"] is None
    client.force_login(team["dana_user"])
    page = client.get(reverse("reports:sprint", args=[5])).content.decode()
    assert "This sprint has no release." in page
    assert "No ad-hoc deploy requests this sprint" in page
    assert "Nothing went out in those 72 hours" in page
    assert "No release is scheduled yet." in page


def test_the_page_shows_the_section_with_links_and_no_forms_or_inline_styles(
    sprint_story, client, team, at_now
):
    client.force_login(team["dana_user"])
    page = client.get(reverse("reports:sprint", args=[5])).content.decode()
    start = page.index('aria-labelledby="report-releases-heading"')
    mine = page[start : page.index("</section>", start)]
    handed = page[page.index('aria-labelledby="report-handover-releases-heading"') :]
    handed = handed[: handed.index("</section>")]
    for part in (mine, handed):
        assert "<form" not in part and "style=" not in part
        assert part.count("<table") == part.count("<thead>")
    assert 'href="/releases/5/"' in mine
    assert "Wed 2026-03-04 10:00 EST" in mine
    assert f'href="/releases/deploys/deployments/?ids={sprint_story["api"].pk}"' in mine
    assert "1</a> / 2 = 50%" in mine
    assert "rolled back" in handed and "proposed" in handed


def _grow(size: int, team) -> None:
    """`size` deployments and deploy requests spread over sprint 5, and the same again within
    the last 72 hours."""
    start = at(4, 6)
    Deployment.objects.bulk_create(
        Deployment(
            environment="prod" if i % 2 else "dev",
            deployed_at=start + timedelta(minutes=i),
            services={"svc-bgs-api": "abcdef1"},
            rolled_back=i % 7 == 0,
        )
        for i in range(size)
    )
    Deployment.objects.bulk_create(
        Deployment(environment="qa", deployed_at=at(10, 0) + timedelta(minutes=i), services={})
        for i in range(size)
    )
    DeployRequest.objects.bulk_create(
        DeployRequest(
            requester=team["maya"],
            team=team["cc"],
            environment="qa",
            services={"cc-app": "1a2b3c4"},
            reason="r",
            requested_at=start + timedelta(minutes=i),
        )
        for i in range(size)
    )


@pytest.mark.parametrize("size", [3, 1500])
def test_it_answers_in_a_constant_number_of_queries(
    sprint_story, team, size, django_assert_num_queries
):
    _grow(size, team)
    ctx = report_context(Sprint.objects.get(number=5), as_of=NOW)
    # The release with its answers, the teams, the services, the requests.
    with django_assert_num_queries(5):
        section = releases_section(ctx)
    # Deployments, incidents, releases of the 72 hours (3); the next release with its
    # answers, the teams and services (4); the Rotations page's proposal for sprint 6 (5).
    with django_assert_num_queries(12):
        part = releases_handover(ctx)
    assert len(section["deploy_requests"]) == size + 4
    assert len(part["risky_changes"]) == size + 3


def test_the_rule_of_a_request_as_of_an_instant():
    kwargs = {"approved_at": at(1, 10), "deployed_at": at(1, 12), "rejected_at": None}
    assert handover.request_state_at(as_of=at(1, 9), **kwargs) == "requested"
    assert handover.request_state_at(as_of=at(1, 10), **kwargs) == "approved"
    assert handover.request_state_at(as_of=at(1, 12), **kwargs) == "deployed"
    with pytest.raises(ValueError):
        handover.request_state_at(as_of=datetime(2026, 3, 1), **kwargs)


def test_the_risky_window_ends_at_the_sooner_of_as_of_and_the_sprints_end():
    until = at(18, 4)
    assert handover.risky_window(as_of=NOW, until=until) == (NOW - 72 * HOUR, NOW)
    assert handover.risky_window(as_of=at(20, 0), until=until) == (until - 72 * HOUR, until)
    # Across the DST change (Mar 8): 72 hours of real time, 73 on the wall clock.
    assert handover.risky_window(as_of=at(9, 12), until=until)[0] == at(6, 12)


def test_the_risky_order():
    changes = [
        handover.Change("deployment", 1, at(1, 1)),
        handover.Change("deployment", 2, at(1, 2), reasons=("incident 9 linked",)),
        handover.Change("deployment", 3, at(1, 3)),
        handover.Change("deployment", 4, at(1, 0), rolled_back=True),
        handover.Change("release", 5, at(1, 4)),
    ]
    assert [c.id for c in handover.risky_order(changes)] == [4, 2, 5, 3, 1]
