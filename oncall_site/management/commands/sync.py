"""`manage.py sync [--source VENDOR[.JOB]]`: run sync jobs once, in the foreground."""

import logging

from django.core.management.base import BaseCommand, CommandError

from oncall_site.sync import run_job, select

log = logging.getLogger("oncall_site.sync")


class Command(BaseCommand):
    help = (
        "Run every sync job once (or a vendor's, --source github, or one, "
        "--source github.secrel_runs), printing progress. Exits non-zero if one failed."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--source", help="A vendor (github, pagerduty, datadog) or one job (vendor.job)."
        )

    def handle(self, *args, source: str | None, **options) -> None:
        try:
            chosen = select(source)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        failed = []
        for declared in chosen:
            title = declared.title
            self.stdout.write(f"{title}: syncing…")
            try:
                outcome = run_job(
                    declared,
                    manual=True,
                    progress=lambda m, t=title: self.stdout.write(f"  {t}: {m}"),
                )
            except Exception as exc:  # a bug: say so, keep going with the other jobs
                log.exception("sync of %s crashed", declared.key)
                self.stdout.write(self.style.ERROR(f"{title}: internal error: {exc}"))
                failed.append(declared.key)
                continue
            if outcome.status == "ok":
                self.stdout.write(self.style.SUCCESS(f"{title}: {outcome.message}"))
            elif outcome.status in {"not_configured", "busy"}:
                self.stdout.write(self.style.WARNING(f"{title}: {outcome.message}"))
            else:
                self.stdout.write(self.style.ERROR(f"{title}: {outcome.message}"))
                failed.append(declared.key)
        if failed:
            raise CommandError(
                f"sync failed for {', '.join(failed)}; rows already stored are kept."
            )
