"""Grouping a roster by school through its runs (issue 18).

A roster lists a school's teachers together. Hashing millions of text ids to group them costs
more than reading them; comparing each id with the one above it (``rle_id``) costs a tenth.
So a grouping by school is made in two steps: the runs of equal keys, numbered in order (an
integer key, sorted), then the runs — a few hundred thousand, one per school when the rows are
in order — merged by their key. The figures are the ones a direct ``group_by`` gives whatever
the order of the rows: out of order, there are only more runs to merge. A rule that depends on
a row's keys alone is judged once per run (``run_table``), and only the runs that break it are
spread back to their rows (``run_rows``).
"""

from __future__ import annotations

import polars as pl

RUN = "_run"


def run_ids(keys: list[str]) -> pl.Expr:
    """Each row's run: rows are in one run while all ``keys`` equal the row above's (a null
    equal to a null)."""
    key = pl.col(keys[0]) if len(keys) == 1 else pl.struct(keys)
    return key.rle_id().set_sorted().alias(RUN)


def sum_by(frame: pl.DataFrame | pl.LazyFrame, keys: list[str], sums: list[str],
           count: str | None = None) -> pl.DataFrame:
    """``frame.group_by(keys).agg(pl.col(sums).sum(), pl.len().alias(count))``, by runs.

    A lazy ``frame`` (a roster with the per-teacher tests still to compute) is streamed: the
    tests and the sums per run are made chunk by chunk, and no column of a province's length is
    ever held whole.

    Examples
    --------
    >>> f = pl.DataFrame({"school": ["a", "a", "b", "a"], "ok": [True, False, True, True]})
    >>> sum_by(f, ["school"], ["ok"], count="n").sort("school").rows()
    [('a', 2, 3), ('b', 1, 1)]
    >>> sum_by(f.lazy(), ["school"], ["ok"]).rows()
    [('a', 2), ('b', 1)]
    """
    first = [pl.col(keys).first(), pl.col(sums).sum()]
    if count is not None:
        first.append(pl.len().alias(count))
    runs = frame.select(run_ids(keys), *keys, *sums).group_by(RUN, maintain_order=True).agg(first)
    # Streaming groups come in any order: the runs' numbers give back the rows' order.
    per_run = (runs.collect(engine="streaming").sort(RUN) if isinstance(runs, pl.LazyFrame)
               else runs)
    total = [*sums, count] if count is not None else sums
    # In order of first appearance, as a small group_by gives them.
    return per_run.group_by(keys, maintain_order=True).agg(pl.col(total).sum())


def run_table(frame: pl.DataFrame, keys: list[str], columns: tuple[str, ...] = (),
              ) -> pl.DataFrame:
    """One row per run of equal ``keys``, in row order: the run's ``keys`` and ``columns`` (as
    on its first row), its first row's index ``_at`` and its number of rows ``_len``. A rule
    that depends on the keys only is judged once per run, not once per row.

    >>> f = pl.DataFrame({"school": ["a", "a", "b", "a"], "row": [2, 3, 4, 5]})
    >>> run_table(f, ["school"], ("row",)).rows()
    [('a', 2, 0, 2), ('b', 4, 2, 1), ('a', 5, 3, 1)]
    """
    lengths = (frame.select(run_ids(keys)).to_series().rle().struct.field("len")
               .cast(pl.Int64))
    at = lengths.cum_sum() - lengths
    return frame.select(*keys, *columns).gather(at).with_columns(
        at.alias("_at"), lengths.alias("_len"))


def run_rows(runs: pl.DataFrame) -> pl.DataFrame:
    """The rows of some runs of ``run_table``: each run's columns repeated on each of its rows,
    with the row's index ``_i``, in row order.

    >>> f = pl.DataFrame({"school": ["a", "a", "b"]})
    >>> run_rows(run_table(f, ["school"]).filter(pl.col("school") == "a"))["_i"].to_list()
    [0, 1]
    """
    return runs.with_columns(
        pl.int_ranges("_at", pl.col("_at") + pl.col("_len"), dtype=pl.Int64).alias("_i")
    ).explode("_i")
