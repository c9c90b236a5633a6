"""The first two rows of each sheet of an .xlsx workbook, read without parsing the sheets.

The template's second row holds the English codes. Knowing it is there before fastexcel parses
a sheet lets the reader skip it and read the columns typed (numbers as numbers), which is
twice as fast as reading every cell as text (issue 18). fastexcel cannot read two rows without
parsing the whole sheet, so this module inflates only the head of each sheet's XML (and of the
shared strings, up to the last one those rows use).

It answers only what it is sure of: anything unusual (namespaced or reference-less cells, rich
or phonetic text, escapes, a sheet that does not start in column A) gives ``None`` for that
sheet, and the reader then reads it as text, as before. The reader also checks the headers it
gets from fastexcel against the first row here before trusting the second.
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Collection
from pathlib import Path

_CHUNK = 1 << 16
_MAX_HEAD = 1 << 22  # inflated bytes read to find a sheet's first two rows
_SHEET = re.compile(rb'<sheet\b([^>]*)/?>')
_ATTR = re.compile(rb'([\w:]+)="([^"]*)"')
_REL = re.compile(rb'<Relationship\b([^>]*)/?>')
_ROW = re.compile(rb'<row\b([^>]*?)(/>|>(.*?)</row>)', re.S)
_CELL = re.compile(rb'<c\b([^>]*?)(?:/>|>(.*?)</c>)', re.S)
_VALUE = re.compile(rb'<v>([^<]*)</v>')
_INLINE = re.compile(rb'<is>\s*<t(?:\s[^>]*)?>([^<]*)</t>\s*</is>')
_REF = re.compile(rb'^([A-Z]+)(\d+)$')
_SI = re.compile(rb'<si>\s*<t(?:\s[^>]*)?>([^<]*)</t>\s*</si>|<si>\s*<t(?:\s[^>]*)?/>\s*</si>|<si\b')
_ENTITY = re.compile(r"&(#x[0-9A-Fa-f]+|#\d+|amp|lt|gt|quot|apos);")
_NAMED = {"amp": "&", "lt": "<", "gt": ">", "quot": '"', "apos": "'"}

Cell = str | float | bool | None


class _Unsure(Exception):
    """Something this reader does not handle: the caller reads the sheet as text."""


def _attrs(raw: bytes) -> dict[bytes, bytes]:
    return dict(_ATTR.findall(raw))


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8")
    if "_x" in text:  # an OOXML escape (_x000D_): left to calamine
        raise _Unsure
    return _ENTITY.sub(_entity, text)


def _entity(m: re.Match[str]) -> str:
    name = m.group(1)
    if name in _NAMED:
        return _NAMED[name]
    return chr(int(name[2:], 16) if name[1] in "xX" else int(name[1:]))


def _column(letters: bytes) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ch - 64
    return n - 1


def _head(book: zipfile.ZipFile, part: str) -> list[tuple[int, dict[int, tuple[bytes, bytes]]]]:
    """The first two rows holding a value, inflating only as much of ``part`` as they need."""
    out = b""
    with book.open(part) as stream:
        while len(out) < _MAX_HEAD:
            chunk = stream.read(_CHUNK)
            out += chunk
            cut = out.rfind(b"</row>")
            complete = out if not chunk else out[:cut + 6] if cut >= 0 else b""
            if complete:
                rows = _rows(complete)
                if len(rows) >= 2 or not chunk:
                    return rows
            if not chunk:
                return []
    raise _Unsure


def _rows(xml: bytes) -> list[tuple[int, dict[int, tuple[bytes, bytes]]]]:
    """(row number, {column: (type, raw value)}) of the first row holding a value and the one
    after it (empty: no cells)."""
    if b"<x:" in xml or b"<ss:" in xml:  # namespace prefixes: not this reader's job
        raise _Unsure
    start = xml.find(b"<sheetData")
    if start < 0:
        raise _Unsure
    found: list[tuple[int, dict[int, tuple[bytes, bytes]]]] = []
    for m in _ROW.finditer(xml, start):
        number = _attrs(m.group(1)).get(b"r")
        if number is None:
            raise _Unsure
        row = int(number)
        if found and row != found[0][0] + 1:
            return [found[0], (found[0][0] + 1, {})]  # the row after the first is empty
        cells: dict[int, tuple[bytes, bytes]] = {}
        for c in _CELL.finditer(m.group(3) or b""):
            a = _attrs(c.group(1))
            ref = _REF.match(a.get(b"r", b""))
            if ref is None or int(ref.group(2)) != row:
                raise _Unsure
            body = c.group(2) or b""
            kind = a.get(b"t", b"n")
            if kind == b"inlineStr":
                inline = _INLINE.search(body)
                if inline is None:
                    raise _Unsure
                raw = inline.group(1)
            else:
                v = _VALUE.search(body)
                if v is None:
                    if body.strip():  # a formula without its value, or something else
                        raise _Unsure
                    continue  # an empty, formatted cell
                raw = v.group(1)
            cells[_column(ref.group(1))] = (kind, raw)
        if cells or found:
            found.append((row, cells))
        if len(found) == 2:
            return found
    return found


def _strings(book: zipfile.ZipFile, part: str | None, needed: set[int]) -> dict[int, str]:
    """The shared strings at the ``needed`` indices (plain ``<si><t>`` entries only); the
    entries before are counted, not decoded."""
    if not needed:
        return {}
    if part is None:
        raise _Unsure
    out: dict[int, str] = {}
    last = max(needed)
    base = 0  # index of the block's first entry
    buffer = b""
    with book.open(part) as stream:
        while base <= last:
            chunk = stream.read(_CHUNK)
            buffer += chunk
            end = buffer.rfind(b"</si>")
            if end < 0:
                if not chunk:
                    raise _Unsure
                continue
            block, buffer = buffer[:end + 5], buffer[end + 5:]
            count = block.count(b"<si>") + block.count(b"<si ") + block.count(b"<si/>")
            if any(base <= i < base + count for i in needed):
                for offset, m in enumerate(_SI.finditer(block)):
                    if base + offset in needed:
                        if m.group(0) == b"<si":
                            raise _Unsure  # a rich or phonetic entry: not read here
                        out[base + offset] = _text(m.group(1) or b"")
            base += count
            if not chunk:
                break
    if len(out) < len(needed):
        raise _Unsure
    return out


def _value(kind: bytes, raw: bytes, strings: dict[int, str]) -> Cell:
    if kind == b"s":
        return strings[int(raw)]
    if kind in (b"str", b"inlineStr"):
        return _text(raw)
    if kind == b"b":
        return raw == b"1"
    if kind == b"n":
        return float(raw)
    raise _Unsure  # errors (e), dates (d)


def _targets(book: zipfile.ZipFile) -> tuple[dict[str, str], str | None]:
    """Sheet name → its part, and the shared strings' part."""
    workbook = book.read("xl/workbook.xml")
    rels = {a[b"Id"]: a[b"Target"] for a in map(_attrs, _REL.findall(
        book.read("xl/_rels/workbook.xml.rels")))}
    shared = next((t for t in rels.values() if t.endswith(b"sharedStrings.xml")), None)

    def part(target: bytes) -> str:
        name = target.decode("utf-8")
        return name.lstrip("/") if name.startswith("/") else f"xl/{name}"

    sheets = {}
    for raw in _SHEET.findall(workbook):
        a = _attrs(raw)
        rid = next((v for k, v in a.items() if k.endswith(b":id")), None)
        if rid is None or rid not in rels:
            raise _Unsure
        sheets[_text(a[b"name"])] = part(rels[rid])
    return sheets, None if shared is None else part(shared)


