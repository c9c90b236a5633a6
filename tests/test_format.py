"""The number formats of every report (``report/_format.py``), table-driven.

Each expected text is written by hand from the module's docstring: thousands separators
everywhere; counts of people, rooms and classes as whole numbers; money of 10 000 元 or more in
万元 with two decimals (Chinese); per-pupil money without decimals; m² with at most one decimal;
rates as percentages with at most one decimal; half-up rounding of the number as written (as by
hand: 2.675 → 2.68, 7.45 % → 7.5 %); None and NaN as "—"; English plurals.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from junheng.report._format import fixed, money_in_wan, number, unit_kind, whole_up

NAN, INF = float("nan"), float("inf")

NUMBER = [
    # value, kind, lang, expected
    # -- counts: whole numbers, measure words, plurals
    (3, "teachers", "zh", "3 名"),
    (3.0, "teachers", "zh", "3 名"),  # never 3.00 名
    (2.0, "rooms", "zh", "2 间"),
    (3, "classes", "zh", "3 个"),
    (2.5, "classes", "zh", "3 个"),  # half up
    (2.5, "classes", "en", "3 classes"),
    (1240, "pupils", "zh", "1,240 人"),
    (1240, "pupils", "en", "1,240 pupils"),
    (12, "schools", "zh", "12 所"),
    (1, "teachers", "en", "1 teacher"),
    (1.0, "teachers", "en", "1 teacher"),
    (0, "teachers", "en", "0 teachers"),
    (2, "teachers", "en", "2 teachers"),
    (0.4, "teachers", "en", "0 teachers"),
    (0.5, "teachers", "en", "1 teacher"),  # shown as 1: singular
    (1.5, "teachers", "en", "2 teachers"),
    (1, "pupils", "en", "1 pupil"),
    (1, "rooms", "en", "1 room"),
    (1, "classes", "en", "1 class"),
    (1, "schools", "en", "1 school"),
    (21, "schools", "en", "21 schools"),
    (12_345, "teachers", "en", "12,345 teachers"),
    (-0.0, "teachers", "zh", "0 名"),
    (-0.0, "teachers", "en", "0 teachers"),
    (1_234_567, "count", "zh", "1,234,567"),
    (1_234_567, "count", "en", "1,234,567"),
    (1_240.5, "count", "zh", "1,241"),
    # -- area: at most one decimal
    (82, "area", "zh", "82 m²"),
    (82.0, "area", "en", "82 m²"),
    (82.46, "area", "zh", "82.5 m²"),
    (82.45, "area", "zh", "82.5 m²"),  # half up
    (82.44, "area", "zh", "82.4 m²"),
    (9.96, "area", "zh", "10 m²"),
    (1_234.56, "area", "zh", "1,234.6 m²"),
    (12_345, "area", "en", "12,345 m²"),
    (0.04, "area", "zh", "0 m²"),
    (-0.0, "area", "zh", "0 m²"),
    (-0.04, "area", "zh", "0 m²"),
    # -- money: 万元 from 10 000 元 in Chinese, whole yuan otherwise
    (9_600, "money", "zh", "9,600 元"),
    (9_999.4, "money", "zh", "9,999 元"),
    (9_999.5, "money", "zh", "1.00 万元"),  # rounds to 10 000 元: written in 万元
    (9_999.99, "money", "zh", "1.00 万元"),
    (10_000, "money", "zh", "1.00 万元"),
    (10_049.99, "money", "zh", "1.00 万元"),
    (10_050, "money", "zh", "1.01 万元"),  # 1.005 万 half up
    (15_485, "money", "zh", "1.55 万元"),
    (154_800, "money", "zh", "15.48 万元"),
    (12_345_678, "money", "zh", "1,234.57 万元"),
    (-20_000, "money", "zh", "-2.00 万元"),
    (0.5, "money", "zh", "1 元"),
    (-0.0, "money", "zh", "0 元"),
    (154_800, "money", "en", "154,800 yuan"),
    (9_999.99, "money", "en", "10,000 yuan"),
    (1, "money", "en", "1 yuan"),
    # -- money per pupil: whole yuan, never 万
    (2_739.4, "money_per_pupil", "zh", "2,739 元"),
    (2_738.5, "money_per_pupil", "zh", "2,739 元"),
    (12_345.6, "money_per_pupil", "zh", "12,346 元"),
    (2_739, "money_per_pupil", "en", "2,739 yuan"),
    # -- rates: percentages, one decimal at most
    (0.9726, "rate", "zh", "97.3%"),
    (1.0, "rate", "zh", "100%"),
    (1, "rate", "en", "100%"),
    (0.5, "rate", "zh", "50%"),
    (0.07, "rate", "zh", "7%"),
    (0.145, "rate", "zh", "14.5%"),
    (0.0745, "rate", "zh", "7.5%"),  # 7.45 % half up (0.0745 × 100 is 7.4499… in floats)
    (0.0045, "rate", "zh", "0.5%"),
    (0.0295, "rate", "en", "3%"),
    (0.9995, "rate", "zh", "100%"),  # 99.95 % half up
    (0.99949, "rate", "zh", "99.9%"),
    (0.0005, "rate", "zh", "0.1%"),
    (0.00049, "rate", "zh", "0%"),
    (-0.0, "rate", "zh", "0%"),
    (12.5, "rate", "zh", "1,250%"),
    # -- CVs and their limits
    (0.425, "cv", "zh", "0.425"),
    (0.5152575, "cv", "zh", "0.515"),
    (0.1235, "cv", "zh", "0.124"),
    (0.0005, "cv", "en", "0.001"),
    (1.0, "cv", "zh", "1.000"),
    (0.5, "limit", "zh", "0.50"),
    (0.45, "limit", "en", "0.45"),
    (0.455, "limit", "zh", "0.46"),
    # -- an indicator's value: two decimals below 100, whole above
    (6.14, "value", "zh", "6.14"),
    (4.2, "value", "zh", "4.20"),
    (1.005, "value", "zh", "1.01"),
    (2.675, "value", "zh", "2.68"),
    (0.125, "value", "zh", "0.13"),
    (0.005, "value", "zh", "0.01"),
    (99.99, "value", "zh", "99.99"),
    (100, "value", "zh", "100"),
    (2_739, "value", "zh", "2,739"),
    (2_739.5, "value", "en", "2,740"),
]


@pytest.mark.parametrize(("value", "kind", "lang", "expected"), NUMBER)
def test_number(value, kind, lang, expected):
    assert number(value, kind, lang) == expected


KINDS = ["teachers", "pupils", "rooms", "classes", "schools", "count", "area", "money",
         "money_per_pupil", "rate", "cv", "limit", "value"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("value", [None, NAN, INF, -INF])
def test_a_missing_figure_is_a_dash(value, kind):
    assert number(value, kind, "zh") == number(value, kind, "en") == "—"


@pytest.mark.parametrize(("value", "kind", "lang", "expected"), [
    (3, "teachers", "zh", "3"),
    (1, "teachers", "en", "1"),
    (82.46, "area", "zh", "82.5"),
    (9_600, "money", "zh", "9,600"),
    (2_739.4, "money_per_pupil", "en", "2,739"),
    (1_240, "pupils", "zh", "1,240"),
])
def test_number_without_its_unit(value, kind, lang, expected):
    assert number(value, kind, lang, unit=False) == expected


def test_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown kind"):
        number(1.0, "books", "zh")  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "digits", "expected"), [
    (1_234.5, 0, "1,235"),
    (-1_234.5, 0, "-1,235"),  # half away from zero
    (0.125, 2, "0.13"),
    (1.005, 2, "1.01"),
    (2.675, 2, "2.68"),
    (0.005, 2, "0.01"),
    (1e6, 2, "1,000,000.00"),
    (0, 3, "0.000"),
    (-0.0, 1, "0.0"),
    (-0.04, 1, "0.0"),  # no "-0.0"
    (-0.05, 1, "-0.1"),
    (123_456_789.125, 2, "123,456,789.13"),
])
def test_fixed(value, digits, expected):
    assert fixed(value, digits) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (154_800, "15.48"), (9_600, "0.96"), (0, "0.00"), (-0.0, "0.00"), (49, "0.00"),
    (50, "0.01"), (10_050, "1.01"), (12_345_678, "1,234.57"),
    (None, "—"), (NAN, "—"), (INF, "—"),
])
def test_money_in_wan(value, expected):
    assert money_in_wan(value) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (2.3, 3), (3.0, 3), (0.2, 1), (0.5, 1),
    (82.0000000001, 82),  # a float a hair over a whole number is that number
    (4.2 * 3 - 0.6, 12),  # 12.000000000000002
    (0.9 * 3 - 1.7, 1),  # 1.0000000000000002
    (82.000001, 83),  # a real excess is not noise
    (5.8 * 250 - 1449.9, 1),  # 0.0999…: a tenth of a m² still needs one
    (0.1 * 3 - 0.3, 0),  # 5.5e-17: nothing
    (0, 0), (-1.5, 0), (None, 0), (NAN, 0),
])
def test_whole_up(value, expected):
    got = whole_up(value)
    assert got == expected
    assert isinstance(got, int)


@pytest.mark.parametrize(("unit", "kind"), [
    ("teachers", "teachers"), ("rooms", "rooms"), ("m2", "area"), ("yuan", "money"),
    ("books", "count"), ("computers", "count")])
def test_unit_kind(unit, kind):
    assert unit_kind(unit) == kind


# --- properties over many values ----------------------------------------------------------------

GROUPED = re.compile(r"^-?\d{1,3}(,\d{3})*(\.\d+)?$")


def _figure(text: str) -> str:
    """The number in a formatted text (before its unit word or %)."""
    return text.split(" ")[0].removesuffix("%")


@settings(max_examples=300, deadline=None)
@given(st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
       st.sampled_from(KINDS), st.sampled_from(["zh", "en"]))
def test_every_figure_is_grouped_by_thousands_and_rounds_to_its_value(value, kind, lang):
    text = number(value, kind, lang)
    figure = _figure(text)
    assert GROUPED.match(figure), text
    shown = Decimal(figure.replace(",", ""))
    exact = written = Decimal(repr(value))
    if kind == "rate":
        exact *= 100
    if text.endswith("万元"):
        exact /= 10_000
    # Rounded, not truncated or re-scaled: within half a unit of the last digit shown.
    places = -shown.as_tuple().exponent if "." in figure else 0
    assert abs(shown - exact) <= Decimal(5).scaleb(-places - 1), text
    if kind == "money" and lang == "zh":
        # 万元 exactly when the amount written is 10 000 元 or more.
        assert text.endswith("万元") == (abs(written.quantize(Decimal(1), "ROUND_HALF_UP"))
                                        >= 10_000), text


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=1, max_value=4))
def test_half_up_as_written(whole, digits):
    """A number written with a trailing 5 one place beyond ``digits`` rounds up, whatever its
    binary form (1.005 → 1.01)."""
    text = f"{whole}.{'0' * (digits - 1)}5"
    value = float(text)
    assert fixed(value, digits - 1 if digits > 1 else 0).replace(",", "") == str(
        Decimal(text).quantize(Decimal(1).scaleb(-(digits - 1)), rounding="ROUND_HALF_UP"))


def test_whole_up_never_undercounts_a_real_shortfall():
    for tenths in range(1, 10_000):
        value = tenths / 10
        assert whole_up(value) == math.ceil(Decimal(repr(value)))


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=20_000))
def test_a_share_with_four_decimals_rounds_as_its_percentage_is_written(k):
    """0.0745 is 7.45 %, which shows 7.5 % (not 7.4 % from the float 0.0745 × 100)."""
    percent = Decimal(k).scaleb(-2).quantize(Decimal("0.1"), rounding="ROUND_HALF_UP")
    assert number(k / 10_000, "rate") == f"{percent:,.1f}".removesuffix(".0") + "%"
