"""`make demo`: migrate, load the demo team, set up schedules, then run the site and a worker.

Children are started with this interpreter and stopped together on Ctrl-C (or when one dies).
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from rotations.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERNAME


class Command(BaseCommand):
    help = "Run the whole demo: web on 127.0.0.1:PORT plus a django-q2 worker."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-seed", action="store_true", help="Skip loading the demo team.")

    def handle(self, *args, port: int, no_seed: bool, **options) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        self.stdout.write("database migrated")
        if not no_seed:
            call_command("seed_demo")
        call_command("setup_schedules")

        env = os.environ.copy()
        manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
        children = [
            ("worker", subprocess.Popen([*manage, "qcluster"], env=env)),
            (
                "web",
                subprocess.Popen(
                    [*manage, "runserver", "--noreload", f"127.0.0.1:{port}"], env=env
                ),
            ),
        ]
        url = f"http://127.0.0.1:{port}/"
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
