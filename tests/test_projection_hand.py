"""Issue 14's acceptance test: a three-school county projected three years, every expected value
computed by hand (grades advanced by hand, retirements by the 2025 schedule, indicators as exact
fractions) — nothing here is computed by junheng.

The county 测试县, base school year 2025, ``project(years=3, year=2025)``, default assumptions
(central band, 45 / 50 pupils a class) **calibrated from the grades history** (2024 and 2025):

- P1, primary school; N, nine-year school (a primary and a junior stage); J, junior school.
- Pupils by grade (2025, the base year; classes in brackets):

  ======  =======  =======  =======  =======  =======  =======  =======  =======  =======
  school  g1       g2       g3       g4       g5       g6       g7       g8       g9
  ======  =======  =======  =======  =======  =======  =======  =======  =======  =======
  P1      62 (2)   60 (2)   45 (1)   60 (2)   56 (2)   64 (2)
  N       31 (1)   30 (1)   43 (1)   28 (1)   34 (1)   26 (1)   30 (1)   28 (1)   35 (1)
  J                                                             66 (2)   72 (2)   60 (2)
  total   93       90       88       88       90       90       96       100      95
  ======  =======  =======  =======  =======  =======  =======  =======  =======  =======

  2024 (history), county totals by grade: 100, 88, 80, 100, 90, 100, 100, 100, 90.
- Births: 2018 105, 2019 95, 2020 102, 2021 91, 2022 83.

Calibration (cohort.py: one pair of years, 2024 → 2025, county totals):
σ(g) = total(g+1, 2025) / total(g, 2024): σ1 = 90/100 = 9/10, σ2 = 88/88 = 1, σ3 = 88/80 = 11/10,
σ4 = 90/100 = 9/10, σ5 = 90/90 = 1, σ6 = 96/100 = 24/25, σ7 = 100/100 = 1, σ8 = 95/100 = 19/20;
ρ = (grade 1 of 2024 + 2025) / (births 2018 + 2019) = (100 + 93) / (105 + 95) = 193/200.

The model (cohort.py's docstring), un-rounded x carried from year to year:

- entrants E(t) = births(t − 6) · ρ, shared by the base year's grade-1 shares: P1 62/93 = 2/3,
  N 31/93 = 1/3. E(2026) = 102 · 193/200 = 98.43, E(2027) = 91 · 193/200 = 87.815,
  E(2028) = 83 · 193/200 = 80.095.
- graduates: the county's grade 6 × σ6, shared by the base year's grade-7 shares: J 66/96 =
  11/16, N 30/96 = 5/16. 2026: 90 · 24/25 = 86.4 → J 59.4, N 27; 2027: (56 + 34) · 24/25 = 86.4;
  2028: (54 + 25.2) · 24/25 = 76.032 → J 52.272, N 23.76.
- per grade and year, largest remainder over the schools: N = ⌊Σx + ½⌋, each school ⌊x⌋, the
  largest fractions one more. E.g. 2026 grade 1: 65.62 + 32.81 = 98.43 → 98; floors 65 + 32 = 97,
  the one left goes to N (.81 > .62): P1 65, N 33. 2026 grade 4: P1 45 · 11/10 = 49.5, N 43 ·
  11/10 = 47.3, Σ 96.8 → 97; floors 96, P1 (.5 > .3) gets it: P1 50, N 47. 2027 grade 9: the
  2026 grade 8 (J 66, N 30) · 19/20 = 62.7 and 28.5: Σ 91.2 → 91, floors 90, J (.7 > .5): J 63,
  N 28. Every year's figures are in ``PUPILS`` below.
- classes: a cohort of 2025 keeps its classes c while pupils ≤ c · 45 (50 junior), else
  ⌈pupils / 45⌉; a cohort entering later ⌈pupils / m⌉. P1's 2025 grade 3 (1 class of 45) is 50
  pupils in 2026 (2 classes) and 44 in 2027 (≤ 1 · 45: its one class again); N's grade 3 of 43 is
  47 in 2026 (2 classes). A junior cohort is new at grade 7 (the stage changes), so N's 27 pupils
  of grade 7 in 2026 are ⌈27/50⌉ = 1 class.

Teachers leave at their statutory month (retirement.py; a teacher counts on 1 September of a
school year when the retirement month is September or later). Months from 2025-01 of the
original retirement month o, delay d = ⌊(o − 2025-01) / 4⌋ + 1 months (men 60 → 63, women of
original age 55 → 58), retirement month = o + d:

====  ======  ============  ==================  ============  =====================================
id    gender  born          o (months from      d             retires; on the staff of
                            2025-01)
====  ======  ============  ==================  ============  =====================================
J-a   man     1964-11       2024-11 (before)    0             2024-11 (past the age): 2025 only
P1-a  man     1965-08       2025-08 (7)         ⌊7/4⌋+1 = 2   2025-10: 2025 only
N-p   man     1965-08       2025-08 (7)         2             2025-10: 2025 only (not 专任)
NJ-a  woman   1971-02       2026-02 (13)        ⌊13/4⌋+1 = 4  2026-06: 2025 only
N-a   woman   1971-04       2026-04 (15)        ⌊15/4⌋+1 = 4  2026-08: 2025 only (works through
                                                              August, gone on 1 September 2026)
P1-b  man     1966-05       2026-05 (16)        ⌊16/4⌋+1 = 5  2026-10: 2025, 2026
N-b   woman   1971-08       2026-08 (19)        ⌊19/4⌋+1 = 5  2027-01: 2025, 2026
J-b   man     1967-02       2027-02 (25)        ⌊25/4⌋+1 = 7  2027-09: 2025–2027 (counted on
                                                              1 September 2027, its last month)
P1-c  woman   1972-06       2027-06 (29)        ⌊29/4⌋+1 = 8  2028-02: 2025–2027
J-e   man     1967, month   2027-07 (30)        ⌊30/4⌋+1 = 8  2028-03: 2025–2027 (July assumed)
              unknown
J-c   woman   1972-12       2027-12 (35)        ⌊35/4⌋+1 = 9  2028-09: every year (September)
J-d   man     1968-01       2028-01 (36)        ⌊36/4⌋+1 = 10 2028-11: every year
====  ======  ============  ==================  ============  =====================================

Everyone else is born 1980 or later (retires after 2040), has no birth year, or no gender (J-x,
born 1950: never assumed to retire).

Indicators (STANDARDS.md §1.1; full-time teachers of the school–stage): qualified = 专科+ for
primary, 本科+ for junior; backbone = county level or higher; PE/art = pe, music or art. Value =
count · 100 / pupils (per 100) or figure / pupils (per pupil), met when ≥ the threshold (exactly
equal meets: P1's teaching area 1480.5 m² for 329 pupils in 2028 is 4.5 exactly). The per-school
rule: ≥ 6 of 7 met and every missed one ≥ 0.85 × its threshold. CVs weighted by pupils
(population form, §1.2).
"""

