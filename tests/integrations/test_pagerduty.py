"""PagerDuty through the real pdpyras client against a fake upstream on loopback."""

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

from .fakes import FAST, Reply, Seen, Timer, load


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def parse(value: str) -> datetime:
    return datetime.fromisoformat(value).astimezone(UTC)


def make_config(upstream, **overrides) -> Config:
    base = Config(
        token="pd-token-1234",
        api_url=upstream.url,
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
    """A handler paginating like PagerDuty: since/until on created_at, offset/limit/more,
    and a 400 past the offset cap (as the real API does past 10,000)."""

    def handler(seen: Seen) -> Reply:
        items = records
        if seen.param("since") and seen.param("date_range") != "all":
            since, until = parse(seen.param("since")), parse(seen.param("until"))
            items = [r for r in items if since <= parse(r["created_at"]) < until]
        items = sorted(items, key=lambda r: parse(r["created_at"]), reverse=newest_first)
        offset, limit = int(seen.param("offset") or 0), int(seen.param("limit") or 25)
        if offset + limit > max_offset:
            return Reply(
                400, {"error": {"message": "Offset must be less than 10001.", "code": 2001}}
            )
        page = items[offset : offset + limit]
        more = offset + limit < len(items)
        return Reply(
            200, {key: page, "limit": limit, "offset": offset, "more": more, "total": None}
        )

    return handler


def test_it_fetches_incidents_with_the_documented_filters(upstream):
    records = load("pagerduty/incidents_edge_cases.json")["incidents"]
    upstream.route("GET", "/incidents", paged("incidents", records))
    config = make_config(upstream)
    client = build_client(config)

    stream = iter_incidents(
        client,
        config,
        since=at(2026, 3, 1),
        until=at(2026, 3, 15),
        statuses=["triggered", "resolved"],
    )

    assert isinstance(stream, types.GeneratorType)
    assert upstream.requests == []  # nothing is fetched before it is consumed
    fetched = list(stream)
    assert [i.id for i in fetched] == ["PRESOLV", "PNULLPR", "PACKED", "PMINIML"]
    (request,) = upstream.requests
    assert request.headers["authorization"] == "Token token=pd-token-1234"
    assert request.headers["accept"] == "application/vnd.pagerduty+json;version=2"
    assert request.query["service_ids[]"] == ["PSVC001"]
    assert request.query["statuses[]"] == ["triggered", "resolved"]
    assert request.param("sort_by") == "created_at"
    assert (request.param("since"), request.param("until")) == (
        "2026-03-01T00:00:00Z",
        "2026-03-15T00:00:00Z",
    )
    assert fetched[1].priority_name is None


def test_it_follows_offset_pagination(upstream):
    upstream.route(
        "GET", "/incidents", paged("incidents", incidents(5, at(2026, 3, 1), timedelta(hours=1)))
    )
    config = make_config(upstream, page_size=2)

    fetched = list(
        iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
    )

    assert [i.number for i in fetched] == [0, 1, 2, 3, 4]
    assert [(r.param("offset"), r.param("limit")) for r in upstream.requests] == [
        ("0", "2"),
        ("2", "2"),
        ("4", "2"),
    ]


def test_it_splits_a_long_range_into_windows_the_api_accepts(upstream):
    upstream.route(
        "GET", "/incidents", paged("incidents", incidents(12, at(2025, 1, 15), timedelta(days=30)))
    )
    config = make_config(upstream)

    fetched = list(
        iter_incidents(build_client(config), config, since=at(2025, 1, 1), until=at(2026, 1, 1))
    )

    assert [i.number for i in fetched] == list(range(12))
    windows = [(parse(r.param("since")), parse(r.param("until"))) for r in upstream.requests]
    assert len(windows) == 13
    assert windows[0][0] == at(2025, 1, 1) and windows[-1][1] == at(2026, 1, 1)
    assert all(until - since <= timedelta(days=30) for since, until in windows)
    assert all(a[1] == b[0] for a, b in zip(windows, windows[1:], strict=False))


def test_it_resumes_a_window_past_the_offset_cap_without_losing_or_repeating(upstream):
    records = incidents(8, at(2026, 3, 1), timedelta(minutes=1))
    # Two more at the very second where the first pass stops (fewer than the cap of 4).
    records += incidents(2, at(2026, 3, 1, 0, 3), timedelta(0))
    for i, record in enumerate(records[8:]):
        record["id"] = f"PSAME{i}"
    upstream.route("GET", "/incidents", paged("incidents", records, max_offset=6))
    config = make_config(upstream, page_size=2, max_offset=6)

    fetched = list(
        iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
    )

    assert sorted(i.id for i in fetched) == sorted(r["id"] for r in records)
    assert len(fetched) == len(records)
    assert all(int(r.param("offset")) + int(r.param("limit")) <= 6 for r in upstream.requests)


def test_it_resumes_a_newest_first_list_too(upstream):
    entry = load("pagerduty/log_entries_edge_cases.json")["log_entries"][1]
    records = []
    for i in range(9):
        ack = copy.deepcopy(entry)
        ack.update(id=f"RACK{i}", created_at=(at(2026, 3, 8) + timedelta(minutes=i)).isoformat())
        ack["incident"] = {"id": f"PINC{i:04d}", "type": "incident_reference"}
        records.append(ack)
    upstream.route(
        "GET", "/log_entries", paged("log_entries", records, newest_first=True, max_offset=6)
    )
    config = make_config(upstream, page_size=2, max_offset=6)

    acks = list(
        iter_acknowledgements(
            build_client(config), config, since=at(2026, 3, 8), until=at(2026, 3, 9)
        )
    )

    assert sorted(a.incident_id for a in acks) == [f"PINC{i:04d}" for i in range(9)]


def test_it_does_not_loop_forever_when_one_second_holds_more_than_the_cap(upstream):
    records = incidents(7, at(2026, 3, 1), timedelta(0))
    upstream.route("GET", "/incidents", paged("incidents", records, max_offset=6))
    config = make_config(upstream, page_size=2, max_offset=6)

    with Timer() as timer:
        fetched = list(
            iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
        )

    assert 4 <= len(fetched) < 7  # the rest of that second is skipped, with a warning
    assert len({i.id for i in fetched}) == len(fetched)
    assert timer.elapsed < 2


def test_it_asks_for_all_time_without_since(upstream):
    upstream.route(
        "GET", "/incidents", paged("incidents", incidents(3, at(2020, 1, 1), timedelta(days=400)))
    )
    config = make_config(upstream)

    fetched = list(iter_incidents(build_client(config), config, since=None))

    assert len(fetched) == 3
    (request,) = upstream.requests
    assert request.param("date_range") == "all"
    assert request.param("since") is None


def test_it_fills_in_acknowledgements_from_log_entries(upstream):
    upstream.route("GET", "/log_entries", Reply(200, load("pagerduty/log_entries_edge_cases.json")))
    upstream.route("GET", "/incidents", Reply(200, load("pagerduty/incidents_edge_cases.json")))
    config = make_config(upstream)
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
    assert upstream.hits("/log_entries")[0].param("is_overview") == "true"


def test_it_fetches_the_first_acknowledgement_of_one_incident(upstream):
    body = load("pagerduty/log_entries_edge_cases.json")
    upstream.route("GET", "/incidents/PRESOLV/log_entries", Reply(200, body))
    config = make_config(upstream)

    assert fetch_first_acknowledged_at(build_client(config), config, "PRESOLV") == at(
        2026, 3, 8, 6, 20
    )


def test_it_keeps_escalation_levels_1_and_2(upstream):
    upstream.route("GET", "/oncalls", Reply(200, load("pagerduty/oncalls_edge_cases.json")))
    config = make_config(upstream)

    oncalls = list(
        iter_oncalls(build_client(config), config, since=at(2026, 3, 10), until=at(2026, 3, 11))
    )

    assert [(o.user_name, o.escalation_level) for o in oncalls] == [
        ("Ada Lovelace", 1),
        ("Grace Hopper", 2),
        ("Katherine Johnson", 1),
    ]
    (request,) = upstream.requests
    assert request.query["schedule_ids[]"] == ["PSCHED1", "PSCHED2"]
    assert request.param("since") == "2026-03-10T00:00:00Z"


def test_it_fetches_no_oncalls_without_schedules(upstream):
    config = make_config(upstream, schedule_ids=())

    assert list(iter_oncalls(build_client(config), config)) == []
    assert upstream.requests == []


# Faults


def fetch(upstream, config=None):
    config = config or make_config(upstream)
    return list(
        iter_incidents(build_client(config), config, since=at(2026, 3, 1), until=at(2026, 3, 2))
    )


def test_it_reports_a_rejected_token(upstream):
    upstream.route(
        "GET", "/incidents", Reply(401, {"error": {"message": "Unauthorized", "code": 2006}})
    )

    with pytest.raises(AuthError) as caught:
        fetch(upstream)

    assert str(caught.value) == "PagerDuty rejected the API token (401)"
    assert caught.value.permanent and caught.value.source == "pagerduty"
    assert len(upstream.requests) == 1


def test_it_reports_a_forbidden_token(upstream):
    upstream.route(
        "GET", "/incidents", Reply(403, {"error": {"message": "Access Denied", "code": 2010}})
    )

    with pytest.raises(AuthError, match=r"PagerDuty refused access .*\(403\).*Access Denied"):
        fetch(upstream)


def test_it_retries_a_server_error_a_bounded_number_of_times(upstream):
    upstream.route("GET", "/incidents", Reply(500, {"error": {"message": "Internal error"}}))

    with pytest.raises(Unavailable, match=r"PagerDuty is having trouble \(HTTP 500\)"):
        fetch(upstream)

    assert len(upstream.requests) == FAST.max_retries + 1


def test_it_recovers_when_a_retry_succeeds(upstream):
    ok = Reply(200, {"incidents": [], "limit": 100, "offset": 0, "more": False})
    upstream.route("GET", "/incidents", Reply(503), ok)

    assert fetch(upstream) == []
    assert len(upstream.requests) == 2


def test_it_retries_a_429_then_reports_rate_limited(upstream):
    upstream.route(
        "GET",
        "/incidents",
        Reply(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": "1"}),
    )

    with Timer() as timer, pytest.raises(RateLimited) as caught:
        fetch(upstream)

    assert str(caught.value) == "PagerDuty is rate limiting us; retry after 1 s"
    assert caught.value.retry_after == 1.0
    assert len(upstream.requests) == FAST.max_retries + 1
    assert timer.elapsed < 2


def test_a_permanent_429_without_retry_after_ends_in_bounded_time(upstream):
    upstream.route("GET", "/incidents", Reply(429, {"error": {"message": "Rate Limit Exceeded"}}))

    with Timer() as timer, pytest.raises(RateLimited, match="retry later"):
        fetch(upstream)

    assert len(upstream.requests) == FAST.max_retries + 1
    assert timer.elapsed < 2


def test_it_gives_up_at_once_when_asked_to_wait_longer_than_allowed(upstream):
    upstream.route(
        "GET",
        "/incidents",
        Reply(429, {"error": {"message": "Rate Limit Exceeded"}}, {"Retry-After": "3600"}),
    )

    with Timer() as timer, pytest.raises(RateLimited) as caught:
        fetch(upstream)

    assert caught.value.retry_after == 3600
    assert "retry after 3600 s" in str(caught.value)
    assert len(upstream.requests) == 1
    assert timer.elapsed < 1


@pytest.mark.parametrize(
    "body",
    ['{"incidents": [', '{"not_incidents": []}', "<html>502 Bad Gateway</html>"],
    ids=["truncated", "no-wrapper", "html"],
)
def test_it_reports_a_malformed_payload(upstream, body):
    upstream.route("GET", "/incidents", Reply(200, body))

    with pytest.raises(BadPayload, match="PagerDuty sent a response we could not read"):
        fetch(upstream)


def test_it_reports_a_record_without_created_at(upstream):
    record = incidents(1, at(2026, 3, 1, 1), timedelta(0))[0]
    del record["created_at"]
    upstream.route(
        "GET",
        "/incidents",
        Reply(200, {"incidents": [record], "more": False, "offset": 0, "limit": 100}),
    )

    with pytest.raises(BadPayload, match="created_at"):
        fetch(upstream)


def test_it_reports_a_slow_upstream_as_unavailable(upstream):
    upstream.route("GET", "/incidents", Reply(200, {"incidents": [], "more": False}, delay=1.5))
    limits = replace(FAST, timeout_seconds=0.2, max_retries=1)

    with Timer() as timer, pytest.raises(Unavailable) as caught:
        fetch(upstream, make_config(upstream, limits=limits))

    assert str(caught.value) == "PagerDuty did not answer within 0.2 s"
    assert len(upstream.requests) == 2
    assert timer.elapsed < 1.5


def test_it_reports_a_refused_connection_as_unavailable(upstream, closed_port_url):
    config = replace(make_config(upstream), api_url=closed_port_url)

    with pytest.raises(Unavailable, match="PagerDuty could not be reached"):
        fetch(upstream, config)


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
    assert client.retry[429] == 1 and client.retry[500] == 1
    assert client.max_network_attempts == 1


def test_it_refuses_a_naive_datetime_before_any_request(upstream):
    config = make_config(upstream)

    with pytest.raises(ValueError, match="naive"):
        list(iter_incidents(build_client(config), config, since=datetime(2026, 3, 1)))
    assert upstream.requests == []


def test_it_fetches_one_incident(upstream):
    incident = load("pagerduty/incidents_edge_cases.json")["incidents"][1]
    upstream.route("GET", "/incidents/PRESOLV", Reply(200, {"incident": incident}))
    config = make_config(upstream)

    fetched = pagerduty.fetch_incident(build_client(config), config, "PRESOLV")

    assert (fetched.id, fetched.status, fetched.resolved_at) == (
        "PRESOLV",
        "resolved",
        at(2026, 3, 8, 8, 15),
    )


def test_it_reports_a_missing_incident(upstream):
    upstream.route(
        "GET", "/incidents/PGONE", Reply(404, {"error": {"message": "Not Found", "code": 2100}})
    )
    config = make_config(upstream)

    with pytest.raises(UpstreamError, match=r"PagerDuty could not find .*\(404\)"):
        pagerduty.fetch_incident(build_client(config), config, "PGONE")
