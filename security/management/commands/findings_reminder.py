"""Post today's findings message to Slack, once per day (what the schedule runs)."""

from django.core.management.base import BaseCommand, CommandParser

from security.reminders import send_daily


class Command(BaseCommand):
    help = (
        "Post the daily findings message to SLACK_WEBHOOK_URL: findings breaching their SLA "
        "within 3 days, exceptions expiring within 10. Once per day; from 09:00 unless --now."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--now", action="store_true", help="do not wait for 09:00 (still once per day)"
        )

    def handle(self, *args: object, **options: object) -> None:
        outcome = send_daily(force=bool(options["now"]))
        style = self.style.SUCCESS if outcome.sent else self.style.NOTICE
        self.stdout.write(style(f"Findings message {outcome.message}"))
