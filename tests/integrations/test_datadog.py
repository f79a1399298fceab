"""Datadog through the real datadog-api-client against the sandbox's scripted replies, and
the monitor normalizer on the official examples and edge cases."""

import types
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from oncall_site.integrations import datadog
from oncall_site.integrations import errors as datadog_errors
from oncall_site.integrations.datadog import (
    Config,
    app_url,
    build_client,
    iter_monitors,
    normalize_monitor,
)
from oncall_site.integrations.errors import AuthError, BadPayload, RateLimited, Unavailable
from sandbox import Reply

from .payloads import FAST, load

SEARCH = "datadog.monitor_search"


def make_config(sandbox, **overrides) -> Config:
    tokens = sandbox.tokens
    base = Config(
        api_key=tokens.datadog_api_key,
        app_key=tokens.datadog_app_key,
        api_url=sandbox.datadog_url,
        query="tag:team:vro",
        limits=FAST,
    )
    return replace(base, **overrides)


def fetch(sandbox, config=None):
    config = config or make_config(sandbox)
    return list(iter_monitors(build_client(config), config))


# Normalize


def test_it_normalizes_the_spec_example_monitor():
    raw = load("datadog/monitor_search.json")["monitors"][0]

    monitor = normalize_monitor(raw)

    assert monitor.id == 2699850
    assert monitor.name == "Cassandra CPU is high on {{host.name}} in {{availability-zone.name}}"
    assert monitor.status == "No Data"
    assert monitor.tags == ("service:cassandra",)
    assert monitor.last_triggered_at is None
    assert monitor.url == "https://app.datadoghq.com/monitors/2699850"
    assert monitor.type == "query alert"


def test_it_tolerates_missing_optional_fields():
    raw = load("datadog/monitor_search_minimal.json")["monitors"][
        0
    ]  # no tags, no last_triggered_ts

    monitor = normalize_monitor(raw)

    assert (monitor.id, monitor.status, monitor.tags, monitor.last_triggered_at) == (
        123,
        "No Data",
        (),
        None,
    )


def test_it_keeps_an_unknown_status_and_ignores_extra_fields():
    raw = load("datadog/monitor_search_edge_cases.json")["monitors"][4]

    monitor = normalize_monitor(raw)

    assert monitor.status == "Paused"
    assert monitor.last_triggered_at == datetime(2026, 3, 7, 16, 13, 20, tzinfo=UTC)  # milliseconds


def test_it_reads_last_triggered_ts_as_epoch_seconds():
    raw = load("datadog/monitor_search_edge_cases.json")["monitors"][0]

    assert normalize_monitor(raw).last_triggered_at == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)


def test_a_search_result_says_nothing_of_state_changes_or_silences():
    monitor = normalize_monitor(load("datadog/monitor_search.json")["monitors"][0])
    assert (monitor.state_changed_at, monitor.silenced) == (None, None)


@pytest.mark.parametrize(
    ("extra", "silenced"),
    [
        ({"options": {"silenced": {"*": None}}}, True),
        ({"options": {"silenced": {}}, "matching_downtimes": []}, False),
        ({"options": {"silenced": {}}, "matching_downtimes": [{"id": 7, "active": True}]}, True),
        ({"options": {"notify_no_data": True}}, None),
    ],
)
def test_a_full_monitor_gives_its_state_change_and_whether_it_is_silenced(extra, silenced):
    raw = {"id": 5, "status": "Alert", "overall_state_modified": "2026-03-08T01:30:00-05:00"}
    monitor = normalize_monitor({**raw, **extra})
    assert monitor.state_changed_at == datetime(2026, 3, 8, 6, 30, tzinfo=UTC)
    assert monitor.silenced is silenced


@pytest.mark.parametrize(
    "raw",
    [
        {"name": "no id"},
        {"id": "abc"},
        {"id": 1, "last_triggered_ts": "soon"},
        {"id": 1, "overall_state_modified": "yesterday"},
        [],
    ],
)
def test_it_rejects_a_monitor_it_cannot_read(raw):
    with pytest.raises(BadPayload, match="Datadog sent a response we could not read"):
        normalize_monitor(raw)


