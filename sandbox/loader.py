"""Explicit data from JSON (the `/_sandbox/data` control endpoint) into the model types.

Field names are those of `models.py`; timestamps are ISO 8601 strings; lists become tuples
where the model wants tuples. `{"incidents": [{"id": "Q1", "created_at": "2026-03-01T10:00:00Z",
"resolved_at": "2026-03-01T11:00:00Z"}], "monitors": [...]}`.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from typing import Any

from . import models
from .dataset import Items
from .timeutil import parse_instant

COLLECTIONS: dict[str, type] = {
    "incidents": models.Incident,
    "log_entries": models.LogEntry,
    "oncalls": models.OncallShift,
    "workflow_runs": models.WorkflowRun,
    "pulls": models.PullRequest,
    "issues": models.Issue,
    "check_runs": models.CheckRun,
    "commit_statuses": models.CommitStatus,
    "code_scanning_alerts": models.CodeScanningAlert,
    "dependabot_alerts": models.DependabotAlert,
    "monitors": models.Monitor,
}


def _convert(kind: Any, value: Any) -> Any:
    if value is None:
        return None
    if kind is datetime:
        return parse_instant(value) if isinstance(value, str) else value
    origin = typing.get_origin(kind)
    if origin in {typing.Union, types.UnionType}:
        options = [a for a in typing.get_args(kind) if a is not type(None)]
        return _convert(options[0], value) if len(options) == 1 else value
    if origin is tuple:
        inner = typing.get_args(kind)[0]
        return tuple(_convert(inner, v) for v in value)
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return build(kind, value)
    return value


def build(cls: type, data: dict[str, Any]) -> Any:
    hints = typing.get_type_hints(cls, vars(models))
    unknown = set(data) - set(hints)
    if unknown:
        raise ValueError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    return cls(**{name: _convert(hints[name], value) for name, value in data.items()})


def items_from_json(payload: dict[str, Any]) -> Items:
    unknown = set(payload) - set(COLLECTIONS)
    if unknown:
        raise ValueError(
            f"unknown collection(s) {', '.join(sorted(unknown))}; one of {', '.join(COLLECTIONS)}"
        )
    parts = {key: [build(COLLECTIONS[key], row) for row in rows] for key, rows in payload.items()}
    return Items(**parts)
