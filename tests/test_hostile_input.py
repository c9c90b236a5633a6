"""Hostile and broken inputs end in one located, bilingual InputError — never in a crash.

Each workbook here is a real sample rewritten with ``zipfile``: padding, an over-long shared
string, a far cell, lying declarations, corrupt archives. The cases that killed the process
before (calamine aborts on a failed allocation) run in a child process under an address-space
limit, so a regression fails the test instead of killing pytest. Expected values (the sheet, the
cell, the extent) are read from the file or written out here, never from the reader.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Callable
from pathlib import Path

import polars as pl
import pytest

import junheng
from junheng.errors import InputError, Problem
from junheng.io import ReadLimits
from junheng.io._read import ReadError, read_tables

MEMORY_LIMIT = 3_000_000_000  # bytes of address space for a child reading a hostile file
TEACHERS = "教师"


# --- building workbooks ------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "county.xlsx"
    junheng.write_sample(path, schools=12, seed=1)
    return path


def sheet_part(workbook: Path, sheet: str) -> str:
    """The zip member of ``sheet``, from workbook.xml and its relationships (test's own parse)."""
    with zipfile.ZipFile(workbook) as z:
        book = z.read("xl/workbook.xml").decode()
        rels = z.read("xl/_rels/workbook.xml.rels").decode()
    rel_id = re.search(rf'<sheet name="{sheet}" sheetId="\d+" r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'Id="{rel_id}"[^>]*Target="([^"]+)"', rels).group(1)
    return f"xl/{target}"


def rewrite(source: Path, target: Path, changes: dict[str, Callable[[bytes], bytes]],
            method: int = zipfile.ZIP_DEFLATED) -> Path:
    """Copy the workbook, passing the named members through their change."""
    with zipfile.ZipFile(source) as zin, zipfile.ZipFile(target, "w", method) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            change = changes.get(info.filename)
            zout.writestr(info.filename, change(data) if change else data)
    return target


def add_row(xml: bytes, row: bytes) -> bytes:
    return xml.replace(b"</sheetData>", row + b"</sheetData>")


def problems_of(path: Path, limits: ReadLimits | None = None) -> list[Problem]:
    with pytest.raises(InputError) as caught:
        junheng.load(path, limits=limits)
    return caught.value.problems


def assert_bilingual(problem: Problem) -> None:
    assert re.search(r"[\u4e00-\u9fff]", problem.expected_zh), problem
    assert re.search(r"[A-Za-z]{3}", problem.expected_en), problem
    assert not re.search(r"[\u4e00-\u9fff]", problem.expected_en), problem


CHILD = textwrap.dedent("""
    import json, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
    import junheng
    out = []
    for path in sys.argv[1:]:
        try:
            junheng.load(path)
            out.append({{"path": path, "loaded": True}})
        except junheng.InputError as exc:
            out.append({{"path": path, "problems": [
                [p.table, p.row, p.column, p.value, p.expected_zh, p.expected_en]
                for p in exc.problems]}})
    print(json.dumps(out, ensure_ascii=False))
""")


