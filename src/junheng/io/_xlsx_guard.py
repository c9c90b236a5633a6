"""Check an .xlsx archive before fastexcel opens it, so a hostile file ends in a located error.

fastexcel reads workbooks with calamine (0.36), which trusts the file: it allocates one dense grid
from the first to the last cell holding a value (32 bytes a cell: one cell at XFD1048576 asks for
512 GiB), copies a shared string into every cell that uses it (a 64 MiB string in 789 cells asks
for 50 GiB), reserves the shared-string count the file declares, and buffers any single XML node
whole (a sheet padded with 3 GiB of blanks costs 3 GiB). A failed Rust allocation aborts the
process — no exception, no message. So this module reads the archive itself first, the way
calamine will (the same parts, the same name lookup, the same cell positions), streaming every
part in chunks with every count capped, and raises a located ``ReadError`` for anything over the
``ReadLimits``. What it passes, calamine holds in memory bounded by the real data: the grid by
``max_cells``, the copied text by ``max_text_bytes``, and any one XML node by 8 MB (8.5 MB at most
when it straddles two chunks).

The scan is vectorised (NumPy over each inflated 512 KiB chunk, no Python loop per cell): 16-bit
views find the two-byte starts of the cell and value tags, a few gathers take each reference's
letters and the length of its run of digits, and digits are parsed only for the references with
the most — the last row and column of every cell. Only when that range (empty formatted cells
included) passes ``max_cells`` is the sheet read again leaving empty cells out, as calamine does;
only cells without a reference (positions implied by their order, which the standard allows) fall
back to a tag-by-tag walk. Inflating runs ahead in a thread (zlib and NumPy release the GIL).

A reader may follow the check as it goes (``CheckProgress``): start on a sheet as soon as it has
passed, and have its XML as checked (``CheckedSheet``) to parse without inflating it again —
issue 18's reader loads the teachers' sheet while the others are checked.
"""

from __future__ import annotations

import queue
import re
import struct
import threading
import zipfile
import zlib
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol

import numpy as np

from junheng.errors import Problem
from junheng.io._limits import (
    EXCEL_MAX_COLUMNS,
    EXCEL_MAX_ROWS,
    ReadError,
    ReadLimits,
    count,
    raise_hint,
    size,
)

MiB = 1 << 20
# Inflated bytes handed to the scan at a time. 512 KiB keeps a chunk and the scan's arrays of it
# in the processor's cache, and under the sizes the allocator maps afresh (page faults) in a new
# process: the county workbook is checked in ~20 ms instead of ~29 ms with 4 MiB chunks, ~25 ms
# with 1 MiB (issue 18; fresh processes).
_CHUNK = MiB // 2
_MAX_NODE = 8_000_000  # one XML node; a cell holds at most 32 767 characters (≤ 128 KiB)
_SMALL_PART = 16 * MiB  # package parts parsed whole in Python (relationships, workbook.xml)
_MAX_MEMBERS = 10_000  # an Excel workbook has tens of parts
_RATIO, _RATIO_FLOOR = 200, 16 * MiB  # cell XML compresses ~10:1; padding ~1000:1
_SLACK = 64  # bytes kept after the last scanned tag, so gathers never leave the buffer
_STOP = 4  # a sheet with this many times max_cells cell elements is not scanned further

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and the wrapper of an encrypted .xlsx
_PK = b"PK\x03\x04"

_LT, _GT, _SLASH, _COLON, _QUOTE = 60, 62, 47, 58, 34
_DELIM = np.zeros(256, bool)  # what ends an element name for quick-xml
_DELIM[[9, 10, 13, 32, _SLASH, _GT]] = True
_LETTER = np.zeros(256, bool)
_LETTER[65:91] = _LETTER[97:123] = True
_DIGIT = np.zeros(256, bool)
_DIGIT[48:58] = True
_NAME_OK = ~_DELIM  # bytes allowed inside an element name (before the local name)
_NAME_OK[[_LT, 61, _QUOTE, 39, 0]] = False

_ATTR = re.compile(rb"""([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG = re.compile(rb"<(/?)([^\s/>!?]+)([^>]*?)(/?)>")
_COMMENT = re.compile(rb"<!--.*?-->", re.S)
_REF = re.compile(rb"([A-Za-z]*)([0-9]*)")
_XML_DECL_ENC = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([^"']*)["']""")


# --- locations and messages ----------------------------------------------------------------

def _column_letters(col: int) -> str:
    """1 → A, 16384 → XFD."""
    letters = ""
    while col > 0:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _cell(row: int, col: int) -> str:
    return f"{_column_letters(col)}{row}"


def _fail(table: str, zh: str, en: str, *, row: int | None = None, column: str | None = None,
          value: str | None = None) -> ReadError:
    return ReadError([Problem(table, row, column, value, zh, en)])


@dataclass
class _Where:
    """Where a problem is, for the user: the sheet (or the file), the part, the last cell seen."""

    table: str
    part: str
    after: str = ""

    def fail(self, zh: str, en: str, value: str | None = None) -> ReadError:
        if self.after:
            zh, en = f"{zh}（在单元格 {self.after} 之后）", f"{en} (after cell {self.after})"
        return _fail(self.table, zh, en, column=self.part, value=value)


_END = object()


