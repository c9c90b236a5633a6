"""English number agreement for sentences built with "(s)": one home, used by the evaluation's
details and by every report.

A detail is built once for any count ("{n} teacher(s) without a certificate"); the reader should
see "1 teacher" and "4 teachers", never "teacher(s)" or "1 teachers".
"""

from __future__ import annotations

import re

# A number, up to three words, and the word carrying "(s)": "4 full-time teacher(s)".
_PLURAL = re.compile(r"(?<![\w.,])(\d[\d,]*(?:\.\d+)?)((?:\s+[A-Za-z][\w\-–/]*){0,3}?)"
                     r"\s+([A-Za-z][\w\-–/]*?)\(s\)")


def mend_plurals(text: str) -> str:
    """Resolve each ``word(s)`` by the number before it.

    >>> mend_plurals("1 teacher(s) short; 4 full-time teacher(s); 1 veto condition(s)")
    '1 teacher short; 4 full-time teachers; 1 veto condition'
    >>> mend_plurals("2 school–stage(s) without a largest class")
    '2 school–stages without a largest class'
    """
    return _PLURAL.sub(lambda m: f"{m[1]}{m[2]} {m[3]}{'' if m[1] == '1' else 's'}", text)
