"""The pupil model of the projection (junheng.projection.cohort), against hand arithmetic.

Every expected number below is worked out in the comments (or with ``fractions``), never by the
code under test.
"""

from __future__ import annotations

from fractions import Fraction

import polars as pl
import pytest

from junheng.errors import InputError, StandardError
from junheng.projection.cohort import (
    CohortAssumptions,
    calibrate,
    project_pupils,
    spread_stage_totals,
    stage_totals,
)


def _grades(schools: dict[str, tuple[str, list[int], list[int | None] | None]],
            county: str = "A", year: int | None = None) -> pl.DataFrame:
    """Rows from {school: (stage, students by grade, classes by grade or None)}."""
    rows = []
    for school, (stage, students, classes) in schools.items():
        first = 1 if stage == "primary" else 7
        for i, n in enumerate(students):
            rows.append({"county": county, "school_id": school, "stage": stage,
                         "grade": first + i, "students": n,
                         "classes": None if classes is None else classes[i]})
    frame = pl.DataFrame(rows, schema={"county": pl.String, "school_id": pl.String,
                                       "stage": pl.String, "grade": pl.Int64,
                                       "students": pl.Int64, "classes": pl.Int64})
    return frame if year is None else frame.with_columns(year=pl.lit(year, dtype=pl.Int64))


def _table(p: pl.DataFrame, year: int, school: str, column: str) -> list:
    return (p.filter(pl.col("year") == year, pl.col("school_id") == school)
            .sort("grade")[column].to_list())


# The hand county: two primary schools P1, P2 and one junior school J, base year 2024.
# P1 gives classes (its grade 3 has 46 pupils in one class: over the limit, kept as given in
# 2024); P2 gives none (derived: ⌈n / 45⌉ = 1 for every grade).
HAND = _grades({
    "P1": ("primary", [50, 48, 46, 44, 42, 40], [2, 2, 1, 1, 1, 1]),
    "P2": ("primary", [30, 28, 26, 24, 22, 20], None),
    "J": ("junior", [100, 95, 90], [3, 2, 2]),
})
HAND_BIRTHS = pl.DataFrame({"county": ["A"] * 3, "year": [2019, 2020, 2021],
                            "births": [100, 90, 85]})
# Entry ratio 0.8; survival 1 except grade 6 → 7 (0.95) and grade 7 → 8 (0.98).
HAND_ASSUMPTIONS = CohortAssumptions(entry_ratio=0.8, survival_by_grade={6: 0.95, 7: 0.98})