def _prefetch(chunks: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """Run ``chunks`` (the inflating) in a thread while the caller scans: zlib and NumPy both
    release the GIL, so the two overlap. Errors reach the caller; stopping early stops it."""
    box: queue.Queue[object] = queue.Queue(depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                box.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def run() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(_END)
        except BaseException as exc:  # handed to the caller, raised there
            put(exc)

    worker = threading.Thread(target=run, name="xlsx-guard-inflate", daemon=True)
    worker.start()
    try:
        while True:
            item = box.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, bytes)
            yield item
    finally:
        stop.set()
        worker.join()


# --- the archive ---------------------------------------------------------------------------

@dataclass
class _Member:
    name: str
    method: int
    csize: int
    usize: int
    data_offset: int


class _Archive:
    """The zip, opened by this module (not trusted to ``zipfile``'s reading): parts are looked up
    the way calamine does (case-insensitive, ``\\`` as ``/``) and inflated in capped chunks."""

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self.path = path
        self.label = path.name
        self.limits = limits
        self.inflated = 0  # XML bytes inflated so far, against limits.max_xml_bytes
        self.streamed: dict[str, int] = {}  # bytes inflated per part
        self.keeping: dict[str, list[bytes]] = {}  # parts to keep as their first pass inflates
        self.kept: dict[str, list[bytes]] = {}  # parts kept whole, as checked
        file_size = path.stat().st_size
        if file_size > limits.max_file_bytes:
            zh, en = raise_hint()
            raise _fail(self.label, f"文件 {size(file_size)}，超过读取上限 {size(limits.max_file_bytes)}；{zh}",
                        f"the file is {size(file_size)}, more than the read limit of "
                        f"{size(limits.max_file_bytes)}; {en}", value=size(file_size))
        self.fh: BinaryIO = path.open("rb")
        try:
            self._open(file_size)
        except BaseException:
            self.fh.close()
            raise

    def close(self) -> None:
        self.fh.close()

    def _corrupt(self, zh: str, en: str, part: str | None = None) -> ReadError:
        return _fail(self.label, f"工作簿文件已损坏或不是 .xlsx：{zh}",
                     f"the workbook file is damaged or not an .xlsx: {en}", column=part)

    def _open(self, file_size: int) -> None:
        head = self.fh.read(8)
        if head == _CFB:
            raise _fail(self.label, "这是旧版 .xls 工作簿或加密的工作簿，请在 Excel/WPS 中另存为不加密的 .xlsx",
                        "this is an old .xls workbook or an encrypted one; save it from Excel or "
                        "WPS as an .xlsx without a password")
        if head[:4] != _PK:
            raise self._corrupt("开头不是 ZIP 压缩包", "it does not start as a zip archive")
        # Two end records would let two zip readers see two different workbooks.
        tail_len = min(file_size, 65_535 + 22)
        self.fh.seek(file_size - tail_len)
        if self.fh.read(tail_len).count(b"PK\x05\x06") > 1:
            raise self._corrupt("含多个 ZIP 目录", "it holds more than one zip directory")
        try:
            with zipfile.ZipFile(self.fh) as zf:
                infos = zf.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError, struct.error, UnicodeDecodeError) as exc:
            raise self._corrupt(f"ZIP 目录无法读取（{exc}）",
                                f"its zip directory cannot be read ({exc})") from exc
        if len(infos) > _MAX_MEMBERS:
            raise self._corrupt(f"含 {count(len(infos))} 个部件", f"it holds {count(len(infos))} parts")
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            key = info.filename.replace("\\", "/").lower()
            if key in self.members:
                raise self._corrupt(f"部件 {info.filename} 重复", f"part {info.filename} appears twice",
                                    info.filename)
            self.members[key] = info
            if key.endswith("workbook.bin") or key == "content.xml":
                # calamine would try its .xlsb or .ods reader on parts this check never reads.
                raise self._corrupt("含 .xlsb/.ods 部件", "it holds .xlsb or .ods parts", info.filename)
        self.file_size = file_size

    def keep(self, name: str) -> None:
        """Keep the inflated bytes of the part ``name`` (its name in the zip) as the check reads
        it (its first pass, no more than the directory states), for a reader to load as
        checked without inflating it again."""
        if name not in self.kept:
            self.keeping[name] = []

    def find(self, path: str) -> _Member | None:
        """The part calamine opens for ``path``, or None."""
        info = self.members.get(path.lower())
        if info is None:
            return None
        if info.flag_bits & 1:
            raise _fail(self.label, "工作簿已加密，请另存为不加密的 .xlsx",
                        "the workbook is encrypted; save it without a password", column=info.filename)
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise self._corrupt(f"部件使用不支持的压缩方式 {info.compress_type}",
                                f"a part uses compression method {info.compress_type}, which "
                                "Excel never writes", info.filename)
        self.fh.seek(info.header_offset)
        local = self.fh.read(30)
        if len(local) < 30 or local[:4] != _PK:
            raise self._corrupt("部件头无效", "a part's header is invalid", info.filename)
        name_len, extra_len = struct.unpack("<HH", local[26:30])
        data_offset = info.header_offset + 30 + name_len + extra_len
        if data_offset + info.compress_size > self.file_size:
            raise self._corrupt("部件超出文件末尾", "a part runs past the end of the file", info.filename)
        return _Member(info.filename, info.compress_type, info.compress_size, info.file_size,
                       data_offset)

    def stream(self, member: _Member, where: _Where, ratio: bool = True) -> Iterator[bytes]:
        """Inflate ``member`` in chunks, whatever its directory entry claims, within the limits.

        ``ratio`` stops a part compressed like padding early (the shared strings skip it, so an
        over-long string is named as such)."""
        limits = self.limits
        self.fh.seek(member.data_offset)
        left = member.csize
        out = 0
        keep = self.keeping.pop(member.name, None)  # only the first pass keeps
        inflater = zlib.decompressobj(-15) if member.method == zipfile.ZIP_DEFLATED else None
        tail = b""
        while True:
            if inflater is not None and tail:
                data = tail
            elif left:
                data = self.fh.read(min(left, MiB))
                if not data:
                    raise self._corrupt("部件被截断", "a part is truncated", member.name)
                left -= len(data)
            else:
                break
            if inflater is None:
                piece = data
            else:
                try:
                    piece = inflater.decompress(data, _CHUNK)
                except zlib.error as exc:
                    raise self._corrupt(f"部件无法解压（{exc}）", f"a part cannot be inflated ({exc})",
                                        member.name) from exc
                tail = inflater.unconsumed_tail
            out += len(piece)
            if out > self.streamed.get(member.name, 0):  # a second pass is not counted twice
                self.inflated += out - self.streamed.get(member.name, 0)
                self.streamed[member.name] = out
            if self.inflated > limits.max_xml_bytes:
                zh, en = raise_hint()
                raise where.fail(f"工作簿要读取的 XML 解压后超过 {size(limits.max_xml_bytes)}；{zh}",
                                 f"the workbook XML to read inflates to more than "
                                 f"{size(limits.max_xml_bytes)}; {en}",
                                 f"> {size(limits.max_xml_bytes)}")
            consumed = member.csize - left - len(tail)
            if ratio and out > _RATIO_FLOOR and out > _RATIO * max(consumed, 1):
                raise where.fail(f"压缩比超过 {_RATIO}:1（{size(consumed)} 解压为 {size(out)}），"
                                 "是填充而不是表格数据",
                                 f"compressed more than {_RATIO}:1 ({size(consumed)} inflate to "
                                 f"{size(out)}): padding, not spreadsheet data",
                                 f"{out // max(consumed, 1)}:1")
            if keep is not None and out > member.usize:
                keep = None  # more than the directory states: the check fails below
            if piece:
                if keep is not None:
                    keep.append(piece)
                yield piece
            if inflater is not None and inflater.eof:
                break
        if inflater is not None and not inflater.eof:
            raise self._corrupt("部件被截断", "a part is truncated", member.name)
        if out != member.usize:
            raise self._corrupt(f"部件实际 {count(out)} 字节，目录记为 {count(member.usize)}",
                                f"a part holds {count(out)} bytes where the directory says "
                                f"{count(member.usize)}", member.name)
        if keep is not None:
            self.kept[member.name] = keep

    def xml(self, member: _Member, where: _Where, ratio: bool = True) -> Iterator[bytes]:
        """The part's chunks, inflated ahead in a thread, its encoding checked."""
        first = True
        chunks = self.stream(member, where, ratio)
        if member.usize > _CHUNK:  # a thread pays only when there is more than one chunk
            chunks = _prefetch(chunks)
        for chunk in chunks:
            if first:
                _check_encoding(chunk, where)
                first = False
            yield chunk

    def read_small(self, member: _Member) -> bytes:
        """A package part parsed whole in Python: relationships, workbook.xml."""
        where = _Where(self.label, member.name)
        parts: list[bytes] = []
        total = 0
        for piece in self.stream(member, where):
            total += len(piece)
            if total > _SMALL_PART:
                raise where.fail(f"部件超过 {size(_SMALL_PART)}，不是正常的工作簿",
                                 f"the part is larger than {size(_SMALL_PART)}; no workbook has "
                                 "one this large", f"> {size(_SMALL_PART)}")
            parts.append(piece)
        data = b"".join(parts)
        _check_encoding(data, where)
        for _ in _regions(iter([data]), where):  # its largest node, as for every part
            pass
        return data


# --- XML in chunks -------------------------------------------------------------------------

