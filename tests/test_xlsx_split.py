"""A big sheet parsed in two halves at once gives exactly the frame of one reading of the whole
sheet, or nothing (the caller then reads it whole) — issue 18, io/_xlsx_split.py.

The expected frame is fastexcel's own strict typed reading of the whole (edited) sheet, never
the code under test; the sheet is edited here so that the cut meets blank rows, a column with
no cell in one half, mixed cells, rows out of order, cells without references, a comment.
"""

from __future__ import annotations

import re
import threading
import zipfile
from collections.abc import Callable
from pathlib import Path

import fastexcel
import polars as pl
import pytest

import junheng
from junheng.io import _read, _xlsx_split
from junheng.io._xlsx_guard import CheckedSheet
from junheng.io._xlsx_split import Half, split_load

TEACHERS = "教师"
OPEN_PARTS = ["_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/workbook.xml", "xl/styles.xml",
              "xl/sharedStrings.xml"]


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("split") / "county.xlsx"
    junheng.write_sample(path, schools=12, seed=1)  # ~790 teachers, ~470 kB of sheet XML
    return path


def teacher_part(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rel = re.search(rf'<sheet name="{TEACHERS}" sheetId="\d+" r:id="(rId\d+)"', book).group(1)
    return "xl/" + re.search(rf'Id="{rel}"[^>]*Target="([^"]+)"', rels).group(1)


def edited(sample: Path, target: Path, change: Callable[[bytes], bytes]) -> tuple[Path, bytes]:
    """The sample with its teacher sheet passed through ``change``; the new sheet XML."""
    part = teacher_part(sample)
    with zipfile.ZipFile(sample) as zin, zipfile.ZipFile(target, "w",
                                                         zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == part:
                data = change(data)
                xml = data
            zout.writestr(info.filename, data)
    return target, xml


def whole(path: Path) -> pl.DataFrame | None:
    """fastexcel's strict typed reading of the whole sheet (None when it refuses)."""
    try:
        return fastexcel.read_excel(str(path)).load_sheet(
            TEACHERS, header_row=0, skip_rows=1, schema_sample_rows=None,
            dtype_coercion="strict").to_polars()
    except Exception:
        return None


def halves(path: Path, xml: bytes, monkeypatch: pytest.MonkeyPatch,
           chunk: int = 1 << 16) -> pl.DataFrame | None:
    """``split_load`` of the sheet as the check would keep it (in chunks), the second half
    parsed in a thread of the test's own."""
    monkeypatch.setattr(_xlsx_split, "SPLIT_BYTES", 0)
    with zipfile.ZipFile(path) as z:
        parts = {name: z.read(name) for name in OPEN_PARTS}
    kept = CheckedSheet(parts, teacher_part(path),
                        [xml[i:i + chunk] for i in range(0, len(xml), chunk)])
    helpers: list[threading.Thread] = []

    def offer(half: Half) -> None:
        helpers.append(threading.Thread(target=half.run))
        helpers[-1].start()

    try:
        return split_load(kept, TEACHERS, _read._typed_load, offer)
    finally:
        for helper in helpers:
            helper.join()


def rows(xml: bytes) -> list[tuple[int, int, int]]:
    """(row number, start, end) of every data row element (past the code row)."""
    return [(int(m.group(1)), m.start(), m.end())
            for m in re.finditer(rb'<row r="(\d+)"[^>]*>.*?</row>', xml, re.S)
            if int(m.group(1)) > 2]


def same(path: Path, xml: bytes, monkeypatch: pytest.MonkeyPatch, *, cut: bool) -> None:
    expected = whole(path)
    got = halves(path, xml, monkeypatch)
    if cut:
        assert got is not None, "the sheet should have been cut"
    if got is not None:
        assert expected is not None
        assert got.schema == expected.schema
        assert got.equals(expected)


def test_the_sample_in_two_halves_is_the_whole_sheet(sample: Path, tmp_path: Path,
                                                     monkeypatch) -> None:
    path, xml = edited(sample, tmp_path / "plain.xlsx", lambda x: x)
    same(path, xml, monkeypatch, cut=True)


@pytest.mark.parametrize("share", [0.05, 0.5, 0.65, 0.97])
def test_blank_rows_at_the_cut_stay_blank(sample: Path, tmp_path: Path, monkeypatch,
                                          share: float) -> None:
    monkeypatch.setattr(_xlsx_split, "FIRST_SHARE", share)

    def drop_around_the_cut(x: bytes) -> bytes:
        found = rows(x)
        k = int(len(found) * share)
        first, last = found[max(k - 6, 0)], found[min(k + 6, len(found) - 1)]
        return x[:first[1]] + x[last[1]:]  # a dozen rows gone: blank in the whole sheet

    path, xml = edited(sample, tmp_path / "blank.xlsx", drop_around_the_cut)
    same(path, xml, monkeypatch, cut=True)
    assert whole(path).height == rows(xml)[-1][0] - 2  # the gap is inside the sheet


def test_a_column_with_no_cell_in_the_second_half(sample: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    def empty_column_q_late(x: bytes) -> bytes:
        at = rows(x)[len(rows(x)) // 2][1]
        return x[:at] + re.sub(rb'<c r="Q\d+"[^>]*>.*?</c>', b"", x[at:])

    path, xml = edited(sample, tmp_path / "empty.xlsx", empty_column_q_late)
    same(path, xml, monkeypatch, cut=True)


@pytest.mark.parametrize("cell", [b'<c r="\\1"\\2 t="e"><v>#N/A</v></c>',
                                  b'<c r="\\1"\\2 t="inlineStr"><is><t></t></is></c>',
                                  b'<c r="\\1"\\2 t="inlineStr"><is><t>x</t></is></c>'])
def test_a_late_column_of_errors_empty_texts_or_words(sample: Path, tmp_path: Path,
                                                      monkeypatch, cell: bytes) -> None:
    # fastexcel reads a column of error cells alone as empty text, a column of empty texts
    # as texts; in the whole sheet both are empty figures — and words make it mixed.
    def late(x: bytes) -> bytes:
        at = rows(x)[len(rows(x)) * 3 // 4][1]
        return x[:at] + re.sub(rb'<c r="(Q\d+)"([^>]*)><v>[^<]*</v></c>', cell, x[at:])

    path, xml = edited(sample, tmp_path / "late.xlsx", late)
    same(path, xml, monkeypatch, cut=False)


def test_trailing_rows_without_values_end_the_sheet_in_the_first_half(sample: Path,
                                                                      tmp_path: Path,
                                                                      monkeypatch) -> None:
    def formatted_only_late(x: bytes) -> bytes:  # cells kept, values gone
        at = rows(x)[len(rows(x)) // 3][1]
        return x[:at] + re.sub(rb'(<c r="[A-Z]+\d+"[^>]*?)(?: t="\w+")?>.*?</c>', rb"\1/>",
                               x[at:])

    path, xml = edited(sample, tmp_path / "trailing.xlsx", formatted_only_late)
    same(path, xml, monkeypatch, cut=True)


def test_cells_without_references_after_the_cut(sample: Path, tmp_path: Path,
                                                monkeypatch) -> None:
    def no_refs_late(x: bytes) -> bytes:
        at = rows(x)[len(rows(x)) // 2][1]
        return x[:at] + re.sub(rb'<c r="[A-Z]+\d+"', b"<c", x[at:])

    path, xml = edited(sample, tmp_path / "norefs.xlsx", no_refs_late)
    same(path, xml, monkeypatch, cut=False)


def test_mixed_cells_across_the_halves_are_never_joined(sample: Path, tmp_path: Path,
                                                        monkeypatch) -> None:
    # The birth years (column I) are numbers; one late teacher's becomes text.
    def text_year_late(x: bytes) -> bytes:
        last = rows(x)[-3]
        row = x[last[1]:last[2]]
        row2 = re.sub(rb'<c r="(I\d+)"([^>]*)><v>[^<]*</v></c>',
                      rb'<c r="\1"\2 t="inlineStr"><is><t>about 1980</t></is></c>', row)
        assert row2 != row
        return x[:last[1]] + row2 + x[last[2]:]

    path, xml = edited(sample, tmp_path / "mixed.xlsx", text_year_late)
    assert whole(path) is None  # the whole sheet is mixed: read as text by the caller
    assert halves(path, xml, monkeypatch) is None


@pytest.mark.parametrize("where", ["first", "last"])
def test_rows_out_of_order_are_never_joined_wrongly(sample: Path, tmp_path: Path,
                                                    monkeypatch, where: str) -> None:
    def move(x: bytes) -> bytes:
        found = rows(x)
        first, last = found[0], found[-1]
        if where == "first":  # the last row written first
            return (x[:first[1]] + x[last[1]:last[2]] + x[first[1]:last[1]] + x[last[2]:])
        # the first row written last
        return x[:first[1]] + x[first[2]:last[2]] + x[first[1]:first[2]] + x[last[2]:]

    path, xml = edited(sample, tmp_path / f"order-{where}.xlsx", move)
    same(path, xml, monkeypatch, cut=False)


def test_a_comment_in_the_sheet_is_not_cut(sample: Path, tmp_path: Path, monkeypatch) -> None:
    def comment(x: bytes) -> bytes:
        at = rows(x)[len(rows(x)) // 2][1]
        return x[:at] + b'<!-- <row r="5"><c r="A5"><v>1</v></c></row> -->' + x[at:]

    path, xml = edited(sample, tmp_path / "comment.xlsx", comment)
    assert halves(path, xml, monkeypatch) is None


def test_a_failing_half_leaves_the_sheet_to_be_read_whole(sample: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    path, xml = edited(sample, tmp_path / "plain.xlsx", lambda x: x)
    calls = []

    def load(reader, sheet):
        calls.append(sheet)
        if len(calls) == 2:
            raise RuntimeError("the reader failed")
        return _read._typed_load(reader, sheet)

    monkeypatch.setattr(_xlsx_split, "SPLIT_BYTES", 0)
    with zipfile.ZipFile(path) as z:
        kept = CheckedSheet({n: z.read(n) for n in OPEN_PARTS}, teacher_part(path), [xml])
    assert split_load(kept, TEACHERS, load, lambda half: None) is None  # the half runs here
    assert len(calls) == 2


def test_the_whole_read_splits_the_sheet_and_gives_the_same_tables(sample: Path,
                                                                   monkeypatch) -> None:
    expected, warnings, _ = _read.read_named_tables(sample, _read.ReadLimits(),
                                                    _read._table_for, typed=True)
    monkeypatch.setattr(_read, "_EARLY_BYTES", 0)
    monkeypatch.setattr(_xlsx_split, "SPLIT_BYTES", 0)
    cuts = []
    join = _xlsx_split._join

    def spy(a, b, before):
        cuts.append(before)
        return join(a, b, before)

    monkeypatch.setattr(_xlsx_split, "_join", spy)
    got, got_warnings, _ = _read.read_named_tables(sample, _read.ReadLimits(),
                                                   _read._table_for, typed=True)
    assert cuts  # some sheet was parsed in halves
    assert list(got) == list(expected) and got_warnings == warnings
    for name, table in expected.items():
        assert got[name].frame.schema == table.frame.schema
        assert got[name].frame.equals(table.frame), name
    assert not [t for t in threading.enumerate() if t.name.startswith("junheng-")]
