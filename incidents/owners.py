"""Who owns an incident, as a pure rule over what the row stores.

- A PagerDuty incident's owners are its current assignees (`Incident.assignees`, taken from
  PagerDuty's `assignments[].assignee` by the sync and the webhook), in PagerDuty's order;
  each is named as the engineer here whose PagerDuty user id matches, else by PagerDuty's
  name. PagerDuty empties the assignments once an incident resolves: no owner then.
- Otherwise (reported in Slack, entered by hand, declared from an alert, or a PagerDuty
  incident with nobody assigned) the owner is who reported it (`Incident.reported_by`),
  when that is stored.
- Else there is no owner: an empty list, which pages show as "no owner".

Reference: https://developer.pagerduty.com/api-reference/005299ed8b4e7-get-an-incident
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from oncall_site.integrations.pagerduty import PagerDutyUser
from oncall_site.integrations.text import one_line
from rotations.models import Engineer


@dataclass(frozen=True)
class Owner:
    name: str
    pagerduty_user_id: str | None  # None: not a PagerDuty assignee (the reporter)
    engineer_id: int | None  # the engineer here with that PagerDuty user id, if any

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "pagerduty_user_id": self.pagerduty_user_id,
            "engineer_id": self.engineer_id,
        }


def assignee_list(users: Iterable[PagerDutyUser]) -> list[dict[str, str]]:
    """PagerDuty's assignees as the row keeps them: each user once, in PagerDuty's order."""
    kept: dict[str, str] = {}
    for user in users:
        user_id = one_line(user.id, 64)
        if user_id:
            kept.setdefault(user_id, one_line(user.name, 120) or user_id)
    return [{"id": user_id, "name": name} for user_id, name in kept.items()]


def assignee_ids(assignees: Any) -> list[str]:
    """The PagerDuty user ids a stored `assignees` value names (malformed entries skipped)."""
    if not isinstance(assignees, list):
        return []
    return [str(a["id"]) for a in assignees if isinstance(a, dict) and a.get("id")]


def incident_owners(
    *,
    assignees: Any,
    reported_by: str,
    engineers: Mapping[str, tuple[int, str]],
) -> list[Owner]:
    """The incident's owners (see the module's doc). `engineers`: PagerDuty user id ->
    (engineer id, name) for the engineers here that have one."""
    owners = []
    for entry in assignees if isinstance(assignees, list) else ():
        if not isinstance(entry, dict) or not entry.get("id"):
            continue
        user_id = str(entry["id"])
        engineer = engineers.get(user_id)
        if engineer is not None:
            owners.append(
                Owner(name=engineer[1], pagerduty_user_id=user_id, engineer_id=engineer[0])
            )
        else:
            name = str(entry.get("name") or user_id)
            owners.append(Owner(name=name, pagerduty_user_id=user_id, engineer_id=None))
    if owners:
        return owners
    if reported_by:
        return [Owner(name=reported_by, pagerduty_user_id=None, engineer_id=None)]
    return []


def engineers_by_pagerduty_id(user_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """PagerDuty user id -> (engineer id, name) for the engineers with one of `user_ids`:
    one query, none when there are no ids."""
    wanted = sorted(set(user_ids))
    if not wanted:
        return {}
    rows = Engineer.objects.filter(pagerduty_user_id__in=wanted).values_list(
        "pagerduty_user_id", "pk", "name"
    )
    return {user_id: (pk, name) for user_id, pk, name in rows}
