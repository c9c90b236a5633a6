"""User-facing words, Chinese first and English second, and the gap phrases."""

from __future__ import annotations

import math
from typing import Any

from junheng.model.schema import COUNTY_BOUNDS
from junheng.report._format import fixed, number
from junheng.report.catalogue import TEXT, Lang, plural, t
from junheng.standards import Indicator

__all__ = ["TEXT", "Lang", "check_value", "gap_phrase", "plural", "t", "yes_no"]



UNIT_WORDS = {"teachers": ("名", "teachers"), "rooms": ("间", "rooms"), "m2": ("m²", "m²"),
              "yuan": ("元", "yuan"), "computers": ("台", "computers"), "books": ("册", "books")}


def school_year(evaluation: Any, lang: Lang) -> str:
    """"2028–2029", and for a projected year what it was projected from."""
    text = f"{evaluation.year}–{evaluation.year + 1}"
    base = getattr(evaluation, "projected_from", None)
    return text if base is None else text + t("projected_from", lang, base=base, next=base + 1)


def check_value(value: float | None, percent: bool, op: str | None, lang: Lang,
                against: float | None = None, key: str | None = None) -> str:
    """A check's value or threshold for display: 是/否 for yes/no items, 97.3% for shares,
    未填 for a figure not given.

    ``against`` is the threshold when ``value`` is shown beside it: a value that differs is
    given the decimals it needs not to read as the threshold (99.95 % of a 100 % rule is
    "99.95%", never "100%").

    >>> check_value(0.9995, True, "≥", "zh"), check_value(0.9995, True, "≥", "zh", against=1.0)
    ('100%', '99.95%')

    ``key`` is the check's key: a county figure in 元 is written with its unit.

    >>> check_value(5800.0, False, "≥", "en"), check_value(None, False, "≥", "zh")
    ('5,800', '未填')
    >>> check_value(5800.0, False, "≥", "zh", key="special_education_funds_per_pupil")
    '5,800 元'
    """
    if value is None:
        return t("not_given", lang)
    if not math.isfinite(value):
        return "—"
    if op == "=":
        return t("yes", lang) if value == 1.0 else t("no", lang)

    def shown(v: float, extra: int) -> str:
        if percent:  # 97.3%, 100%
            return f"{fixed(v * 100, 1 + extra).rstrip('0').removesuffix('.')}%" if extra \
                else number(v, "rate")
        if abs(v) >= 100:
            return fixed(v, extra)
        return fixed(v, 3 + extra)

    text = shown(value, 0)
    if against is not None and math.isfinite(against) and value != against:
        extra = 0
        while text == shown(against, 0) and extra < 6:
            extra += 1
            text = shown(value, extra)
    if key in COUNTY_BOUNDS and not percent:
        text += " 元" if lang == "zh" else " yuan"
    return text


def gap_phrase(indicator: Indicator, shortfall: float, lang: Lang,
               floor_met: bool | None = True) -> str:
    """'缺骨干教师 2 名' / 'short of 2 backbone teachers', with '（低于85%）' / ' (below 85 %)'
    when the value is under the floor (``floor_met`` False). The amount is rounded up to a
    whole teacher, room, m² or 元 and written by :func:`junheng.report._format.number`.

    >>> from junheng.standards import load_standard
    >>> std = load_standard("quality-2017")
    >>> gap_phrase(std.indicator("pe_art_teachers_per100"), 1, "en")
    'short of 1\xa0PE/art teacher'
    >>> gap_phrase(std.indicator("sports_area_per_student"), 3866.2, "zh", False)
    '缺体育运动场馆\xa03,867\xa0m²（低于85%）'
    """
    from junheng.report._format import number, unit_kind, whole_up
    from junheng.report.views.rectification import singular_en

    amount = whole_up(shortfall)
    kind = unit_kind(indicator.unit)
    nb = "\u00a0"  # keeps a number with its unit in HTML and Word
    counted = kind in ("teachers", "rooms")
    figure = number(amount, kind, lang, unit=lang == "zh" or not counted).replace(" ", nb)
    if lang == "zh":
        phrase = f"缺{indicator.short}{nb}{figure}"
    elif counted:
        noun = singular_en(indicator.short_en) if amount == 1 else indicator.short_en
        phrase = f"short of {figure}{nb}{noun}"
    else:
        phrase = f"short of {figure} of {indicator.short_en}"
    if floor_met is False:
        below = t("below_floor", lang)
        phrase += f"（{below}）" if lang == "zh" else f" ({below})"
    return phrase


def yes_no(value: bool | None, lang: Lang, unknown: str | None = None) -> str | None:
    """是 / 否 (yes / no); ``unknown`` for a null."""
    return unknown if value is None else t("yes" if value else "no", lang)
