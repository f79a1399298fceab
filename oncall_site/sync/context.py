"""What a job function gets: configuration, client, the time, its cursor, and counters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

BATCH = 500


def batched(items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
    """Chunks of a stream, so upserts go in batches and memory stays flat."""
    iterator = iter(items)
    while chunk := list(islice(iterator, size)):
        yield chunk


@dataclass
class SyncContext:
    """One run of one job.

    - `now`: the instant the run describes (the upstream is asked "until now").
    - `cursor`: where the last successful run left off; the job moves it, and the engine
      stores it only if the whole run succeeds (a failed run refetches the same span).
    - `fetched`/`written`: items read from the upstream, rows created or changed here.
    - `flag(...)`: an item that could not be read or found, named, while the run carries on.
    """

    config: Any
    client: Any
    now: datetime
    cursor: dict[str, Any]
    progress: Callable[[str], None]
    keepalive: Callable[[], None] = lambda: None
    cursor_is_valid: bool = True  # False: the stored cursor was for another configuration
    fetched: int = 0
    written: int = 0
    warnings: list[str] = field(default_factory=list)

    def note(self, message: str) -> None:
        self.keepalive()
        self.progress(message)

    def batches(self, items: Iterable[Any], size: int = BATCH) -> Iterator[list[Any]]:
        """`batched`, renewing the run's claim between batches (long backfills stay claimed)."""
        for chunk in batched(items, size):
            self.keepalive()
            yield chunk

    def flag(self, message: str) -> None:
        """Something about one item, in words that name it; the run goes on."""
        self.warnings.append(message)
