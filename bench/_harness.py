"""Shared pieces for bench modules: `Figure` and timing helpers (imported as `from _harness import ...`)."""

from __future__ import annotations

import statistics
import time
from dataclasses import asdict, dataclass


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    floor: float
    goal: str

    @property
    def ratio(self) -> float:
        return round(self.value / self.floor, 3) if self.floor else float("inf")

    def as_json(self) -> dict:
        d = asdict(self)
        d["value"] = round(self.value, 4)
        d["floor"] = round(self.floor, 4)
        d["ratio"] = self.ratio
        return {k: d[k] for k in ("name", "value", "unit", "floor", "ratio", "goal")}


def best_of(fn, repeat: int = 5) -> float:
    """Median wall time of `fn()` in seconds over `repeat` runs (median: robust to a noisy neighbour)."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)
