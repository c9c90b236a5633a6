"""Lists of ids a user gives on the command line: inline (``A,B``) or as a file.

A file is a .csv or .xlsx whose id column is found by its header, in English or Chinese as the
data contract reads headers (``teacher_id`` or 教师编号) — personnel exports often put the school
id first, so the first column is never assumed — or a text file of one id per line.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from junheng.errors import InputError, Problem
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
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")  # Excel on Chinese Windows


def _read(path: Path) -> pl.DataFrame:
    try:
        if path.suffix.lower() == ".csv":
            return pl.read_csv(_text(path).encode(), infer_schema=False)
        import fastexcel

        return fastexcel.read_excel(str(path)).load_sheet(0, dtypes="string").to_polars()
    except Exception as exc:
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
