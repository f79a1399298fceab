"""`manage.py handoff_report [--sprint N] [--format html|pdf|json] [--output FILE]`."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from reports.document import report_document
from reports.encoding import to_json
from reports.pdf import PAPERS, PdfUnavailable, render_pdf
from reports.views import report_html
from rotations.models import Sprint
from rotations.selectors import current_sprint


class Command(BaseCommand):
    help = "Write a sprint's handoff report (default: the current sprint) as HTML, PDF or JSON."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--sprint", type=int, help="sprint number (default: the current one)")
        parser.add_argument("--format", choices=("html", "pdf", "json"), default="html")
        parser.add_argument("--paper", choices=tuple(PAPERS), default="letter", help="for pdf")
        parser.add_argument("--output", help="file to write (required for pdf; else stdout)")

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        fmt, output = options["format"], options["output"]
        if fmt == "pdf" and not output:
            raise CommandError("A PDF needs a file: add --output report.pdf.")
        if options["sprint"] is None:
            sprint = current_sprint(now=now)
            if sprint is None:
                raise CommandError("No sprint covers today; name one with --sprint N.")
        else:
            sprint = Sprint.objects.filter(number=options["sprint"]).first()
            if sprint is None:
                raise CommandError(f"There is no sprint {options['sprint']}.")
        document = report_document(sprint, as_of=now)
        if fmt == "json":
            body: str | bytes = to_json(document) + "\n"
        elif fmt == "html":
            body = report_html(document)
        else:
            try:
                body = render_pdf(report_html(document), paper=options["paper"])
            except PdfUnavailable as exc:
                raise CommandError(str(exc)) from exc
        if output is None:
            self.stdout.write(body if isinstance(body, str) else body.decode(), ending="")
            return
        path = Path(output)
        if isinstance(body, bytes):
            path.write_bytes(body)
        else:
            path.write_text(body, encoding="utf-8")
        self.stderr.write(f"sprint {sprint.number}'s report written to {path} ({fmt})")
