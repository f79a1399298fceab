"""PagerDuty through the real pdpyras client against the sandbox's scripted replies."""

import copy
import subprocess
import sys
import types
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oncall_site.integrations import pagerduty
from oncall_site.integrations.errors import (
    AuthError,
    BadPayload,
    RateLimited,
    Unavailable,
    UpstreamError,
)
from oncall_site.integrations.pagerduty import (
    Config,
    build_client,
    fetch_first_acknowledged_at,
    first_acknowledgements,
    iter_acknowledgements,
    iter_incidents,
    iter_oncalls,
)
from sandbox import Reply

from .payloads import FAST, load

INCIDENTS = "pagerduty.incidents"


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def make_config(sandbox, **overrides) -> Config:
    base = Config(
        token=sandbox.tokens.pagerduty,
        api_url=sandbox.pagerduty_url,
        service_ids=("PSVC001",),
        schedule_ids=("PSCHED1", "PSCHED2"),
        limits=FAST,
    )
    return replace(base, **overrides)


def incidents(n: int, start: datetime, step: timedelta) -> list[dict]:
    """n copies of the spec example incident, `step` apart."""
    example = load("pagerduty/incidents.json")["incidents"][0]
    made = []
    for i in range(n):
        incident = copy.deepcopy(example)
        incident.update(
            id=f"PINC{i:04d}", incident_number=i, created_at=(start + i * step).isoformat()
        )
        made.append(incident)
    return made


def paged(key: str, records: list[dict], *, newest_first: bool = False, max_offset: int = 10_000):
    """A reply paginating like PagerDuty: since/until on created_at, offset/limit/more,
    and a 400 past the offset cap (as the real API does past 10,000)."""

    def reply(req) -> Reply:
        items = records
        if req.arg("since") and req.arg("date_range") != "all":
            since, until = parse(req.arg("since")), parse(req.arg("until"))
            items = [r for r in items if since <= parse(r["created_at"]) < until]
        items = sorted(items, key=lambda r: parse(r["created_at"]), reverse=newest_first)
        offset, limit = int(req.arg("offset") or 0), int(req.arg("limit") or 25)
        if offset + limit > max_offset:
            return Reply(
                400, {"error": {"message": "Offset must be less than 10001.", "code": 2001}}
            )
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        return Reply(
            200, {key: page, "limit": limit, "offset": offset, "more": more, "total": None}
        )

    return reply


def test_it_fetches_incidents_with_the_documented_filters(sandbox):
    records = load("pagerduty/incidents_edge_cases.json")["incidents"]
    sandbox.script(INCIDENTS, paged("incidents", records))
    config = make_config(sandbox)
    client = build_client(config)

    stream = iter_incidents(
        client,
        config,
        since=at(2026, 3, 1),
        until=at(2026, 3, 15),
        statuses=["triggered", "resolved"],
    )

    assert isinstance(stream, types.GeneratorType)
    assert sandbox.requests.count() == 0  # nothing is fetched before it is consumed
    fetched = list(stream)
    assert [i.id for i in fetched] == ["PRESOLV", "PNULLPR", "PACKED", "PMINIML"]
    (request,) = sandbox.requests.records()
    assert request.headers["authorization"] == f"Token token={sandbox.tokens.pagerduty}"
    assert request.headers["accept"] == "application/vnd.pagerduty+json;version=2"
    assert request.params()["service_ids[]"] == ["PSVC001"]
    assert request.params()["statuses[]"] == ["triggered", "resolved"]
    assert request.param("sort_by") == "created_at"
    assert (request.param("since"), request.param("until")) == (
        "2026-03-01T00:00:00Z",
        "2026-03-15T00:00:00Z",
    )
    assert fetched[1].priority_name is None


def test_it_follows_offset_pagination(sandbox):
    sandbox.script(INCIDENTS, paged("incidents", incidents(5, at(2026, 3, 1), timedelta(hours=1))))
    config = make_config(sandbox, page_size=2)

    fetched = list(
        iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
    )

    assert [i.number for i in fetched] == [0, 1, 2, 3, 4]
    assert [(r.param("offset"), r.param("limit")) for r in sandbox.requests.records()] == [
        ("0", "2"),
        ("2", "2"),
        ("4", "2"),
    ]