@pytest.mark.parametrize(
    ("api_url", "expected"),
    [
        ("https://api.datadoghq.com", "https://app.datadoghq.com"),
        ("https://api.us3.datadoghq.com/", "https://us3.datadoghq.com"),
        ("https://api.datadoghq.eu", "https://app.datadoghq.eu"),
        ("https://api.ddog-gov.com", "https://app.ddog-gov.com"),
        ("http://127.0.0.1:8125", "http://127.0.0.1:8125"),
    ],
)
def test_it_links_monitors_to_the_right_site(api_url, expected):
    assert app_url(api_url) == expected


# Fetch


def test_it_keeps_monitors_in_alert_warn_or_no_data(sandbox):
    sandbox.script(SEARCH, Reply(200, load("datadog/monitor_search_edge_cases.json")))
    config = make_config(sandbox)

    stream = iter_monitors(build_client(config), config)

    assert isinstance(stream, types.GeneratorType)
    monitors = list(stream)
    assert [(m.id, m.status) for m in monitors] == [
        (1001, "Alert"),
        (1002, "Warn"),
        (1003, "No Data"),
        (1006, "Alert"),
    ]
    assert monitors[0].url == f"{sandbox.datadog_url}/monitors/1001"
    (request,) = sandbox.requests.records()
    assert request.headers["dd-api-key"] == sandbox.tokens.datadog_api_key
    assert request.headers["dd-application-key"] == sandbox.tokens.datadog_app_key
    assert (request.param("query"), request.param("page"), request.param("per_page")) == (
        "tag:team:vro",
        "0",
        "100",
    )


def pages_of(*pages: list[dict]):
    def reply(req) -> Reply:
        page = int(req.arg("page") or 0)
        metadata = {
            "page": page,
            "page_count": len(pages),
            "per_page": 2,
            "total_count": sum(map(len, pages)),
        }
        return Reply(
            200, {"monitors": pages[page] if page < len(pages) else [], "metadata": metadata}
        )

    return reply


def monitor(i: int, status: str = "Alert") -> dict:
    return {
        "id": i,
        "name": f"monitor {i}",
        "status": status,
        "tags": ["team:vro"],
        "last_triggered_ts": 1772951400,
    }


def test_it_pages_through_the_search_by_page_count(sandbox):
    sandbox.script(SEARCH, pages_of([monitor(1), monitor(2, "OK")], [monitor(3, "Warn")]))
    config = make_config(sandbox, page_size=2)

    assert [m.id for m in fetch(sandbox, config)] == [1, 3]
    assert [r.param("page") for r in sandbox.requests.records()] == ["0", "1"]


def test_an_empty_page_before_the_last_is_an_incomplete_listing(sandbox):
    # Carrying on would let the sync mark the monitors it never saw as recovered.
    sandbox.script(SEARCH, pages_of([monitor(1), monitor(2, "OK")], [], [monitor(3, "Warn")]))
    with pytest.raises(BadPayload, match="empty page 2 of 3"):
        list(fetch(sandbox, make_config(sandbox, page_size=2)))


def test_it_stops_on_a_short_page_without_metadata(sandbox):
    sandbox.script(SEARCH, Reply(200, {"monitors": [monitor(1)]}))

    assert [m.id for m in fetch(sandbox, make_config(sandbox, page_size=2))] == [1]
    assert sandbox.requests.count() == 1


def test_a_monitor_with_an_odd_field_type_does_not_fail_the_page(sandbox):
    odd = monitor(2) | {
        "type": "a type this client does not know",
        "classification": 42,
        "org_id": "x",
    }
    sandbox.script(
        SEARCH, Reply(200, {"monitors": [monitor(1), odd], "metadata": {"page_count": 1}})
    )

    assert [m.id for m in fetch(sandbox)] == [1, 2]


# Faults


def test_it_reports_rejected_keys(sandbox):
    with pytest.raises(
        AuthError, match=r"Datadog refused access with this API or application key \(403\)"
    ):
        fetch(sandbox, make_config(sandbox, app_key="revoked"))
    assert sandbox.requests.count() == 1


