"""School years (学年), named by their starting year: 2025 is 2025–2026, starting in September.

One home for "which school year": the evaluation judges the latest year in the rotation records
(else the one under way); a planner plans the year under way, or a later one already recorded.
"""

from __future__ import annotations

import datetime as _dt

from junheng.model.dataset import Dataset


def school_year_under_way(today: _dt.date | None = None) -> int:
    """The school year running on ``today``: it starts in September.

    >>> school_year_under_way(_dt.date(2026, 8, 31)), school_year_under_way(_dt.date(2026, 9, 1))
    (2025, 2026)
    """
    today = today or _dt.date.today()
    return today.year if today.month >= 9 else today.year - 1


def latest_recorded_year(dataset: Dataset) -> int | None:
    """The latest school year in the ``rotations`` records, if any."""
    if dataset.rotations is None or dataset.rotations.height == 0:
        return None
    return int(dataset.rotations.get_column("school_year").max())  # type: ignore[arg-type]


def default_year(dataset: Dataset, today: _dt.date | None = None) -> int:
    """The school year evaluated: the latest in ``rotations``, else the one under way."""
    recorded = latest_recorded_year(dataset)
    return school_year_under_way(today) if recorded is None else recorded


def planning_year(dataset: Dataset, today: _dt.date | None = None) -> int:
    """The school year a plan is for: the one under way, or a later one already recorded."""
    recorded = latest_recorded_year(dataset)
    under_way = school_year_under_way(today)
    return under_way if recorded is None else max(under_way, recorded)