@dataclass
class _Region:
    """``buf[:cut]`` holds whole XML nodes (tags and the text between them); ``buf`` has at least
    ``_SLACK`` bytes past ``cut``. ``base`` is the offset of ``buf[0]`` within the part."""

    buf: bytes
    a: np.ndarray
    cut: int
    base: int
    _lt: np.ndarray | None = None
    _b1: np.ndarray | None = None
    _colons: np.ndarray | None = None
    _pairs: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def lt(self) -> np.ndarray:
        """Positions of every '<' in [0, cut) (the exact paths; the coarse one avoids it)."""
        if self._lt is None:
            self._lt = np.flatnonzero(self.a[: self.cut] == _LT)
        return self._lt

    @property
    def b1(self) -> np.ndarray:
        if self._b1 is None:
            self._b1 = self.a.take(self.lt + 1)
        return self._b1

    @property
    def colons(self) -> np.ndarray:
        if self._colons is None:
            self._colons = np.flatnonzero(self.a[: self.cut] == _COLON)
        return self._colons

    def _views(self) -> tuple[np.ndarray, np.ndarray]:
        if self._pairs is None:
            n = (self.cut + 1) // 2 * 2 + 2  # a pair may end one byte past cut (cut is a '<')
            self._pairs = (np.frombuffer(self.buf, "<u2", count=n // 2),
                           np.frombuffer(self.buf[1:n + 1], "<u2", count=n // 2))
        return self._pairs

    def pair(self, two: bytes) -> np.ndarray:
        """Positions in [0, cut) where the bytes ``two`` begin, unsorted. Two 16-bit views (even
        and odd offsets) compare two bytes at once, several times faster than finding every '<'."""
        even, odd = self._views()
        code = two[0] | two[1] << 8
        found = np.concatenate([np.flatnonzero(even == code) * 2,
                                np.flatnonzero(odd == code) * 2 + 1])
        return found[found < self.cut]

    def pair_count(self, two: bytes) -> int:
        """How many times ``two`` occurs (a pair straddling ``cut`` may count: only ever more)."""
        even, odd = self._views()
        code = two[0] | two[1] << 8
        return int(np.count_nonzero(even == code) + np.count_nonzero(odd == code))

    def tag_starts(self, local: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Start tags named ``local`` after any ``prefix:``, as quick-xml matches them: positions
        of their '<' and just after the name, unsorted (no '<' scan: the coarse path)."""
        a, k = self.a, len(local)
        p = self.pair(b"<" + local[:1])
        for i in range(1, k):
            p = p[a.take(p + 1 + i) == local[i]]
        p = p[_DELIM.take(a.take(p + 1 + k))]
        ends = p + 1 + k
        q = self.pair(b":" + local[:1])  # prefixed: <x:c, <x14:c …
        for i in range(1, k):
            q = q[a.take(q + 1 + i) == local[i]]
        q = q[_DELIM.take(a.take(q + 1 + k))]
        if len(q):
            back = np.arange(-32, 0)
            window = a.take(np.maximum(q[:, None] + back, 0))
            is_lt = window == _LT
            last = 31 - np.argmax(is_lt[:, ::-1], axis=1)  # the nearest '<' before the colon
            inside = np.arange(32) > last[:, None]
            ok = is_lt.any(axis=1) & (last < 31) & np.all(_NAME_OK.take(window) | ~inside, axis=1)
            p = np.concatenate([p, (q + back[0] + last)[ok]])
            ends = np.concatenate([ends, q[ok] + 1 + k])
        return p, ends

    def next_lt(self, idx: np.ndarray) -> np.ndarray:
        """For indexes into ``lt``: where the next node starts."""
        following = idx + 1
        out = np.full(len(idx), self.cut, dtype=np.int64)
        inside = following < len(self.lt)
        out[inside] = self.lt[following[inside]]
        return out

    def starts(self, local: bytes) -> tuple[np.ndarray, np.ndarray]:
        """Start tags whose local name is ``local`` (prefixed or not), as (index into ``lt``,
        position just after the name). quick-xml matches names after any ``prefix:``."""
        a, lt = self.a, self.lt
        k = len(local)
        idx = np.flatnonzero(self.b1 == local[0])
        at = lt.take(idx)
        for i in range(1, k):
            keep = a.take(at + 1 + i) == local[i]
            idx, at = idx[keep], at[keep]
        keep = _DELIM.take(a.take(at + 1 + k))
        idx, ends = idx[keep], at[keep] + 1 + k
        q = self.colons
        if len(q) and len(lt):
            cand = q[a.take(q + 1) == local[0]]
            for i in range(1, k):
                cand = cand[a.take(cand + 1 + i) == local[i]]
            cand = cand[_DELIM.take(a.take(cand + 1 + k))]
            if len(cand):
                owner = np.searchsorted(lt, cand) - 1
                ok = owner >= 0
                cand, owner = cand[ok], owner[ok]
                span = cand - lt.take(owner)
                ok = (span >= 2) & (span <= 33)
                cand, owner, span = cand[ok], owner[ok], span[ok]
                if len(cand):
                    window = a[lt.take(owner)[:, None] + 1 + np.arange(32)]
                    inside = np.arange(32) < (span - 1)[:, None]
                    ok = np.all(_NAME_OK[window] | ~inside, axis=1)
                    idx = np.concatenate([idx, owner[ok]])
                    ends = np.concatenate([ends, cand[ok] + 1 + k])
                    order = np.argsort(idx, kind="stable")
                    idx, ends = idx[order], ends[order]
        return idx, ends


def _terminator(buf: bytes, start: int, where: _Where) -> int:
    """End of the comment, CDATA or processing instruction at ``start``; -1 if not in ``buf``."""
    if buf.startswith(b"<!--", start):
        end = buf.find(b"-->", start + 4)
        return -1 if end < 0 else end + 3
    if buf.startswith(b"<![CDATA[", start):
        end = buf.find(b"]]>", start + 9)
        return -1 if end < 0 else end + 3
    if buf.startswith(b"<?", start):
        end = buf.find(b"?>", start + 2)
        return -1 if end < 0 else end + 2
    if len(buf) - start < 9:
        return -1
    raise where.fail("XML 中含文档类型声明（DOCTYPE），工作簿从不使用",
                     "the XML holds a document type declaration (DOCTYPE), which no workbook uses",
                     buf[start:start + 9].decode("latin-1"))


def _big_node(where: _Where) -> ReadError:
    return where.fail(f"XML 中有一个节点超过 {size(_MAX_NODE)}（单元格最多 32 767 个字符），"
                      "是填充而不是表格数据",
                      f"an XML node is larger than {size(_MAX_NODE)} (a cell holds at most "
                      "32 767 characters): padding, not spreadsheet data", f"> {size(_MAX_NODE)}")


def _regions(chunks: Iterator[bytes], where: _Where,
             on_big: Callable[[int], bool] | None = None,
             on_skip: Callable[[np.ndarray], None] | None = None) -> Iterator[_Region]:
    """Cut the inflated chunks of one part into regions of whole nodes.

    Every node is measured: one larger than ``_MAX_NODE`` raises, unless ``on_big(offset)``
    takes it (the shared strings name the string instead); its bytes are then passed to
    ``on_skip`` and dropped, never held."""
    carry = b""
    base = 0
    skipping = False
    for chunk in chunks:
        if skipping:
            end = chunk.find(b"<")
            if end < 0:
                if on_skip:
                    on_skip(np.frombuffer(chunk, np.uint8))
                base += len(chunk)
                continue
            if on_skip:
                on_skip(np.frombuffer(chunk, np.uint8, count=end))
            base += end
            chunk = chunk[end:]
            skipping = False
        buf = carry + chunk if carry else chunk
        cut = buf.rfind(b"<", 0, max(0, len(buf) - _SLACK))
        region, cut = _region(buf, cut, base, where)
        if region is None:
            if len(buf) > _MAX_NODE:
                if on_big is None or not on_big(base):
                    raise _big_node(where)
                if on_skip:  # the node is the text after the last tag
                    on_skip(np.frombuffer(buf, np.uint8)[buf.find(b">") + 1:])
                base += len(buf)
                carry = b""
                skipping = True
                continue
            carry = buf
            continue
        yield region
        carry = buf[cut:]
        base += cut
    if carry and not skipping:
        buf = carry + bytes(_SLACK)
        region, cut = _region(buf, len(carry), base, where)
        if region is None or cut < len(carry):
            raise where.fail("XML 在注释或声明中途结束", "the XML ends inside a comment or declaration")
        yield region


def _region(buf: bytes, cut: int, base: int, where: _Where) -> tuple[_Region | None, int]:
    """The region of ``buf`` before ``cut``, or (None, 0) when no node is whole yet."""
    if cut <= 0:
        return None, 0
    region = _Region(buf, np.frombuffer(buf, np.uint8), cut, base)
    # Comments, CDATA and instructions may hold '<' and '>': each is measured whole. A sheet
    # rarely has a '!' or '?' at all, and a one-byte search runs at memory speed.
    head = 0
    if base == 0 and buf.lstrip(b"\xef\xbb\xbf")[:5] == b"<?xml":  # past the declaration
        head = buf.find(b"?>", 0, 1024) + 2 if buf.find(b"?>", 0, 1024) >= 0 else 0
    if buf.find(b"!", 0, cut) >= 0 or buf.find(b"?", head, cut) >= 0:
        special = np.sort(np.concatenate([region.pair(b"<!"), region.pair(b"<?")]))
        special = special[special >= head] if head else special
    else:
        special = np.zeros(0, np.int64)
    for start in special.tolist():
        end = _terminator(buf, start, where)
        if end < 0 or end > cut:  # runs past this region: keep it whole for the next
            if end - start > _MAX_NODE or (end < 0 and len(buf) - start > _MAX_NODE):
                raise _big_node(where)
            cut = start
            break
        if end - start > _MAX_NODE:
            raise _big_node(where)
    if cut <= 0:
        return None, 0
    if cut < region.cut:
        region = _Region(buf, region.a, cut, base)
    # No node inside a region can outgrow it: a region is the carried node (≤ _MAX_NODE, else
    # refused above) plus one chunk, so a node held whole is at most _MAX_NODE + _CHUNK.
    return region, cut


def _check_encoding(head: bytes, where: _Where) -> None:
    """calamine decodes what the XML declares; the scan reads UTF-8 bytes. Workbooks are UTF-8."""
    probe = head[:1024]
    declared = _XML_DECL_ENC.match(probe.lstrip(b"\xef\xbb\xbf"))
    name = declared.group(1).decode("latin-1").lower() if declared else "utf-8"
    if b"\x00" in probe or probe[:2] in (b"\xff\xfe", b"\xfe\xff") or name not in ("utf-8", "utf8"):
        raise where.fail(f"XML 部件不是 UTF-8 编码（{name}）", f"an XML part is not UTF-8 ({name})", name)


# --- shared strings ------------------------------------------------------------------------

_SHARED = "共享字符串 shared strings"

@dataclass
class _Strings:
    """What calamine will hold of the shared strings: each string's size, and any too long."""

    lengths: np.ndarray  # bytes of each string's <si> element (≥ its text)
    too_long: dict[int, int]  # index → characters, over max_string_chars


def _scan_strings(archive: _Archive, member: _Member, limits: ReadLimits) -> _Strings:
    where = _Where(_SHARED, member.name)
    starts: list[np.ndarray] = []
    too_long: dict[int, int] = {}
    seen = 0  # <si> elements so far
    declared_checked = False
    end = 0  # where the part's last region ends
    open_chars = 0  # characters of the last string so far, when it may be long
    big_index = -1

    def on_big(_offset: int) -> bool:
        nonlocal big_index
        big_index = seen - 1
        return big_index >= 0

    def on_skip(part: np.ndarray) -> None:
        too_long[big_index] = too_long.get(big_index, 0) + int(
            np.count_nonzero((part & 0xC0) != 0x80))

    for region in _regions(archive.xml(member, where, ratio=False), where, on_big, on_skip):
        if not declared_checked:
            declared_checked = _check_declared_count(region, limits, where)
        idx, _ = region.starts(b"si")
        positions = region.lt[idx]
        # The string open at the start of this region continues up to its first <si>.
        first = int(positions[0]) if len(positions) else region.cut
        if seen and first > 0:
            open_chars = _grow(region, 0, first, open_chars, seen - 1, too_long, limits)
        if len(positions):
            bounds = np.append(positions, region.cut)
            lengths = np.diff(bounds)
            for k in np.flatnonzero(lengths > limits.max_string_chars).tolist():
                chars = _text_chars(region, int(bounds[k]), int(bounds[k + 1]))
                if chars > limits.max_string_chars:
                    too_long[seen + k] = max(too_long.get(seen + k, 0), chars)
            open_chars = _text_chars(region, int(bounds[-2]), region.cut)
            starts.append(positions + region.base)
            seen += len(positions)
        end = region.base + region.cut
    all_starts = np.concatenate(starts) if starts else np.zeros(0, np.int64)
    lengths = np.diff(all_starts, append=end) if len(all_starts) else all_starts
    return _Strings(lengths.astype(np.int64), too_long)


def _grow(region: _Region, start: int, end: int, chars: int, index: int,
          too_long: dict[int, int], limits: ReadLimits) -> int:
    chars += _text_chars(region, start, end)
    if chars > limits.max_string_chars:
        too_long[index] = max(too_long.get(index, 0), chars)
    return chars


def _text_chars(region: _Region, start: int, end: int) -> int:
    """Characters of text in ``buf[start:end]``: UTF-8 lead bytes outside the tags (≈: an entity
    such as ``&amp;`` counts as its five characters)."""
    if end <= start:
        return 0
    part = region.a[start:end]
    chars = int(np.count_nonzero((part & 0xC0) != 0x80))
    if chars <= 0:
        return 0
    opens = np.flatnonzero(part == _LT)
    closes = np.flatnonzero(part == _GT)
    if len(opens) and len(closes):
        at = np.searchsorted(closes, opens)
        ok = at < len(closes)
        chars -= int(np.sum(closes[at[ok]] - opens[ok] + 1))
        chars -= int(np.sum(len(part) - opens[~ok]))
    elif len(opens):
        chars -= int(np.sum(len(part) - opens))
    return max(chars, 0)


_DECLARED = re.compile(rb"<(?:[^\s/>:]+:)?sst\b([^>]*)>")


def _check_declared_count(region: _Region, limits: ReadLimits, where: _Where) -> bool:
    """calamine reserves room for the ``uniqueCount`` the file declares, before reading any."""
    found = _DECLARED.search(region.buf, 0, region.cut)
    if found is None:
        return False
    for key, v1, v2 in _ATTR.findall(found.group(1)):
        value = v1 or v2
        if key == b"uniqueCount" and value.isdigit():
            declared = int(value)
            if declared > limits.max_cells:
                zh, en = raise_hint()
                raise _fail(where.table, f"声明有 {count(declared)} 个不同字符串，超过读取上限 "
                            f"{count(limits.max_cells)}；{zh}",
                            f"declares {count(declared)} distinct strings, more than the read "
                            f"limit of {count(limits.max_cells)}; {en}",
                            column="uniqueCount", value=count(declared))
    return True


# --- sheets --------------------------------------------------------------------------------

@dataclass
class _Extent:
    """The used range calamine will allocate, and what it will copy into it."""

    cells: int = 0  # cell elements
    values: int = 0  # <v> elements
    rows: int = 0  # bound on the last row holding a value (1-based)
    cols: int = 0  # bound on the last column holding a value
    min_col: int = EXCEL_MAX_COLUMNS + 1
    all_cells: bool = False  # rows and cols count empty cells too (calamine skips them)
    exact_text: bool = True  # text is the real figure, not a bound
    stopped: bool = False  # so many cell elements that the scan stopped
    far_row: str = ""  # the cell that sets rows (exact only)
    far_col: str = ""  # the cell that sets cols
    text: int = 0  # bytes the shared strings expand to (exact only)
    uses: dict[int, list] = field(default_factory=dict)  # too-long index → [first cell, count]
    beyond: list[tuple[str, int, int]] = field(default_factory=list)  # cells past XFD1048576
    implicit: bool = False  # cells without a reference

    def take(self, row: int, col: int, ref: str) -> None:
        if row > EXCEL_MAX_ROWS or col > EXCEL_MAX_COLUMNS or row < 1 or col < 1:
            if len(self.beyond) < 20:
                self.beyond.append((ref, row, col))
            return
        if row > self.rows:
            self.rows, self.far_row = row, ref
        if col > self.cols:
            self.cols, self.far_col = col, ref
        self.min_col = min(self.min_col, col)


def _refs_fast(region: _Region, r0: np.ndarray, ext: _Extent, max_cells: int) -> None:
    """The last row and the first and last column among the references at ``r0`` (every cell,
    empty or not), from a few gathers: each reference's letters, and how many digits follow.
    Rows are parsed only when the bound by the number of digits (five digits: below 100 000)
    would pass ``max_cells``, and then only for the references with the most digits."""
    a = region.a
    if not len(r0):
        return
    first = a.take(r0) & 0xDF
    more = _LETTER.take(a.take(r0 + 1))
    bad = np.zeros(len(r0), bool)
    if more.any():  # columns past Z
        col = first.astype(np.int64) - 64
        letters = 1 + more.astype(np.int64)
        col = np.where(more, col * 26 + (a.take(r0 + 1) & 0xDF) - 64, col)
        more &= _LETTER.take(a.take(r0 + 2))
        letters += more
        col = np.where(more, col * 26 + (a.take(r0 + 2) & 0xDF) - 64, col)
        more &= _LETTER.take(a.take(r0 + 3))
        letters += more  # 4: four letters or more, past XFD
        at = r0 + np.minimum(letters, 3)
        bad |= letters > 3
        col[bad] = 0
    else:  # the usual sheet: columns A to Z
        col = first
        at = r0 + 1
    digits, which = _most_digits(a, at, np.flatnonzero(~bad), 8)
    if digits == 8:  # a row of eight digits is past row 1 048 576
        bad[which] = True
        digits, which = _most_digits(a, at, np.flatnonzero(~bad), 7)
    for i in np.flatnonzero(bad)[:20].tolist():
        _take_ref(ext, _ref_text(region.buf, int(r0[i])))
    if not len(which):
        return
    good = ~bad
    last, first_at = int(np.argmax(col)), int(np.argmin(np.where(good, col, 1 << 20)))
    last_col = int(col[last]) - (64 if col is first else 0)
    first_col = int(col[first_at]) - (64 if col is first else 0)
    ext.cols = max(ext.cols, last_col)
    ext.min_col = min(ext.min_col, first_col)
    bound = 10**digits - 1
    if bound * ext.cols <= max_cells and bound <= EXCEL_MAX_ROWS:
        ext.rows = max(ext.rows, bound)  # enough to pass: no need to read the rows
        return
    at = at.take(which)
    row = np.zeros(len(which), np.int64)
    for k in range(digits):
        row = row * 10 + (a.take(at + k).astype(np.int64) - 48)
    over = row > EXCEL_MAX_ROWS
    for i in np.flatnonzero(over)[:20].tolist():
        _take_ref(ext, _ref_text(region.buf, int(r0[which[i]])))
    row, which = row[~over], which[~over]
    if len(row):  # the cells with the last row and the last column, read as calamine does
        _take_ref(ext, _ref_text(region.buf, int(r0[which[int(np.argmax(row))]])))
        _take_ref(ext, _ref_text(region.buf, int(r0[last])))


def _most_digits(a: np.ndarray, at: np.ndarray, among: np.ndarray,
                 cap: int) -> tuple[int, np.ndarray]:
    """(n, which): the most digits (up to ``cap``) that any reference ``among`` has from
    ``at``, and which references have that many."""
    which = among
    n = 0
    while n < cap and len(which):
        has = _DIGIT.take(a.take(at.take(which) + n))
        if not has.any():
            break
        if not has.all():
            which = which[has]
        n += 1
    return n, which


def _values_fast(region: _Region, lengths: np.ndarray, ext: _Extent) -> None:
    """Add the bytes each <v> will copy from the shared strings (as ``_values_exact``), from a
    9-byte window after each tag: an index of more digits than that is past any string."""
    a = region.a
    pos, end = region.tag_starts(b"v")
    ext.values += len(pos)
    if not len(pos):
        return
    start = end + 1
    for i in np.flatnonzero(a.take(end) != _GT).tolist():  # <v attr="…">
        gt = region.buf.find(b">", int(end[i]), int(end[i]) + 4096)
        start[i] = gt + 1 if gt >= 0 else end[i]
    # Column by column over the 9 bytes after each tag: the digits up to the next '<'.
    index = np.zeros(len(pos), np.int64)
    reading = np.ones(len(pos), bool)  # no '<' yet
    other = np.zeros(len(pos), bool)  # a byte that is not a digit came first
    empty = np.zeros(len(pos), bool)
    for k in range(9):
        b = a.take(start + k)
        ends = reading & (b == _LT)
        if k == 0:
            empty = ends
        reading &= ~ends
        digit = (b - np.uint8(48)) < 10
        other |= reading & ~digit
        if k < 8:
            step = reading & digit & ~other
            index[step] = index[step] * 10 + (b[step] - 48)
    index[other] = 0  # calamine reads what is not a number as string 0
    valid = ~empty & ~(reading & ~other) & (index < len(lengths))  # 9+ digits: past any string
    ext.text += int(lengths[index[valid]].sum())


def _refs_exact(region: _Region, r0: np.ndarray, nonempty: np.ndarray, ext: _Extent) -> None:
    """Parse references exactly (A1 style, as calamine: letters then digits, either case)."""
    if not len(r0):
        return
    a = region.a
    window = a[r0[:, None] + np.arange(12)]
    is_letter = _LETTER[window]
    is_digit = _DIGIT[window]
    letters = np.argmin(is_letter, axis=1)
    pos = np.arange(12)
    digit_zone = (pos >= letters[:, None]) & is_digit
    # the run of digits right after the letters
    after = np.where(pos >= letters[:, None], ~is_digit, False)
    end = np.where(after.any(axis=1), np.argmax(after, axis=1), 12)
    digits = end - letters
    good = (letters >= 1) & (letters <= 3) & (digits >= 1) & (digits <= 7) & (
        window[np.arange(len(r0)), np.minimum(end, 11)] == _QUOTE)
    values = (window.astype(np.int64) & 0xDF) - 64
    col = np.zeros(len(r0), np.int64)
    for k in range(3):
        col = np.where(k < letters, col * 26 + values[:, k], col)
    row = np.zeros(len(r0), np.int64)
    for k in range(10):
        use = digit_zone[:, k] & (k < end)
        row = np.where(use, row * 10 + (window[:, k].astype(np.int64) - 48), row)
    keep = good & nonempty
    if keep.any():
        rows, cols = row[keep], col[keep]
        over = (rows > EXCEL_MAX_ROWS) | (cols > EXCEL_MAX_COLUMNS)
        if over.any():
            for i in np.flatnonzero(over)[:20].tolist():
                ext.take(int(rows[i]), int(cols[i]), _cell(int(rows[i]), int(cols[i])))
            rows, cols = rows[~over], cols[~over]
        if len(rows):
            i, j = int(np.argmax(rows)), int(np.argmax(cols))
            ext.take(int(rows[i]), int(cols[i]), _cell(int(rows[i]), int(cols[i])))
            ext.take(int(rows[j]), int(cols[j]), _cell(int(rows[j]), int(cols[j])))
            ext.min_col = min(ext.min_col, int(cols.min()))
    for p in r0[~good & nonempty].tolist():  # not A1 style after all: as calamine reads it
        _take_ref(ext, _ref_text(region.buf, p))


def _ref_text(buf: bytes, start: int) -> bytes:
    end = buf.find(b'"', start, start + 64)
    return buf[start:end if end >= 0 else start + 16]


def _parse_ref(ref: bytes) -> tuple[int, int] | None:
    """(row, column), 1-based, as calamine reads a reference; None where it would fail."""
    m = _REF.fullmatch(ref)
    if m is None or not m.group(1) or not m.group(2):
        return None
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ch - 64
    return int(m.group(2)), col


def _take_ref(ext: _Extent, ref: bytes) -> None:
    parsed = _parse_ref(ref)
    if parsed is not None:
        ext.take(parsed[0], parsed[1], ref.decode("latin-1"))


def _scan_sheet(archive: _Archive, member: _Member, sheet: str, strings: _Strings,
                limits: ReadLimits, exact: bool, text: bool = False) -> _Extent:
    """One pass over a sheet. The fast pass (``exact`` False) takes every cell, empty or not,
    and adds the shared-string text only when ``text``, else bounds it by the longest string;
    the exact pass leaves out empty cells (calamine skips them) and names the cells that use an
    over-long string."""
    ext = _Extent(all_cells=not exact, exact_text=exact or text)
    lengths = strings.lengths
    longest = int(lengths.max()) if len(lengths) else 0
    watch = np.array(sorted(strings.too_long), dtype=np.int64)
    where = _Where(sheet, member.name)
    for region in _regions(archive.xml(member, where), where):
        a, buf = region.a, region.buf
        if exact:
            c_idx, c_end = region.starts(b"c")
            c_pos = region.lt[c_idx]
        else:
            c_pos, c_end = region.tag_starts(b"c")
        ext.cells += len(c_pos)
        canonical = ((a.take(c_end) == 32) & (a.take(c_end + 1) == 114)  # ' r="' then a letter
                     & (a.take(c_end + 2) == 61) & (a.take(c_end + 3) == _QUOTE)
                     & _LETTER.take(a.take(c_end + 4)))
        r0 = c_end[canonical] + 4
        if exact:
            following = region.next_lt(c_idx[canonical])
            nonempty = ~((a.take(following - 1) == _GT) & (a.take(following - 2) == _SLASH))
            _refs_exact(region, r0, nonempty, ext)
        else:
            _refs_fast(region, r0, ext, limits.max_cells)
        for p in c_pos[~canonical].tolist():  # other spellings of a cell tag: one by one
            tag = _TAG.match(buf, p)
            if tag is None:  # calamine fails on a tag it cannot parse
                continue
            ref = next((v1 or v2 for k, v1, v2 in _ATTR.findall(tag.group(3)) if k == b"r"), None)
            if ref is None:
                ext.implicit = True
            elif not (exact and tag.group(4)):  # an empty cell holds no value
                _take_ref(ext, ref)
        if exact:
            v_idx, v_end = region.starts(b"v")
            ext.values += len(v_idx)
            _values_exact(region, v_idx, v_end, lengths, watch, ext, c_pos, where.after)
        elif text:
            _values_fast(region, lengths, ext)
        else:  # counting every '<v' and ':v' can only overstate the text
            ext.values += region.pair_count(b"<v") + region.pair_count(b":v")
        if len(r0):
            where.after = _ref_text(buf, int(r0.max())).decode("latin-1")
        if ext.cells > _STOP * limits.max_cells:
            ext.stopped = True
            break
    if not ext.exact_text:
        ext.text = ext.values * longest
    return ext


def _values_exact(region: _Region, v_idx: np.ndarray, v_end: np.ndarray, lengths: np.ndarray,
                  watch: np.ndarray, ext: _Extent, c_pos: np.ndarray, last_cell: str) -> None:
    """Add the bytes each <v> will copy from the shared strings, as calamine reads an index:
    digits → that string, anything else → string 0, empty → nothing."""
    if not len(v_idx):
        return
    a = region.a
    start = v_end + 1
    plain = a[v_end] == _GT
    stop = region.next_lt(v_idx)
    for i in np.flatnonzero(~plain).tolist():  # <v attr="…">: find the end of the tag
        gt = region.buf.find(b">", int(v_end[i]), int(stop[i]))
        start[i] = gt + 1 if gt >= 0 else stop[i]
    width = stop - start
    window = a[start[:, None] + np.arange(18)]
    inside = np.arange(18) < width[:, None]
    digits = np.all(_DIGIT[window] | ~inside, axis=1) & (width >= 1) & (width <= 18)
    index = np.zeros(len(v_idx), np.int64)
    for k in range(18):
        use = inside[:, k] & digits
        index = np.where(use, index * 10 + (window[:, k].astype(np.int64) - 48), index)
    index[width <= 0] = -1
    valid = (index >= 0) & (index < len(lengths))
    ext.text += int(lengths[index[valid]].sum())
    if len(watch):
        hits = np.flatnonzero(valid & np.isin(index, watch))
        for i in hits.tolist():
            cell, shared = _owner_cell(region, int(region.lt[v_idx[i]]), c_pos, last_cell)
            if not shared:  # a number 19 in <v> is a number, not shared string 19
                continue
            entry = ext.uses.setdefault(int(index[i]), ["", 0])
            entry[1] += 1
            entry[0] = entry[0] or cell


def _owner_cell(region: _Region, v_pos: int, c_pos: np.ndarray,
                last_cell: str) -> tuple[str, bool]:
    """The reference of the cell holding the <v> at ``v_pos``, and whether it is a shared string
    (``t="s"``); a cell begun in the previous region counts as one (the safe side)."""
    k = int(np.searchsorted(c_pos, v_pos)) - 1
    if k < 0:
        return last_cell, True
    tag = _TAG.match(region.buf, int(c_pos[k]))
    attrs = _attrs(tag.group(3)) if tag else {}
    return attrs.get(b"r", b"").decode("latin-1"), attrs.get(b"t") == b"s"


def _scan_sheet_walk(archive: _Archive, member: _Member, sheet: str, strings: _Strings,
                     limits: ReadLimits) -> _Extent:
    """Cells without a reference take their place from their order: walk every tag as calamine
    does (a row's ``r`` or the count of rows before it; the count of cells before it)."""
    ext = _Extent()
    lengths = strings.lengths
    watch = set(strings.too_long)
    row_index = 0  # 0-based, as calamine
    shared = False  # the open cell is a shared string (t="s")
    col_index = 0
    cell: tuple[int, int] | None = None  # the open cell
    cell_has_value = False
    where = _Where(sheet, member.name)
    for region in _regions(archive.xml(member, where), where):
        buf = region.buf
        for tag in _TAG.finditer(buf, 0, region.cut):
            closing, name, attrs, empty = tag.groups()
            local = name.rsplit(b":", 1)[-1]
            if local == b"row":
                if closing:
                    row_index += 1
                    col_index = 0
                    continue
                for key, v1, v2 in _ATTR.findall(attrs):
                    if key == b"r":
                        m = re.match(rb"[A-Za-z]*([0-9]+)$", v1 or v2)
                        if m:
                            row_index = int(m.group(1)) - 1
                if empty:
                    row_index += 1
                    col_index = 0
            elif local == b"c":
                if closing:
                    if cell is not None and cell_has_value:
                        ext.take(cell[0] + 1, cell[1] + 1, _cell(cell[0] + 1, cell[1] + 1))
                    cell = None
                    col_index += 1
                    continue
                ext.cells += 1
                pos = (row_index, col_index)
                shared = False
                for key, v1, v2 in _ATTR.findall(attrs):
                    if key == b"t":
                        shared = (v1 or v2) == b"s"
                    if key == b"r":
                        parsed = _parse_ref(v1 or v2)
                        if parsed is not None:
                            pos = (parsed[0] - 1, parsed[1] - 1)
                            col_index = pos[1]
                cell, cell_has_value = pos, False
                if empty:
                    cell = None
                    col_index += 1
            elif cell is not None and not closing:
                cell_has_value = True
                if local == b"v":
                    ext.values += 1
                    stop = buf.find(b"<", tag.end())
                    text = buf[tag.end():stop if stop >= 0 else region.cut]
                    if text:
                        index = int(text) if text.isdigit() and len(text) <= 18 else 0
                        if index < len(lengths):
                            ext.text += int(lengths[index])
                        if index in watch and shared:
                            entry = ext.uses.setdefault(index, ["", 0])
                            entry[1] += 1
                            entry[0] = entry[0] or _cell(pos[0] + 1, pos[1] + 1)
        if ext.cells > _STOP * limits.max_cells:
            ext.stopped = True
            break
    return ext


# --- the workbook --------------------------------------------------------------------------

@dataclass
class WorkbookCheck:
    """The sheets of a workbook in calamine's order, and which of them were checked."""

    sheets: list[str]
    checked: set[int]


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return {key: v1 or v2 for key, v1, v2 in _ATTR.findall(raw)}


def _unescape(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")

    def one(m: re.Match[str]) -> str:
        entity = m.group(1)
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}
        if entity in named:
            return named[entity]
        try:
            code = int(entity[2:], 16) if entity[:2].lower() == "#x" else int(entity[1:])
            return chr(code)
        except (ValueError, OverflowError):
            return m.group(0)

    return re.sub(r"&(#[xX][0-9A-Fa-f]+|#[0-9]+|[A-Za-z]+);", one, text)


def _elements(data: bytes, local: bytes) -> Iterator[dict[bytes, bytes]]:
    data = _COMMENT.sub(b"", data)
    pattern = re.compile(rb"<(?:[^\s/>:!?]+:)?" + local + rb"((?:\s[^>]*)?)/?>")
    for m in pattern.finditer(data):
        yield _attrs(m.group(1))


def _part(archive: _Archive, path: str, label: str, required: bool) -> _Member | None:
    member = archive.find(path)
    if member is None and required:
        raise _fail(archive.label, f"工作簿缺少部件 {path}，不是 Excel 工作簿",
                    f"the workbook lacks its part {path}; it is not an Excel workbook",
                    column=label)
    return member


@dataclass
class CheckedSheet:
    """A sheet's XML as the check inflated and passed it, with the parts calamine reads to open
    the workbook: enough to make a workbook of it holding nothing unchecked."""

    parts: dict[str, bytes]  # the parts read at open, by their names in the zip
    name: str  # the sheet's part
    chunks: list[bytes]  # its XML


_KEEP_OPEN_PART = 16 * MiB  # shared strings or styles larger than this are not kept


class CheckProgress(Protocol):
    """Told how far the check has come, so a reader may start on what has passed while the rest
    is checked (issue 18: the biggest sheet loads in a thread while the others are checked).
    Nothing may reach calamine before the call that clears it."""

    def opened(self, sheets: list[str], sizes: list[int]) -> Collection[int]:
        """The parts calamine reads to open the workbook have passed, and no shared string is
        over-long. ``sheets``: the sheet names in order; ``sizes``: each sheet part's inflated
        size as the zip directory states it (0 when there is none) — a hint, not checked.
        Returns the sheets whose XML to keep for ``passed``."""

    def passed(self, number: int, kept: CheckedSheet | None) -> None:
        """Sheet ``number`` (a ``wanted`` one) has passed, and every sheet checked before it;
        ``kept``: its XML as checked, if ``opened`` asked for it and it was kept whole."""


def check_workbook(path: Path, limits: ReadLimits, wanted: Callable[[str], bool],
                   progress: CheckProgress | None = None) -> WorkbookCheck:
    """Check everything calamine will read of ``path`` to load the sheets ``wanted`` accepts.

    Raises ``ReadError`` listing, in Chinese and English, the sheet, the cell or range, the
    value found and the limit; returns the sheet names and the indexes of the checked sheets.
    ``progress`` hears of each step that passed, as it passes (see ``CheckProgress``)."""
    archive = _Archive(path, limits)
    try:
        return _check(archive, limits, wanted, progress)
    finally:
        archive.close()


def _check(archive: _Archive, limits: ReadLimits, wanted: Callable[[str], bool],
           progress: CheckProgress | None = None) -> WorkbookCheck:
    # The package relationships say where the workbook lives (calamine: xl_path).
    rels = _part(archive, "_rels/.rels", "_rels/.rels", True)
    assert rels is not None
    opening: list[str] = []  # the parts read at open, kept for a CheckedSheet

    def keep_open(member: _Member | None) -> None:
        if progress is not None and member is not None:
            opening.append(member.name)
            if member.usize <= _KEEP_OPEN_PART:
                archive.keep(member.name)

    keep_open(rels)
    xl_path = "xl/"
    for rel in _elements(archive.read_small(rels), b"Relationship"):
        if rel.get(b"Type", b"").endswith(b"/relationships/officeDocument"):
            target = _unescape(rel.get(b"Target", b""))
            cut = target.rfind("/")
            xl_path = target[: cut + 1].lstrip("/") if cut >= 0 else ""
    problems: list[Problem] = []
    # Read at open, in this order, whatever sheets are loaded.
    strings = _Strings(np.zeros(0, np.int64), {})
    shared = archive.find(f"{xl_path}sharedStrings.xml")
    keep_open(shared)
    if shared is not None:
        strings = _scan_strings(archive, shared, limits)
    styles = archive.find(f"{xl_path}styles.xml")
    keep_open(styles)
    if styles is not None:
        where = _Where(archive.label, styles.name)
        for _ in _regions(archive.xml(styles, where), where):
            pass
    book_rels = _part(archive, f"{xl_path}_rels/workbook.xml.rels", "workbook.xml.rels", True)
    assert book_rels is not None
    keep_open(book_rels)
    targets: dict[bytes, tuple[str, str]] = {}
    for rel in _elements(archive.read_small(book_rels), b"Relationship"):
        if b"Id" in rel:
            targets[rel[b"Id"]] = (_unescape(rel.get(b"Target", b"")),
                                   _unescape(rel.get(b"Type", b"")))
    book = _part(archive, f"{xl_path}workbook.xml", "workbook.xml", True)
    assert book is not None
    keep_open(book)
    entries = list(_elements(archive.read_small(book), b"sheet"))
    sheets = [_unescape(attrs.get(b"name", b"")) for attrs in entries]

    def location(attrs: dict[bytes, bytes]) -> tuple[bytes, str | None]:
        rel_id = next((v for k, v in attrs.items() if k.rsplit(b":", 1)[-1] == b"id"), b"")
        target = targets.get(rel_id)
        if target is None:
            return rel_id, None
        return rel_id, target[0][1:] if target[0].startswith("/") else f"{xl_path}{target[0]}"

    if progress is not None and not strings.too_long:
        claimed = [archive.members.get(where.lower()) if where else None
                   for where in (location(attrs)[1] for attrs in entries)]
        for number in progress.opened(list(sheets), [0 if info is None else info.file_size
                                                     for info in claimed]):
            info = claimed[number]
            if info is not None:
                archive.keep(info.filename)
    opened: dict[str, bytes] | None = None

    def kept(member: _Member) -> CheckedSheet | None:
        nonlocal opened
        chunks = archive.kept.get(member.name)
        if chunks is None or not all(name in archive.kept for name in opening):
            return None
        if opened is None:
            opened = {name: b"".join(archive.kept[name]) for name in opening}
        return CheckedSheet(opened, member.name, chunks)

    checked: set[int] = set()
    for number, (name, attrs) in enumerate(zip(sheets, entries, strict=True)):
        if not wanted(name):
            continue
        rel_id, where = location(attrs)
        if where is None:
            raise _fail(name, "工作表在工作簿关系中找不到", "the sheet has no entry in the workbook's "
                        "relationships", value=rel_id.decode("latin-1"))
        member = archive.find(where)
        if member is None:
            raise _fail(name, f"工作表的数据部件 {where} 不存在",
                        f"the sheet's data part {where} is missing", column=where)
        problems.extend(_check_sheet(archive, member, name, strings, limits))
        checked.add(number)
        if progress is not None and not problems and not strings.too_long:
            progress.passed(number, kept(member))
    if strings.too_long and not problems:
        problems.extend(_unused_long_strings(strings, limits))
    if problems:
        raise ReadError(problems)
    return WorkbookCheck(sheets, checked)


def _check_sheet(archive: _Archive, member: _Member, sheet: str, strings: _Strings,
                 limits: ReadLimits) -> list[Problem]:
    lengths = strings.lengths
    longest = int(lengths.max()) if len(lengths) else 0
    if strings.too_long:  # name the cells that use an over-long string: the exact pass
        ext = _scan_sheet(archive, member, sheet, strings, limits, exact=True)
    else:
        # Add up the shared-string text in the first pass when the bound by the longest string
        # would likely fail (a cell takes some 24 bytes of XML).
        text = member.usize // 24 * longest > limits.max_text_bytes
        ext = _scan_sheet(archive, member, sheet, strings, limits, exact=False, text=text)
        if not ext.implicit and not ext.stopped:
            if ext.rows * (ext.cols - ext.min_col + 1) > limits.max_cells:
                # over the limit counting empty cells too: count as calamine does
                ext = _scan_sheet(archive, member, sheet, strings, limits, exact=True)
            elif not ext.exact_text and ext.text > limits.max_text_bytes:
                ext = _scan_sheet(archive, member, sheet, strings, limits, exact=False,
                                  text=True)
    if ext.implicit:
        ext = _scan_sheet_walk(archive, member, sheet, strings, limits)
    return _sheet_problems(sheet, ext, strings, limits)


def _sheet_problems(sheet: str, ext: _Extent, strings: _Strings,
                    limits: ReadLimits) -> list[Problem]:
    zh_hint, en_hint = raise_hint()
    problems: list[Problem] = []
    for ref, row, _col in ext.beyond:
        problems.append(Problem(
            sheet, row if 0 < row <= 10**9 else None, ref, ref,
            "单元格超出 Excel 工作表的范围（最后一格是 XFD1048576）",
            "the cell lies beyond an Excel sheet (its last cell is XFD1048576)"))
    span_cols = ext.cols - ext.min_col + 1 if ext.cols else 0
    used = ext.rows * span_cols
    if not ext.all_cells and used > limits.max_cells:
        extent = f"{_column_letters(ext.min_col)}1:{_column_letters(ext.cols)}{ext.rows}"
        if ext.far_row == ext.far_col:
            far_zh, far_en = f"最远的单元格 {ext.far_row}", f"farthest cell {ext.far_row}"
        else:
            far_zh = f"最后一行到 {ext.far_row}，最后一列到 {ext.far_col}"
            far_en = f"last row at {ext.far_row}, last column at {ext.far_col}"
        problems.append(Problem(
            sheet, None, extent, f"{count(used)} 个单元格 cells",
            f"已用区域 {extent}（{far_zh}）共 {count(used)} 个单元格，超过读取上限 "
            f"{count(limits.max_cells)}；{zh_hint}",
            f"the used range {extent} ({far_en}) holds {count(used)} cells, more than the "
            f"read limit of {count(limits.max_cells)}; {en_hint}"))
    elif ext.cells > limits.max_cells:
        found = f"> {count(ext.cells)}" if ext.stopped else count(ext.cells)
        problems.append(Problem(
            sheet, None, None, found,
            f"工作表含 {found} 个单元格元素，超过读取上限 {count(limits.max_cells)}；{zh_hint}",
            f"the sheet holds {found} cell elements, more than the read limit of "
            f"{count(limits.max_cells)}; {en_hint}"))
    for index, (cell, uses) in sorted(ext.uses.items()):
        chars = strings.too_long[index]
        problems.append(Problem(
            sheet, _row_of(cell), cell or None, f"{count(chars)} 个字符 characters",
            f"单元格引用的共享字符串（第 {index + 1} 项）约 {count(chars)} 个字符，超过 Excel 单元格上限 "
            f"{count(limits.max_string_chars)} 个字符；本表有 {count(uses)} 个单元格引用它",
            f"the cell uses shared string {index + 1}, about {count(chars)} characters, more than "
            f"Excel's cell limit of {count(limits.max_string_chars)}; "
            + ("it is the only cell of this sheet using it" if uses == 1 else
               f"{count(uses)} cells of this sheet use it")))
    if ext.exact_text and not ext.uses and ext.text > limits.max_text_bytes:
        problems.append(Problem(
            sheet, None, None, size(ext.text),
            f"单元格引用的共享字符串合计 {size(ext.text)}，超过读取上限 {size(limits.max_text_bytes)}；{zh_hint}",
            f"the shared strings its cells use add up to {size(ext.text)}, more than the read "
            f"limit of {size(limits.max_text_bytes)}; {en_hint}"))
    return problems


def _row_of(cell: str) -> int | None:
    parsed = _parse_ref(cell.encode("latin-1", "replace")) if cell else None
    return parsed[0] if parsed else None


def _unused_long_strings(strings: _Strings, limits: ReadLimits) -> list[Problem]:
    return [Problem(_SHARED, None, f"第 {index + 1} 项 item {index + 1}",
                    f"{count(chars)} 个字符 characters",
                    f"共享字符串约 {count(chars)} 个字符，超过 Excel 单元格上限 "
                    f"{count(limits.max_string_chars)} 个字符",
                    f"a shared string of about {count(chars)} characters, more than Excel's cell "
                    f"limit of {count(limits.max_string_chars)}")
            for index, chars in sorted(strings.too_long.items())]