def test_it_splits_a_long_range_into_windows_the_api_accepts(sandbox):
    sandbox.script(
        INCIDENTS, paged("incidents", incidents(12, at(2025, 1, 15), timedelta(days=30)))
    )
    config = make_config(sandbox)

    fetched = list(
        iter_incidents(build_client(config), config, since=at(2025, 1, 1), until=at(2026, 1, 1))
    )

    assert [i.number for i in fetched] == list(range(12))
    windows = [
        (parse(r.param("since")), parse(r.param("until"))) for r in sandbox.requests.records()
    ]
    assert len(windows) == 13
    assert windows[0][0] == at(2025, 1, 1) and windows[-1][1] == at(2026, 1, 1)
    assert all(until - since <= timedelta(days=30) for since, until in windows)
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))


def test_it_resumes_a_window_past_the_offset_cap_without_losing_or_repeating(sandbox):
    records = incidents(8, at(2026, 3, 1), timedelta(minutes=1))
    # Two more at the very second where the first pass stops (fewer than the cap of 4).
    records += incidents(2, at(2026, 3, 1, 0, 3), timedelta(0))
    for i, record in enumerate(records[8:]):
        record["id"] = f"PSAME{i}"
    sandbox.script(INCIDENTS, paged("incidents", records, max_offset=6))
    config = make_config(sandbox, page_size=2, max_offset=6)

    fetched = list(
        iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
    )

    assert sorted(i.id for i in fetched) == sorted(r["id"] for r in records)
    assert len(fetched) == len(records)
    assert all(
        int(r.param("offset")) + int(r.param("limit")) <= 6 for r in sandbox.requests.records()
    )


def test_it_resumes_a_newest_first_list_too(sandbox):
    entry = load("pagerduty/log_entries_edge_cases.json")["log_entries"][1]
    records = []
    for i in range(9):
        ack = copy.deepcopy(entry)
        ack.update(id=f"RACK{i}", created_at=(at(2026, 3, 8) + timedelta(minutes=i)).isoformat())
        ack["incident"] = {"id": f"PINC{i:04d}", "type": "incident_reference"}
        records.append(ack)
    sandbox.script(
        "pagerduty.log_entries", paged("log_entries", records, newest_first=True, max_offset=6)
    )
    config = make_config(sandbox, page_size=2, max_offset=6)

    acks = list(
        iter_acknowledgements(
            build_client(config), config, since=at(2026, 3, 8), until=at(2026, 3, 9)
        )
    )

    assert sorted(a.incident_id for a in acks) == [f"PINC{i:04d}" for i in range(9)]


def test_it_does_not_loop_forever_when_one_second_holds_more_than_the_cap(sandbox):
    records = incidents(7, at(2026, 3, 1), timedelta(0))
    sandbox.script(INCIDENTS, paged("incidents", records, max_offset=6))
    config = make_config(sandbox, page_size=2, max_offset=6)

    fetched = list(
        iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
    )

    assert 4 <= len(fetched) < 7  # the rest of that second is skipped, with a warning
    assert len({i.id for i in fetched}) == len(fetched)
    # Two pages up to the cap, then the same two again past the edge (all skipped): done.
    assert [r.param("offset") for r in sandbox.requests.records()] == ["0", "2", "0", "2"]


def test_it_asks_for_all_time_without_since(sandbox):
    sandbox.script(INCIDENTS, paged("incidents", incidents(3, at(2020, 1, 1), timedelta(days=400))))
    config = make_config(sandbox)

    fetched = list(iter_incidents(build_client(config), config, since=None))

    assert len(fetched) == 3
    (request,) = sandbox.requests.records()
    assert request.param("date_range") == "all"
    assert request.param("since") is None


def test_it_fills_in_acknowledgements_from_log_entries(sandbox):
    sandbox.script(
        "pagerduty.log_entries", Reply(200, load("pagerduty/log_entries_edge_cases.json"))
    )
    sandbox.script(INCIDENTS, Reply(200, load("pagerduty/incidents_edge_cases.json")))
    config = make_config(sandbox)
    client = build_client(config)
    since, until = at(2026, 3, 1), at(2026, 3, 15)

    acks = first_acknowledgements(iter_acknowledgements(client, config, since=since, until=until))
    fetched = {
        i.id: i
        for i in iter_incidents(client, config, since=since, until=until, acknowledged_at=acks)
    }

    assert fetched["PRESOLV"].acknowledged_at == at(2026, 3, 8, 6, 20)
    assert fetched["PACKED"].acknowledged_at == at(2026, 3, 9, 10, 2)  # from the incident itself
    assert fetched["PNULLPR"].acknowledged_at is None
    assert sandbox.requests.records("pagerduty.log_entries")[0].param("is_overview") == "true"