from __future__ import annotations

import math
from fractions import Fraction

import polars as pl
import pytest

import junheng
from conftest import school_row, write_xlsx
from junheng.projection import project

COUNTY = "测试县"
YEARS = (2025, 2026, 2027, 2028)

# --- the input ----------------------------------------------------------------------------------

BASE_GRADES = {  # school: {grade: (students, classes)}, school year 2025
    "P1": {1: (62, 2), 2: (60, 2), 3: (45, 1), 4: (60, 2), 5: (56, 2), 6: (64, 2)},
    "N": {1: (31, 1), 2: (30, 1), 3: (43, 1), 4: (28, 1), 5: (34, 1), 6: (26, 1),
          7: (30, 1), 8: (28, 1), 9: (35, 1)},
    "J": {7: (66, 2), 8: (72, 2), 9: (60, 2)},
}
HISTORY_2024 = {  # school: {grade: students}; county totals 100, 88, 80, 100, 90, 100, 100, 100, 90
    "P1": {1: 66, 2: 58, 3: 54, 4: 66, 5: 60, 6: 70},
    "N": {1: 34, 2: 30, 3: 26, 4: 34, 5: 30, 6: 30, 7: 30, 8: 30, 9: 30},
    "J": {7: 70, 8: 70, 9: 60},
}
BIRTHS = {2018: 105, 2019: 95, 2020: 102, 2021: 91, 2022: 83}

# Facilities per school–stage (unchanged by the projection): teaching area m², sports area m²,
# equipment 元, multimedia rooms.
FACILITIES = {
    ("P1", "primary"): (Fraction("1480.5"), 3000, 900_000, 9),
    ("N", "primary"): (1000, 1600, 400_000, 5),
    ("N", "junior"): (500, 1000, 250_000, 3),
    ("J", "junior"): (1200, 2100, 520_000, 5),
}
FACILITY_COLUMNS = ("teaching_area_m2", "sports_area_m2", "equipment_value_yuan",
                    "multimedia_rooms")


