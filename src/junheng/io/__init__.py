"""Reading, validating and writing the input of the data contract (DATA-CONTRACT.md)."""

from __future__ import annotations

from pathlib import Path

from junheng.errors import InputError
from junheng.io._atomic import atomic_path, write_text
from junheng.io._folder import write_folder, write_sample
from junheng.io._groups import read_groups
from junheng.io._ids import read_ids
from junheng.io._privacy import Pseudonyms
from junheng.io._read import ReadError, ReadLimits, read_tables
from junheng.io._validate import validate
from junheng.io._workbook import write_workbook
from junheng.model.dataset import Dataset

__all__ = ["InputError", "Pseudonyms", "ReadError", "ReadLimits", "atomic_path", "load",
           "read_groups", "read_ids", "write_folder", "write_sample", "write_text",
           "write_workbook"]


def load(path: str | Path, *, limits: ReadLimits | None = None) -> Dataset:
    """Read and validate a county workbook (.xlsx) or a folder of .csv / .parquet tables.

    Raises ``InputError`` listing every problem when the input is invalid, or cannot be opened
    at all. Nothing is computed from a half-valid input. ``limits`` bounds what the input may
    hold (``ReadLimits()`` when None: far above any county; ``ReadLimits(max_cells=…)`` for a
    larger input, as the command line's ``--max-cells`` does).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=12, seed=1)
    >>> junheng.load(path).schools.height
    12
    """
    try:
        raw, warnings = read_tables(path, limits)
    except ReadError as exc:
        raise InputError(exc.problems) from exc
    return validate(raw, warnings, source=str(path))
