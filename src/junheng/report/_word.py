"""The Word self-assessment draft (自评报告): one .docx per county, laid out as a 公文.

Page and type follow GB/T 9704-2012 (党政机关公文格式): A4, margins 37 mm top (天头), 35 mm bottom,
28 mm left (订口) and 26 mm right, so the text block is 156 × 225 mm; the title in 方正小标宋简体
二号 (22 pt) centred; the body in 仿宋_GB2312 三号 (16 pt) on a fixed 28 pt line, each paragraph
indented two characters; first-level headings (一、) in 黑体 三号, second-level ((一)) in
楷体_GB2312 三号; page numbers "— 1 —" in 宋体 四号 at the bottom, right on odd pages and left on
even ones; the 附件 list, the 落款 (issuing office and date) and the annexes after the body.
Every style names its East-Asian font (``w:eastAsia``) as well as its Western one, and carries no
theme font that would override them.

The sections are those of a county's self-assessment: 一、基本情况 二、主要做法与成效 三、评估结果
四、存在问题 五、整改措施. 存在问题 and 整改措施 are written from the rectification list
(:func:`junheng.report.views.build_rectification`): one paragraph per kind of gap with the county
totals, and the school-by-school tasks in 附件1 (各校整改任务表, nearest to passing first, with
empty 责任单位 and 完成时限 columns). What the data cannot say (the measures the county took, the
issuing office) is left as a highlighted 【请填写…】 placeholder. The program's name appears only
in the document's properties.

Tables: 仿宋_GB2312 小四, the header row repeated on every page, no row split across pages, and
each column at least as wide as its longest unbreakable word (an English word, a number with its
unit) at the table's font size, so Word never breaks a word mid-word.
"""

from __future__ import annotations

import datetime as _dt
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

from junheng._english import mend_plurals
from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.io import atomic_path
from junheng.model.schema import COUNTY_BOUNDS, ENUMS, STAGES
from junheng.report._clean import one_line, plain
from junheng.report._format import fixed, number
from junheng.report._tables import gap_table
from junheng.report.catalogue import Lang, plural, t
from junheng.report.views import Need, Rectification, build_rectification
from junheng.report.views.rectification import ITEM_TASKS, singular_en
from junheng.report.views.verdict import incomplete_reasons


@dataclass(frozen=True)
class _Font:
    east: str  # w:eastAsia: Chinese text
    west: str  # w:ascii / w:hAnsi: Latin letters and digits
    size: float  # points


# Per language: the font of each paragraph style. Chinese sizes by name: 二号 22 pt, 三号 16 pt,
# 四号 14 pt, 小四 12 pt, 五号 10.5 pt.
LOOKS: dict[str, dict[str, _Font]] = {
    "zh": {"Normal": _Font("仿宋_GB2312", "Times New Roman", 16),
           "Title": _Font("方正小标宋简体", "Times New Roman", 22),
           "Heading 1": _Font("黑体", "Times New Roman", 16),
           "Heading 2": _Font("楷体_GB2312", "Times New Roman", 16),
           "Annex Label": _Font("黑体", "Times New Roman", 16),
           "Table Caption": _Font("黑体", "Times New Roman", 14),
           "Table Text": _Font("仿宋_GB2312", "Times New Roman", 12),
           "Table Text Small": _Font("仿宋_GB2312", "Times New Roman", 12),  # no smaller
           "Page Number": _Font("宋体", "宋体", 14)},
    "en": {"Normal": _Font("宋体", "Times New Roman", 12),
           "Title": _Font("黑体", "Times New Roman", 18),
           "Heading 1": _Font("黑体", "Times New Roman", 14),
           "Heading 2": _Font("黑体", "Times New Roman", 12),
           "Annex Label": _Font("黑体", "Times New Roman", 12),
           "Table Caption": _Font("黑体", "Times New Roman", 11),
           "Table Text": _Font("宋体", "Times New Roman", 10.5),
           "Table Text Small": _Font("宋体", "Times New Roman", 9),
           "Page Number": _Font("宋体", "Times New Roman", 12)},
}
LINE_PT = {"zh": 28.0, "en": 18.0}  # fixed line pitch of the body
TITLE_LINE_PT = {"zh": 35.0, "en": 24.0}
INDENT_CHARS = {"zh": 2, "en": 0}  # first-line indent of body paragraphs and headings
# Fonts a computer may lack, and the one Word and LibreOffice should use instead.
ALT_FONTS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体"}

PORTRAIT_MARGINS_MM = (37, 35, 28, 26)  # top, bottom, left, right: a 156 × 225 mm text block
LANDSCAPE_MARGINS_MM = (28, 26, 37, 35)  # the annexes' wide tables: the block turned, 225 mm wide
PORTRAIT_WIDTH_MM = 210 - 28 - 26
LANDSCAPE_WIDTH_MM = 297 - 37 - 35
CELL_PADDING_MM = 2 * 0.19 * 10 + 1.0  # Table Grid's 0.19 cm each side, and 1 mm to spare
PT_MM = 25.4 / 72

CN_NUMBERS = "一二三四五六七八九十"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")
OPS = {"≥": ("不低于", "at least"), "≤": ("不高于", "at most"), ">": ("高于", "above"),
       "<": ("低于", "below")}
# The unit written after an indicator's value in running text: an area or an amount of money.
# A ratio per 100 pupils (6.14 teachers) takes none: a measure word after a fraction (6.14 名)
# reads as a count.
UNIT_WORDS = {"m2": ("m²", "m²"), "yuan": ("元", "yuan")}
_NUMBER = re.compile(r"^[-+]?[\d,]+(\.\d+)?\s?(%|元|名|人|间|个|所|m²)?$")
_ROTATION = re.compile(r"(\d{4})学年交流 ([\d,]+) 名（骨干 ([\d,]+) 名），符合交流条件 ([\d,]+) 名")
RED = RGBColor(0xC0, 0x00, 0x00)


def write_word(evaluation: Evaluation, county: str, path: str | Path,
               lang: Lang = "zh", gaps: pl.DataFrame | None = None) -> Path:
    """Write the self-assessment draft of one county (atomically).

    Sections: 基本情况, 主要做法与成效, 评估结果, 存在问题, 整改措施; then the 附件 list, the
    落款, and the annexes (each school's tasks, each item, each school's indicators).

    ``gaps`` is ``gap_table(evaluation)`` when the caller already has it (``write_reports``
    computes it once for every report).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = junheng.write_sample(folder / "county.xlsx", schools=12, seed=1)
    >>> result = junheng.evaluate(junheng.load(folder / "county.xlsx"))
    >>> write_word(result, "示例县", folder / "draft.docx").exists()
    True
    """
    if county not in evaluation.counties.get_column("county").to_list():
        raise ValueError(f"no county {county!r} in this evaluation / 评估结果中没有县区 {county!r}")
    path = Path(path)
    gaps = gap_table(evaluation) if gaps is None else gaps
    doc = _Draft(evaluation, county, lang, build_rectification(evaluation, county, lang, gaps)
                 ).build()
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


# -- measuring text, for column widths ---------------------------------------------------------

def _char_em(ch: str) -> float:
    """A character's advance in em, generously: a wide (CJK) character is 1 em."""
    if unicodedata.east_asian_width(ch) in ("W", "F", "A"):
        return 1.0
    if ch.isupper() or ch in "mw%@":
        return 0.75
    if ch in " .,;:'|!iljtf()[]":
        return 0.35
    return 0.56


def _is_wide(ch: str) -> bool:
    return unicodedata.east_asian_width(ch) in ("W", "F")


# Wide punctuation that may not begin a line: it stays with the character before it.
_NO_BREAK_BEFORE = set("，。、；：！？）」』》〉”’%")