def test_it_fetches_the_first_acknowledgement_of_one_incident(sandbox):
    body = load("pagerduty/log_entries_edge_cases.json")
    sandbox.script("pagerduty.incident_log_entries", Reply(200, body))
    config = make_config(sandbox)

    assert fetch_first_acknowledged_at(build_client(config), config, "PRESOLV") == at(
        2026, 3, 8, 6, 20
    )


def test_it_keeps_escalation_levels_1_and_2(sandbox):
    sandbox.script("pagerduty.oncalls", Reply(200, load("pagerduty/oncalls_edge_cases.json")))
    config = make_config(sandbox)

    oncalls = list(
        iter_oncalls(build_client(config), config, since=at(2026, 3, 10), until=at(2026, 3, 11))
    )

    assert [(o.user_name, o.escalation_level) for o in oncalls] == [
        ("Ada Lovelace", 1),
        ("Grace Hopper", 2),
        ("Katherine Johnson", 1),
    ]
    (request,) = sandbox.requests.records()
    assert request.params()["schedule_ids[]"] == ["PSCHED1", "PSCHED2"]
    assert request.param("since") == "2026-03-10T00:00:00Z"


def test_it_fetches_no_oncalls_without_schedules(sandbox):
    config = make_config(sandbox, schedule_ids=())

    assert list(iter_oncalls(build_client(config), config)) == []
    assert sandbox.requests.count() == 0


# Faults


def fetch(sandbox, config=None):
    config = config or make_config(sandbox)
    return list(
        iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
    )


def test_it_reports_a_rejected_token(sandbox):
    with pytest.raises(AuthError) as caught:
        fetch(sandbox, make_config(sandbox, token="pd-revoked"))

    assert str(caught.value) == "PagerDuty rejected the API token (401)"
    assert caught.value.permanent and caught.value.source == "pagerduty"
    assert sandbox.requests.count() == 1


def test_it_reports_a_forbidden_token(sandbox):
    sandbox.script(INCIDENTS, Reply(403, {"error": {"message": "Access Denied", "code": 2010}}))

    with pytest.raises(AuthError, match=r"PagerDuty refused access .*\(403\).*Access Denied"):
        fetch(sandbox)


def test_it_retries_a_server_error_a_bounded_number_of_times(sandbox, waits):
    sandbox.script(INCIDENTS, Reply(500, {"error": {"message": "Internal error"}}))

    with pytest.raises(Unavailable, match=r"PagerDuty is having trouble \(HTTP 500\)"):
        fetch(sandbox)

    assert sandbox.requests.count() == FAST.max_retries + 1
    assert waits == [0.01, 0.02]


def test_it_recovers_when_a_retry_succeeds(sandbox, waits):
    ok = Reply(200, {"incidents": [], "limit": 100, "offset": 0, "more": False})
    sandbox.script(INCIDENTS, Reply(503), ok)

    assert fetch(sandbox) == []
    assert sandbox.requests.count() == 2
    assert waits == [0.01]


def test_a_429_asking_for_one_second_is_retried_after_it(sandbox, waits):
    ok = Reply(200, {"incidents": [], "limit": 100, "offset": 0, "more": False})
    sandbox.script(INCIDENTS, Reply(429, {}, {"Retry-After": "1"}), ok)

    assert fetch(sandbox) == []
    assert sandbox.requests.count() == 2
    assert waits == [1]  # pdpyras alone would ignore Retry-After


