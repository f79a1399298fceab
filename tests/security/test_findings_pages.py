"""The findings pages: the list and its filters and counts, a finding's page and its
remediation forms, entering one by hand, the admin; bounded queries at 50,000 findings."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rotations.models import Engineer
from security import findings
from security.models import Finding, FindingEvent, SlaPolicy
from tests.clock import NOW


@pytest.fixture
def member(member):
    """The login is one of the team's engineers: it does the team's daily work."""
    Engineer.objects.create(name="Morgan Member", user=member)
    return member


pytestmark = pytest.mark.django_db


@pytest.fixture
def logged_in(client, member, at_now):
    client.force_login(member)
    return client


@pytest.fixture
def make_finding(db):
    numbers = iter(range(1, 1_000_000))

    def make(title: str = "libexpat: negative length parsing", **fields) -> Finding:
        fields.setdefault("source", "code_scanning")
        fields.setdefault("number", next(numbers))
        fields.setdefault("tool", "aqua")
        fields.setdefault("severity", "high")
        fields.setdefault("upstream_severity", fields["severity"])
        fields.setdefault("first_seen_at", NOW - timedelta(days=5))
        fields.setdefault("upstream_state", "open")
        fields.setdefault(
            "sla_due_at",
            findings.sla_due(
                fields["first_seen_at"],
                fields["severity"],
                SlaPolicy.current().rules(),
                exception_expires=fields.get("exception_expires_at"),
            ),
        )
        return Finding.objects.create(title=title, **fields)

    return make


def row_of(body: str, text: str) -> str:
    start = body.index(text)
    return body[body.rindex("<tr", 0, start) : body.index("</tr>", start)]


def test_it_requires_login(client):
    response = client.get(reverse("finding-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_list_shows_the_most_urgent_first_and_highlights_overdue(logged_in, make_finding):
    make_finding("due later", severity="low", package="jinja2", version="3.1.3")
    make_finding("overdue one", severity="critical", first_seen_at=NOW - timedelta(days=20))
    make_finding("nobody rated", severity="unrated", tool="other")
    make_finding("fixed one", closed_at=NOW - timedelta(days=1), closed_reason="fixed")
    body = logged_in.get(reverse("finding-list")).content.decode()
    positions = [body.index(t) for t in ("overdue one", "due later", "nobody rated")]
    assert positions == sorted(positions)
    assert "fixed one" not in body  # closed ones only when asked for
    assert 'class="overdue"' in row_of(body, "overdue one")
    assert "overdue" not in row_of(body, "due later").replace("due later", "")
    assert "unrated: no SLA" in row_of(body, "nobody rated")
    assert "jinja2" in row_of(body, "due later") and "3.1.3" in row_of(body, "due later")
    assert "20 d" in row_of(body, "overdue one")


def test_the_due_date_is_shown_as_a_local_date(logged_in, make_finding):
    # first seen 22:30 EST on Mar 1 (03:30Z on Mar 2): due 22:30 EDT on Mar 16, a local date
    first_seen = datetime(2026, 3, 2, 3, 30, tzinfo=UTC)
    make_finding("late evening", severity="critical", first_seen_at=first_seen)
    body = logged_in.get(reverse("finding-list")).content.decode()
    assert "Mar 16, 2026" in row_of(body, "late evening")
    assert "Mar 1, 2026" in row_of(body, "late evening")


def test_counts_link_to_the_findings_behind_them(logged_in, make_finding):
    make_finding("a", severity="critical", first_seen_at=NOW - timedelta(days=20))
    make_finding("b", severity="unrated", tool="snyk")
    make_finding(
        "c",
        exception_granted_at=NOW - timedelta(days=1),
        exception_expires_at=NOW + timedelta(days=5),
        first_seen_at=NOW - timedelta(days=40),
    )
    response = logged_in.get(reverse("finding-list"))
    counts = response.context["counts"]
    assert (counts.unresolved, counts.overdue, counts.excepted, counts.unrated) == (3, 1, 1, 1)
    assert counts.by_severity == {"critical": 1, "high": 1, "medium": 0, "low": 0}
    body = response.content.decode()
    assert f'href="{reverse("finding-list")}?overdue=yes"' in body
    overdue = logged_in.get(reverse("finding-list"), {"overdue": "yes"}).content.decode()
    assert ">CS-1 a<" in overdue and ">CS-3 c<" not in overdue  # excepted: not overdue
    unrated = logged_in.get(reverse("finding-list"), {"severity": "unrated"}).context["page"]
    assert [f.title for f in unrated] == ["b"]
    excepted = logged_in.get(reverse("finding-list"), {"state": "excepted"}).context["page"]
    assert [f.title for f in excepted] == ["c"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"tool": "snyk"}, ["snyk one"]),
        ({"state": "closed"}, ["closed one"]),
        ({"state": "all", "severity": "low"}, ["closed one"]),
        ({"overdue": "soon"}, ["due soon"]),
        ({"source": "dependabot"}, ["due soon"]),
    ],
)
def test_filters(logged_in, make_finding, params, expected):
    make_finding("snyk one", tool="snyk", first_seen_at=NOW - timedelta(days=1))
    make_finding(
        "due soon",
        source="dependabot",
        tool="dependabot",
        first_seen_at=NOW - timedelta(days=27),
    )
    make_finding("closed one", severity="low", closed_at=NOW, closed_reason="dismissed")
    page = logged_in.get(reverse("finding-list"), params).context["page"]
    assert [f.title for f in page] == expected


def test_an_unknown_filter_is_named_and_ignored(logged_in, make_finding):
    make_finding()
    response = logged_in.get(reverse("finding-list"), {"severity": "urgent", "tool": "<b>x"})
    body = response.content.decode()
    assert "Unknown severity &#x27;urgent&#x27;" in body and "<b>x" not in body
    assert len(response.context["page"]) == 1


def test_external_text_is_escaped(logged_in, make_finding):
    make_finding("<script>alert(1)</script>", package="<img src=x>")
    body = logged_in.get(reverse("finding-list")).content.decode()
    assert "<script>alert(1)" not in body and "<img src=x>" not in body


def test_it_says_when_there_is_nothing(logged_in):
    body = logged_in.get(reverse("finding-list")).content.decode()
    assert "No open findings" in body
    assert "GitHub is not configured" in body


def test_pages_keep_the_filters(logged_in, make_finding):
    for n in range(55):
        make_finding(f"f{n}", tool="snyk")
    body = logged_in.get(reverse("finding-list"), {"tool": "snyk"}).content.decode()
    assert "?page=2&amp;tool=snyk" in body


def findings_at_random(count: int, *, seed: int, start: int) -> list[Finding]:
    """Findings of every tool, severity and state, first seen over three years."""
    rng = random.Random(seed)
    rows = []
    for n in range(count):
        severity = rng.choice([*findings.SEVERITIES, "unrated"])
        first_seen = NOW - timedelta(minutes=rng.randrange(0, 3 * 365 * 24 * 60))
        closed = first_seen + timedelta(days=rng.randrange(1, 200)) if n % 3 == 0 else None
        closed = closed if closed and closed < NOW else None
        rows.append(
            Finding(
                source=rng.choice(["code_scanning", "dependabot"]),
                number=start + n,
                tool=rng.choice(["snyk", "aqua", "dependabot", "other"]),
                title=f"finding {start + n}",
                severity=severity,
                upstream_severity=severity,
                first_seen_at=first_seen,
                closed_at=closed,
                closed_reason="fixed" if closed else "",
                sla_due_at=findings.sla_due(first_seen, severity, findings.Sla()),
            )
        )
    return rows


def test_the_pages_answer_in_the_same_number_of_queries_at_50000_findings(
    logged_in, make_finding, django_assert_num_queries
):
    first = make_finding("the first")
    Finding.objects.bulk_create(findings_at_random(500, seed=1, start=10))
    url = reverse("finding-list")
    pages = [
        (url, {"tool": "aqua"}),
        (url, {}),
        (url, {"overdue": "yes", "page": "2"}),
        (url, {"state": "closed"}),
        (reverse("finding-detail", args=[first.pk]), {}),
    ]
    logged_in.get(url)  # warm: the session, the policy row
    few = []
    for path, params in pages:
        with CaptureQueriesContext(connection) as queries:
            logged_in.get(path, params)
        few.append(len(queries.captured_queries))
    Finding.objects.bulk_create(findings_at_random(49_500, seed=2, start=1000), batch_size=5000)
    FindingEvent.objects.bulk_create(
        FindingEvent(finding=first, kind="upgrade", at=NOW, pull_request=f"#{n}") for n in range(20)
    )
    assert Finding.objects.count() == 50_001
    for (path, params), count in zip(pages, few, strict=True):
        with django_assert_num_queries(count):
            response = logged_in.get(path, params)
        assert response.status_code == 200
    assert response.context["history"][-1].pull_request == "#19"


# A finding's page and its forms


def test_the_detail_page_shows_the_history_with_who_and_when(logged_in, make_finding, member):
    finding = make_finding(html_url="https://github.com/o/r/security/code-scanning/1")
    FindingEvent.objects.create(finding=finding, kind="closed", at=NOW - timedelta(days=1))
    FindingEvent.objects.create(
        finding=finding, kind="upgrade", at=NOW, user=member, pull_request="#812"
    )
    body = logged_in.get(reverse("finding-detail", args=[finding.pk])).content.decode()
    assert "#812" in body and "member" in body and "GitHub code scanning" in body
    assert 'href="https://github.com/o/r/security/code-scanning/1"' in body


def test_it_answers_404_for_an_unknown_finding(logged_in):
    assert logged_in.get(reverse("finding-detail", args=[999])).status_code == 404


def post(client, name: str, finding: Finding, **data):
    fields = {f"{name}-{k}": v for k, v in data.items()}
    return client.post(reverse(f"finding-{URLS[name]}", args=[finding.pk]), fields)


URLS = {
    "upgrade": "upgrade",
    "request": "exception-request",
    "grant": "exception-grant",
    "escalate": "escalate",
    "rate": "rate",
    "close": "close",
}


def test_an_upgrade_is_recorded_with_its_pr(logged_in, make_finding):
    finding = make_finding()
    response = post(logged_in, "upgrade", finding, pull_request="812", note="3.1.3 → 3.1.4")
    assert response.status_code == 302
    event = finding.events.get()
    assert (event.kind, event.pull_request, event.user.username) == ("upgrade", "#812", "member")
    url = "https://github.com/example-org/benefits-platform/pull/812"
    post(logged_in, "upgrade", finding, pull_request=url)
    assert finding.events.last().pull_request == url


@pytest.mark.parametrize("value", ["", "javascript:alert(1)", "PR 12"])
def test_a_bad_pr_is_refused_in_words(logged_in, make_finding, value):
    finding = make_finding()
    response = post(logged_in, "upgrade", finding, pull_request=value)
    assert response.status_code == 400
    body = response.content.decode()
    assert "pull request" in body.lower() and not finding.events.exists()
    assert "<details open>" in body  # the form that failed is shown open


def test_an_exception_needs_an_expiry_date_in_the_future(logged_in, make_finding):
    finding = make_finding(first_seen_at=NOW - timedelta(days=40))
    response = post(logged_in, "grant", finding, note="risk accepted by the ISSO")
    assert response.status_code == 400
    assert "An exception needs an expiry date." in response.content.decode()
    response = post(logged_in, "grant", finding, valid_through="2026-03-10")
    assert "That date has passed" in response.content.decode()
    response = post(logged_in, "grant", finding, valid_through="31/03/2026")
    assert "Enter a date, e.g. 2026-04-30." in response.content.decode()
    assert not finding.events.exists()


def test_a_granted_exception_suspends_the_sla_until_the_end_of_its_last_day(
    logged_in, make_finding
):
    finding = make_finding(first_seen_at=NOW - timedelta(days=40))
    assert post(logged_in, "grant", finding, valid_through="2026-03-20").status_code == 302
    finding.refresh_from_db()
    assert finding.exception_expires_at == findings.exception_expiry(
        date(2026, 3, 20), SlaPolicy.current().rules().zone
    )
    body = logged_in.get(reverse("finding-list")).content.decode()
    assert "exception</span> through Mar 20, 2026" in body
    assert (
        logged_in.get(reverse("finding-list"), {"overdue": "yes"}).context["page"].paginator.count
        == 0
    )
    event = finding.events.get()
    assert (event.kind, event.expires_on) == ("exception_granted", date(2026, 3, 20))


def test_an_exception_request_needs_a_reason(logged_in, make_finding):
    finding = make_finding()
    response = post(logged_in, "request", finding, until="2026-04-30")
    assert "Say why the exception is needed." in response.content.decode()
    assert (
        post(logged_in, "request", finding, note="no fix yet", until="2026-04-30").status_code
        == 302
    )
    assert finding.events.get().kind == "exception_requested"


def test_escalation_goes_to_the_assessor_set_in_the_admin(logged_in, make_finding):
    finding = make_finding()
    response = post(logged_in, "escalate", finding, note="AWS RDS engine version")
    assert response.status_code == 400
    assert "No cloud-authorization assessor is set" in response.content.decode()
    SlaPolicy.objects.filter(pk=1).update(assessor_contact="Dana Reyes <dana@assessor.example>")
    assert post(logged_in, "escalate", finding, note="AWS RDS engine").status_code == 302
    event = finding.events.get()
    assert (event.kind, event.contact) == ("escalated", "Dana Reyes <dana@assessor.example>")


def test_rating_an_unrated_finding_gives_it_a_due_date(logged_in, make_finding):
    finding = make_finding(severity="unrated", first_seen_at=NOW - timedelta(days=20))
    assert finding.sla_due_at is None
    assert post(logged_in, "rate", finding, severity="critical").status_code == 302
    finding.refresh_from_db()
    assert finding.severity == "critical" and finding.upstream_severity == "unrated"
    assert finding.sla_due_at == NOW - timedelta(days=5)
    assert finding.events.get().note == "Unrated → Critical"


def test_a_closed_finding_takes_no_exception(logged_in, make_finding):
    finding = make_finding(closed_at=NOW, closed_reason="fixed")
    response = post(logged_in, "grant", finding, valid_through="2026-04-30")
    assert response.status_code == 400
    assert "is fixed: there is nothing to except" in response.content.decode()


# Entering a finding by hand


def entry(**changes) -> dict:
    data = {
        "title": "openssl: X.509 name check DoS (Aqua console)",
        "severity": "high",
        "package": "openssl",
        "version": "3.0.13-1~deb12u1",
        "fixed_version": "3.0.14-1~deb12u2",
        "location": "ghcr.io/example-org/svc-bgs-api:1.4.2",
        "first_seen_at": "2026-03-02T09:15",
        "tool_name": "Aqua console",
        "rule_id": "CVE-2024-6119",
    }
    return {**data, **changes}


def test_a_finding_entered_by_hand_is_numbered_and_on_the_list(logged_in):
    response = logged_in.post(reverse("finding-new"), entry())
    finding = Finding.objects.get()
    assert response["Location"] == reverse("finding-detail", args=[finding.pk])
    assert (finding.label, finding.tool, finding.severity) == ("M-1", "manual", "high")
    assert finding.sla_due_at == findings.sla_due(
        finding.first_seen_at, "high", SlaPolicy.current().rules()
    )
    assert finding.events.get().kind == "entered"
    logged_in.post(reverse("finding-new"), entry(title="second"))
    assert Finding.objects.get(title="second").label == "M-2"


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"severity": ""}, "Choose a severity (or unrated, to rate it later)."),
        ({"severity": "urgent"}, "Select a valid choice."),
        ({"package": ""}, "Give the package the finding is about."),
        ({"package": "lib expat"}, "A package name has no spaces"),
        ({"first_seen_at": "2026-03-12T09:00"}, "First seen cannot be in the future."),
        ({"first_seen_at": "1999-12-31T09:00"}, "too far back"),
        ({"first_seen_at": "yesterday"}, "Enter a date and time"),
        ({"fixed_version": "3.0.13-1~deb12u1"}, "The fixed version is the installed one"),
        ({"version": "3.0;rm -rf"}, "Give a version such as"),
        ({"html_url": "javascript:alert(1)"}, "Enter a valid URL."),
    ],
)
def test_entering_validates_severity_package_and_dates(logged_in, changes, error):
    response = logged_in.post(reverse("finding-new"), entry(**changes))
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Finding.objects.exists()


def test_a_finding_entered_by_hand_is_closed_by_hand(logged_in):
    logged_in.post(reverse("finding-new"), entry())
    finding = Finding.objects.get()
    response = post(logged_in, "close", finding, reason="fixed", at="2026-03-11T10:00")
    assert response.status_code == 302
    finding.refresh_from_db()
    assert finding.closed_reason == "fixed" and finding.closed_at is not None
    synced = Finding.objects.create(
        source="code_scanning", number=1, tool="snyk", title="x", first_seen_at=NOW
    )
    response = post(logged_in, "close", synced, reason="fixed", at="2026-03-11T10:00")
    assert "closes when GitHub code scanning reports it" in response.content.decode()


# Admin


def test_the_admin_lists_findings_and_saving_the_policy_moves_due_dates(
    admin_client, make_finding, at_now
):
    finding = make_finding(severity="critical", first_seen_at=NOW - timedelta(days=10))
    assert admin_client.get(reverse("admin:security_finding_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:security_findingevent_changelist")).status_code == 200
    policy = SlaPolicy.current()
    response = admin_client.get(reverse("admin:security_slapolicy_changelist"))
    assert "Add SLA policy" not in response.content.decode()  # one row only
    data = {
        "critical_days": 7,
        "high_days": 30,
        "medium_days": 90,
        "low_days": 180,
        "restart_after_exception": "on",
        "assessor_contact": "Dana Reyes",
    }
    response = admin_client.post(
        reverse("admin:security_slapolicy_change", args=[policy.pk]), data, follow=True
    )
    assert "Due dates recomputed: 1 finding(s) moved." in response.content.decode()
    finding.refresh_from_db()
    # 7 calendar days from Mar 1 (EST) is Mar 8 at the same local time (EDT)
    assert finding.sla_due_at == NOW - timedelta(days=3, hours=1)


def test_the_figures_are_kept_until_a_write_or_the_next_minute(
    logged_in, make_finding, settings, time_machine
):
    from django.core.cache import cache

    from oncall_site import data_version

    settings.PAGE_CACHE_SECONDS = 120
    cache.clear()
    make_finding("a", severity="critical")
    assert logged_in.get(reverse("finding-list")).context["counts"].unresolved == 1
    make_finding("b")  # its commit would raise the data version; a test's never commits
    kept_counts = logged_in.get(reverse("finding-list")).context["counts"]
    assert kept_counts.unresolved == 1
    data_version.bump()
    assert logged_in.get(reverse("finding-list")).context["counts"].unresolved == 2
    # The SLA clocks run on: a finding due in 30 seconds is overdue in the next minute.
    make_finding("c", severity="low", sla_due_at=NOW + timedelta(seconds=30))
    data_version.bump()
    assert logged_in.get(reverse("finding-list")).context["counts"].overdue == 0
    time_machine.move_to(NOW + timedelta(minutes=1))
    assert logged_in.get(reverse("finding-list")).context["counts"].overdue == 1