def _tokens(text: str) -> list[str]:
    """The pieces a line may not be broken inside: a run of Latin letters, digits and signs
    (an English word, ``15,105``, ``m²/生``), or one Chinese character with the punctuation that
    must follow it on the same line."""
    out: list[str] = []
    run = ""
    for ch in text:
        if ch.isspace():
            if run:
                out.append(run)
            run = ""
        elif _is_wide(ch):
            if ch in _NO_BREAK_BEFORE and (run or out):
                if run:
                    run += ch
                else:
                    out[-1] += ch
                continue
            if run:
                out.append(run)
            run = ""
            out.append(ch)
        else:
            run += ch
    if run:
        out.append(run)
    return out


def _em(text: str) -> float:
    return sum(_char_em(ch) for ch in text)


def _unbreakable_em(text: str) -> float:
    """The width of the longest piece of ``text`` a line may not break; a short Chinese word
    (是否达标, 计算, 序号) is kept whole."""
    if len(text) <= 4 and not any(ch.isspace() for ch in text):
        return _em(text)
    return max((_em(tok) for tok in _tokens(text)), default=0.0)


def _widths(heads: Sequence[str], rows: Sequence[Sequence[str]], size: float,
            width_mm: float, floors: dict[int, float] | None = None) -> list[float] | None:
    """Column widths in mm filling ``width_mm``; None when the longest words do not fit.

    Each column is at least as wide as its longest unbreakable piece (and ``floors[c]`` mm: a
    column left empty to be written in) and at most its longest line; the room between is
    shared in proportion to what each column would still take."""
    scale = size * PT_MM
    mins, prefs = [], []
    for c, head in enumerate(heads):
        column = {r[c] for r in rows}
        longest = max([_unbreakable_em(head) * 1.1]  # headings are bold
                      + [_unbreakable_em(text) for text in column] + [1.0])
        line = max([_em(head) * 1.1] + [_em(text) for text in column])
        floor = (floors or {}).get(c, 0.0)
        mins.append(max(longest * scale + CELL_PADDING_MM, floor))
        prefs.append(min(max(line * scale + CELL_PADDING_MM, mins[-1]), width_mm))
    if sum(mins) > width_mm + 1e-6:
        return None
    if sum(prefs) <= width_mm:
        spare = width_mm - sum(prefs)
        return [p + spare * p / sum(prefs) for p in prefs]
    want = [p - m for p, m in zip(prefs, mins, strict=True)]
    spare = width_mm - sum(mins)
    return [m + spare * w / sum(want) for m, w in zip(mins, want, strict=True)]


def _lower_first(text: str) -> str:
    """A label from the profile in mid-sentence: "Schools meeting" → "schools meeting", but
    "PE, music and art teachers" and "ICT use" keep their capitals."""
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


# -- the document ------------------------------------------------------------------------------

