"""Who may write and close a sprint's handoff notes, the rule alone and through the page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse

from reports.handoff import Writer, refusal
from reports.models import NOTES_MAX, Handoff
from tests.clock import NOW

PAIR, STAFF, OTHER = Writer(False, True), Writer(True, False), Writer(False, False)


@pytest.mark.parametrize(
    ("writer", "over", "allowed"),
    [
        (PAIR, False, True),
        (STAFF, False, True),
        (OTHER, False, False),
        (PAIR, True, False),
        (STAFF, True, True),
        (OTHER, True, False),
    ],
)
def test_the_rule(writer, over, allowed) -> None:
    assert (refusal(writer=writer, closed=False, sprint_over=over, number=7) is None) is allowed


@pytest.mark.parametrize("writer", [PAIR, STAFF, OTHER])
def test_closed_notes_are_frozen_for_everyone(writer) -> None:
    assert refusal(writer=writer, closed=True, sprint_over=False, number=7) == (
        "Sprint 7's handoff is closed; its notes are frozen."
    )


def url(number: int = 7) -> str:
    return reverse("reports:handoff", args=[number])


@pytest.fixture
def as_user(client, pair, at_now):
    def login(name: str):
        client.force_login(pair["users"][name])
        return client

    return login


@pytest.mark.django_db
def test_the_secondary_saves_then_the_primary_closes(sprint7, as_user) -> None:
    response = as_user("sam").post(url(), {"notes": "  Watch svc-bgs-api.  ", "action": "save"})
    assert response.status_code == 302
    handoff = Handoff.objects.get(sprint=sprint7)
    assert (handoff.notes, handoff.updated_by.username, handoff.closed) == (
        "Watch svc-bgs-api.",
        "sam",
        False,
    )
    page = as_user("priya").get(reverse("reports:sprint", args=[7])).content.decode()
    assert "Save and close the handoff" in page and "Watch svc-bgs-api." in page
    as_user("priya").post(url(), {"notes": "Watch svc-bgs-api. Done.", "action": "close"})
    handoff.refresh_from_db()
    assert handoff.closed and handoff.closed_by.username == "priya"
    assert handoff.closed_at >= NOW
    # Frozen: the form is gone, a further post is refused in words.
    page = as_user("priya").get(reverse("reports:sprint", args=[7])).content.decode()
    assert "Save notes" not in page and "closed</span> by priya" in page
    response = as_user("priya").post(url(), {"notes": "rewrite", "action": "save"})
    assert response.status_code == 403
    assert "Sprint 7&#x27;s handoff is closed; its notes are frozen." in response.content.decode()
    assert Handoff.objects.get(sprint=sprint7).notes == "Watch svc-bgs-api. Done."


@pytest.mark.django_db
def test_someone_else_reads_but_may_not_write(sprint7, as_user) -> None:
    page = as_user("other").get(reverse("reports:sprint", args=[7])).content.decode()
    assert "Save notes" not in page
    assert "Only sprint 7&#x27;s on-call pair (or staff) may write its handoff." in page
    response = as_user("other").post(url(), {"notes": "mine", "action": "save"})
    assert response.status_code == 403
    assert not Handoff.objects.exists()


@pytest.mark.django_db
def test_after_the_sprint_only_staff_may_write(sprint7, as_user, client, lead) -> None:
    with time_machine.travel(sprint7.ends_at + timedelta(minutes=1), tick=False):
        response = as_user("priya").post(url(), {"notes": "late", "action": "save"})
        assert response.status_code == 403
        assert "Sprint 7 is over: only staff may change its handoff now." in (
            response.content.decode()
        )
        client.force_login(lead)
        assert client.post(url(), {"notes": "by the lead", "action": "close"}).status_code == 302
    assert Handoff.objects.get(sprint=sprint7).closed_by == lead


@pytest.mark.django_db
def test_closing_empty_notes_or_too_long_notes_is_refused_with_a_message(sprint7, as_user) -> None:
    response = as_user("priya").post(url(), {"notes": "   ", "action": "close"})
    assert response.status_code == 400
    assert "Write the handoff notes before closing them." in response.content.decode()
    response = as_user("priya").post(url(), {"notes": "x" * (NOTES_MAX + 1), "action": "save"})
    assert response.status_code == 400
    assert "at most 20000 characters" in response.content.decode()
    assert not Handoff.objects.filter(closed_at__isnull=False).exists()


@pytest.mark.django_db
def test_the_notes_are_in_the_document_and_its_json(sprint7, as_user) -> None:
    as_user("priya").post(url(), {"notes": "Hand this over.", "action": "close"})
    data = as_user("other").get(reverse("reports:sprint", args=[7]), {"format": "json"}).json()
    assert data["handoff"]["notes"] == "Hand this over."
    assert data["handoff"]["closed"] is True and data["handoff"]["closed_by"] == "priya"


@pytest.mark.django_db
def test_saved_notes_show_at_once_though_the_report_is_kept(sprint7, as_user, settings) -> None:
    """The report is kept between writes (oncall_site/page_cache.py); saving notes is a
    write, so the next view is computed afresh."""
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 120
    cache.clear()
    report = reverse("reports:sprint", args=[7])
    assert "First note." not in as_user("sam").get(report).content.decode()
    as_user("sam").post(url(), {"notes": "First note.", "action": "save"})
    assert "First note." in as_user("sam").get(report).content.decode()
    assert "First note." in as_user("sam").get(report + "?format=json").content.decode()


@pytest.mark.django_db
def test_closing_the_notes_ticks_write_the_handoff_unless_ticked_already(sprint7, as_user) -> None:
    from rotations.models import CheckItem, ChecklistEntry

    entry = ChecklistEntry.objects.get(rotation__sprint=sprint7, item=CheckItem.WRITE_HANDOFF)
    assert not entry.done
    as_user("sam").post(url(), {"notes": "Handed over.", "action": "close"})
    entry.refresh_from_db()
    assert entry.done and entry.done_by.username == "sam"


@pytest.mark.django_db
def test_a_tick_already_there_stands_when_the_notes_close(sprint7, as_user, pair) -> None:
    from rotations.models import CheckItem, ChecklistEntry

    entry = ChecklistEntry.objects.get(rotation__sprint=sprint7, item=CheckItem.WRITE_HANDOFF)
    ChecklistEntry.objects.filter(pk=entry.pk).update(
        done=True, done_by=pair["users"]["priya"], done_at=NOW - timedelta(hours=1)
    )
    as_user("sam").post(url(), {"notes": "Handed over.", "action": "close"})
    entry.refresh_from_db()
    assert entry.done_by.username == "priya" and entry.done_at == NOW - timedelta(hours=1)
