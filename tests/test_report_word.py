"""The Word self-assessment draft as a 公文 (GB/T 9704) and as a county's self-assessment.

The styles are read back with python-docx; the counts and totals are worked out by hand from
small hand-made counties, never by calling the code under test.
"""

from __future__ import annotations

import re

import pytest
from docx import Document
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

import junheng
from conftest import passing_teachers, school_row, stage_row
from junheng.report import write_word
from test_reports import HOSTILE, gap_county

SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
THEME_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")
# Latin words and numbers, the pieces a column must never break.
LATIN_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9,.%/²'’()&+=@-]*")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    path = tmp_path_factory.mktemp("word") / "county.xlsx"
    junheng.write_sample(path, schools=24, seed=5)
    return junheng.evaluate(junheng.load(path))


@pytest.fixture(scope="module")
def zh_doc(sample, tmp_path_factory):
    return Document(str(write_word(sample, "示例县", tmp_path_factory.mktemp("zh") / "d.docx")))


@pytest.fixture(scope="module")
def en_doc(sample, tmp_path_factory):
    return Document(str(write_word(sample, "示例县", tmp_path_factory.mktemp("en") / "d.docx",
                                   lang="en")))


def _all_text(doc) -> str:
    """Every visible text of the document: body, table cells, headers and footers."""
    parts = [p.text for p in doc.paragraphs]
    parts += [c.text for t in doc.tables for row in t.rows for c in row.cells]
    for section in doc.sections:
        for part in (section.header, section.footer, section.even_page_footer,
                     section.even_page_header, section.first_page_footer):
            parts += [p.text for p in part.paragraphs]
    return "\n".join(parts)


def _fonts(style) -> dict[str, str]:
    rfonts = style.element.rPr.rFonts
    return {name: rfonts.get(qn(f"w:{name}")) for name in ("eastAsia", "ascii", "hAnsi")}


def _close(length, expected) -> bool:
    return abs(length - expected) <= Mm(0.1)


# -- the 公文 layout ------------------------------------------------------------------------------

def test_page_margins_and_fonts_follow_gbt_9704(zh_doc):
    doc = zh_doc
    body = doc.sections[0]
    assert _close(body.page_width, Mm(210)) and _close(body.page_height, Mm(297))
    assert _close(body.top_margin, Mm(37)) and _close(body.bottom_margin, Mm(35))
    assert _close(body.left_margin, Mm(28)) and _close(body.right_margin, Mm(26))
    expected = {"Normal": ("仿宋_GB2312", 16), "Title": ("方正小标宋简体", 22),
                "Heading 1": ("黑体", 16), "Heading 2": ("楷体_GB2312", 16)}
    for name, (east, size) in expected.items():
        style = doc.styles[name]
        assert _fonts(style) == {"eastAsia": east, "ascii": "Times New Roman",
                                 "hAnsi": "Times New Roman"}, name
        rfonts = style.element.rPr.rFonts
        assert not any(rfonts.get(qn(a)) for a in THEME_ATTRS), name  # no theme override
        assert style.font.size == Pt(size), name
        assert not style.font.bold, name  # 黑体, 楷体, 小标宋: no added bold
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    rfonts = defaults.find(qn("w:rPr")).find(qn("w:rFonts"))
    assert not any(rfonts.get(qn(a)) for a in THEME_ATTRS)
    assert rfonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    # Fixed 28 pt lines and a two-character first-line indent, body and headings alike.
    for name in ("Normal", "Heading 1", "Heading 2"):
        pf = doc.styles[name].paragraph_format
        assert pf.line_spacing == Pt(28) and pf.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert pf.first_line_indent == Pt(32)
        ind = doc.styles[name].element.pPr.find(qn("w:ind"))
        assert ind.get(qn("w:firstLineChars")) == "200"
    title = doc.paragraphs[0]
    assert title.style.name == "Title" and title.text == "示例县义务教育优质均衡发展自评报告"
    assert doc.styles["Title"].paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    # The program's name is in the document's properties, not in what the bureau sends.
    assert "junheng" in doc.core_properties.comments
    assert "junheng" not in _all_text(doc).lower()


