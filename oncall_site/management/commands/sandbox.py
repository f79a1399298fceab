"""`python manage.py sandbox`: fake GitHub, PagerDuty, Datadog and Slack on loopback.

Runs in the foreground until Ctrl-C (or SIGTERM), printing each server's URL and the
environment variables that point the site at them (`--env-file` also writes them as a
dotenv file for another process to read).
"""

from __future__ import annotations

import os
import shlex
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from sandbox import DEFAULT_PORTS, SandboxClock, ScenarioConfig, start_sandbox
from sandbox.timeutil import parse_instant


class Command(BaseCommand):
    help = "Run fake GitHub, PagerDuty, Datadog and Slack servers on 127.0.0.1 until Ctrl-C."

    def add_arguments(self, parser: CommandParser) -> None:
        for vendor, port in DEFAULT_PORTS.items():
            parser.add_argument(
                f"--{vendor}-port",
                type=int,
                default=port,
                help=f"default {port}; 0 picks a free one",
            )
        parser.add_argument("--seed", type=int, default=1, help="scenario seed (default 1)")
        parser.add_argument(
            "--live-interval",
            type=float,
            default=90.0,
            help="seconds between new events (pages, alerts, SecRel runs, Dependabot PRs); 0 for none",
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="clock speed: 60 makes a minute pass per second",
        )
        parser.add_argument(
            "--start", help="ISO instant the history ends and the live stream begins (default now)"
        )
        parser.add_argument(
            "--scale",
            action="store_true",
            help="benchmark volume: 10,000 incidents and 2,000 workflow runs, no live stream",
        )
        parser.add_argument(
            "--env-file", type=Path, help="also write the variables to this file (KEY=VALUE lines)"
        )
        parser.add_argument(
            "--quiet", action="store_true", help="one line of addresses, no export lines"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if settings.PRODUCTION:
            raise CommandError(
                "The sandbox serves the demo's made-up upstream data; refused with "
                "DJANGO_ENV=production."
            )
        try:
            start: datetime | None = parse_instant(options["start"]) if options["start"] else None
        except ValueError:
            raise CommandError(
                f"--start must be an ISO date or date-time, not {options['start']!r}"
            ) from None
        if options["speed"] <= 0:
            raise CommandError("--speed must be positive")
        if options["scale"]:
            config = ScenarioConfig.scale(seed=options["seed"])
        else:
            config = ScenarioConfig(
                seed=options["seed"], live_interval=max(options["live_interval"], 0.0)
            )
        ports = {f"{vendor}_port": options[f"{vendor}_port"] for vendor in DEFAULT_PORTS}
        try:
            sandbox = start_sandbox(
                clock=SandboxClock.running(start, speed=options["speed"]),
                scenario=config,
                start=start,
                **ports,
            )
        except OSError as exc:
            raise CommandError(
                f"cannot listen ({exc}); is another sandbox running? Pick ports with --github-port etc."
            ) from None

        env = sandbox.env()
        if options["env_file"]:
            # Written whole and renamed into place: a process polling for the file (make demo,
            # the benchmark) never reads half of it.
            target: Path = options["env_file"]
            partial = target.with_name(target.name + ".partial")
            partial.write_text("".join(f"{key}={value}\n" for key, value in env.items()))
            os.replace(partial, target)
        live = (
            f"a new event every {config.live_interval:g} s"
            if config.live_interval
            else "no live events"
        )
        if options["quiet"]:
            self.stdout.write(
                f"Sandbox upstreams (seed {config.seed}, {live}) on {sandbox.github_url} and "
                f"the next ports; controls at {sandbox.github_url}/_sandbox"
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"Sandbox upstreams (seed {config.seed}, {live}):")
            )
            for label, url in (
                ("GitHub", sandbox.github_url),
                ("PagerDuty", sandbox.pagerduty_url),
                ("Datadog", sandbox.datadog_url),
                ("Slack", sandbox.slack_webhook_url),
            ):
                self.stdout.write(f"  {label:<10} {url}")
            self.stdout.write("\nPoint the site at them:")
            for key, value in env.items():
                self.stdout.write(f"export {key}={shlex.quote(value)}")
            if options["env_file"]:
                self.stdout.write(f"(also written to {options['env_file']})")
            self.stdout.write(
                f"\nFaults, clock and data over HTTP: {sandbox.github_url}/_sandbox "
                "(see sandbox/control.py)"
            )
            self.stdout.write("Ctrl-C stops.")
        self.stdout.flush()

        stop = threading.Event()
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            while not stop.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            sandbox.stop()
        self.stdout.write("sandbox stopped")
