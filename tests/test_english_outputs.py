"""Every English output read as a reader sees it: no internal key (snake_case) and no plural
slip ("1 backbone teachers", "all 1 items met") in the terminal, the workbook, the HTML, the
Word draft or a school's page.

Two counties: the sample (every part filled in) and a hand-made one without the county table,
rooms or rotations (so every "missing data" sentence is written too).
"""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from docx import Document
from rich.console import Console

import junheng
from conftest import passing_teachers, school_row, stage_row, write_xlsx
from junheng.report import print_evaluation, write_reports

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
# "1" followed by up to two words and a plural noun: "1 backbone teachers", "1 items".
PLURAL_SLIP = re.compile(r"(?<![\d.,])\b1 (?:[A-Za-z/-]+ ){0,2}?(teachers|classrooms|rooms|"
                         r"schools|items|pupils|classes|school–stages|CVs)\b")


@pytest.fixture(scope="module", params=["sample", "sparse"])
def english(request, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp(f"english-{request.param}")
    if request.param == "sample":
        path = folder / "county.xlsx"
        junheng.write_sample(path, schools=24, seed=5)
    else:
        stages = [stage_row("A", "primary", 400, sports_area_m2=1500),
                  stage_row("B", "primary", 100, multimedia_rooms=0, largest_class=60)]
        staff = passing_teachers("A", "primary", 400) + passing_teachers("B", "primary", 100)
        path = write_xlsx(folder / "county.xlsx", {
            "schools": [school_row("A"), school_row("B")], "stages": stages, "teachers": staff})
    result = junheng.evaluate(junheng.load(path))
    buffer = StringIO()
    print_evaluation(result, Console(file=buffer, width=100, color_system=None), "en")
    texts = {"terminal": buffer.getvalue()}
    for p in write_reports(result, folder / "out", lang="en"):
        texts.update(_texts(p))
    return texts


def _texts(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    if path.suffix == ".xlsx":
        book = openpyxl.load_workbook(path)
        for sheet in book.worksheets:
            out[f"{path.name}:{sheet.title}"] = "\n".join(
                str(c.value) for row in sheet.iter_rows() for c in row
                if isinstance(c.value, str))
    elif path.suffix == ".docx":
        doc = Document(str(path))
        parts = [p.text for p in doc.paragraphs]
        parts += [c.text for table in doc.tables for row in table.rows for c in row.cells]
        out[path.name] = "\n".join(parts)
    elif path.suffix == ".html":
        text = path.read_text(encoding="utf-8")
        text = re.sub(r"<script.*?</script>|<style.*?</style>", " ", text, flags=re.S)
        out[path.name] = re.sub(r"<[^>]+>", " ", text)
    elif path.is_dir():
        for child in sorted(path.iterdir()):
            out.update(_texts(child))
    return out


def test_no_internal_key_in_any_english_output(english):
    leaks = {name: sorted(set(SNAKE.findall(text))) for name, text in english.items()}
    assert not {k: v for k, v in leaks.items() if v}


def test_no_plural_slip_in_any_english_output(english):
    slips = {name: [m.group(0) for m in PLURAL_SLIP.finditer(text)]
             for name, text in english.items()}
    assert not {k: v for k, v in slips.items() if v}
    assert not any("all 1 items" in text for text in english.values())


def test_the_patterns_catch_what_they_are_for():
    # A check that cannot fail is no check: both patterns find the examples.
    assert SNAKE.findall("special_education_funds_per_pupil, layout_planned: yes")
    assert PLURAL_SLIP.search("short of 1 backbone teachers") and PLURAL_SLIP.search("all 1 items")
    assert not PLURAL_SLIP.search("short of 1 backbone teacher; 11 teachers; 2.1 items")
