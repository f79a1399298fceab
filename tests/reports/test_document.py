"""The report document's frame: every section present, JSON-plain, figures from the metrics
document of the same window and moment."""

from __future__ import annotations

from datetime import date

import pytest

from oncall_site.metrics import metrics_document
from reports.document import HANDOVER, SECTIONS, report_document
from reports.encoding import plain
from rotations.models import Sprint
from tests.clock import NOW

pytestmark = pytest.mark.django_db


def test_document_has_every_section_and_the_metrics_of_the_sprint() -> None:
    sprint = Sprint.objects.create(
        number=7, start_date=date(2026, 3, 4), end_date=date(2026, 3, 18)
    )
    document = report_document(sprint, as_of=NOW)
    assert [key for key, _ in SECTIONS] == [k for k in document if k in dict(SECTIONS)]
    assert set(document["handover"]) == {key for key, _ in HANDOVER}
    since, until = sprint.window()
    expected = metrics_document(since=since, until=until, as_of=NOW)
    assert plain(document)["metrics"] == plain({"m": expected})["m"]
    assert plain(document)["generated_at"] == "2026-03-11T18:30:00Z"
    assert plain(document)["sprint"]["last_day"] == "2026-03-17"
