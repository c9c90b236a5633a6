"""Write a dataset as a folder of .csv or .parquet files, one per table (English names)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from junheng.io._atomic import atomic_path
from junheng.model.dataset import Dataset


def write_folder(folder: str | Path, dataset: Dataset,
                 fmt: Literal["csv", "parquet"] = "csv") -> Path:
    """Write every table of ``dataset`` into ``folder`` (one file each, atomically)."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in dataset.tables().items():
        with atomic_path(folder / f"{name}.{fmt}") as tmp:
            if fmt == "csv":
                frame.write_csv(tmp)
            else:
                frame.write_parquet(tmp)
    return folder


def write_sample(path: str | Path, schools: int = 60, seed: int = 7, counties: int = 1) -> Path:
    """Generate a sample county and write it as an .xlsx workbook, or as a folder of .csv / .parquet.

    A path ending in ``.xlsx`` gives a workbook; otherwise ``path`` is a folder and its files are
    CSV unless the folder name ends in ``parquet``.
    """
    from junheng.io._workbook import write_workbook
    from junheng.model.sample import generate_sample

    dataset = generate_sample(schools=schools, seed=seed, counties=counties)
    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        return write_workbook(path, dataset)
    return write_folder(path, dataset, "parquet" if path.name.endswith("parquet") else "csv")
