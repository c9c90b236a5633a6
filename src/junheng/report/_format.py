"""Every number a report shows, formatted in one place, the way a Chinese government report
writes it.

One rule per kind of figure (``Kind``), the same in the terminal, the workbook's text, the HTML
and the Word draft:

========================  ==========================  =================================
kind                      Chinese                     English
========================  ==========================  =================================
``teachers``              ``3 名``                     ``3 teachers`` / ``1 teacher``
``pupils``                ``1,240 人``                 ``1,240 pupils``
``rooms``                 ``2 间``                     ``2 rooms``
``classes``               ``3 个``                     ``3 classes``
``schools``               ``12 所``                    ``12 schools``
``count``                 ``1,240``                   ``1,240``
``area``                  ``82 m²``, ``82.5 m²``        the same (at most one decimal)
``money``                 ``9,600 元``, ``15.48 万元``   ``9,600 yuan``, ``154,800 yuan``
``money_per_pupil``       ``2,739 元``                 ``2,739 yuan`` (no decimals)
``rate``                  ``97.3%``, ``100%``          the same (a share, one decimal at most)
``cv``                    ``0.425``                   ``0.425``
``limit``                 ``0.50``                    ``0.50`` (a CV limit)
``value``                 ``6.14``, ``2,739``          an indicator's value
========================  ==========================  =================================

Thousands separators everywhere (``1,240``, never ``1240``); counts of people, rooms and
classes are whole numbers (``2 名``, never ``2.00 名``); money of 10 000 元 or more is written in
万元 with two decimals in Chinese, as a bureau budgets it. A figure that does not exist (None,
NaN) is ``—``. Rounding is for display only: every comparison is made on the exact value
before this module sees it.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from junheng.report.catalogue import Lang

Kind = Literal["teachers", "pupils", "rooms", "classes", "schools", "count", "area", "money",
               "money_per_pupil", "rate", "cv", "limit", "value"]

# Unit words of the counted kinds: Chinese measure word, English singular and plural.
COUNTED: dict[str, tuple[str, str, str]] = {
    "teachers": ("名", "teacher", "teachers"),
    "pupils": ("人", "pupil", "pupils"),
    "rooms": ("间", "room", "rooms"),
    "classes": ("个", "class", "classes"),
    "schools": ("所", "school", "schools"),
}
WAN = 10_000  # 1 万元
MISSING = "—"


def _round(value: float, digits: int, shift: int = 0) -> Decimal:
    # Half up, as people round by hand (Python's round() would print 0.125 as 0.12).
    # ``shift`` moves the decimal point first, exactly: a share 0.0745 is 7.45 % (a float
    # product 0.0745 * 100 is 7.4499…, which would show 7.4 %).
    return Decimal(repr(value)).scaleb(shift).quantize(Decimal(1).scaleb(-digits),
                                                       rounding=ROUND_HALF_UP)


def fixed(value: float, digits: int) -> str:
    """``value`` with ``digits`` decimals and thousands separators, rounded half up.

    >>> fixed(1234.5, 0), fixed(0.125, 2), fixed(-0.0, 1)
    ('1,235', '0.13', '0.0')
    """
    return _fixed(value, digits)


def _fixed(value: float, digits: int, shift: int = 0) -> str:
    text = f"{_round(value, digits, shift):,.{digits}f}"
    return text[1:] if text.startswith("-") and not any(c in "123456789" for c in text) else text


def number(value: float | None, kind: Kind, lang: Lang = "zh", unit: bool = True) -> str:
    """``value`` as a report writes it; ``unit=False`` leaves the unit word out (a table column
    whose heading carries the unit).

    >>> number(3, "teachers"), number(1, "teachers", "en"), number(154_800, "money")
    ('3 名', '1 teacher', '15.48 万元')
    >>> number(9_600, "money"), number(82.46, "area"), number(0.9726, "rate")
    ('9,600 元', '82.5 m²', '97.3%')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return MISSING
    if kind in COUNTED or kind == "count":
        whole = fixed(value, 0)
        if not unit or kind == "count":
            return whole
        zh, one, many = COUNTED[kind]
        if lang == "zh":
            return f"{whole} {zh}"
        return f"{whole} {one if _round(value, 0) == 1 else many}"
    if kind == "area":
        text = fixed(value, 1).removesuffix(".0")
        return f"{text} m²" if unit else text
    if kind == "money":
        # 万元 from 10 000 元 as written: 9 999.99 元 shows as 1.00 万元, not 10,000 元.
        if lang == "zh" and abs(_round(value, 0)) >= WAN:
            text, word = fixed(value / WAN, 2), "万元"
        else:
            text, word = fixed(value, 0), "元" if lang == "zh" else "yuan"
        return f"{text} {word}" if unit else text
    if kind == "money_per_pupil":
        text = fixed(value, 0)
        return (f"{text} 元" if lang == "zh" else f"{text} yuan") if unit else text
    if kind == "rate":  # 97.3%, 100% (a whole percentage keeps no ".0")
        return f"{_fixed(value, 1, shift=2).removesuffix('.0')}%"
    if kind == "cv":
        return fixed(value, 3)
    if kind == "limit":
        return fixed(value, 2)
    if kind == "value":
        return fixed(value, 0) if abs(value) >= 100 else fixed(value, 2)
    raise ValueError(f"unknown kind of figure: {kind}")


def whole_up(value: float | None) -> float:
    """A shortfall rounded up to the next whole teacher, room, m² or 元 (0 for none).

    The evaluation's shortfalls are exact; a float a hair over a whole number (82.0000000001
    from 4.5 m² × pupils − area) is that whole number, not the next one.

    >>> whole_up(2.3), whole_up(82.0000000001), whole_up(None)
    (3, 82, 0)
    """
    if value is None or not math.isfinite(value) or value <= 0:
        return 0
    return math.ceil(value - 1e-9 * max(1.0, abs(value)))


def money_in_wan(value: float | None) -> str:
    """Money in 万元 with two decimals, whatever its size (a column headed 万元).

    >>> money_in_wan(154_800), money_in_wan(9_600)
    ('15.48', '0.96')
    """
    return MISSING if value is None or not math.isfinite(value) else fixed(value / WAN, 2)


def unit_kind(unit: str) -> Kind:
    """The kind of a shortfall in an indicator's unit (the profile's ``unit`` key).

    >>> unit_kind("teachers"), unit_kind("m2"), unit_kind("yuan")
    ('teachers', 'area', 'money')
    """
    return {"teachers": "teachers", "rooms": "rooms", "m2": "area", "yuan": "money"}.get(
        unit, "count")  # type: ignore[return-value]


# Excel number formats by kind, so the workbook's cells stay numbers and read like the text.
EXCEL_FORMATS: dict[str, str] = {
    "teachers": "#,##0", "pupils": "#,##0", "rooms": "#,##0", "classes": "#,##0",
    "schools": "#,##0", "count": "#,##0", "area": "#,##0.0", "money": "#,##0",
    "money_wan": "#,##0.00", "money_per_pupil": "#,##0", "rate": "0.0%", "cv": "0.000",
    "limit": "0.00", "value": "#,##0.00",
}
