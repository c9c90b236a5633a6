"""Reading a workbook typed (issue 18) gives what reading every cell as text gives: the same
tables, the same warnings, the same problems word for word — on the template's workbooks and on
workbooks that leave the fast path (more decimals than calamine's text keeps, numbers in an id
column, no code row, a date, a bad figure). The text reading is the reference here, as it was
the only reading before."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
import xlsxwriter

import junheng
from junheng.errors import InputError
from junheng.io import _read
from junheng.io._read import ReadLimits, format_number
from junheng.io._validate import validate
from junheng.io._xlsx_head import sheet_heads


def _load(path, typed: bool):
    """(dataset or None, problems, warnings) through one reading."""
    tables, warnings, _ = _read.read_named_tables(path, ReadLimits(), _read._table_for,
                                                  typed=typed)
    try:
        ds = validate(tables, warnings, source=str(path))
    except InputError as exc:
        return None, exc.problems, exc.warnings
    return ds, [], ds.warnings


def _same(path) -> None:
    fast, slow = _load(path, True), _load(path, False)
    assert fast[1] == slow[1]
    assert fast[2] == slow[2]
    if slow[0] is None:
        assert fast[0] is None
        return
    got, want = fast[0].tables(), slow[0].tables()
    assert got.keys() == want.keys()
    for name in want:
        assert got[name].schema == want[name].schema, name
        assert got[name].equals(want[name], null_equal=True), name


def _typed_sheets(path) -> set[str]:
    tables, _, _ = _read.read_named_tables(path, ReadLimits(), _read._table_for, typed=True)
    return {t.name for t in tables.values() if t.code_row is not None}


@pytest.mark.parametrize(("schools", "seed"), [(12, 1), (30, 5)])
def test_the_template_is_read_typed_and_the_same(tmp_path, schools, seed):
    path = junheng.write_sample(tmp_path / "c.xlsx", schools=schools, seed=seed)
    assert {"schools", "stages", "teachers"} <= _typed_sheets(path)
    _same(path)


def _sample_book(tmp_path, change) -> object:
    """The 12-school sample written cell by cell (as the template is), ``change`` applied to
    each sheet's rows first: change(sheet, rows) → rows (header, codes, data)."""
    book_path = tmp_path / "changed.xlsx"
    source = junheng.write_sample(tmp_path / "base.xlsx", schools=12, seed=1)
    import fastexcel

    reader = fastexcel.read_excel(str(source))
    book = xlsxwriter.Workbook(str(book_path), {"strings_to_numbers": False})
    for sheet in reader.sheet_names:
        frame = reader.load_sheet(sheet, header_row=None, dtypes="string").to_polars()
        rows = [list(r) for r in frame.iter_rows()]
        rows = change(sheet, rows)
        ws = book.add_worksheet(sheet)
        for i, row in enumerate(rows):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, dt.date):
                    ws.write_datetime(i, j, dt.datetime(v.year, v.month, v.day),
                                      book.add_format({"num_format": "yyyy-mm-dd"}))
                elif isinstance(v, float | int) and not isinstance(v, bool):
                    ws.write_number(i, j, v)
                elif i >= 2 and _numeric(v):
                    ws.write_number(i, j, float(v))
                else:
                    ws.write_string(i, j, str(v))
    book.close()
    return book_path


def _numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return not text.startswith("2") or len(text) < 10  # ids (10 digits from 2) stay text


def _column(rows, code):
    return rows[1].index(code)


def test_more_decimals_than_calamine_writes_leave_the_fast_path(tmp_path):
    def change(sheet, rows):
        if sheet == "学段":
            j = _column(rows, "teaching_area_m2")
            rows[2][j] = 1234.0000000001  # calamine's text: 1234
        return rows

    path = _sample_book(tmp_path, change)
    assert "stages" not in _typed_sheets(path)
    assert "teachers" in _typed_sheets(path)
    _same(path)


def test_numbers_in_an_id_column_a_date_and_no_code_row_read_as_text(tmp_path):
    def change(sheet, rows):
        if sheet == "学校":
            rows[2][_column(rows, "school_id")] = 2360000001.0  # a number, not text
        if sheet == "教师":
            rows[3][_column(rows, "birth_year")] = dt.date(1980, 1, 1)
        if sheet == "学段":
            del rows[1]  # no code row
        return rows

    path = _sample_book(tmp_path, change)
    assert not {"schools", "teachers", "stages"} & _typed_sheets(path)
    _same(path)


def test_a_bad_figure_on_a_typed_sheet_is_shown_as_the_text_reading_shows_it(tmp_path):
    def change(sheet, rows):
        if sheet == "学段":
            rows[2][_column(rows, "students")] = 12.5  # not a whole number
            rows[3][_column(rows, "classes")] = -3.0  # below 0
        return rows

    path = _sample_book(tmp_path, change)
    assert "stages" in _typed_sheets(path)
    _same(path)
    _, problems, _ = _load(path, True)
    assert {p.value for p in problems if p.table == "学段"} >= {"12.5", "-3"}


def test_the_head_reader_sees_the_first_two_rows():
    """Against fastexcel reading the same two rows as text."""
    import tempfile
    from pathlib import Path

    import fastexcel

    path = junheng.write_sample(Path(tempfile.mkdtemp()) / "c.xlsx", schools=8, seed=2)
    heads = sheet_heads(path)
    reader = fastexcel.read_excel(str(path))
    for sheet in reader.sheet_names:
        rows = reader.load_sheet(sheet, header_row=None, dtypes="string",
                                 n_rows=2).to_polars().rows()
        want = [[None if v is None else v for v in r] for r in rows]
        got = [[None if v is None else str(v) for v in r] for r in heads[sheet]]
        width = max(len(want[0]), len(got[0]))
        pad = [r + [None] * (width - len(r)) for r in got]
        assert pad == [r + [None] * (width - len(r)) for r in want], sheet


@pytest.mark.parametrize(("x", "text"), [
    (95.0, "95"), (0.1 + 0.2, "0.3"), (8346.099999999999, "8346.1"), (1 / 3, "0.333333333"),
    (1e21, "1000000000000000000000"), (-0.0, "-0"), (-1e-12, "-0"), (2.5e-9, "0.000000003"),
])
def test_format_number_is_calamines_text(x, text):
    """The expected texts are fastexcel's own (read with dtypes="string" from a workbook)."""
    assert format_number(x) == text


def test_format_number_against_fastexcel(tmp_path):
    import random

    import fastexcel

    random.seed(5)
    values = [random.uniform(-1e6, 1e6) for _ in range(300)] + [
        random.lognormvariate(0, 15) for _ in range(300)] + [0.5e-9, 1.5e-9, 1e300]
    path = tmp_path / "n.xlsx"
    book = xlsxwriter.Workbook(str(path))
    ws = book.add_worksheet("s")
    ws.write_string(0, 0, "h")
    for i, v in enumerate(values, 1):
        ws.write_number(i, 0, v)
    book.close()
    reader = fastexcel.read_excel(str(path))
    texts = reader.load_sheet("s", dtypes="string").to_polars()["h"].to_list()
    numbers = reader.load_sheet("s").to_polars()["h"].to_list()
    assert [format_number(x) for x in numbers] == texts
    assert pl.Series(numbers).dtype == pl.Float64
