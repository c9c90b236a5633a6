"""A county's school year put together from the schools' own submissions.

Each school submits its own rows — the contract's school tables (``schools``, ``stages``,
``teachers``, ``rooms``, ``grades``) holding that one school — and the bureau approves them.
The county's data for the year is then its latest whole workbook of that year (the *base*) with
each approved school's rows replaced by the school's *part*; the county-level tables
(``county``, ``births``, ``rotations``, ``groups``) stay the base's. No web, no database:
plain Datasets in, a Dataset out, which the caller validates as a whole (cross-school rules
such as unique teacher ids or the rotations' references can only be checked on the whole
county).

- :func:`school_part` — one school's rows of a county's Dataset (the prefilled workbook);
- :func:`check_part` — a submitted part holds exactly the expected school of the county;
- :func:`assemble` — the base with the parts in place.
"""

from __future__ import annotations

import polars as pl

from junheng.errors import InputError, Problem
from junheng.model.dataset import Dataset
from junheng.model.schema import TABLES

__all__ = ["COUNTY_TABLES", "SCHOOL_TABLES", "assemble", "check_part", "school_part"]

# the tables a school submits (every row carries its school_id) and the ones the bureau keeps
SCHOOL_TABLES = ("schools", "stages", "teachers", "rooms", "grades")
COUNTY_TABLES = ("county", "rotations", "births", "groups")


def _label(table: str, column: str = "school_id") -> tuple[str, str]:
    """The sheet and the column as the template names them: ("学段", "学校标识码 school_id")."""
    t = TABLES[table]
    return t.zh, f"{t.column(column).zh} {column}"


def _without(frame: pl.DataFrame | None, school_ids: list[str]) -> pl.DataFrame | None:
    if frame is None:
        return None
    return frame.filter(~pl.col("school_id").is_in(school_ids))


def _concat(frames: list[pl.DataFrame | None]) -> pl.DataFrame | None:
    # "diagonal_relaxed": a part read from a workbook may lack an optional column the base has
    # (or hold an extra one); the missing cells are null, integer columns widen to float only
    # when one side is float
    present = [f for f in frames if f is not None]
    if not present:
        return None
    out = pl.concat(present, how="diagonal_relaxed") if len(present) > 1 else present[0]
    return out


def assemble(base: Dataset | None, parts: dict[str, Dataset]) -> Dataset:
    """The county's data: ``base`` with each school's rows replaced by ``parts[school_id]``.

    For each school table (``schools``, ``stages``, ``teachers``, ``rooms``, ``grades``) the
    result holds the base's rows of the schools without a part, in the base's order, followed
    by each part's rows, parts in order of school id. A school absent from the base is added.
    A part without ``rooms`` or ``grades`` removes the school's rows there (the school said it
    has none). The county-level tables (``county``, ``rotations``, ``births``, ``groups``) are
    the base's (None without a base); an optional table with no rows left is None. The result is not
    validated here: write it and read it back (``write_workbook``, ``load``) to check the whole.

    >>> import polars as pl
    >>> def ds(ids, pupils):
    ...     return Dataset(pl.DataFrame({"school_id": ids, "county": ["甲县"] * len(ids)}),
    ...                    pl.DataFrame({"school_id": ids, "stage": ["primary"] * len(ids),
    ...                                  "students": pupils}),
    ...                    pl.DataFrame({"teacher_id": [f"T{i}" for i in ids],
    ...                                  "school_id": ids}))
    >>> out = assemble(ds(["1", "2", "3"], [100, 200, 300]), {"2": ds(["2"], [250])})
    >>> out.stages.rows()
    [('1', 'primary', 100), ('3', 'primary', 300), ('2', 'primary', 250)]
    """
    if not parts and base is None:
        raise ValueError("nothing to assemble: no base and no part")
    ids = sorted(parts)
    ordered = [parts[i] for i in ids]
    tables: dict[str, pl.DataFrame | None] = {}
    for name in SCHOOL_TABLES:
        kept = _without(getattr(base, name), ids) if base is not None else None
        tables[name] = _concat([kept, *(getattr(p, name) for p in ordered)])
    for name in ("rooms", "grades"):
        if tables[name] is not None and tables[name].height == 0:
            tables[name] = None
    county = {name: getattr(base, name) if base is not None else None for name in COUNTY_TABLES}
    return Dataset(tables["schools"], tables["stages"], tables["teachers"], [],  # type: ignore[arg-type]
                   source="assembled", rooms=tables["rooms"], grades=tables["grades"], **county)


