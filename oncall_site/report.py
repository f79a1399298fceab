"""The rotation part of the sprint handoff report: who was on call, the hours each carried
and the pages by band (`oncall_site.capacity`, the dashboard's fairness rule applied to this
one sprint), and the checklist with who ticked what.

It lives in the site package, not in `rotations`, because pages are the incidents app's
rows: the site composes across apps, as `dashboard.py` does. Three queries.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from incidents.selectors_needs import pages_between
from oncall_site import capacity
from reports.context import ReportContext
from rotations.models import ChecklistEntry, Engineer, Rotation


def _person(engineer: Engineer | None) -> dict[str, Any] | None:
    if engineer is None:
        return None
    return {
        "id": engineer.pk,
        "name": engineer.name,
        "history_url": reverse("engineer-history", args=[engineer.pk]),
    }


def _user_name(user: Any) -> str | None:
    if user is None:
        return None
    return user.get_full_name() or user.get_username()


def rotation_section(ctx: ReportContext) -> dict[str, Any]:
    """`{"primary", "secondary", "confirmed", "confirmed_by", "confirmed_at", "hours",
    "pages", "pages_url", "people", "checklist", "checklist_done"}`.

    `hours` is the sprint's real length in hours (335 or 337 across a DST change); `pages`
    counts the sprint's pages by band (business, evening, night) and `total`; `people` gives
    each of the pair's role, hours on call and the pages of their time as primary, by band
    (`capacity.fairness`: the primary holds the pager first). Without a rotation, the pair
    and people are empty but the pages are still counted.
    """
    rotation = (
        Rotation.objects.filter(sprint=ctx.sprint)
        .select_related("primary", "secondary", "confirmed_by")
        .first()
    )
    pages = pages_between(ctx.since, ctx.until)
    by_band = capacity.pages_by_band(pages, ctx.zone)
    number = ctx.sprint.number
    pages_url = f"{reverse('incident-list')}?{urlencode({'sprint': number, 'source': 'pagerduty'})}"
    hours = (ctx.until - ctx.since).total_seconds() / 3600
    people: list[dict[str, Any]] = []
    checklist: list[dict[str, Any]] = []
    if rotation is not None:
        duty = capacity.Duty(
            number, ctx.since, ctx.until, rotation.primary.name, rotation.secondary.name
        )
        loads = {load.name: load for load in capacity.fairness([duty], pages, ctx.zone)}
        for role, engineer in (("primary", rotation.primary), ("secondary", rotation.secondary)):
            load = loads[engineer.name]
            people.append(
                {
                    **_person(engineer),
                    "role": role,
                    "hours_on_call": load.hours_on_call,
                    "pages": {**load.pages, "total": sum(load.pages.values())},
                    "out_of_hours": load.out_of_hours,
                }
            )
        entries = sorted(
            ChecklistEntry.objects.filter(rotation=rotation).select_related("done_by"),
            key=lambda e: e.order,
        )
        checklist = [
            {
                "item": entry.item,
                "label": entry.get_item_display(),
                "done": entry.done,
                "done_by": _user_name(entry.done_by),
                "done_at": entry.done_at,
                "note": entry.note,
            }
            for entry in entries
        ]
    return {
        "primary": _person(rotation.primary) if rotation else None,
        "secondary": _person(rotation.secondary) if rotation else None,
        "confirmed": bool(rotation and rotation.confirmed),
        "confirmed_by": _user_name(rotation.confirmed_by) if rotation else None,
        "confirmed_at": rotation.confirmed_at if rotation else None,
        "hours": hours,
        "pages": {**by_band, "total": len(pages)},
        "pages_url": pages_url,
        "people": people,
        "checklist": checklist,
        "checklist_done": sum(1 for entry in checklist if entry["done"]),
    }
