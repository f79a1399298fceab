"""Who PagerDuty pages, synced and compared with the rotation on the dashboard."""

import pytest
from django.urls import reverse

from oncall_site.sync import run_job
from rotations.models import Engineer, PagerDutyOnCall, Sprint, team_today

pytestmark = pytest.mark.django_db
JOB = "pagerduty.oncalls"


def test_it_stores_levels_one_and_two_and_flags_a_mismatch(upstreams, demo_team, client, member):
    assert run_job(JOB).status == "ok"
    levels = set(PagerDutyOnCall.objects.values_list("escalation_level", flat=True))
    assert levels == {1, 2}
    level1 = PagerDutyOnCall.objects.filter(escalation_level=1).first()
    rotation = Sprint.objects.containing(team_today()).get().rotation

    # Make the rotation agree with PagerDuty at level 1 and disagree at level 2.
    paged = Engineer.objects.get(pagerduty_user_id=level1.user_id)
    level2_ids = set(
        PagerDutyOnCall.objects.filter(escalation_level=2).values_list("user_id", flat=True)
    )
    other = (
        Engineer.objects.exclude(pagerduty_user_id__in={level1.user_id, *level2_ids})
        .filter(active=True)
        .first()
    )
    rotation.primary, rotation.secondary = paged, other
    rotation.save()
    client.force_login(member)
    body = client.get(reverse("dashboard")).content.decode()
    assert f"PagerDuty level 1 pages {level1.user_name}." in body
    assert "mismatch" in body and f"the rotation's secondary is {other.name}" in body

    # A repeat sync with nothing new writes nothing.
    assert run_job(JOB).written == 0


def test_it_shows_nothing_without_schedules(upstreams, demo_team, client, member, settings):
    settings.PAGERDUTY_SCHEDULE_IDS = []
    run_job(JOB)
    assert not PagerDutyOnCall.objects.exists()
    client.force_login(member)
    assert "PagerDuty level" not in client.get(reverse("dashboard")).content.decode()
