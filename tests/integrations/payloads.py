"""Real payloads from the vendors' docs (`fixtures/`), and limits that keep tests quick."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from oncall_site.integrations.retries import Limits

FIXTURES = Path(__file__).parent / "fixtures"

# Tiny backoff so a recorded wait tells one retry from the next; max_wait 1 s so "wait an
# hour" is refused at once.
FAST = Limits(timeout_seconds=1.0, max_retries=2, backoff_seconds=0.01, max_wait_seconds=1.0)


def load(name: str, base_url: str | None = None) -> Any:
    """A fixture payload; with `base_url`, the vendor's API host is replaced by the
    sandbox's (PyGithub refuses links to another host than its base URL)."""
    text = (FIXTURES / name).read_text()
    if base_url:
        for host in ("https://api.github.com", "https://api.pagerduty.com"):
            text = text.replace(host, base_url)
    return json.loads(text)
