"""Post every due release reminder to Slack, once (what the schedule runs every 5 minutes)."""

from django.core.management.base import BaseCommand

from oncall_site.integrations import slack
from releases.reminders import send_due
from releases.services import releases_ensure


class Command(BaseCommand):
    help = (
        "Post the reminder of every release due within 24 hours to SLACK_WEBHOOK_URL, exactly "
        "once even with several processes at once; a failed post is tried again next run."
    )

    def handle(self, *args: object, **options: object) -> None:
        # A sprint stored some other way (a fixture, raw SQL) still gets its release.
        releases_ensure()
        if slack.config_from_settings() is None:
            self.stdout.write(self.style.NOTICE("Slack is not configured (SLACK_WEBHOOK_URL)."))
            return
        outcomes = send_due()
        if not outcomes:
            self.stdout.write("No release reminder is due.")
        for outcome in outcomes:
            style = self.style.SUCCESS if outcome.sent else self.style.NOTICE
            self.stdout.write(style(f"Release of sprint {outcome.sprint}: {outcome.message}"))