def load_in_child(*paths: Path) -> list[dict]:
    """``junheng.load`` each path in one child process under an address-space limit."""
    run = subprocess.run([sys.executable, "-c", CHILD.format(limit=MEMORY_LIMIT),
                          *map(str, paths)], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, f"the child died (exit {run.returncode}): {run.stderr[-2000:]}"
    return json.loads(run.stdout)


# --- the hostile workbooks of issue 12, at their real sizes, default limits, in a child ---

def test_tiny_hostile_workbooks_end_in_located_errors_not_aborts(sample: Path,
                                                                 tmp_path: Path) -> None:
    part = sheet_part(sample, TEACHERS)
    far_cell = rewrite(sample, tmp_path / "far.xlsx", {part: lambda x: add_row(
        x, b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>')})
    # one 64 MiB shared string, used by 789 cells of the teacher sheet
    with zipfile.ZipFile(sample) as z:
        strings = z.read("xl/sharedStrings.xml")
    index = len(re.findall(rb"<si>", strings))
    long_string = rewrite(sample, tmp_path / "string.xlsx", {
        "xl/sharedStrings.xml": lambda x: x.replace(
            b"</sst>", b"<si><t>" + b"A" * (64 << 20) + b"</t></si></sst>"),
        part: lambda x: re.sub(rb'(<c r="H\d+"[^>]*t="s"><v>)\d+(</v>)',
                               lambda m: m.group(1) + str(index).encode() + m.group(2), x,
                               count=789)})
    # a dimension that lies small, and a cell far beyond it
    lying = rewrite(sample, tmp_path / "lying.xlsx", {part: lambda x: add_row(
        re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:B2"/>', x),
        b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')})
    assert far_cell.stat().st_size < 200_000 and long_string.stat().st_size < 300_000

    far, string, lie = load_in_child(far_cell, long_string, lying)

    (problem,) = far["problems"]
    table, row, column, value, zh, en = problem
    assert (table, column) == (TEACHERS, "A1:XFD1048576")
    assert "17 179 869 184" in value and "17 179 869 184" in zh and "17 179 869 184" in en
    assert "XFD1048576" in zh and "10 000 000" in en and "--max-cells" in en
    assert "--max-cells" in zh

    (problem,) = string["problems"]
    table, row, column, value, zh, en = problem
    assert (table, row, column) == (TEACHERS, 1, "H1")  # the first cell that uses it
    assert "67 108 864" in zh and "67 108 864" in en  # characters found
    assert "32 767" in zh and "32 767" in en  # Excel's limit
    assert "789" in zh and "789" in en  # cells using it

    (problem,) = lie["problems"]
    assert problem[0] == TEACHERS and problem[2] == "A1:XFD1048576"


def test_the_command_exits_2_with_the_flag_named(sample: Path, tmp_path: Path) -> None:
    part = sheet_part(sample, TEACHERS)
    far_cell = rewrite(sample, tmp_path / "far.xlsx", {part: lambda x: add_row(
        x, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')})
    command = Path(sys.executable).with_name("junheng")
    run = subprocess.run([str(command), "evaluate", str(far_cell)],
                         capture_output=True, text=True, timeout=120,
                         preexec_fn=_limit_memory)
    output = run.stdout + run.stderr
    assert run.returncode == 2, output[-2000:]
    assert "Traceback" not in output
    assert "XFD1048576" in output and "--max-cells" in output


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


# --- the same checks at a small scale, in this process --------------------------------------

def test_padding_is_refused_before_it_is_read(sample: Path, tmp_path: Path) -> None:
    # 12 MB of blanks in one XML node: calamine would hold the node whole (3 GiB used 3.2 GB).
    part = sheet_part(sample, TEACHERS)
    padded = rewrite(sample, tmp_path / "padded.xlsx", {
        part: lambda x: x.replace(b"<sheetData>", b"<sheetData>" + b" " * 12_000_000)})
    (problem,) = problems_of(padded)
    assert problem.table == TEACHERS and problem.column == part
    assert problem.value == "> 8.0 MB"
    assert "填充" in problem.expected_zh and "padding" in problem.expected_en
    assert_bilingual(problem)


def test_padding_after_the_data_names_the_last_cell(sample: Path, tmp_path: Path) -> None:
    part = sheet_part(sample, TEACHERS)
    with zipfile.ZipFile(sample) as z:
        last = re.findall(rb'<c r="([A-Z]+\d+)"', z.read(part))[-1].decode()
    padded = rewrite(sample, tmp_path / "padded.xlsx", {
        part: lambda x: x.replace(b"</sheetData>", b"<!--" + b"<a>" * 4_000_000 + b"--></sheetData>")})
    (problem,) = problems_of(padded)
    assert problem.table == TEACHERS
    assert last in problem.expected_zh and f"after cell {last}" in problem.expected_en


def test_a_bomb_of_small_nodes_is_stopped_by_its_ratio(sample: Path, tmp_path: Path) -> None:
    part = sheet_part(sample, TEACHERS)
    bomb = rewrite(sample, tmp_path / "bomb.xlsx", {
        part: lambda x: x.replace(b"<sheetData>", b"<sheetData>" + b"<x/>" * 10_000_000)})
    (problem,) = problems_of(bomb)
    assert problem.table == TEACHERS and problem.value.endswith(":1")
    assert int(problem.value[:-2]) > 200
    assert "200:1" in problem.expected_zh and "200:1" in problem.expected_en


def test_shared_string_over_excels_limit_names_its_cell(sample: Path, tmp_path: Path) -> None:
    part = sheet_part(sample, TEACHERS)
    with zipfile.ZipFile(sample) as z:
        strings = z.read("xl/sharedStrings.xml")
        cells = re.findall(rb'<c r="(D\d+)"[^>]*t="s"><v>\d+</v>', z.read(part))
    index = len(re.findall(rb"<si>", strings))
    text = "长" * 40_000  # 40 000 characters, 120 000 bytes
    bad = rewrite(sample, tmp_path / "long.xlsx", {
        "xl/sharedStrings.xml": lambda x: x.replace(
            b"</sst>", b"<si><t>" + text.encode() + b"</t></si></sst>"),
        part: lambda x: re.sub(rb'(<c r="D\d+"[^>]*t="s"><v>)\d+(</v>)',
                               lambda m: m.group(1) + str(index).encode() + m.group(2), x,
                               count=50)})
    (problem,) = problems_of(bad)
    first = cells[0].decode()
    assert (problem.table, problem.column) == (TEACHERS, first)
    assert problem.row == int(first[1:])
    assert "40 000" in problem.expected_zh and "40 000" in problem.expected_en
    assert "50" in problem.expected_en and "32 767" in problem.expected_en
    assert_bilingual(problem)


def test_max_cells_bounds_the_used_range(sample: Path) -> None:
    part = sheet_part(sample, TEACHERS)
    with zipfile.ZipFile(sample) as z:
        extent = re.search(rb'<dimension ref="([^"]+)"/>', z.read(part)).group(1).decode()
    last_column, last_row = re.fullmatch(r"A1:([A-Z]+)(\d+)", extent).groups()
    cells = int(last_row) * (ord(last_column) - 64)  # single-letter last column
    problems = problems_of(sample, ReadLimits(max_cells=cells - 1))
    (problem,) = [p for p in problems if p.table == TEACHERS]
    assert problem.column == extent
    assert f"{cells:,}".replace(",", " ") in problem.expected_en
    assert "--max-cells" in problem.expected_zh and "--max-cells" in problem.expected_en
    assert junheng.load(sample, limits=ReadLimits(max_cells=cells)).teachers.height > 0
    # far below: still the used range that is named (a second pass is not counted twice
    # against the inflated-XML limit, 128 bytes a cell)
    problems = problems_of(sample, ReadLimits(max_cells=5_000))
    assert extent in [p.column for p in problems if p.table == TEACHERS]


def test_a_formatted_empty_far_cell_or_a_lying_dimension_still_loads(sample: Path,
                                                                     tmp_path: Path) -> None:
    # calamine skips empty cells and never trusts <dimension>: neither costs memory.
    part = sheet_part(sample, TEACHERS)
    fine = rewrite(sample, tmp_path / "fine.xlsx", {part: lambda x: add_row(
        re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', x),
        b'<row r="1048576"><c r="XFD1048576" s="3"/></row>')})
    (result,) = load_in_child(fine)
    assert result == {"path": str(fine), "loaded": True}


SPELLINGS = [
    b'<row r="1048576"><c s="1" r="XFD1048576"><v>1</v></c></row>',  # attribute order
    b"<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>",  # single quotes
    b'<row r="1048576"><c r="xfd1048576"><v>1</v></c></row>',  # lower case
    b'<row r="1048576"><c\n  r="XFD1048576"><v>1</v></c></row>',  # line break
    b'<row r="1048576"><x:c r="XFD1048576"><x:v>1</x:v></x:c></row>',  # a prefix
    b'<row r="9">' + b"<c><v>1</v></c>" * 16_384 + b"</row>",  # positions by order only
]


def test_every_spelling_of_a_far_cell_is_found(sample: Path, tmp_path: Path) -> None:
    # In a child: each of these made the old reader allocate hundreds of GiB and abort.
    part = sheet_part(sample, TEACHERS)
    paths = [rewrite(sample, tmp_path / f"far{k}.xlsx",
                     {part: lambda x, row=row: add_row(x, row)})
             for k, row in enumerate(SPELLINGS)]
    for result in load_in_child(*paths):
        (problem,) = result["problems"]
        table, _, column, _, zh, en = problem
        assert table == TEACHERS and column.startswith("A1:XFD"), result
        assert column in zh and column in en and "--max-cells" in en


def test_a_cell_beyond_excels_last_cell(sample: Path, tmp_path: Path) -> None:
    part = sheet_part(sample, TEACHERS)
    bad = rewrite(sample, tmp_path / "beyond.xlsx", {part: lambda x: add_row(
        x, b'<row r="5"><c r="XFE5"><v>1</v></c></row>')})
    (result,) = load_in_child(bad)
    (problem,) = result["problems"]
    table, row, column, value, zh, en = problem
    assert (table, row, column, value) == (TEACHERS, 5, "XFE5", "XFE5")
    assert "XFD1048576" in zh and "XFD1048576" in en


def test_a_declared_string_count_calamine_would_reserve(sample: Path, tmp_path: Path) -> None:
    bad = rewrite(sample, tmp_path / "count.xlsx", {"xl/sharedStrings.xml": lambda x: re.sub(
        rb'uniqueCount="\d+"', b'uniqueCount="99999999999"', x)})
    (result,) = load_in_child(bad)  # calamine reserved room for them all, and aborted
    (problem,) = result["problems"]
    assert (problem[2], problem[3]) == ("uniqueCount", "99 999 999 999")
    assert_bilingual(Problem(*problem))


@pytest.mark.parametrize("damage", ["not_zip", "old_xls", "truncated", "no_workbook",
                                    "bad_deflate", "lying_size", "two_directories"])
def test_a_damaged_archive_is_a_located_error(sample: Path, tmp_path: Path,
                                              damage: str) -> None:
    data = sample.read_bytes()
    target = tmp_path / "damaged.xlsx"
    if damage == "not_zip":
        target.write_bytes(b"school_id,name\n1,x\n")
    elif damage == "old_xls":
        target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096))
    elif damage == "truncated":
        target.write_bytes(data[: len(data) // 2])
    elif damage == "no_workbook":
        with zipfile.ZipFile(sample) as zin, zipfile.ZipFile(target, "w") as zout:
            for info in zin.infolist():
                if info.filename != "xl/workbook.xml":
                    zout.writestr(info, zin.read(info.filename))
    elif damage == "bad_deflate":
        with zipfile.ZipFile(sample) as z:
            info = z.getinfo(sheet_part(sample, TEACHERS))
        start = info.header_offset + 30 + len(info.filename) + 100
        target.write_bytes(data[:start] + bytes(64) + data[start + 64:])
    elif damage == "lying_size":  # the directory says the teacher sheet is 100 bytes
        name = sheet_part(sample, TEACHERS).encode()
        entry = data.find(b"PK\x01\x02")
        while data[entry + 46:entry + 46 + len(name)] != name:
            entry = data.find(b"PK\x01\x02", entry + 4)
        target.write_bytes(data[:entry + 24] + (100).to_bytes(4, "little") + data[entry + 28:])
    else:
        tail = data[data.rfind(b"PK\x05\x06"):]
        target.write_bytes(data + tail)
    problems = problems_of(target)
    assert problems
    for problem in problems:
        assert problem.table == "damaged.xlsx"
        assert_bilingual(problem)


def test_a_rust_panic_in_fastexcel_becomes_a_read_error(sample: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    class PanicException(BaseException):  # what pyo3 raises for a Rust panic
        pass

    def panic(*_args: object, **_kwargs: object) -> None:
        raise PanicException("index out of bounds")

    monkeypatch.setattr("junheng.io._read.fastexcel.read_excel", panic)
    with pytest.raises(ReadError) as caught:
        read_tables(sample)
    (problem,) = caught.value.problems
    assert "index out of bounds" in problem.expected_en
    assert_bilingual(problem)


# --- CSV ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "county"
    junheng.write_sample(path, schools=12, seed=1)
    return path


def with_teachers(folder: Path, target: Path, data: bytes, name: str = "teachers.csv") -> Path:
    target.mkdir()
    for file in folder.iterdir():
        (target / file.name).write_bytes(file.read_bytes())
    (target / name).write_bytes(data)
    return target


def csv_lines(folder: Path, name: str = "teachers.csv") -> list[bytes]:
    return (folder / name).read_bytes().split(b"\n")


def test_csv_row_with_an_extra_field_names_file_and_line(folder: Path, tmp_path: Path) -> None:
    lines = csv_lines(folder)
    lines[5] += b",surplus"
    (problem,) = problems_of(with_teachers(folder, tmp_path / "c", b"\n".join(lines)))
    assert (problem.table, problem.row) == ("teachers.csv", 6)
    header = len(lines[0].split(b","))
    assert f"{header + 1}" in problem.expected_en and f"{header}" in problem.expected_en
    assert "GB18030" not in problem.expected_en
    assert_bilingual(problem)


def test_csv_row_with_a_missing_field_names_file_and_line(folder: Path, tmp_path: Path) -> None:
    lines = csv_lines(folder)
    lines[9] = lines[9].rsplit(b",", 1)[0]
    (problem,) = problems_of(with_teachers(folder, tmp_path / "c", b"\n".join(lines)))
    assert (problem.table, problem.row) == ("teachers.csv", 10)
    assert "too few" in problem.expected_en and "少" in problem.expected_zh


def test_csv_with_lone_cr_line_ends_is_read_line_by_line(folder: Path, tmp_path: Path) -> None:
    data = (folder / "teachers.csv").read_bytes().replace(b"\n", b"\r")
    source = with_teachers(folder, tmp_path / "c", data)
    dataset = junheng.load(source)
    expected = pl.read_csv(folder / "teachers.csv", infer_schema=False)
    assert dataset.teachers.height == expected.height
    assert dataset.teachers["teacher_id"].to_list() == expected["teacher_id"].to_list()
    assert any(w.table == "teachers.csv" and "CR" in w.expected_en for w in dataset.warnings)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be-bom"])
def test_utf16_csv_with_a_bom_is_read(folder: Path, tmp_path: Path, encoding: str) -> None:
    text = (folder / "schools.csv").read_text(encoding="utf-8")
    data = (b"\xfe\xff" + text.encode("utf-16-be") if encoding == "utf-16-be-bom"
            else text.encode("utf-16"))
    source = with_teachers(folder, tmp_path / "c", data, "schools.csv")
    dataset = junheng.load(source)
    expected = pl.read_csv(folder / "schools.csv", infer_schema=False)
    assert dataset.schools["name"].to_list() == expected["name"].to_list()
    assert any(w.table == "schools.csv" and w.value == "UTF-16" for w in dataset.warnings)


def test_gb18030_csv_is_still_read_with_a_warning(folder: Path, tmp_path: Path) -> None:
    text = (folder / "schools.csv").read_text(encoding="utf-8")
    source = with_teachers(folder, tmp_path / "c", text.encode("gb18030"), "schools.csv")
    dataset = junheng.load(source)
    expected = pl.read_csv(folder / "schools.csv", infer_schema=False)
    assert dataset.schools["name"].to_list() == expected["name"].to_list()
    (warning,) = [w for w in dataset.warnings if w.table == "schools.csv"]
    assert "GB18030" in warning.expected_zh and "GB18030" in warning.expected_en


def test_csv_neither_utf8_nor_gb18030_names_the_line(folder: Path, tmp_path: Path) -> None:
    lines = csv_lines(folder)
    lines[6] += b"\xff\xfe\xfd\x80"
    (problem,) = problems_of(with_teachers(folder, tmp_path / "c", b"\n".join(lines)))
    assert (problem.table, problem.row) == ("teachers.csv", 7)
    assert "UTF-8" in problem.expected_en and "GB18030" in problem.expected_en


@pytest.mark.parametrize(("change", "line"), [
    (lambda row: row.replace(b",", b',x"y', 1), 4),  # a quote inside an unquoted value
    (lambda row: row.replace(b",", b',"', 1), 4),  # a quote never closed
])
def test_csv_bad_quotes_name_the_line(folder: Path, tmp_path: Path,
                                      change: Callable[[bytes], bytes], line: int) -> None:
    lines = csv_lines(folder)
    lines[line - 1] = change(lines[line - 1])
    (problem,) = problems_of(with_teachers(folder, tmp_path / "c", b"\n".join(lines)))
    assert (problem.table, problem.row) == ("teachers.csv", line)
    assert "quote" in problem.expected_en and "引号" in problem.expected_zh


def test_csv_over_the_size_limit_names_limit_and_flag(folder: Path) -> None:
    size = (folder / "teachers.csv").stat().st_size
    limits = ReadLimits(max_cells=size // 64 - 1)  # max_file_bytes is 64 bytes a cell
    problems = problems_of(folder, limits)
    (problem,) = [p for p in problems if p.table == "teachers.csv"]
    assert "--max-cells" in problem.expected_zh and "--max-cells" in problem.expected_en
    assert junheng.load(folder, limits=ReadLimits(max_cells=size)).teachers.height > 0


def test_parquet_table_over_the_cell_limit(folder: Path, tmp_path: Path) -> None:
    target = tmp_path / "p"
    target.mkdir()
    teachers = pl.read_csv(folder / "teachers.csv", infer_schema=False)
    teachers.write_parquet(target / "teachers.parquet")
    cells = teachers.height * teachers.width
    with pytest.raises(ReadError) as caught:
        read_tables(target, ReadLimits(max_cells=cells // 4 - 1))  # 4 × max_cells for Parquet
    (problem,) = caught.value.problems
    assert problem.table == "teachers.parquet"
    assert problem.value == f"{teachers.height} × {teachers.width}"
    assert "--max-cells" in problem.expected_en
    tables, _ = read_tables(target, ReadLimits(max_cells=cells // 4 + 1))
    assert tables["teachers"].frame.height == teachers.height


def test_csv_nul_byte_and_empty_file_are_named(folder: Path, tmp_path: Path) -> None:
    lines = csv_lines(folder, "schools.csv")
    lines[2] = lines[2][:8] + b"\x00" + lines[2][8:]
    (problem,) = problems_of(with_teachers(folder, tmp_path / "n", b"\n".join(lines),
                                           "schools.csv"))
    assert (problem.table, problem.row, problem.value) == ("schools.csv", 3, "NUL")
    assert_bilingual(problem)
    (problem,) = problems_of(with_teachers(folder, tmp_path / "e", b"", "teachers.csv"))
    assert problem.table == "teachers.csv" and "empty" in problem.expected_en
    assert "空" in problem.expected_zh
