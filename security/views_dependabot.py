"""The Dependabot review queue (`/security/dependabot/`) and the PRs merged or closed in a
sprint (`/security/dependabot/closed/`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import Page, Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from oncall_site.page_cache import kept
from oncall_site.selectors import freshness_of
from rotations.models import Sprint
from rotations.selectors import current_sprint
from security import selectors_dependabot as selectors
from security.dependabot import ATTENTION, MAJOR, READY, UNKNOWN, WAITING
from security.models import DependabotPR
from security.selectors_dependabot import CLOSED, MERGED, OUTCOMES, QueueItem

JOB = "github.dependabot_prs"
PAGE_SIZE = 20  # per group: a page shows at most 60 PRs, and every one is a page away
ORDER = (READY, ATTENTION, WAITING)
GROUPS = {
    READY: ("Ready to merge", "CI passed and GitHub can merge it."),
    ATTENTION: ("Needs attention", "CI failed, or it conflicts with the branch."),
    WAITING: ("Waiting", "CI still running, GitHub still computing whether it merges, or a draft."),
}
# Pending is "no result yet": checks still running, or none reported at all (a PR whose
# workflows wait for a maintainer's approval).
CI = {
    "success": ("passing", "tag-ok"),
    "failure": ("failing", "tag-bad"),
    "pending": ("no result yet", "tag-warn"),
}
MERGEABLE = {True: ("yes", "tag-ok"), False: ("conflicts", "tag-bad")}
OUTCOME_TITLES = {MERGED: "merged", CLOSED: "closed without merging", "": "merged or closed"}


def duration(span: timedelta | None) -> str:
    """3 d 4 h, 5 h 10 min, 12 min; "—" for nothing."""
    if span is None:
        return "—"
    minutes = int(span.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    return f"{minutes} min"


@dataclass(frozen=True)
class Row:
    """A PR as a table row shows it: every word and style chosen here, so the template only
    places them (a queue page renders up to 75 rows)."""

    pr: DependabotPR
    url: str
    label: str
    opened: str  # ISO 8601, for <time datetime>
    update: str  # the package, the group, or the title as it is when it does not parse
    parsed: bool
    note: str
    detail: str
    from_version: str
    to_version: str
    level: str
    level_class: str
    age: str
    ci: str
    ci_class: str
    mergeable: str
    mergeable_class: str
    time_to_merge: str


def row(item: QueueItem) -> Row:
    pr, b = item.pr, item.bump
    ci, ci_class = CI.get(pr.ci_status, (pr.ci_status or "no checks", "tag-warn"))
    mergeable, mergeable_class = MERGEABLE.get(pr.mergeable, ("not computed", "tag-warn"))
    if b.group and not b.package:
        update, note = f"the {b.group} group", f"{b.updates} updates" if b.updates else ""
    else:
        update, note = b.package or b.title or "(no title)", ""
        if b.group:
            note = f"in the {b.group} group"
    detail = b.ecosystem_label or "ecosystem not named"
    return Row(
        pr=pr,
        url=pr.html_url,
        label=pr.label,
        opened=pr.opened_at.isoformat(),
        update=update,
        parsed=b.parsed,
        note=note,
        detail=f"{detail} · {b.directory}" if b.directory else detail,
        from_version=b.from_version,
        to_version=b.to_version,
        level=b.level,
        level_class={MAJOR: "tag-warn", UNKNOWN: "tag-muted"}.get(b.level, ""),
        age=duration(item.age),
        ci=ci,
        ci_class=ci_class,
        mergeable=mergeable,
        mergeable_class=mergeable_class,
        time_to_merge=duration(item.time_to_merge),
    )


def pager(params: QueryDict, name: str, page: Page, anchor: str = "") -> dict[str, str]:
    """Links to the previous and next page of one paginated list, keeping the others'."""

    def to(number: int) -> str:
        query = params.copy()
        query[name] = str(number)
        return f"?{query.urlencode()}" + (f"#{anchor}" if anchor else "")

    return {
        "previous": to(page.previous_page_number()) if page.has_previous() else "",
        "next": to(page.next_page_number()) if page.has_next() else "",
    }


def closed_url(sprint: Sprint, outcome: str = "") -> str:
    query = {"sprint": sprint.number, **({"outcome": outcome} if outcome else {})}
    return reverse("dependabot-closed") + "?" + urlencode(query)


@require_GET
def dependabot_queue(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    ids = selectors.queue_ids()
    pages = {g: Paginator(ids[g], PAGE_SIZE).get_page(request.GET.get(g)) for g in ORDER}
    shown = selectors.queue_items([pk for g in ORDER for pk in pages[g].object_list], now=now)
    rows: dict[str, list[Row]] = defaultdict(list)
    for item in shown:
        rows[item.group or WAITING].append(row(item))
    groups = [
        {
            "key": group,
            "title": GROUPS[group][0],
            "note": GROUPS[group][1],
            "page": pages[group],
            "rows": rows[group],
            "pager": pager(request.GET, group, pages[group], anchor=group),
        }
        for group in ORDER
    ]
    history = kept("dependabot-history", lambda: _history(now))
    ctx: dict[str, Any] = {
        "now": now,
        "open_count": sum(len(v) for v in ids.values()),
        "groups": groups,
        "history": history,
        "freshness": freshness_of([JOB], now=now)[JOB],
    }
    return render(request, "security/dependabot.html", ctx)


def _history(now: datetime) -> list[dict[str, Any]]:
    """Merged and closed PRs of the recent sprints, with the links to each list. Counted
    over every closed PR of those sprints: kept until the data or the minute changes."""
    return [
        {
            "sprint": s.sprint,
            "merged": s.merged,
            "closed": s.closed,
            "all_url": closed_url(s.sprint),
            "merged_url": closed_url(s.sprint, MERGED),
            "closed_url": closed_url(s.sprint, CLOSED),
        }
        for s in selectors.closures_by_sprint(selectors.recent_sprints(now=now))
    ]


@require_GET
def dependabot_closed(request: HttpRequest) -> HttpResponse:
    """`?sprint=N` (default: this sprint) and `outcome` (merged, closed; default both)."""
    now = timezone.now()
    raw = (request.GET.get("sprint") or "").strip()
    outcome = request.GET.get("outcome", "")
    outcome = outcome if outcome in OUTCOMES else ""
    if not raw:
        sprint = current_sprint(now=now)
    else:
        sprint = Sprint.objects.filter(number=int(raw)).first() if raw.isdigit() else None
    ctx: dict[str, Any] = {"now": now, "sprint": sprint, "outcome": outcome, "asked": raw[:20]}
    if sprint is None:
        return render(request, "security/dependabot_closed.html", ctx, status=404 if raw else 200)
    since, until = sprint.window()
    prs = selectors.closed_prs(since=since, until=until, outcome=outcome)
    page = Paginator(prs, PAGE_SIZE).get_page(request.GET.get("page"))
    ctx.update(
        outcome_title=OUTCOME_TITLES[outcome],
        page=page,
        rows=[row(item) for item in selectors.items(page.object_list, now=now)],
        pager=pager(request.GET, "page", page),
        filters=[
            (OUTCOME_TITLES[o].capitalize(), closed_url(sprint, o), o == outcome)
            for o in ("", MERGED, CLOSED)
        ],
        queue_url=reverse("dependabot-queue"),
    )
    return render(request, "security/dependabot_closed.html", ctx)
