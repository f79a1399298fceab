"""The sandbox's notion of now: frozen for tests, running (optionally faster) for the demo."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

from .timeutil import utc


class SandboxClock:
    """Reads as `origin + elapsed wall time * speed`, or stays at `origin` while frozen.

    Tests and the control endpoint move it with `set()` and `advance()`; the scenario derives
    everything it serves from `now()`, so moving the clock is how new data "happens".
    """

    def __init__(self, origin: datetime | None = None, *, frozen: bool = False, speed: float = 1.0):
        if speed <= 0:
            raise ValueError("speed must be positive")
        self._lock = threading.Lock()
        self._origin = utc(origin) if origin is not None else datetime.now(UTC)
        self._wall = time.monotonic()
        self._frozen = frozen
        self._speed = speed

    @classmethod
    def frozen_at(cls, at: datetime | None = None) -> SandboxClock:
        """Frozen at `at` (default: the current second), so a test sees a fixed world."""
        start = at if at is not None else datetime.now(UTC).replace(microsecond=0)
        return cls(start, frozen=True)

    @classmethod
    def running(cls, start: datetime | None = None, *, speed: float = 1.0) -> SandboxClock:
        return cls(start, frozen=False, speed=speed)

    @property
    def frozen(self) -> bool:
        return self._frozen

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> datetime:
        with self._lock:
            if self._frozen:
                return self._origin
            elapsed = (time.monotonic() - self._wall) * self._speed
            return self._origin + timedelta(seconds=elapsed)

    def set(self, at: datetime) -> None:
        with self._lock:
            self._origin = utc(at)
            self._wall = time.monotonic()

    def advance(self, delta: timedelta | float = 0.0, **kwargs: float) -> datetime:
        """`advance(60)`, `advance(timedelta(hours=1))` or `advance(minutes=5)`; returns the new now."""
        step = delta if isinstance(delta, timedelta) else timedelta(seconds=delta)
        step += timedelta(**kwargs)
        with self._lock:
            self._origin += step
        return self.now()
