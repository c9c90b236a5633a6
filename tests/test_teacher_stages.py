"""Placing each teacher in a stage of their school (io/_validate.py ``_teacher_stages``), judged
once per run of a school's teachers (issue 18), against the rules written out row by row in
plain Python on random rosters — out of order, with unknown and missing schools and stages, and
schools whose stage rows are missing or wrong for their type."""

from __future__ import annotations

import random

import polars as pl
import pytest

from junheng.io._validate import ROW, _teacher_stages

TYPES = ["primary", "junior", "nine_year", "twelve_year", "teaching_point"]
MULTI = {"nine_year", "twelve_year"}


def _case(seed: int):
    rng = random.Random(seed)
    schools = [(f"S{i}", rng.choice(TYPES)) for i in range(rng.randint(1, 6))]
    stage_rows = [(s, st) for s, _ in schools for st in ("primary", "junior")
                  if rng.random() < 0.6]
    ids = [s for s, _ in schools] + ["X1", None]  # X1: a school the schools table lacks
    teachers = []
    for _ in range(rng.randint(0, 40)):
        school = rng.choice(ids)
        teachers.append((school, rng.choice(["primary", "junior", None])))
        while rng.random() < 0.6:  # rosters list a school's teachers together, mostly
            teachers.append((school, teachers[-1][1] if rng.random() < 0.7 else
                             rng.choice(["primary", "junior", None])))
    return schools, stage_rows, teachers


def _expected(schools, stage_rows, teachers):
    """The rules, one teacher at a time."""
    kind = dict(schools)
    has = {s: {st for s2, st in stage_rows if s2 == s} for s, _ in schools}
    first_stage = {}
    for s, st in stage_rows:
        first_stage.setdefault(s, st)
    problems, moved, stages = [], {}, []
    for i, (school, stage) in enumerate(teachers):
        row = i + 3
        resolved = stage
        if school is not None and school not in kind:
            problems.append((row, "学校标识码 school_id", school, "unknown"))
        elif school is not None and not has[school]:
            problems.append((row, "学校标识码 school_id", school, "no stage rows"))
        elif school is not None and kind[school] in MULTI:
            if stage is None:
                problems.append((row, "任教学段 stage", None, "required"))
            elif stage not in has[school]:
                problems.append((row, "任教学段 stage", stage, "no such stage"))
        elif school is not None and len(has[school]) == 1:
            only = first_stage[school]
            if stage is not None and stage != only:
                n, first, st = moved.get(school, (0, row, stage))
                moved[school] = (n + 1, first, st)
            resolved = only
        stages.append(resolved)
    counts: dict[tuple[str, str], int] = {}
    for (school, _), stage in zip(teachers, stages, strict=True):
        if school is not None and stage is not None:
            counts[(school, stage)] = counts.get((school, stage), 0) + 1
    return problems, moved, stages, counts


KINDS = {"应为学校表中的学校标识码": "unknown", "学校表中没有这个学校标识码": "unknown",
         "该学校在学段表中没有任何学段行": "no stage rows",
         "多学段学校（九年一贯制、十二年一贯制）的教师必须填写任教学段": "required"}


@pytest.mark.parametrize("seed", range(60))
def test_teacher_stages_follow_the_rules_row_by_row(seed):
    schools, stage_rows, teachers = _case(seed)
    known = pl.DataFrame(schools, schema={"school_id": pl.String, "school_type": pl.String},
                         orient="row")
    stages = pl.DataFrame(stage_rows, schema={"school_id": pl.String, "stage": pl.String},
                          orient="row")
    frame = pl.DataFrame(teachers, schema={"school_id": pl.String, "stage": pl.String},
                         orient="row").with_columns(
        (pl.int_range(pl.len(), dtype=pl.Int64) + 3).alias(ROW))
    warnings: list = []
    resolved, problems, counts = _teacher_stages(frame, stages, known, {"teachers": "教师"},
                                                 warnings)
    want_problems, want_moved, want_stages, want_counts = _expected(schools, stage_rows,
                                                                    teachers)
    got = [(p.row, p.column, p.value,
            KINDS.get(p.expected_zh, "no such stage" if p.expected_zh.startswith("该学校没有此学段")
                      else p.expected_zh)) for p in problems]
    assert sorted(got, key=lambda p: p[0]) == want_problems
    only = {s: st for s, st in stage_rows}
    assert len(warnings) == len(want_moved)
    for (school, (n, first, stage)), w in zip(want_moved.items(), warnings, strict=True):
        assert (w.row, w.value) == (first, stage)
        assert w.expected_en == (f"school {school} has only the {only[school]} stage; {n} "
                                 "teacher(s) counted there")
    assert resolved.get_column("stage").to_list() == want_stages
    assert {(r["school_id"], r["stage"]): r["_figure"] for r in counts.iter_rows(named=True)
            } == want_counts


def test_a_long_column_is_kept_only_when_nothing_needs_stripping():
    from junheng.io._validate import _already_stripped

    ids = [f"S{i // 100:04d}" for i in range(120_000)]  # 1,200 schools of 100 teachers
    assert _already_stripped(pl.Series(ids))
    assert _already_stripped(pl.Series([*ids[:-1], None]))
    for spaced in (" S0001", "S0001 ", "S0001\u3000", "\tS0001"):
        assert not _already_stripped(pl.Series([*ids[:5_000], spaced, *ids[5_001:]]))
    # Every text distinct (teacher ids): compared text by text, not by runs.
    teachers = [f"T{i}" for i in range(120_000)]
    assert _already_stripped(pl.Series(teachers))
    assert _already_stripped(pl.Series([None, *teachers[1:]]))
    for spaced in (" T7", "T7 ", "T7\u3000", "\u00a0T7", "T7\n"):
        assert not _already_stripped(pl.Series([*teachers[:7], spaced, *teachers[8:]]))
    # A short column: stripped by the caller, unchecked.
    assert not _already_stripped(pl.Series(ids[:99_999]))


def test_a_long_coded_column_of_codes_only_skips_the_search_for_spellings():
    from junheng.io._validate import _codes_already
    from junheng.model.schema import TABLES

    n = 120_000
    stage = ["primary", "junior", None] * (n // 3)
    frame = pl.DataFrame({"stage": stage, "gender": ["female", "male"] * (n // 2),
                          "subject": ["chinese"] * n})
    coded = {"stage": "stage", "gender": "gender", "subject": "subject"}
    got = _codes_already(frame, coded, TABLES["teachers"])
    # subject has fifteen codes: its spellings are searched as before.
    assert got == {"stage": ["primary", "junior"], "gender": ["male", "female"]}
    # One label instead of a code (小学), or a short table: the spellings are searched.
    labelled = frame.with_columns(pl.Series("stage", ["小学", *stage[1:]]))
    assert "stage" not in _codes_already(labelled, coded, TABLES["teachers"])
    assert _codes_already(frame.head(99_999), coded, TABLES["teachers"]) == {}
