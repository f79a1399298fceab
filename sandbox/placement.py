"""Where generated items fall in time: epoch-anchored grids, and ids that never clash."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from .rng import Rand

EPOCH = datetime(2020, 1, 1, tzinfo=UTC)


def grid(
    rand: Rand,
    kind: str,
    count: int,
    span: timedelta,
    lo: datetime,
    hi: datetime,
    *,
    exact: bool = False,
) -> Iterator[tuple[int, datetime]]:
    """`count` items per `span`, one per slot of a grid anchored at a fixed epoch.

    Anchoring at an epoch rather than at the sandbox start keeps item i at the same instant
    whenever the sandbox is started, so a restarted demo serves the same history. `exact`
    yields precisely the `count` items before `hi` (the benchmark counts them), rather than
    the ones between `lo` and `hi`, which can be one more or one fewer.
    """
    if count <= 0:
        return
    spacing = span.total_seconds() / count

    def at(i: int) -> datetime:
        return (
            EPOCH + timedelta(seconds=(i + rand.child(kind, i).unit("slot")) * spacing)
        ).replace(microsecond=0)

    last = int((hi - EPOCH).total_seconds() // spacing)
    while at(last) >= hi:
        last -= 1
    first = last - count + 1 if exact else int((lo - EPOCH).total_seconds() // spacing) - 1
    for i in range(first, last + 1):
        when = at(i)
        if exact or lo <= when:
            yield i, when


class Ids:
    """Unique ids from a preferred value (derived from time), bumped on the rare clash."""

    def __init__(self) -> None:
        self._used: set[int] = set()

    def take(self, preferred: int) -> int:
        while preferred in self._used:
            preferred += 1
        self._used.add(preferred)
        return preferred
