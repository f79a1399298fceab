"""The generated world: deterministic, realistic in the ways the dashboard cares about, alive."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import requests
from sandbox_helpers import NOW, gh_headers, pd_headers

from sandbox import (
    Incident,
    LogEntry,
    OncallShift,
    Sandbox,
    SandboxClock,
    ScenarioConfig,
    WorkflowRun,
)
from sandbox.scenario import GeneratedSource

START = datetime(2026, 3, 4, 15, 0, tzinfo=UTC)


def snapshot(
    source: GeneratedSource, at: datetime
) -> tuple[list[str], list[int], list[int], list[str]]:
    ds = source.dataset(at)
    return (
        [i.id for i in ds.incidents.upto(at)],
        [r.id for r in ds.runs.upto(at)],
        [p.number for p in ds.pulls.upto(at)],
        [m.status_at(at) for m in ds.monitors],
    )


def test_it_is_deterministic_from_seed_and_clock() -> None:
    later = START + timedelta(hours=2)
    one, two = (
        GeneratedSource(ScenarioConfig(seed=7), START),
        GeneratedSource(ScenarioConfig(seed=7), START),
    )
    assert snapshot(one, later) == snapshot(two, later)
    assert snapshot(one, later) != snapshot(GeneratedSource(ScenarioConfig(seed=8), START), later)
    # Asking for a later time first does not change what an earlier time looks like.
    three = GeneratedSource(ScenarioConfig(seed=7), START)
    three.dataset(START + timedelta(days=1))
    assert snapshot(three, later) == snapshot(one, later)


def test_it_keeps_the_history_when_restarted_later() -> None:
    """History sits on an epoch-anchored grid, so a restarted demo serves the same past."""
    first = GeneratedSource(ScenarioConfig(live_interval=0), START)
    second = GeneratedSource(ScenarioConfig(live_interval=0), START + timedelta(days=3))
    window = (START - timedelta(days=100), START - timedelta(days=10))

    def past(source: GeneratedSource) -> list[tuple[str, datetime]]:
        ds = source.dataset(source.start)
        return [(i.id, i.created_at) for i in ds.incidents if window[0] <= i.created_at < window[1]]

    assert past(first) == past(second) and len(past(first)) > 50


def test_it_looks_like_six_months_of_a_platform_team() -> None:
    source = GeneratedSource(ScenarioConfig(), START)
    ds = source.dataset(START)
    incidents = ds.incidents.upto(START)
    assert 140 < len(incidents) < 200
    assert (START - incidents[0].created_at).days >= 175
    assert {i.service_id for i in incidents} == {
        "PBGSAPI",
        "PBIPAPI",
        "PBIEKFK",
        "PDBINIT",
        "PCCAPP1",
        "PEEMAXC",
        "PEEMERG",
    }
    assert any(i.priority is None for i in incidents) and any(i.priority == "P1" for i in incidents)
    assert any(i.acknowledged_at is None for i in incidents)  # never acknowledged
    assert Counter(i.urgency for i in incidents).keys() == {"high", "low"}
    assert {i.assignee_id for i in incidents} <= {
        "PDKOWA4",
        "PARIVE1",
        "PBOKAF2",
        "PCHENW3",
        "PELIBR5",
        "PFHADD6",
    }
    runs = ds.runs.upto(START)
    assert {r.event for r in runs} == {"schedule", "push", "pull_request", "workflow_dispatch"}
    scheduled = [r for r in runs if r.event == "schedule"]
    assert all(r.created_at.weekday() < 5 and r.created_at.hour == 11 for r in scheduled)
    assert any(r.failed_step == "Aqua gate check" for r in runs)
    pulls = ds.pulls.upto(START)
    assert any(
        p.author == "dependabot[bot]" and p.head_ref.startswith("dependabot/") for p in pulls
    )
    assert any(p.state(START) == "open" for p in pulls) and any(p.merged_at for p in pulls)
    assert {a.tool for a in ds.code_scanning.upto(START)} >= {"Aqua", "Snyk Open Source"}
    assert {m.name for m in ds.monitors} >= {
        "BIP elevated average latency",
        "BGS downstream errors above 0",
        "Synthetic health check: cc-app API",
    }
    primary = [s for s in ds.oncalls(START, START) if s.escalation_level == 1]
    assert primary[0].schedule_id == "PSCHPRI" and primary[0].end - primary[0].start <= timedelta(
        days=14
    )


def test_it_keeps_changing_as_the_clock_advances(sandbox: Sandbox) -> None:
    before = sandbox.now()
    counts = {
        "incidents": len(sandbox.dataset.incidents.upto(before)),
        "runs": len(sandbox.dataset.runs.upto(before)),
        "pulls": len(sandbox.dataset.pulls.upto(before)),
    }

    def flaps(at: datetime) -> int:
        return sum(1 for m in sandbox.dataset.monitors for e in m.episodes if e.start <= at)

    episodes = flaps(before)
    sandbox.clock.advance(minutes=60)  # forty events at one per 90 s
    after = sandbox.now()
    ds = sandbox.dataset
    assert len(ds.incidents.upto(after)) >= counts["incidents"] + 4
    assert len(ds.runs.upto(after)) >= counts["runs"] + 4
    assert len(ds.pulls.upto(after)) >= counts["pulls"] + 4
    assert flaps(after) >= episodes + 4
    newest = requests.get(
        f"{sandbox.pagerduty_url}/incidents",
        params={"sort_by": "created_at:desc", "limit": 1},
        headers=pd_headers(sandbox),
        timeout=5,
    ).json()["incidents"][0]
    assert newest["created_at"] > before.strftime("%Y-%m-%dT%H:%M:%SZ")


def test_it_moves_the_clock_over_http(sandbox: Sandbox) -> None:
    moved = requests.post(
        sandbox.github_url + "/_sandbox/clock", json={"advance": 3600}, timeout=5
    ).json()
    assert moved["frozen"] is True and sandbox.now() == datetime.fromisoformat(moved["now"])
    requests.post(
        sandbox.github_url + "/_sandbox/clock", json={"set": "2026-03-04T15:00:00Z"}, timeout=5
    )
    assert sandbox.now() == NOW


def test_it_serves_explicit_data_a_test_loads(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    sandbox.load(
        incidents=[
            Incident(
                id="QONE",
                created_at=NOW - timedelta(hours=3),
                acknowledged_at=NOW - timedelta(hours=2),
                resolved_at=NOW - timedelta(hours=1),
                acknowledged_by="PCHENW3",
                resolved_by="PCHENW3",
            ),
            Incident(id="QTWO", created_at=NOW - timedelta(minutes=5)),
        ],
        log_entries=[
            LogEntry(
                id="RNOTE",
                incident_id="QTWO",
                type="annotate_log_entry",
                created_at=NOW - timedelta(minutes=1),
                agent_id="PBOKAF2",
                summary="Looking",
            )
        ],
        oncalls=[
            OncallShift(
                user_id="PGLIND7",
                schedule_id="PSCHPRI",
                escalation_level=1,
                start=NOW - timedelta(days=1),
                end=NOW + timedelta(days=1),
            )
        ],
        workflow_runs=[
            WorkflowRun(
                id=1, created_at=NOW - timedelta(hours=1), completed_at=NOW - timedelta(minutes=30)
            )
        ],
    )
    incidents = requests.get(
        f"{sandbox.pagerduty_url}/incidents", headers=pd_headers(sandbox), timeout=5
    ).json()
    assert [(i["id"], i["incident_number"], i["status"]) for i in incidents["incidents"]] == [
        ("QONE", 1, "resolved"),
        ("QTWO", 2, "triggered"),
    ]
    log = requests.get(
        f"{sandbox.pagerduty_url}/log_entries",
        headers=pd_headers(sandbox),
        timeout=5,
        params={"time_zone": "UTC"},
    ).json()["log_entries"]
    assert [(e["type"], e["incident"]["id"]) for e in log] == [
        ("annotate_log_entry", "QTWO"),
        ("resolve_log_entry", "QONE"),
        ("acknowledge_log_entry", "QONE"),
        ("trigger_log_entry", "QONE"),
    ]  # QTWO's explicit entries replace its derived trigger
    ack = log[2]
    assert ack["agent"]["id"] == "PCHENW3" and ack["created_at"] == "2026-03-04T13:00:00Z"
    oncalls = requests.get(
        f"{sandbox.pagerduty_url}/oncalls", headers=pd_headers(sandbox), timeout=5
    ).json()
    assert [o["user"]["summary"] for o in oncalls["oncalls"]] == ["Gus Lindqvist"]
    runs = requests.get(
        f"{sandbox.github_url}/repos/example-org/benefits-platform/actions/workflows/secrel.yml/runs",
        headers=gh_headers(sandbox),
        timeout=5,
    ).json()
    assert runs["total_count"] == 1 and runs["workflow_runs"][0]["run_number"] == 1
    assert (
        requests.get(
            f"{sandbox.github_url}/repos/example-org/benefits-platform/pulls",
            headers=gh_headers(sandbox),
            timeout=5,
        ).json()
        == []
    )
    sandbox.use_scenario(ScenarioConfig(seed=3))
    assert len(sandbox.dataset.incidents) > 100


def test_it_loads_explicit_data_over_http(make_sandbox: Callable[..., Sandbox]) -> None:
    sandbox = make_sandbox(clock=SandboxClock.frozen_at(NOW))
    payload = {
        "incidents": [
            {
                "id": "QHTTP",
                "created_at": "2026-03-04T14:00:00Z",
                "priority": None,
                "urgency": "low",
            }
        ],
        "monitors": [
            {
                "id": 5,
                "name": "BIP elevated average latency",
                "status": "Alert",
                "tags": ["team:vro"],
                "last_triggered_at": "2026-03-04T14:30:00Z",
            }
        ],
        "workflow_runs": [
            {
                "id": 77,
                "created_at": "2026-03-04T11:05:00Z",
                "completed_at": None,
                "event": "schedule",
                "pull_request_numbers": [],
            }
        ],
    }
    resp = requests.post(sandbox.datadog_url + "/_sandbox/data", json=payload, timeout=5)
    assert resp.json() == {"loaded": {"incidents": 1, "monitors": 1, "workflow_runs": 1}}
    assert [i.id for i in sandbox.dataset.incidents] == ["QHTTP"]
    assert sandbox.dataset.monitors[0].last_triggered_at == datetime(2026, 3, 4, 14, 30, tzinfo=UTC)
    bad = requests.post(
        sandbox.datadog_url + "/_sandbox/data",
        json={"incidents": [{"id": "X", "when": 1}]},
        timeout=5,
    )
    assert bad.status_code == 400 and "when" in bad.json()["error"]
    regenerated = requests.post(
        sandbox.datadog_url + "/_sandbox/scenario", json={"seed": 4, "live_interval": 0}, timeout=5
    )
    assert regenerated.status_code == 200 and len(sandbox.dataset.incidents) > 100
