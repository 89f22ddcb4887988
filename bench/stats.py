"""Small statistics over timing samples: medians, percentiles and ratios."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence


def median(samples: Sequence[float]) -> float:
    """The median of `samples` (NaN when there are none)."""
    return statistics.median(samples) if samples else math.nan


def percentile(samples: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100) of `samples` by the nearest-rank method (NaN when empty)."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ratio(ours: float, floor: float) -> float:
    """`ours / floor`, or NaN when either is missing or the floor is zero."""
    if not (math.isfinite(ours) and math.isfinite(floor)) or floor == 0:
        return math.nan
    return ours / floor


def summary(samples: Sequence[float]) -> dict[str, float | int]:
    """Count, median, p90, p99 and max of `samples`."""
    return {
        "n": len(samples),
        "median": median(samples),
        "p90": percentile(samples, 90),
        "p99": percentile(samples, 99),
        "max": max(samples) if samples else math.nan,
    }
