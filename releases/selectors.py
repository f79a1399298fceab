"""Reads of the release train: a release with its captain, each team's answer, the manifest
and where its reminder stands, in a fixed number of queries for any number of releases."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from releases import schedule
from releases.models import Release, ReleaseAnswer
from rotations.models import Engineer, PartnerTeam, Service, team_zone

PAST_PER_PAGE = 20


@dataclass(frozen=True)
class Catalogue:
    """The teams and services a release is judged against (two queries, shared by a page)."""

    teams: list[PartnerTeam]
    services: list[schedule.ServiceFact]

    @property
    def partner_teams(self) -> list[PartnerTeam]:
        return [t for t in self.teams if not t.is_platform]

    def services_of(self, team: PartnerTeam) -> list[str]:
        return [s.name for s in self.services if s.team == team.slug]


def catalogue() -> Catalogue:
    teams = list(PartnerTeam.objects.all())
    services = [
        schedule.ServiceFact(name, slug, platform)
        for name, slug, platform in Service.objects.filter(active=True)
        .order_by("name")
        .values_list("name", "team__slug", "team__is_platform")
    ]
    return Catalogue(teams, services)


@dataclass(frozen=True)
class TeamRow:
    team: PartnerTeam
    answer: ReleaseAnswer | None

    @property
    def status(self) -> str:
        if self.answer is None:
            return "none"
        return "in" if self.answer.opted_in else "out"


@dataclass(frozen=True)
class ReleaseRow:
    release: Release
    captain: Engineer | None
    teams: list[TeamRow]  # partner teams, the platform apart
    manifest: list[schedule.ManifestLine]
    reminder: schedule.ReminderState

    @property
    def answered(self) -> list[TeamRow]:
        return [row for row in self.teams if row.answer is not None]

    @property
    def teams_in(self) -> list[PartnerTeam]:
        return [row.team for row in self.teams if row.status == "in"]

    @property
    def unanswered(self) -> list[TeamRow]:
        return [row for row in self.teams if row.answer is None]

    @property
    def went_out(self) -> list[tuple[str, str | None]] | None:
        """What the captain's go recorded, None without a go."""
        if self.release.shipped is None:
            return None
        return sorted(self.release.shipped.items())


def with_details(releases: QuerySet[Release]) -> QuerySet[Release]:
    return releases.select_related(
        "sprint__rotation__primary", "captain", "decided_by", "moved_by"
    ).prefetch_related(
        Prefetch("answers", queryset=ReleaseAnswer.objects.select_related("team", "answered_by"))
    )


def release_rows(
    releases: Iterable[Release], *, now: datetime, known: Catalogue | None = None
) -> list[ReleaseRow]:
    """Rows of releases loaded `with_details`; the catalogue is read once if not given."""
    known = known or catalogue()
    rows = []
    for release in releases:
        by_team = {a.team_id: a for a in release.answers.all()}
        facts = [a.as_fact(a.team.slug) for a in by_team.values()]
        rows.append(
            ReleaseRow(
                release=release,
                captain=release.captain_engineer(),
                teams=[TeamRow(t, by_team.get(t.pk)) for t in known.partner_teams],
                manifest=schedule.manifest(known.services, facts),
                reminder=schedule.reminder_state(
                    scheduled_at=release.scheduled_at,
                    sent_at=release.reminder_sent_at,
                    moved_at=release.moved_at,
                    now=now,
                ),
            )
        )
    return rows


def next_release(*, now: datetime, known: Catalogue | None = None) -> ReleaseRow | None:
    """The first release that has not started yet."""
    release = with_details(Release.objects.filter(scheduled_at__gt=now)).order_by("scheduled_at")
    found = release.first()
    return release_rows([found], now=now, known=known)[0] if found else None


def past_releases(*, now: datetime) -> QuerySet[Release]:
    """Releases that have started, newest first (paginate, then `release_rows`)."""
    return with_details(Release.objects.filter(scheduled_at__lte=now)).order_by("-scheduled_at")


def release_of_sprint(number: int, *, now: datetime) -> ReleaseRow | None:
    found = with_details(Release.objects.filter(sprint__number=number)).first()
    return release_rows([found], now=now)[0] if found else None


def due_reminders(*, now: datetime) -> QuerySet[Release]:
    """Releases whose reminder may be due: not sent, not started, within 24 h (the rule in
    `schedule.reminder_state` decides; a move can only make it earlier than 24 h ahead)."""
    return Release.objects.filter(
        reminder_sent_at__isnull=True,
        scheduled_at__gt=now,
        scheduled_at__lte=now + schedule.REMINDER_AHEAD,
    ).order_by("scheduled_at")


# The JSON document (API and command)


def _iso(moment: datetime | None) -> str | None:
    return timezone.localtime(moment, team_zone()).isoformat() if moment else None


def release_json(row: ReleaseRow) -> dict[str, Any]:
    release = row.release
    return {
        "sprint": release.sprint.number,
        "scheduled_at": _iso(release.scheduled_at),
        "reminder_at": _iso(release.reminder_at),
        "reminder_sent_at": _iso(release.reminder_sent_at),
        "reminder_late": release.reminder_late,
        "reminder_error": release.reminder_error or None,
        "captain": row.captain.name if row.captain else None,
        "answers_close_at": _iso(release.answers_close),
        "decision": release.decision or None,
        "answers": [
            {
                "team": r.team.slug,
                "answer": r.status,
                "description": r.answer.description if r.answer else None,
                "hashes": dict(r.answer.hashes) if r.answer and r.answer.opted_in else {},
                "answered_at": _iso(r.answer.answered_at) if r.answer else None,
            }
            for r in row.teams
        ],
        "manifest": {line.service: line.commit for line in row.manifest},
        "shipped": dict(release.shipped) if release.shipped is not None else None,
    }


def releases_json(rows: Sequence[ReleaseRow]) -> list[dict[str, Any]]:
    return [release_json(row) for row in rows]


def all_releases() -> QuerySet[Release]:
    return with_details(Release.objects.all()).order_by("scheduled_at", "pk")
