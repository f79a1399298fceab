"""`make demo`: migrate, load the demo team, set up schedules, then run the site and a worker.

Without real credentials for any source, the sandbox upstreams (fake GitHub, PagerDuty,
Datadog and Slack on loopback) run too and every source points at them. Children are
started with this interpreter and stopped together on Ctrl-C (or when one dies).
"""

import io
import logging
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from dotenv import dotenv_values

from oncall_site.sync import jobs
from rotations.management.commands.seed_demo import (
    DEMO_PASSWORD,
    DEMO_USERNAME,
    refuse_in_production,
)

CREDENTIALS = ("GITHUB_TOKEN", "PAGERDUTY_API_TOKEN", "DATADOG_API_KEY")


class Command(BaseCommand):
    help = "Run the whole demo: web on 127.0.0.1:PORT plus a django-q2 worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-seed", action="store_true", help="Skip loading the demo team.")

    def handle(self, *args, port: int, no_seed: bool, **options) -> None:
        refuse_in_production("demo")
        call_command("migrate", interactive=False, verbosity=0)
        if not no_seed:
            call_command("seed_demo", stdout=io.StringIO())
        call_command("setup_schedules", stdout=io.StringIO())
        self.stdout.write("Database migrated, demo team loaded, schedules in place.")

        env = os.environ.copy()
        # The worker's and the server's chatter (each task, each request) at WARNING unless
        # asked for: the console keeps what a person needs, and the login stays in view.
        env.setdefault("LOG_LEVEL", "WARNING")
        logging.getLogger("django-q").setLevel(logging.WARNING)
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children: list[tuple[str, subprocess.Popen]] = []
        if not any(env.get(name) for name in CREDENTIALS):
            sandbox, sandbox_env = self.start_sandbox(manage, env)
            children.append(("sandbox", sandbox))
            env.update(sandbox_env)
            self.stdout.write("No credentials set: every source points at the sandbox upstreams.")
        else:
            self.stdout.write("Credentials found: polling the real services.")
        web = [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"]
        children += [
            ("worker", subprocess.Popen([*manage, "qcluster"], env=env)),
            ("web", subprocess.Popen(web, env=env)),
        ]
        # Don't wait for the scheduler's first tick: beat and poll once right away.
        from django_q.tasks import async_task

        async_task("oncall_site.tasks.heartbeat")
        for declared in jobs():
            async_task("oncall_site.tasks.sync_job", declared.key)
        url = f"http://127.0.0.1:{port}/"
        self.wait_for(f"{url}healthz", children)
        self.stdout.write(self.style.SUCCESS(f"\nOn-call dashboard: {url}"))
        self.stdout.write(
            f"Log in as {DEMO_USERNAME} / {DEMO_PASSWORD}   (admin: {url}admin/, health: {url}healthz)"
        )
        self.stdout.write("Ctrl-C stops everything.\n")

        stopping = False

        def stop(*_args) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        try:
            while not stopping:
                for name, proc in children:
                    if proc.poll() is not None:
                        self.stderr.write(
                            f"{name} exited with {proc.returncode}; stopping the demo."
                        )
                        stopping = True
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
        for _name, proc in children:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + 15
        for _name, proc in children:
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
        self.stdout.write("demo stopped")

    def wait_for(self, url: str, children: list[tuple[str, subprocess.Popen]]) -> None:
        """Until the site answers (at most 30 s), so the login is the last thing printed."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if any(proc.poll() is not None for _name, proc in children):
                return
            try:
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - loopback only
                    return
            except urllib.error.HTTPError:
                return  # it answered (503 while the worker warms up is an answer)
            except OSError:
                time.sleep(0.3)

    def start_sandbox(
        self, manage: list[str], env: dict[str, str]
    ) -> tuple[subprocess.Popen, dict[str, str]]:
        env_file = settings.VAR_DIR / "sandbox.env"
        env_file.unlink(missing_ok=True)
        proc = subprocess.Popen(
            [*manage, "sandbox", "--env-file", str(env_file), "--live-interval", "60", "--quiet"],
            env=env,
        )
        deadline = time.monotonic() + 30
        while not env_file.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise CommandError("the sandbox upstreams did not start; see the output above")
            time.sleep(0.2)
        time.sleep(0.2)  # the file is written in one go; give the writer a moment to close it
        values = dotenv_values(env_file)
        values["GITHUB_SECONDS_BETWEEN_REQUESTS"] = "0"  # no need to be gentle with ourselves
        return proc, {k: v for k, v in values.items() if v is not None}