def _teacher(tid: str, school: str, stage: str, education: str = "bachelor",
             backbone: str = "none", subject: str = "chinese", gender: str | None = None,
             born: int | None = None, month: int | None = None, full_time: str = "是") -> dict:
    return {"teacher_id": tid, "school_id": school, "stage": stage, "subject": subject,
            "full_time": full_time, "education": education, "backbone": backbone,
            "gender": gender, "birth_year": born, "birth_month": month}


def _regulars(prefix: str, school: str, stage: str, specs: list[tuple[int, dict]]) -> list[dict]:
    """Teachers who do not retire within the horizon (born 1980 or later, or no birth data)."""
    out, i = [], 0
    for n, attrs in specs:
        for _ in range(n):
            i += 1
            born = {0: (1980 + i, "male"), 1: (1985 + i, "female"), 2: (None, None)}[i % 3]
            out.append(_teacher(f"{prefix}-{i:02d}", school, stage, **attrs, born=born[0],
                                gender=born[1], month=None if i % 2 else 1 + i % 12))
    return out


STAFF = [
    # P1 primary: qualified 14 + P1-a + P1-b = 16, backbone 4 + P1-a = 5, PE/art 3 + P1-c = 4
    *_regulars("P1", "P1", "primary", [
        (4, {"education": "bachelor", "backbone": "county"}),
        (1, {"education": "associate", "subject": "pe"}),
        (1, {"education": "associate", "subject": "music"}),
        (1, {"education": "associate", "subject": "art"}),
        (7, {"education": "bachelor", "subject": "math"}),
        (2, {"education": "secondary"})]),
    _teacher("P1-a", "P1", "primary", "bachelor", "county", gender="male", born=1965, month=8),
    _teacher("P1-b", "P1", "primary", "associate", subject="math", gender="male", born=1966,
             month=5),
    _teacher("P1-c", "P1", "primary", "secondary", subject="pe", gender="female", born=1972,
             month=6),
    # N primary: qualified 8 + N-a = 9, backbone 1 + N-b = 2, PE/art 2
    *_regulars("NP", "N", "primary", [
        (1, {"education": "bachelor", "backbone": "county"}),
        (1, {"education": "associate", "subject": "pe"}),
        (1, {"education": "associate", "subject": "art"}),
        (5, {"education": "associate", "subject": "math"}),
        (1, {"education": "secondary"})]),
    _teacher("N-a", "N", "primary", "associate", subject="english", gender="female", born=1971,
             month=4),
    _teacher("N-b", "N", "primary", "secondary", "county", gender="female", born=1971, month=8),
    # not full-time (专任): on the roster, in no indicator
    _teacher("N-p", "N", "primary", "bachelor", "county", subject="pe", gender="male", born=1965,
             month=8, full_time="否"),
    # N junior: qualified (本科+) 5 + NJ-a = 6, backbone 1, PE/art 1
    *_regulars("NJ", "N", "junior", [
        (1, {"education": "master", "backbone": "city", "subject": "math"}),
        (1, {"education": "bachelor", "subject": "pe"}),
        (3, {"education": "bachelor", "subject": "physics"}),
        (1, {"education": "associate"})]),  # 专科 is not above the junior minimum
    _teacher("NJ-a", "N", "junior", "bachelor", subject="english", gender="female", born=1971,
             month=2),
    # J junior: qualified 8 + J-a + J-b + J-c = 11, backbone 1 + J-d = 2, PE/art 1 + J-e = 2
    *_regulars("J", "J", "junior", [
        (1, {"education": "bachelor", "backbone": "province", "subject": "math"}),
        (1, {"education": "bachelor", "subject": "music"}),
        (6, {"education": "bachelor"}),
        (1, {"education": "associate", "subject": "history"})]),
    _teacher("J-x", "J", "junior", "secondary", subject="other", born=1950),  # no gender
    _teacher("J-a", "J", "junior", "bachelor", gender="male", born=1964, month=11),
    _teacher("J-b", "J", "junior", "master", gender="male", born=1967, month=2),
    _teacher("J-c", "J", "junior", "doctor", gender="female", born=1972, month=12),
    _teacher("J-d", "J", "junior", "associate", "city", gender="male", born=1968, month=1),
    _teacher("J-e", "J", "junior", "secondary", subject="pe", gender="male", born=1967),
]


