"""Writes on findings: entering one by hand, remediation (upgrade, exception requested and
granted, escalation to the assessor), a person's rating, closing a hand-entered one, and
keeping due dates in step with the SLA policy. Each records an event with who and when.

Refusals are `ValidationError`s keyed by the form field they concern, in words a person
can act on.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from oncall_site.links import http_url
from rotations.sprints import local_date
from security import findings
from security.models import (
    ClosedReason,
    Finding,
    FindingEvent,
    FindingEventKind,
    FindingSource,
    SlaPolicy,
    Tool,
)

User = AbstractBaseUser | AnonymousUser | None
PULL_NUMBER = re.compile(r"^#?(\d{1,9})$")


def _user(user: User) -> Any:
    return user if user is not None and user.is_authenticated else None


def _record(finding: Finding, kind: str, *, at: datetime, user: User, **fields: Any) -> None:
    FindingEvent.objects.create(finding=finding, kind=kind, at=at, user=_user(user), **fields)


def due_of(finding: Finding, rules: findings.Sla) -> datetime | None:
    return findings.sla_due(
        finding.first_seen_at,
        finding.severity,
        rules,
        exception_expires=finding.exception_expires_at,
    )


def _require_open(finding: Finding, doing: str) -> None:
    if finding.closed_at is not None:
        state = finding.get_closed_reason_display().lower() or "closed"
        raise ValidationError(f"{finding.label} is {state}: there is nothing to {doing}.")


def pull_request_text(value: str) -> str:
    """A PR as typed: `#123`, `123` or its http(s) URL; stored as `#123` or the URL."""
    text = value.strip()
    number = PULL_NUMBER.match(text)
    if number:
        return f"#{int(number.group(1))}"
    if http_url(text):
        return text
    raise ValidationError(
        {"pull_request": "Give the pull request's number (e.g. #1234) or its https:// address."}
    )


def upgrade_record(
    *, finding: Finding, pull_request: str, note: str, user: User, now: datetime
) -> FindingEvent:
    """An upgrade is under way (or merged) in this PR. It does not close the finding: the
    scanner does, when it no longer reports it."""
    text = pull_request_text(pull_request)
    event = FindingEvent(finding=finding, kind=FindingEventKind.UPGRADE, at=now, user=_user(user))
    event.pull_request, event.note = text, note.strip()
    event.save()
    return event


def exception_request(
    *, finding: Finding, note: str, until: date | None, user: User, now: datetime
) -> None:
    """Someone asked for an exception (why, and until when if they said)."""
    _require_open(finding, "except")
    if not note.strip():
        raise ValidationError({"note": "Say why the exception is needed."})
    if until is not None and until < local_date(now, SlaPolicy.current().rules().zone):
        raise ValidationError({"until": "That date has passed: give today or a later date."})
    _record(
        finding,
        FindingEventKind.EXCEPTION_REQUESTED,
        at=now,
        user=user,
        note=note.strip(),
        expires_on=until,
    )


def exception_grant(
    *, finding: Finding, valid_through: date | None, note: str, user: User, now: datetime
) -> datetime:
    """An exception is granted through `valid_through` (a local date, required): the finding
    is not overdue until the day after; then it reopens (see `security.findings`). Returns
    the expiry instant."""
    _require_open(finding, "except")
    if valid_through is None:
        raise ValidationError({"valid_through": "An exception needs an expiry date."})
    rules = SlaPolicy.current().rules()
    if valid_through < local_date(now, rules.zone):
        raise ValidationError(
            {"valid_through": "That date has passed: an exception must run to today or later."}
        )
    expires = findings.exception_expiry(valid_through, rules.zone)
    with transaction.atomic():
        finding.exception_granted_at = now
        finding.exception_expires_at = expires
        finding.sla_due_at = due_of(finding, rules)
        finding.save(update_fields=["exception_granted_at", "exception_expires_at", "sla_due_at"])
        _record(
            finding,
            FindingEventKind.EXCEPTION_GRANTED,
            at=now,
            user=user,
            note=note.strip(),
            expires_on=valid_through,
        )
    return expires


def escalate(*, finding: Finding, note: str, user: User, now: datetime) -> str:
    """Escalated to the cloud-authorization assessor set in the admin (for cloud-provider
    issues the team cannot fix itself). Returns who it went to."""
    contact = SlaPolicy.current().assessor_contact.strip()
    if not contact:
        raise ValidationError(
            "No cloud-authorization assessor is set: add one to the SLA policy in the admin first."
        )
    _record(
        finding, FindingEventKind.ESCALATED, at=now, user=user, note=note.strip(), contact=contact
    )
    return contact


def severity_rate(*, finding: Finding, severity: str, note: str, user: User, now: datetime) -> None:
    """A person's rating (an unrated finding rated, or the scanner's corrected). It stands
    until the scanner's own severity changes."""
    if severity not in findings.SEVERITIES:
        raise ValidationError({"severity": "Choose critical, high, medium or low."})
    if severity == finding.severity:
        raise ValidationError({"severity": f"{finding.label} is already {severity}."})
    before = finding.get_severity_display()
    fields = ["severity", "sla_due_at"]
    with transaction.atomic():
        finding.severity = severity
        if finding.source == FindingSource.MANUAL:  # no scanner to stand against
            finding.upstream_severity = severity
            fields.append("upstream_severity")
        finding.sla_due_at = due_of(finding, SlaPolicy.current().rules())
        finding.save(update_fields=fields)
        text = f"{before} → {finding.get_severity_display()}" + (
            f": {note.strip()}" if note.strip() else ""
        )
        _record(finding, FindingEventKind.RATED, at=now, user=user, note=text)


