"""The one idempotent upsert every sync job stores through.

Rows are keyed on the upstream id. Each synced model declares its `Ownership`: the fields
the upstream owns (overwritten when the upstream changes them), the fields a person may
correct (kept as long as the upstream fields they derive from have not changed), and its
links (stored only when they are http(s): a `javascript:` URL in a PR title's link is
dropped here, not escaped later). So:

- the same item twice in one batch (a monitor listed on two pages) is stored once, the
  later copy winning;
- a row whose upstream fields are unchanged is not written at all;
- a person's correction survives the next sync, until the upstream changes its basis;
- an insert that collides with a row stored meanwhile (a webhook, a run of another job)
  is retried once as an update instead of failing the run.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Generic, TypeVar

from django.db import IntegrityError, models, transaction

from oncall_site.integrations.text import fit, one_line, plain_text
from oncall_site.links import http_url

M = TypeVar("M", bound=models.Model)
Item = Mapping[str, Any]
Merge = Callable[[Any, dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Ownership(Generic[M]):
    """Who owns which field of a synced model.

    - `key`: the fields naming the upstream item (unique together), e.g. `("run_id",)` or
      `("source", "external_id")`.
    - `upstream`: fields the upstream owns; written on create and whenever they change.
    - `corrections`: field -> the upstream fields it is derived from. The synced value is
      proposed on create; afterwards the stored value (perhaps a person's correction) stands
      until one of those upstream fields changes. E.g. severity from priority and urgency.
    - `links`: URL fields; anything but an absolute http(s) URL is stored as "".
    - `stamp`: a field set to the run's `now` whenever the row is created or changed.
    - `merge`: model rules too particular to declare (a finer local state the upstream
      does not have); gets the stored row and the incoming fields, returns the fields.
    Fields an item carries beyond these (e.g. `first_seen_at`) are used on create only.
    """

    model: type[M]
    key: tuple[str, ...]
    upstream: tuple[str, ...]
    corrections: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    links: tuple[str, ...] = ()
    stamp: str | None = None
    merge: Merge | None = None

    def __post_init__(self) -> None:
        names = {f.name for f in self.model._meta.get_fields()}
        declared = {*self.key, *self.upstream, *self.corrections, *self.links}
        for basis in self.corrections.values():
            declared.update(basis)
        if self.stamp:
            declared.add(self.stamp)
        unknown = declared - names - {f"{n}_id" for n in names}
        if unknown:
            raise ValueError(f"{self.model.__name__} has no field(s) {sorted(unknown)}")
        missing = set(self.links) - set(self.upstream)
        if missing:
            raise ValueError(f"links {sorted(missing)} must be upstream fields too")

    @property
    def written(self) -> list[str]:
        fields = [*self.upstream, *self.corrections]
        return [*fields, self.stamp] if self.stamp else fields


@dataclass
class Written:
    created: int = 0
    updated: int = 0
    duplicates: int = 0  # items repeated within the batch, stored once

    @property
    def total(self) -> int:
        return self.created + self.updated


@cache
def _text_columns(model: type[models.Model]) -> dict[str, tuple[bool, int | None]]:
    """Text column -> (whether it keeps newlines, its length)."""
    return {
        f.attname: (isinstance(f, models.TextField), f.max_length)
        for f in model._meta.concrete_fields
        if isinstance(f, models.CharField | models.TextField)
    }


def clean(ownership: Ownership[Any], item: Item) -> dict[str, Any]:
    """The item as it may be stored: links checked, text without control characters and
    cut to the column's length (with an ellipsis), lists of text (tags) alike."""
    columns = _text_columns(ownership.model)
    out: dict[str, Any] = {}
    for name, value in item.items():
        if name in ownership.links:
            value = http_url(value)
        if isinstance(value, str) and name in columns:
            multiline, length = columns[name]
            value = fit(plain_text(value, multiline=multiline), length)
        elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
            value = type(value)(one_line(v) for v in value)
        out[name] = value
    return out


def upsert(
    ownership: Ownership[M], items: Iterable[Item], *, now: datetime | None = None
) -> Written:
    """Create the new items, update the changed ones, leave the rest untouched."""
    by_key: dict[tuple[Any, ...], dict[str, Any]] = {}
    count = 0
    for item in items:
        count += 1
        cleaned = clean(ownership, item)
        by_key[tuple(cleaned[k] for k in ownership.key)] = cleaned
    result = Written(duplicates=count - len(by_key))
    if not by_key:
        return result
    try:
        _store(ownership, by_key, now, result)
    except IntegrityError:
        # Stored meanwhile by someone else: read again, and this time it is an update.
        result.created = result.updated = 0
        _store(ownership, by_key, now, result)
    return result


def _existing(ownership: Ownership[M], keys: Iterable[tuple[Any, ...]]) -> dict[tuple, M]:
    """The stored rows for these keys: one query per distinct key prefix (e.g. per source)."""
    *prefix_fields, last = ownership.key
    groups: dict[tuple[Any, ...], list[Any]] = defaultdict(list)
    for key in keys:
        groups[key[:-1]].append(key[-1])
    found: dict[tuple, M] = {}
    manager = ownership.model._default_manager
    for prefix, values in groups.items():
        rows = manager.filter(
            **dict(zip(prefix_fields, prefix, strict=True)), **{f"{last}__in": values}
        )
        for row in rows:
            found[tuple(getattr(row, k) for k in ownership.key)] = row
    return found


def _store(
    ownership: Ownership[M],
    by_key: dict[tuple[Any, ...], dict[str, Any]],
    now: datetime | None,
    result: Written,
) -> None:
    existing = _existing(ownership, by_key)
    creates: list[M] = []
    updates: list[M] = []
    for key, fields in by_key.items():
        row = existing.get(key)
        if row is None:
            if ownership.stamp and now is not None:
                fields = {**fields, ownership.stamp: now}
            creates.append(ownership.model(**fields))
            continue
        incoming = {
            n: fields[n] for n in (*ownership.upstream, *ownership.corrections) if n in fields
        }
        for name, basis in ownership.corrections.items():
            if all(getattr(row, b) == incoming.get(b, getattr(row, b)) for b in basis):
                incoming[name] = getattr(row, name)  # a person's correction stands
        if ownership.merge is not None:
            incoming = ownership.merge(row, incoming)
        changed = [n for n, v in incoming.items() if getattr(row, n) != v]
        if not changed:
            continue
        for name in changed:
            setattr(row, name, incoming[name])
        if ownership.stamp and now is not None:
            setattr(row, ownership.stamp, now)
        updates.append(row)
    if not creates and not updates:
        return
    with transaction.atomic():
        if creates:
            ownership.model._default_manager.bulk_create(creates, batch_size=500)
        if updates:
            ownership.model._default_manager.bulk_update(updates, ownership.written, batch_size=500)
    result.created += len(creates)
    result.updated += len(updates)