def _stage_rows() -> list[dict]:
    rows = []
    for (school, stage), figures in FACILITIES.items():
        grades = [g for g in BASE_GRADES[school] if (g <= 6) == (stage == "primary")]
        rows.append({"school_id": school, "stage": stage,
                     "students": sum(BASE_GRADES[school][g][0] for g in grades),
                     "classes": sum(BASE_GRADES[school][g][1] for g in grades),
                     **{c: float(v) for c, v in zip(FACILITY_COLUMNS, figures, strict=True)}})
    return rows


def _grade_rows() -> list[dict]:
    rows = [{"school_id": s, "grade": g, "students": n, "classes": c, "school_year": 2025}
            for s, grades in BASE_GRADES.items() for g, (n, c) in grades.items()]
    rows += [{"school_id": s, "grade": g, "students": n, "school_year": 2024}
             for s, grades in HISTORY_2024.items() for g, n in grades.items()]
    return rows


@pytest.fixture(scope="module")
def projection(tmp_path_factory):
    tables = {
        "schools": [school_row("P1"), school_row("N", "nine_year"), school_row("J", "junior")],
        "stages": _stage_rows(),
        "teachers": STAFF,
        "grades": _grade_rows(),
        "births": [{"county": COUNTY, "year": y, "births": n} for y, n in BIRTHS.items()],
    }
    path = write_xlsx(tmp_path_factory.mktemp("hand") / "county.xlsx", tables)
    return project(junheng.load(path), years=3, year=2025)


@pytest.fixture(scope="module")
def evaluations(projection):
    return {y: projection.evaluate(y) for y in YEARS}


# --- pupils -------------------------------------------------------------------------------------

