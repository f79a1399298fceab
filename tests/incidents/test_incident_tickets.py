"""The `github.incident_tickets` job: a GitHub issue naming a PagerDuty incident becomes its
ticket. The storing half on hand-made issues; the job end to end against the sandbox."""

from __future__ import annotations

from datetime import timedelta

import pytest

from incidents import sync
from incidents.models import Incident, IncidentUpdate
from oncall_site.integrations import github
from oncall_site.integrations.errors import BadPayload
from oncall_site.models import SyncJobState
from oncall_site.sync import run_job
from sandbox import Incident as Upstream
from sandbox import Items
from sandbox.models import Issue as UpstreamIssue
from sandbox.models import PullRequest
from tests.clock import NOW

pytestmark = pytest.mark.django_db
JOB = "github.incident_tickets"
REPO = "https://github.com/example-org/benefits-platform"


def issue(number: int, title: str, body: str = "", *, minutes: int = 5) -> github.Issue:
    opened = NOW - timedelta(hours=3) + timedelta(minutes=minutes)
    return github.Issue(
        number=number,
        title=title,
        body=body,
        state="open",
        html_url=f"{REPO}/issues/{number}",
        created_at=opened,
        updated_at=opened,
    )


def incident(number: int, external_id: str, **fields) -> Incident:
    return Incident.objects.create(
        source="pagerduty",
        external_id=external_id,
        number=number,
        title=f"Page {number}",
        state="acknowledged",
        started_at=NOW - timedelta(hours=3),
        **fields,
    )


def link(*issues: github.Issue, hosts: tuple[str, ...] = ()) -> tuple[int, list[str]]:
    chosen, unknown = sync.ticket_candidates(list(issues), extra_hosts=hosts)
    return sync.link_tickets(chosen, now=NOW), unknown


def test_it_links_an_issue_naming_an_incident_by_number_or_link():
    by_number, by_link = incident(12, "Q1ABC2DEF3"), incident(13, "Q9XYZ8WVU7")
    linked, unknown = link(
        issue(3001, "PagerDuty #12: BGS errors"),
        issue(
            3002, "Incident Reported: BIP down", "https://acme.pagerduty.com/incidents/Q9XYZ8WVU7"
        ),
    )
    assert (linked, unknown) == (2, [])
    by_number.refresh_from_db()
    by_link.refresh_from_db()
    assert by_number.ticket_url == f"{REPO}/issues/3001"
    assert by_link.ticket_url == f"{REPO}/issues/3002"
    note = IncidentUpdate.objects.get(incident=by_number)
    assert note.kind == "note" and "GitHub issue #3001" in note.text and note.author is None
    # A note from the sync is no update to the partner teams: the 30-minute clock stands.
    assert by_number.last_update_at is None


def test_it_never_overwrites_a_ticket_a_person_set():
    row = incident(12, "Q1ABC2DEF3", ticket_url="https://tickets.example.org/INC-7")
    assert link(issue(3001, "PagerDuty #12")) == (0, [])
    row.refresh_from_db()
    assert row.ticket_url == "https://tickets.example.org/INC-7"
    assert not IncidentUpdate.objects.exists()


def test_it_leaves_an_incident_whose_ticket_is_being_created_right_now():
    row = incident(12, "Q1ABC2DEF3", ticket_requested_at=NOW - timedelta(minutes=1))
    assert link(issue(3001, "PagerDuty #12")) == (0, [])
    row.ticket_requested_at = NOW - timedelta(hours=1)  # a claim that died long ago
    row.save()
    assert link(issue(3001, "PagerDuty #12")) == (1, [])


def test_an_issue_naming_two_incidents_links_both():
    first, second = incident(12, "Q1ABC2DEF3"), incident(13, "Q9XYZ8WVU7")
    assert link(issue(3001, "PagerDuty #12 and PagerDuty #13: one outage"))[0] == 2
    assert {r.ticket_url for r in (first, second) if r.refresh_from_db() is None} == {
        f"{REPO}/issues/3001"
    }


def test_an_incident_named_by_two_issues_keeps_the_oldest():
    row = incident(12, "Q1ABC2DEF3")
    later, older = (
        issue(3009, "Re: Incident 12", minutes=30),
        issue(3004, "PagerDuty #12", minutes=9),
    )
    assert link(later, older)[0] == 1
    row.refresh_from_db()
    assert row.ticket_url == f"{REPO}/issues/3004"


def test_a_repeat_writes_nothing():
    incident(12, "Q1ABC2DEF3")
    assert link(issue(3001, "PagerDuty #12"))[0] == 1
    assert link(issue(3001, "PagerDuty #12"), issue(3000, "PagerDuty #12", minutes=1))[0] == 0
    assert IncidentUpdate.objects.count() == 1


