"""Deterministic pseudo-randomness keyed by name, so any item can be derived on its own.

Every value is a hash of the seed and the item's coordinates (kind, index, field), never a
running generator: item 9,000 costs the same as item 0 and does not depend on the order in
which items were asked for. Not for cryptography; a hash is simply a stable mixer.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

_B32 = "0123456789ABCDEFGHJKLMNPQRSTVWXZ"
_GHSA = "23456789cfghjmpqrvwx"


class Rand:
    """Values derived from a seed plus a path of keys: `Rand(1, "incident", 7).unit("ack")`."""

    __slots__ = ("_key",)

    def __init__(self, *keys: object) -> None:
        self._key = "\x1f".join(map(str, keys))

    def child(self, *keys: object) -> Rand:
        return Rand(self._key, *keys)

    def _digest(self, name: str, size: int = 8) -> bytes:
        return hashlib.blake2b(f"{self._key}\x1e{name}".encode(), digest_size=size).digest()

    def unit(self, name: str) -> float:
        """Uniform in [0, 1)."""
        return int.from_bytes(self._digest(name), "big") / 2**64

    def chance(self, name: str, p: float) -> bool:
        return self.unit(name) < p

    def between(self, name: str, lo: float, hi: float) -> float:
        return lo + (hi - lo) * self.unit(name)

    def integer(self, name: str, lo: int, hi: int) -> int:
        """Inclusive on both ends."""
        return lo + int(self.unit(name) * (hi - lo + 1))

    def pick(self, name: str, options: Sequence[T]) -> T:
        return options[int(self.unit(name) * len(options))]

    def weighted(self, name: str, options: Sequence[tuple[T, float]]) -> T:
        total = sum(w for _, w in options)
        x = self.unit(name) * total
        for value, weight in options:
            x -= weight
            if x < 0:
                return value
        return options[-1][0]

    def lognormal_minutes(self, name: str, median: float, spread: float) -> float:
        """Heavy-tailed durations (response times are), from two uniforms via Box-Muller."""

        u1 = max(self.unit(name + ".1"), 1e-12)
        u2 = self.unit(name + ".2")
        z = math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)
        return median * math.exp(spread * z)

    def hex(self, name: str, length: int = 40) -> str:
        return hashlib.blake2b(f"{self._key}\x1e{name}".encode(), digest_size=32).hexdigest()[
            :length
        ]

    def token(self, name: str, length: int, alphabet: str = _B32) -> str:
        value = int.from_bytes(self._digest(name, 16), "big")
        out = []
        for _ in range(length):
            value, r = divmod(value, len(alphabet))
            out.append(alphabet[r])
        return "".join(out)

    def ghsa(self, name: str) -> str:
        t = self.token(name, 12, _GHSA)
        return f"GHSA-{t[:4]}-{t[4:8]}-{t[8:]}"
