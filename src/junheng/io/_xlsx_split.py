"""Parse one big sheet in two halves at once, each by its own calamine reader (issue 18).

calamine parses a sheet's XML in one thread: the teachers' sheet is most of a county's read.
The archive check has already inflated that XML and passed
it (``CheckedSheet``), so the sheet is cut at a row into two small workbooks made of nothing
but checked bytes — the parts read at open, and the sheet's XML with the rows of the other half
left out (the second keeps the header and code rows) — and both are parsed at once, fastexcel
releasing the GIL: the first (``FIRST_SHARE`` of the rows) in the sheet thread, the second
(``Half``) by the reader's own thread once it has read the other sheets — or by the sheet thread
after the first, if the reader's thread has not taken it. The teachers' sheet of the county:
~70 ms parsed whole, ~45 ms in halves on 2 cores.

The halves are put together only when that is exactly what one reading of the whole sheet
gives; otherwise ``None`` and the caller reads the sheet whole, as before:

- the cut is at a ``<row r="…">`` right after a ``</row>``, in a sheet whose XML holds no
  comment, CDATA or instruction (``<!``, ``<?`` past the declaration) that could hide markup;
- both halves read without error, with the same columns; a column's type is the same in both,
  or it has no cell in one of them (a strict reading of the whole would find that type);
- the rows line up: the first half ends before the cut (calamine puts a cell where its
  reference says, so a half read alone places every row as the whole does), and the second
  half holds nothing above it (the rows it left out read as empty, and are dropped).
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from collections.abc import Callable

import fastexcel
import polars as pl

from junheng.io._xlsx_guard import CheckedSheet
from junheng.io._xlsx_head import _rows

MiB = 1 << 20
SPLIT_BYTES = 4 * MiB  # smaller sheets are parsed whole: a second reader costs ~4 ms
SPLIT_MAX = 32 * MiB  # larger ones too: the halves would hold several copies of the XML

_ROW_R = re.compile(rb'<row\b[^>]*?\sr="(\d+)"')
_HEAD_BYTES = 1 << 18  # where the header and code rows are looked for


FIRST_SHARE = 0.65  # of the rows' XML for the sheet thread: the reader's thread starts later


class Half:
    """The second half's parsing, run by whichever thread claims it first."""

    def __init__(self, work: Callable[[], pl.DataFrame]) -> None:
        self._work = work
        self._lock = threading.Lock()
        self._claimed = False
        self._done = threading.Event()
        self.result: pl.DataFrame | BaseException | None = None

    def run(self) -> None:
        with self._lock:
            if self._claimed:
                return
            self._claimed = True
        try:
            self.result = self._work()
        except (KeyboardInterrupt, SystemExit) as exc:  # the user's, not the half's
            self.result = exc
            raise
        except BaseException as exc:  # a half that fails (a panic too): the sheet is read whole
            self.result = exc
        finally:
            self._done.set()

    def wait(self) -> pl.DataFrame | BaseException | None:
        self.run()  # nobody took it: parsed here
        self._done.wait()
        return self.result


def split_load(kept: CheckedSheet, sheet: str,
               load: Callable[[fastexcel.ExcelReader, str], pl.DataFrame],
               offer: Callable[[Half], None]) -> pl.DataFrame | None:
    """``load(reader, sheet)`` of the whole sheet, made from its two halves; the second is
    ``offer``-ed to another thread. None when the sheet is not cut (too small, unusual XML) or
    the halves do not line up."""
    xml = _Chunks(kept.chunks)
    if not SPLIT_BYTES <= xml.size <= SPLIT_MAX:
        return None
    cut = _cut(xml)
    if cut is None:
        return None
    head_end, mid, split_row, code_row, data_end = cut

    def parse(pieces: list[memoryview]) -> pl.DataFrame:
        return load(fastexcel.read_excel(_workbook(kept, pieces)), sheet)

    second = Half(lambda: parse(xml.pieces(0, head_end) + xml.pieces(mid, xml.size)))
    offer(second)
    try:
        a: pl.DataFrame | BaseException = parse(xml.pieces(0, mid) + xml.pieces(data_end,
                                                                                 xml.size))
    except Exception as exc:  # a half that fails: the sheet is read whole
        a = exc
    except BaseException as exc:
        if type(exc).__name__ != "PanicException":  # fastexcel's panic; else not ours
            raise
        a = exc
    b = second.wait()
    if not isinstance(a, pl.DataFrame) or not isinstance(b, pl.DataFrame):
        return None
    return _join(a, b, split_row - code_row - 1)


