"""Read the raw tables of an input: an .xlsx workbook, or a folder of .csv / .parquet files.

Nothing here knows about types or rules; cells arrive as text (Excel, CSV) or as the file's own
types (Parquet) and ``_validate`` turns them into the typed tables of the contract.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import fastexcel
import polars as pl

from junheng.model.dataset import Problem
from junheng.model.schema import TABLES


@dataclass
class RawTable:
    name: str  # canonical table name
    source: str  # what the user calls it: sheet or file name
    frame: pl.DataFrame


class ReadError(Exception):
    """The input cannot be opened at all (missing, unreadable, wrong kind)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def _table_for(label: str) -> str | None:
    key = label.strip().lower()
    for table in TABLES.values():
        if key in (table.name, table.zh):
            return table.name
    return None


def read_tables(path: str | Path) -> tuple[dict[str, RawTable], list[Problem]]:
    """Return the recognised tables of ``path`` and warnings about anything ignored."""
    path = Path(path)
    if not path.exists():
        raise ReadError([Problem(str(path), None, None, None, "文件或文件夹不存在",
                                 "file or folder does not exist")])
    if path.is_dir():
        return _read_folder(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(path)
    raise ReadError([Problem(str(path), None, None, path.suffix, "应为 .xlsx 工作簿或 CSV/Parquet 文件夹",
                             "expected an .xlsx workbook or a folder of .csv/.parquet files")])


def _read_workbook(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    try:
        reader = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error types for corrupt files
        raise ReadError([Problem(str(path), None, None, None, f"无法读取工作簿：{exc}",
                                 f"cannot read the workbook: {exc}")]) from exc
    tables: dict[str, RawTable] = {}
    warnings: list[Problem] = []
    for sheet in reader.sheet_names:
        name = _table_for(sheet)
        if name is None:
            if sheet.strip() not in INSTRUCTION_SHEETS:
                warnings.append(Problem(sheet, None, None, None, "未识别的工作表，已忽略",
                                        "unrecognised sheet, ignored"))
            continue
        if name in tables:
            raise ReadError([Problem(sheet, None, None, None,
                                     f"与工作表 {tables[name].source} 重复",
                                     f"same table as sheet {tables[name].source}")])
        try:
            frame = reader.load_sheet(sheet, header_row=0, dtypes="string").to_polars()
        except Exception as exc:
            raise ReadError([Problem(sheet, None, None, None, f"无法读取工作表：{exc}",
                                     f"cannot read the sheet: {exc}")]) from exc
        tables[name] = RawTable(name, sheet, frame)
    return tables, warnings


# Sheets the template adds for people, not for the engine.
INSTRUCTION_SHEETS = {"填表说明", "说明", "instructions", "readme"}


def _read_csv(path: Path) -> tuple[pl.DataFrame, list[Problem]]:
    try:
        return pl.read_csv(path, infer_schema=False, encoding="utf8"), []
    except pl.exceptions.ComputeError:
        # Excel on Chinese Windows saves "CSV" in GB18030; read it, but say so.
        text = path.read_bytes().decode("gb18030")
        warning = Problem(path.name, None, None, None, "文件不是 UTF-8 编码，已按 GB18030 读取",
                          "file is not UTF-8; read as GB18030")
        return pl.read_csv(io.StringIO(text), infer_schema=False), [warning]


def _read_folder(path: Path) -> tuple[dict[str, RawTable], list[Problem]]:
    tables: dict[str, RawTable] = {}
    warnings: list[Problem] = []
    for file in sorted(path.iterdir()):
        suffix = file.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            continue
        name = _table_for(file.stem)
        if name is None:
            warnings.append(Problem(file.name, None, None, None, "未识别的文件，已忽略",
                                    "unrecognised file, ignored"))
            continue
        if name in tables:
            raise ReadError([Problem(file.name, None, None, None,
                                     f"与文件 {tables[name].source} 重复",
                                     f"same table as file {tables[name].source}")])
        try:
            if suffix == ".csv":
                frame, more = _read_csv(file)
                warnings.extend(more)
            else:
                frame = pl.read_parquet(file)
        except Exception as exc:
            raise ReadError([Problem(file.name, None, None, None, f"无法读取文件：{exc}",
                                     f"cannot read the file: {exc}")]) from exc
        tables[name] = RawTable(name, file.name, frame)
    return tables, warnings