def sheet_heads(path: str | Path, only: Collection[str] | None = None,
                ) -> dict[str, tuple[list[Cell], list[Cell]] | None]:
    """Each sheet's first two rows from column A, as calamine reads them: the first row that
    holds a value and the one after it (empty cells None); None for a sheet this reader is not
    sure of. An empty dict when the workbook itself is not read here. ``only``: just these
    sheets (the others are left out of the answer).

    Examples
    --------
    >>> import tempfile, pathlib, junheng
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "c.xlsx"
    >>> _ = junheng.write_sample(path, schools=4, seed=1)
    >>> head, codes = sheet_heads(path)["学段"]
    >>> head[:2], codes[:3]
    (['学校标识码', '学段'], ['school_id', 'stage', 'students'])
    """
    try:
        with zipfile.ZipFile(path) as book:
            sheets, shared = _targets(book)
            raw: dict[str, list[tuple[int, dict[int, tuple[bytes, bytes]]]] | None] = {}
            needed: set[int] = set()
            for name, part in sheets.items():
                if only is not None and name not in only:
                    continue
                try:
                    rows = _head(book, part)
                except (_Unsure, KeyError):
                    raw[name] = None
                    continue
                raw[name] = rows
                needed |= {int(v) for _, cells in rows for k, v in cells.values() if k == b"s"}
            strings = _strings(book, shared, needed)
    except (_Unsure, KeyError, ValueError, zipfile.BadZipFile, OSError, UnicodeDecodeError,
            zlib.error, RuntimeError, NotImplementedError, EOFError):
        # Encrypted or oddly compressed parts, a damaged archive: fastexcel reads it (or
        # refuses it) as text, as before.
        return {}
    out: dict[str, tuple[list[Cell], list[Cell]] | None] = {}
    for name, rows in raw.items():
        try:
            if not rows or len(rows) < 2 or 0 not in rows[0][1]:
                raise _Unsure  # no rows, or the used range does not start in column A
            width = max(max(cells) for _, cells in rows if cells) + 1
            out[name] = tuple([_value(*cells[j], strings) if j in cells else None
                               for j in range(width)] for _, cells in rows)  # type: ignore[assignment]
        except (_Unsure, ValueError, IndexError, KeyError):
            out[name] = None
    return out
