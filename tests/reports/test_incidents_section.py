"""The incidents, alerts and handed-over incidents of the sprint handoff report: hand-computed
figures on hand-made rows in a sprint across the spring-forward night, the same headline
as the metrics API, empty states, and a constant number of queries."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from incidents import trend_cache
from incidents.models import (
    DatadogMonitor,
    Incident,
    IncidentUpdate,
    MonitorTransition,
    State,
    UpdateKind,
)
from incidents.report import FIGURES, alerts_section, incidents_handover, incidents_section
from incidents.windows import isoformat_utc
from reports.document import report_context, report_document
from reports.encoding import plain
from rotations.models import Engineer, Service, Sprint
from tests.incidents.conftest import (  # noqa: F401 - fixtures
    AS_OF,
    MIN,
    SINCE,
    UNTIL,
    add_bulk_incidents,
    at,
    make_incident,
    scenario,
    teams,
)

pytestmark = pytest.mark.django_db
HOUR = timedelta(hours=1)


@pytest.fixture
def sprints(db) -> dict[int, Sprint]:
    """Sprints 5-8; sprint 7 (Mar 4-18, 2026, New York) spans the spring-forward night."""
    start = date(2026, 2, 4)
    for number in range(5, 9):
        Sprint.objects.create(number=number, start_date=start, end_date=start + timedelta(days=14))
        start += timedelta(days=14)
    trend_cache.clear()
    return {s.number: s for s in Sprint.objects.all()}


@pytest.fixture
def story(sprints, scenario, teams, make_incident, django_user_model):  # noqa: F811
    """The metrics scenario of tests/incidents (A-J), plus tickets, updates, incidents in
    sprints 5 and 6 (one of them resolved after the handover), and Datadog monitors."""
    incidents = {i.title: i for i in Incident.objects.all()}
    a, b, f, g = (incidents[k] for k in "ABFG")
    Incident.objects.filter(pk=a.pk).update(ticket_url="https://github.com/o/r/issues/1")
    alex = django_user_model.objects.create_user("alex", password="pw-for-tests-only")
    Engineer.objects.create(name="Alex Rivera", user=alex, pagerduty_user_id="PALEXR1")

    def update(incident, when, kind=UpdateKind.NOTE, text="update", **fields):
        IncidentUpdate.objects.create(incident=incident, at=when, kind=kind, text=text, **fields)

    # A (SEV1, 10:00-11:00): gaps 20, 25, 15 min: kept.
    update(a, at(5, 10, 20))
    update(a, at(5, 10, 45), kind=UpdateKind.STATUS)
    # B (SEV2, 10:30-12:00): gaps 45 and 45 min, 15 over each; the ticket sync's note at
    # 11:40 is no update (counted, the gaps would be 45, 25, 20).
    update(b, at(5, 11, 15), kind=UpdateKind.COMMUNICATION)
    update(b, at(5, 11, 40), text="Ticket linked from GitHub issue #7 “x”, which names it")
    # F (SEV2, 01:30 EST-03:30 EDT): 06:30 -> 07:05 UTC is 35 real minutes (95 on the
    # wall clock), then 25: one late, 5 min over.
    update(f, at(8, 7, 5))
    # G (SEV4, open): its next step, then a status change and a note after the handover.
    update(g, at(10, 13), kind=UpdateKind.REMEDIATION, text="Waiting on BIP's fix", author=alex)
    update(g, at(10, 14), kind=UpdateKind.STATUS, text="Acknowledged.")
    update(g, at(19, 9), text="Fixed upstream")
    # G's PagerDuty assignees: Alex (named as the engineer here) and someone not here.
    Incident.objects.filter(pk=g.pk).update(
        assignees=[{"id": "PALEXR1", "name": "A. Rivera"}, {"id": "POTHER1", "name": "Sam Lee"}],
        reported_by="Jo Partner",
    )
    make_incident(  # sprint 6: 2 h to resolve
        "S6",
        started_at=at(2, 12),
        acknowledged_at=at(2, 12, 30),
        resolved_at=at(2, 14),
        state=State.RESOLVED,
        severity="SEV3",
    )
    k = make_incident(  # sprint 6's, open at the handover, resolved the day after
        "K", started_at=at(3, 20), resolved_at=at(19, 8), state=State.RESOLVED, severity="SEV2"
    )
    Incident.objects.filter(pk=k.pk).update(reported_by="Dana Okafor (BIP)")
    old = make_incident(  # sprint 5: 1 h to resolve
        "old",
        started_at=datetime(2026, 2, 10, 9, tzinfo=UTC),
        resolved_at=datetime(2026, 2, 10, 10, tzinfo=UTC),
        state=State.RESOLVED,
        severity="SEV3",
    )

    def monitor(monitor_id, fired, *, recovered=None, first_seen=None, incident=None):
        DatadogMonitor.objects.create(
            monitor_id=monitor_id,
            name=f"monitor {monitor_id}",
            status="OK" if recovered else "Alert",
            triggered_at=fired,
            active=recovered is None,
            first_seen_at=first_seen or fired or at(1, 0),
            last_seen_at=recovered or AS_OF,
            url=f"https://app.datadoghq.com/monitors/{monitor_id}",
            incident=incident,
        )

    monitor(1, at(5, 10), recovered=at(5, 10, 45), incident=a)  # 45 min, with A
    monitor(2, datetime(2026, 3, 3, 22, tzinfo=UTC), recovered=at(4, 6))  # 8 h, 1 h in
    monitor(3, at(17, 23), incident=old)  # still firing; old's incident is over
    monitor(4, datetime(2026, 2, 20, tzinfo=UTC), recovered=datetime(2026, 2, 21, tzinfo=UTC))
    monitor(5, at(18, 5), recovered=at(18, 6))  # after the sprint
    monitor(6, None, first_seen=at(10, 12), recovered=at(10, 12, 30))  # 30 min
    monitor(7, at(16, 0), recovered=at(19, 0), incident=k)  # firing at the handover
    return {"a": a, "b": b, "f": f, "g": g, "k": k}


def document(sprint: Sprint, as_of: datetime = AS_OF) -> dict:
    return plain(report_document(sprint, as_of=as_of))


def test_it_gives_the_hand_computed_figures_of_a_dst_sprint(sprints, story):
    section = incidents_section(report_context(sprints[7], as_of=AS_OF))
    assert section["figures"] == {
        "mttr_seconds": 3600.0,
        "mttr_median_seconds": 3600.0,
        "mttr_p90_seconds": pytest.approx(4860.0),
        "mtta_seconds": 750.0,
        "incident_count": 6,
        "resolved_count": 4,
        "acknowledged_count": 4,
        "open_count": 2,
        "unacknowledged_count": 2,
        "canceled_count": 1,
    }
    assert [(s["label"], s["count"]) for s in section["by_severity"]] == [
        ("SEV1", 1),
        ("SEV2", 2),
        ("SEV3", 1),
        ("SEV4", 1),
        ("Not set", 1),
    ]
    assert (
        section["by_severity"][4]["href"] == "/incidents/?sprint=7&state=counted&severity=unknown"
    )
    assert [(s["key"], s["count"]) for s in section["by_source"]] == [
        ("datadog", 1),
        ("manual", 2),
        ("pagerduty", 2),
        ("slack", 1),
    ]
    assert [(p["team"], p["minutes"]) for p in section["partner_impact"]] == [
        ("Contention Classification", 120.0),
        ("Employee Experience", 60.0),
    ]
    assert section["partner_impact"][0]["href"] == (
        "/incidents/?impacted=cc&impact_since=2026-03-04T05%3A00%3A00Z"
        "&impact_until=2026-03-18T04%3A00%3A00Z"
    )
    assert section["links"]["open"] == "/incidents/?sprint=7&state=open"
    assert (
        section["links"]["unacknowledged"] == "/incidents/?sprint=7&state=counted&acknowledged=no"
    )


def test_the_table_holds_the_sprints_incidents_as_of_the_report(sprints, story):
    section = incidents_section(report_context(sprints[7], as_of=AS_OF))
    rows = {row["title"]: row for row in section["incidents"]}
    assert list(rows) == ["C", "A", "B", "F", "G", "H", "I", "J"]  # D starts at the end
    assert {t: r["time_to_resolve_seconds"] for t, r in rows.items()} == {
        "C": 1800.0,
        "A": 3600.0,
        "B": 5400.0,
        "F": 3600.0,  # 01:30 EST to 03:30 EDT: one real hour
        "G": None,
        "H": None,
        "I": None,  # resolved before it started: no duration is made up
        "J": None,
    }
    assert [r["state"] for r in rows.values()] == [
        "resolved",
        "resolved",
        "resolved",
        "resolved",
        "acknowledged",
        "canceled",
        "resolved",
        "triggered",
    ]
    assert rows["A"]["teams"] == [{"name": "Contention Classification", "slug": "cc"}]  # implied
    assert rows["B"]["teams"] == [{"name": "Contention Classification", "slug": "cc"}]  # recorded
    assert rows["F"]["teams"] == []  # a platform service
    assert rows["A"]["href"] == f"/incidents/{story['a'].pk}/"
    assert (rows["A"]["ticket_url"], rows["A"]["owes_ticket"]) == (
        "https://github.com/o/r/issues/1",
        False,
    )
    assert (rows["H"]["ticket_url"], rows["H"]["owes_ticket"]) == (None, False)  # canceled
    owing = section["without_ticket"]
    assert [i["title"] for i in owing["incidents"]] == ["C", "B", "F", "G", "I", "J"]
    assert (owing["count"], owing["href"]) == (6, "/incidents/?sprint=7&ticket=no")


def test_an_incident_resolved_after_as_of_is_open_in_the_table(sprints, story):
    as_of = at(5, 11, 30)  # B resolves at 12:00
    section = incidents_section(report_context(sprints[7], as_of=as_of))
    rows = {row["title"]: row for row in section["incidents"]}
    assert list(rows) == ["C", "A", "B"]  # the later ones had not started
    assert (rows["B"]["state"], rows["B"]["resolved_at"]) == ("triggered", None)
    assert section["figures"]["open_count"] == 1


def test_it_measures_the_update_cadence_of_the_urgent_incidents(sprints, story):
    urgent = incidents_section(report_context(sprints[7], as_of=AS_OF))["urgent"]
    figures = {
        u["title"]: (
            u["updates"],
            u["longest_gap_seconds"],
            u["late_updates"],
            u["overdue_seconds"],
        )
        for u in urgent
    }
    assert figures == {
        "A": (2, 1500.0, 0, 0.0),
        "B": (1, 2700.0, 2, 1800.0),
        "F": (1, 2100.0, 1, 300.0),
    }
    assert [u["kept"] for u in urgent] == [True, False, False]


def test_the_trend_compares_the_sprint_with_the_ones_before(sprints, story):
    trend = incidents_section(report_context(sprints[7], as_of=AS_OF))["trend"]
    assert [(r["sprint"], r["this_sprint"]) for r in trend] == [(5, False), (6, False), (7, True)]
    # Sprint 6: S6 in 2 h, E in 7 h, K from Mar 3 20:00 to Mar 19 08:00 UTC (15 d 12 h);
    # only S6 acknowledged. Sprint 5: "old" in 1 h, never acknowledged.
    assert [r["mttr_seconds"] for r in trend] == [3600.0, (7200 + 25200 + 1339200) / 3, 3600.0]
    assert [r["mtta_seconds"] for r in trend] == [None, 1800.0, 750.0]
    assert trend[1]["links"]["resolved"] == "/incidents/?sprint=6&state=resolved"
    assert incidents_section(report_context(sprints[7], as_of=AS_OF))["previous"] == trend[1]


def test_the_headline_is_the_metrics_apis(client, member, sprints, story):
    as_of = "2026-03-20T00:00:00Z"
    client.force_login(member)
    api = client.get(reverse("api-metrics"), {"sprint": "7", "as_of": as_of}).json()["incidents"]
    section = document(sprints[7])["incidents"]
    assert section["figures"] == {key: api[key] for key in FIGURES}
    assert {s["key"]: s["count"] for s in section["by_severity"]} == api["by_severity"]
    assert {s["key"]: s["count"] for s in section["by_source"]} == api["by_source"]
    assert {p["team"]: p["minutes"] for p in section["partner_impact"]} == (
        api["partner_impact_minutes"]
    )
    assert section["trend"][-1]["mttr_seconds"] == api["mttr_seconds"]


def test_the_alerts_are_the_firings_that_reach_into_the_sprint(sprints, story):
    section = alerts_section(report_context(sprints[7], as_of=AS_OF))
    alerts = {a["monitor_id"]: a for a in section["alerts"]}
    # Oldest firing first; 4 recovered before the sprint, 5 fired after it.
    assert list(alerts) == [2, 1, 6, 7, 3]
    assert {m: (a["duration_seconds"], a["in_sprint_seconds"]) for m, a in alerts.items()} == {
        2: (8 * 3600.0, 3600.0),  # 22:00 the day before to 06:00 UTC; the sprint starts 05:00
        1: (45 * 60.0, 45 * 60.0),
        6: (30 * 60.0, 30 * 60.0),  # Datadog gave no trigger time: from when the sync saw it
        7: (72 * 3600.0, 52 * 3600.0),  # Mar 16 00:00 to the sprint's end, Mar 18 04:00 UTC
        3: (49 * 3600.0, 5 * 3600.0),  # still firing at as_of; 23:00 to 04:00 in the sprint
    }
    assert alerts[2]["fired_before_sprint"] and not alerts[1]["fired_before_sprint"]
    assert alerts[3]["still_firing"] and alerts[3]["recovered_at"] is None
    assert alerts[1]["incident"]["id"] == story["a"].pk
    assert alerts[7]["incident"]["id"] == story["k"].pk
    assert alerts[3]["incident"] is None  # linked to an incident over before it fired
    assert section["totals"] == {
        "fired": 5,
        "monitors": 5,
        "still_firing": 1,
        "with_incident": 2,
        "without_incident": 3,
        "in_sprint_seconds": 213300.0,  # 1 h + 45 min + 30 min + 52 h + 5 h
        "longest_seconds": 72 * 3600.0,
    }
    assert section["limits"]


def test_the_handover_lists_what_was_open_at_the_sprints_end(sprints, story):
    handover = incidents_handover(report_context(sprints[7], as_of=AS_OF))
    ENGINEER_ID = Engineer.objects.get(name="Alex Rivera").pk  # noqa: N806
    assert handover["at"] == UNTIL
    rows = handover["incidents"]
    assert [r["title"] for r in rows] == ["K", "G", "J"]  # SEV2, SEV4, not set
    k, g, j = rows
    assert k["closed_since"] == at(19, 8) and k["state"] == "triggered"
    assert k["open_seconds"] == 14 * 86400 + 8 * 3600  # Mar 3 20:00 to Mar 18 04:00 UTC
    assert g["next_step"] == {
        "text": "Waiting on BIP's fix",
        "at": at(10, 13),
        "kind": "Remediation",
    }
    assert g["owners"] == [
        {"name": "Alex Rivera", "pagerduty_user_id": "PALEXR1", "engineer_id": ENGINEER_ID},
        {"name": "Sam Lee", "pagerduty_user_id": "POTHER1", "engineer_id": None},
    ]
    # Resolved since, so PagerDuty assigns it to nobody: who reported it.
    assert [o["name"] for o in k["owners"]] == ["Dana Okafor (BIP)"]
    assert (j["next_step"], j["owners"]) == (None, [])
    monitors = handover["firing_monitors"]
    assert [m["monitor_id"] for m in monitors] == [7, 3]
    assert monitors[0]["recovered_since"] == at(19, 0)
    assert monitors[0]["incident"]["id"] == story["k"].pk
    assert monitors[1]["firing_seconds"] == 5 * 3600.0
    assert (handover["silenced"], handover["flapping"]) == ([], [])


def test_the_handover_of_the_running_sprint_is_as_of_now(sprints, story):
    as_of = at(10, 12, 20)
    handover = incidents_handover(report_context(sprints[7], as_of=as_of))
    assert handover["at"] == as_of
    assert [r["title"] for r in handover["incidents"]] == ["K", "G"]
    assert handover["incidents"][1]["next_step"] is None  # written at 13:00
    assert [m["monitor_id"] for m in handover["firing_monitors"]] == [6]


def test_the_document_is_plain_json(sprints, story):
    doc = document(sprints[7])
    assert doc["incidents"]["incidents"][0]["started_at"] == "2026-03-04T05:00:00Z"
    assert doc["alerts"]["alerts"][0]["fired_at"] == "2026-03-03T22:00:00Z"
    assert doc["handover"]["incidents"]["at"] == "2026-03-18T04:00:00Z"


def render_parts(sprint: Sprint, as_of: datetime) -> str:
    doc = report_document(sprint, as_of=as_of)
    return "".join(
        render_to_string(f"reports/_{name}.html", {"section": section, "report": doc})
        for name, section in (
            ("incidents", doc["incidents"]),
            ("alerts", doc["alerts"]),
            ("handover_incidents", doc["handover"]["incidents"]),
        )
    )


def test_an_empty_sprint_says_so(sprints):
    html = render_parts(sprints[7], AS_OF)
    for words in (
        "No incident started in sprint 7.",
        "No SEV1-2 incident started in this sprint.",
        "Every incident of the sprint has its ticket.",
        "No partner team was impacted in this sprint.",
        "No Datadog monitor fired during this sprint",
        "No incident was open at the handover.",
        "No monitor was firing at the handover.",
    ):
        assert words in html
    assert "None" not in html


def test_the_parts_render_absolute_dates_and_print_friendly_tables(sprints, story):
    html = render_parts(sprints[7], AS_OF)
    assert "Mar 8 01:30" in html  # F's start on the team's clock (EST)
    assert "Mar 8 03:30" in html  # its resolution, after the change (EDT)
    assert "ago" not in html
    assert html.count("<table") == html.count("<thead>")
    assert "<form" not in html and "style=" not in html and "<script" not in html
    assert "Waiting on BIP&#x27;s fix" in html
    assert "No next step written." in html


def test_the_report_page_shows_the_sections(client, member, sprints, story):
    client.force_login(member)
    html = client.get("/reports/sprint/7/").content.decode()
    assert "Datadog alerts" in html and "Open incidents" in html
    assert f'href="/incidents/{story["a"].pk}/"' in html


@pytest.mark.parametrize("count", [30, 1500])
def test_each_part_answers_in_a_constant_number_of_queries(
    count,
    sprints,
    teams,  # noqa: F811
    at_now,
    django_assert_num_queries,
):
    add_bulk_incidents(count, seed=count, open_every=7, impacts=count // 3)
    now = timezone.now()
    for hours in (1, 5, 30):
        Incident.objects.create(title="urgent", started_at=now - hours * HOUR, severity="SEV1")
    incidents = list(Incident.objects.filter(severity__in=["SEV1", "SEV2"]))
    Engineer.objects.create(name="Pat", pagerduty_user_id="PPATPAT")
    Incident.objects.filter(state__in=["triggered", "acknowledged"]).update(
        assignees=[{"id": "PPATPAT", "name": "Pat"}, {"id": "PNOBODY", "name": "Nobody here"}]
    )
    IncidentUpdate.objects.bulk_create(
        IncidentUpdate(incident=i, at=i.started_at + n * 20 * MIN, text="update")
        for i in incidents
        for n in range(3)
    )
    DatadogMonitor.objects.bulk_create(
        DatadogMonitor(
            monitor_id=n,
            name=f"m{n}",
            status="Alert" if n % 3 else "OK",
            triggered_at=now - n * 7 * MIN,
            active=bool(n % 3),
            first_seen_at=now - n * 7 * MIN,
            last_seen_at=now - n * 3 * MIN,
            incident=incidents[n % len(incidents)],
        )
        for n in range(1, count // 3)
    )
    history = list(DatadogMonitor.objects.filter(monitor_id__lte=count // 6))
    MonitorTransition.objects.bulk_create(
        MonitorTransition(
            monitor=m, from_state="", to_state=("Alert", "OK")[n % 2], at=now - (n * 50 + 7) * MIN
        )
        for m in history
        for n in range(6)
    )
    DatadogMonitor.objects.filter(monitor_id__lte=count // 4).update(muted=True)
    sprint = Sprint.objects.get(number=7)  # holds NOW
    trend_cache.clear()
    ctx = report_context(sprint, as_of=now)
    # Incidents, their impacts, the urgent ones' updates, the teams; the trend's sprints,
    # digest and incidents.
    with django_assert_num_queries(7):
        section = incidents_section(ctx)
    assert section["incidents"] and section["urgent"]
    with django_assert_num_queries(3):  # monitors without history; with it; their changes
        assert alerts_section(ctx)["alerts"]
    # Open incidents, their latest updates, the engineers assigned, monitors firing,
    # flapping, silenced.
    with django_assert_num_queries(6):
        handover = incidents_handover(ctx)
    assert handover["incidents"] and handover["firing_monitors"]
    assert any(o["engineer_id"] for i in handover["incidents"] for o in i["owners"])
    assert handover["flapping"] and handover["silenced"]


def test_a_service_of_the_platform_implies_no_partner_team(sprints, teams, make_incident):  # noqa: F811
    make_incident(
        "platform only",
        started_at=SINCE + HOUR,
        service=Service.objects.get(name="svc-bgs-api"),
        severity="SEV3",
    )
    row = incidents_section(report_context(sprints[7], as_of=AS_OF))["incidents"][0]
    assert (row["teams"], row["service"]) == ([], "svc-bgs-api")
    assert isoformat_utc(row["started_at"]) == "2026-03-04T06:00:00Z"


def test_the_alerts_are_every_firing_of_the_sprint_from_the_stored_changes(sprints, story):
    """Monitor 8: firing since before the sprint (Alert, then Warn), back to OK, firing
    twice more in the sprint, the last still firing at as_of; flapping at the handover."""
    m8 = DatadogMonitor.objects.create(
        monitor_id=8,
        name="monitor 8",
        status="Alert",
        first_seen_at=at(1, 0),
        last_seen_at=AS_OF,
        muted=True,
    )
    changes = [
        (datetime(2026, 3, 3, 20, tzinfo=UTC), "", "Alert"),
        (datetime(2026, 3, 3, 23, tzinfo=UTC), "Alert", "Warn"),
        (at(4, 7), "Warn", "OK"),  # the sprint starts Mar 4 05:00 UTC
        (at(9, 10), "OK", "Alert"),
        (at(9, 11), "Alert", "OK"),
        (at(17, 23), "OK", "Warn"),
        (at(17, 23, 30), "Warn", "OK"),
        (at(18, 0), "OK", "Alert"),
        (at(18, 1), "Alert", "OK"),
        (at(18, 2), "OK", "Alert"),  # 4 changes in the 24 hours before the handover
    ]
    MonitorTransition.objects.bulk_create(
        MonitorTransition(monitor=m8, at=when, from_state=a, to_state=b) for when, a, b in changes
    )
    section = alerts_section(report_context(sprints[7], as_of=AS_OF))
    mine = [a for a in section["alerts"] if a["monitor_id"] == 8]
    assert [(a["fired_at"], a["recovered_at"]) for a in mine] == [
        (datetime(2026, 3, 3, 20, tzinfo=UTC), at(4, 7)),
        (at(9, 10), at(9, 11)),
        (at(17, 23), at(17, 23, 30)),
        (at(18, 0), at(18, 1)),
        (at(18, 2), None),
    ]
    assert mine[0]["fired_before_sprint"] and mine[0]["in_sprint_seconds"] == 2 * 3600.0
    assert mine[-1]["still_firing"] and mine[-1]["in_sprint_seconds"] == 2 * 3600.0
    assert section["totals"]["fired"] == 10 and section["totals"]["monitors"] == 6
    handover = incidents_handover(report_context(sprints[7], as_of=AS_OF))
    assert handover["flapping"] == [
        {
            "monitor_id": 8,
            "name": "monitor 8",
            "url": None,
            "changes": 5,  # 23:00, 23:30, 00:00, 01:00, 02:00 UTC; the handover is 04:00
            "last_change_at": at(18, 2),
            "state": "Alert",
        }
    ]
    assert [m["monitor_id"] for m in handover["silenced"]] == [8]
