"""400, never 500: hostile query parameters on every page and API, hostile webhook bodies.

Every query parameter a view reads (found in the source, so a new one without a row in
`QUERY_PARAMS` fails here) gets numbers past SQLite's 64 bits, years 1 and 9999 with an
offset, NUL, 3,000 characters and random text; every path number gets one past 64 bits;
each webhook gets bodies nested 10,000 deep, wrong JSON types at every field, out-of-range
numbers and dates, and a non-numeric signature timestamp. Each answer is below 500, and a
refusal (400) says why in words.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import re
import time
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from incidents.models import Incident, Source, State
from rotations.models import Engineer
from tests.incidents.conftest import fixture, pagerduty_signature, teams  # noqa: F401 - a fixture

ROOT = Path(__file__).resolve().parent.parent
APPS = ("incidents", "rotations", "security", "releases", "reports", "oncall_site")

# Every page and API answering GET without path arguments, with the parameters it reads.
QUERY_PARAMS: dict[str, tuple[str, ...]] = {
    "dashboard": (),
    "dashboard-needs": (),
    "api-summary": (),
    "api-oncall": (),
    "rotations": ("page",),
    "calendar-settings": (),
    "incident-list": (
        "page",
        "state",
        "severity",
        "source",
        "acknowledged",
        "ticket",
        "review",
        "team",
        "impacted",
        "sprint",
        "since",
        "until",
        "impact_since",
        "impact_until",
    ),
    "incident-new": (),
    "incident-metrics": ("since", "until", "sprint"),
    "alert-list": ("page",),
    "api-metrics": ("since", "until", "sprint", "as_of"),
    "security-secrel": ("branch", "event", "conclusion", "since", "until", "page"),
    "dependabot-queue": ("ready", "attention", "waiting"),
    "dependabot-closed": ("sprint", "outcome", "page"),
    "finding-list": (
        "tool",
        "severity",
        "state",
        "overdue",
        "source",
        "window",
        "since",
        "until",
        "page",
    ),
    "finding-new": (),
    "deploy-queue": (),
    "deploy-request-new": (),
    "deployment-list": ("environment", "ids", "since", "until", "page"),
    "deployment-new": (),
    "releases": ("page",),
    "api-releases": ("since", "until", "page"),
    "reports:index": ("page",),
    "login": ("next",),
}
# Pages with a path argument that read parameters too.
PATH_QUERY_PARAMS = {"reports:sprint": ("format", "paper"), "engineer-history": ("page",)}
NOT_PAGES = {"healthz", "logout", "webhook-pagerduty", "webhook-slack-incident-report"}

HUGE = "99999999999999999999"
HOSTILE = [
    HUGE,
    "-" + HUGE,
    "9223372036854775808",  # 2**63: one past SQLite's integer
    "1e309",
    "nan",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31",
    "0001-01-01",
    "2026-02-30",
    "2026-03-08T02:30:00",  # a local time that does not exist (spring forward)
    "\x00",
    "a\x00b\x1b[2J",
    "x" * 3000,
    "-1",
    "0",
    f"1,{HUGE},2",
    "[]",
    "{}",
    "‮gnp.exe",
]


def read_parameters() -> set[str]:
    """The query parameters the views read, found in their source."""
    pattern = re.compile(r"""(?:GET|params|query)(?:\.get\(|\[)"(\w+)"|_choice\(params, "(\w+)\"""")
    names: set[str] = set()
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or "management" in path.parts:
                continue
            for match in pattern.finditer(path.read_text()):
                names.add(match.group(1) or match.group(2))
    return names - {"date_range"}  # the admin's own filter, not a page's


def patterns(resolver: URLResolver | None = None, namespace: str = ""):
    """(name, path converters) of every named URL but the admin's."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            if "admin" in str(entry.pattern):
                continue
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            for name, converters in patterns(entry, inner):
                yield name, {**entry.pattern.converters, **converters}
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace + entry.name, entry.pattern.converters


def test_every_parameter_a_view_reads_is_fuzzed():
    fuzzed = {p for params in (*QUERY_PARAMS.values(), *PATH_QUERY_PARAMS.values()) for p in params}
    fuzzed |= {"mine"}  # the calendar feed's, fuzzed below with the feed
    assert read_parameters() - fuzzed == set()


def test_every_page_is_in_the_table():
    bare = {name for name, converters in patterns() if not converters}
    assert bare - NOT_PAGES - {"calendar-feed"} == set(QUERY_PARAMS)


def assert_refused_in_words(response, where: str) -> None:
    assert response.status_code < 500, where
    if response.status_code == 400:
        text = response.content.decode()
        assert re.search(r"[A-Za-z]{3,} [a-z]{2,}", re.sub(r"<[^>]+>", " ", text)), where


@pytest.mark.django_db
def test_no_query_parameter_makes_a_page_fail(client, lead, demo_team):
    client.force_login(lead)
    for name, params in QUERY_PARAMS.items():
        url = reverse(name)
        for param in params:
            for value in HOSTILE:
                response = client.get(url, {param: value})
                assert_refused_in_words(response, f"{url}?{param}={value[:30]!r}")


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_any_mix_of_parameters_answers_below_500(client, lead, demo_team, data):
    client.force_login(lead)
    name = data.draw(st.sampled_from([n for n, p in QUERY_PARAMS.items() if p]))
    value = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=40), st.integers().map(str))
    query = data.draw(st.dictionaries(st.sampled_from(QUERY_PARAMS[name]), value, min_size=1))
    assert_refused_in_words(client.get(reverse(name), query), f"{name} {query!r}")


@pytest.mark.django_db
def test_a_path_number_past_64_bits_is_not_found(client, lead):
    client.force_login(lead)
    for name, converters in patterns():
        if not converters:
            continue
        kwargs = {
            key: int(HUGE) if type(c).__name__ == "IntConverter" else "x"
            for key, c in converters.items()
        }
        url = reverse(name, kwargs=kwargs)
        for verb in ("get", "post"):
            response = getattr(client, verb)(url, {"done": "1", "format": "json", "mine": "1"})
            assert response.status_code < 500, (verb, url)


@pytest.mark.django_db
def test_a_sprint_report_and_the_feed_take_hostile_parameters(client, lead, demo_team):
    client.force_login(lead)
    feed = client.post(reverse("calendar-settings")).context["feed_url"]
    for value in HOSTILE:
        assert client.get(feed, {"mine": value}).status_code == 200
        for param in PATH_QUERY_PARAMS["reports:sprint"]:
            response = client.get(reverse("reports:sprint", args=[1]), {param: value})
            assert response.status_code < 500, (param, value)
        assert client.get(reverse("engineer-history", args=[1]), {"page": value}).status_code < 500


# Webhook bodies

PD_SECRET = "pd-webhook-secret-for-tests"
SLACK_SECRET = "slack-signing-secret-for-tests"


@pytest.fixture
def secrets_set(settings):
    settings.PAGERDUTY_WEBHOOK_SECRET = PD_SECRET
    settings.SLACK_SIGNING_SECRET = SLACK_SECRET


def post_pagerduty(client, body: bytes):
    return client.post(
        reverse("webhook-pagerduty"),
        body,
        content_type="application/json",
        HTTP_X_PAGERDUTY_SIGNATURE=pagerduty_signature(body, PD_SECRET),
    )


def post_slack(client, body: bytes, timestamp: str | None = None):
    ts = timestamp if timestamp is not None else str(int(time.time()))
    base = b"v0:" + ts.encode("utf-8", "replace") + b":" + body
    signature = "v0=" + hmac.new(SLACK_SECRET.encode(), base, hashlib.sha256).hexdigest()
    return client.post(
        reverse("webhook-slack-incident-report"),
        body,
        content_type="application/json",
        HTTP_X_SLACK_REQUEST_TIMESTAMP=ts,
        HTTP_X_SLACK_SIGNATURE=signature,
    )


def refused_json(response, where: str) -> None:
    assert response.status_code < 500, where
    if response.status_code >= 400:
        assert response.json()["detail"], where


HOSTILE_JSON: list[Any] = [
    None,
    True,
    2**64,
    -(2**63) - 1,
    1e308,
    "",
    "\x00\x1b",
    "x" * 100_000,
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    [],
    [1, "two"],
    {},
    {"id": {"nested": []}},
]


def leaves(value: Any, path: tuple = ()):
    """Every path into a JSON document, parents before children."""
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))


def replaced(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    copied = copy.deepcopy(document)
    target = copied
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return copied


def nested(depth: int) -> bytes:
    return b'{"event": ' + b"[" * depth + b"]" * depth + b"}"


@pytest.mark.django_db
@pytest.mark.usefixtures("teams")
def test_a_webhook_body_nested_10000_deep_is_refused_in_words(client, secrets_set):
    response = post_pagerduty(client, nested(10_000))
    assert response.status_code == 400 and "nested too deep" in response.json()["detail"]
    response = post_slack(client, b'{"report_id": ' + b"[" * 10_000 + b"]" * 10_000 + b"}")
    assert response.status_code == 400 and "nested too deep" in response.json()["detail"]
    assert not Incident.objects.exists()


@pytest.mark.django_db
@pytest.mark.usefixtures("teams")
@pytest.mark.parametrize(
    "name",
    [
        "pagerduty_incident_triggered.json",
        "pagerduty_incident_annotated.json",
        "slack_incident_report.json",
    ],
)
def test_wrong_types_and_ranges_at_every_field_answer_below_500(client, secrets_set, name):
    document = fixture(name)
    post = post_slack if name.startswith("slack") else post_pagerduty
    if name == "pagerduty_incident_annotated.json":
        post_pagerduty(client, json.dumps(fixture("pagerduty_incident_triggered.json")).encode())
    for path in leaves(document):
        for value in HOSTILE_JSON:
            body = replaced(document, path, value)
            if "slack" in name and isinstance(body, dict):
                body["report_id"] = f"{path}-{value!r}"[:60]  # each one a new report
            refused_json(post(client, json.dumps(body).encode()), f"{name} {path} = {value!r:.40}")
    for incident in Incident.objects.all():
        assert 1900 <= incident.started_at.year < 3000
        assert incident.number is None or incident.number < 2**31


@pytest.mark.django_db
@pytest.mark.parametrize(
    "timestamp", ["abc", "", "１２３", "1e9", "-1", "9" * 400, "\x00", "12.5", " 1 2 "]
)
def test_a_non_numeric_signature_timestamp_is_refused_in_words(client, secrets_set, timestamp):
    body = json.dumps(fixture("slack_incident_report.json")).encode()
    response = post_slack(client, body, timestamp=timestamp)
    assert response.status_code == 401
    assert "X-Slack-Request-Timestamp" in response.json()["detail"]


JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=30)
    | st.sampled_from(["0001-01-01T00:00:00+14:00", "incident.resolved", "incident.annotated"]),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["event", "event_type", "data", "id", "occurred_at", "report_id", "x"]),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)


@pytest.mark.django_db
@hypothesis_settings(
    max_examples=80,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=JSON)
def test_any_json_a_webhook_is_sent_answers_below_500(client, secrets_set, document):
    body = json.dumps(document).encode()
    refused_json(post_pagerduty(client, body), f"pagerduty {body[:80]!r}")
    refused_json(post_slack(client, body), f"slack {body[:80]!r}")


# The one form path that failed


@pytest.mark.django_db
@pytest.mark.usefixtures("teams")
def test_a_resolution_time_on_an_open_incident_is_refused_in_words(client, member):
    from datetime import timedelta

    from django.utils import timezone

    incident = Incident.objects.create(
        title="BIP latency", started_at=timezone.now() - timedelta(hours=1), source=Source.MANUAL
    )
    Engineer.objects.create(name="Morgan Member", user=member)  # engineers edit incidents
    client.force_login(member)
    local = timezone.localtime(timezone.now()).strftime("%Y-%m-%dT%H:%M")
    started = timezone.localtime(incident.started_at).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("incident-edit", args=[incident.pk]),
        {"edit-title": "BIP latency", "edit-started_at": started, "edit-resolved_at": local},
    )
    assert response.status_code == 400
    assert "resolve it with “Move to: resolved”" in response.content.decode()
    incident.refresh_from_db()
    assert (incident.state, incident.resolved_at) == (State.TRIGGERED, None)


# Every form


def form_fields() -> set[str]:
    """Every field of every form of the site, as posted (with the form's prefix)."""
    import incidents.forms  # noqa: F401 - the forms register as PlainTextForm subclasses
    import releases.forms  # noqa: F401
    import releases.forms_deploys  # noqa: F401
    import rotations.forms  # noqa: F401
    import security.forms  # noqa: F401
    from oncall_site.forms import PlainTextForm

    def subclasses(cls: type) -> list[type]:
        return [s for c in cls.__subclasses__() for s in (c, *subclasses(c))]

    return {
        f"{form.prefix}-{name}" if form.prefix else name
        for form in subclasses(PlainTextForm)
        for name in form.base_fields
    }


@pytest.mark.django_db
def test_every_form_answers_hostile_values_below_500(client, lead, demo_team):
    from django.utils import timezone

    from rotations.models import Sprint

    incident = Incident.objects.create(title="BIP latency", started_at=timezone.now())
    past_sprint = Sprint.objects.order_by("-number")[2].number
    fields = form_fields()
    assert {"title", "edit-resolved_at", "move-to", "primary", "services"} <= fields
    for name, converters in patterns():
        if name == "logout" or name in NOT_PAGES:
            continue
        kwargs = {
            key: {"incident_id": incident.pk, "number": past_sprint}.get(key, 1)
            if type(c).__name__ == "IntConverter"
            else "cc"
            for key, c in converters.items()
        }
        url = reverse(name, kwargs=kwargs)
        for value in HOSTILE:
            client.force_login(lead)
            response = client.post(url, dict.fromkeys(fields, value))
            assert_refused_in_words(response, f"POST {url} every field = {value[:30]!r}")


@pytest.mark.parametrize("debug", [False, True])
def test_too_many_query_parameters_answer_400_even_with_debug(lead, settings, debug):
    """Django refuses more than DATA_UPLOAD_MAX_NUMBER_FIELDS fields; DEBUG's report must
    not fail in its turn reading the same query string (a 500)."""
    settings.DEBUG = debug
    client = Client(raise_request_exception=False)
    client.force_login(lead)
    query = "&".join(f"f{i}=1" for i in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1))
    for url in ("/incidents/", "/security/findings/", "/api/v1/metrics"):
        assert client.get(f"{url}?{query}").status_code == 400, url