# (year, school, grade): (students, classes), advanced by hand (module docstring); each year's
# un-rounded x in the comments, rounded per grade by largest remainder.
PUPILS = {
    **{(2025, s, g): v for s, grades in BASE_GRADES.items() for g, v in grades.items()},
    # 2026: g1 E = 98.43: P1 65.62, N 32.81 → 65, 33 (N's .81 takes the one left)
    (2026, "P1", 1): (65, 2), (2026, "N", 1): (33, 1),
    # g2 = 2025 g1 × 9/10: P1 55.8, N 27.9 → Σ 83.7 → 84: 56, 28; base cohorts keep 2 and 1
    (2026, "P1", 2): (56, 2), (2026, "N", 2): (28, 1),
    # g3 = g2 × 1: 60, 30
    (2026, "P1", 3): (60, 2), (2026, "N", 3): (30, 1),
    # g4 = g3 × 11/10: P1 49.5, N 47.3 → 50, 47; both over 1 class of 45 → ⌈/45⌉ = 2
    (2026, "P1", 4): (50, 2), (2026, "N", 4): (47, 2),
    # g5 = g4 × 9/10: P1 54, N 25.2
    (2026, "P1", 5): (54, 2), (2026, "N", 5): (25, 1),
    # g6 = g5 × 1: 56, 34
    (2026, "P1", 6): (56, 2), (2026, "N", 6): (34, 1),
    # g7 = 90 × 24/25 = 86.4: J × 11/16 = 59.4, N × 5/16 = 27 → 59, 27; new cohorts ⌈/50⌉
    (2026, "J", 7): (59, 2), (2026, "N", 7): (27, 1),
    # g8 = g7 × 1: 66, 30; g9 = g8 × 19/20: J 68.4, N 26.6 → Σ 95 → 68, 27
    (2026, "J", 8): (66, 2), (2026, "N", 8): (30, 1),
    (2026, "J", 9): (68, 2), (2026, "N", 9): (27, 1),
    # 2027: g1 E = 87.815: P1 58.543…, N 29.271… → Σ 87.815 → 88: 59, 29
    (2027, "P1", 1): (59, 2), (2027, "N", 1): (29, 1),
    # g2 = 65.62 × 9/10 = 59.058, 32.81 × 9/10 = 29.529 → Σ 88.587 → 89: 59, 30 (N's .529)
    (2027, "P1", 2): (59, 2), (2027, "N", 2): (30, 1),
    # g3 = 55.8, 27.9 → 56, 28
    (2027, "P1", 3): (56, 2), (2027, "N", 3): (28, 1),
    # g4 = 60 × 11/10 = 66, 30 × 11/10 = 33
    (2027, "P1", 4): (66, 2), (2027, "N", 4): (33, 1),
    # g5 = 49.5 × 9/10 = 44.55, 47.3 × 9/10 = 42.57 → Σ 87.12 → 87: 44, 43 (N's .57 > .55);
    # P1's cohort of 1 class fits it again (44 ≤ 45), N's (43 ≤ 45) too
    (2027, "P1", 5): (44, 1), (2027, "N", 5): (43, 1),
    # g6 = 54, 25.2
    (2027, "P1", 6): (54, 2), (2027, "N", 6): (25, 1),
    # g7 = (56 + 34) × 24/25 = 86.4 → 59.4, 27
    (2027, "J", 7): (59, 2), (2027, "N", 7): (27, 1),
    # g8 = 59.4, 27; g9 = 66 × 19/20 = 62.7, 30 × 19/20 = 28.5 → Σ 91.2 → 91: 63, 28
    (2027, "J", 8): (59, 2), (2027, "N", 8): (27, 1),
    (2027, "J", 9): (63, 2), (2027, "N", 9): (28, 1),
    # 2028: g1 E = 80.095: P1 53.396…, N 26.698… → 80: 53, 27
    (2028, "P1", 1): (53, 2), (2028, "N", 1): (27, 1),
    # g2 = 58.543… × 9/10 = 52.689, 26.3445 → Σ 79.0335 → 79: 53, 26 (P1's .689)
    (2028, "P1", 2): (53, 2), (2028, "N", 2): (26, 1),
    # g3 = 59.058, 29.529 → Σ 88.587 → 89: 59, 30
    (2028, "P1", 3): (59, 2), (2028, "N", 3): (30, 1),
    # g4 = 55.8 × 11/10 = 61.38, 27.9 × 11/10 = 30.69 → Σ 92.07 → 92: 61, 31
    (2028, "P1", 4): (61, 2), (2028, "N", 4): (31, 1),
    # g5 = 66 × 9/10 = 59.4, 33 × 9/10 = 29.7 → Σ 89.1 → 89: 59, 30
    (2028, "P1", 5): (59, 2), (2028, "N", 5): (30, 1),
    # g6 = 44.55, 42.57 → 44, 43 (1 class each: 2025's grade-3 cohort)
    (2028, "P1", 6): (44, 1), (2028, "N", 6): (43, 1),
    # g7 = (54 + 25.2) × 24/25 = 76.032: J 52.272, N 23.76 → 76: 52, 24
    (2028, "J", 7): (52, 2), (2028, "N", 7): (24, 1),
    # g8 = 59.4, 27 → 59, 27; g9 = 59.4 × 19/20 = 56.43, 27 × 19/20 = 25.65 → 82: 56, 26
    (2028, "J", 8): (59, 2), (2028, "N", 8): (27, 1),
    (2028, "J", 9): (56, 2), (2028, "N", 9): (26, 1),
}

UNITS = (("P1", "primary"), ("N", "primary"), ("N", "junior"), ("J", "junior"))


def _stage_of(grade: int) -> str:
    return "primary" if grade <= 6 else "junior"


def _stage_pupils(year: int, school: str, stage: str) -> tuple[int, int]:
    rows = [v for (y, s, g), v in PUPILS.items()
            if y == year and s == school and _stage_of(g) == stage]
    return sum(n for n, _ in rows), sum(c for _, c in rows)


# school–stage totals, the sums of PUPILS written out: (students, classes)
STAGE_TOTALS = {
    2025: {("P1", "primary"): (347, 11), ("N", "primary"): (192, 6),
           ("N", "junior"): (93, 3), ("J", "junior"): (198, 6)},
    2026: {("P1", "primary"): (341, 12), ("N", "primary"): (197, 7),
           ("N", "junior"): (84, 3), ("J", "junior"): (193, 6)},
    2027: {("P1", "primary"): (338, 11), ("N", "primary"): (188, 6),
           ("N", "junior"): (82, 3), ("J", "junior"): (181, 6)},
    2028: {("P1", "primary"): (329, 11), ("N", "primary"): (187, 6),
           ("N", "junior"): (77, 3), ("J", "junior"): (167, 6)},
}


