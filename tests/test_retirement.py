"""Statutory retirement under the 2025 gradual increase, against values worked by hand.

The law (国务院关于渐进式延迟职工法定退休年龄的办法, 第二条): from 2025-01-01, men (60) and women
whose original age was 55: +1 month every 4 months, up to 63 and 58; women whose original age
was 50: +1 month every 2 months, up to 55. Whoever reaches the original age before 2025-01
retires at it. Below, k = months from 2025-01 to the original retirement month (birth month +
original age); the delay is ⌊k / every⌋ + 1 months, at most the target.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from junheng.errors import StandardError
from junheng.projection import (
    load_retirement_rules,
    retirement_age_months,
    retirement_dates,
    retirement_month,
    retirement_year,
)

RULES = load_retirement_rules()

# (birth year, birth month, group, expected age in months, expected retirement (year, month))
WORKED = [
    # men, original 60
    (1964, 12, "male", 720, (2024, 12)),  # 1964-12 + 60 y = 2024-12 < 2025-01: not delayed
    (1965, 1, "male", 721, (2025, 2)),  # k = 0: ⌊0/4⌋ + 1 = 1 → 60 y 1 m; 1965-01 + 60 y 1 m
    (1965, 4, "male", 721, (2025, 5)),  # k = 3: ⌊3/4⌋ + 1 = 1 → 60 y 1 m
    (1965, 5, "male", 722, (2025, 7)),  # k = 4: ⌊4/4⌋ + 1 = 2 → 60 y 2 m; 1965-05 + 60 y 2 m
    (1965, 9, "male", 723, (2025, 12)),  # k = 8: 3 → 60 y 3 m; 1965-09 + 60 y 3 m = 2025-12
    (1970, 1, "male", 736, (2031, 5)),  # k = 60: ⌊60/4⌋ + 1 = 16 → 61 y 4 m; 1970-01 + 61 y 4 m
    (1976, 8, "male", 755, (2039, 7)),  # k = 139: ⌊139/4⌋ + 1 = 35 → 62 y 11 m
    # the first birth month at the target: 36 = ⌊k/4⌋ + 1 ⇔ k ≥ 140; 2025-01 + 140 m = 2036-09,
    # minus 60 y → born 1976-09; 1976-09 + 63 y = 2039-09
    (1976, 9, "male", 756, (2039, 9)),
    (1980, 1, "male", 756, (2043, 1)),  # k = 180 → ⌊180/4⌋ + 1 = 46, capped at 36 → 63 y
    # women, original 55 (the default for a female teacher)
    (1969, 12, "female_cadre", 660, (2024, 12)),  # 1969-12 + 55 y = 2024-12: not delayed
    (1970, 1, "female_cadre", 661, (2025, 2)),  # k = 0 → 55 y 1 m
    (1981, 8, "female_cadre", 695, (2039, 7)),  # k = 139 → 35 → 57 y 11 m
    (1981, 9, "female_cadre", 696, (2039, 9)),  # k = 140 → 36 → 58 y: the first at the target
    (1990, 6, "female_cadre", 696, (2048, 6)),  # capped at 58 y
    # women, original 50: every 2 months
    (1974, 12, "female_worker", 600, (2024, 12)),  # 1974-12 + 50 y = 2024-12: not delayed
    (1975, 1, "female_worker", 601, (2025, 2)),  # k = 0: ⌊0/2⌋ + 1 = 1 → 50 y 1 m
    (1975, 2, "female_worker", 601, (2025, 3)),  # k = 1: ⌊1/2⌋ + 1 = 1 → 50 y 1 m
    (1975, 3, "female_worker", 602, (2025, 5)),  # k = 2: ⌊2/2⌋ + 1 = 2 → 50 y 2 m
    (1984, 10, "female_worker", 659, (2039, 9)),  # k = 117: 58 + 1 = 59 → 54 y 11 m
    # 60 = ⌊k/2⌋ + 1 ⇔ k ≥ 118; 2025-01 + 118 m = 2034-11, minus 50 y → born 1984-11
    (1984, 11, "female_worker", 660, (2039, 11)),
    (1990, 6, "female_worker", 660, (2045, 6)),  # capped at 55 y
]


@pytest.mark.parametrize(("year", "month", "group", "age", "retires"), WORKED)
def test_worked_examples(year, month, group, age, retires):
    gender = "male" if group == "male" else "female"
    assert retirement_age_months(year, month, gender, RULES, group) == age
    assert retirement_month(year, month, gender, RULES, group) == retires


# Rows of the 对照表 as the rule gives them: a range of birth months, the age (years, months)
# and the range of retirement months.
TABLE = [
    ("male", (1965, 1), (1965, 4), (60, 1), (2025, 2), (2025, 5)),
    ("male", (1965, 5), (1965, 8), (60, 2), (2025, 7), (2025, 10)),
    ("male", (1965, 9), (1965, 12), (60, 3), (2025, 12), (2026, 3)),
    ("male", (1976, 9), (1976, 12), (63, 0), (2039, 9), (2039, 12)),
    ("female_cadre", (1970, 1), (1970, 4), (55, 1), (2025, 2), (2025, 5)),
    ("female_cadre", (1981, 9), (1981, 12), (58, 0), (2039, 9), (2039, 12)),
    ("female_worker", (1975, 1), (1975, 2), (50, 1), (2025, 2), (2025, 3)),
    ("female_worker", (1975, 3), (1975, 4), (50, 2), (2025, 5), (2025, 6)),
    ("female_worker", (1984, 11), (1984, 12), (55, 0), (2039, 11), (2039, 12)),
]


@pytest.mark.parametrize(("group", "first", "last", "age", "out_first", "out_last"), TABLE)
def test_table_rows(group, first, last, age, out_first, out_last):
    gender = "male" if group == "male" else "female"
    births = [(first[0], m) for m in range(first[1], last[1] + 1)]
    assert len(births) >= 2  # each row covers a range, not one month
    ages = {retirement_age_months(y, m, gender, RULES, group) for y, m in births}
    assert ages == {12 * age[0] + age[1]}
    assert retirement_month(*births[0], gender, RULES, group) == out_first
    assert retirement_month(*births[-1], gender, RULES, group) == out_last


def _simulate(original: int, target: int, every: int) -> dict[tuple[int, int], tuple]:
    """Walk birth months 1960-01 … 1990-12 in order, counting the delay as the law reads:
    the first ``every`` cohorts whose original date is 2025-01 or later wait 1 month, the next
    ``every`` 2 months, … never beyond the target; then walk the calendar month by month."""
    out = {}
    delay, in_step = 0, 0
    for year in range(1960, 1991):
        for month in range(1, 13):
            if (year + original, month) >= (2025, 1):
                if delay == 0 or in_step == every:
                    delay, in_step = delay + 1, 0
                in_step += 1
            age = 12 * original + min(delay, 12 * (target - original))
            y, m = year, month
            for _ in range(age):
                y, m = (y + 1, 1) if m == 12 else (y, m + 1)
            out[year, month] = (age, (y, m))
    return out


@pytest.mark.parametrize(("group", "law"), [
    ("male", (60, 63, 4)), ("female_cadre", (55, 58, 4)), ("female_worker", (50, 55, 2))])
def test_brute_force_every_birth_month(group, law):
    gender = "male" if group == "male" else "female"
    simulated = _simulate(*law)
    assert len(simulated) == 31 * 12
    for (year, month), (age, retires) in simulated.items():
        assert retirement_age_months(year, month, gender, RULES, group) == age, (year, month)
        assert retirement_month(year, month, gender, RULES, group) == retires, (year, month)
    # the simulation itself spans the three regimes: not delayed, rising, capped
    ages = {age for age, _ in simulated.values()}
    assert min(ages) == 12 * law[0] and max(ages) == 12 * law[1]


def test_default_groups_and_assumed_birth_month():
    # a female teacher is 专业技术人员 by default: 55 → 58, not 50 → 55
    assert RULES.group("female").name == "female_cadre"
    # 1975-01 + 55 y = 2030-01, k = 60: ⌊60/4⌋ + 1 = 16 → 55 y 4 m
    assert retirement_age_months(1975, 1, "female", RULES) == 676
    assert retirement_age_months(1975, 1, "female", RULES, "female_worker") == 601
    worker = RULES.with_default_group(female="female_worker")
    assert retirement_age_months(1975, 1, "female", worker) == 601
    # unknown birth month → July
    assert RULES.assumed_birth_month == 7
    assert retirement_month(1965, None, "male", RULES) == retirement_month(1965, 7, "male", RULES)
    assert retirement_month(1965, None, "male", RULES) == (2025, 9)  # k = 6 → 60 y 2 m


def test_scalar_rejects_bad_arguments():
    with pytest.raises(ValueError, match=r"性别.*gender"):
        retirement_month(1970, 1, "男", RULES)
    with pytest.raises(ValueError, match=r"出生月份.*birth month"):
        retirement_month(1970, 13, "male", RULES)
    with pytest.raises(ValueError, match="unknown retirement group"):
        retirement_month(1970, 1, "female", RULES, "female_teacher")
    with pytest.raises(ValueError, match=r"default_group.female"):
        RULES.with_default_group(female="nobody")


def _teachers() -> pl.DataFrame:
    rows = []
    for year in range(1960, 1991):
        for month in [*range(1, 13), None]:
            for gender in ("male", "female"):
                rows.append((year, month, gender))
    rows += [(None, 3, "male"), (1970, 3, None), (None, None, None)]
    return pl.DataFrame(rows, schema={"birth_year": pl.Int64, "birth_month": pl.Int64,
                                      "gender": pl.String}, orient="row")


def test_polars_equals_scalar_row_by_row():
    teachers = _teachers()
    dates = retirement_dates(teachers, RULES)
    assert dates.height == teachers.height
    years = retirement_year(teachers, RULES)
    assert years.to_list() == dates["retirement_year"].to_list()
    for row, got in zip(teachers.iter_rows(named=True), dates.iter_rows(), strict=True):
        if row["birth_year"] is None or row["gender"] is None:
            assert got == (None, None, None), row
            continue
        args = (row["birth_year"], row["birth_month"], row["gender"], RULES)
        year, month = retirement_month(*args)
        assert got == (year, month, retirement_age_months(*args)), row
    assert dates["retirement_year"].null_count() == 3


def test_polars_group_column_and_absent_columns():
    teachers = pl.DataFrame({
        "birth_year": [1975, 1975, 1975], "birth_month": [3, 3, 3],
        "gender": ["female", "female", "male"],
        "post": ["female_worker", None, None],
    })
    dates = retirement_dates(teachers, RULES, group_column="post")
    # 1975-03, worker: original 2025-03, k = 2 → 2 → 50 y 2 m = 602, retires 2025-05;
    # cadre: original 2030-03, k = 62 → ⌊62/4⌋ + 1 = 16 → 56 y 4 m = 676, retires 2031-07;
    # man: original 2035-03, k = 122 → ⌊122/4⌋ + 1 = 31 → 62 y 7 m = 751, retires 2037-10
    assert dates["retirement_age_months"].to_list() == [602, 676, 751]
    assert dates["retirement_year"].to_list() == [2025, 2031, 2037]
    assert dates["retirement_month"].to_list() == [5, 7, 10]
    # no birth month column: July assumed; no gender column: nobody is assumed to retire
    no_month = retirement_dates(pl.DataFrame({"birth_year": [1965], "gender": ["male"]}), RULES)
    assert no_month.row(0) == (2025, 9, 722)
    no_gender = retirement_year(pl.DataFrame({"birth_year": [1965, 1980]}), RULES)
    assert no_gender.to_list() == [None, None]


def test_polars_rejects_bad_values():
    with pytest.raises(ValueError, match=r"gender.*must be male or female"):
        retirement_year(pl.DataFrame({"birth_year": [1970], "gender": ["男"]}), RULES)
    with pytest.raises(ValueError, match=r"birth_month.*1–12.*\[0\]"):
        retirement_year(pl.DataFrame({"birth_year": [1970], "birth_month": [0],
                                      "gender": ["male"]}), RULES)
    with pytest.raises(ValueError, match="unknown retirement group"):
        retirement_year(pl.DataFrame({"birth_year": [1970], "gender": ["male"],
                                      "post": ["teacher"]}), RULES, group_column="post")


GOOD = Path(__file__).parents[1] / "src" / "junheng" / "projection" / "retirement.yaml"


def test_rules_are_data(tmp_path):
    # a province (or a later reform) that stops men at 62 changes the file, not the code
    text = GOOD.read_text(encoding="utf-8").replace("target_age: 63", "target_age: 62")
    path = tmp_path / "province.yaml"
    path.write_text(text, encoding="utf-8")
    rules = load_retirement_rules(path)
    assert retirement_age_months(1990, 1, "male", rules) == 744  # 62 y
    assert retirement_age_months(1990, 1, "male", RULES) == 756  # 63 y
    assert retirement_age_months(1965, 1, "male", rules) == 721  # the pace is unchanged


def _problems(tmp_path, text: str) -> list[str]:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(StandardError) as caught:
        load_retirement_rules(path)
    return caught.value.problems


def test_malformed_files_say_what_is_wrong(tmp_path):
    good = GOOD.read_text(encoding="utf-8")
    (syntax,) = _problems(tmp_path, "groups: [male\n")
    assert "YAML 格式错误 / invalid YAML" in syntax
    (mapping,) = _problems(tmp_path, "- 60\n- 63\n")
    assert "应为键值映射 / must be a mapping" in mapping

    broken = (good.replace('start: "2025-01"', 'start: "2025/01"')
              .replace("every_months: 2", "every_months: 0")
              .replace("target_age: 58", "target_age: 54")
              .replace("  female: female_cadre", "  female: female_teacher")
              .replace("    step_months: 1          # the age", "    stride: 1          # the age")
              .replace("assumed_birth_month: 7", "assumed_birth_month: 13"))
    problems = _problems(tmp_path, broken)
    expected = [
        "start: 应为 YYYY-MM 形式的年月 / must be a month written YYYY-MM, got '2025/01'",
        "assumed_birth_month: 应在 1–12 之间的整数 / must be within 1–12, a whole number, got 13",
        "groups.male.stride: 未知参数 / unknown setting",
        "groups.male.step_months: 缺少 / missing",
        "groups.female_cadre.target_age: 不应低于 original_age / must not be below original_age "
        "(55), got 54",
        "groups.female_worker.every_months: 应在 1–120 之间的整数 / must be within 1–120",
        "default_group.female: 应为已定义的分组之一",
    ]
    for text in expected:
        assert sum(text in p for p in problems) == 1, (text, problems)
    assert len(problems) == len(expected), problems
    assert all(p.startswith(str(tmp_path / "bad.yaml")) for p in problems)

    with pytest.raises(StandardError, match=r"找不到退休规则文件.*not found"):
        load_retirement_rules(tmp_path / "absent.yaml")
