"""Pseudonyms for personal ids (teachers, principals) in what a run writes.

A pseudonym is a keyed hash under a random key that is not kept: stable within one run (the same
teacher has the same pseudonym in the workbook and the JSON), unlinkable across runs, and not
reversible by enumerating ids, which a plain hash of a short id would be.
"""

from __future__ import annotations

import hashlib
import secrets

import polars as pl


class Pseudonyms:
    """One run's pseudonyms: ``prefix`` + 10 hex digits of a keyed SHA-256.

    >>> p = Pseudonyms()
    >>> p("T001") == p("T001") != p("T002"), p("T001", "P-")[:2]
    (True, 'P-')
    """

    def __init__(self) -> None:
        self._key = secrets.token_hex(16)

    def __call__(self, value: str, prefix: str = "T-") -> str:
        return prefix + hashlib.sha256(f"{self._key}:{value}".encode()).hexdigest()[:10]

    def frame(self, frame: pl.DataFrame, columns: list[str], prefix: str = "T-"
              ) -> pl.DataFrame:
        """``frame`` with the ids in ``columns`` replaced (nulls stay null)."""
        present = [c for c in columns if c in frame.columns]
        if not present or frame.height == 0:
            return frame
        return frame.with_columns(pl.col(present).map_elements(
            lambda v: self(v, prefix), return_dtype=pl.String))
