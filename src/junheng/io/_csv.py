"""Read one CSV file of the contract: the encoding found first, then the structure, then Polars.

The order matters for the message. A file is measured against ``ReadLimits.max_file_bytes``
first, without reading it. Its encoding is settled from the bytes (a byte-order mark for UTF-8,
UTF-16 or UTF-32; NUL bytes for UTF-16 without one; otherwise UTF-8, then GB18030 — what Excel
on Chinese Windows saves — with a warning). Only then are structural problems reported, each
with the file and its line: a row with more or fewer fields than the header, a quote left open,
a quote inside an unquoted field. Lone CR line endings (classic Mac) are read as line breaks,
with a warning. Nothing holds the whole file as Python text: Polars reads the file, and a file
that must be re-encoded is streamed into a temporary UTF-8 copy first.
"""

from __future__ import annotations

import codecs
import csv
import io
import tempfile
from collections.abc import Iterator
from pathlib import Path

import polars as pl

from junheng.errors import Problem
from junheng.io._limits import ReadError, ReadLimits, raise_hint, size

_HEAD = 1 << 16  # bytes sniffed for the encoding, the separator and the line ends
_BLOCK = 1 << 20  # bytes re-encoded at a time
_MAX_PROBLEMS = 200  # structural problems listed before stopping