class _Draft:
    def __init__(self, evaluation: Evaluation, county: str, lang: Lang,
                 rect: Rectification) -> None:
        self.ev = evaluation
        self.county = county
        self.lang: Lang = lang
        self.zh = lang == "zh"
        self.std = evaluation.standard
        self.rect = rect
        self.look = LOOKS[lang]
        mine = pl.col("county") == county
        self.row = evaluation.counties.filter(mine).row(0, named=True)
        self.units = evaluation.units.filter(mine)
        self.items = evaluation.items.filter(mine)
        self.checks = evaluation.checks.filter(mine)
        self.parts = evaluation.parts.filter(mine)
        self.indicators = {i.key: i for i in self.std.indicators}
        self.doc = Document()
        self.tables = 0
        self.section_no = 0
        self.sub_no = 0
        self.annex_no: dict[str, int] = {}

    # -- words and numbers -------------------------------------------------------------------
    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    def num(self, value: float | None, kind: Any, unit: bool = True) -> str:
        return number(value, kind, self.lang, unit=unit)

    def sep(self) -> str:
        return "、" if self.zh else ", "

    def semi(self) -> str:
        return "；" if self.zh else "; "

    def join(self, parts: Sequence[str]) -> str:
        """A list in running text: 甲、乙、丙 / a, b and c."""
        parts = list(parts)
        if self.zh or len(parts) < 2:
            return "、".join(parts) if self.zh else "".join(parts)
        return ", ".join(parts[:-1]) + " and " + parts[-1]

    def units_text(self, n: int) -> str:
        """N 个学校（学段） / N school–stage(s)."""
        return f"{n:,} 个学校（学段）" if self.zh else plural(n, "school–stage", "school–stages")

    def name(self, obj: Any) -> str:
        return obj.name if self.zh else obj.name_en

    def stage(self, stage: str) -> str:
        return self.tx(stage)

    def cap(self, text: str) -> str:
        return text[:1].upper() + text[1:] if not self.zh else text

    def standard_cited(self) -> str:
        """《县域义务教育优质均衡发展督导评估办法》（教督〔2017〕6号）, from the profile's name."""
        if not self.zh:
            return self.std.name_en
        m = re.fullmatch(r"(.+?)（([^（）]*〔\d{4}〕[^（）]*)）", self.std.name)
        return f"《{m[1]}》（{m[2]}）" if m else f"《{self.std.name}》"

    def ind_value(self, key: str, value: float | None, unit: bool = True,
                  exact: bool = False) -> str:
        """An indicator's value: per-pupil yuan whole, m² one decimal, ratios two decimals.

        ``exact``: a school's value set against its threshold, two decimals whatever the unit
        (as the ledger writes it: 4.46 must not read as the threshold 4.5)."""
        if value is None or not math.isfinite(value):
            return "—"
        ind = self.indicators[key]
        kind = ("money_per_pupil" if ind.unit == "yuan" else
                "area" if ind.unit == "m2" and not exact else "value")
        text = number(value, kind, self.lang, unit=False)
        word = UNIT_WORDS.get(ind.unit, ("", ""))[0 if self.zh else 1]
        return f"{text} {word}" if unit and word else text

    def check_figure(self, check: dict, value: float | None) -> str:
        """A check's value or threshold: 是/否, 97.3%, 5,800 元, 9.39 万元, 0.088."""
        if value is None:
            return "—"
        if not math.isfinite(value):
            return "—"
        if check["op"] == "=":
            return self.tx("yes" if value == 1.0 else "no")
        if check["percent"]:
            return number(value, "rate")
        if COUNTY_BOUNDS.get(check["check"], ("",))[0] == "元":
            return self.num(value, "money_per_pupil" if "per_pupil" in check["check"]
                            else "money")
        if abs(value) < 1:
            return fixed(value, 3).rstrip("0").rstrip(".")
        return number(value, "value")

    def check_label(self, check: dict, start: bool = False) -> str:
        """The check's label; in English capitalised at the start of a cell, lower-case in
        mid-sentence."""
        if self.zh:
            return check["label"]
        return self.cap(check["label_en"]) if start else _lower_first(check["label_en"])

    def check_text(self, check: dict) -> str:
        """特殊教育学校生均公用经费 5,800 元（标准 ≥ 6,000 元）."""
        return self.tx("doc_check", label=self.check_label(check),
                       value=self.check_figure(check, check["value"]), op=check["op"],
                       threshold=self.check_figure(check, check["threshold"]))

    def check_reach(self, check: dict) -> str:
        """What meeting a check takes: 使特殊教育学校生均公用经费不低于 6,000 元（现为 5,800 元）
        / bring special-education public funds per pupil to at least 6,000 yuan (now …)."""
        label = check["label"] if self.zh else check["label_en"]
        if check["op"] not in OPS:  # a yes/no condition
            return f"使{label}" if self.zh else f"ensure: {label}"
        op = OPS[check["op"]][0 if self.zh else 1]
        threshold = self.check_figure(check, check["threshold"])
        value = self.check_figure(check, check["value"])
        if self.zh:
            return f"使{label}{op} {threshold}（现为 {value}）"
        return f"bring {label} to {op} {threshold} (now {value})"

    def need_amount(self, need: Need) -> str:
        """骨干教师 14 名 / 14 backbone teachers; 体育运动场馆 15,105 m² / 15,105 m² of
        sports ground area."""
        amount = need.to_pass
        if self.zh:
            return f"{need.label} {self.num(amount, need.kind)}"
        if need.kind in ("teachers", "rooms"):
            label = singular_en(need.label) if amount == 1 else need.label
            return f"{number(amount, need.kind, 'en', unit=False)} {label}"
        return f"{number(amount, need.kind, 'en')} of {need.label}"

    # -- styles and page -----------------------------------------------------------------------
    def setup(self) -> None:
        doc = self.doc
        section = doc.sections[0]
        section.page_width, section.page_height = Mm(210), Mm(297)
        self.margins(section, PORTRAIT_MARGINS_MM, footer_mm=23)
        self.defaults()
        line = Pt(LINE_PT[self.lang])
        for name in ("Normal", "Title", "Heading 1", "Heading 2"):
            self.font(doc.styles[name], self.look[name])
        for name, base in (("Annex Label", "Normal"), ("Table Caption", "Normal"),
                           ("Table Text", "Normal"), ("Table Text Small", "Normal"),
                           ("Page Number", "Normal"), ("Signature", "Normal")):
            style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = doc.styles[base]
            style.quick_style = True
            self.font(style, self.look.get(name, self.look["Normal"]))
        normal = doc.styles["Normal"].paragraph_format
        normal.line_spacing = line  # a Length: fixed (exact) line spacing
        normal.space_before = normal.space_after = Pt(0 if self.zh else 6)
        normal.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        normal.widow_control = True
        self.indent(doc.styles["Normal"].element, INDENT_CHARS[self.lang],
                    self.look["Normal"].size)
        title = doc.styles["Title"]
        ppr = title.element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):  # the template's blue rule under the title
            ppr.remove(border)
        for extra in ppr.findall(qn("w:contextualSpacing")):
            ppr.remove(extra)
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        title.paragraph_format.line_spacing = Pt(TITLE_LINE_PT[self.lang])
        title.paragraph_format.space_before = Pt(0)
        title.paragraph_format.space_after = line  # a blank line under the title
        self.indent(title.element, 0, 0)
        title.font.bold = not self.zh  # 方正小标宋 is bold by design
        for level, name in enumerate(("Heading 1", "Heading 2")):
            style = doc.styles[name]
            pf = style.paragraph_format
            pf.line_spacing = line
            pf.space_before = Pt(0 if self.zh else 12 - 6 * level)
            pf.space_after = Pt(0 if self.zh else 6)
            pf.keep_with_next = True
            pf.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
            self.indent(style.element, INDENT_CHARS[self.lang], self.look[name].size)
            style.font.bold = not self.zh  # 黑体 and 楷体 headings carry no bold in a 公文
            style.font.italic = False
        label = doc.styles["Annex Label"].paragraph_format
        label.alignment = WD_ALIGN_PARAGRAPH.LEFT
        self.indent(doc.styles["Annex Label"].element, 0, 0)  # 附件1: flush left (顶格)
        caption = doc.styles["Table Caption"]
        caption.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        caption.paragraph_format.keep_with_next = True
        caption.paragraph_format.space_before = Pt(6)
        caption.paragraph_format.space_after = Pt(3)
        caption.font.bold = not self.zh
        self.indent(caption.element, 0, 0)
        for name in ("Table Text", "Table Text Small"):
            pf = doc.styles[name].paragraph_format
            pf.line_spacing = 1.0
            pf.space_before = pf.space_after = Pt(0)
            pf.alignment = WD_ALIGN_PARAGRAPH.LEFT
            pf.widow_control = False
            self.indent(doc.styles[name].element, 0, 0)
        page = doc.styles["Page Number"].paragraph_format
        page.line_spacing = 1.0
        page.space_before = page.space_after = Pt(0)
        self.indent(doc.styles["Page Number"].element, 0, 0)
        signature = doc.styles["Signature"].paragraph_format
        signature.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        self.indent(doc.styles["Signature"].element, 0, 0)
        signature.right_indent = Pt(4 * self.look["Normal"].size)  # 右空四字
        self.page_numbers(section)
        self.font_table()
        self.style_ids = {name: doc.styles[name].style_id
                          for name in ("Table Text", "Table Text Small")}
        from junheng import __version__

        core = doc.core_properties
        # Word's document properties hold at most 255 characters (a county name may be longer).
        core.title = self.title_text()[:255]
        core.subject = self.name(self.std)[:255]
        core.author = ""
        core.last_modified_by = ""
        core.language = "zh-CN" if self.zh else "en-US"
        core.comments = self.tx("doc_comment", version=__version__)
        core.keywords = "自评报告" if self.zh else "self-assessment"

    @staticmethod
    def margins(section: Any, mm: tuple[int, int, int, int], footer_mm: float) -> None:
        section.top_margin, section.bottom_margin = Mm(mm[0]), Mm(mm[1])
        section.left_margin, section.right_margin = Mm(mm[2]), Mm(mm[3])
        section.footer_distance = Mm(footer_mm)
        section.header_distance = Mm(15)
        section.gutter = Mm(0)

    def defaults(self) -> None:
        """The document defaults: explicit fonts instead of the template's theme fonts, and the
        language of each script (Chinese line breaking applies to Chinese text only)."""
        styles = self.doc.styles.element
        rpr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
        normal = self.look["Normal"]
        self._fonts(rpr.find(qn("w:rFonts")), normal)
        lang = rpr.find(qn("w:lang"))
        lang.set(qn("w:val"), "zh-CN" if self.zh else "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")

    @staticmethod
    def _fonts(rfonts: Any, font: _Font) -> None:
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            rfonts.attrib.pop(qn(attr), None)
        rfonts.set(qn("w:ascii"), font.west)
        rfonts.set(qn("w:hAnsi"), font.west)
        rfonts.set(qn("w:cs"), font.west)
        rfonts.set(qn("w:eastAsia"), font.east)

    def font(self, style: Any, font: _Font) -> None:
        rpr = style.element.get_or_add_rPr()
        self._fonts(rpr.get_or_add_rFonts(), font)
        style.font.size = Pt(font.size)
        style.font.color.rgb = RGBColor(0, 0, 0)

    @staticmethod
    def indent(element: Any, chars: int, size: float) -> None:
        """First-line indent of ``chars`` characters (w:firstLineChars, which Word prefers, and
        the same in points)."""
        ind = element.get_or_add_pPr().get_or_add_ind()
        ind.set(qn("w:firstLineChars"), str(chars * 100))
        ind.set(qn("w:firstLine"), str(round(chars * size * 20)))

    def page_numbers(self, section: Any) -> None:
        """— 1 — at the bottom, 右空一字 on odd pages and 左空一字 on even ones (GB/T 9704)."""
        self.doc.settings.odd_and_even_pages_header_footer = True
        one_char = Pt(self.look["Page Number"].size)
        for footer, align in ((section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
                              (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT)):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.style = self.doc.styles["Page Number"]
            p.alignment = align
            if align == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = one_char
            else:
                p.paragraph_format.left_indent = one_char
            p.add_run("— ")
            field = OxmlElement("w:fldSimple")
            field.set(qn("w:instr"), " PAGE ")
            run = OxmlElement("w:r")
            text = OxmlElement("w:t")
            text.text = "1"
            run.append(text)
            field.append(run)
            p._p.append(field)
            p.add_run(" —")

    def font_table(self) -> None:
        """Name a fallback for the 公文 fonts a computer may lack (仿宋_GB2312 → 仿宋)."""
        part = next((p for p in self.doc.part.package.iter_parts()
                     if str(p.partname) == "/word/fontTable.xml"), None)
        if part is None:
            return
        root = etree.fromstring(part.blob)
        have = {f.get(qn("w:name")) for f in root.findall(qn("w:font"))}
        for name, alt in ALT_FONTS.items():
            if name in have:
                continue
            font = etree.SubElement(root, qn("w:font"))
            font.set(qn("w:name"), name)
            for tag, value in (("w:altName", alt), ("w:charset", "86"), ("w:family", "modern"),
                               ("w:pitch", "fixed")):
                etree.SubElement(font, qn(tag)).set(qn("w:val"), value)
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                    standalone=True)

    # -- paragraphs ----------------------------------------------------------------------------
    def heading(self, text: str) -> None:
        label = (f"{CN_NUMBERS[self.section_no]}、{text}" if self.zh
                 else f"{self.section_no + 1}. {text}")
        self.section_no += 1
        self.sub_no = 0
        self.doc.add_paragraph(plain(label), style="Heading 1")

    def subheading(self, text: str) -> None:
        label = (f"（{CN_NUMBERS[self.sub_no]}）{text}" if self.zh
                 else f"{self.section_no}.{self.sub_no + 1} {text}")
        self.sub_no += 1
        self.doc.add_paragraph(plain(label), style="Heading 2")

    def para(self, *pieces: str, style: str | None = None, fill: str | None = None) -> Any:
        """A body paragraph; ``fill`` is a 【请填写…】 placeholder at its end, highlighted."""
        p = self.doc.add_paragraph(style=style)
        text = "".join(pieces)
        if text:
            p.add_run(plain(text if self.zh else mend_plurals(text)))
        if fill:
            run = p.add_run(plain(fill if self.zh or not text else " " + fill))
            run.font.highlight_color = WD_COLOR_INDEX.YELLOW
        return p

    def caption(self, title: str) -> None:
        self.tables += 1
        self.para(self.tx("doc_table", n=self.tables, title=title), style="Table Caption")

    # -- tables --------------------------------------------------------------------------------
    def table(self, heads: Sequence[str], rows: Sequence[Sequence[Any]], width_mm: float,
              groups: Sequence[int] | None = None, merged: Sequence[int] = (),
              floors: dict[int, float] | None = None, centred: Sequence[int] = ()) -> Any:
        """A real Word table, its columns as wide as their longest word needs.

        A cell given as (text, True) is marked (red, bold); numbers are right-aligned, the
        ``centred`` columns centred (序号). Rows of one ``groups`` value share one cell in the
        ``merged`` columns (a school over its tasks); ``floors`` are least widths in mm.
        """
        texts = [[plain(c[0] if isinstance(c, tuple) else ("" if c is None else c))
                  for c in row] for row in rows]
        if not self.zh:
            texts = [[mend_plurals(c) for c in row] for row in texts]
        heads = [plain(h) for h in heads]
        style = "Table Text"
        widths = _widths(heads, texts, self.look[style].size, width_mm, floors)
        if widths is None:  # the longest words do not fit: the smaller type
            style = "Table Text Small"
            widths = _widths(heads, texts, self.look[style].size, width_mm, floors)
        if widths is None:
            widths = _widths(heads, [[""] * len(heads)], self.look[style].size, width_mm) or \
                [width_mm / len(heads)] * len(heads)
        table = self.doc.add_table(rows=len(rows) + 1, cols=len(heads))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False  # fixed layout: the widths below, not Word's guess
        style_id = self.style_ids[style]
        ncols = len(heads)
        tcs = list(table._tbl.iter_tcs())
        for c, head in enumerate(heads):
            p = tcs[c].p_lst[0]
            p.style = style_id
            p.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
            run = p.add_r()
            run.text = head
            run.get_or_add_rPr().append(OxmlElement("w:b"))
        for r, (values, row_texts) in enumerate(zip(rows, texts, strict=True), start=1):
            continued = groups is not None and r > 1 and groups[r - 1] == groups[r - 2]
            for c, (value, text) in enumerate(zip(values, row_texts, strict=True)):
                tc = tcs[r * ncols + c]
                p = tc.p_lst[0]
                p.style = style_id
                if c in merged and groups is not None:
                    merge = OxmlElement("w:vMerge")
                    if not continued:
                        merge.set(qn("w:val"), "restart")
                    tc.get_or_add_tcPr().append(merge)
                    if continued:
                        continue
                if not text:
                    continue
                run = p.add_r()
                run.text = text
                if c in centred:
                    p.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.CENTER
                elif _NUMBER.match(text):
                    p.get_or_add_pPr().jc_val = WD_ALIGN_PARAGRAPH.RIGHT
                if isinstance(value, tuple) and value[1]:
                    rpr = run.get_or_add_rPr()
                    rpr.append(OxmlElement("w:b"))
                    colour = OxmlElement("w:color")
                    colour.set(qn("w:val"), str(RED))
                    rpr.append(colour)
        twips = [round(w / 25.4 * 1440) for w in widths]
        for c, width in enumerate(widths):
            table.columns[c].width = Mm(width)
        for i, tc in enumerate(tcs):
            tcpr = tc.get_or_add_tcPr()
            tcw = tcpr.get_or_add_tcW()
            tcw.type, tcw.w = "dxa", Mm(widths[i % ncols])
            align = OxmlElement("w:vAlign")
            align.set(qn("w:val"), "center")
            tcpr.append(align)
        tblw = table._tbl.tblPr.find(qn("w:tblW"))
        if tblw is None:
            tblw = OxmlElement("w:tblW")
            table._tbl.tblPr.append(tblw)
        tblw.set(qn("w:type"), "dxa")
        tblw.set(qn("w:w"), str(sum(twips)))
        for i, tr in enumerate(table._tbl.tr_lst):
            trpr = tr.get_or_add_trPr()
            trpr.append(OxmlElement("w:cantSplit"))  # a row stays on one page
            if i == 0:
                trpr.append(OxmlElement("w:tblHeader"))  # the header repeats on every page
        return table

    # -- the report ------------------------------------------------------------------------------
    def title_text(self) -> str:
        # 2012's basic balance is judged by composite CVs; 2017's quality balance is not.
        basic = self.std.cv_composite_limits is not None and "优质" not in self.std.name
        kind = "doc_kind_basic" if basic else "doc_kind_quality"
        return one_line(self.tx("doc_title", county=self.county, kind=self.tx(kind)))

    def year_text(self) -> str:
        text = self.tx("doc_year", start=self.ev.year, end=self.ev.year + 1)
        base = self.ev.projected_from
        return text if base is None else text + self.tx("projected_from", base=base,
                                                        next=base + 1)

    def build(self) -> Any:
        self.setup()
        self.doc.add_paragraph(self.title_text(), style="Title")
        parts = [self.tx("resources"), *[self.name(p) for p in self.std.parts]]
        self.para(self.tx("doc_intro", standard=self.standard_cited(), county=self.county,
                          year=self.year_text(),
                          parts=self.join(parts) if self.zh else self.join(
                              [p.lower() for p in parts])))
        self.basic()
        self.practice()
        self.results()
        self.problems()
        self.measures()
        self.annex_list()
        self.signature()
        self.annexes()
        return self.doc

    # 一、基本情况 ----------------------------------------------------------------------------
    def basic(self) -> None:
        self.heading(self.tx("doc_h_basic"))
        units = self.units
        first = units.unique("school_id", keep="first", maintain_order=True)
        point = pl.col("school_type") == "teaching_point"
        schools = first.filter(~point)
        # Teaching points: their own units, and those merged into a central school's unit.
        points = set(first.filter(point).get_column("school_id").to_list())
        for r in units.select("school_id", "members").iter_rows():
            points.update(m for m in (r[1] or []) if m != r[0])
        type_counts = dict(schools.group_by("school_type").len().iter_rows())
        types = [self.type_count(code, type_counts[code]) for code in ENUMS["school_type"].codes
                 if code in type_counts and code != "teaching_point"]
        loc_counts = dict(schools.group_by("location").len().iter_rows())
        locations = [self.tx("doc_loc_count", location=self.tx(f"doc_loc_{code}"),
                             n=self.num(loc_counts[code], "schools", unit=self.zh))
                     for code in ENUMS["location"].codes if code in loc_counts]
        points_text = (self.tx("doc_basic_points", points=f"{len(points):,}" if self.zh else
                               plural(len(points), self.tx("doc_teaching_point"),
                                      self.tx("doc_teaching_point_many")))
                       if points else "")
        text = self.tx("doc_basic_schools", year=self.year_text(),
                       schools=self.num(schools.height, "schools") if self.zh else plural(
                           schools.height, "compulsory school", "compulsory schools"),
                       points=points_text)
        sentences = [text]
        if types:
            text = self.tx("doc_basic_types", types=self.join(types))
            if locations:
                text += self.tx("doc_basic_locations", locations=self.join(locations))
            sentences.append(text + ("。" if self.zh else "."))
        by_stage = []
        for stage in STAGES:
            s = units.filter(pl.col("stage") == stage)
            if s.height:
                by_stage.append((stage, s))
        stages_text = self.sep().join(
            self.tx("doc_stage_pupils", stage=self.stage(stage) if self.zh
                    else self.stage(stage).lower(),
                    pupils=self.num(int(s.get_column("students").sum()), "pupils"))
            for stage, s in by_stage)
        teachers = int(units.get_column("teachers_all").sum())
        sentences.append(self.tx(
            "doc_basic_pupils", pupils=self.num(int(units.get_column("students").sum()), "pupils"),
            stages=stages_text,
            classes=self.num(int(units.get_column("classes").sum()), "classes"),
            teachers=self.num(teachers, "teachers") if self.zh else plural(
                teachers, "full-time teacher", "full-time teachers")))
        text = ("" if self.zh else " ").join(sentences)
        self.para(text)
        self.caption(self.tx("doc_t_stages"))
        rows = [[self.stage(stage), self.num(s.height, "count"),
                 self.num(int(s.get_column("students").sum()), "count"),
                 self.num(int(s.get_column("classes").sum()), "count"),
                 self.num(int(s.get_column("teachers_all").sum()), "count")]
                for stage, s in by_stage]
        rows.append([self.tx("doc_total"), self.num(units.height, "count"),
                     self.num(int(units.get_column("students").sum()), "count"),
                     self.num(int(units.get_column("classes").sum()), "count"),
                     self.num(teachers, "count")])
        self.table([self.tx("stage"), self.tx("doc_col_units"), self.tx("doc_col_pupils"),
                    self.tx("doc_col_classes"), self.tx("doc_col_teachers")], rows,
                   PORTRAIT_WIDTH_MM)

    def type_count(self, code: str, n: int) -> str:
        if self.zh:
            return f"{self.tx(f'doc_type_{code}')} {n:,} 所"
        return plural(n, self.tx(f"doc_type_{code}"), self.tx(f"doc_type_{code}_many"))

    # 二、主要做法与成效 ------------------------------------------------------------------------
    def practice(self) -> None:
        self.heading(self.tx("doc_h_practice"))
        fill = self.tx("doc_fill_practice")
        values = self.county_values()
        facility = [k for k, i in self.indicators.items() if i.unit != "teachers"]
        teacher = [k for k, i in self.indicators.items() if i.unit == "teachers"]

        self.subheading(self.tx("doc_p_conditions"))
        text = self.values_sentence(values, facility)
        units = self.units
        if {"music_rooms", "art_rooms", "multimedia_rooms"} <= set(units.columns):
            def total(col: str) -> float:
                return float(units.get_column(col).fill_null(0).sum())
            rooms = {col: (self.num(total(col), "rooms") if self.zh else plural(
                round(total(col)), one, many)) for col, one, many in (
                ("music_rooms", "music room", "music rooms"),
                ("art_rooms", "art room", "art rooms"),
                ("multimedia_rooms", "multimedia classroom", "multimedia classrooms"))}
            if total("music_rooms") and total("art_rooms"):
                text += ("" if self.zh or not text else " ") + self.tx(
                    "doc_p_rooms", music=rooms["music_rooms"], art=rooms["art_rooms"],
                    multimedia=rooms["multimedia_rooms"])
        self.para(text, fill=fill)

        self.subheading(self.tx("doc_p_teachers"))
        text = self.values_sentence(values, teacher)
        staff = int(units.get_column("teachers_all").sum())
        groups = []
        seen: set[str] = set()
        for key in teacher:
            ind = self.indicators[key]
            kind, group = ind.numerator
            column = f"teachers_{group}"
            if kind != "teachers" or group == "all" or column in seen \
                    or column not in units.columns:
                continue
            seen.add(column)
            n = int(units.get_column(column).sum())
            noun = re.sub(r"^(生均|每百名学生拥有)|数$", "", ind.short)  # 2012: 生均…教师数
            noun_en = _lower_first(re.sub(r" per (pupil|100 pupils)$", "", ind.short_en))
            groups.append(f"{noun} {self.num(n, 'teachers')}" if self.zh else
                          f"{n:,} {singular_en(noun_en) if n == 1 else noun_en}")
        text += ("" if self.zh or not text else " ") + self.tx("doc_p_staff", teachers=self.num(staff, "teachers") if self.zh
                        else plural(staff, "full-time teacher", "full-time teachers"),
                        groups=self.tx("doc_p_staff_groups", groups=self.join(groups))
                        if groups else "")
        shares = []
        for item, key in (("training_hours", "doc_p_training"), ("certified", "doc_p_certified")):
            check = self.first_check(item)
            if check is not None and check["value"] is not None:
                shares.append(self.tx(key, value=self.check_figure(check, check["value"])))
        if shares:
            text += ("，".join(shares) + "。") if self.zh else " " + self.cap("; ".join(shares)) + "."
        self.para(text, fill=fill)

        rotation = self.item_row("rotation")
        if rotation is not None:
            self.subheading(self.tx("doc_p_rotation"))
            self.para(self.rotation_text(rotation) if rotation["met"] is not None else "",
                      fill=fill)

        lines = []
        for part in self.std.parts:
            line = self.part_practice(part)
            if line:
                lines.append(line)
        if lines:
            self.subheading(self.tx("doc_p_parts"))
            self.para("".join(lines) if self.zh else " ".join(lines), fill=fill)

    def county_values(self) -> dict[tuple[str, str], float | None]:
        stages = self.ev.stages.filter(pl.col("county") == self.county)
        return {(r["stage"], r["indicator"]): r["county_value"]
                for r in stages.iter_rows(named=True)}

    def values_sentence(self, values: dict, keys: list[str]) -> str:
        parts = []
        for stage in STAGES:
            shown = [f"{self.name(self.indicators[k]) if self.zh else _lower_first(self.name(self.indicators[k]))} "
                     f"{self.ind_value(k, values[(stage, k)])}"
                     for k in keys if (stage, k) in values]
            if shown:
                parts.append(self.tx("doc_p_stage_values", stage=self.stage(stage) if self.zh
                                     else self.stage(stage).lower(),
                                     values=self.sep().join(shown)))
        if not parts:
            return ""
        return self.tx("doc_p_values", values=self.cap(self.semi().join(parts)))

    def first_check(self, item: str) -> dict | None:
        rows = self.checks.filter(pl.col("item") == item)
        return rows.row(0, named=True) if rows.height else None

    def item_row(self, item: str) -> dict | None:
        rows = self.items.filter(pl.col("item") == item)
        return rows.row(0, named=True) if rows.height else None

    def rotation_text(self, item: dict) -> str:
        checks = list(self.checks.filter(pl.col("item") == "rotation").iter_rows(named=True))
        share = self.check_figure(checks[0], checks[0]["value"]) if checks else "—"
        backbone = self.check_figure(checks[1], checks[1]["value"]) if len(checks) > 1 else "—"
        m = _ROTATION.search(item["detail_zh"] or "")
        if m:
            year, rotated, backbone_n, eligible = (int(g.replace(",", "")) for g in m.groups())
            return self.tx(
                "doc_p_rotation_counts",
                year=self.tx("doc_year", start=year, end=year + 1),
                rotated=self.num(rotated, "teachers"),
                backbone=self.num(backbone_n, "teachers" if self.zh else "count"),
                eligible=self.num(eligible, "teachers" if self.zh else "count"), share=share,
                backbone_share=backbone)
        return self.tx("doc_p_rotation_shares", share=share, backbone_share=backbone)

    def part_practice(self, part: Any) -> str:
        verdict = self.parts.filter(pl.col("part") == part.key)
        if verdict.height == 0:
            return ""
        p = verdict.row(0, named=True)
        if p["missing"] == p["items"]:  # nothing known to report
            return ""
        met_items = set(self.items.filter((pl.col("part") == part.key) & pl.col("met"))
                        .get_column("item").to_list())
        good = []
        for c in self.checks.filter((pl.col("part") == part.key)
                                    & pl.col("item").is_in(list(met_items))).iter_rows(named=True):
            if c["op"] == "=":
                good.append(self.check_label(c))
            elif c["value"] is not None:
                good.append(f"{self.check_label(c)} {self.check_figure(c, c['value'])}")
        good_text = self.tx("doc_p_good", checks=self.join(good)) if good else ""
        name = self.tx(part.key)
        if p["items"] == 1 and p["met"] == 1 and good:
            return self.tx("doc_p_part_one", checks=self.cap(self.join(good)))
        if p["met"] == p["items"]:
            return self.tx("doc_p_part_all", part=name, n=p["items"], good=good_text)
        return self.tx("doc_p_part", part=name, n=p["items"], met=p["met"], good=good_text)

    # 三、评估结果 --------------------------------------------------------------------------------
    def results(self) -> None:
        self.heading(self.tx("doc_h_results"))
        std, row = self.std, self.row
        self.subheading(self.tx("resources"))
        verdict = self.tx(row["resources_verdict"])
        if std.has_school_rule:
            n = row["schools_evaluated"] or 0
            m = row["schools_meeting_rule"] or 0
            rule = self.tx("rule_method", k=std.min_indicators_met,
                           n=sum(i.thresholds is not None for i in std.indicators),
                           floor=std.floor_ratio)
            self.para(self.tx("doc_r_rule", rule=rule, n=f"{n:,}", m=f"{m:,}", k=f"{n - m:,}",
                              verdict=verdict))
        else:
            self.para(self.tx("doc_r_no_rule", verdict=verdict))
        over = len(self.rect.cvs)
        summary = self.tx("doc_r_cv_within") if not over else self.tx(
            "doc_r_cv_over", n=over if self.zh else plural(over, "CV is", "CVs are"))
        self.para(self.tx("doc_r_cv", limits=self.cv_limits(), summary=summary,
                          table=self.tables + 1))
        self.cv_table()
        for part in std.parts:
            verdict_row = self.parts.filter(pl.col("part") == part.key)
            if verdict_row.height == 0:
                continue
            p = verdict_row.row(0, named=True)
            self.subheading(self.tx(part.key))
            missing = self.tx("doc_r_missing", n=p["missing"]) if p["missing"] else ""
            self.para(self.tx("doc_r_part", part=self.tx(part.key), n=p["items"], met=p["met"],
                              failed=p["failed"], missing=missing,
                              verdict=self.tx(p["verdict"])))
        if std.vetoes:
            self.subheading(self.tx("vetoes"))
            names = {v.key: self.name(v) for v in std.vetoes}
            vetoes = self.ev.vetoes.filter(pl.col("county") == self.county)
            present = [names[v] for v, x in vetoes.select("veto", "present").iter_rows() if x]
            unknown = [names[v] for v, x in vetoes.select("veto", "present").iter_rows()
                       if x is None]
            if present:
                self.para(self.tx("doc_r_vetoes_present", names=self.join(present)))
            if unknown:
                self.para(self.tx("doc_r_vetoes_unknown", names=self.join(unknown)),
                          fill=self.tx("doc_fill_vetoes"))
            if not present and not unknown:
                self.para(self.tx("doc_r_vetoes_none", names=self.join(list(names.values()))))
        key = {"pass": "doc_r_pass", "fail": "doc_r_fail"}.get(row["verdict"], "doc_r_incomplete")
        self.para(self.tx(key, county=self.county, standard=self.standard_cited(),
                          why=self.why_incomplete()))

    def why_incomplete(self) -> str:
        """Why no verdict yet (:func:`incomplete_reasons`)."""
        return self.semi().join(incomplete_reasons(self.ev, self.county, self.lang))

    def cv_limits(self) -> str:
        """The limits as the standard sets them (national, provincial, or composite)."""
        std = self.std
        limits = std.cv_limits or std.cv_composite_limits or {}
        text = ("，" if self.zh else ", ").join(
            self.tx("doc_cv_limit", stage=self.stage(stage), limit=number(limits[stage], "limit"))
            for stage in STAGES if stage in limits)
        if std.cv_composite_limits is not None:
            text = self.tx("doc_cv_composite", limits=text)
        return text

    def cv_table(self) -> None:
        stages = self.ev.stages.filter(pl.col("county") == self.county).sort(
            pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order")
        rows: list[list[Any]] = []
        for r in stages.iter_rows(named=True):
            bad = r["cv_met"] is False
            rows.append([self.stage(r["stage"]), self.name(self.indicators[r["indicator"]]),
                         self.ind_value(r["indicator"], r["county_value"]),
                         (number(r["cv"], "cv"), bad), number(r["cv_limit"], "limit"),
                         (self.yes_no(r["cv_met"]), bad)])
        if self.std.cv_composite_limits is not None:
            for r in stages.unique("stage", keep="first", maintain_order=True).iter_rows(
                    named=True):
                bad = r["cv_composite_met"] is False
                rows.append([self.stage(r["stage"]), self.tx("composite"), "",
                             (number(r["cv_composite"], "cv"), bad),
                             number(r["cv_composite_limit"], "limit"),
                             (self.yes_no(r["cv_composite_met"]), bad)])
        self.caption(self.tx("doc_t_cv"))
        self.table([self.tx("stage"), self.tx("indicator"), self.tx("county_value"),
                    self.tx("cv"), self.tx("limit"), self.tx("met")], rows, PORTRAIT_WIDTH_MM)

    def yes_no(self, value: bool | None) -> str:
        return "—" if value is None else self.tx("yes" if value else "no")

    # 四、存在问题 -------------------------------------------------------------------------------
    def problems(self) -> None:
        self.heading(self.tx("doc_h_problems"))
        rect = self.rect
        if rect.empty:
            self.para(self.tx("doc_q_none"))
            return
        indicator_needs = [n for n in rect.needs if n.key in self.indicators]
        if rect.failing_units or indicator_needs or rect.cvs:
            self.subheading(self.tx("doc_q_resources"))
            if rect.failing_units:
                self.para(self.tx("doc_q_rule", n=f"{rect.evaluated_units:,}",
                                  k=f"{rect.failing_units:,}"))
            teachers = [n for n in indicator_needs if n.kind == "teachers"]
            others = [n for n in indicator_needs if n.kind != "teachers"]
            if teachers:
                self.para(self.tx("doc_q_teachers", needs=self.semi().join(
                    n.text for n in teachers)))
            if others:
                self.para(self.tx("doc_q_conditions", needs=self.semi().join(
                    n.text for n in others)))
            if rect.cvs:
                self.para(self.tx("doc_q_cvs", cvs=self.semi().join(c.text for c in rect.cvs)))
        needs = {n.key: n for n in rect.needs}
        for part in self.std.parts:
            items = [i for i in rect.items if i.part == part.key]
            if not items:
                continue
            self.subheading(self.tx("doc_q_part", part=self.tx(part.key)))
            for item in items:
                if item.state == "fail":
                    self.para(self.item_problem(item, needs.get(self.item_key(part.key,
                                                                              item.number))))
            lacking = [i for i in items if i.state != "fail"]
            if lacking:  # one paragraph: what to fill in
                details = self.merge_prefixed([i.detail for i in lacking if i.detail])
                key = "doc_q_missing_one" if len(lacking) == 1 else "doc_q_missing"
                self.para(self.tx(key, numbers=self.numbers([i.number for i in lacking]),
                                  details=self.semi().join(details)).rstrip("：: ")
                          + ("。" if self.zh else "."))
        if rect.vetoes:
            self.subheading(self.tx("doc_q_vetoes"))
            self.para(self.tx("doc_r_vetoes_present", names=self.join(list(rect.vetoes))))
        if rect.schools:
            self.annex_no["tasks"] = 1
            self.para(self.tx("doc_q_annex", n=1))

    def merge_prefixed(self, details: Sequence[str]) -> list[str]:
        """Details that begin alike said once: 县级指标表未填写：甲；县级指标表未填写：乙 →
        县级指标表未填写：甲、乙."""
        colon = "：" if self.zh else ": "
        groups: dict[str, list[str]] = {}
        for detail in dict.fromkeys(details):
            head, found, rest = detail.partition(colon)
            key = head if found else detail
            groups.setdefault(key, []).append(rest if found else "")
        return [f"{head}{colon}{self.sep().join(rests)}" if any(rests) else head
                for head, rests in groups.items()]

    def numbers(self, numbers: Sequence[int]) -> str:
        """Item numbers: 1、2、6 / 1, 2 and 6."""
        return self.join([str(n) for n in numbers])

    def item_key(self, part: str, number_: int) -> str:
        rows = self.items.filter((pl.col("part") == part) & (pl.col("number") == number_))
        return rows.row(0, named=True)["item"] if rows.height else ""

    def item_problem(self, item: Any, need: Need | None) -> str:
        key = self.item_key(item.part, item.number)
        open_checks = [c for c in self.checks.filter(
            (pl.col("item") == key) & (pl.col("met").is_null() | pl.col("met").not_())
        ).iter_rows(named=True) if c["value"] is not None]
        pieces = [self.check_text(c) for c in open_checks]
        if item.detail:
            pieces.append(item.detail)
        if need is not None and need.to_pass:
            pieces.append(self.tx("doc_q_total", text=need.text))
        state = self.tx("doc_q_state_fail" if item.state == "fail" else "doc_q_state_incomplete")
        body = self.semi().join(pieces) if pieces else ""
        text = self.tx("doc_q_item", number=item.number, name=item.name, state=state,
                       checks=body)
        if not pieces:
            text = text.rstrip("：: ")
        return text + ("。" if self.zh else ".")

    # 五、整改措施 -------------------------------------------------------------------------------
    def measures(self) -> None:
        self.heading(self.tx("doc_h_measures"))
        rect = self.rect
        if rect.empty:
            self.para(fill=self.tx("doc_fill_measures"))
            return
        self.para(self.tx("doc_m_intro", county=self.county))
        needs = {n.key: n for n in rect.needs}
        ind_needs = [n for n in rect.needs if n.key in self.indicators]
        teachers = [self.tx("doc_m_add", what=n.label, amount=self.num(n.to_pass, n.kind))
                    if self.zh else self.tx("doc_m_add", what="", amount=self.need_amount(n))
                    for n in ind_needs if n.kind == "teachers"]
        for key in ("training_hours", "certified"):
            if key in needs:
                teachers.append(self.tx(f"doc_m_{key}", amount=self.num(needs[key].to_pass,
                                                                        "teachers")))
        rotation = self.item_row("rotation")
        if rotation is not None and rotation["met"] is False:
            failing = [c for c in self.checks.filter(pl.col("item") == "rotation").iter_rows(
                named=True) if c["met"] is False]
            if failing:
                teachers.append(self.tx("doc_m_rotation", checks=self.sep().join(
                    self.check_reach(c) for c in failing)))
        if teachers:
            self.subheading(self.tx("doc_m_teachers"))
            self.para(self.sentence(teachers))
            self.para(fill=self.tx("doc_fill_teachers"))
        conditions = [self.tx("doc_m_build", what=n.label, amount=self.num(n.to_pass, n.kind))
                      if self.zh else self.tx("doc_m_build", what="", amount=self.need_amount(n))
                      for n in ind_needs if n.kind != "teachers"]
        if "music_art_rooms" in needs:
            rooms = needs["music_art_rooms"].to_pass
            conditions.append(self.tx("doc_m_music_art_rooms", amount=self.num(rooms, "rooms")
                                      if self.zh else plural(round(rooms), "music or art room",
                                                             "music and art rooms")))
        if "class_size" in needs:
            amount = needs["class_size"].to_pass
            conditions.append(self.tx("doc_m_class_size", amount=self.num(amount, "classes"))
                              if amount else self.tx("doc_m_class_size_redivide"))
        if "school_size" in needs:
            conditions.append(self.tx("doc_m_school_size", amount=self.num(
                needs["school_size"].to_pass, "pupils")))
        if conditions:
            self.subheading(self.tx("doc_m_conditions"))
            self.para(self.sentence(conditions))
            self.para(fill=self.tx("doc_fill_conditions"))
        if rect.cvs:
            self.subheading(self.tx("doc_m_balance"))
            names = [f"{self.stage(c.stage)}“{c.indicator}”" if self.zh
                     else f"{c.indicator} ({self.stage(c.stage).lower()})" for c in rect.cvs]
            self.para(self.sentence([self.tx("doc_m_balance_text",
                                             indicators=self.join(names))]))
            self.para(fill=self.tx("doc_fill_measures"))
        for part in self.std.parts:
            reaches = []
            for item in (i for i in rect.items if i.part == part.key and i.state == "fail"):
                key = self.item_key(part.key, item.number)
                if key in ITEM_TASKS:  # school tasks: teachers or buildings above
                    continue
                reaches += [self.check_reach(c) for c in self.checks.filter(
                    (pl.col("item") == key) & (pl.col("met") == False)  # noqa: E712
                ).iter_rows(named=True)]
            if reaches:
                self.subheading(self.tx("doc_m_part", part=self.tx(part.key)))
                self.para(self.sentence(reaches))
                self.para(fill=self.tx("doc_fill_measures"))
        missing = [i for i in rect.items if i.state != "fail"]
        if missing:
            self.subheading(self.tx("doc_m_data"))
            by_part = [(part, [i.number for i in missing if i.part == part.key])
                       for part in self.std.parts]
            parts = [self.tx("doc_m_data_part", part=self.tx(part.key) if self.zh
                             else _lower_first(self.tx(part.key)),
                             numbers=self.numbers(numbers),
                             s="s" if len(numbers) > 1 else "")
                     for part, numbers in by_part if numbers]
            self.para(self.sentence([self.tx("doc_m_data_text",
                                             parts=("，" if self.zh else "; ").join(parts))]))
        if rect.vetoes:
            self.subheading(self.tx("doc_m_vetoes"))
            self.para(self.sentence([self.tx("doc_m_vetoes_text",
                                             names=self.join(list(rect.vetoes)))]))
            self.para(fill=self.tx("doc_fill_measures"))
        if rect.schools:
            self.para(self.tx("doc_m_annex", n=self.annex_no.get("tasks", 1)))

    def sentence(self, clauses: Sequence[str]) -> str:
        if self.zh:
            return "；".join(clauses) + "。"
        return self.cap("; ".join(clauses)) + "."

    # 附件 list, 落款 -----------------------------------------------------------------------------
    def annex_titles(self) -> list[tuple[str, str]]:
        out = []
        if self.rect.schools:
            out.append(("tasks", self.tx("doc_annex_tasks")))
        if any(self.parts.filter(pl.col("part") == p.key).height for p in self.std.parts):
            out.append(("items", self.tx("doc_annex_items")))
        if self.ev.schools.filter(pl.col("county") == self.county).height:
            out.append(("schools", self.tx("doc_annex_schools")))
        return out

    def annex_list(self) -> None:
        """附件：1．… under the body, a blank line above, 左空二字; later lines aligned with the
        first title (GB/T 9704 7.3.4)."""
        titles = self.annex_titles()
        if not titles:
            return
        self.annex_no = {key: i for i, (key, _) in enumerate(titles, start=1)}
        self.para()
        head = self.tx("doc_annexes")
        size = self.look["Normal"].size
        for i, (_, title) in enumerate(titles, start=1):
            item = self.tx("doc_annex_item", n=i, title=title) if len(titles) > 1 else title
            p = self.para(head + item if i == 1 else item)
            if i > 1:  # under the first title: 附件： is three characters after the indent
                self.indent(p._p, 0, 0)
                p.paragraph_format.left_indent = Pt(
                    (INDENT_CHARS[self.lang] + len(head)) * size if self.zh
                    else _em(head) * size)

    def signature(self) -> None:
        """落款: the issuing office and the date, 右空四字, a blank line under the body."""
        self.para()
        self.para()
        self.para(style="Signature", fill=self.tx("doc_signer"))
        today = _dt.date.today()
        self.para(self.tx("doc_date", year=today.year, month=today.month, day=today.day,
                          month_name=MONTHS[today.month - 1]), style="Signature")

    # 附件 -------------------------------------------------------------------------------------
    def annexes(self) -> None:
        titles = self.annex_titles()
        if not titles:
            return
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
        self.margins(section, LANDSCAPE_MARGINS_MM, footer_mm=14)
        for i, (key, title) in enumerate(titles, start=1):
            label = self.para(self.tx("doc_annex_label", n=i), style="Annex Label")
            if i > 1:
                label.paragraph_format.page_break_before = True
            self.doc.add_paragraph(plain(title), style="Title")
            {"tasks": self.annex_tasks, "items": self.annex_items,
             "schools": self.annex_schools}[key]()

    def annex_tasks(self) -> None:
        """附件1 各校整改任务表: one row per task, the school's cell over its tasks."""
        stages_of: dict[str, list[str]] = {}
        for sid, stage in self.units.select("school_id", "stage").iter_rows():
            stages_of.setdefault(sid, []).append(stage)
        rows: list[list[Any]] = []
        groups: list[int] = []
        for no, school in enumerate(self.rect.schools, start=1):
            for task in school.tasks:
                stages = [task.stage] if task.stage else sorted(
                    stages_of.get(school.school_id, []), key=STAGE_ORDER.get)
                key = "doc_problem_indicator" if task.key in self.indicators \
                    else "doc_problem_item"
                problem = self.tx(key, problem=task.problem, current=task.current,
                                  standard=task.standard)
                rows.append([str(no), school.name, self.sep().join(self.stage(s) for s in stages),
                             problem, task.task, "", ""])
                groups.append(no)
        self.table([self.tx("rect_col_no"), self.tx("rect_col_school"), self.tx("rect_col_stage"),
                    self.tx("rect_col_problem"), self.tx("rect_col_task"),
                    self.tx("rect_col_office"), self.tx("rect_col_deadline")], rows,
                   LANDSCAPE_WIDTH_MM, groups=groups, merged=(0, 1), centred=(0,),
                   floors={5: 30.0, 6: 24.0})
        self.para(self.tx("rect_order_note"), style="Table Text")

    def annex_items(self) -> None:
        """附件2 评估指标自评表: every item of the other parts, with its figures."""
        for part in self.std.parts:
            verdict = self.parts.filter(pl.col("part") == part.key)
            if verdict.height == 0:
                continue
            self.para(f"{self.tx(part.key)}（{self.tx(verdict.item(0, 'verdict'))}）"
                      if self.zh else
                      f"{self.tx(part.key)} ({self.tx(verdict.item(0, 'verdict'))})",
                      style="Table Caption")
            items = self.items.filter(pl.col("part") == part.key).sort("number")
            spec = {i.key: i for i in part.items}
            rows = []
            for r in items.iter_rows(named=True):
                checks = list(self.checks.filter(pl.col("item") == r["item"]).iter_rows(
                    named=True))
                now = self.semi().join(
                    f"{self.check_label(c, start=True)} {self.check_figure(c, c['value'])}"
                    if len(checks) > 1 else self.check_figure(c, c["value"]) for c in checks)
                standard = self.semi().join(
                    f"{c['op']} {self.check_figure(c, c['threshold'])}" for c in checks)
                state = self.tx("missing") if r["met"] is None else self.yes_no(r["met"])
                rows.append([str(r["number"]), self.name(spec[r["item"]]), self.tx(r["source"]),
                             now, standard, (state, r["met"] is not True)])
            self.table([self.tx("doc_col_no"), self.tx("doc_col_item"),
                        self.tx("doc_col_source"), self.tx("doc_col_now"),
                        self.tx("doc_col_standard"), self.tx("doc_col_met")], rows,
                       LANDSCAPE_WIDTH_MM, centred=(0, 2, 5))

    def annex_schools(self) -> None:
        """附件3 各校资源配置指标: each school–stage's indicators, misses in bold red."""
        std, ev = self.std, self.ev
        graded = [k for k, i in self.indicators.items() if i.thresholds is not None] or \
            list(self.indicators)
        for stage in STAGES:
            ind = ev.indicators.filter((pl.col("county") == self.county)
                                       & (pl.col("stage") == stage))
            if ind.height == 0:
                continue
            units = ev.schools.filter((pl.col("county") == self.county)
                                      & (pl.col("stage") == stage))
            lookup = {(r["school_id"], r["indicator"]): r for r in ind.iter_rows(named=True)}
            self.para(self.stage(stage), style="Table Caption")
            heads = [self.tx("school"), self.tx("students"),
                     *[self.indicators[k].short if self.zh
                       else self.cap(self.indicators[k].short_en) for k in graded]]
            if std.has_school_rule:
                heads.append(self.tx("doc_col_meets_rule"))
            rows = []
            for u in units.sort("school_id").iter_rows(named=True):
                cells: list[Any] = [u["name"], self.num(u["students"], "count")]
                for k in graded:
                    r = lookup.get((u["school_id"], k))
                    value = None if r is None else r["value"]
                    cells.append((self.ind_value(k, value, unit=False, exact=True),
                                  r is not None and r["met"] is False))
                if std.has_school_rule:
                    cells.append((self.yes_no(u["meets_rule"]), u["meets_rule"] is False))
                rows.append(cells)
            self.table(heads, rows, LANDSCAPE_WIDTH_MM)
        units_text = self.semi().join(
            f"{self.indicators[k].short}：{self.indicators[k].value_unit('zh')}" if self.zh
            else f"{self.indicators[k].short_en}: {self.indicators[k].value_unit('en')}"
            for k in graded)
        self.para(self.tx("doc_annex_schools_note", units=units_text), style="Table Text")
