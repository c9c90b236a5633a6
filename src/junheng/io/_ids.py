"""Lists of ids a user gives on the command line: inline (``A,B``) or as a file.

A file is a .csv or .xlsx whose id column is found by its header, in English or Chinese as the
data contract reads headers (``teacher_id`` or 教师编号) — personnel exports often put the school
id first, so the first column is never assumed — or a text file of one id per line.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from junheng.errors import InputError, Problem
from junheng.io._csv import read_csv
from junheng.io._limits import ReadError, ReadLimits
from junheng.io._read import _is_reader_error
from junheng.io._xlsx_guard import check_workbook
from junheng.model.schema import TABLES, Column

ID_COLUMNS = {"teacher": TABLES["teachers"].column("teacher_id"),
              "school": TABLES["schools"].column("school_id")}


def read_ids(text: str, kind: str = "teacher") -> tuple[str, ...]:
    """The ids in ``text``: a path to a .csv / .xlsx / .txt file, or ids separated by commas.

    Raises ``InputError`` when a table file has no column for the ids.

    Examples
    --------
    >>> read_ids("S001, S002,", "school")
    ('S001', 'S002')
    """
    column = ID_COLUMNS[kind]
    path = Path(text)
    if not path.is_file():
        if path.suffix.lower() in (".csv", ".xlsx", ".xlsm", ".txt") or "/" in text \
                or "\\" in text:
            raise InputError([Problem(text, None, None, None, "文件不存在",
                                      "file does not exist")])
        return tuple(i.strip() for i in text.replace("，", ",").split(",") if i.strip())
    suffix = path.suffix.lower()
    if suffix in (".csv", ".xlsx", ".xlsm"):
        return _from_table(path, _read(path), column)
    lines = [line.strip() for line in _text(path).splitlines()]
    return tuple(line for line in lines if line and not column.matches(line))


def _text(path: Path) -> str:
    _check_size(path)
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")  # Excel on Chinese Windows


def _check_size(path: Path) -> None:
    if not path.is_file():
        raise InputError([Problem(path.name, None, None, None, "不是普通文件，无法读取",
                                  "not a regular file; cannot be read")])
    limit = ReadLimits().max_file_bytes
    if path.stat().st_size > limit:
        raise InputError([Problem(path.name, None, None, None,
                                  f"文件超过读取上限 {limit:,} 字节", f"file over the read limit "
                                  f"of {limit:,} bytes")])


def _read(path: Path) -> pl.DataFrame:
    """The first sheet (or the CSV), read through the same guarded readers as the input."""
    _check_size(path)
    try:
        if path.suffix.lower() == ".csv":
            return read_csv(path, ReadLimits())[0]
        import fastexcel

        check_workbook(path, ReadLimits(), lambda _: True)
        return fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_polars()
    except ReadError as exc:
        raise InputError(exc.problems) from exc
    except BaseException as exc:  # a Rust panic in the reader is a BaseException
        if not _is_reader_error(exc):
            raise
        raise InputError([Problem(path.name, None, None, None, f"无法读取文件：{exc}",
                                  f"cannot read the file: {exc}")]) from exc


def _from_table(path: Path, frame: pl.DataFrame, column: Column) -> tuple[str, ...]:
    found = next((c for c in frame.columns if column.matches(c)), None)
    if found is None:
        raise InputError([Problem(
            path.name, 1, f"{column.zh} {column.name}", "、".join(frame.columns),
            f"找不到「{column.zh}」列（表头应为「{column.zh}」或 {column.name}）",
            f"no {column.name} column (the header must read {column.name} or {column.zh})")])
    values = frame.get_column(found).cast(pl.String).str.strip_chars()
    return tuple(v for v in values.to_list() if v)