def test_it_reports_an_unauthorized_key(sandbox):
    sandbox.script(SEARCH, Reply(401, {"errors": ["Unauthorized"]}))

    with pytest.raises(AuthError) as caught:
        fetch(sandbox)

    assert str(caught.value) == "Datadog rejected the API or application key (401)"


def test_it_retries_a_server_error_a_bounded_number_of_times(sandbox, waits):
    sandbox.script(SEARCH, Reply(500, {"errors": ["Internal Server Error"]}))

    with pytest.raises(Unavailable, match=r"Datadog is having trouble \(HTTP 500\)"):
        fetch(sandbox)

    assert sandbox.requests.count() == FAST.max_retries + 1
    assert waits == [0.01, 0.02]


def test_it_recovers_when_a_retry_succeeds(sandbox):
    sandbox.script(
        SEARCH,
        Reply(503),
        Reply(200, {"monitors": [monitor(1)], "metadata": {"page_count": 1}}),
    )

    assert [m.id for m in fetch(sandbox)] == [1]
    assert sandbox.requests.count() == 2


def test_a_429_asking_for_one_second_is_retried_after_it(sandbox, waits):
    sandbox.script(
        SEARCH,
        Reply(429, {"errors": ["Rate limit exceeded"]}, {"X-RateLimit-Reset": "1"}),
        Reply(200, {"monitors": [monitor(1)], "metadata": {"page_count": 1}}),
    )

    assert [m.id for m in fetch(sandbox)] == [1]
    assert waits == [1]
    assert sandbox.requests.count() == 2


def test_it_waits_for_the_rate_limit_reset_then_reports_rate_limited(sandbox, waits):
    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1"}
    sandbox.script(SEARCH, Reply(429, {"errors": ["Rate limit exceeded"]}, headers))
    config = make_config(sandbox, limits=replace(FAST, max_retries=1))

    with pytest.raises(RateLimited) as caught:
        fetch(sandbox, config)

    assert str(caught.value) == "Datadog is rate limiting us; retry after 1 s"
    assert sandbox.requests.count() == 2
    assert waits == [1]


def test_a_permanent_429_asking_for_an_hour_ends_at_once(sandbox, waits):
    sandbox.script(
        SEARCH,
        Reply(429, {"errors": ["Rate limit exceeded"]}, {"X-RateLimit-Reset": "3600"}),
    )

    with pytest.raises(RateLimited) as caught:
        fetch(sandbox)

    assert caught.value.retry_after == 3600
    assert sandbox.requests.count() == 1
    assert waits == []


def test_a_permanent_429_without_a_reset_ends_after_the_retries(sandbox, waits):
    sandbox.script(SEARCH, Reply(429, {"errors": ["Rate limit exceeded"]}))

    with pytest.raises(RateLimited, match="retry later"):
        fetch(sandbox)

    assert sandbox.requests.count() == FAST.max_retries + 1
    assert waits == [0.01, 0.02]


@pytest.mark.parametrize(
    "body",
    ['{"monitors": [', "<html>oops</html>", '{"metadata": {}}'],
    ids=["truncated", "html", "no-list"],
)
def test_it_reports_a_malformed_payload(sandbox, body):
    sandbox.script(SEARCH, Reply(200, body))

    with pytest.raises(BadPayload, match="Datadog sent a response we could not read"):
        fetch(sandbox)


def test_it_reports_a_slow_upstream_as_unavailable(sandbox, waits):
    sandbox.script(SEARCH, Reply(200, {"monitors": []}, delay=1.5))
    config = make_config(sandbox, limits=replace(FAST, timeout_seconds=0.2, max_retries=1))

    with pytest.raises(Unavailable) as caught:
        fetch(sandbox, config)

    assert str(caught.value) == "Datadog did not answer within 0.2 s"
    assert sandbox.requests.count() == 2
    assert waits == [0.01]


def test_it_reports_a_refused_connection_as_unavailable(sandbox, closed_port_url):
    with pytest.raises(Unavailable, match="Datadog could not be reached"):
        fetch(sandbox, make_config(sandbox, api_url=closed_port_url))


