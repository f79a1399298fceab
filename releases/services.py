"""Writes of the release train: one release per sprint, answers, moves, go / no-go."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from oncall_site import permissions
from releases import schedule
from releases.models import Decision, Release, ReleaseAnswer
from rotations.models import Engineer, PartnerTeam, Service, Sprint, SprintCadence, team_zone

DEFAULT_RELEASE_TIME = time(10, 0)


def default_release_time() -> time:
    cadence = SprintCadence.objects.only("release_time").first()
    return cadence.release_time if cadence is not None else DEFAULT_RELEASE_TIME


def releases_ensure(sprints: Iterable[Sprint] | None = None) -> list[Release]:
    """A release for every sprint that has none (all sprints, or those given), at the
    cadence's release time. Idempotent: a sprint's release is never moved or duplicated."""
    if sprints is None:
        sprints = Sprint.objects.filter(release__isnull=True)
    at, zone = default_release_time(), team_zone()
    wanted = [
        Release(sprint=s, scheduled_at=schedule.scheduled_release(s.start_date, at, zone))
        for s in sprints
    ]
    if not wanted:
        return []
    # ignore_conflicts: a second process creating the same sprint's release changes nothing.
    Release.objects.bulk_create(wanted, ignore_conflicts=True)
    return wanted


def on_sprint_saved(sender: type, instance: Sprint, created: bool, raw: bool, **kwargs) -> None:
    """post_save of Sprint: every new sprint gets its release (the cadence, the admin, the demo)."""
    if created and not raw:
        releases_ensure([instance])


def _user(user: AbstractBaseUser | None) -> AbstractBaseUser | None:
    return user if user is not None and user.is_authenticated else None


def is_captain(release: Release, user: AbstractBaseUser | None) -> bool:
    if user is None or not user.is_authenticated:
        return False
    captain = release.captain_engineer()
    return captain is not None and captain.user_id == user.pk


def went_out(release: Release, *, now: datetime) -> bool:
    """The release is the record of what went out (`permissions.release_went_out`)."""
    return permissions.release_went_out(
        went_ahead=release.decision == Decision.GO,
        scheduled_at=release.scheduled_at,
        sprint_ends_at=release.sprint.ends_at,
        now=now,
    )


def steer_refusal(
    release: Release, user: AbstractBaseUser | None, *, now: datetime | None = None
) -> str | None:
    """Why `user` may not move the release, record go / no-go or re-send the reminder."""
    now = now or timezone.now()
    return permissions.release_steer_refusal(
        permissions.actor_of(user, now=now),
        number=release.sprint.number,
        is_captain=is_captain(release, user),
        went_out=went_out(release, now=now),
    )


def may_steer(
    release: Release, user: AbstractBaseUser | None, *, now: datetime | None = None
) -> bool:
    """The captain (until the release went out) and staff steer the release."""
    return steer_refusal(release, user, now=now) is None


def answer_refusal(
    release: Release,
    team: PartnerTeam,
    user: AbstractBaseUser | None,
    *,
    now: datetime | None = None,
) -> str | None:
    """Why `user` may not answer for `team`: a member of the team's group, the captain or
    staff may, until the release went out (then staff only)."""
    now = now or timezone.now()
    return permissions.release_answer_refusal(
        permissions.actor_of(user, now=now),
        number=release.sprint.number,
        team_id=team.pk,
        team_name=team.name,
        is_captain=is_captain(release, user),
        went_out=went_out(release, now=now),
    )


def answer_save(
    *,
    release: Release,
    team: PartnerTeam,
    opted_in: bool,
    description: str,
    hashes: dict[str, str],
    user: AbstractBaseUser | None,
    now: datetime | None = None,
) -> ReleaseAnswer:
    """Store (or replace) a team's answer. PermissionDenied for someone who may not answer
    for the team; ValidationError for an answer after the cut-off or a bad hash."""
    now = now or timezone.now()
    refusal = answer_refusal(release, team, user, now=now)
    if refusal:
        raise PermissionDenied(refusal)
    if now >= release.answers_close and not may_steer(release, user, now=now):
        raise ValidationError(
            f"Answers closed at {timezone.localtime(release.answers_close, team_zone()):%a %b %-d %H:%M}; "
            "ask the release captain."
        )
    if now >= release.scheduled_at and not (user is not None and user.is_staff):
        raise ValidationError("This release has started; its answers can no longer change.")
    hashes = {name: schedule.normalize_hash(commit) for name, commit in hashes.items()}
    errors = []
    if opted_in:
        errors = schedule.hash_errors(
            hashes,
            team_services=Service.objects.filter(team=team, active=True).values_list(
                "name", flat=True
            ),
            known_services=Service.objects.values_list("name", flat=True),
        )
        if not hashes and not team.is_platform:
            errors.append("Give a hash for at least one service, or answer that you are out.")
    if errors:
        raise ValidationError({"hashes": errors})
    answer, _ = ReleaseAnswer.objects.update_or_create(
        release=release,
        team=team,
        defaults={
            "opted_in": opted_in,
            "description": description.strip() if opted_in else description.strip(),
            "hashes": hashes if opted_in else {},
            "answered_by": _user(user),
            "answered_at": now,
        },
    )
    return answer


def release_move(
    *,
    release: Release,
    scheduled_at: datetime,
    answers_close_at: datetime | None,
    captain: Engineer | None,
    user: AbstractBaseUser | None,
    now: datetime | None = None,
) -> Release:
    """Move a release (a holiday), set its cut-off and captain. A new time re-arms the
    reminder: it falls due 24 h before the new time, or at once when that has passed."""
    now = now or timezone.now()
    refusal = steer_refusal(release, user, now=now)
    if refusal:
        raise PermissionDenied(refusal)
    if scheduled_at <= now and scheduled_at != release.scheduled_at:
        raise ValidationError("A release can only move to a time still ahead.")
    if answers_close_at is not None and answers_close_at > scheduled_at:
        raise ValidationError("Answers must close before the release starts.")
    with transaction.atomic():
        locked = Release.objects.select_for_update().get(pk=release.pk)
        fields = ["answers_close_at", "captain"]
        locked.answers_close_at = answers_close_at
        locked.captain = captain
        if scheduled_at != locked.scheduled_at:
            locked.scheduled_at = scheduled_at
            locked.moved_at, locked.moved_by = now, _user(user)
            locked.reminder_sent_at, locked.reminder_late, locked.reminder_error = None, False, ""
            fields += [
                "scheduled_at",
                "moved_at",
                "moved_by",
                "reminder_sent_at",
                "reminder_late",
                "reminder_error",
            ]
        locked.save(update_fields=fields)
    return locked


def release_decide(
    *,
    release: Release,
    decision: str,
    note: str,
    user: AbstractBaseUser | None,
    manifest: list[schedule.ManifestLine],
    now: datetime | None = None,
) -> Release:
    """Record go / no-go. Go keeps the manifest as what went out; no-go keeps nothing."""
    refusal = steer_refusal(release, user, now=now)
    if refusal:
        raise PermissionDenied(refusal)
    if decision not in Decision.values:
        raise ValidationError("Choose go or no-go.")
    release.decision = decision
    release.decision_note = note.strip()
    release.decided_by = _user(user)
    release.decided_at = now or timezone.now()
    release.shipped = (
        {line.service: line.commit for line in manifest} if decision == Decision.GO else None
    )
    release.save(update_fields=["decision", "decision_note", "decided_by", "decided_at", "shipped"])
    return release
