"""The sprint-end notice to Slack: the report's link and its headline figures, posted once
per sprint.

**When.** From the sprint's end (local midnight of the next sprint's first day) for
`POST_WITHIN`: a worker down for longer does not post a stale notice.

**Once.** A run claims the sprint's `HandoffNotice` row first (a conditional UPDATE taking it
only while unsent and unclaimed or its lease ran out, as `releases/reminders.py` claims a
reminder); a failed post records the error and frees the claim, so a later run tries again;
a delivered notice is never posted again.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from incidents.templatetags.incident_format import duration
from oncall_site.integrations import slack
from oncall_site.integrations.errors import UpstreamError
from releases.reminders import lease_for
from reports.document import report_document
from reports.models import HandoffNotice
from rotations.models import Sprint, team_today

logger = logging.getLogger(__name__)

POST_WITHIN = timedelta(days=3)


def _escape(text: str) -> str:
    """Slack's three control characters. Reference:
    https://api.slack.com/reference/surfaces/formatting#escaping"""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _at(document: Mapping[str, Any], *path: str) -> Any:
    """The value at `path`, or None where a part is missing (a section may not say it)."""
    value: Any = document
    for key in path:
        if not isinstance(value, Mapping) or key not in value:
            return None
        value = value[key]
    return value


def headline(document: Mapping[str, Any]) -> list[str]:
    """The figures a sprint review asks first, each only when the document has it:
    incidents, MTTR (the metrics document's), SecRel's state, the release's go / no-go."""
    lines = []
    count = _at(document, "metrics", "incidents", "incident_count")
    if count is not None:
        opened = _at(document, "metrics", "incidents", "open_count")
        still = f", {opened} still open" if opened else ""
        lines.append(f"Incidents: {count}{still}")
    if count:
        mttr = _at(document, "metrics", "incidents", "mttr_seconds")
        lines.append(f"MTTR: {duration(mttr) if mttr is not None else 'none resolved'}")
    secrel = _at(document, "metrics", "security", "secrel", "state")
    if secrel:
        lines.append(f"SecRel: {secrel}")
    decision = _at(document, "releases", "release", "decision") or _at(
        document, "releases", "decision"
    )
    if decision:
        lines.append(f"Release: {decision}")
    return lines


def message_text(document: Mapping[str, Any], *, link: str) -> str:
    sprint = document["sprint"]
    pair = _at(document, "rotation", "primary", "name")
    lines = [f"*Sprint {sprint['number']} is over: its handoff report is ready.*"]
    if pair:
        secondary = _at(document, "rotation", "secondary", "name") or "nobody"
        lines.append(f"On call: {_escape(pair)} (primary), {_escape(secondary)} (secondary).")
    lines += [f"• {_escape(line)}" for line in headline(document)]
    lines.append(f"<{link}|Read the report>")
    return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    sprint: int
    sent: bool
    message: str


def due_sprint(*, now: datetime) -> Sprint | None:
    """The sprint whose notice is due at `now`: the last one ended, if within POST_WITHIN."""
    sprint = Sprint.objects.filter(end_date__lte=team_today(now)).order_by("-number").first()
    if sprint is not None and sprint.ends_at <= now < sprint.ends_at + POST_WITHIN:
        return sprint
    return None


def claim(sprint: Sprint, *, now: datetime, lease: timedelta) -> str | None:
    """Take the sprint's notice for this run: the claim's token, or None (sent, or another
    run holds it)."""
    notice, _ = HandoffNotice.objects.get_or_create(sprint=sprint)
    token = secrets.token_hex(16)
    free = Q(claimed_until__isnull=True) | Q(claimed_until__lte=now)
    taken = HandoffNotice.objects.filter(free, pk=notice.pk, sent_at__isnull=True).update(
        claim=token, claimed_until=now + lease, attempts=F("attempts") + 1
    )
    return token if taken else None


def post_notice(*, now: datetime | None = None) -> Outcome | None:
    """Post the due sprint's notice once (what the schedule runs); None when none is due or
    Slack is not configured."""
    now = now or timezone.now()
    config = slack.config_from_settings()
    sprint = due_sprint(now=now)
    if config is None or sprint is None:
        return None
    token = claim(sprint, now=now, lease=lease_for(config))
    if token is None:
        return Outcome(sprint.number, False, "already sent or being sent.")
    mine = HandoffNotice.objects.filter(sprint=sprint, claim=token)
    link = settings.SITE_URL + reverse("reports:sprint", args=[sprint.number])
    try:
        text = message_text(report_document(sprint, as_of=now), link=link)
        slack.post_message(text, config=config)
    except UpstreamError as exc:
        mine.update(error=exc.message, claim="", claimed_until=None)
        logger.warning("handoff notice of sprint %s not sent: %s", sprint.number, exc.message)
        return Outcome(sprint.number, False, f"not sent: {exc.message}")
    except Exception:
        mine.update(error="the report could not be composed", claim="", claimed_until=None)
        raise
    mine.update(sent_at=timezone.now(), error="", claim="", claimed_until=None)
    return Outcome(sprint.number, True, "sent.")