def test_it_is_not_configured_without_both_keys(settings):
    settings.DATADOG_API_KEY, settings.DATADOG_APP_KEY = "api", ""

    assert datadog.config_from_settings() is None


def test_it_builds_its_config_from_settings(settings):
    settings.DATADOG_API_KEY, settings.DATADOG_APP_KEY = "api", "app"
    settings.DATADOG_API_URL = "https://api.ddog-gov.com"
    settings.DATADOG_MONITOR_QUERY = "tag:team:vro"
    settings.UPSTREAM_MAX_RETRIES = 2

    config = datadog.config_from_settings()

    assert config is not None and config.query == "tag:team:vro"
    configuration = build_client(config).configuration
    assert configuration.host == "https://api.ddog-gov.com"
    assert configuration.enable_retry and configuration.max_retries == 2
    assert configuration.retry_policy.total == 2
    assert configuration.check_return_type is False


# Metric queries

# A `/api/v1/query` answer built from the spec's examples (MetricsQueryMetadata,
# MetricsQueryUnit), with a null value, as Datadog sends for an empty rollup bucket.
QUERY_ANSWER = {
    "status": "ok",
    "res_type": "time_series",
    "resp_version": 1,
    "query": "system.cpu.idle{host:foo,env:test}",
    "from_date": 1681683240000,
    "to_date": 1681683420000,
    "group_by": [],
    "message": "",
    "series": [
        {
            "aggr": "avg",
            "display_name": "system.cpu.idle",
            "end": 1681683419000,
            "expression": "system.cpu.idle{host:foo,env:test}",
            "interval": 60,
            "length": 3,
            "metric": "system.cpu.idle",
            "pointlist": [
                [1681683240000.0, 80.5],
                [1681683300000.0, 77.62145685254418],
                [1681683360000.0, None],
            ],
            "query_index": 0,
            "scope": "host:foo,env:test",
            "start": 1681683240000,
            "tag_set": [],
            "unit": [
                {
                    "family": "time",
                    "name": "minute",
                    "plural": "minutes",
                    "scale_factor": 60.0,
                    "short_name": "min",
                },
                None,
            ],
        }
    ],
}


def test_it_normalizes_a_query_answer_shaped_like_the_spec():
    series = datadog.normalize_query_response(QUERY_ANSWER, query="q")
    assert series.points == (
        (datetime(2023, 4, 16, 22, 14, tzinfo=UTC), 80.5),
        (datetime(2023, 4, 16, 22, 15, tzinfo=UTC), 77.62145685254418),
        (datetime(2023, 4, 16, 22, 16, tzinfo=UTC), None),
    )
    assert (series.interval_seconds, series.unit, series.series_count) == (60, "min", 1)


def test_a_metric_that_does_not_exist_is_no_points_not_an_error():
    series = datadog.normalize_query_response({**QUERY_ANSWER, "series": []}, query="q")
    assert series.points == () and series.series_count == 0


@pytest.mark.parametrize(
    "series",
    [
        {"pointlist": [[1681683240000.0]]},
        {"pointlist": [["yesterday", 1.0]]},
        {"pointlist": [[1681683240000.0, "fast"]]},
        {"pointlist": {"a": 1}},
    ],
)
def test_it_rejects_points_it_cannot_read(series):
    with pytest.raises(BadPayload):
        datadog.normalize_query_response({**QUERY_ANSWER, "series": [series]}, query="q")


def test_it_reads_a_partner_series_from_the_sandbox_and_relays_a_bad_query(sandbox):
    config = make_config(sandbox)
    client = build_client(config)
    until = sandbox.now()
    series = datadog.query_series(
        client,
        config,
        "p95:trace.http.request.duration{service:cc-app}",
        since=until - timedelta(hours=3),
        until=until,
    )
    # Three hours at Datadog's one-minute rollup, up to the sandbox's now.
    assert series.unit == "s" and series.interval_seconds == 60 and len(series.points) == 181
    with pytest.raises(datadog_errors.UpstreamError) as error:
        datadog.query_series(
            client,
            config,
            "p95:trace{service:cc-app",
            since=until - timedelta(hours=1),
            until=until,
        )
    assert error.value.status == 400
    assert "Error parsing query" in error.value.message