def school_part(dataset: Dataset, school_id: str) -> Dataset:
    """One school's rows of ``dataset``: what the school fills in and submits.

    The county-level tables are left out (the bureau keeps them); ``rooms`` and ``grades`` are
    None when the school has no rows there. Raises ``InputError`` when the school is not in the
    schools table.

    >>> import polars as pl
    >>> county = Dataset(pl.DataFrame({"school_id": ["1", "2"], "county": ["甲县", "甲县"]}),
    ...                  pl.DataFrame({"school_id": ["1", "2"], "students": [10, 20]}),
    ...                  pl.DataFrame({"teacher_id": ["a", "b", "c"],
    ...                                "school_id": ["1", "2", "2"]}))
    >>> part = school_part(county, "2")
    >>> part.teachers["teacher_id"].to_list(), part.rooms is None
    (['b', 'c'], True)
    """
    if school_id not in dataset.schools["school_id"].to_list():
        table, column = _label("schools")
        raise InputError([Problem(table, None, column, school_id,
                                  "学校表中没有这个学校标识码",
                                  "no school with this id in the schools table")])
    tables: dict[str, pl.DataFrame | None] = {}
    for name in SCHOOL_TABLES:
        frame = getattr(dataset, name)
        if frame is not None:
            frame = frame.filter(pl.col("school_id") == school_id)
            if name in ("rooms", "grades") and frame.height == 0:
                frame = None
        tables[name] = frame
    return Dataset(tables["schools"], tables["stages"], tables["teachers"], [],  # type: ignore[arg-type]
                   source=dataset.source, rooms=tables["rooms"], grades=tables["grades"])


def check_part(part: Dataset, school_id: str, county: str) -> list[Problem]:
    """What is wrong with ``part`` as school ``school_id``'s submission in ``county``: every
    problem at once (an empty list when it is right).

    A part holds exactly one school — the expected one, of the county — and in every other
    school table only that school's rows; the county-level tables are the bureau's, not a
    school's. Each problem names the sheet, the column and the value found.

    >>> import polars as pl
    >>> part = Dataset(pl.DataFrame({"school_id": ["7"], "county": ["乙县"]}),
    ...                pl.DataFrame({"school_id": ["7"]}), pl.DataFrame({"school_id": ["7"]}))
    >>> [str(p) for p in check_part(part, "7", "甲县")]
    ["学校 · 县区 county · 值 value '乙县': 应为本县「甲县」的学校 / must be a school of 甲县"]
    """
    problems: list[Problem] = []
    schools = part.schools
    ids = schools["school_id"].to_list()
    table, column = _label("schools")
    if len(ids) != 1:
        problems.append(Problem(table, None, column, "、".join(ids) or None,
                                f"应只含本校（{school_id}）一所学校，实有 {len(ids)} 所",
                                f"must hold this school ({school_id}) only; it holds "
                                f"{len(ids)}"))
    elif ids[0] != school_id:
        problems.append(Problem(table, None, column, ids[0],
                                f"应为本校的学校标识码 {school_id}",
                                f"must be this school's id {school_id}"))
    for found in sorted({c for c in schools["county"].to_list() if c != county},
                        key=lambda c: (c is None, c or "")):
        _, county_col = _label("schools", "county")
        problems.append(Problem(table, None, county_col, found,
                                f"应为本县「{county}」的学校", f"must be a school of {county}"))
    for name in SCHOOL_TABLES[1:]:
        frame = getattr(part, name)
        if frame is None:
            continue
        others = sorted({i for i in frame["school_id"].to_list() if i is not None and i != school_id})
        sheet, col = _label(name)
        problems += [Problem(sheet, None, col, other,
                             f"只能填报本校（{school_id}）的数据，不含其他学校的行",
                             f"only this school's ({school_id}) rows, not another school's")
                     for other in others]
    for name in COUNTY_TABLES:
        frame = getattr(part, name)
        if frame is not None and frame.height:
            sheet = TABLES[name].zh
            problems.append(Problem(sheet, None, None, f"{frame.height} 行 rows",
                                    "县级表由教育局填报，学校填报时请留空",
                                    "a county-level table: the bureau fills it in; leave it "
                                    "empty in a school's submission"))
    return problems
