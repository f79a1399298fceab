"""Trim the official PagerDuty and Datadog OpenAPI descriptions to what the sandbox serves.

Keeps the operations in OPERATIONS (the routes of `sandbox/pagerduty.py` and
`sandbox/datadog.py`, which the contract tests in `tests/sandbox/test_contract.py` validate)
and every component they reach through `$ref` or a discriminator mapping, transitively, so
the trimmed document validates a response exactly as the full one does. Run from the
repository root when a spec or the sandbox's routes change:

    .venv/bin/python sandbox/specs/trim.py PAGERDUTY_JSON DATADOG_YAML

where PAGERDUTY_JSON is PagerDuty/api-schema's `reference/REST/openapiv3.json` and
DATADOG_YAML is DataDog/datadog-api-client-python's `.generator/schemas/v1/openapi.yaml`
(see README.md here for the commits). The output is deterministic: regenerating from the
same inputs rewrites the same bytes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

# Spec path -> the methods the sandbox serves on it.
OPERATIONS: dict[str, dict[str, set[str]]] = {
    "pagerduty": {
        "/incidents": {"get"},
        "/incidents/{id}": {"get"},
        "/incidents/{id}/log_entries": {"get"},
        "/log_entries": {"get"},
        "/oncalls": {"get"},
        "/schedules": {"get"},
        "/services": {"get"},
    },
    "datadog": {
        "/api/v1/monitor/search": {"get"},
        "/api/v1/query": {"get"},
        "/api/v1/validate": {"get"},
    },
}
OUTPUT = {
    "pagerduty": HERE / "pagerduty-rest-v2.trimmed.json",
    "datadog": HERE / "datadog-v1.trimmed.json",
}


class _YamlLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML without the timestamp rule: `2019-01-01` stays the string JSON would carry."""


_YamlLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        if path.suffix in {".yaml", ".yml"}:
            # _YamlLoader is a SafeLoader (the C one when built): it constructs no objects.
            return yaml.load(fh, Loader=_YamlLoader)  # noqa: S506
        return json.load(fh)


def _references(node: Any) -> list[str]:
    """Every `$ref` and discriminator mapping target inside `node`."""
    found: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            ref = item.get("$ref")
            if isinstance(ref, str):
                found.append(ref)
            mapping = item.get("discriminator", {}).get("mapping", {})
            if isinstance(mapping, dict):
                found.extend(v for v in mapping.values() if isinstance(v, str))
            stack.extend(v for k, v in item.items() if k != "$ref")
        elif isinstance(item, list):
            stack.extend(item)
    return found


def _component(ref: str) -> tuple[str, str]:
    """The component (`schemas`, `Incident`) a local reference points into."""
    parts = [p.replace("~1", "/").replace("~0", "~") for p in ref.removeprefix("#/").split("/")]
    if not ref.startswith("#/components/") or len(parts) < 3:
        raise SystemExit(f"cannot keep {ref!r}: only references into #/components/ are handled")
    return parts[1], parts[2]


def trim(doc: dict[str, Any], operations: dict[str, set[str]]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, methods in operations.items():
        item = doc["paths"][path]
        missing = methods - item.keys()
        if missing:
            raise SystemExit(f"{path} no longer documents {sorted(missing)}")
        paths[path] = {k: v for k, v in item.items() if k not in METHODS or k in methods}

    kept: set[tuple[str, str]] = set()
    pending = _references(paths)
    while pending:
        section, name = _component(pending.pop())
        if (section, name) in kept:
            continue
        kept.add((section, name))
        pending.extend(_references(doc["components"][section][name]))

    components: dict[str, Any] = {}
    for section, entries in doc["components"].items():
        if section == "securitySchemes":  # named by `security`, not by `$ref`
            components[section] = entries
            continue
        chosen = {name: value for name, value in entries.items() if (section, name) in kept}
        if chosen:
            components[section] = chosen

    used_tags = {tag for item in paths.values() for op in item.values() for tag in _tags(op)}
    out: dict[str, Any] = {}
    for key, value in doc.items():
        if key == "paths":
            out[key] = paths
        elif key == "components":
            out[key] = components
        elif key == "tags":
            out[key] = [tag for tag in value if tag.get("name") in used_tags]
        else:
            out[key] = value
    return out


def _tags(operation: Any) -> list[str]:
    return operation.get("tags", []) if isinstance(operation, dict) else []


def main(pagerduty: Path, datadog: Path) -> None:
    for vendor, source in (("pagerduty", pagerduty), ("datadog", datadog)):
        trimmed = trim(load(source), OPERATIONS[vendor])
        text = json.dumps(trimmed, indent=1, ensure_ascii=False) + "\n"
        OUTPUT[vendor].write_text(text, encoding="utf-8")
        schemas = len(trimmed["components"].get("schemas", {}))
        print(f"wrote {OUTPUT[vendor].name}: {len(text) // 1024} KB, {schemas} schemas")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    main(Path(sys.argv[1]), Path(sys.argv[2]))
