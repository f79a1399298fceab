"""Which PagerDuty incidents a GitHub issue names (`rules.incident_references`): pure, fast."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from incidents.rules import IncidentReferences, incident_references, pagerduty_host

LINK = "https://benefits-platform.pagerduty.com/incidents/Q1ABC2DEF3"


@pytest.mark.parametrize(
    ("text", "numbers"),
    [
        ("PagerDuty #1234", (1234,)),
        ("pagerduty 1234", (1234,)),
        ("PagerDuty incident #1234: BGS errors", (1234,)),
        ("PagerDuty Incident 1234", (1234,)),
        ("Incident 1234", (1234,)),
        ("Incident #1234", (1234,)),
        ("incident: #1234", (1234,)),
        ("INCIDENT-1234", (1234,)),
        ("PD-1234", (1234,)),
        ("PD #77 and PD #78", (77, 78)),
        ("[PagerDuty #1234](https://example.org)", (1234,)),
        ("(Incident 12) BIP token refresh failing", (12,)),
        ("Slack: incident #55 reported by cc-app, see PagerDuty #55", (55,)),
        ("Incident #1234.", (1234,)),
        ("Incident #1234, then incident 1240", (1234, 1240)),
    ],
)
def test_it_reads_incident_numbers(text: str, numbers: tuple[int, ...]) -> None:
    assert incident_references(text).numbers == numbers


@pytest.mark.parametrize(
    "text",
    [
        "Fixes #1234",
        "Bump jackson from 2.15 to 2.17 (#1234)",
        "PR #1234 broke the build",
        "issue #1234",
        "Incidents 12 and 13 were duplicates",
        "postincident 12",
        "Incident 2026-03-11 review",
        "incident 1.2 of the runbook",
        "incident 10:30 bridge",
        "Incident Reported: BGS downstream errors above 0",
        "Incident #42 on the on-call dashboard: http://127.0.0.1:8000/incidents/42/",
        "pdf #3 of the postmortem",
        "",
    ],
)
def test_it_ignores_what_is_not_a_pagerduty_reference(text: str) -> None:
    assert incident_references(text) == IncidentReferences()
    assert not incident_references(text)


@pytest.mark.parametrize(
    "text",
    [
        LINK,
        f"See {LINK}/timeline for details",
        f"<{LINK}>",
        f"[PagerDuty]({LINK})",
        f"{LINK}?utm_source=slack",
        "http://Benefits-Platform.PagerDuty.com/incidents/Q1ABC2DEF3",
        "https://pagerduty.com/incidents/Q1ABC2DEF3",
    ],
)
def test_it_reads_incident_links(text: str) -> None:
    assert incident_references(text).ids == ("Q1ABC2DEF3",)


def test_it_reads_links_on_the_hosts_it_is_given_only() -> None:
    text = "http://127.0.0.1:8702/incidents/Q1ABC2DEF3 and https://evil.example/incidents/QNOTPD123"
    assert incident_references(text).ids == ()
    found = incident_references(text, extra_hosts=["127.0.0.1:8702"])
    assert found.ids == ("Q1ABC2DEF3",)


def test_it_does_not_take_a_lookalike_host_for_pagerduty() -> None:
    assert not pagerduty_host("pagerduty.com.evil.example")
    assert not pagerduty_host("notpagerduty.com")
    assert pagerduty_host("benefits-platform.pagerduty.com:443")


def test_it_reads_numbers_and_links_together_each_once() -> None:
    text = f"Incident 12 (PagerDuty #12): {LINK} and again {LINK}/log_entries/R1"
    assert incident_references(text) == IncidentReferences(numbers=(12,), ids=("Q1ABC2DEF3",))


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_it_never_fails_on_any_text(text: str) -> None:
    found = incident_references(text)
    assert list(found.numbers) == sorted(set(found.numbers))


@given(
    st.integers(min_value=1, max_value=999_999_999),
    st.sampled_from(["PagerDuty #", "Incident ", "PD-"]),
)
def test_it_reads_any_number_after_a_prefix(number: int, prefix: str) -> None:
    assert incident_references(f"Re: {prefix}{number} (BIP down)").numbers == (number,)