def finding_enter(
    *,
    title: str,
    severity: str,
    package: str,
    version: str,
    fixed_version: str,
    location: str,
    first_seen_at: datetime,
    tool_name: str,
    rule_id: str,
    html_url: str,
    note: str,
    user: User,
    now: datetime,
) -> Finding:
    """A finding entered by hand (an Aqua console result, say); numbered M-1, M-2, ..."""
    if first_seen_at > now:
        raise ValidationError({"first_seen_at": "First seen cannot be in the future."})
    if severity not in findings.RATINGS:
        raise ValidationError({"severity": "Choose a severity, or unrated."})
    if html_url and not http_url(html_url):
        raise ValidationError({"html_url": "Give an http(s) address, or leave it empty."})
    rules = SlaPolicy.current().rules()
    fields = {
        "source": FindingSource.MANUAL,
        "tool": Tool.MANUAL,
        "tool_name": tool_name.strip(),
        "rule_id": rule_id.strip(),
        "title": title.strip(),
        "upstream_severity": severity,
        "severity": severity,
        "package": package.strip(),
        "version": version.strip(),
        "fixed_version": fixed_version.strip(),
        "location": location.strip(),
        "first_seen_at": first_seen_at,
        "html_url": html_url.strip(),
        "sla_due_at": findings.sla_due(first_seen_at, severity, rules),
    }
    for attempt in range(3):  # two people entering at once may take the same number
        try:
            with transaction.atomic():
                top = Finding.objects.filter(source=FindingSource.MANUAL).aggregate(n=Max("number"))
                finding = Finding.objects.create(number=(top["n"] or 0) + 1, **fields)
                _record(finding, FindingEventKind.ENTERED, at=now, user=user, note=note.strip())
                return finding
        except IntegrityError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def finding_close(
    *, finding: Finding, reason: str, at: datetime, note: str, user: User, now: datetime
) -> None:
    """Close a finding entered by hand (synced ones close when their scanner says so)."""
    if finding.source != FindingSource.MANUAL:
        raise ValidationError(
            f"{finding.label} closes when {finding.get_source_display()} reports it fixed or "
            "dismissed."
        )
    _require_open(finding, "close")
    if reason not in ClosedReason.values:
        raise ValidationError({"reason": "Choose fixed or dismissed."})
    if at > now:
        raise ValidationError({"at": "That time is in the future."})
    if at < finding.first_seen_at:
        raise ValidationError({"at": "A finding cannot close before it was first seen."})
    with transaction.atomic():
        finding.closed_at, finding.closed_reason = at, reason
        finding.save(update_fields=["closed_at", "closed_reason"])
        label = ClosedReason(reason).label
        _record(
            finding,
            FindingEventKind.CLOSED,
            at=at,
            user=user,
            note=label + (f": {note.strip()}" if note.strip() else ""),
        )


def _in_batches(rows: Iterator[Finding], size: int = 2000) -> Iterator[list[Finding]]:
    batch: list[Finding] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def due_dates_refresh(rules: findings.Sla | None = None) -> int:
    """Recompute every finding's due date after the SLA policy changed; returns how many
    moved. Streams the table, writing only the rows whose date changed."""
    rules = rules or SlaPolicy.current().rules()
    rows = Finding.objects.only(
        "first_seen_at", "severity", "exception_expires_at", "sla_due_at"
    ).order_by("pk")
    moved = 0
    for batch in _in_batches(rows.iterator(chunk_size=2000)):
        changed = []
        for row in batch:
            due = due_of(row, rules)
            if due != row.sla_due_at:
                row.sla_due_at = due
                changed.append(row)
        Finding.objects.bulk_update(changed, ["sla_due_at"], batch_size=500)
        moved += len(changed)
    return moved