_BOMS = (  # longest first: the UTF-32 LE mark begins with the UTF-16 LE one
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_LABELS = {"utf-16-le": "UTF-16", "utf-16-be": "UTF-16", "utf-32-le": "UTF-32",
           "utf-32-be": "UTF-32", "gb18030": "GB18030"}


def read_csv(path: Path, limits: ReadLimits) -> tuple[pl.DataFrame, list[Problem]]:
    """Read ``path`` as text columns; return the frame and warnings, or raise ``ReadError``."""
    name = path.name
    file_size = path.stat().st_size
    if file_size > limits.max_file_bytes:
        zh, en = raise_hint()
        raise ReadError([Problem(
            name, None, None, size(file_size),
            f"文件 {size(file_size)}，超过读取上限 {size(limits.max_file_bytes)}（读入内存约需文件大小的 7 倍）；{zh}",
            f"the file is {size(file_size)}, more than the read limit of "
            f"{size(limits.max_file_bytes)} (reading takes about 7 times the file size in "
            f"memory); {en}")])
    if file_size == 0:
        raise ReadError([Problem(name, None, None, None, "文件是空的，连表头行也没有",
                                 "the file is empty: not even a header line")])
    with path.open("rb") as fh:
        head = fh.read(_HEAD)
    encoding, bom = _sniff(head)
    warnings: list[Problem] = []
    lone_cr = _lone_cr(head, encoding)
    with tempfile.TemporaryDirectory(prefix="junheng-csv-") as scratch:
        source = path
        if encoding not in (None, "utf-8") or lone_cr:
            source = _transcode(path, Path(scratch) / "utf8.csv", encoding or "utf-8", bom,
                                lone_cr)
            if encoding not in (None, "utf-8"):
                label = _LABELS[encoding]
                found = "字节顺序标记" if bom else "NUL 字节"
                warnings.append(Problem(name, None, None, label,
                                        f"文件为 {label} 编码（据{found}判断），已按 {label} 读取",
                                        f"the file is {label} (from its "
                                        f"{'byte-order mark' if bom else 'NUL bytes'}); read as "
                                        f"{label}"))
        if lone_cr:
            warnings.append(Problem(name, None, None, "CR",
                                    "文件用单独的 CR 换行（旧版 Mac 格式），已按换行读取",
                                    "the file ends its lines with a lone CR (old Mac style); "
                                    "read as line breaks"))
        separator = _separator(source)
        try:
            frame = pl.read_csv(source, infer_schema=False, encoding="utf8", separator=separator)
        except pl.exceptions.PolarsError as exc:
            if encoding is not None:  # the encoding is known: the structure is wrong
                raise _structure_error(source, name, separator, exc) from exc
            bad_line = _first_invalid_line(source, "utf-8")
            if bad_line is None:
                raise _structure_error(source, name, separator, exc) from exc
            # Not UTF-8: Excel on Chinese Windows saves GB18030 ("ANSI"). Read it, but say so.
            source = _transcode(path, Path(scratch) / "gb18030.csv", "gb18030", 0, lone_cr,
                                first_bad=bad_line)
            warnings.append(Problem(name, None, None, "GB18030",
                                    "文件不是 UTF-8 编码，已按 GB18030 读取（建议另存为 UTF-8）",
                                    "the file is not UTF-8; read as GB18030 (saving it as "
                                    "UTF-8 is safer)"))
            separator = _separator(source)
            try:
                frame = pl.read_csv(source, infer_schema=False, encoding="utf8",
                                    separator=separator)
            except pl.exceptions.PolarsError as again:
                raise _structure_error(source, name, separator, again) from again
        # Polars fills a short row with nulls silently: count each line's fields.
        problems = _nul_bytes(source, name) or _short_rows(source, name, separator, frame.width)
        if problems:
            raise ReadError(problems)
    return frame, warnings


def _sniff(head: bytes) -> tuple[str | None, int]:
    """(encoding, length of its byte-order mark); None when only reading will tell."""
    for mark, encoding in _BOMS:
        if head.startswith(mark):
            return encoding, len(mark)
    sample = head[:4096]
    if sample.count(0) * 4 >= len(sample) > 0:  # ASCII in UTF-16: every other byte is NUL
        odd = sample[1::2].count(0)
        even = sample[0::2].count(0)
        return ("utf-16-le" if odd >= even else "utf-16-be"), 0
    return None, 0


def _lone_cr(head: bytes, encoding: str | None) -> bool:
    """A line ended by CR alone (no LF) in the first 64 KiB: Polars would read one long line."""
    if encoding in ("utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be"):
        text = head.decode(encoding, "ignore")
        return "\r" in text.replace("\r\n", "")
    return b"\r" in head.replace(b"\r\n", b"")


def _transcode(path: Path, target: Path, encoding: str, bom: int, lone_cr: bool,
               first_bad: int | None = None) -> Path:
    """Stream ``path`` into ``target`` as UTF-8 (lone CRs as LF), a block at a time."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    held_cr = False  # a CR at the end of a block may be the first half of CRLF
    with path.open("rb") as src, target.open("w", encoding="utf-8", newline="") as out:
        src.read(bom)
        while True:
            block = src.read(_BLOCK)
            try:
                text = decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                at = line + decoder_lines(block, exc.start, encoding)
                zh_label = _LABELS.get(encoding, encoding)
                raise ReadError([Problem(
                    path.name, at, None, block[exc.start:exc.start + 4].hex(" "),
                    f"第 {at} 行起的字节既不是有效的 UTF-8，也不是有效的 {zh_label} 文本"
                    + (f"（UTF-8 在第 {first_bad} 行已无效）" if first_bad else "")
                    + "；请另存为 UTF-8 编码的 CSV",
                    f"from line {at} the bytes are neither valid UTF-8 nor valid {zh_label} text"
                    + (f" (UTF-8 fails at line {first_bad})" if first_bad else "")
                    + "; save the file as UTF-8 CSV")]) from exc
            if held_cr:
                text = "\r" + text
                held_cr = False
            if lone_cr:
                if text.endswith("\r") and block:
                    text, held_cr = text[:-1], True
                text = text.replace("\r\n", "\n").replace("\r", "\n")
            line += text.count("\n")
            out.write(text)
            if not block:
                break
        if held_cr:
            out.write("\n")
    return target


def decoder_lines(block: bytes, end: int, encoding: str) -> int:
    """Line breaks in ``block[:end]`` (the line of a decoding error, near enough for UTF-16)."""
    newline = "\n".encode(encoding) if encoding.startswith("utf-") else b"\n"
    return block[:end].count(newline)


def _first_invalid_line(path: Path, encoding: str) -> int | None:
    """The line where ``path`` stops being valid ``encoding`` text, or None if it never does."""
    decoder = codecs.getincrementaldecoder(encoding)("strict")
    line = 1
    with path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as exc:
                return line + block[:exc.start].count(b"\n")
            line += block.count(b"\n")
            if not block:
                return None


def _separator(source: Path) -> str:
    """',' — or a tab when the header has tabs and no commas (Excel's "Unicode text" export)."""
    with source.open("rb") as fh:
        header = fh.readline(_HEAD)
    return "\t" if b"\t" in header and b"," not in header else ","


def _lines(source: Path, separator: str) -> pl.LazyFrame:
    """Each physical line with its number (the header is line 1), its separators outside quotes,
    and whether its quotes are balanced — all in Polars, without a Python loop per line."""
    line = pl.col("line").str.strip_chars_end("\r")
    unquoted = line.str.replace_all(r'"[^"]*"', "")
    return (pl.scan_csv(source, has_header=False, separator="\x00", quote_char=None,
                        infer_schema=False, new_columns=["line"], truncate_ragged_lines=True)
            .with_row_index("number", offset=1)
            .select("number",
                    line.str.len_bytes().alias("length"),
                    (unquoted.str.count_matches(separator, literal=True) + 1).alias("fields"),
                    (line.str.count_matches('"', literal=True) % 2 == 1).alias("open_quote"),
                    line.str.contains(f'(?:^|{separator})[^"{separator}]+"').alias("stray_quote")))


def _nul_bytes(source: Path, name: str) -> list[Problem]:
    """A NUL byte has no place in text (and would cut the line count short): name its line."""
    line = 1
    with source.open("rb") as fh:
        while block := fh.read(_BLOCK):
            at = block.find(b"\x00")
            if at >= 0:
                line += block.count(b"\n", 0, at)
                return [Problem(name, line, None, "NUL",
                                f"第 {line} 行含 NUL 字节（\\x00），不是纯文本；请检查文件来源，另存为 UTF-8 CSV",
                                f"line {line} holds a NUL byte (\\x00): this is not plain text; check "
                                "where the file came from and save it as UTF-8 CSV")]
            line += block.count(b"\n")
    return []


def _short_rows(source: Path, name: str, separator: str, width: int) -> list[Problem]:
    """Lines with fewer fields than the header (Polars pads them with nulls, silently)."""
    suspects = (_lines(source, separator)
                .filter((pl.col("number") > 1) & (pl.col("length") > 0)
                        & ((pl.col("fields") < width) | pl.col("open_quote")))
                .head(_MAX_PROBLEMS).collect(engine="streaming"))
    if suspects["open_quote"].any():
        return _walk(source, name, separator, width)  # quoted line breaks: follow the quotes
    return [_count_problem(name, number, fields, width)
            for number, fields in suspects.select("number", "fields").iter_rows()]


def _count_problem(name: str, line: int, fields: int, width: int) -> Problem:
    more = fields > width
    return Problem(
        name, line, None, f"{fields} 个字段 fields",
        f"第 {line} 行有 {fields} 个字段，表头有 {width} 个（{'多了' if more else '少了'} "
        f"{abs(fields - width)} 个，可能是值里有未加引号的逗号，或漏填）",
        f"line {line} has {fields} fields where the header has {width} "
        f"({abs(fields - width)} {'too many' if more else 'too few'}: an unquoted comma in a "
        "value, or a missing value)")


def _structure_error(source: Path, name: str, separator: str,
                     exc: BaseException) -> ReadError:
    """What is wrong with a file Polars refused, line by line; Polars' own words if nothing."""
    with source.open("rb") as fh:
        header = fh.readline(_HEAD).decode("utf-8", "replace")
    width = len(next(csv.reader([header], delimiter=separator), [])) or 1
    nul = _nul_bytes(source, name)
    if nul:
        return ReadError(nul)
    lines = _lines(source, separator).filter((pl.col("number") > 1) & (pl.col("length") > 0))
    stray = lines.filter(pl.col("stray_quote")).select("number").head(_MAX_PROBLEMS).collect()
    if stray.height:  # a quote inside a value also unbalances the quotes: name it first
        problems = [_stray_quote(name, number) for (number,) in stray.iter_rows()]
    elif lines.filter(pl.col("open_quote")).head(1).collect().height:
        problems = _walk(source, name, separator, width)
    else:
        bad = (lines.filter(pl.col("fields") != width).select("number", "fields")
               .head(_MAX_PROBLEMS).collect())
        problems = [_count_problem(name, number, fields, width)
                    for number, fields in bad.iter_rows()]
    if not problems:
        problems = [Problem(name, None, None, None, f"无法读取 CSV 文件：{exc}",
                            f"cannot read the CSV file: {exc}")]
    return ReadError(problems)


def _stray_quote(name: str, line: int) -> Problem:
    return Problem(name, line, None, '"',
                   f"第 {line} 行有一个引号出现在未加引号的值中间（值里的引号要写成两个，并给整个值加引号）",
                   f"line {line} has a quote inside an unquoted value (write a quote inside a "
                   "value as two, and quote the whole value)")


def _walk(source: Path, name: str, separator: str, width: int) -> list[Problem]:
    """Follow the quotes with Python's csv module, for files whose values hold line breaks."""
    problems: list[Problem] = []
    with source.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline="")
        reader = csv.reader(text, delimiter=separator, strict=True)
        rows: Iterator[list[str]] = iter(reader)
        while len(problems) < _MAX_PROBLEMS:
            start = reader.line_num + 1
            try:
                row = next(rows)
            except StopIteration:
                break
            except csv.Error as exc:
                problems.append(Problem(
                    name, start, None, '"',
                    f"第 {start} 行起引号不成对（{exc}）：值里的引号要写成两个，并给整个值加引号",
                    f"from line {start} the quotes do not pair ({exc}): write a quote inside a "
                    "value as two, and quote the whole value"))
                break
            if start > 1 and row and len(row) != width:
                problems.append(_count_problem(name, start, len(row), width))
    return problems
