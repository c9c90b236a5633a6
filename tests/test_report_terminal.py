"""The terminal summary at 80 columns: the 整改清单 in brief, the failing schools nearest to
passing first with every figure visible, and English without grammar slips.

The county is written by hand and its figures worked out here from STANDARDS.md:

- A (primary, 400 pupils): sports ground 1 500 m² against 7.5 m² × 400 = 3 000 m² (ratio 0.5)
  and equipment 400 000 元 against 2 000 元 × 400 = 800 000 元 (ratio 0.5): two indicators
  below the 85 % floor, both to fix — short 1 500 m² and 400 000 元 (40.00 万元).
- B (primary, 200 pupils): one PE teacher against 0.9 × 200 / 100 = 1.8 → 2 needed (ratio
  0.5/0.9 = 0.556, below the floor): one indicator to fix, short 1 teacher; distance 0.444.
- C (primary, 400 pupils, a 45-character name): no multimedia room against 2.3 × 4 = 9.2 → 10
  (ratio 0): one indicator to fix, short 10 rooms; distance 1.
- Nearest to passing first: B (1 indicator, 0.444), C (1 indicator, 1.0), A (2 indicators).
"""

from __future__ import annotations

import re
from io import StringIO

import pytest
from rich.console import Console

import junheng
from conftest import passing_teachers, school_row, stage_row
from junheng.report import print_evaluation
from junheng.report.catalogue import DOMAINS

LONG_NAME = "县" + "第一实验小学附属" * 5 + "分校本部小学"  # 47 characters, 94 columns


def _pe_short(school_id: str, students: int) -> list[dict]:
    staff = passing_teachers(school_id, "primary", students)
    pe = [t for t in staff if t["subject"] == "pe"]
    for t in pe[1:]:  # keep one PE teacher
        t["subject"] = "chinese"
    return staff


@pytest.fixture(scope="module")
def result(tmp_path_factory):
    from conftest import write_xlsx

    path = tmp_path_factory.mktemp("terminal") / "county.xlsx"
    schools = [school_row("A"), school_row("B"), school_row("C", name=LONG_NAME)]
    stages = [stage_row("A", "primary", 400, sports_area_m2=1500, equipment_value_yuan=400_000),
              stage_row("B", "primary", 200),
              stage_row("C", "primary", 400, multimedia_rooms=0)]
    staff = (passing_teachers("A", "primary", 400) + _pe_short("B", 200)
             + passing_teachers("C", "primary", 400))
    write_xlsx(path, {"schools": schools, "stages": stages, "teachers": staff})
    return junheng.evaluate(junheng.load(path))


def _printed(result, lang: str, width: int = 80) -> str:
    buffer = StringIO()
    print_evaluation(result, Console(file=buffer, width=width, color_system=None), lang)
    return buffer.getvalue().replace("\u00a0", " ")


def _failing_section(text: str, title: str) -> list[str]:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(title))
    return lines[start + 1:]


def test_failing_schools_are_nearest_to_passing_first_in_both_languages(result):
    for lang, title in (("zh", "未达标学校及缺口"), ("en", "School–stages failing the rule")):
        section = "\n".join(_failing_section(_printed(result, lang), title))
        flat = section.replace("\n", "")
        positions = [flat.index(name) for name in ("学校B", LONG_NAME, "学校A")]
        assert positions == sorted(positions), (lang, positions)


def test_every_column_of_a_failing_school_is_visible_at_80_columns_in_english(result):
    text = _printed(result, "en")
    assert max(len(line) for line in text.splitlines()) <= 80
    section = "\n".join(_failing_section(text, "School–stages failing the rule"))
    head_b = next(line for line in section.splitlines() if line.startswith("学校B"))
    # The school, its stage, pupils and indicators met: the columns an 80-column table lost.
    assert re.search(r"学校B B\s+Primary\s+Pupils 200\s+Met 6/7$", head_b), head_b
    assert "short of 1 PE/art teacher (below 85 %)" in section
    assert "short of 1,500 m² of sports ground area (below 85 %)" in section
    assert "short of 400,000 yuan of teaching equipment (below 85 %)" in section
    assert "short of 10 multimedia classrooms (below 85 %)" in section


def test_a_long_name_folds_and_is_never_cut(result):
    for lang in ("zh", "en"):
        text = _printed(result, lang)
        assert "…" not in text
        assert LONG_NAME in text.replace("\n", "")


def test_the_rectification_list_comes_first_with_the_county_totals(result):
    zh = _printed(result, "zh")
    brief = zh[zh.index("整改清单"):zh.index("资源配置：")]
    assert "3 个学校（学段）未达到学校达标要求" in brief
    # Each total: the school's own shortfall (one school per indicator here).
    assert "体育艺术教师 1 名，涉及 1 个学校（学段）" in brief
    assert "体育运动场馆 1,500 m²，涉及 1 个学校（学段）" in brief
    assert "教学仪器设备 40.00 万元，涉及 1 个学校（学段）" in brief
    assert "网络多媒体教室 10 间，涉及 1 个学校（学段）" in brief
    en = _printed(result, "en")
    brief = en[en.index("Rectification list"):en.index("Resource allocation: fail")]
    # Three CVs over 0.50 (weights 0.4, 0.2, 0.4 for A, B, C): sports ground 3.75, 20, 20 m²
    # per pupil → X̄ 13.5, S² 63.375, CV 0.590; equipment 1 000, 5 000, 5 000 元 → X̄ 3 400,
    # CV 0.576; multimedia rooms 5, 5, 0 per 100 → X̄ 3, S² 6, CV 0.816. PE/art 1.25, 0.5,
    # 1.25 → X̄ 1.1, CV 0.273 is within.
    assert "3 school–stages fail the per-school rule; 3 CVs over the limit" in brief
    assert "1 PE/art teacher at 1 school–stage" in brief
    assert "400,000 yuan of teaching equipment at 1 school–stage" in brief


def test_english_has_no_internal_keys_and_no_plural_slips(result):
    text = _printed(result, "en", width=120)
    assert not re.findall(r"\b[a-z]+_[a-z_]+\b", text)
    assert not re.search(r"\b1 [\w/ -]*?(teachers|classrooms|items|schools)\b", text)
    assert "all 1 items" not in text


def test_every_word_of_the_catalogue_belongs_to_one_domain():
    seen: dict[str, str] = {}
    for domain, words in DOMAINS.items():
        for key in words:
            assert key not in seen, f"{key} in {seen.get(key)} and {domain}"
            seen[key] = domain
        for key, (zh, en) in words.items():
            assert zh and en, key
