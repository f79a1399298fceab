"""The official OpenAPI descriptions as validators for the sandbox's responses.

GitHub's comes whole from the pinned npm package `@octokit/openapi` (installed by `npm ci`);
PagerDuty's and Datadog's are committed in `sandbox/specs/`, trimmed to the operations the
sandbox serves (see its README). Each spec is parsed once per test session (the GitHub one
is 13 MB) and registered whole
with `referencing`, so `$ref`s resolve lazily: only the schemas a response touches are ever
visited. Validation uses openapi-schema-validator's OAS 3.0 read validator (`nullable`,
`readOnly`, OpenAPI formats).

Errata: where a spec contradicts the real API and its own examples, the schema is patched
here, explicitly, with the reason. Each patch asserts the spec still says what we correct,
so a fixed spec makes the test fail instead of silently keeping a stale patch.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from openapi_schema_validator import OAS30ReadValidator, oas30_format_checker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "github": ROOT / "node_modules" / "@octokit" / "openapi" / "generated" / "api.github.com.json",
    "pagerduty": ROOT / "sandbox" / "specs" / "pagerduty-rest-v2.trimmed.json",
    "datadog": ROOT / "sandbox" / "specs" / "datadog-v1.trimmed.json",
}


def _at(doc: Any, pointer: str) -> Any:
    node = doc
    for part in pointer.lstrip("#/").split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def _nullable(doc: Any, pointer: str) -> None:
    node = _at(doc, pointer)
    assert not node.get("nullable"), f"{pointer} is nullable now: drop the erratum"
    node["nullable"] = True


def _nullable_enums(doc: Any) -> None:
    """Read `nullable: true` on an enum as allowing null, as the specs' own examples need.

    OpenAPI 3.0.3 says null must also be listed in the enum; GitHub and Datadog write
    `nullable: true` with enums that leave it out (GitHub's `dismissed_reason`, whose
    examples are null), and the APIs send null. This is a reading of the spec, not a patch
    to one field, so it applies everywhere.
    """
    stack = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            if (
                node.get("nullable") is True
                and isinstance(node.get("enum"), list)
                and None not in node["enum"]
            ):
                node["enum"] = [*node["enum"], None]
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)


def _pagerduty_errata(doc: Any) -> None:
    incident = "/components/schemas/Incident/allOf/1/properties"
    # `resolved_at` is "null if the incident is not resolved" (its own description), and the
    # spec's getIncident example has `"resolved_at": null`.
    _nullable(doc, f"{incident}/resolved_at")
    # `priority` is null when no priority is set (accounts without priorities, or unset). It is
    # a `$ref`, which `nullable` beside it cannot loosen, hence the explicit alternative.
    properties = _at(doc, incident)
    assert set(properties["priority"]) == {"$ref"}, "Incident.priority changed: revisit the erratum"
    properties["priority"] = {"anyOf": [properties["priority"], {"enum": [None]}]}
    # AcknowledgeLogEntry pins type to "acknowledgement_log_entry" while its base LogEntry
    # pins "acknowledge_log_entry" (what the API sends): allOf of both matches nothing.
    ack = _at(doc, "/components/schemas/AcknowledgeLogEntry/allOf/1/properties/type")
    assert ack["enum"] == ["acknowledgement_log_entry"], (
        "AcknowledgeLogEntry fixed: drop the erratum"
    )
    ack["enum"] = ["acknowledge_log_entry"]
    # The Channel variants (nagios, api, email, ...) have no required distinguishing field, so
    # `{"type": "api"}` matches several and `oneOf` rejects every channel, the spec's own
    # log entry example included. `anyOf` keeps "must look like one of them".
    channel = _at(doc, "/components/schemas/Channel")
    assert "oneOf" in channel, "Channel no longer uses oneOf: drop the erratum"
    channel["anyOf"] = channel.pop("oneOf")


ERRATA: dict[str, Callable[[Any], None]] = {"pagerduty": _pagerduty_errata}


@functools.cache
def spec(vendor: str) -> dict[str, Any]:
    path = FILES[vendor]
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make install` (npm ci installs @octokit/openapi)")
    with path.open("rb") as fh:
        doc = json.load(fh)
    _nullable_enums(doc)
    ERRATA.get(vendor, lambda _doc: None)(doc)
    return doc


@functools.cache
def _registry(vendor: str) -> Registry:
    return Registry().with_resource(f"urn:{vendor}", Resource.from_contents(spec(vendor), DRAFT4))


def _escape(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


def response_pointer(vendor: str, path: str, method: str, status: int) -> str:
    """JSON pointer to the response body schema of an operation (following a `$ref`d response)."""
    responses = spec(vendor)["paths"][path][method.lower()]["responses"]
    response = responses.get(str(status))
    if response is None:
        raise KeyError(f"{method} {path} documents no {status} response")
    pointer = f"/paths/{_escape(path)}/{method.lower()}/responses/{status}"
    while "$ref" in response:
        pointer = response["$ref"].lstrip("#")
        response = _at(spec(vendor), pointer)
    return pointer + "/content/application~1json/schema"


@functools.cache
def validator(vendor: str, pointer: str) -> OAS30ReadValidator:
    return OAS30ReadValidator(
        {"$ref": f"urn:{vendor}#{pointer}"},
        registry=_registry(vendor),
        format_checker=oas30_format_checker,
    )


def errors(vendor: str, pointer: str, body: Any) -> list[str]:
    found = sorted(
        validator(vendor, pointer).iter_errors(body), key=lambda e: list(e.absolute_path)
    )
    return [
        f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in found[:10]
    ]


def assert_valid(vendor: str, path: str, method: str, status: int, body: Any) -> None:
    problems = errors(vendor, response_pointer(vendor, path, method, status), body)
    assert not problems, f"{method} {path} ({status}) breaks the {vendor} spec:\n" + "\n".join(
        problems
    )


def assert_valid_schema(vendor: str, schema_pointer: str, body: Any) -> None:
    problems = errors(vendor, schema_pointer, body)
    assert not problems, f"body breaks {vendor} {schema_pointer}:\n" + "\n".join(problems)
