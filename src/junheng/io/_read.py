"""Read the raw tables of an input: an .xlsx workbook, or a folder of .csv / .parquet files.

Nothing here knows about types or rules; cells arrive as text (Excel, CSV) or as the file's own
types (Parquet) and ``_validate`` turns them into the typed tables of the contract.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import fastexcel
import polars as pl

from junheng.io import _xlsx_split
from junheng.io._csv import read_csv
from junheng.io._limits import ReadError, ReadLimits, count, raise_hint, size
from junheng.io._xlsx_guard import CheckedSheet, check_workbook
from junheng.io._xlsx_head import sheet_heads
from junheng.io._xlsx_split import Half, split_load
from junheng.model.dataset import Problem
from junheng.model.schema import TABLES

__all__ = ["RawTable", "ReadError", "ReadLimits", "read_tables"]

# fastexcel logs a warning for each column whose type it cannot infer (an empty optional column)
# and reads it as text, which is what validation expects; a user must not see that on stderr.
logging.getLogger("fastexcel").setLevel(logging.ERROR)


@dataclass
class RawTable:
    name: str  # canonical table name
    source: str  # what the user calls it: sheet or file name
    frame: pl.DataFrame
    # A workbook sheet read typed past the template's code row (see _typed_sheet): that row's
    # cells, and how to read the sheet as text after all when validation finds it is not one.
    code_row: list[object] | None = None
    reread: Callable[[], pl.DataFrame] | None = None


def _table_for(label: str) -> str | None:
    key = label.strip().lower()
    for table in TABLES.values():
        if key in (table.name, table.zh):
            return table.name
    return None


def read_tables(path: str | Path, limits: ReadLimits | None = None,
                ) -> tuple[dict[str, RawTable], list[Problem]]:
    """Return the recognised tables of ``path`` and warnings about anything ignored.

    Nothing is read past ``limits`` (``ReadLimits()`` when None): a workbook is checked part by
    part before fastexcel opens it, a CSV or Parquet file before Polars reads it. Raises
    ``ReadError`` with located, bilingual problems. A workbook's big sheets (the teachers') are
    parsed in a thread as soon as they pass the check, while the rest is checked and read; the
    tables, warnings and errors are those of reading in order, and no thread outlives the call.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=4, seed=1)
    >>> tables, warnings = read_tables(path)
    >>> tables["schools"].frame.height, tables["teachers"].source
    (4, '教师')
    """
    tables, warnings, _ = read_named_tables(path, limits or ReadLimits(), _table_for,
                                            typed=True)
    return tables, warnings


def read_named_tables(path: str | Path, limits: ReadLimits, table_for: Callable[[str], str | None],
                      quiet: Callable[[str], bool] = lambda name: name.strip() in INSTRUCTION_SHEETS,
                      expected: tuple[str, str] = (
                          "应为 .xlsx 工作簿或 CSV/Parquet 文件夹",
                          "expected an .xlsx workbook or a folder of .csv/.parquet files"),
                      typed: bool = False,
                      ) -> tuple[dict[str, RawTable], list[Problem], list[str]]:
    """The tables of a workbook or folder whose sheet (file) names ``table_for`` recognises —
    the data's, or another input's such as the price table — read within ``limits``; warnings
    for the other names unless ``quiet`` says they are for people; and those other names.
    ``typed``: a workbook's data sheets may be read typed (the data tables only: see
    ``_typed_sheet``); otherwise every cell arrives as text."""
    path = Path(path)
    if not path.exists():
        raise ReadError([Problem(str(path), None, None, None, "文件或文件夹不存在",
                                 "file or folder does not exist")])
    if path.is_dir():
        return _read_folder(path, limits, table_for, quiet)
    if not path.is_file():
        raise _not_a_file(path)
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_workbook(path, limits, table_for, quiet, typed)
    raise ReadError([Problem(str(path), None, None, path.suffix, *expected)])


def _check_text_lengths(source: str, frame: pl.DataFrame, limits: ReadLimits) -> None:
    """No text longer than Excel's cell limit: a workbook cannot hold one, and a 5 MB "name"
    in a CSV or Parquet file would only stall every writer and printer after it."""
    texts = [c for c, t in frame.schema.items() if t == pl.String]
    if not texts:
        return
    # A text has at most as many characters as bytes: counting characters (a UTF-8 decode) is
    # needed only for a column whose longest text is over the limit in bytes.
    # Streamed: no column of lengths of a province's length is held (a fifth faster, too).
    most_bytes = frame.lazy().select(pl.col(texts).str.len_bytes().max()).collect(
        engine="streaming").row(0)
    texts = [c for c, n in zip(texts, most_bytes, strict=True)
             if n is not None and n > limits.max_string_chars]
    if not texts:
        return
    longest = frame.select(pl.col(texts).str.len_chars().max())
    problems = []
    for column in texts:
        n = longest.get_column(column)[0]
        if n is None or n <= limits.max_string_chars:
            continue
        row = frame.select(pl.col(column).str.len_chars().arg_max()).item()
        problems.append(Problem(source, row + 2, column, f"{n:,} 字符 characters",
                                f"文本超过 {limits.max_string_chars:,} 个字符（Excel 单元格的上限）",
                                f"text over {limits.max_string_chars:,} characters (Excel's "
                                "cell limit)"))
    if problems:
        raise ReadError(problems)


def _not_a_file(path: Path) -> ReadError:
    """A pipe or a device would block the read or never end: only regular files are read."""
    return ReadError([Problem(str(path), None, None, None,
                              "不是普通文件（管道、设备等），无法读取",
                              "not a regular file (a pipe, a device …); cannot be read")])


def _is_reader_error(exc: BaseException) -> bool:
    """An error of the reader itself: an exception, or a Rust panic inside fastexcel, which
    surfaces as ``pyo3_runtime.PanicException`` — a BaseException, not an Exception."""
    return isinstance(exc, Exception) or type(exc).__name__ == "PanicException"


def _read_workbook(path: Path, limits: ReadLimits, table_for: Callable[[str], str | None],
                   quiet: Callable[[str], bool], typed: bool = False,
                   ) -> tuple[dict[str, RawTable], list[Problem], list[str]]:
    early = _EarlyLoads(path, table_for, typed)
    try:
        return _read_checked(path, limits, table_for, quiet, typed, early)
    finally:
        early.close()  # on success and on any failure: the thread ends before this returns


def _read_checked(path: Path, limits: ReadLimits, table_for: Callable[[str], str | None],
                  quiet: Callable[[str], bool], typed: bool, early: _EarlyLoads,
                  ) -> tuple[dict[str, RawTable], list[Problem], list[str]]:
    check = check_workbook(path, limits, lambda sheet: table_for(sheet) is not None, early)
    taken = early.taken()  # handed to the thread as the check passed them
    heads = sheet_heads(path, only={s for i, s in enumerate(check.sheets) if i not in taken}
                        ) if typed else {}
    try:
        reader = fastexcel.read_excel(str(path))
        sheet_names = reader.sheet_names
    except BaseException as exc:  # fastexcel raises its own types for corrupt files; see above
        if not _is_reader_error(exc):
            raise
        raise ReadError([Problem(str(path), None, None, None, f"无法读取工作簿：{exc}",
                                 f"cannot read the workbook: {exc}")]) from exc
    if len(sheet_names) != len(check.sheets):
        raise ReadError([Problem(str(path), None, None, None,
                                 "工作簿的工作表列表前后不一致，无法检查",
                                 "the workbook's list of sheets reads two ways; it cannot be "
                                 "checked")])
    tables: dict[str, RawTable | None] = {}  # None: loading in the thread, its place kept
    sources: dict[str, str] = {}
    later: dict[int, tuple[str, str]] = {}  # sheet number → (sheet, table) loading in the thread
    warnings: list[Problem] = []
    skipped: list[str] = []

    def finish(number: int) -> RawTable:
        """A sheet loaded in the thread, or its failure raised here, at its place in order."""
        sheet, name = later[number]
        outcome = early.outcome(number)
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome is None:  # the thread could not take it: read here, as any sheet
            head = sheet_heads(path, only={sheet}).get(sheet) if typed else None
            return _raw_table(reader, sheet, name, head)
        frame, code_row = outcome
        if code_row is None:
            return RawTable(name, sheet, frame)
        return RawTable(name, sheet, frame, code_row, lambda: _as_text(reader, sheet))

    for number, sheet in enumerate(sheet_names):
        try:
            name = table_for(sheet)
            if name is None:
                skipped.append(sheet)
                if not quiet(sheet):
                    warnings.append(Problem(sheet, None, None, None, "未识别的工作表，已忽略",
                                            "unrecognised sheet, ignored"))
                continue
            if name in tables:
                raise ReadError([Problem(sheet, None, None, None,
                                         f"与工作表 {sources[name]} 重复",
                                         f"same table as sheet {sources[name]}")])
            if number not in check.checked:  # never load what was not checked
                raise ReadError([Problem(sheet, None, None, None, "工作表名称读法不一致，无法检查",
                                         "the sheet's name reads two ways; it cannot be checked")])
            sources[name] = sheet
            if number in taken and check.sheets[number] == sheet:
                later[number] = (sheet, name)
                tables[name] = None
                continue
            tables[name] = _raw_table(reader, sheet, name, heads.get(sheet))
        except Exception:
            # A sheet before this one, loading in the thread, may have failed first: that is
            # the error reading in order gives.
            for before in sorted(later):
                if before < number:
                    finish(before)
            raise
    for number in sorted(later):
        tables[later[number][1]] = finish(number)
    return {name: table for name, table in tables.items() if table is not None}, warnings, skipped


def _as_text(reader: fastexcel.ExcelReader, sheet: str) -> pl.DataFrame:
    """The sheet with every cell as text; a located ``ReadError`` when the reader fails."""
    try:
        return reader.load_sheet(sheet, header_row=0, dtypes="string").to_polars()
    except BaseException as exc:
        if not _is_reader_error(exc):
            raise
        raise ReadError([Problem(sheet, None, None, None, f"无法读取工作表：{exc}",
                                 f"cannot read the sheet: {exc}")]) from exc


def _load_sheet(reader: fastexcel.ExcelReader, sheet: str, name: str,
                head: tuple[list[object], list[object]] | None,
                kept: CheckedSheet | None = None, offer: Callable[[Half], None] | None = None,
                ) -> tuple[pl.DataFrame, list[object] | None]:
    """The sheet's frame, and its code row when it was read typed past it (else None)."""
    fast = _typed_sheet(reader, sheet, name, head[1], kept, offer) if head else None
    if fast is None:
        return _as_text(reader, sheet), None
    return fast, head[1]  # type: ignore[index]