def test_an_unknown_incident_is_skipped_and_only_a_link_is_flagged():
    incident(12, "Q1ABC2DEF3")
    linked, unknown = link(
        issue(3001, "PagerDuty #999"),
        issue(3002, "See http://127.0.0.1:8702/incidents/QUNKNOWN01", minutes=6),
        hosts=("127.0.0.1:8702",),
    )
    assert linked == 0
    assert unknown == [
        "GitHub issue #3002 links PagerDuty incident QUNKNOWN01, which is not synced here"
    ]


def test_it_does_not_take_an_incident_from_another_source_by_its_number():
    Incident.objects.create(
        source="manual", number=12, title="Declared by hand", started_at=NOW - timedelta(hours=1)
    )
    assert link(issue(3001, "Incident 12")) == (0, [])


@pytest.mark.parametrize(
    ("raw", "why"),
    [
        (
            {"title": "PagerDuty #1", "html_url": "x", "created_at": "2026-03-11T10:00:00Z"},
            "number",
        ),
        ({"number": "abc", "title": "t", "created_at": "2026-03-11T10:00:00Z"}, "number"),
        ({"number": 4, "title": "t", "html_url": "https://x/4"}, "created_at"),
        ({"number": 4, "html_url": "https://x/4", "created_at": "yesterday"}, "created_at"),
    ],
)
def test_it_refuses_a_malformed_issue_by_name(raw, why):
    with pytest.raises(BadPayload) as caught:
        github.normalize_issue(raw)
    assert why in str(caught.value)


def test_a_title_or_body_that_is_not_text_counts_as_empty():
    found = github.normalize_issue(
        {
            "number": 4,
            "title": None,
            "body": {"x": 1},
            "html_url": "https://x/4",
            "created_at": "2026-03-11T10:00:00Z",
        }
    )
    assert (found.title, found.body, found.updated_at) == ("", "", found.created_at)


# End to end, against the sandbox


def test_the_job_links_the_workflows_issues_and_skips_pull_requests(upstreams, demo_team):
    now = upstreams.now()
    pages = [
        Upstream(id=f"QPAGE{n:05d}", created_at=now - timedelta(hours=n + 1), number=100 + n)
        for n in range(3)
    ]
    issues = [
        UpstreamIssue(
            number=3001,
            title="PagerDuty #{number}: BGS errors",
            incident_id=pages[0].id,
            created_at=pages[0].created_at + timedelta(minutes=4),
        ),
        UpstreamIssue(
            number=3002,
            title="Incident Reported: BIP down",
            body="**PagerDuty:** {link}",
            incident_id=pages[1].id,
            created_at=pages[1].created_at + timedelta(minutes=4),
        ),
        UpstreamIssue(
            number=3003, title="Flaky test, see #102", created_at=now - timedelta(minutes=30)
        ),
    ]
    # A pull request naming an incident is no ticket: GitHub lists it with the issues.
    pull = PullRequest(
        number=1801,
        title="Fix for PagerDuty #102",
        head_ref="fix",
        created_at=now - timedelta(hours=1),
    )
    upstreams.load_items(Items(incidents=pages, issues=issues, pulls=[pull]))
    assert run_job("pagerduty.incidents").status == "ok"
    outcome = run_job(JOB)
    assert outcome.status == "ok", outcome.message
    tickets = dict(Incident.objects.filter(number__gte=100).values_list("number", "ticket_url"))
    base = f"{upstreams.github_url}/example-org/benefits-platform/issues"
    assert tickets == {100: f"{base}/3001", 101: f"{base}/3002", 102: ""}
    # Idempotent: a repeat run (re-reading the last hour) writes nothing.
    again = run_job(JOB)
    assert again.status == "ok" and again.written == 0
    assert IncidentUpdate.objects.filter(text__contains="GitHub issue").count() == 2


def test_issues_are_read_again_until_pagerduty_has_brought_their_incidents(upstreams, demo_team):
    now = upstreams.now()
    page = Upstream(id="QPAGE00001", created_at=now - timedelta(days=3), number=100)
    ticket = UpstreamIssue(
        number=3001,
        title="Incident {number}",
        incident_id=page.id,
        created_at=page.created_at + timedelta(minutes=4),
    )
    upstreams.load_items(Items(incidents=[page], issues=[ticket]))
    # The worker ran the tickets first: nothing to link yet, and the cursor stays put.
    assert run_job(JOB).written == 0
    assert "issues_since" not in SyncJobState.objects.get(job=JOB).cursor
    assert run_job("pagerduty.incidents").status == "ok"
    assert run_job(JOB).written == 1
    assert Incident.objects.get(number=100).ticket_url.endswith("/issues/3001")
    assert SyncJobState.objects.get(job=JOB).cursor["issues_since"]