def test_three_school_county_by_hand():
    p = project_pupils(HAND, 3, HAND_ASSUMPTIONS, births=HAND_BIRTHS, base_year=2024)
    assert p.columns == ["year", "county", "school_id", "stage", "grade", "students", "classes",
                         "spread"]
    assert sorted(set(p["year"])) == [2024, 2025, 2026, 2027]
    # Entrants: births six years before × 0.8, split by the 2024 grade-1 shares 50/80 = 5/8 (P1)
    # and 30/80 = 3/8 (P2):
    #   2025: 100 × 0.8 = 80 → P1 50, P2 30
    #   2026:  90 × 0.8 = 72 → P1 45, P2 27
    #   2027:  85 × 0.8 = 68 → P1 42.5, P2 25.5 → county total 68; equal fractions, the lower
    #          school_id (P1) gets the extra pupil: P1 43, P2 25
    # Primary grades 2–6 are last year's grade 1–5 (survival 1).
    # J's grade 7 = (P1 + P2 grade 6 last year) × 0.95; grade 8 = last grade 7 × 0.98 (carried
    # un-rounded); grade 9 = last grade 8:
    #   2025: (40 + 20) × 0.95 = 57;      100 × 0.98 = 98;     95
    #   2026: (42 + 22) × 0.95 = 60.8→61; 57 × 0.98 = 55.86→56; 98
    #   2027: (44 + 24) × 0.95 = 64.6→65; 60.8 × 0.98 = 59.584→60; 55.86→56
    students = {
        2024: {"P1": [50, 48, 46, 44, 42, 40], "P2": [30, 28, 26, 24, 22, 20],
               "J": [100, 95, 90]},
        2025: {"P1": [50, 50, 48, 46, 44, 42], "P2": [30, 30, 28, 26, 24, 22],
               "J": [57, 98, 95]},
        2026: {"P1": [45, 50, 50, 48, 46, 44], "P2": [27, 30, 30, 28, 26, 24],
               "J": [61, 56, 98]},
        2027: {"P1": [43, 45, 50, 50, 48, 46], "P2": [25, 27, 30, 30, 28, 26],
               "J": [65, 60, 56]},
    }
    # Classes (45 primary, 50 junior): a base cohort keeps its count while it fits, others
    # ⌈n / max⌉. P1 2025: new grade 1, 50 → 2; base grade-1 cohort (2 classes) 50 ≤ 90 → 2;
    # base grade 2 (2) 48 → 2; base grade 3 (1 class) now 46 > 45 → ⌈46/45⌉ = 2; 44 and 42 in one
    # class fit → 1. J keeps its grade-7 cohort's 3 classes for 98 pupils (98 ≤ 150, no merging);
    # new intakes: ⌈57/50⌉ = ⌈61/50⌉ = ⌈65/50⌉ = 2; the 2025 intake in grade 8 (56) and 9 (56)
    # → 2; 2027 grade 8: 60 → 2. 2027 P1 grade 2 is the 2026 entrants, 45 → ⌈45/45⌉ = 1.
    classes = {
        2024: {"P1": [2, 2, 1, 1, 1, 1], "P2": [1] * 6, "J": [3, 2, 2]},
        2025: {"P1": [2, 2, 2, 2, 1, 1], "P2": [1] * 6, "J": [2, 3, 2]},
        2026: {"P1": [1, 2, 2, 2, 2, 1], "P2": [1] * 6, "J": [2, 2, 3]},
        2027: {"P1": [1, 1, 2, 2, 2, 2], "P2": [1] * 6, "J": [2, 2, 2]},
    }
    for year in students:
        for school in ("P1", "P2", "J"):
            assert _table(p, year, school, "students") == students[year][school], (year, school)
            assert _table(p, year, school, "classes") == classes[year][school], (year, school)
    # Only J has junior rows: the primary schools get no junior pupils.
    assert set(p.filter(pl.col("stage") == "junior")["school_id"]) == {"J"}
    assert not p["spread"].any()


def test_stage_totals_of_the_hand_county():
    p = project_pupils(HAND, 1, HAND_ASSUMPTIONS, births=HAND_BIRTHS, base_year=2024)
    totals = stage_totals(p).filter(pl.col("year") == 2025)
    assert totals.columns == ["year", "county", "school_id", "stage", "students", "classes"]
    # P1: 50+50+48+46+44+42 = 280 in 2+2+2+2+1+1 = 10 classes; P2: 30+30+28+26+24+22 = 160 in 6;
    # J: 57+98+95 = 250 in 2+3+2 = 7.
    assert totals.rows() == [(2025, "A", "J", "junior", 250, 7),
                             (2025, "A", "P1", "primary", 280, 10),
                             (2025, "A", "P2", "primary", 160, 6)]


def test_even_spread_of_stage_totals_gives_the_extra_pupils_to_the_lower_grades():
    stages = pl.DataFrame({"county": ["A", "A"], "school_id": ["S", "S"],
                           "stage": ["primary", "junior"], "students": [100, 100]})
    spread = spread_stage_totals(stages).sort("grade")
    # 100 over 6 grades: ⌊100/6⌋ = 16 each, 100 − 96 = 4 left, all fractions equal (4/6) → the
    # four lowest grades 1–4 get 17, grades 5–6 keep 16. Junior 100 over 3: 33 each, 1 left →
    # grade 7 gets 34.
    assert spread["grade"].to_list() == [1, 2, 3, 4, 5, 6, 7, 8, 9]
    assert spread["students"].to_list() == [17, 17, 17, 17, 16, 16, 34, 33, 33]
    assert spread["spread"].all()
    # The projection from stage totals says it spread them; classes derived: 17 → 1, 34 → 1.
    p = project_pupils(stages, 0, base_year=2024)
    assert p["spread"].all() and p.height == 9
    assert p.sort("grade")["classes"].to_list() == [1] * 9


