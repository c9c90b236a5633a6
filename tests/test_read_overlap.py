"""A workbook's big sheets load in a thread of their own while the rest is checked and read
(issue 18): the same tables, warnings and errors as reading in order, nothing handed to the
thread before the archive check passed it, and no thread left once the read is over.

Each test reads the same small sample both ways: every sheet through the thread
(``_EARLY_BYTES`` 0) and none (``_EARLY_BYTES`` past any sheet); the expected answer is the
reading in order, and the faults are made by the test (a reader that fails on named sheets, a
cell far enough out for a small ``max_cells``).
"""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import fastexcel
import pytest

import junheng
from junheng.io import ReadLimits, _read
from junheng.io._read import ReadError, read_named_tables

TEACHERS = "教师"
LATER = "专用教室"  # a sheet after the teachers'


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("overlap") / "county.xlsx"
    junheng.write_sample(path, schools=12, seed=1)
    return path


def read(path: Path, early: bool | int, monkeypatch: pytest.MonkeyPatch,
         limits: ReadLimits | None = None):
    """Read with every sheet through the thread (True), none (False), or those whose part
    inflates to at least ``early`` bytes."""
    threshold = early if not isinstance(early, bool) else 0 if early else 1 << 62
    monkeypatch.setattr(_read, "_EARLY_BYTES", threshold)
    return read_named_tables(path, limits or ReadLimits(), _read._table_for, typed=True)


def biggest_part(path: Path) -> int:
    """The inflated size of the largest sheet part: the teachers' (only it goes early)."""
    with zipfile.ZipFile(path) as z:
        return max(i.file_size for i in z.infolist() if i.filename.startswith("xl/worksheets/"))


def sheet_readers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "junheng-sheet-reader"]


def loaded_where(monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """Sheet → the thread that loaded it."""
    where: dict[str, str] = {}
    load = _read._load_sheet

    def spy(reader, sheet, *args):
        where[sheet] = threading.current_thread().name
        return load(reader, sheet, *args)

    monkeypatch.setattr(_read, "_load_sheet", spy)
    return where


def test_the_tables_and_warnings_are_those_of_reading_in_order(sample: Path,
                                                               monkeypatch) -> None:
    tables, warnings, skipped = read(sample, False, monkeypatch)
    where = loaded_where(monkeypatch)
    early_tables, early_warnings, early_skipped = read(sample, True, monkeypatch)
    assert where[TEACHERS] == "junheng-sheet-reader"  # the thread did load it
    assert list(early_tables) == list(tables)  # same tables, in the sheets' order
    for name, table in tables.items():
        other = early_tables[name]
        assert (other.name, other.source, other.code_row) == (table.name, table.source,
                                                              table.code_row)
        assert other.frame.equals(table.frame), name
        assert (other.reread is None) == (table.reread is None)
        if table.reread is not None:  # the text reading after all, through the first reader
            assert other.reread().equals(table.reread())
    assert early_warnings == warnings and early_skipped == skipped
    assert not sheet_readers()
    # and the whole load (validation included) gives the same data set
    monkeypatch.setattr(_read, "_EARLY_BYTES", 0)
    early = junheng.load(sample)
    monkeypatch.setattr(_read, "_EARLY_BYTES", 1 << 62)
    plain = junheng.load(sample)
    assert early.teachers.equals(plain.teachers) and early.schools.equals(plain.schools)
    assert early.warnings == plain.warnings


def test_a_sheet_failing_in_the_thread_is_the_error_reading_in_order_gives(
        sample: Path, monkeypatch) -> None:
    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    load = fastexcel.ExcelReader.load_sheet

    def failing(self, sheet, **kwargs):
        if sheet in (TEACHERS, LATER):  # the teachers' first: its error must win
            raise PanicException(f"cannot parse {sheet}")
        return load(self, sheet, **kwargs)

    monkeypatch.setattr(fastexcel.ExcelReader, "load_sheet", failing)
    found = []
    # in order; every sheet in the thread; only the teachers' (the later one fails first, in
    # the reader's own thread)
    for early in (False, True, biggest_part(sample)):
        where = loaded_where(monkeypatch)
        with pytest.raises(ReadError) as caught:
            read(sample, early, monkeypatch)
        found.append(caught.value.problems)
        assert not sheet_readers()
        if early is not False:
            assert where[TEACHERS] == "junheng-sheet-reader"
    assert found[0] == found[1] == found[2]
    (problem,) = found[0]
    assert problem.table == TEACHERS and f"cannot parse {TEACHERS}" in problem.expected_en
    assert where[LATER] == "MainThread"


def test_a_later_sheet_failing_its_check_ends_the_thread(sample: Path, tmp_path: Path,
                                                         monkeypatch) -> None:
    # A cell at Z5000 on a sheet after the teachers': 26 × 5 000 cells, over a limit of
    # 50 000 that the teachers' sheet (17 columns × ~800 rows) is under.
    bad = tmp_path / "far.xlsx"
    with zipfile.ZipFile(sample) as zin, zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as zout:
        book = zin.read("xl/workbook.xml").decode()
        rels = zin.read("xl/_rels/workbook.xml.rels").decode()
        rel = book.split(f'name="{LATER}"')[1].split('r:id="')[1].split('"')[0]
        part = "xl/" + rels.split(f'Id="{rel}"')[1].split('Target="')[1].split('"')[0]
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = data.replace(b"</sheetData>",
                                    b'<row r="5000"><c r="Z5000"><v>1</v></c></row></sheetData>')
            zout.writestr(info.filename, data)
    limits = ReadLimits(max_cells=50_000)
    with pytest.raises(ReadError) as plain:
        read(bad, False, monkeypatch, limits)
    handed: list[int] = []
    passed = _read._EarlyLoads.passed

    def spy(self, number, *args):
        handed.append(number)
        passed(self, number, *args)

    monkeypatch.setattr(_read._EarlyLoads, "passed", spy)
    where = loaded_where(monkeypatch)
    with pytest.raises(ReadError) as early:
        read(bad, True, monkeypatch, limits)
    assert early.value.problems == plain.value.problems
    (problem,) = early.value.problems
    assert problem.table == LATER and problem.column == "A1:Z5000"
    assert handed and LATER not in where  # sheets before it went to the thread; not it
    assert not sheet_readers()
