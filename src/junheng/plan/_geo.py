"""Distances between schools, for every planner: great-circle km from the schools' coordinates.

A travel-time table (minutes by road) is the natural next source; planners ask ``Distances`` for
a pair and never compute distances themselves, so it can be added here alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import polars as pl


def haversine_km(lat1: float | None, lon1: float | None, lat2: float | None,
                 lon2: float | None) -> float | None:
    """Great-circle distance in km (Earth radius 6371 km); None when a coordinate is missing.

    >>> round(haversine_km(29.5, 106.5, 29.6, 106.5), 2)
    11.12
    """
    if None in (lat1, lon1, lat2, lon2):
        return None
    p1, p2 = math.radians(lat1), math.radians(lat2)  # type: ignore[arg-type]
    dp, dl = p2 - p1, math.radians(lon2 - lon1)  # type: ignore[operator]
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


@dataclass(frozen=True)
class Distances:
    """Distances between the schools of a table with ``school_id``, ``latitude``, ``longitude``.

    >>> schools = pl.DataFrame({"school_id": ["A", "B", "C"], "latitude": [29.5, 29.6, None],
    ...                         "longitude": [106.5, 106.5, None]})
    >>> d = Distances.from_schools(schools)
    >>> round(d.km("A", "B"), 2), d.km("A", "C"), d.missing
    (11.12, None, ('C',))
    """

    coordinates: dict[str, tuple[float, float]]
    missing: tuple[str, ...]  # schools without coordinates, sorted

    @classmethod
    def from_schools(cls, schools: pl.DataFrame) -> Distances:
        coords, missing = {}, []
        for r in schools.select("school_id", "latitude", "longitude").iter_rows(named=True):
            if r["latitude"] is None or r["longitude"] is None:
                missing.append(r["school_id"])
            else:
                coords[r["school_id"]] = (r["latitude"], r["longitude"])
        return cls(coords, tuple(sorted(missing)))

    def km(self, a: str, b: str) -> float | None:
        if a not in self.coordinates or b not in self.coordinates:
            return None
        return haversine_km(*self.coordinates[a], *self.coordinates[b])

    @property
    def known(self) -> bool:
        """Whether any school has coordinates (else distance plays no part)."""
        return bool(self.coordinates)