def test_five_four_system_moves_grade_five_to_junior():
    a = CohortAssumptions(primary_years=5, junior_years=4)
    stages = pl.DataFrame({"county": ["A", "A"], "school_id": ["P", "J"],
                           "stage": ["primary", "junior"], "students": [100, 100]})
    # Primary 100 over 5 grades: 20 each; junior 100 over grades 6–9: 25 each.
    p = project_pupils(stages, 1, a, base_year=2024)
    assert _table(p, 2024, "P", "students") == [20] * 5
    assert _table(p, 2024, "J", "grade") == [6, 7, 8, 9]
    # 2025: J's grade 6 = P's grade 5 (20); grades 7–9 = last year's 6–8 (25).
    assert _table(p, 2025, "J", "students") == [20, 25, 25, 25]


def test_largest_remainder_keeps_the_county_total():
    # Three primary schools with equal grade-1 shares (1/3 each), births 100 × ratio 1 →
    # 33⅓ each; the county total 100 stays: ⌊⌋ gives 99, the one left goes to the lowest id A.
    base = _grades({s: ("primary", [10, 0, 0, 0, 0, 0], None) for s in ("C", "A", "B")})
    births = pl.DataFrame({"county": ["A"], "year": [2019], "births": [100]})
    p = project_pupils(base, 1, births=births, base_year=2025 - 1)
    g1 = p.filter(pl.col("year") == 2025, pl.col("grade") == 1).sort("school_id")
    assert g1["students"].to_list() == [34, 33, 33]


def test_without_births_the_entrants_grow_by_the_factor():
    # Grade 1 of 2024 = 100 at one school; growth 1.1: 2025 = 110, 2026 = 121 (100 × 1.1²).
    base = _grades({"P": ("primary", [100, 0, 0, 0, 0, 0], None)})
    p = project_pupils(base, 2, CohortAssumptions(entry_growth=1.1), base_year=2024)
    assert [_table(p, y, "P", "students")[0] for y in (2024, 2025, 2026)] == [100, 110, 121]
    # The default factor 1 repeats the base year's grade 1.
    flat = project_pupils(base, 2, base_year=2024)
    assert [_table(flat, y, "P", "students")[0] for y in (2025, 2026)] == [100, 100]


def test_low_and_high_bands_multiply_entry_and_survival():
    base = _grades({"P": ("primary", [100, 0, 0, 0, 0, 0], None)})
    low = project_pupils(base, 4, base_year=2024, band="low")
    high = project_pupils(base, 2, base_year=2024, band="high")
    # low: entrants 100 × 0.95 = 95 each year; the 2024 cohort 100 × 0.95 = 95, then × 0.95 =
    # 90.25 → 90. high: 105; 105; 100 × 1.05² = 110.25 → 110.
    assert _table(low, 2025, "P", "students")[:2] == [95, 95]
    assert _table(low, 2026, "P", "students")[:3] == [95, 90, 90]
    # The un-rounded number is carried: 100 × 0.95⁴ = 81.450625 → 81 in grade 5 in 2028
    # (rounding every year would give 95, 90, 86 (85.5), 82 (81.7)).
    assert _table(low, 2028, "P", "students")[4] == 81
    assert _table(high, 2026, "P", "students")[:3] == [105, 110, 110]
    with pytest.raises(StandardError, match="band: 应为 low / central / high 之一 / must be one"):
        project_pupils(base, 1, base_year=2024, band="worst")


# A history made by constant ratios, advanced by hand: σ(2) = 9/10, σ(6) = 3/4, σ(8) = 1/2,
# every other σ = 1; entry ratio 4/5 of the births six years before (125, 150, 175 → 100, 120,
# 140), shared 3/5 (P1) and 2/5 (P2).
HISTORY = {
    2020: {"P1": [60, 50, 45, 40, 40, 36], "P2": [40, 30, 27, 20, 24, 28], "J": [48, 50, 40]},
    # grade 3 = last grade 2 × 9/10 (50 → 45, 30 → 27); J grade 7 = (36 + 28) × 3/4 = 48;
    # grade 9 = 50 × 1/2 = 25.
    2021: {"P1": [72, 60, 45, 45, 40, 40], "P2": [48, 40, 27, 27, 20, 24], "J": [48, 48, 25]},
    # grade 3: 60 × 9/10 = 54, 40 × 9/10 = 36; J grade 7 = (40 + 24) × 3/4 = 48; grade 9 = 24.
    2022: {"P1": [84, 72, 54, 45, 45, 40], "P2": [56, 48, 36, 27, 27, 20], "J": [48, 48, 24]},
}
HISTORY_BIRTHS = pl.DataFrame({"county": ["A"] * 3, "year": [2014, 2015, 2016],
                               "births": [125, 150, 175]})


