"""`manage.py metrics`: the metrics of a window (incidents, security, deployments) as JSON
(the API's document) or text."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from incidents import selectors_metrics
from incidents.templatetags.incident_format import duration
from incidents.windows import WindowError, parse_instant
from oncall_site.metrics import metrics_document
from rotations.models import team_zone


class Command(BaseCommand):
    help = (
        "Incident metrics (MTTR, MTTA, counts, partner impact) for incidents started in "
        "[since, until) or in a sprint, and SecRel's; JSON like GET /api/v1/metrics, or text."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--since", help="ISO 8601 instant or date (team's midnight)")
        parser.add_argument("--until", help="ISO 8601 instant or date, not included")
        parser.add_argument("--sprint", type=int, help="a sprint number instead of since/until")
        parser.add_argument("--as-of", dest="as_of", help="the instant described (default now)")
        parser.add_argument("--format", choices=["json", "text"], default="json")

    def handle(self, *args: Any, **options: Any) -> None:
        params = {
            name: str(options[name])
            for name in ("since", "until", "sprint")
            if options.get(name) is not None
        }
        if not params:
            raise CommandError("Give --since and --until (ISO 8601), or --sprint N.")
        try:
            window = selectors_metrics.window_from_params(params, default_to_current=False)
            as_of = (
                parse_instant(options["as_of"], "--as-of", team_zone())
                if options.get("as_of")
                else timezone.now()
            )
        except WindowError as exc:
            raise CommandError(str(exc)) from None
        document = metrics_document(since=window.since, until=window.until, as_of=as_of)
        if options["format"] == "json":
            self.stdout.write(json.dumps(document, indent=2))
        else:
            self.stdout.write(as_text(document, label=window.label))


def as_text(document: dict[str, Any], *, label: str = "") -> str:
    m = document["incidents"]
    title = f"{label}: " if label else ""
    severities = ", ".join(f"{sev} {count}" for sev, count in m["by_severity"].items())
    sources = ", ".join(f"{src} {count}" for src, count in m["by_source"].items()) or "none"
    lines = [
        f"{title}incidents started {document['since']} – {document['until']}"
        f" (as of {document['as_of']})",
        f"  MTTR            {duration(m['mttr_seconds'])}"
        f" (median {duration(m['mttr_median_seconds'])}, p90 {duration(m['mttr_p90_seconds'])})",
        f"  MTTA            {duration(m['mtta_seconds'])}",
        f"  Incidents       {m['incident_count']} ({m['resolved_count']} resolved, "
        f"{m['open_count']} open; {m['canceled_count']} canceled apart)",
        f"  Never acked     {m['unacknowledged_count']}",
        f"  By severity     {severities}",
        f"  By source       {sources}",
        "  Partner impact  "
        + (
            ", ".join(
                f"{team} {minutes:,.0f} min"
                for team, minutes in m["partner_impact_minutes"].items()
            )
            or "none"
        ),
    ]
    releases = releases_text(document["releases"]) if "releases" in document else []
    return "\n".join([*lines, *secrel_text(document["security"]["secrel"]), *releases])


def releases_text(r: dict[str, Any]) -> list[str]:
    def scope(key: str) -> str:
        per_week = r["deploys_per_week"][key]
        rate = r["change_failure_rate"][key]
        shown = "—" if rate["rate"] is None else f"{rate['rate']:.0%}"
        weekly = "—" if per_week is None else f"{per_week:.1f}"
        return (
            f"{r['deployments'][key]} on {r['deploy_days'][key]} days ({weekly} a week), "
            f"{rate['failed']} / {rate['deployments']} failed ({shown})"
        )

    return [f"  Deploys prod    {scope('prod')}", f"  Deploys all     {scope('all')}"]


def secrel_text(s: dict[str, Any]) -> list[str]:
    if s["state"] == "failing":
        state = (
            f"failing since run #{s['failing_since_run_number']} ({s['failing_since']}),"
            f" {s['red_runs']} red runs"
        )
    else:
        state = s["state"]
    rate = "—" if s["pass_rate"] is None else f"{s['pass_rate']:.0%}"
    red = "—" if s["hours_red"] is None else f"{s['hours_red']:.1f} h"
    missed, off = s["missed_scheduled_runs"], s["off_schedule_runs"]
    return [
        f"  SecRel          {state}",
        f"  Pass rate       {rate} (red {red} of the window)",
        "  Schedule        "
        + (
            "not judged (no run stored)"
            if missed is None or off is None
            else f"{len(missed)} missed ({', '.join(missed) or 'none'}), {len(off)} off schedule"
        ),
    ]
