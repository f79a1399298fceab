"""Reading vendor payloads: `Source`, the field readers every normalizer uses.

A normalizer is a plain function of a dict: a missing required field or an unreadable
timestamp becomes `BadPayload` in the source's name, so the sync can say in words which
upstream sent what it could not read.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from oncall_site.integrations.errors import BadPayload, bad_payload
from oncall_site.integrations.timestamps import parse_instant


@dataclass(frozen=True)
class Source:
    """A source's key ("github") and display name ("GitHub"), with the field readers."""

    key: str
    name: str

    def bad(self, detail: BaseException | str) -> BadPayload:
        return bad_payload(self.key, self.name, detail)

    def mapping(self, raw: object, what: str) -> Mapping[str, Any]:
        if not isinstance(raw, Mapping):
            raise self.bad(f"expected an object for {what}, got {type(raw).__name__}")
        return raw

    def required(self, raw: Mapping[str, Any], key: str, what: str = "") -> Any:
        value = raw.get(key)
        if value is None or value == "":
            raise self.bad(f"{what or 'record'} has no {key!r}")
        return value

    def text(self, raw: Mapping[str, Any] | None, key: str) -> str | None:
        value = (raw or {}).get(key)
        return None if value is None else str(value)

    def nested(self, raw: Mapping[str, Any] | None, *keys: str) -> Any:
        """raw[k1][k2]..., None as soon as a level is missing or null."""
        value: Any = raw
        for key in keys:
            if not isinstance(value, Mapping):
                return None
            value = value.get(key)
        return value

    def timestamp(self, value: object, field: str) -> datetime | None:
        """`parse_instant`, with an unreadable value as BadPayload naming the field."""
        try:
            return parse_instant(value)
        except ValueError:
            raise self.bad(f"{field} is not a timestamp: {value!r}") from None

    def required_timestamp(self, raw: Mapping[str, Any], key: str, what: str = "") -> datetime:
        value = self.timestamp(self.required(raw, key, what), key)
        if value is None:  # only spaces: as good as missing
            raise self.bad(f"{what or 'record'} has no {key!r}")
        return value
