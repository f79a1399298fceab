"""The handoff notes of a sprint: who may write and close them, and the two writes.

**Who.** The notes are the outgoing pair's: the sprint's primary and secondary (the
engineers linked to their logins) may edit and close them until the sprint is over; staff
may too, and after the sprint's end only staff may (history is corrected by the leads, not
rewritten by whoever was on call). Once closed they are frozen for everyone; staff reopen
them in the admin. Everyone logged in reads them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from reports.models import NOTES_MAX, Handoff
from rotations.models import CheckItem, ChecklistEntry, Engineer, Sprint


@dataclass(frozen=True)
class Writer:
    """What the rule needs to know of the person asking."""

    is_staff: bool
    on_call: bool  # primary or secondary of the sprint


def refusal(*, writer: Writer, closed: bool, sprint_over: bool, number: int) -> str | None:
    """Why `writer` may not edit or close the notes (see the module's rule), or None."""
    if closed:
        return f"Sprint {number}'s handoff is closed; its notes are frozen."
    if writer.is_staff:
        return None
    if sprint_over:
        return f"Sprint {number} is over: only staff may change its handoff now."
    if not writer.on_call:
        return f"Only sprint {number}'s on-call pair (or staff) may write its handoff."
    return None


def writer_of(user: Any, pair: set[int]) -> Writer:
    """`pair`: the ids of the sprint's primary and secondary engineers."""
    # An engineer who left (inactive) no longer writes, as everywhere (oncall_site/permissions.py).
    engineer_id = (
        Engineer.objects.filter(user=user, active=True).values_list("pk", flat=True).first()
    )
    return Writer(is_staff=bool(user.is_staff), on_call=engineer_id in pair)


def handoff_document(handoff: Handoff | None) -> dict[str, Any]:
    """The report's "handoff" part: `notes`, `updated_by`, `updated_at`, `closed`,
    `closed_by`, `closed_at` (names of people, or null)."""

    def name(user: Any) -> str | None:
        return (user.get_full_name() or user.get_username()) if user is not None else None

    if handoff is None:
        return {
            "notes": "",
            "updated_by": None,
            "updated_at": None,
            "closed": False,
            "closed_by": None,
            "closed_at": None,
        }
    return {
        "notes": handoff.notes,
        "updated_by": name(handoff.updated_by),
        "updated_at": handoff.updated_at,
        "closed": handoff.closed,
        "closed_by": name(handoff.closed_by),
        "closed_at": handoff.closed_at,
    }


def handoff_of(sprint: Sprint) -> Handoff | None:
    return Handoff.objects.filter(sprint=sprint).select_related("updated_by", "closed_by").first()


def clean_notes(notes: str) -> str:
    text = notes.replace("\r\n", "\n").strip()
    if len(text) > NOTES_MAX:
        raise ValidationError(
            f"The notes are {len(text):,} characters long; keep them under {NOTES_MAX:,}."
        )
    return text


def handoff_save(*, sprint: Sprint, notes: str, user: Any, now: datetime, close: bool) -> Handoff:
    """Store the notes (and close them when `close`). The caller has checked `refusal`; a
    close that races another is refused here by a conditional UPDATE, not overwritten."""
    text = clean_notes(notes)
    if close and not text:
        raise ValidationError("Write the handoff notes before closing them.")
    with transaction.atomic():
        handoff, _ = Handoff.objects.get_or_create(sprint=sprint)
        changes: dict[str, Any] = {"notes": text, "updated_by": user, "updated_at": now}
        if close:
            changes |= {"closed_by": user, "closed_at": now}
        if not Handoff.objects.filter(pk=handoff.pk, closed_at__isnull=True).update(**changes):
            raise ValidationError(f"Sprint {sprint.number}'s handoff was closed meanwhile.")
        if close:
            # Closing the notes is writing the handoff: its checklist item says so, unless
            # someone ticked it already (their tick and time stand).
            ChecklistEntry.objects.filter(
                rotation__sprint=sprint, item=CheckItem.WRITE_HANDOFF, done=False
            ).update(done=True, done_by=user, done_at=now)
    handoff.refresh_from_db()
    return handoff
