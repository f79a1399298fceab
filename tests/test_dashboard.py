""" "Needs you now" on the dashboard: first on the page, most urgent first, counted in the tab
title, each line linking to the rows it stands for, in a constant number of queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from incidents.models import Incident, State
from security.models import DependabotPR, Finding
from tests.clock import NOW
from tests.incidents.conftest import add_bulk_incidents

pytestmark = pytest.mark.django_db
MIN = timedelta(minutes=1)


@pytest.fixture
def logged_in(client, member, demo_team):
    """The demo team without its demo deploy requests: each test makes what it needs."""
    from releases.deploy_models import DeployRequest

    DeployRequest.objects.all().delete()
    client.force_login(member)
    return client


def finding(n: int, *, due: timedelta, **fields) -> Finding:
    return Finding.objects.create(
        source="code_scanning",
        number=n,
        tool="snyk",
        title=f"finding {n}",
        upstream_severity="high",
        severity="high",
        first_seen_at=NOW - timedelta(days=40),
        sla_due_at=NOW + due,
        html_url="https://github.com/o/r/security/code-scanning/1",
        **fields,
    )


def section(body: str) -> str:
    return body.split('id="needs-heading"', 1)[1].split("</section>", 1)[0]


def needs_of(body: str) -> list[str]:
    return re.findall(r'<li class="need need-([a-z_]+)', section(body))


def test_it_lists_what_needs_you_first_most_urgent_first(logged_in):
    Incident.objects.create(
        title="BIP API 502s",
        started_at=NOW - 12 * MIN,
        state=State.TRIGGERED,
        severity="SEV2",
        ticket_url="https://github.com/o/r/issues/9",
    )
    finding(1, due=-timedelta(days=2))
    body = logged_in.get(reverse("dashboard")).content.decode()
    assert body.index('id="needs-heading"') < body.index('id="pair-heading"')
    assert needs_of(body) == ["triggered", "findings_overdue"]
    assert "<title>(2) Dashboard" in body
    assert "waiting 1" in body  # 12 minutes, as Django's timesince words it
    assert "1 finding past the SLA" in body


def test_with_nothing_to_do_it_says_so_and_when_it_checked(logged_in):
    body = logged_in.get(reverse("dashboard")).content.decode()
    assert needs_of(body) == []
    assert "Nothing needs you" in body
    assert "<title>Dashboard" in body


def test_each_count_is_the_count_of_the_list_it_links_to(logged_in):
    for n in range(3):
        Incident.objects.create(
            title=f"old {n}",
            started_at=NOW - (n + 1) * 60 * MIN,
            state=State.RESOLVED,
            resolved_at=NOW - MIN,
        )
    finding(1, due=-timedelta(days=1))
    finding(2, due=-timedelta(days=9))
    finding(3, due=timedelta(days=2))
    finding(4, due=timedelta(days=30))
    body = logged_in.get(reverse("dashboard")).content.decode()
    links = dict(re.findall(r'<a href="([^"]+)">(\d+) [^<]*</a>', section(body)))
    assert sorted(links.values()) == ["1", "2", "3"]
    for url, count in links.items():
        listed = logged_in.get(url.replace("&amp;", "&")).content.decode()
        assert re.search(rf'<span class="count">{count}</span>', listed), url


def test_it_answers_in_the_same_number_of_queries_with_two_years_of_history(
    logged_in, django_assert_num_queries
):
    def volume(incidents: int, findings: int, prs: int) -> None:
        add_bulk_incidents(incidents, seed=incidents, open_every=5, impacts=0)
        start = Finding.objects.count()
        Finding.objects.bulk_create(
            Finding(
                source="code_scanning",
                number=start + n,
                tool="snyk",
                title="f",
                upstream_severity="low",
                severity="low",
                first_seen_at=NOW - timedelta(days=n % 700),
                sla_due_at=NOW + timedelta(days=n % 30 - 15),
            )
            for n in range(findings)
        )
        first = DependabotPR.objects.count()
        DependabotPR.objects.bulk_create(
            DependabotPR(
                number=first + n,
                title=f"Bump a from 1.0.{n} to 1.0.{n + 1}",
                head_sha="a" * 40,
                head_ref=f"dependabot/pip/a-{n}",
                base_ref="develop",
                opened_at=NOW - n * MIN,
                html_url="https://github.com/o/r/pull/1",
                ci_status="success",
                mergeable=True,
                open=n % 10 == 0,
                last_seen_at=NOW,
            )
            for n in range(prs)
        )

    volume(10, 10, 10)
    logged_in.get(reverse("dashboard"))
    with CaptureQueriesContext(connection) as small:
        logged_in.get(reverse("dashboard"))
    volume(5_000, 5_000, 2_000)
    with django_assert_num_queries(len(small.captured_queries)):
        body = logged_in.get(reverse("dashboard")).content.decode()
    assert needs_of(body)


def test_the_live_part_is_the_same_section_and_needs_a_login(
    client, logged_in, django_assert_max_num_queries
):
    Incident.objects.create(title="BIP API 502s", started_at=NOW - 12 * MIN)
    finding(1, due=-timedelta(days=2))
    whole = logged_in.get(reverse("dashboard")).content.decode()
    # Its own reads: incidents, alerts, tickets owed, SecRel, the queue, the findings' counts,
    # the next release with its answers, the deploy requests waiting.
    with django_assert_max_num_queries(20):
        part = logged_in.get(reverse("dashboard-needs"))
    assert part["Cache-Control"].startswith("max-age=0")
    body = part.content.decode()
    assert "<html" not in body and 'data-total="3"' in body
    assert needs_of(whole) == re.findall(r'<li class="need need-([a-z_]+)', body)
    logged_in.logout()
    assert logged_in.get(reverse("dashboard-needs")).status_code == 302


def card(body: str, heading: str) -> str:
    return body.split(f'id="{heading}"', 1)[1].split("</section>", 1)[0]


def test_the_incident_card_counts_what_its_links_list_and_this_sprints_mttr(logged_in):
    for n, severity in enumerate(("SEV2", "SEV2", "")):
        Incident.objects.create(
            title=f"open {n}",
            started_at=NOW - (n + 1) * MIN,
            state=State.ACKNOWLEDGED,
            severity=severity,
            ticket_url="https://github.com/o/r/issues/1",
        )
    for n, minutes in enumerate((30, 60)):
        Incident.objects.create(
            title=f"fixed {n}",
            started_at=NOW - 3 * 60 * MIN,
            state=State.RESOLVED,
            resolved_at=NOW - 3 * 60 * MIN + minutes * MIN,
            severity="SEV3",
        )
    body = card(logged_in.get(reverse("dashboard")).content.decode(), "incidents-heading")
    counts = re.findall(r'<a href="([^"]+)"><strong>(\d+)</strong> ([^<]+)</a>', body)
    assert [(text, n) for _, n, text in counts] == [("SEV2", "2"), ("not rated", "1")]
    for url, n, _ in counts:
        listed = logged_in.get(url.replace("&amp;", "&")).content.decode()
        assert f'<span class="count">{n}</span>' in listed, url
    this_sprint = body.split('class="current"', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r">(\d+)</a>", this_sprint)[-2:] == ["5", "2"]  # counted, resolved
    assert "45 min" in this_sprint  # the mean of 30 and 60 minutes


def test_the_alert_and_findings_cards_say_so_when_empty(logged_in):
    body = logged_in.get(reverse("dashboard")).content.decode()
    assert "No monitor is alerting." in card(body, "alerts-heading")
    assert "No open finding." in card(body, "findings-heading")
    assert "No incident is open." in card(body, "incidents-heading")


def test_capacity_names_the_secondary_and_the_next_free_engineer_past_the_threshold(logged_in):
    from oncall_site.models import CapacityPolicy
    from rotations.models import Rotation, Sprint

    rotation = Rotation.objects.get(sprint=Sprint.objects.containing(NOW.date()).get())
    night = NOW.replace(hour=4)  # 00:00 in New York, this sprint
    for n in range(2):
        Incident.objects.create(
            title=f"down {n}",
            started_at=night + n * MIN,
            state=State.ACKNOWLEDGED,
            severity="SEV1",
            source="pagerduty",
            urgency="high",
        )
    body = card(logged_in.get(reverse("dashboard")).content.decode(), "capacity-heading")
    assert "14 points; help at 12" in body  # two SEV1 (10) and two night pages (4)
    assert "overloaded" in body and f"Call {rotation.secondary.name} (secondary), then " in body
    assert "2 open SEV1 incidents: 10 points" in body and "2 night pages: 4 points" in body
    assert "0 in business hours, 0 evenings and weekends, 2 at night" in body
    CapacityPolicy.objects.create(pk=1, threshold=20)
    body = card(logged_in.get(reverse("dashboard")).content.decode(), "capacity-heading")
    assert "manageable" in body and "help at 20" in body


def test_fairness_shows_each_engineers_hours_and_out_of_hours_pages(logged_in):
    from rotations.models import Rotation, Sprint

    sprint = Sprint.objects.containing(NOW.date()).get()
    primary = Rotation.objects.get(sprint=sprint).primary
    Incident.objects.create(
        title="night page",
        started_at=NOW.replace(hour=4),
        state=State.RESOLVED,
        resolved_at=NOW.replace(hour=5),
        source="pagerduty",
        urgency="high",
    )
    body = card(logged_in.get(reverse("dashboard")).content.decode(), "capacity-heading")
    table = body.split('class="fairness"', 1)[1]
    row = table.split(f'<th scope="row">{primary.name}</th>', 1)[1].split("</tr>", 1)[0]
    cells = re.findall(r'<td class="num">([^<]+)</td>', row)
    assert cells[2:] == ["1", "1"]  # out of hours, of which at night
    assert int(cells[1]) % 24 in (0, 1, 23)  # whole days, give or take a DST hour


def test_the_next_release_names_its_captain_even_when_only_proposed(logged_in, at_now):
    """No pair stored for the release's sprint: the Rotations page's proposal is named as
    proposed rather than "not set"; a confirmed pair's primary is named plainly."""
    from releases.models import Release
    from rotations.models import Rotation

    upcoming = Release.objects.filter(scheduled_at__gt=NOW).order_by("scheduled_at").first()
    Rotation.objects.filter(sprint=upcoming.sprint).delete()
    card = logged_in.get("/").content.decode().split('id="release-heading"', 1)[1]
    captain = card.split("captain ", 1)[1].split("</p>", 1)[0]
    assert "not set" not in captain and '<span class="tag tag-warn">proposed</span>' in captain
