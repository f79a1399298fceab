"""The release reminder to Slack, 24 hours before each release, posted exactly once.

Exactly once across processes and restarts: a run claims the release in the database first
(a conditional UPDATE that takes the reminder only while it is unsent and unclaimed, or its
claim's lease has run out), as `incidents/tickets.py` claims a ticket and
`security/reminders.py` claims its day. The lease outlasts the slowest post the Slack client
can make (its timeout and bounded retries), so a slow Slack never lets a second run in; a
run that died mid-post frees the reminder when the lease runs out. A failed post records the
error, keeps the reminder unsent and lets the next run try again.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from oncall_site.integrations import slack
from oncall_site.integrations.errors import UpstreamError, is_timeout
from releases import schedule, selectors
from releases.models import Release
from rotations.models import team_zone

logger = logging.getLogger(__name__)

MIN_LEASE = timedelta(minutes=5)
# A post Slack did not answer in time may still have reached the channel (the webhook has no
# idempotency key): the next try is posted, and says so, rather than risk a lost reminder.
MAYBE_POSTED = "Slack did not answer in time; the message may have reached the channel. "


def lease_for(config: slack.Config) -> timedelta:
    """Longer than any post can take: every attempt timing out plus every wait between."""
    limits = config.limits
    attempts = limits.max_retries + 1
    worst = attempts * limits.timeout_seconds + limits.max_retries * limits.max_wait_seconds
    return max(MIN_LEASE, timedelta(seconds=2 * worst))


def _escape(text: str) -> str:
    """Slack's three control characters. Reference:
    https://api.slack.com/reference/surfaces/formatting#escaping"""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def local_when(moment: datetime) -> str:
    local = timezone.localtime(moment, team_zone())
    return f"{local:%a %b} {local.day} at {local:%H:%M %Z}"


def message_text(
    row: selectors.ReleaseRow, *, late: bool, resent: bool = False, again: bool = False
) -> str:
    release = row.release
    link = settings.SITE_URL + reverse("release-detail", args=[release.sprint.number])
    captain = row.captain.name if row.captain else "not set"
    lines = [
        f"*Release of sprint {release.sprint.number}*: {local_when(release.scheduled_at)}. "
        f"Captain: {_escape(captain)}."
    ]
    if late:
        lines.append(
            f"(Late: this reminder was due {local_when(row.reminder.due_from)}; "
            "the worker was not running then.)"
        )
    if resent:
        lines.append("(Sent again by hand.)")
    elif again:
        lines.append("(Posted again: Slack did not answer the last try; it may be above already.)")
    answered = [
        f"{_escape(r.team.name)} ({'in' if r.status == 'in' else 'out'})" for r in row.answered
    ]
    waiting = [_escape(r.team.name) for r in row.unanswered]
    lines.append("Answered: " + (", ".join(answered) if answered else "nobody yet") + ".")
    lines.append("Not answered yet: " + (", ".join(waiting) if waiting else "nobody") + ".")
    if release.answers_close_at:
        lines.append(f"Answers close {local_when(release.answers_close_at)}.")
    lines.append(f"Say what your team releases, or that you are out: <{link}|answer here>")
    return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    sprint: int
    sent: bool
    message: str


def claim(release: Release, *, now: datetime, lease: timedelta, resend: bool = False) -> str | None:
    """Take the release's reminder for this run: the claim token, or None when it is sent
    (unless re-sending), started, or held by another run."""
    token = secrets.token_hex(16)
    free = Q(reminder_claimed_until__isnull=True) | Q(reminder_claimed_until__lte=now)
    taken = Release.objects.filter(free, pk=release.pk, scheduled_at__gt=now)
    if not resend:
        taken = taken.filter(
            reminder_sent_at__isnull=True, scheduled_at__lte=now + schedule.REMINDER_AHEAD
        )
    updated = taken.update(
        reminder_claim=token,
        reminder_claimed_until=now + lease,
        reminder_attempts=F("reminder_attempts") + 1,
    )
    return token if updated else None


def post_reminder(
    release: Release, *, now: datetime, config: slack.Config, resend: bool = False
) -> Outcome:
    number = release.sprint.number
    token = claim(release, now=now, lease=lease_for(config), resend=resend)
    if token is None:
        return Outcome(number, False, "already sent, being sent, or not due.")
    # Read again after the claim: the message tells the release as it now stands.
    row = selectors.release_of_sprint(number, now=now)
    assert row is not None
    late = not resend and row.reminder.state == "late"
    again = row.release.reminder_error.startswith(MAYBE_POSTED)
    mine = Release.objects.filter(pk=release.pk, reminder_claim=token)
    try:
        slack.post_message(message_text(row, late=late, resent=resend, again=again), config=config)
    except UpstreamError as exc:
        error = (MAYBE_POSTED if is_timeout(exc.__cause__) else "") + exc.message
        mine.update(reminder_error=error, reminder_claim="", reminder_claimed_until=None)
        logger.warning("release reminder of sprint %s not sent: %s", number, exc.message)
        return Outcome(number, False, f"not sent: {exc.message}")
    sent_at = timezone.now()
    kept = mine.update(
        reminder_sent_at=sent_at,
        reminder_late=late,
        reminder_error="",
        reminder_claim="",
        reminder_claimed_until=None,
    )
    if not kept:  # the lease ran out mid-post: cannot happen within the client's bounds
        logger.error("release reminder of sprint %s: claim lost while posting", number)
    return Outcome(number, True, "sent late." if late else "sent.")


def send_due(*, now: datetime | None = None) -> list[Outcome]:
    """Post every reminder that is due at `now` (what the schedule runs)."""
    now = now or timezone.now()
    config = slack.config_from_settings()
    if config is None:
        return []
    due = selectors.due_reminders(now=now).select_related("sprint")
    return [post_reminder(release, now=now, config=config) for release in due]


def resend(release: Release, *, now: datetime | None = None) -> Outcome:
    """The captain's re-send: posts again (once per click: the same claim guards it)."""
    now = now or timezone.now()
    config = slack.config_from_settings()
    if config is None:
        return Outcome(release.sprint.number, False, "Slack is not configured (SLACK_WEBHOOK_URL).")
    if now >= release.scheduled_at:
        return Outcome(release.sprint.number, False, "the release has started.")
    return post_reminder(release, now=now, config=config, resend=True)