class _Chunks:
    """The sheet's XML as the check inflated it, in chunks, read without joining them."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.starts = [0]
        for chunk in chunks:
            self.starts.append(self.starts[-1] + len(chunk))
        self.size = self.starts[-1]

    def pieces(self, start: int, stop: int) -> list[memoryview]:
        """Views of ``[start, stop)``, one per chunk it spans (nothing copied)."""
        out = []
        for chunk, at in zip(self.chunks, self.starts, strict=False):
            lo, hi = max(start - at, 0), min(stop - at, len(chunk))
            if lo < hi:
                out.append(memoryview(chunk)[lo:hi])
        return out

    def window(self, start: int, stop: int) -> bytes:
        start, stop = max(start, 0), min(stop, self.size)
        return b"".join(self.pieces(start, stop))

    def markup(self, sign: bytes, after: int = 0, most: int = 1000) -> bool:
        """Whether ``<`` + ``sign`` (one byte: ``!`` or ``?``) occurs from ``after`` on — or
        ``sign`` so often that looking further is not worth it. The sign itself is rare in a
        sheet (a formula's sheet reference), so it is found first, at memory speed."""
        seen = 0
        for chunk, at in zip(self.chunks, self.starts, strict=False):
            i = chunk.find(sign, max(after - at, 0))
            while i >= 0:
                seen += 1
                if seen > most or (chunk[i - 1:i] if i else self.window(at - 1, at)) == b"<":
                    return True
                i = chunk.find(sign, i + 1)
        return False


def _cut(xml: _Chunks) -> tuple[int, int, int, int, int] | None:
    """(end of the code row, the cut, the row cut at, the code row's number, where the rows
    end), or None when the sheet is not cut."""
    if xml.markup(b"!"):  # a comment, CDATA or declaration could hold "<row"
        return None
    head = xml.window(0, _HEAD_BYTES)
    decl = head.find(b"?>", 0, 1024) + 2 if head.lstrip(b"\xef\xbb\xbf")[:5] == b"<?xml" else 0
    if xml.markup(b"?", decl):  # an instruction
        return None
    start = head.find(b"<sheetData>")
    tail_at = max(xml.size - _HEAD_BYTES, 0)
    data_end = xml.window(tail_at, xml.size).rfind(b"</sheetData>")
    if start < 0 or data_end < 0:
        return None
    data_end += tail_at
    head = head[:head.rfind(b"</row>") + 6]
    try:
        rows = _rows(head)
    except Exception:  # anything unusual: parsed whole
        return None
    if len(rows) < 2 or not rows[1][1]:
        return None
    code_row = rows[0][0] + 1
    m = next((m for m in _ROW_R.finditer(head, start) if int(m.group(1)) >= code_row), None)
    if m is None or int(m.group(1)) != code_row:
        return None
    head_end = head.find(b"</row>", m.end())
    if head_end < 0 or head.find(b"<row", m.end(), head_end) >= 0:
        return None
    head_end += 6
    # A window around the cut: the first <row r="…"> in it, right after a </row>
    at = head_end + int((data_end - head_end) * FIRST_SHARE)
    window = xml.window(at - _HEAD_BYTES, min(at + _HEAD_BYTES, data_end))
    base = max(at - _HEAD_BYTES, 0)
    mid = window.find(b'<row r="', at - base)
    before = window.rfind(b"</row>", 0, mid) if mid >= 0 else -1
    if before < 0 or window[before + 6:mid].strip() or base + before < head_end:
        return None
    digits = window[mid + 8:mid + 16]
    end = digits.find(b'"')
    if end <= 0 or not digits[:end].isdigit():
        return None
    split_row = int(digits[:end])
    if split_row <= code_row + 1:
        return None
    return head_end, base + mid, split_row, code_row, data_end


def _workbook(kept: CheckedSheet, sheet_xml: list[memoryview]) -> bytes:
    """A workbook of the parts read at open and one sheet's XML, stored (nothing to inflate):
    the zip written here, each byte copied once."""
    out = bytearray()
    central = bytearray()
    entries = [(name, [memoryview(data)]) for name, data in kept.parts.items()]
    entries.append((kept.name, sheet_xml))
    for name, pieces in entries:
        raw = name.encode("utf-8")
        crc, n = 0, 0
        for piece in pieces:
            crc, n = zlib.crc32(piece, crc), n + len(piece)
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 0, 0, 0x21, crc, n, n,
                           len(raw), 0) + raw
        for piece in pieces:
            out += piece
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 0, 0, 0x21,
                               crc, n, n, len(raw), 0, 0, 0, 0, 0, offset) + raw
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries),
                                 len(central), len(out), 0)
    return bytes(out)


def _join(a: pl.DataFrame, b: pl.DataFrame, before: int) -> pl.DataFrame | None:
    """The whole sheet from its halves: ``a`` holds the rows before the cut (``before`` of
    them, counted past the code row), ``b`` those from it on, nothing above."""
    if a.columns != b.columns or a.height > before:
        return None
    casts_a, casts_b = [], []
    differ = [h for (h, ta), tb in zip(a.schema.items(), b.schema.values(), strict=True)
              if ta != tb]
    if differ:  # a column with no value in one half takes the other's type (fastexcel's
        # guess for a column without a value, a text or null column, is no cell's type)
        nulls_a = a.select(pl.col(differ).null_count()).row(0) if a.height else [0] * len(differ)
        nulls_b = b.select(pl.col(differ).null_count()).row(0) if b.height else [0] * len(differ)
        for header, na, nb in zip(differ, nulls_a, nulls_b, strict=True):
            if na == a.height and nb < b.height:
                casts_a.append(pl.col(header).cast(b.schema[header]))
            elif nb == b.height and na < a.height:
                casts_b.append(pl.col(header).cast(a.schema[header]))
            else:
                return None
    if casts_a:
        a = a.with_columns(casts_a)
    if casts_b:
        b = b.with_columns(casts_b)
    if b.height <= before:  # nothing from the cut on: the whole sheet ends in the first half
        return a if b.height == 0 or _empty(b) else None
    if not _empty(b.slice(0, before)):
        return None
    gap = before - a.height  # empty rows at the end of the first half
    parts = [a]
    if gap:
        parts.append(b.slice(0, gap))  # empty rows, of the joined types
    parts.append(b.slice(before))
    return pl.concat(parts, how="vertical", rechunk=False)


def _empty(frame: pl.DataFrame) -> bool:
    return frame.height == 0 or not frame.width or frame.select(
        pl.all_horizontal(pl.all().is_null().all())).item()
