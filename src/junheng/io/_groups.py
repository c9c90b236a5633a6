"""The school groups table (集团): its checks across rows and tables, and ``read_groups``.

One row per school in a group. Beyond each cell's type (checked like every table's), a group
must make sense as a whole: its schools exist and lie in one county, a school is in at most one
group, a group has exactly one leader, and one type and one name when it gives them. Every
problem is located at the row and column that breaks the rule.

``read_groups`` reads only this table from a file — the county workbook itself, the groups
plan's workbook (``集团化办学方案.xlsx``, whose 集团 sheet is in this very form), a folder with
a ``groups.csv`` / ``集团.csv``, or one CSV or Parquet file — with the same checks, so a plan's
output can be passed back to ``plan groups --keep`` or ``plan rotation --groups``.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from junheng.errors import InputError, Problem
from junheng.io._limits import ReadError, ReadLimits
from junheng.model.schema import ENUMS, TABLES

__all__ = ["GROUP_COLUMNS", "group_checks", "group_frame", "read_groups"]

ROW = "_row"  # the spreadsheet row, as in ``_validate``
GROUP_COLUMNS = tuple(TABLES["groups"].column_names)


def _label(column: str) -> str:
    col = TABLES["groups"].column(column)
    return f"{col.zh} {column}"


def group_checks(groups: pl.DataFrame, schools: pl.DataFrame | None, source: str
                 ) -> list[Problem]:
    """Every problem of a typed groups table (with its row numbers in ``_row``) across rows,
    and against ``schools`` (None: the references are not checked).

    >>> groups = pl.DataFrame({"_row": [2, 3, 4], "group_id": ["G1", "G1", "G2"],
    ...     "school_id": ["A", "B", "A"], "role": ["leader", "member", "leader"],
    ...     "group_type": [None, None, None], "group_name": [None, None, None]})
    >>> [str(p) for p in group_checks(groups, None, "集团")]
    ["集团 · 第4行 row 4 · 学校标识码 school_id · 值 value 'A': 这所学校已在第2行加入集团 G1；一所学校只能加入一个集团 / this school is already in group G1 (row 2); a school is in one group at most"]
    """
    problems: list[Problem] = []
    known = groups.filter(pl.col("group_id").is_not_null())
    if schools is not None:
        county = schools.select("school_id", pl.col("county").alias("_county")).unique(
            "school_id", keep="first")
        unknown = groups.filter(pl.col("school_id").is_not_null()
                                & ~pl.col("school_id").is_in(county["school_id"].implode()))
        problems += [Problem(source, r[ROW], _label("school_id"), r["school_id"],
                             "学校表中没有这个学校标识码",
                             "no school with this id in the schools table")
                     for r in unknown.iter_rows(named=True)]
        # A group's county is its leader's (else its first known school's): the other rows
        # are the odd ones out.
        placed = known.join(county, on="school_id", how="inner").with_columns(
            pl.col("_county").sort_by((pl.col("role") != "leader").fill_null(True), ROW).first().over("group_id")
            .alias("_group_county"))
        elsewhere = placed.filter(pl.col("_county") != pl.col("_group_county"))
        problems += [Problem(source, r[ROW], _label("school_id"), r["school_id"],
                             f"这所学校在{r['_county']}，集团 {r['group_id']} 的学校在"
                             f"{r['_group_county']}；一个集团的学校应在同一县区",
                             f"this school is in {r['_county']}, group {r['group_id']}'s "
                             f"schools in {r['_group_county']}; a group's schools are in one "
                             "county") for r in elsewhere.iter_rows(named=True)]
    twice = (groups.filter(pl.col("school_id").is_not_null())
             .with_columns(pl.col(ROW).first().over("school_id").alias("_first"),
                           pl.col("group_id").first().over("school_id").alias("_first_group"))
             .filter(pl.col(ROW) != pl.col("_first")))
    problems += [Problem(source, r[ROW], _label("school_id"), r["school_id"],
                         f"这所学校已在第{r['_first']}行加入集团 {r['_first_group']}；"
                         "一所学校只能加入一个集团",
                         f"this school is already in group {r['_first_group']} (row "
                         f"{r['_first']}); a school is in one group at most")
                 for r in twice.iter_rows(named=True)]
    problems += _one_leader(known, source)
    for column, zh, en in (("group_type", "类型", "type"), ("group_name", "名称", "name")):
        problems += _one_value(known, column, zh, en, source)
    return problems


def _one_leader(groups: pl.DataFrame, source: str) -> list[Problem]:
    """Exactly one leader per group: a second leader is located at its own row; a group
    without one at its first row (its role column). A row whose role was rejected already has
    its own problem, so a group with such a row is not said to lack a leader."""
    problems: list[Problem] = []
    leaders = (groups.filter(pl.col("role") == "leader")
               .with_columns(pl.col(ROW).first().over("group_id").alias("_first"))
               .filter(pl.col(ROW) != pl.col("_first")))
    problems += [Problem(source, r[ROW], _label("role"), ENUMS["group_role"].label("leader"),
                         f"集团 {r['group_id']} 已在第{r['_first']}行有牵头学校；每个集团只有一所"
                         "牵头学校",
                         f"group {r['group_id']} already has its leader on row {r['_first']}; "
                         "a group has exactly one leader")
                 for r in leaders.iter_rows(named=True)]
    per_group = groups.sort(ROW).group_by("group_id", maintain_order=True).agg(
        (pl.col("role") == "leader").any().alias("_led"), pl.col("role").is_null().any()
        .alias("_unread"), pl.col(ROW).first().alias("_first"),
        pl.col("role").first().alias("_role"))
    problems += [Problem(source, r["_first"], _label("role"),
                         ENUMS["group_role"].label(r["_role"]),
                         f"集团 {r['group_id']} 没有牵头学校：应有一行的角色为「牵头学校」",
                         f"group {r['group_id']} has no leader: one of its rows must have the "
                         "role leader (牵头学校)")
                 for r in per_group.filter(~pl.col("_led") & ~pl.col("_unread"))
                 .iter_rows(named=True)]
    return problems


def _one_value(groups: pl.DataFrame, column: str, zh: str, en: str, source: str
               ) -> list[Problem]:
    """A group's type (name) is given once or on every row alike: a row giving another one
    than the group's first is located; empty cells take the group's."""
    given = groups.filter(pl.col(column).is_not_null()).with_columns(
        pl.col(column).first().over("group_id").alias("_first_value"),
        pl.col(ROW).first().over("group_id").alias("_first"))
    differs = given.filter(pl.col(column) != pl.col("_first_value"))

    def shown(value: str) -> str:
        return ENUMS["group_type"].label(value) if column == "group_type" else value

    return [Problem(source, r[ROW], _label(column), shown(r[column]),
                    f"与第{r['_first']}行的「{shown(r['_first_value'])}」不同；集团 "
                    f"{r['group_id']} 只能有一个{zh}",
                    f"differs from '{shown(r['_first_value'])}' on row {r['_first']}; group "
                    f"{r['group_id']} has one {en}")
            for r in differs.iter_rows(named=True)]


def group_frame(groups: pl.DataFrame) -> pl.DataFrame:
    """The checked table as ``Dataset.groups``: exactly the contract's columns, a group's type
    and name on each of its rows (null when the group gives none), in the input's order.

    >>> frame = pl.DataFrame({"_row": [2, 3], "group_id": ["G1", "G1"], "school_id": ["A", "B"],
    ...     "role": ["leader", "member"], "group_type": ["close", None],
    ...     "group_name": [None, None], "备注": ["x", "y"]})
    >>> group_frame(frame).rows()
    [('G1', 'A', 'leader', 'close', None), ('G1', 'B', 'member', 'close', None)]
    """
    filled = [pl.col(c).drop_nulls().first().over("group_id").alias(c)
              for c in ("group_type", "group_name")]
    return groups.with_columns(filled).select(
        [pl.col(c).cast(pl.String) for c in GROUP_COLUMNS])


def empty_groups() -> pl.DataFrame:
    """A groups table with no rows (a file whose 集团 sheet is empty)."""
    return pl.DataFrame(schema={c: pl.String for c in GROUP_COLUMNS})


def read_groups(path: str | Path, dataset=None, *, limits: ReadLimits | None = None
                ) -> pl.DataFrame:
    """The groups table (集团) of ``path``, checked; the other sheets of a workbook are
    ignored without a word. ``dataset``: the schools every ``school_id`` must name, and whose
    counties a group must keep to (None: only the table's own rules are checked).

    ``path`` is a workbook (.xlsx) with a 集团 (or ``groups``) sheet, a folder with a
    ``集团.csv`` / ``groups.csv`` (or .parquet), or one .csv / .parquet file holding the table.
    Returns ``Dataset.groups``' form (an empty frame when the sheet has no rows). Raises
    ``InputError`` with every problem located (no such file, no 集团 sheet, a bad cell, an
    unknown school, a school in two groups, a group with no or two leaders …).

    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "集团.csv").write_text(
    ...     "集团编号,学校标识码,角色,集团类型\\nG1,A,牵头学校,紧密型\\nG1,B,成员学校,\\n",
    ...     encoding="utf-8")
    >>> read_groups(folder / "集团.csv").rows()
    [('G1', 'A', 'leader', 'close', None), ('G1', 'B', 'member', 'close', None)]
    """
    from junheng.io._read import RawTable, read_named_tables, read_table_file
    from junheng.io._validate import _coerce

    path = Path(path)
    table = TABLES["groups"]
    limits = limits or ReadLimits()
    try:
        if path.is_file() and path.suffix.lower() in (".csv", ".parquet"):
            frame, _ = read_table_file(path, limits)
            raw = RawTable("groups", path.name, frame)
        else:
            found, _, _ = read_named_tables(
                path, limits, lambda name: "groups" if name.strip().lower() in (
                    table.name, table.zh) else None, quiet=lambda _: True,
                expected=("应为含「集团」工作表的 .xlsx 工作簿、CSV/Parquet 文件或文件夹",
                          "expected an .xlsx workbook with a 集团 (groups) sheet, a .csv or "
                          ".parquet file, or a folder of them"))
            if "groups" not in found:
                raise InputError([Problem(str(path), None, None, None,
                                          "没有「集团」工作表（或 集团.csv / groups.csv 文件）",
                                          "no 集团 (groups) sheet, nor a 集团.csv / groups.csv "
                                          "file")])
            raw = found["groups"]
    except ReadError as exc:
        raise InputError(exc.problems) from exc
    typed, problems, _ = _coerce(raw, table)
    schools = None if dataset is None else dataset.schools
    problems += group_checks(typed, schools, raw.source)
    if problems:
        raise InputError(sorted(_first_per_cell(problems), key=lambda p: p.row or 0))
    return group_frame(typed) if typed.height else empty_groups()


def _first_per_cell(problems: list[Problem]) -> list[Problem]:
    seen: set[tuple[int | None, str | None]] = set()
    out = []
    for p in problems:
        key = (p.row, p.column)
        if p.row is not None and key in seen:
            continue
        seen.add(key)
        out.append(p)
    return out
