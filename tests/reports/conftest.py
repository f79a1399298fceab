"""A sprint of the team's with its pair, pages in each band and a ticked checklist item:
sprint 7, Wed Mar 4 to Tue Mar 17 2026, across the DST change of Sun Mar 8 (335 hours)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from incidents.models import Incident, Source
from rotations.models import ChecklistEntry, Engineer, Rotation, Sprint
from tests.clock import NOW


def page_at(when: datetime, **fields) -> Incident:
    fields.setdefault("source", Source.PAGERDUTY)
    return Incident.objects.create(title=f"page {when:%m-%d %H:%M}", started_at=when, **fields)


@pytest.fixture
def sprints(db) -> dict[int, Sprint]:
    return {
        n: Sprint.objects.create(number=n, start_date=start, end_date=end)
        for n, start, end in (
            (6, date(2026, 2, 18), date(2026, 3, 4)),
            (7, date(2026, 3, 4), date(2026, 3, 18)),
            (8, date(2026, 3, 18), date(2026, 4, 1)),
        )
    }


@pytest.fixture
def pair(db, django_user_model) -> dict:
    users = {
        name: django_user_model.objects.create_user(name, password="pw-for-tests-only")
        for name in ("priya", "sam", "other")
    }
    priya = Engineer.objects.create(name="Priya Shah", user=users["priya"])
    sam = Engineer.objects.create(name="Sam Okafor", user=users["sam"])
    Engineer.objects.create(name="Other Person", user=users["other"])
    return {"users": users, "primary": priya, "secondary": sam}


@pytest.fixture
def sprint7(sprints, pair) -> Sprint:
    sprint = sprints[7]
    rotation = Rotation.objects.create(
        sprint=sprint, primary=pair["primary"], secondary=pair["secondary"], confirmed=True
    )
    for rotation_sprint, primary, secondary in ((6, "secondary", "primary"),):
        Rotation.objects.create(
            sprint=sprints[rotation_sprint], primary=pair[primary], secondary=pair[secondary]
        )
    entry = ChecklistEntry.objects.get(rotation=rotation, item="monitor_alerts")
    entry.done, entry.done_by, entry.done_at = True, pair["users"]["priya"], NOW
    entry.save()
    page_at(datetime(2026, 3, 4, 15, 0, tzinfo=UTC))  # Wed 10:00 EST: business hours
    page_at(datetime(2026, 3, 7, 17, 0, tzinfo=UTC))  # Sat 12:00 EST: weekend
    page_at(datetime(2026, 3, 11, 3, 30, tzinfo=UTC))  # Tue 23:30 EDT: night
    page_at(datetime(2026, 3, 9, 15, 0, tzinfo=UTC), urgency="low")  # pages nobody
    page_at(datetime(2026, 3, 9, 15, 0, tzinfo=UTC), source=Source.MANUAL)  # not a page
    page_at(datetime(2026, 3, 4, 4, 59, tzinfo=UTC))  # Tue Mar 3 23:59 EST: sprint 6
    return sprint