def test_the_ratios_are_calibrated_from_the_history(projection):
    a = projection.assumptions[COUNTY]
    sigma = {1: Fraction(9, 10), 2: Fraction(1), 3: Fraction(11, 10), 4: Fraction(9, 10),
             5: Fraction(1), 6: Fraction(24, 25), 7: Fraction(1), 8: Fraction(19, 20)}
    assert a.survival_by_grade == {g: float(r) for g, r in sigma.items()}
    assert a.entry_ratio == float(Fraction(193, 200))
    assert projection.spread is False
    assert projection.years == YEARS


def test_pupils_and_classes_by_grade(projection):
    got = {(r["year"], r["school_id"], r["grade"]): (r["students"], r["classes"])
           for r in projection.pupils.iter_rows(named=True)}
    assert got == PUPILS
    stages = {r["stage"] for r in projection.pupils.iter_rows(named=True)}
    assert stages == {"primary", "junior"}
    for r in projection.pupils.iter_rows(named=True):
        assert r["stage"] == _stage_of(r["grade"])


def test_stage_totals_and_the_projected_datasets(projection):
    for year, units in STAGE_TOTALS.items():
        for (school, stage), totals in units.items():
            assert _stage_pupils(year, school, stage) == totals  # the table is PUPILS summed
        got = {(r["school_id"], r["stage"]): (r["students"], r["classes"])
               for r in projection.stages.filter(pl.col("year") == year).iter_rows(named=True)}
        assert got == units
        data = {(r["school_id"], r["stage"]): (r["students"], r["classes"])
                for r in projection.dataset(year).stages.iter_rows(named=True)}
        assert data == units
        if year > 2025:  # the largest class of a projected year is unknown
            assert projection.dataset(year).stages["largest_class"].null_count() == 4


# --- teachers ------------------------------------------------------------------------------------

LEAVING = {"J-a": (2024, 11), "P1-a": (2025, 10), "N-p": (2025, 10), "NJ-a": (2026, 6),
           "N-a": (2026, 8), "P1-b": (2026, 10), "N-b": (2027, 1), "J-b": (2027, 9),
           "P1-c": (2028, 2), "J-e": (2028, 3), "J-c": (2028, 9), "J-d": (2028, 11)}
GONE = {  # not on the staff on 1 September of the year
    2025: set(),
    2026: {"J-a", "P1-a", "N-p", "NJ-a", "N-a"},
    2027: {"J-a", "P1-a", "N-p", "NJ-a", "N-a", "P1-b", "N-b"},
    2028: {"J-a", "P1-a", "N-p", "NJ-a", "N-a", "P1-b", "N-b", "J-b", "P1-c", "J-e"},
}


def test_teachers_leave_at_their_statutory_month(projection):
    got = {r["teacher_id"]: (r["retirement_year"], r["retirement_month"])
           for r in projection.leaving.iter_rows(named=True)}
    assert got == LEAVING


def test_the_staff_on_1_september(projection):
    everyone = {t["teacher_id"] for t in STAFF}
    assert len(everyone) == len(STAFF) == 53  # P1 19, N primary 12, N junior 7, J 15
    for year in YEARS:
        staff = projection.dataset(year).teachers
        assert set(staff["teacher_id"]) == everyone - GONE[year], year
        assert staff.height == len(everyone) - len(GONE[year])
    # J-c (2028-09) and J-d (2028-11) are still counted on 1 September 2028; J-b (2027-09) on
    # 1 September 2027 but not 2028; J-x (no gender) never leaves
    assert {"J-c", "J-d", "J-x"} <= set(projection.dataset(2028).teachers["teacher_id"])
    assert "J-b" in set(projection.dataset(2027).teachers["teacher_id"])


# --- indicators ----------------------------------------------------------------------------------

# Full-time teachers per school–stage and year: (qualified, backbone, PE/art), counted by hand
# from STAFF and GONE (the module docstring's table).
TEACHER_COUNTS = {
    ("P1", "primary"): {2025: (16, 5, 4), 2026: (15, 4, 4), 2027: (14, 4, 4), 2028: (14, 4, 3)},
    ("N", "primary"): {2025: (9, 2, 2), 2026: (8, 2, 2), 2027: (8, 1, 2), 2028: (8, 1, 2)},
    ("N", "junior"): {2025: (6, 1, 1), 2026: (5, 1, 1), 2027: (5, 1, 1), 2028: (5, 1, 1)},
    ("J", "junior"): {2025: (11, 2, 2), 2026: (10, 2, 2), 2027: (10, 2, 2), 2028: (9, 2, 1)},
}
INDICATORS = ("qualified_teachers_per100", "backbone_teachers_per100", "pe_art_teachers_per100",
              "teaching_area_per_student", "sports_area_per_student",
              "equipment_value_per_student", "multimedia_rooms_per100")
