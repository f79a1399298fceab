"""Demo deploy requests for `seed_demo`: one of each state, from two partner teams' people."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model

from releases import deploys
from releases.deploy_models import DeployRequest
from rotations.models import PartnerTeam

# username -> (first name, last name, team slug)
REQUESTERS = {
    "maya.cc": ("Maya", "Ortiz", "contention-classification"),
    "omar.ee": ("Omar", "Nguyen", "employee-experience"),
}


def seed_deploy_requests(*, decider: Any, now: datetime) -> int:
    """Pending, approved, rejected and deployed requests; nothing when some exist already."""
    if DeployRequest.objects.exists():
        return 0
    User = get_user_model()
    people = {}
    for username, (first, last, slug) in REQUESTERS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_unusable_password()
            user.save()
        people[username] = (user, PartnerTeam.objects.get(slug=slug))
    maya, cc = people["maya.cc"]
    omar, ee = people["omar.ee"]
    hour = timedelta(hours=1)

    def ask(user: Any, team: PartnerTeam, env: str, services: dict, reason: str, **extra: Any):
        return deploys.request_deploy(
            requester=user,
            team=team,
            environment=env,
            services=services,
            reason=reason,
            now=extra.pop("at"),
            **extra,
        )

    ask(
        maya,
        cc,
        "qa",
        {"cc-app": "4f9c2e1a7b"},
        "QA needs the new contention classifier model for regression tests.",
        at=now - 3 * hour,
    )
    ask(
        omar,
        ee,
        "prod",
        {"ee-ep-merge-app": "9e1d44c0"},
        "EP merge jobs stuck on claims with two end products.",
        emergency_justification="Veterans' claims are stuck; the fix is one line and tested in prod-test.",
        incident_link="https://github.com/example-org/benefits-platform/issues/4120",
        at=now - 40 * timedelta(minutes=1),
    )
    approved = ask(
        omar,
        ee,
        "sandbox",
        {"ee-max-cfi-app": "a1b2c3d4e5f6", "ee-ep-merge-app": "9e1d44c0"},
        "Partner demo on the sandbox tomorrow.",
        at=now - 26 * hour,
    )
    deploys.approve(approved, by=decider, now=now - 20 * hour)
    rejected = ask(
        maya,
        cc,
        "prod-test",
        {"cc-app": "77aa01b"},
        "Try the classifier on prod-test before the release.",
        at=now - 50 * hour,
    )
    deploys.reject(
        rejected,
        by=decider,
        reason="prod-test is frozen for the release on Wednesday; it goes out with the release.",
        now=now - 48 * hour,
    )
    done = ask(
        maya,
        cc,
        "dev",
        {"cc-app": "3c0ffee"},
        "Dev smoke tests of the new model.",
        at=now - 5 * hour,
    )
    deploys.approve(done, by=decider, now=now - 4 * hour)
    deploys.mark_deployed(done, by=decider, now=now - 3.5 * hour)
    return DeployRequest.objects.count()
