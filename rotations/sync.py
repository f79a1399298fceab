"""PagerDuty job of the rotations app: who PagerDuty pages now, to compare with the rotation."""

from django.db import transaction

from oncall_site.integrations import pagerduty
from oncall_site.sync import SyncContext, job, vendors
from rotations.models import PagerDutyOnCall


@job(vendors.PAGERDUTY, "oncalls", label="on-calls", minutes=2)
def pagerduty_oncalls(ctx: SyncContext) -> None:
    """Escalation levels 1 and 2 of the configured schedules, at this moment.

    The stored set is replaced as a whole when it changes (it is a snapshot of "now",
    not a history); an unchanged set writes nothing.
    """
    config: pagerduty.Config = ctx.config
    if not config.schedule_ids:
        ctx.note("no PAGERDUTY_SCHEDULE_IDS: nothing to compare")
        return
    current = {
        (o.schedule_id or "", o.escalation_level, o.user_id): o
        for o in pagerduty.iter_oncalls(ctx.client, config)  # no range: on call now
    }
    ctx.fetched += len(current)
    stored = set(PagerDutyOnCall.objects.values_list("schedule_id", "escalation_level", "user_id"))
    if set(current) == stored:
        return
    with transaction.atomic():
        PagerDutyOnCall.objects.all().delete()
        PagerDutyOnCall.objects.bulk_create(
            PagerDutyOnCall(
                schedule_id=key[0],
                escalation_level=o.escalation_level,
                user_id=o.user_id,
                user_name=o.user_name[:200],
                start=o.start,
                end=o.end,
                synced_at=ctx.now,
            )
            for key, o in current.items()
        )
    ctx.written += len(current)
