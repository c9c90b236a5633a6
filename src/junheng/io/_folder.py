"""Write a dataset as a folder of .csv or .parquet files, one per table (English names)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from junheng.io._atomic import atomic_path
from junheng.model.dataset import Dataset
from junheng.model.schema import TABLES


def write_folder(folder: str | Path, dataset: Dataset,
                 fmt: Literal["csv", "parquet"] = "csv") -> Path:
    """Write ``schools``, ``stages`` and ``teachers`` into ``folder``, each file atomically."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        frame = getattr(dataset, name)
        with atomic_path(folder / f"{name}.{fmt}") as tmp:
            if fmt == "csv":
                frame.write_csv(tmp)
            else:
                frame.write_parquet(tmp)
    return folder
