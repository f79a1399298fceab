"""The report document as JSON: aware datetimes as ISO 8601 UTC (`...Z`), dates as
`YYYY-MM-DD`, timedeltas as seconds; everything else is already plain."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from incidents.windows import isoformat_utc


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return isoformat_utc(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    raise TypeError(f"{type(value).__name__} is not part of the report document")


def to_json(document: dict[str, Any], *, indent: int | None = 2) -> str:
    return json.dumps(document, default=_plain, indent=indent, ensure_ascii=False)


def plain(document: dict[str, Any]) -> dict[str, Any]:
    """The document as `json.loads` would read it back (what the JSON format serves)."""
    return json.loads(to_json(document, indent=None))
