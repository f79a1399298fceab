"""`manage.py sync [--source github|pagerduty|datadog]`: poll upstreams once, in the foreground."""

from django.core.management.base import BaseCommand, CommandError

from oncall_site.sync import SOURCES, run_source


class Command(BaseCommand):
    help = "Run every configured source once (or one with --source), printing progress."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--source", choices=sorted(SOURCES), help="Only this source.")

    def handle(self, *args, source: str | None, **options) -> None:
        names = [source] if source else list(SOURCES)
        failed = []
        for name in names:
            label = SOURCES[name].label
            self.stdout.write(f"{label}: syncing…")
            outcome = run_source(
                name,
                manual=True,
                progress=lambda m, label=label: self.stdout.write(f"  {label}: {m}"),
            )
            if outcome.status == "ok":
                self.stdout.write(self.style.SUCCESS(f"{label}: {outcome.message}"))
            elif outcome.status == "not_configured":
                self.stdout.write(self.style.WARNING(f"{label}: not configured (skipped)"))
            else:
                self.stdout.write(self.style.ERROR(f"{label}: {outcome.message}"))
                failed.append(label)
        if failed:
            raise CommandError(
                f"sync failed for {', '.join(failed)}; rows already stored are kept."
            )
