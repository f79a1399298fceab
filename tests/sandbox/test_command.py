"""`python manage.py sandbox` runs in the foreground, prints where it listens, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def test_it_runs_until_interrupted_and_prints_the_environment(tmp_path: Path) -> None:
    env_file = tmp_path / "sandbox.env"
    proc = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "sandbox",
            "--github-port",
            "0",
            "--pagerduty-port",
            "0",
            "--datadog-port",
            "0",
            "--slack-port",
            "0",
            "--seed",
            "2",
            "--env-file",
            str(env_file),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    lines: list[str] = []
    ready = threading.Event()

    def read_output() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line.rstrip())
            if line.startswith("Ctrl-C stops"):
                ready.set()
        ready.set()  # it exited early: the assertions below say what was missing

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    try:
        # A bound on the wait for startup (a blocked read would otherwise hang the suite).
        ready.wait(timeout=30)
        exports = dict(
            line.removeprefix("export ").split("=", 1)
            for line in lines
            if line.startswith("export ")
        )
        assert set(exports) >= {
            "GITHUB_API_URL",
            "PAGERDUTY_API_URL",
            "DATADOG_API_URL",
            "SLACK_WEBHOOK_URL",
            "GITHUB_TOKEN",
            "PAGERDUTY_API_TOKEN",
            "DATADOG_API_KEY",
            "DATADOG_APP_KEY",
        }
        written = dict(line.split("=", 1) for line in env_file.read_text().splitlines())
        assert written["GITHUB_API_URL"] == exports["GITHUB_API_URL"]
        resp = requests.get(
            exports["PAGERDUTY_API_URL"] + "/schedules",
            timeout=5,
            headers={"Authorization": f"Token token={exports['PAGERDUTY_API_TOKEN']}"},
        )
        assert resp.status_code == 200 and len(resp.json()["schedules"]) == 2
        assert any("GitHub" in line and exports["GITHUB_API_URL"] in line for line in lines)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=15)
        reader.join(timeout=15)
    assert proc.returncode == 0
    assert "sandbox stopped" in lines


def test_it_explains_a_port_already_in_use() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "sandbox",
                "--github-port",
                str(port),
                "--pagerduty-port",
                "0",
                "--datadog-port",
                "0",
                "--slack-port",
                "0",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
    assert proc.returncode != 0
    assert "cannot listen" in proc.stderr
