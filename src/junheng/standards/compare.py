"""Exact, inclusive comparisons against a threshold, and their inversion — one home for both.

The standard's thresholds are inclusive (以上 / 以下 include the number; STANDARDS.md), and a
comparison is made on unrounded products, forgiving only floating-point noise: a relative
``tolerance`` of the threshold (the profile's, 1e-9 by default). Every comparison in the
evaluation and in every planner goes through here, and so does the inverse question a planner
asks: how many whole teachers (rooms, moves) reach the threshold?

The functions take plain numbers or Polars expressions alike.

Examples
--------
21 qualified teachers for 500 pupils is exactly 4.2 per 100, and meets 4.2:

>>> at_least(21 * 100, 4.2 * 500, 1e-9)
True
>>> fewest(4.2 * 500, 1e-9, per=100)   # teachers × 100 ≥ 4.2 × 500
21
>>> fewest(0.1 * 30, 1e-9)             # 10 % of 30 (0.1 × 30 = 3.0000000000000004)
3
>>> at_most(0.5000000001, 0.5, 1e-9), below(0.15, 0.15, 1e-9)
(True, False)
"""

from __future__ import annotations

import math
from typing import Any


def at_least(value: Any, threshold: Any, tolerance: float) -> Any:
    """``value ≥ threshold``, inclusive, forgiving noise relative to the threshold."""
    return value >= threshold - tolerance * abs(threshold)


def at_most(value: Any, threshold: Any, tolerance: float) -> Any:
    """``value ≤ threshold``, inclusive (不超过, 以下)."""
    return value <= threshold + tolerance * abs(threshold)


def below(value: Any, threshold: Any, tolerance: float) -> Any:
    """``value < threshold``, strictly (低于, 不满): the threshold itself does not pass."""
    return value < threshold - tolerance * abs(threshold)


def fewest(threshold: float, tolerance: float, per: float = 1.0) -> int:
    """The fewest whole ``n ≥ 0`` with ``n × per ≥ threshold`` (inclusive, as ``at_least``).

    ``fewest(share × total, tol)`` is the number of teachers a share requires;
    ``fewest(threshold × pupils, tol, per=100)`` the teachers an indicator per 100 pupils needs.
    """
    if threshold <= 0:
        return 0
    return max(0, math.ceil((threshold - tolerance * abs(threshold)) / per))


def shortfall(have: Any, threshold: Any, tolerance: float, per: Any = 1.0,
              whole: bool = True) -> Any:
    """How much must be added to ``have`` (in the numerator's units: teachers, m², 元) so
    that ``(have + more) × per ≥ threshold``; only meaningful when it is not met yet.

    Whole units (teachers, rooms) are rounded up and at least 1; areas and money are exact.

    >>> shortfall(20, 4.2 * 500, 1e-9, per=100)   # 20 teachers for 500 pupils: 1 more
    1
    >>> shortfall(1000.0, 4.5 * 300, 1e-9, whole=False)  # m² for 300 pupils at 4.5 m² each
    350.0
    """
    needed = threshold / per - have
    if not whole:
        return needed
    more = needed - tolerance * abs(threshold) / per
    if hasattr(more, "ceil"):  # a Polars expression
        return more.ceil().clip(lower_bound=1)
    return max(1, math.ceil(more))