def _raw_table(reader: fastexcel.ExcelReader, sheet: str, name: str,
               head: tuple[list[object], list[object]] | None) -> RawTable:
    frame, code_row = _load_sheet(reader, sheet, name, head)
    if code_row is None:
        return RawTable(name, sheet, frame)
    return RawTable(name, sheet, frame, code_row, lambda: _as_text(reader, sheet))


# A sheet part this large (inflated XML) is loaded in a thread of its own while the rest of the
# workbook is checked and read: 1 MiB is some 1 600 teacher rows, ~10 ms of calamine; below
# that a thread and a second reader (~3 ms to open) would cost about what they save.
_EARLY_BYTES = 1 << 20


class _EarlyLoads:
    """The big sheets of a workbook loaded in a thread of their own, while the reader's thread
    checks and reads the rest (issue 18: fastexcel releases the GIL while it parses; one reader
    cannot serve two threads, so the thread has its own).

    The guard calls ``opened`` once the parts read at open have passed, and ``passed`` for each
    sheet that passed: only then is the sheet handed to the thread — nothing reaches calamine
    unchecked. The thread loads it as the reader's thread would (``_load_sheet``); a sheet of
    several MB is parsed in two halves from the XML the guard passed, the second ``Half``
    offered back to the reader's thread, which parses it while it waits (``outcome``).
    Whatever the thread meets (an error, a panic) is kept and raised by ``outcome`` in the
    reader's thread at the sheet's place, so the errors are those of reading in order.
    ``close`` stops it: nothing new is started, and the thread is joined (a load under way runs
    to its end: calamine cannot be interrupted)."""

    def __init__(self, path: Path, table_for: Callable[[str], str | None], typed: bool) -> None:
        self.path, self.table_for, self.typed = path, table_for, typed
        self.sheets: list[str] = []
        self.big: set[int] = set()  # sheets the thread will take when they pass
        self.handed: list[int] = []
        self.jobs: queue.SimpleQueue[tuple[int, CheckedSheet | None] | None] = \
            queue.SimpleQueue()
        self.done: dict[int, tuple[pl.DataFrame, list[object] | None] | BaseException | None] = {}
        self.halves: list[Half] = []  # offered to the reader's thread
        self.ready = threading.Condition()
        self.stop = threading.Event()
        self.thread: threading.Thread | None = None

    def opened(self, sheets: list[str], sizes: list[int]) -> set[int]:
        self.sheets = sheets
        big = {i for i, (sheet, n) in enumerate(zip(sheets, sizes, strict=True))
               if n >= _EARLY_BYTES and sheets.count(sheet) == 1
               and self.table_for(sheet) is not None}
        if not big:
            return set()
        self.big = big
        thread = threading.Thread(target=self._run, name="junheng-sheet-reader", daemon=True)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: every sheet is read in order
            self.big = set()
            return set()
        self.thread = thread
        # the sheets big enough to parse in two halves: their checked XML is kept for it
        return {i for i in big if _xlsx_split.SPLIT_BYTES <= sizes[i] <= _xlsx_split.SPLIT_MAX
                } if self.typed else set()

    def passed(self, number: int, kept: CheckedSheet | None = None) -> None:
        if number in self.big and not self.stop.is_set():
            self.handed.append(number)
            self.jobs.put((number, kept))

    def taken(self) -> set[int]:
        return set(self.handed)

    def _offer(self, half: Half) -> None:
        with self.ready:
            self.halves.append(half)
            self.ready.notify_all()

    def _run(self) -> None:
        reader = _OwnReader(self.path, self.sheets)
        try:
            # Our own reading of the first rows (bounded, never calamine's), done while the
            # guard still checks the sheets, so a sheet that passes is parsed at once.
            heads = sheet_heads(self.path, only={self.sheets[i] for i in self.big}
                                ) if self.typed else {}
        except BaseException:
            heads = {}
        while True:
            job = self.jobs.get()
            if job is None or self.stop.is_set():
                return
            number, kept = job
            sheet = self.sheets[number]
            name = self.table_for(sheet)
            outcome: tuple[pl.DataFrame, list[object] | None] | BaseException | None
            try:
                outcome = _load_sheet(reader, sheet, name,  # type: ignore[arg-type]
                                      heads.get(sheet), kept, self._offer)
            except _Declined:
                outcome = None
            except BaseException as exc:  # raised in the reader's thread, in order
                outcome = exc
            with self.ready:
                self.done[number] = outcome
                self.ready.notify_all()

    def outcome(self, number: int) -> tuple[pl.DataFrame, list[object] | None] | BaseException | None:
        """What the thread made of sheet ``number``: (frame, code row), the exception it met,
        or None when it could not take the sheet (the caller reads it). Parses any half the
        thread offers meanwhile."""
        while True:
            with self.ready:
                while number not in self.done and not self.halves:
                    if self.thread is None or not self.thread.is_alive():
                        return None
                    self.ready.wait(0.05)
                if number in self.done:
                    return self.done.pop(number)
                half = self.halves.pop(0)
            half.run()

    def close(self) -> None:
        self.stop.set()
        if self.thread is not None:
            self.jobs.put(None)
            self.thread.join()


