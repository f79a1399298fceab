"""The metrics document of `GET /api/v1/metrics` and `manage.py metrics`: each app's figures
of one window under its own key, composed here so the apps never read each other's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incidents.selectors_metrics import metrics_document as incidents_document
from releases.selectors_deploys import releases_document
from security.selectors import security_document


def metrics_document(*, since: datetime, until: datetime, as_of: datetime) -> dict[str, Any]:
    """`{"since", "until", "as_of", "incidents": {...}, "security": {...}, "releases": {...}}`;
    null where nothing is measured."""
    document = incidents_document(since=since, until=until, as_of=as_of)
    document["security"] = security_document(since=since, until=until, as_of=as_of)
    document["releases"] = releases_document(since=since, until=until, as_of=as_of)
    return document
