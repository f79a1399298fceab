"""Who may do what on the site, written once.

**Roles**, from the login (the strongest that applies):
- *anonymous*: nothing but `/healthz`, the login page, the signed webhooks, the calendar
  feed (its secret address) and the API (a bearer token acts as its user);
- *viewer*: logged in, not staff, no active engineer linked to the login, in no partner
  team's group: reads every page, changes nothing;
- *partner*: in a partner team's group, no engineer: reads every page, answers the
  release for its own teams and asks for deployments of their services, nothing else;
- *engineer*: an active engineer linked to the login: the team's daily work (incidents,
  alerts, findings, deployment requests and records);
- *on call*: an engineer of the current sprint's pair: also confirms rotations, decides
  deployment requests, ticks its sprint's checklist and writes its handoff;
- *staff*: everything, the past included, and the admin.

**The past is read-only except to staff**: a sprint that has ended (its rotation,
checklist and handoff notes) and a release that went out (go recorded and its time
passed) or whose sprint has ended. The release captain steers the release until then.

Each rule answers None when allowed, else the sentence the forbidden page shows. The
functions are pure: the caller passes `now` and the facts; `actor_of` reads the login.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from rotations.models import Engineer, PartnerTeam, Rotation, Sprint, team_today


class Role(StrEnum):
    ANONYMOUS = "anonymous"
    VIEWER = "viewer"
    PARTNER = "partner-team member"
    ENGINEER = "engineer"
    ON_CALL = "on-call engineer"
    STAFF = "staff"


@dataclass(frozen=True)
class Actor:
    """What the rules need to know of the person asking."""

    authenticated: bool
    is_staff: bool = False
    engineer_id: int | None = None  # an active engineer linked to the login
    on_call: bool = False  # primary or secondary of the current sprint
    team_ids: frozenset[int] = field(default_factory=frozenset)  # partner teams' groups

    @property
    def role(self) -> Role:
        if not self.authenticated:
            return Role.ANONYMOUS
        if self.is_staff:
            return Role.STAFF
        if self.engineer_id is not None:
            return Role.ON_CALL if self.on_call else Role.ENGINEER
        return Role.PARTNER if self.team_ids else Role.VIEWER

    @property
    def is_engineer(self) -> bool:
        return self.engineer_id is not None


ANONYMOUS = Actor(authenticated=False)

READ_ONLY = "Your login reads every page but changes nothing here: {what} is the team's work."
ASK_ADMIN = " Ask an admin to link your login to your engineer if you are one."


def is_past(*, ends_at: datetime, now: datetime) -> bool:
    """A sprint has passed once its end (the next sprint's first local midnight) is at or
    before `now`."""
    return ends_at <= now


def release_went_out(
    *, went_ahead: bool, scheduled_at: datetime, sprint_ends_at: datetime, now: datetime
) -> bool:
    """A release is the record of what went out once its go is recorded and its time has
    passed, or once its sprint has ended (a no-go included)."""
    return (went_ahead and scheduled_at <= now) or is_past(ends_at=sprint_ends_at, now=now)


def team_work_refusal(actor: Actor, *, what: str) -> str | None:
    """Incidents, alerts, findings, recording a deployment: engineers and staff."""
    if actor.is_staff or actor.is_engineer:
        return None
    return READ_ONLY.format(what=what) + ASK_ADMIN


def deploy_request_refusal(
    actor: Actor, *, team_id: int | None = None, team_name: str = ""
) -> str | None:
    """Asking for a deployment: engineers and staff for any team, a partner team's members
    for their own team (`team_id` None: for some team)."""
    if actor.is_staff or actor.is_engineer:
        return None
    if not actor.team_ids:
        return READ_ONLY.format(what="asking for a deployment") + ASK_ADMIN
    if team_id is None or team_id in actor.team_ids:
        return None
    return f"Members of a partner team ask for their own team's deployments, not {team_name}'s."


def deploy_decision_refusal(actor: Actor) -> str | None:
    """Approving, rejecting and marking a deployment request deployed: the on-call pair."""
    if actor.is_staff or actor.on_call:
        return None
    return "Only the on-call pair (or staff) approve, reject or mark deploy requests deployed."


def past_refusal(*, number: int, last_day: Any, what: str) -> str:
    return (
        f"Sprint {number} ended on {last_day:%b %-d, %Y}: {what} is the record of what "
        "happened and only staff may change it."
    )


def rotation_confirm_refusal(
    actor: Actor, *, number: int, last_day: Any, ends_at: datetime, now: datetime
) -> str | None:
    """Confirming or changing a sprint's pair: the on-call pair, until the sprint ends."""
    if actor.is_staff:
        return None
    if is_past(ends_at=ends_at, now=now):
        return past_refusal(number=number, last_day=last_day, what="its rotation")
    return proposal_refusal(actor)


def proposal_refusal(actor: Actor) -> str | None:
    """Confirming or changing the pair of a sprint not over yet: the on-call pair."""
    if actor.is_staff or actor.on_call:
        return None
    return "Only the on-call pair (or staff) confirm or change a rotation."


def checklist_refusal(actor: Actor, rotation: Rotation, *, now: datetime) -> str | None:
    """Ticking a sprint's checklist: its own pair, until the sprint ends."""
    if actor.is_staff:
        return None
    sprint = rotation.sprint
    if is_past(ends_at=sprint.ends_at, now=now):
        return past_refusal(number=sprint.number, last_day=sprint.last_day, what="its checklist")
    if actor.engineer_id in (rotation.primary_id, rotation.secondary_id):
        return None
    return f"Only sprint {sprint.number}'s on-call pair (or staff) tick its checklist."


def release_steer_refusal(
    actor: Actor, *, number: int, is_captain: bool, went_out: bool
) -> str | None:
    """Moving a release, go / no-go, the reminder: the captain until it went out."""
    if actor.is_staff:
        return None
    if went_out:
        return f"The release of sprint {number} went out: only staff may change it now."
    if is_captain:
        return None
    return "Only the release captain and staff steer a release (move it, go / no-go, remind)."


def release_answer_refusal(
    actor: Actor, *, number: int, team_id: int, team_name: str, is_captain: bool, went_out: bool
) -> str | None:
    """A team's answer: its group's members, the captain or staff; not once it went out."""
    if actor.is_staff:
        return None
    if went_out:
        return f"The release of sprint {number} went out: only staff may change its answers."
    if is_captain or team_id in actor.team_ids:
        return None
    return (
        f"Only members of {team_name}, the release captain and staff can answer for "
        f"{team_name}. Ask an admin to add you to the team's group if you are one of them."
    )


def actor_of(user: Any, *, now: datetime) -> Actor:
    """The person asking, read from the database: no query for anonymous or staff, else
    two (the engineer and whether they are on call; the partner teams)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    if user.is_staff:
        return Actor(authenticated=True, is_staff=True)
    current = Rotation.objects.filter(sprint__in=Sprint.objects.containing(team_today(now)))
    engineer = (
        Engineer.objects.filter(user=user, active=True)
        .annotate(
            on_call=Exists(current.filter(Q(primary=OuterRef("pk")) | Q(secondary=OuterRef("pk"))))
        )
        .values_list("pk", "on_call")
        .first()
    )
    team_ids = frozenset(PartnerTeam.objects.filter(group__user=user).values_list("pk", flat=True))
    return Actor(
        authenticated=True,
        engineer_id=engineer[0] if engineer else None,
        on_call=bool(engineer and engineer[1]),
        team_ids=team_ids,
    )


def request_actor(request: HttpRequest) -> Actor:
    """`actor_of` the request's user, read once per request."""
    if not hasattr(request, "_actor"):
        request._actor = actor_of(request.user, now=timezone.now())
    return request._actor


SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def team_work(what: str) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """A view whose writes are the team's work (`team_work_refusal`): anyone logged in
    reads it, a write from someone else is refused with the sentence (403)."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if request.method not in SAFE_METHODS:
                refusal = team_work_refusal(request_actor(request), what=what)
                if refusal:
                    raise PermissionDenied(refusal)
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def read_only_note(request: HttpRequest, *, what: str) -> str:
    """What a page says in place of its forms to someone who may not use them ("" when
    they may): `team_work_refusal` of the request's user."""
    return team_work_refusal(request_actor(request), what=what) or ""