def _history() -> pl.DataFrame:
    return pl.concat([_grades({s: ("junior" if s == "J" else "primary", n, None)
                               for s, n in schools.items()}, year=year)
                      for year, schools in HISTORY.items()])


def test_calibration_reproduces_a_consistent_history_exactly():
    history = _history()
    a = calibrate(history, HISTORY_BIRTHS)["A"]
    expected = {1: 1, 2: Fraction(9, 10), 3: 1, 4: 1, 5: 1, 6: Fraction(3, 4), 7: 1,
                8: Fraction(1, 2)}
    assert a.survival_by_grade == {g: float(r) for g, r in expected.items()}
    # ρ = (100 + 120 + 140) / (125 + 150 + 175) = 360 / 450 = 4/5
    assert a.entry_ratio == float(Fraction(4, 5))
    # The projection from 2020 gives back 2021 and 2022, school by school and grade by grade.
    first = history.filter(pl.col("year") == 2020)
    p = project_pupils(first, 2, {"A": a}, births=HISTORY_BIRTHS)
    for year in (2021, 2022):
        for school, n in HISTORY[year].items():
            assert _table(p, year, school, "students") == n, (year, school)


def test_calibration_without_births_takes_the_growth_of_grade_one():
    # Grade 1: 100 → 110 → 121, γ = (110 + 121) / (100 + 110) = 231/210 = 11/10.
    history = pl.concat([_grades({"P": ("primary", [n, 0, 0, 0, 0, 0], None)}, year=y)
                         for y, n in ((2020, 100), (2021, 110), (2022, 121))])
    a = calibrate(history)["A"]
    assert a.entry_growth == 1.1
    assert a.entry_ratio == 1.0  # untouched without births
    with pytest.raises(InputError, match="consecutive"):
        calibrate(history.filter(pl.col("year") != 2021))


def test_parameter_checks_reject_a_negative_ratio_in_both_languages():
    with pytest.raises(StandardError) as e:
        CohortAssumptions(entry_ratio=-0.1)
    assert e.value.problems == [
        "projection.entry_ratio: 应为 ≥ 0 的数 / must be a number ≥ 0, got -0.1"]
    with pytest.raises(StandardError) as e:
        CohortAssumptions.build({"survival": -1, "band_low": 1.5})
    assert e.value.problems == [
        "projection.survival: 应为 ≥ 0 的数 / must be a number ≥ 0, got -1",
        "projection.band_low: 应在 0–1 之间 / must be within 0–1, got 1.5"]
    with pytest.raises(StandardError) as e:
        CohortAssumptions.build({"survival_by_grade": {6: -0.5}})
    assert e.value.problems == [
        "projection.survival_by_grade: 应为 {年级 1–8: ≥ 0 的数} / must be "
        "{grade 1–8: a number ≥ 0}, got 6: -0.5"]
    # A valid per-grade override survives build and replace.
    a = CohortAssumptions.build({"survival_by_grade": {6: 0.95}})
    assert a.replace(entry_ratio=0.9).survival_by_grade == {6: 0.95}


def test_input_problems_are_reported_at_once():
    bad = HAND.with_columns(
        students=pl.when(pl.col("grade") == 2).then(-1).otherwise(pl.col("students")),
        grade=pl.when(pl.col("school_id") == "J").then(pl.col("grade") - 3)
        .otherwise(pl.col("grade")))
    with pytest.raises(InputError) as e:
        project_pupils(bad, 1, HAND_ASSUMPTIONS, births=HAND_BIRTHS.head(0), base_year=2024)
    found = {(p.table, p.column) for p in e.value.problems}
    # two negative grade-2 counts, J's grades 4–6 are not junior grades, 2019 births missing
    assert found == {("grades", "students"), ("grades", "grade"), ("births", "births")}
    assert len(e.value.problems) == 2 + 3 + 1