def test_page_numbers_are_dashed_fields_outside_at_the_bottom(zh_doc):
    section = zh_doc.sections[0]
    settings = zh_doc.settings.element
    assert settings.find(qn("w:evenAndOddHeaders")) is not None
    for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                          (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
        p = footer.paragraphs[0]
        fields = p._p.findall(qn("w:fldSimple"))
        assert [f.get(qn("w:instr")).strip() for f in fields] == ["PAGE"]
        assert "".join(p._p.xpath(".//w:t/text()")) == "— 1 —"  # the field between dashes
        assert p.alignment == align
        assert _fonts(p.style)["eastAsia"] == "宋体" and _fonts(p.style)["ascii"] == "宋体"
        assert p.style.font.size == Pt(14)  # 四号
    # The annexes' landscape section keeps numbering on the same footers.
    assert all(s.footer.is_linked_to_previous for s in zh_doc.sections[1:])


def test_tables_repeat_their_header_and_keep_rows_whole(zh_doc):
    assert len(zh_doc.tables) >= 4
    for table in zh_doc.tables:
        rows = table._tbl.tr_lst
        assert rows[0].trPr.find(qn("w:tblHeader")) is not None
        assert all(r.trPr is not None and r.trPr.find(qn("w:cantSplit")) is not None
                   for r in rows)
        style = table.rows[0].cells[0].paragraphs[0].style
        assert _fonts(style)["eastAsia"] == "仿宋_GB2312"
        assert style.font.size in (Pt(14), Pt(12))  # 四号 or 小四


def test_sections_in_order_with_the_standard_cited(zh_doc):
    doc = zh_doc
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == ["一、基本情况", "二、主要做法与成效", "三、评估结果", "四、存在问题",
                        "五、整改措施"]
    text = "\n".join(p.text for p in doc.paragraphs)
    assert "《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）" in text
    # 附件 list, 落款 with a date, then the annexes, the first one the task table.
    labels = [p.text for p in doc.paragraphs if p.style.name == "Annex Label"]
    assert labels == ["附件1", "附件2", "附件3"]
    assert "附件：1．各校整改任务表" in text
    signature = [p.text for p in doc.paragraphs if p.style.name == "Signature"]
    assert len(signature) == 2 and re.fullmatch(r"20\d\d年\d{1,2}月\d{1,2}日", signature[1])
    tasks = next(t for t in doc.tables if t.rows[0].cells[0].text == "序号"
                 and len(t.columns) == 7)
    assert [c.text for c in tasks.rows[0].cells] == [
        "序号", "学校", "学段", "存在问题", "整改任务", "责任单位", "完成时限"]
    assert all(row.cells[5].text == "" and row.cells[6].text == "" for row in tasks.rows[1:])


def test_numbers_are_written_by_kind(zh_doc):
    text = _all_text(zh_doc)
    # A count is whole: no "2.00 名"; nothing after a fraction reads as a count.
    assert not re.search(r"\d\.\d+ ?[名间个所人](?!/)", text)
    # Money of 10 000 元 or more is in 万元 with two decimals.
    for m in re.finditer(r"(\d[\d,]*(?:\.\d+)?) ?元", text):
        assert float(m[1].replace(",", "")) < 10_000, m[0]
    assert all(re.fullmatch(r"\d[\d,]*\.\d\d", m) for m in re.findall(r"([\d.,]+) ?万元", text))
    assert re.search(r"\d\.\d\d 万元", text)
    # Thousands separators (a year is four digits).
    assert not re.search(r"(?<![\d,.])\d{5,}", text)
    # Areas in running text at most one decimal (a school's value in a table keeps two).
    body = "\n".join(p.text for p in zh_doc.paragraphs)
    assert re.search(r"\d m²", body) and not re.search(r"\d\.\d\d ?m²", body)


# -- the county's figures, by hand ---------------------------------------------------------------

def test_teaching_points_are_counted_apart_from_schools(xlsx, tmp_path):
    schools = [school_row("P1"), school_row("P2", location="rural"),
               school_row("N1", school_type="nine_year", location="town"),
               school_row("J1", school_type="junior"),
               school_row("T1", school_type="teaching_point", location="rural"),
               school_row("T2", school_type="teaching_point", location="rural"),
               school_row("T3", school_type="teaching_point", location="rural")]
    stages = [stage_row("P1", "primary", 300), stage_row("P2", "primary", 120),
              stage_row("N1", "primary", 200), stage_row("N1", "junior", 150),
              stage_row("J1", "junior", 400), stage_row("T1", "primary", 30),
              stage_row("T2", "primary", 25), stage_row("T3", "primary", 12)]
    staff = []
    for s in stages:
        staff += passing_teachers(s["school_id"], s["stage"], s["students"])
    result = junheng.evaluate(junheng.load(xlsx(schools=schools, stages=stages,
                                                teachers=staff)))
    doc = Document(str(write_word(result, "测试县", tmp_path / "zh.docx")))
    basic = next(p.text for p in doc.paragraphs if "共有义务教育学校" in p.text)
    # Four schools (the nine-year school once, not per stage) and three teaching points;
    # pupils 300 + 120 + 200 + 150 + 400 + 30 + 25 + 12 = 1,237, primary 687, junior 550.
    assert "共有义务教育学校 4 所、教学点 3 个" in basic
    assert "小学 2 所、初级中学 1 所、九年一贯制学校 1 所" in basic
    assert "城区学校 2 所、镇区学校 1 所、乡村学校 1 所" in basic
    assert "在校生 1,237 人（小学 687 人、初中 550 人）" in basic
    en = Document(str(write_word(result, "测试县", tmp_path / "en.docx", lang="en")))
    basic = next(p.text for p in en.paragraphs if "teaching points" in p.text)
    assert "4 compulsory schools and 3 teaching points" in basic
    assert "2 primary schools, 1 junior secondary school and 1 nine-year school" in basic


def test_problems_give_county_totals_and_the_annex_each_school(xlsx, tmp_path):
    result = junheng.evaluate(junheng.load(gap_county(xlsx)))
    doc = Document(str(write_word(result, "测试县", tmp_path / "zh.docx")))
    paragraphs = [p.text for p in doc.paragraphs]
    start = paragraphs.index("四、存在问题")
    problems = paragraphs[start:paragraphs.index("五、整改措施")]
    # Six school–stages evaluated; S2, S3 and S4 fail the per-school rule. What each must add
    # (gap_county's docstring): S2 a multimedia room (200 × 2.3 / 100 = 4.6 > 4 rooms: 1);
    # S3 equipment 50 × 2000 − 75,000 = 25,000 yuan; S4 a room (150 × 2.3 / 100 = 3.45 > 3: 1)
    # and equipment 150 × 2000 − 270,000 = 30,000 yuan. Together 55,000 yuan = 5.50 万元
    # at two school–stages, and 2 rooms at two.
    assert "全县 6 个学校（学段）中，3 个未达到学校达标要求。按各校达到要求必须补足的指标计算：" in problems
    assert ("办学条件需增加教学仪器设备 5.50 万元，涉及 2 个学校（学段）；"
            "网络多媒体教室 2 间，涉及 2 个学校（学段）。") in problems
    # One paragraph per failed item, one for all items lacking data: not a page of bullets.
    assert len(problems) < 15
    measures = paragraphs[paragraphs.index("五、整改措施"):]
    assert any(p.startswith("增加教学仪器设备 5.50 万元；增加网络多媒体教室 2 间") for p in measures)
    # The annex: each school's tasks, nearest to passing first (S2, S3, S4).
    tasks = next(t for t in doc.tables if len(t.columns) == 7)
    schools = list(dict.fromkeys(row.cells[1].text for row in tasks.rows[1:]))
    assert schools[:3] == [HOSTILE["S2"], HOSTILE["S3"], HOSTILE["S4"]]
    first = [row.cells[4].text for row in tasks.rows[1:] if row.cells[1].text == HOSTILE["S3"]]
    assert "增加教学仪器设备 2.50 万元" in first
    en = Document(str(write_word(result, "测试县", tmp_path / "en.docx", lang="en")))
    text = "\n".join(p.text for p in en.paragraphs)
    assert ("Buildings and equipment to add: 55,000 yuan of teaching equipment at 2 "
            "school–stages; 2 multimedia classrooms at 2 school–stages.") in text


# -- the English draft ----------------------------------------------------------------------------

def test_english_draft_reads_as_english(en_doc, xlsx, tmp_path):
    docs = [en_doc, Document(str(write_word(junheng.evaluate(junheng.load(gap_county(xlsx))),
                                            "测试县", tmp_path / "gap.docx", lang="en")))]
    for doc in docs:
        text = _all_text(doc)
        assert not SNAKE.findall(text)
        assert not re.search(r"(?<![\d.,])\b1 (?:[A-Za-z/-]+ ){0,2}?(teachers|rooms|classrooms|"
                             r"schools|items|pupils|classes|school–stages)\b", text)
        assert "(s)" not in text and "all 1 items" not in text
        assert "junheng" not in text.lower()
        headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
        assert headings == ["1. Basic situation", "2. Main measures and results",
                            "3. Evaluation results", "4. Problems", "5. Rectification measures"]
    # Latin text is set in a Latin font and language; Chinese names keep a Chinese font.
    assert _fonts(en_doc.styles["Normal"])["ascii"] == "Times New Roman"
    lang = en_doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")) \
        .find(qn("w:rPr")).find(qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-US"


def _min_width_mm(word: str, size_pt: float) -> float:
    """A lower bound of a word's width: half an em a character (Times New Roman's lower-case
    letters average about 0.45 em, digits 0.5), and Table Grid's 0.19 cm margins each side."""
    return len(word) * 0.5 * size_pt * 25.4 / 72 + 2 * 1.9


def test_english_table_columns_fit_their_longest_word(en_doc):
    """Word breaks a word mid-word only when the column is narrower than the word."""
    assert en_doc.tables
    for table in en_doc.tables:
        assert table._tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        widths = [col.width for col in table.columns]
        assert sum(widths) <= Mm(225) + Mm(0.5)  # within the widest text block
        for c, width in enumerate(widths):
            cells = [row.cells[c] for row in table.rows]
            size = cells[0].paragraphs[0].style.font.size.pt
            words = [w for cell in cells for w in LATIN_WORD.findall(cell.text)]
            longest = max(words, key=len, default="")
            assert width >= Mm(_min_width_mm(longest, size)), (table.rows[0].cells[c].text,
                                                                longest)


def test_the_width_check_can_fail(tmp_path):
    # A check that cannot fail is no check: a 1 cm column is narrower than "qualification".
    assert Mm(10) < Mm(_min_width_mm("qualification", 10.5))
    assert Mm(10) >= Mm(_min_width_mm("yes", 10.5))


def test_annex_rows_point_to_schools_by_name(zh_doc):
    tasks = next(t for t in zh_doc.tables if len(t.columns) == 7)
    numbers = [row.cells[0].text for row in tasks.rows[1:]]
    # One number per school, running 1, 2, 3 … down the merged cells.
    seen = list(dict.fromkeys(numbers))
    assert seen == [str(i) for i in range(1, len(seen) + 1)]
