"""Text from the input, made safe for each place it is shown: the terminal, Word, Excel, HTML,
a file name.

A name in a county's workbook can hold anything: a NUL, an escape sequence that retitles the
terminal or clears it, a right-to-left override that reverses a file name, rich markup. None of
it is meaningful in a school's name, so each writer removes it (and escapes what remains for its
own format) instead of crashing or passing it on.
"""

from __future__ import annotations

import hashlib
import math
import re

from junheng.io._limits import EXCEL_MAX_STRING_CHARS  # Excel cuts the rest silently

# C0 controls except tab and newline, DEL, C1 controls; bidi embeddings, overrides, isolates
# and marks; the two non-characters XML refuses; lone surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                      "\u2066-\u2069\ufffe\uffff\ud800-\udfff]")
_LINE_BREAKS = re.compile("[\r\n\t\u2028\u2029]+")

TRUNCATED = ("…（已截断）", "… (truncated)")


def plain(text: object) -> str:
    """``text`` without control, bidi-override or XML-invalid characters (tabs and newlines
    kept).

    >>> plain("示例县\\x1b]0;pwned\\x07\\u202e")
    '示例县]0;pwned'
    """
    return _CONTROL.sub("", str(text))


def one_line(text: object) -> str:
    """``plain`` on one line: line breaks and tabs become a space (titles, file names)."""
    return _LINE_BREAKS.sub(" ", plain(text))


def cell_text(text: str, lang: str = "zh") -> str:
    """A text that fits one Excel cell: cut at Excel's limit, and saying so in the cell."""
    text = plain(text)
    if len(text) <= EXCEL_MAX_STRING_CHARS:
        return text
    mark = TRUNCATED[0 if lang == "zh" else 1]
    return text[:EXCEL_MAX_STRING_CHARS - len(mark)] + mark


def finite(value: float | None) -> float | None:
    """``value``, or None when it is not a finite number (inf, NaN): shown as undefined."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


_RESERVED = re.compile(r'[\\/:*?"<>|]')
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}


def file_part(text: str, max_bytes: int = 120) -> str:
    """``text`` as part of a file name on Windows, macOS and Linux.

    Separators and reserved characters become ``_``; controls and bidi overrides go; a name
    longer than ``max_bytes`` (UTF-8; a file name may have 255) is cut at a character and given
    a short hash of the whole, so two long names that begin alike stay apart.

    >>> file_part("A/B:C")
    'A_B_C'
    >>> len(file_part("县" * 300).encode()) <= 120
    True
    """
    name = _RESERVED.sub("_", one_line(text)).strip(" .")
    if not name:
        return "_"
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = "_" + name
    if len(name.encode("utf-8")) <= max_bytes:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:8]
    cut = name.encode("utf-8")[:max_bytes - len(digest) - 1].decode("utf-8", "ignore")
    return f"{cut.rstrip(' .')}~{digest}"
