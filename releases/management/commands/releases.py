"""`manage.py releases --format json`: every release as `GET /api/v1/releases` gives them."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from releases import selectors

BATCH = 500  # rows read at a time: bounded memory and queries per batch, whatever the history


class Command(BaseCommand):
    help = "Every release (sprint, time, captain, answers, manifest, reminder) as JSON or text."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now()
        known = selectors.catalogue()
        releases = selectors.all_releases()
        rows: list[dict[str, Any]] = []
        total = releases.count()
        for start in range(0, total, BATCH):
            batch = selectors.release_rows(releases[start : start + BATCH], now=now, known=known)
            rows += selectors.releases_json(batch)
        if options["format"] == "json":
            self.stdout.write(json.dumps({"releases": rows, "next": None}, indent=2))
            return
        for row in rows:
            answered = sum(a["answer"] != "none" for a in row["answers"])
            self.stdout.write(
                f"sprint {row['sprint']}: {row['scheduled_at']} captain {row['captain'] or '-'}, "
                f"{answered}/{len(row['answers'])} answered, {len(row['manifest'])} services, "
                f"reminder {row['reminder_sent_at'] or 'not sent'}"
            )
