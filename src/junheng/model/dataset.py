"""The typed tables every later step works on, and the problems found while making them."""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from junheng.errors import Problem
from junheng.model.lookup import rows_in

__all__ = ["OPTIONAL", "Dataset", "Problem"]

# The optional tables, in contract order.
OPTIONAL = ("county", "rotations", "rooms", "grades", "births", "groups")


@dataclass
class Dataset:
    """A county's (or several counties') rosters, validated and normalised.

    Columns follow ``junheng.model.schema``: enum values are English codes, booleans are
    booleans, ids are text. A teacher's ``stage`` is always filled (a single-stage school's
    teachers are placed in its stage). Stage facility cells may still be null where the school
    row carries the total; the evaluation splits those by the standard's weights.

    The optional tables ``county`` (declared county figures), ``rotations`` (交流轮岗 records),
    ``rooms`` (music and art rooms with their areas), ``grades`` (pupils by grade, for the
    projection), ``births`` (births by year in each county) and ``groups`` (the school groups,
    集团, one row per school in a group) are None when the input has none.

    ``groups`` has exactly the columns ``group_id, school_id, role, group_type, group_name``
    (text; ``role`` a ``group_role`` code, ``group_type`` a ``group_type`` code). A group's
    type and name, given on any of its rows, are on every row of it; ``group_type`` is null
    for a group that gives none (the profile's default type then applies).
    """

    schools: pl.DataFrame
    stages: pl.DataFrame
    teachers: pl.DataFrame
    warnings: list[Problem] = field(default_factory=list)
    source: str | None = None
    county: pl.DataFrame | None = None
    rotations: pl.DataFrame | None = None
    rooms: pl.DataFrame | None = None
    grades: pl.DataFrame | None = None
    births: pl.DataFrame | None = None
    groups: pl.DataFrame | None = None
    # ``rotated_rows`` with the two tables it was found in: a table replaced since (a plan
    # applied, a year projected) makes it stale, and it is found again. (Tables are replaced,
    # never changed in place: junheng makes new frames.)
    _rotated: tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame] | None = field(
        default=None, init=False, repr=False, compare=False)

    def rotated_rows(self) -> pl.DataFrame | None:
        """The rows of ``teachers`` whose id ``rotations`` names in any school year: their
        positions ``_i`` and ``teacher_id``; None without that table. Found once for these
        tables and kept (issue 18): a province's roster is hashed once, by the validation, not
        again by each evaluation.

        >>> ds = Dataset(pl.DataFrame(), pl.DataFrame(),
        ...              pl.DataFrame({"teacher_id": ["t1", "t2", "t3"]}),
        ...              rotations=pl.DataFrame({"teacher_id": ["t3", "t9"]}))
        >>> ds.rotated_rows().rows()
        [(2, 't3')]
        """
        if self.rotations is None:
            return None
        kept = self._rotated
        if kept is None or kept[0] is not self.teachers or kept[1] is not self.rotations:
            self.keep_rotated_rows(rows_in(self.teachers.get_column("teacher_id"),
                                           self.rotations.get_column("teacher_id")))
            kept = self._rotated
        assert kept is not None
        return kept[2]

    def keep_rotated_rows(self, rows: pl.DataFrame) -> None:
        """Keep ``rotated_rows`` found while validating these very tables (the same rows in the
        same order), so that no evaluation looks them up again."""
        assert self.rotations is not None
        self._rotated = (self.teachers, self.rotations, rows)

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every table present, by canonical name, in contract order."""
        named = {"schools": self.schools, "stages": self.stages, "teachers": self.teachers,
                 "county": self.county, "rotations": self.rotations, "rooms": self.rooms,
                 "grades": self.grades, "births": self.births, "groups": self.groups}
        return {name: frame for name, frame in named.items() if frame is not None}

    @property
    def counties(self) -> list[str]:
        return sorted(self.schools.get_column("county").unique().to_list())

    def __repr__(self) -> str:
        return (
            f"Dataset(counties={len(self.counties)}, schools={self.schools.height}, "
            f"stages={self.stages.height}, teachers={self.teachers.height}, "
            + "".join(f"{name}={frame.height}, " for name, frame in self.tables().items()
                      if name in OPTIONAL)
            + f"warnings={len(self.warnings)})"
        )