THRESHOLDS = {  # STANDARDS.md §1.1, in the order of INDICATORS
    "primary": tuple(map(Fraction, ("4.2", "1.0", "0.9", "4.5", "7.5", "2000", "2.3"))),
    "junior": tuple(map(Fraction, ("5.3", "1.0", "0.9", "5.8", "10.2", "2500", "2.4"))),
}
FLOOR = Fraction(85, 100)


def expected_values(year: int, school: str, stage: str) -> dict[str, Fraction]:
    pupils, _ = STAGE_TOTALS[year][(school, stage)]
    qualified, backbone, pe_art = TEACHER_COUNTS[(school, stage)][year]
    teaching, sports, equipment, rooms = map(Fraction, FACILITIES[(school, stage)])
    values = (qualified * 100, backbone * 100, pe_art * 100, teaching, sports, equipment,
              rooms * 100)
    return {k: Fraction(v) / pupils for k, v in zip(INDICATORS, values, strict=True)}


# Which indicators each school–stage misses, and the per-school rule, worked out by hand:
MISSED = {
    # P1: teaching area 1480.5 / 347 = 4.27 < 4.5 (ratio .948) until 2028, when 1480.5 / 329 is
    # 4.5 exactly; qualified 14 · 100 / 338 = 4.14 < 4.2 in 2027 (P1-b gone), 14 · 100 / 329 =
    # 4.26 again in 2028; PE/art 3 · 100 / 329 = 0.912 ≥ 0.9 in 2028 though P1-c has gone.
    ("P1", "primary"): {2025: {"teaching_area_per_student"},
                        2026: {"teaching_area_per_student"},
                        2027: {"teaching_area_per_student", "qualified_teachers_per100"},
                        2028: set()},
    # N primary: qualified 800 / 197 = 4.06 in 2026 (N-a gone; ratio .967), 800 / 188 = 4.26
    # in 2027; backbone 100 / 188 = 0.53 < 0.85 × 1.0 from 2027 (N-b gone).
    ("N", "primary"): {2025: set(), 2026: {"qualified_teachers_per100"},
                       2027: {"backbone_teachers_per100"}, 2028: {"backbone_teachers_per100"}},
    # N junior: teaching area 500 / 93 = 5.38 < 5.8 (ratio .927) in 2025, 500 / 84 = 5.95 later.
    ("N", "junior"): {2025: {"teaching_area_per_student"}, 2026: set(), 2027: set(),
                      2028: set()},
    # J: qualified 1000 / 193 = 5.18 < 5.3 in 2026 (J-a gone), 1000 / 181 = 5.52 in 2027;
    # PE/art 100 / 167 = 0.60 < 0.85 × 0.9 = 0.765 in 2028 (J-e gone).
    ("J", "junior"): {2025: set(), 2026: {"qualified_teachers_per100"}, 2027: set(),
                      2028: {"pe_art_teachers_per100"}},
}
MEETS_RULE = {
    ("P1", "primary"): {2025: True, 2026: True, 2027: False, 2028: True},
    ("N", "primary"): {2025: True, 2026: True, 2027: False, 2028: False},
    ("N", "junior"): {2025: True, 2026: True, 2027: True, 2028: True},
    ("J", "junior"): {2025: True, 2026: True, 2027: True, 2028: False},
}


def _close(got: float, want: Fraction) -> bool:
    """Equal up to float rounding (a relative 1e-15, a few units in the last place)."""
    return abs(Fraction(got) - want) <= abs(want) * Fraction(1, 10**15)


@pytest.mark.parametrize("year", YEARS)
def test_every_indicator_is_the_fraction_by_hand(evaluations, year):
    rows = evaluations[year].indicators
    assert rows.height == len(UNITS) * len(INDICATORS)
    for r in rows.iter_rows(named=True):
        unit = (r["school_id"], r["stage"])
        want = expected_values(year, *unit)[r["indicator"]]
        threshold = THRESHOLDS[r["stage"]][INDICATORS.index(r["indicator"])]
        where = (year, *unit, r["indicator"])
        assert r["students"] == STAGE_TOTALS[year][unit][0], where
        assert r["threshold"] == float(threshold), where
        assert _close(r["value"], want), (where, r["value"], float(want))
        assert r["met"] is (want >= threshold), where
        assert r["met"] is (r["indicator"] not in MISSED[unit][year]), where
        assert r["floor_met"] is (want >= FLOOR * threshold), where


