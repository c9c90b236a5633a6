"""How much an input may hold before junheng refuses to read it, and the error for refusing.

The readers below junheng (calamine behind fastexcel, Polars) trust their input: calamine
allocates one dense grid from the first to the last used cell of a sheet, copies a shared string
into every cell that uses it and buffers any XML node whole; a Rust allocation that fails aborts
the process instead of raising. So every input is measured against these limits first, and a
violation is a located ``ReadError`` (exit 2) that names the flag raising the limit.
"""

from __future__ import annotations

from dataclasses import dataclass

from junheng.errors import Problem

MAX_CELLS_FLAG = "--max-cells"

# Excel's own sheet: 1 048 576 rows × 16 384 columns (XFD1048576), ≤ 32 767 characters a cell.
EXCEL_MAX_ROWS = 1_048_576
EXCEL_MAX_COLUMNS = 16_384
EXCEL_MAX_STRING_CHARS = 32_767


@dataclass(frozen=True)
class ReadLimits:
    """Limits on what one input may hold; a real county never reaches them, a province may.

    ``max_cells`` is the one knob (the command line's ``--max-cells``); the byte limits follow
    from it, so raising it raises them all in proportion.

    - ``max_cells`` (10 000 000): cells of the used range — rows × columns from ``A1`` to the
      last cell holding a value — of every sheet junheng reads, and cell elements of that sheet.
      A 300-school county's teacher sheet has about 300 000 cells, a full Excel sheet of the
      teacher table (1 048 576 rows × 16 columns) 16.8 million.
    - ``max_string_chars`` (32 767): characters of one shared string — Excel's own cell limit,
      so only a file not written by a spreadsheet program exceeds it.
    - ``max_xml_bytes`` (128 bytes × ``max_cells`` = 1.28 GB): the workbook XML read (the sheets
      read, the shared strings, the styles and the package parts) after decompression; a
      600 000-teacher workbook has 0.4 GB.
    - ``max_text_bytes`` (64 bytes × ``max_cells`` = 640 MB): text the shared strings expand to
      in one sheet (a string's length × the cells using it).
    - ``max_file_bytes`` (64 bytes × ``max_cells`` = 640 MB): size of one input file (workbook,
      CSV or Parquet); a 1.1-million-teacher province's teachers.csv is 116 MB.
    - ``max_table_cells`` (4 × ``max_cells``): rows × columns of one Parquet table, whose
      compression hides its size (the province's teacher table has 17.7 million).

    Examples
    --------
    >>> ReadLimits().max_cells
    10000000
    >>> ReadLimits(max_cells=40_000_000).max_file_bytes // 10**9
    2
    """

    max_cells: int = 10_000_000
    max_string_chars: int = EXCEL_MAX_STRING_CHARS

    def __post_init__(self) -> None:
        if self.max_cells < 1 or self.max_string_chars < 1:
            raise ValueError("read limits must be positive")

    @property
    def max_xml_bytes(self) -> int:
        return 128 * self.max_cells

    @property
    def max_text_bytes(self) -> int:
        return 64 * self.max_cells

    @property
    def max_file_bytes(self) -> int:
        return 64 * self.max_cells

    @property
    def max_table_cells(self) -> int:
        return 4 * self.max_cells


class ReadError(Exception):
    """The input cannot be opened at all (missing, unreadable, wrong kind, over a limit)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems


def count(n: int) -> str:
    """``17179869184`` → ``'17 179 869 184'`` (a thin space would not survive every terminal)."""
    return f"{n:,}".replace(",", " ")


def size(n: int) -> str:
    """Bytes for people: ``'640 MB'``, ``'2.1 GB'``, ``'126 KB'`` (decimal units)."""
    for unit, scale in (("GB", 10**9), ("MB", 10**6), ("KB", 10**3)):
        if n >= scale:
            value = n / scale
            return f"{value:.1f} {unit}" if value < 10 else f"{value:.0f} {unit}"
    return f"{n} B"


def raise_hint() -> tuple[str, str]:
    """The (zh, en) sentence that tells how to raise a limit."""
    return (f"如确属真实数据，可用 {MAX_CELLS_FLAG} 调高上限",
            f"if the data is real, raise the limit with {MAX_CELLS_FLAG}")