class _Declined(BaseException):  # not a reader error: passes through _typed_sheet, _as_text
    """The thread's reader lists the sheets otherwise than the guard: the sheet is left to the
    reader's thread, which reads it in order and says why."""


class _OwnReader:
    """The sheet thread's reader of the workbook file, opened only when a sheet is not parsed
    in halves; loads nothing unless it lists the sheets exactly as the guard did (a name is then
    the sheet the guard checked: the thread's sheets have unique names)."""

    def __init__(self, path: Path, sheets: list[str]) -> None:
        self.path, self.sheets = path, sheets
        self.reader: fastexcel.ExcelReader | None = None

    def load_sheet(self, sheet: str, **options: object) -> fastexcel.ExcelSheet:
        if self.reader is None:
            try:
                reader = fastexcel.read_excel(str(self.path))
                same = reader.sheet_names == self.sheets
            except BaseException as exc:  # the reader's thread opens it again and says why
                raise _Declined from exc
            if not same:
                raise _Declined
            self.reader = reader
        return self.reader.load_sheet(sheet, **options)  # type: ignore[arg-type]


def _typed_sheet(reader: fastexcel.ExcelReader, sheet: str, name: str,
                 second: list[object], kept: CheckedSheet | None = None,
                 offer: Callable[[Half], None] | None = None) -> pl.DataFrame | None:
    """The sheet read typed and past its second row, when that row looks like the template's
    codes; None to read it as text. Issue 18: parsing numbers as numbers is twice as fast as
    making every cell a string, and validation gives the same answers, because only columns
    whose every cell the text reading would give back unchanged are accepted — texts (and
    columns junheng does not know) made of text cells only, and numbers whose text (calamine
    writes nine decimals) reads back as the same number. Anything else (a number in an id
    column, a date, a figure with more decimals, mixed cells) reads the sheet as text.
    ``kept``: the sheet's XML as the archive check passed it, to parse it in two halves at once,
    the second ``offer``-ed to another thread (``_xlsx_split``) — the same frame, sooner."""
    codes = {col.name for col in TABLES[name].columns}
    named = [v for v in second if v is not None]
    if not named or not all(isinstance(v, str) and v.strip().lower() in codes for v in named):
        return None
    frame = split_load(kept, sheet, _typed_load, offer) if kept and offer else None
    if frame is None:
        try:
            frame = _typed_load(reader, sheet)
        except BaseException as exc:  # mixed cells in a column (strict), or anything else
            if not _is_reader_error(exc):
                raise
            return None
    if any(h.startswith("__UNNAMED__") and j < len(second) and second[j] is not None
           for j, h in enumerate(frame.columns)):
        return None  # a cell under no header in the skipped row: validation must see it
    kinds = {}
    for header in frame.columns:
        col = next((c for c in TABLES[name].columns if c.matches(header)), None)
        kinds[header] = None if col is None else col.kind
    fixed = []
    for header, dtype in frame.schema.items():
        if dtype == pl.Null:  # no cell at all: as the text reading gives it
            fixed.append(pl.col(header).cast(pl.String))
        elif dtype == pl.Boolean and kinds[header] == "bool":
            continue  # 是/否 cells are text; true/false cells mean the same either way
        elif dtype != pl.String and not (
                kinds[header] in _NUMBERS and dtype in (pl.Float64, pl.Int64)
                and _reads_back(frame.get_column(header))):
            return None
    return frame.with_columns(fixed) if fixed else frame


