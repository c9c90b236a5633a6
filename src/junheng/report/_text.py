"""User-facing words, Chinese first and English second, and the gap phrases."""

from __future__ import annotations

import math

from junheng.report.catalogue import TEXT, Lang, plural, t
from junheng.standards import Indicator

__all__ = ["TEXT", "Lang", "amount", "check_value", "gap_phrase", "plural", "t", "yes_no"]


UNIT_WORDS = {"teachers": ("名", "teachers"), "rooms": ("间", "rooms"), "m2": ("m²", "m²"),
              "yuan": ("元", "yuan"), "computers": ("台", "computers"), "books": ("册", "books")}


def check_value(value: float | None, percent: bool, op: str | None, lang: Lang) -> str:
    """A check's value or threshold for display: 是/否 for yes/no items, 97.3% for shares."""
    if value is None:
        return "?"
    if not math.isfinite(value):
        return "—"
    if op == "=":
        return t("yes", lang) if value == 1.0 else t("no", lang)
    if percent:  # 97.3%, 100%
        return f"{value * 100:.1f}".removesuffix(".0") + "%"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"


def amount(value: float, unit: str) -> str:
    """Shortfalls for display: whole teachers/rooms; area and money rounded up."""
    if not math.isfinite(value):
        return "—"
    whole = math.ceil(value - 1e-9)
    return f"{whole:,}" if unit == "yuan" else str(whole)


def gap_phrase(indicator: Indicator, shortfall: float, lang: Lang,
               floor_met: bool | None = True) -> str:
    """'缺骨干教师 2 名' / 'short of 2 backbone teachers', with '（低于85%）' / ' (below 85 %)'
    when the value is under the floor (``floor_met`` False)."""
    zh_unit, en_unit = UNIT_WORDS[indicator.unit]
    value = amount(shortfall, indicator.unit)
    nb = "\u00a0"  # keeps a number with its unit in HTML (the terminal does not wrap gaps)
    if lang == "zh":
        phrase = f"缺{indicator.short}{nb}{value}{nb}{zh_unit}"
    elif indicator.unit in ("teachers", "rooms"):
        phrase = f"short of {value}{nb}{indicator.short_en}"
    else:
        phrase = f"short of {value}{nb}{en_unit} of {indicator.short_en}"
    if floor_met is False:
        below = t("below_floor", lang)
        phrase += f"（{below}）" if lang == "zh" else f" ({below})"
    return phrase


def yes_no(value: bool | None, lang: Lang, unknown: str | None = None) -> str | None:
    """是 / 否 (yes / no); ``unknown`` for a null."""
    return unknown if value is None else t("yes" if value else "no", lang)
