"""What a job function gets: configuration, client, the time, its cursor, and counters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from typing import Any

from oncall_site.integrations.retries import RateLimit

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
    - `rate_limit`: the upstream's request budget as its last answer of this run announced
      it; the client reports where to read it (`watch_rate_limit`), the engine stores it.
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
    rate_limit_sources: list[Callable[[], RateLimit | None]] = field(default_factory=list)

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

    def watch_rate_limit(self, read: Callable[[], RateLimit | None]) -> None:
        """Where the client of this run reads the rate limit its upstream announces."""
        self.rate_limit_sources.append(read)

    @property
    def rate_limit(self) -> RateLimit | None:
        """The budget the upstream's last answer announced; None when none said."""
        for read in reversed(self.rate_limit_sources):
            reading = read()
            if reading is not None:
                return reading
        return None