def _typed_load(reader: fastexcel.ExcelReader, sheet: str) -> pl.DataFrame:
    """The sheet typed past its second row; a column of mixed cells is an error (strict)."""
    return reader.load_sheet(sheet, header_row=0, skip_rows=1, schema_sample_rows=None,
                             dtype_coercion="strict").to_polars()


_NUMBERS = ("int", "float", "ratio", "school_year")


def _reads_back(values: pl.Series) -> bool:
    """Whether every number is the one its text would read back as: calamine writes a
    number with nine decimals (``format_number``), so whole numbers below 2^53 always are,
    others when nine decimals hold them exactly."""
    if values.dtype == pl.Int64:
        return True
    known = values.drop_nulls()
    whole = (known == known.round()) & (known.abs() < 2.0**53)
    return all(float(format_number(x)) == x for x in known.filter(~whole).unique().to_list())


def format_number(x: float) -> str:
    """A number as fastexcel gives it when a cell is read as text: nine decimals, the trailing
    zeros and point dropped (``-0`` kept).

    >>> format_number(8346.099999999999), format_number(1e21), format_number(0.5)
    ('8346.1', '1000000000000000000000', '0.5')
    """
    text = format(Decimal(x), ".9f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# Sheets the template adds for people, not for the engine.
INSTRUCTION_SHEETS = {"填表说明", "说明", "instructions", "readme"}


def _read_parquet(path: Path, limits: ReadLimits) -> pl.DataFrame:
    """Read a Parquet table, after checking its size and its rows × columns from the metadata:
    a small file can hold a large table (dictionary and run-length encoding)."""
    zh, en = raise_hint()
    file_size = path.stat().st_size
    if file_size > limits.max_file_bytes:
        raise ReadError([Problem(path.name, None, None, size(file_size),
                                 f"文件 {size(file_size)}，超过读取上限 {size(limits.max_file_bytes)}；{zh}",
                                 f"the file is {size(file_size)}, more than the read limit of "
                                 f"{size(limits.max_file_bytes)}; {en}")])
    rows = pl.scan_parquet(path).select(pl.len()).collect().item()
    columns = len(pl.read_parquet_schema(path))
    if rows * columns > limits.max_table_cells:
        raise ReadError([Problem(path.name, None, None, f"{count(rows)} × {count(columns)}",
                                 f"表有 {count(rows)} 行 × {count(columns)} 列，超过读取上限 "
                                 f"{count(limits.max_table_cells)} 个单元格；{zh}",
                                 f"the table has {count(rows)} rows × {count(columns)} columns, "
                                 f"more than the read limit of {count(limits.max_table_cells)} "
                                 f"cells; {en}")])
    return pl.read_parquet(path)


def _read_folder(path: Path, limits: ReadLimits, table_for: Callable[[str], str | None],
                 quiet: Callable[[str], bool],
                 ) -> tuple[dict[str, RawTable], list[Problem], list[str]]:
    tables: dict[str, RawTable] = {}
    warnings: list[Problem] = []
    skipped: list[str] = []
    for file in sorted(path.iterdir()):
        suffix = file.suffix.lower()
        if suffix not in (".csv", ".parquet"):
            continue
        name = table_for(file.stem)
        if name is None:
            skipped.append(file.stem)
            if not quiet(file.stem):
                warnings.append(Problem(file.name, None, None, None, "未识别的文件，已忽略",
                                        "unrecognised file, ignored"))
            continue
        if not file.is_file():
            raise _not_a_file(file)
        if name in tables:
            raise ReadError([Problem(file.name, None, None, None,
                                     f"与文件 {tables[name].source} 重复",
                                     f"same table as file {tables[name].source}")])
        frame, more = read_table_file(file, limits)
        warnings.extend(more)
        tables[name] = RawTable(name, file.name, frame)
    return tables, warnings, skipped


def read_table_file(file: Path, limits: ReadLimits) -> tuple[pl.DataFrame, list[Problem]]:
    """One .csv or .parquet file of a folder input, within the read limits; a file no reader
    can read is a located ``ReadError``, never a traceback."""
    warnings: list[Problem] = []
    try:
        if file.suffix.lower() == ".csv":
            frame, warnings = read_csv(file, limits)
        else:
            frame = _read_parquet(file, limits)
    except ReadError:
        raise
    except BaseException as exc:  # Polars raises its own types (and panics) on bad files
        if not _is_reader_error(exc):
            raise
        raise ReadError([Problem(file.name, None, None, None, f"无法读取文件：{exc}",
                                 f"cannot read the file: {exc}")]) from exc
    _check_text_lengths(file.name, frame, limits)
    return frame, list(warnings)
