"""The daily findings message to Slack: findings that breach their SLA within 3 days and
exceptions that expire within 10, sent once per day.

Once per day across workers and restarts: the day is claimed in the database first (a
conditional UPDATE of `SlaPolicy.reminder_sent_on`, as `incidents/tickets.py` claims a
ticket), so two workers, or a retry, post one message. A failed post gives the day back,
so the next run tries again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from oncall_site.integrations import slack
from oncall_site.integrations.errors import UpstreamError
from rotations.sprints import local_date
from security.models import Finding, SlaPolicy
from security.selectors_findings import Reminder, reminder

BREACH_DAYS = 3
EXPIRY_DAYS = 10
SEND_FROM = time(9, 0)  # local: the message waits for the working day


def _escape(text: str) -> str:
    """Slack's three control characters in message text.

    Reference: https://api.slack.com/reference/surfaces/formatting#escaping
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _name(finding: Finding) -> str:
    label = f"{finding.label} {_escape(finding.title[:120])}"
    if finding.package:
        label += f" ({_escape(finding.package)})"
    return label


def _day(moment: datetime, zone: ZoneInfo) -> str:
    local = timezone.localtime(moment, zone)
    return f"{local:%a %b} {local.day}"


def message_text(found: Reminder, *, zone: ZoneInfo) -> str | None:
    """The message, or None when there is nothing to say."""
    if not found.breaching and not found.expiring:
        return None
    lines = ["*Security findings*"]
    if found.breaching:
        lines.append(f"Breaching their SLA within {BREACH_DAYS} days:")
        lines += [
            f"• {_name(f)} [{f.severity}] due {_day(due, zone)}" for f, due in found.breaching
        ]
    if found.expiring:
        lines.append(f"Exceptions expiring within {EXPIRY_DAYS} days:")
        lines += [f"• {_name(f)} ends {_day(ends, zone)}" for f, ends in found.expiring]
    return "\n".join(lines)


@dataclass(frozen=True)
class Outcome:
    sent: bool
    message: str


def claim_day(day: date) -> tuple[bool, date | None]:
    """Take `day` for this run: (taken, the day sent before, to give back on failure)."""
    policy = SlaPolicy.stored()
    taken = (
        SlaPolicy.objects.filter(pk=policy.pk)
        .filter(Q(reminder_sent_on__isnull=True) | Q(reminder_sent_on__lt=day))
        .update(reminder_sent_on=day)
    )
    return bool(taken), policy.reminder_sent_on


def send_daily(*, now: datetime | None = None, force: bool = False) -> Outcome:
    """Post today's message once (from 09:00 on the team's clock; `force` ignores the
    hour, not the once-a-day claim)."""
    now = now or timezone.now()
    config = slack.config_from_settings()
    if config is None:
        return Outcome(False, "Slack is not configured (SLACK_WEBHOOK_URL); nothing sent.")
    zone = SlaPolicy.current().rules().zone
    today = local_date(now, zone)
    if not force and timezone.localtime(now, zone).time() < SEND_FROM:
        return Outcome(False, f"not before {SEND_FROM:%H:%M}; nothing sent yet today.")
    taken, previous = claim_day(today)
    if not taken:
        return Outcome(False, f"already sent on {today.isoformat()}.")
    text = message_text(
        reminder(now=now, breach_days=BREACH_DAYS, expiry_days=EXPIRY_DAYS), zone=zone
    )
    if text is None:
        return Outcome(False, "nothing breaches or expires soon; no message today.")
    try:
        slack.post_message(text, config=config)
    except UpstreamError as exc:
        # Give the day back, unless a later run has claimed it since.
        SlaPolicy.objects.filter(reminder_sent_on=today).update(reminder_sent_on=previous)
        return Outcome(False, f"not sent: {exc.message}")
    return Outcome(True, f"sent: {text.count(chr(10)) + 1} line(s).")
