"""Property tests: the CV's invariances, agreement with exact rational arithmetic, and a reader
that never crashes on arbitrary cell contents."""

from __future__ import annotations

import math
import shutil
import tempfile
from fractions import Fraction
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import junheng
from conftest import school_row, stage_row, teachers, write_csvs, write_xlsx

SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

schools_strategy = st.lists(
    st.tuples(st.integers(1, 3000), st.integers(0, 60_000)),  # (pupils, teaching area m²)
    min_size=1, max_size=12)


def cv_of(rows: list[tuple[int, float]]) -> float | None:
    """Evaluate a county of primary schools with these (pupils, area) and return the area CV."""
    tables = {
        "schools": [school_row(f"S{i}") for i in range(len(rows))],
        "stages": [stage_row(f"S{i}", "primary", p, teaching_area_m2=a)
                   for i, (p, a) in enumerate(rows)],
        "teachers": [t for i in range(len(rows)) for t in teachers(f"S{i}", "primary", 1)],
    }
    folder = Path(tempfile.mkdtemp())
    try:
        result = junheng.evaluate(junheng.load(write_csvs(folder / "c", tables)))
    finally:
        shutil.rmtree(folder)
    row = result.stages.filter(result.stages["indicator"] == "teaching_area_per_student")
    return row.get_column("cv").to_list()[0]


def exact_cv(rows: list[tuple[int, float]]) -> float | None:
    rows = [(p, Fraction(a)) for p, a in rows]
    pupils = sum(p for p, _ in rows)
    mean = sum(a for _, a in rows) / pupils
    if mean == 0:
        return None
    variance = sum(Fraction(p, pupils) * (a / p - mean) ** 2 for p, a in rows)
    return math.sqrt(variance) / float(mean)


@SETTINGS
@given(schools_strategy)
def test_cv_matches_exact_rational_arithmetic(rows):
    expected = exact_cv(rows)
    got = cv_of(rows)
    if expected is None:
        assert got is None
    else:
        assert math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


@SETTINGS
@given(schools_strategy, st.sampled_from([0.5, 3, 1000]), st.randoms(use_true_random=False))
def test_cv_unchanged_by_scaling_and_permutation(rows, factor, rnd):
    base = cv_of(rows)
    scaled = cv_of([(p, a * factor) for p, a in rows])
    shuffled = list(rows)
    rnd.shuffle(shuffled)
    permuted = cv_of(shuffled)
    if base is None:
        assert scaled is None and permuted is None
    else:
        assert math.isclose(scaled, base, rel_tol=1e-9, abs_tol=1e-12)
        assert math.isclose(permuted, base, rel_tol=1e-9, abs_tol=1e-12)


@SETTINGS
@given(st.lists(st.integers(1, 3000), min_size=1, max_size=12), st.integers(1, 40))
def test_cv_zero_when_all_schools_alike(pupils, per_pupil):
    cv = cv_of([(p, p * per_pupil) for p in pupils])
    assert cv is not None and abs(cv) <= 1e-9


cell = st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 10**6).map(str),
                 st.floats(allow_nan=True, allow_infinity=True).map(str),
                 st.sampled_from(["是", "否", "小学", "初中", "primary", "junior", " ", "=1+1",
                                  "0042", "1e400", "-0", "本科", "县级"]))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.fixed_dictionaries({
    "school_id": st.sampled_from(["A", "B", "C", None]), "stage": cell, "students": cell,
    "classes": cell, "teaching_area_m2": cell, "sports_area_m2": cell,
    "equipment_value_yuan": cell, "multimedia_rooms": cell}), max_size=5),
    st.lists(st.fixed_dictionaries({
        "teacher_id": cell, "school_id": st.sampled_from(["A", "B", "X"]), "stage": cell,
        "subject": cell, "full_time": cell, "education": cell, "backbone": cell}), max_size=5),
    st.booleans())
def test_reader_never_crashes_on_random_cells(stages, staff, as_xlsx):
    tables = {"schools": [school_row("A"), school_row("B", "nine_year")],
              "stages": stages or [stage_row("A", "primary", 10)], "teachers": staff or
              teachers("A", "primary", 1)}
    folder = Path(tempfile.mkdtemp())
    try:
        if as_xlsx:
            path = write_xlsx(folder / "c.xlsx", tables)
        else:
            path = write_csvs(folder / "c", tables)
        try:
            dataset = junheng.load(path)
        except junheng.InputError as exc:
            assert exc.problems
            for p in exc.problems:
                assert p.table and p.expected_zh and p.expected_en
                assert p.row is None or p.row >= 1
        else:
            junheng.evaluate(dataset)  # whatever loads can be evaluated
    finally:
        shutil.rmtree(folder)