def test_the_exact_threshold_meets(evaluations):
    # 1480.5 m² for 329 pupils is 4.5 m² a pupil exactly: 以上 includes the threshold.
    assert expected_values(2028, "P1", "primary")["teaching_area_per_student"] == Fraction(9, 2)
    row = evaluations[2028].indicators.filter(
        (pl.col("school_id") == "P1") & (pl.col("indicator") == "teaching_area_per_student"))
    assert row["value"].to_list() == [4.5] and row["met"].to_list() == [True]


@pytest.mark.parametrize("year", YEARS)
def test_the_per_school_rule(evaluations, year):
    got = {(r["school_id"], r["stage"]): (r["met_count"], r["meets_rule"])
           for r in evaluations[year].schools.iter_rows(named=True)}
    want = {}
    for unit in UNITS:
        values = expected_values(year, *unit)
        thresholds = dict(zip(INDICATORS, THRESHOLDS[unit[1]], strict=True))
        met = sum(values[k] >= thresholds[k] for k in INDICATORS)
        floors = all(values[k] >= FLOOR * thresholds[k] for k in INDICATORS)
        assert met == 7 - len(MISSED[unit][year])
        assert (met >= 6 and floors) is MEETS_RULE[unit][year]
        want[unit] = (met, MEETS_RULE[unit][year])
    assert got == want
    county = evaluations[year].counties.row(0, named=True)
    assert county["schools_meeting_rule"] == sum(MEETS_RULE[u][year] for u in UNITS)


# --- the county's CVs -----------------------------------------------------------------------------

def cv_by_hand(values: list[Fraction], pupils: list[int]) -> float:
    """STANDARDS.md §1.2: X̄ = Σ Pi·Xi / P, S² = Σ (Pi/P)(Xi − X̄)², CV = S / X̄ (exact until
    the square root)."""
    total = sum(pupils)
    mean = sum(p * x for p, x in zip(pupils, values, strict=True)) / total
    variance = sum(Fraction(p, total) * (x - mean) ** 2
                   for p, x in zip(pupils, values, strict=True))
    return math.sqrt(variance / mean**2)


@pytest.mark.parametrize("year", YEARS)
def test_county_cvs_by_hand(evaluations, year):
    stages = evaluations[year].stages
    for stage, units, limit in (("primary", UNITS[:2], 0.50), ("junior", UNITS[2:], 0.45)):
        for indicator in INDICATORS:
            values = [expected_values(year, *u)[indicator] for u in units]
            pupils = [STAGE_TOTALS[year][u][0] for u in units]
            want = cv_by_hand(values, pupils)
            row = stages.filter((pl.col("stage") == stage)
                                & (pl.col("indicator") == indicator)).row(0, named=True)
            mean = sum(p * x for p, x in zip(pupils, values, strict=True)) / sum(pupils)
            assert _close(row["county_value"], mean), (year, stage, indicator)
            assert abs(row["cv"] - want) <= 1e-12, (year, stage, indicator, row["cv"], want)
            assert row["cv_limit"] == limit
            assert row["cv_met"] is (want <= limit)


def test_one_cv_written_out(evaluations):
    # Junior PE/art teachers per 100 pupils in 2028: J 1 · 100 / 167, N 1 · 100 / 77.
    # X̄ = (100 + 100) / (167 + 77) = 200/244 = 50/61;
    # S² = 167/244 · (100/167 − 50/61)² + 77/244 · (100/77 − 50/61)²
    #    = 167/244 · (−2250/10187)² + 77/244 · (2250/4697)² = 5062500/47848339 (exact);
    # CV = √S² / X̄ = 0.396834… ≤ 0.45.
    j, n = Fraction(100, 167), Fraction(100, 77)
    mean = Fraction(50, 61)
    variance = Fraction(167, 244) * (j - mean) ** 2 + Fraction(77, 244) * (n - mean) ** 2
    assert variance == Fraction(5062500, 47848339)
    want = math.sqrt(variance) / float(mean)
    assert 0.39683 < want < 0.39684
    row = evaluations[2028].stages.filter(
        (pl.col("stage") == "junior") & (pl.col("indicator") == "pe_art_teachers_per100")
    ).row(0, named=True)
    assert abs(row["cv"] - want) <= 1e-12 and row["cv_met"] is True
