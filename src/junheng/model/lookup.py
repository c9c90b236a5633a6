"""Membership in a short list of codes, cheap on a province's roster (issue 18).

``is_in`` hashes every row's text; for the handful of codes of a coded column (a stage, an
education level) comparing with each code is three times faster on millions of rows.
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
