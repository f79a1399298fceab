"""The rotation section: the pair, hours on call and pages by band for the sprint, computed by
hand on rows the test builds, and the checklist with who ticked what."""

from __future__ import annotations

import pytest

from oncall_site.report import rotation_section
from reports.document import report_context
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def test_it_gives_the_pair_hours_and_pages_by_band(sprint7) -> None:
    section = rotation_section(report_context(sprint7, as_of=NOW))
    assert (section["primary"]["name"], section["secondary"]["name"]) == (
        "Priya Shah",
        "Sam Okafor",
    )
    assert section["confirmed"] is True
    # 14 days less the hour the clocks skipped on Sun Mar 8.
    assert section["hours"] == 14 * 24 - 1
    # Three pages: Wed 10:00 EST, Sat 12:00 EST, Tue 23:30 EDT; the low-urgency, manual and
    # sprint 6 ones are not the sprint's pages.
    assert section["pages"] == {"business": 1, "evening": 1, "night": 1, "total": 3}
    assert section["pages_url"] == "/incidents/?sprint=7&source=pagerduty"
    primary, secondary = section["people"]
    assert (primary["role"], primary["hours_on_call"], primary["out_of_hours"]) == (
        "primary",
        335,
        2,
    )
    assert primary["pages"] == {"business": 1, "evening": 1, "night": 1, "total": 3}
    assert (secondary["role"], secondary["hours_on_call"]) == ("secondary", 335)
    assert secondary["pages"]["total"] == 0


def test_it_lists_the_checklist_in_order_with_who_ticked_what(sprint7) -> None:
    checklist = rotation_section(report_context(sprint7, as_of=NOW))["checklist"]
    assert len(checklist) == 8
    first = checklist[0]
    assert (first["item"], first["done"], first["done_by"], first["done_at"]) == (
        "monitor_alerts",
        True,
        "priya",
        NOW,
    )
    assert checklist[-1]["label"] == "Write the handoff (with the sprint's MTTR)"
    assert not any(entry["done"] for entry in checklist[1:])


def test_a_sprint_without_a_rotation_still_counts_its_pages(sprints, sprint7) -> None:
    section = rotation_section(report_context(sprints[8], as_of=NOW))
    assert section["primary"] is None and section["people"] == [] and section["checklist"] == []
    assert section["pages"]["total"] == 0