def test_it_retries_a_429_then_reports_rate_limited(sandbox, waits):
    sandbox.script(
        INCIDENTS,
        Reply(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": "1"}),
    )

    with pytest.raises(RateLimited) as caught:
        fetch(sandbox)

    assert str(caught.value) == "PagerDuty is rate limiting us; retry after 1 s"
    assert caught.value.retry_after == 1.0
    assert sandbox.requests.count() == FAST.max_retries + 1
    assert waits == [1, 1]


def test_a_permanent_429_without_retry_after_ends_after_the_retries(sandbox, waits):
    # pdpyras on its own retries a 429 without limit.
    sandbox.script(INCIDENTS, Reply(429, {"error": {"message": "Rate Limit Exceeded"}}))

    with pytest.raises(RateLimited, match="retry later"):
        fetch(sandbox)

    assert sandbox.requests.count() == FAST.max_retries + 1
    assert waits == [0.01, 0.02]


def test_it_gives_up_at_once_when_asked_to_wait_longer_than_allowed(sandbox, waits):
    sandbox.script(
        INCIDENTS,
        Reply(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": "3600"}),
    )

    with pytest.raises(RateLimited) as caught:
        fetch(sandbox)

    assert caught.value.retry_after == 3600
    assert "retry after 3600 s" in str(caught.value)
    assert sandbox.requests.count() == 1
    assert waits == []


@pytest.mark.parametrize(
    "body",
    ['{"incidents": [', '{"not_incidents": []}', "<html>502 Bad Gateway</html>"],
    ids=["truncated", "no-wrapper", "html"],
)
def test_it_reports_a_malformed_payload(sandbox, body):
    sandbox.script(INCIDENTS, Reply(200, body))

    with pytest.raises(BadPayload, match="PagerDuty sent a response we could not read"):
        fetch(sandbox)


def test_it_reports_a_record_without_created_at(sandbox):
    record = incidents(1, at(2026, 3, 1, 1), timedelta(0))[0]
    del record["created_at"]
    sandbox.script(
        INCIDENTS,
        Reply(200, {"incidents": [record], "more": False, "offset": 0, "limit": 100}),
    )

    with pytest.raises(BadPayload, match="created_at"):
        fetch(sandbox)


def test_it_reports_a_slow_upstream_as_unavailable(sandbox, waits):
    sandbox.script(INCIDENTS, Reply(200, {"incidents": [], "more": False}, delay=1.5))
    limits = replace(FAST, timeout_seconds=0.2, max_retries=1)

    with pytest.raises(Unavailable) as caught:
        fetch(sandbox, make_config(sandbox, limits=limits))

    assert str(caught.value) == "PagerDuty did not answer within 0.2 s"
    assert sandbox.requests.count() == 2
    assert waits == [0.01]


def test_it_reports_a_refused_connection_as_unavailable(sandbox, closed_port_url):
    config = replace(make_config(sandbox), api_url=closed_port_url)

    with pytest.raises(Unavailable, match="PagerDuty could not be reached"):
        fetch(sandbox, config)


def test_it_imports_pdpyras_without_the_deprecation_warning():
    code = "import oncall_site.integrations.pagerduty"
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", code], capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_it_is_not_configured_without_a_token(settings):
    settings.PAGERDUTY_API_TOKEN = ""

    assert pagerduty.config_from_settings() is None


def test_it_builds_its_config_from_settings(settings):
    settings.PAGERDUTY_API_TOKEN = "pd-token"
    settings.PAGERDUTY_API_URL = "http://127.0.0.1:9"
    settings.PAGERDUTY_SERVICE_IDS = ["PSVC001", "PSVC002"]
    settings.PAGERDUTY_SCHEDULE_IDS = ["PSCHED1"]
    settings.UPSTREAM_TIMEOUT_SECONDS = 7
    settings.UPSTREAM_MAX_RETRIES = 1

    config = pagerduty.config_from_settings()

    assert config is not None
    assert config.service_ids == ("PSVC001", "PSVC002") and config.schedule_ids == ("PSCHED1",)
    client = build_client(config)
    assert client.url == "http://127.0.0.1:9"
    assert client.timeout == 7
    # The site's policy retries underneath; pdpyras's own loop retries nothing.
    policy = client.get_adapter("http://127.0.0.1:9").max_retries
    assert (policy.total, policy.status_forcelist) == (1, [429, 500, 502, 503, 504])
    assert client.get_adapter("https://api.pagerduty.com").max_retries is policy
    assert client.retry == {429: 1}  # 0 would be "without limit" for a 429
    assert client.max_network_attempts == 0


def test_it_refuses_a_naive_datetime_before_any_request(sandbox):
    config = make_config(sandbox)

    with pytest.raises(ValueError, match="naive"):
        list(iter_incidents(build_client(config), config, since=datetime(2026, 3, 1)))
    assert sandbox.requests.count() == 0


def test_it_fetches_one_incident(sandbox):
    incident = load("pagerduty/incidents_edge_cases.json")["incidents"][1]
    sandbox.script("pagerduty.incident", Reply(200, {"incident": incident}))
    config = make_config(sandbox)

    fetched = pagerduty.fetch_incident(build_client(config), config, "PRESOLV")

    assert (fetched.id, fetched.status, fetched.resolved_at) == (
        "PRESOLV",
        "resolved",
        at(2026, 3, 8, 8, 15),
    )


def test_it_reports_a_missing_incident(sandbox):
    sandbox.script(
        "pagerduty.incident", Reply(404, {"error": {"message": "Not Found", "code": 2100}})
    )
    config = make_config(sandbox)

    with pytest.raises(UpstreamError, match=r"PagerDuty could not find .*\(404\)"):
        pagerduty.fetch_incident(build_client(config), config, "PGONE")
