"""The Word self-assessment draft (自评报告): one .docx per county, in the structure counties use.

Real headings (Word's Heading 1 / 2 styles, so the navigation pane and a table of contents work)
and real tables, with Chinese fonts set on every style — 黑体 headings, 仿宋 body, 宋体 tables —
so the bureau edits the draft rather than retypes it. The measures section is left as headed
placeholders: only the bureau can write it.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import polars as pl
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table

from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.io import atomic_path
from junheng.model.schema import ENUMS, STAGES
from junheng.report._clean import one_line, plain
from junheng.report._tables import gap_table
from junheng.report._text import Lang, check_value, gap_phrase, t, yes_no

# (east Asian font, western font, size in points) per style.
FONTS_ZH = {"Normal": ("仿宋", "Times New Roman", 14), "Title": ("方正小标宋简体", "Times New Roman", 20),
            "Heading 1": ("黑体", "Times New Roman", 15), "Heading 2": ("楷体", "Times New Roman", 14),
            "table": ("宋体", "Times New Roman", 10)}
FONTS_EN = {"Normal": ("宋体", "Calibri", 11), "Title": ("黑体", "Calibri", 20),
            "Heading 1": ("黑体", "Calibri", 14), "Heading 2": ("黑体", "Calibri", 12),
            "table": ("宋体", "Calibri", 9)}
CN_NUMBERS = "一二三四五六七八九十"
_NUMBER = re.compile(r"^[-+]?[\d,]+(\.\d+)?%?$")
RED = RGBColor(0xC0, 0x00, 0x00)


def write_word(evaluation: Evaluation, county: str, path: str | Path,
               lang: Lang = "zh", gaps: pl.DataFrame | None = None) -> Path:
    """Write the self-assessment draft of one county (atomically).

    Sections: basic situation; resource allocation (the per-school rule, the CV table per
    stage, every school's indicators); the other parts when evaluated; the veto list; problems
    (each failing school and item); measures (headed placeholders for the bureau to write).

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
    doc = _WordReport(evaluation, county, lang, gaps.filter(pl.col("county") == county)).build()
    with atomic_path(path) as tmp:
        doc.save(str(tmp))
    return path


def _set_font(style_or_run: Any, east: str, west: str, size: float | None = None) -> None:
    font = style_or_run.font
    font.name = west
    if size is not None:
        font.size = Pt(size)
    rpr = style_or_run.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:eastAsia"), east)


class _WordReport:
    def __init__(self, evaluation: Evaluation, county: str, lang: Lang,
                 gaps: pl.DataFrame) -> None:
        self.ev = evaluation
        self.gaps = gaps
        self.county = county
        self.lang = lang
        self.std = evaluation.standard
        self.row = evaluation.counties.filter(pl.col("county") == county).row(0, named=True)
        self.indicators = {i.key: i for i in self.std.indicators}
        self.ind_name = {i.key: (i.name if lang == "zh" else i.name_en)
                         for i in self.std.indicators}
        self.fonts = FONTS_ZH if lang == "zh" else FONTS_EN
        self.doc = Document()
        self.section_no = 0

    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    # -- document scaffolding --------------------------------------------------------------
    def styles(self) -> None:
        section = self.doc.sections[0]  # A4, 2.5 cm margins: 16 cm of text width
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
            setattr(section, side, Cm(2.5))
        for name in ("Normal", "Title", "Heading 1", "Heading 2"):
            style = self.doc.styles[name]
            east, west, size = self.fonts[name]
            _set_font(style, east, west, size)
            style.font.color.rgb = RGBColor(0, 0, 0)
            if name != "Normal":
                style.font.bold = name != "Title" or self.lang == "en"
        title = self.doc.styles["Title"]
        title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
        # The default Title style draws a blue rule under the text; a report title has none.
        ppr = title.element.get_or_add_pPr()
        for border in ppr.findall(qn("w:pBdr")):
            ppr.remove(border)
        normal = self.doc.styles["Normal"].paragraph_format
        normal.line_spacing = 1.25
        normal.space_after = Pt(4)
        # Table cells get their own paragraph style: one style id per cell instead of fonts set
        # run by run (which made a 300-school draft take seconds).
        cell = self.doc.styles.add_style("Table Text", WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = self.doc.styles["Normal"]
        _set_font(cell, *self.fonts["table"])
        cell.paragraph_format.line_spacing = 1.0
        cell.paragraph_format.space_after = Pt(0)
        cell.paragraph_format.first_line_indent = Pt(0)
        self.style_ids = {name: self.doc.styles[name].style_id
                          for name in ("Table Text", "List Bullet", "List Bullet 2")}

    def bullet(self, text: str, level: int = 1) -> None:
        """A bulleted paragraph. The style is set by id: python-docx looks a style name up by
        scanning every style, each time."""
        p = self.doc.add_paragraph(plain(text))
        p._p.style = self.style_ids["List Bullet" if level == 1 else "List Bullet 2"]

    def heading(self, text: str) -> None:
        label = (f"{CN_NUMBERS[self.section_no]}、{text}" if self.lang == "zh"
                 else f"{self.section_no + 1}. {text}")
        self.section_no += 1
        self.doc.add_heading(plain(label), level=1)
        self.sub_no = 0

    def subheading(self, text: str) -> None:
        label = (f"（{CN_NUMBERS[self.sub_no]}）{text}" if self.lang == "zh"
                 else f"{self.section_no}.{self.sub_no + 1} {text}")
        self.sub_no += 1
        self.doc.add_heading(plain(label), level=2)

    def para(self, text: str, indent: bool = True) -> None:
        p = self.doc.add_paragraph(plain(text))
        if indent and self.lang == "zh":
            p.paragraph_format.first_line_indent = Pt(self.fonts["Normal"][2] * 2)

    def table(self, heads: list[str], rows: list[list[Any]], widths: list[float]) -> Table:
        """A real Word table; ``widths`` in cm. A cell given as (text, True) is marked (red,
        bold); numbers are right-aligned."""
        table = self.doc.add_table(rows=len(rows) + 1, cols=len(heads))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        cells = table._cells  # one pass over the grid; per-row .cells is quadratic
        ncols = len(heads)
        text_style = self.style_ids["Table Text"]
        for c, head in enumerate(heads):
            paragraph = cells[c].paragraphs[0]
            paragraph._p.style = text_style
            paragraph.add_run(plain(head)).bold = True
        # The header row repeats on every page of a long table.
        tr_pr = table.rows[0]._tr.get_or_add_trPr()
        tr_pr.append(tr_pr.makeelement(qn("w:tblHeader"), {}))
        for r, values in enumerate(rows, start=1):
            for c, value in enumerate(values):
                marked = isinstance(value, tuple)
                text = value[0] if marked else value
                paragraph = cells[r * ncols + c].paragraphs[0]
                paragraph._p.style = text_style
                run = paragraph.add_run("" if text is None else plain(text))
                if isinstance(text, int | float) or (isinstance(text, str) and _NUMBER.match(text)):
                    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                if marked and value[1]:
                    run.bold = True
                    run.font.color.rgb = RED
        # Fixed layout (autofit off) takes the widths from the grid and the first row; setting
        # every cell's width as well costs seconds on a 300-school table.
        for c, width in enumerate(widths):
            table.columns[c].width = Cm(width)
            cells[c].width = Cm(width)
        self.doc.add_paragraph()
        return table

    # -- the report ------------------------------------------------------------------------
    def build(self) -> Any:
        self.styles()
        std, ev = self.std, self.ev
        self.doc.add_paragraph(one_line(self.tx("word_title", county=self.county)),
                               style="Title")
        from junheng import __version__

        note = self.doc.add_paragraph(plain(self.tx(
            "word_subtitle", standard=std.name if self.lang == "zh" else std.name_en,
            year=f"{ev.year}–{ev.year + 1}", version=__version__)))
        note.alignment = WD_ALIGN_PARAGRAPH.CENTER
        self.basic()
        self.resources()
        for part in std.parts:
            self.other_part(part.key)
        if std.vetoes:
            self.vetoes()
        self.problems()
        self.measures()
        return self.doc

    def basic(self) -> None:
        self.heading(self.tx("word_basic"))
        units = self.ev.units.filter(pl.col("county") == self.county)
        schools = units.unique("school_id", keep="first", maintain_order=True)
        by_type = schools.group_by("school_type").len()
        types = ENUMS["school_type"]
        counts = {r["school_type"]: r["len"] for r in by_type.iter_rows(named=True)}
        sep = "、" if self.lang == "zh" else ", "
        type_text = sep.join(
            f"{types.label(code)} {counts[code]} 所" if self.lang == "zh"
            else f"{counts[code]} {code.replace('_', ' ')}"
            for code in types.codes if code in counts)
        pupils = int(units.get_column("students").sum())
        classes = int(units.get_column("classes").sum())
        teachers = int(units.get_column("teachers_all").sum())
        self.para(self.tx("word_basic_text", county=self.county, schools=schools.height,
                          types=type_text, pupils=pupils, classes=classes, teachers=teachers,
                          year=f"{self.ev.year}–{self.ev.year + 1}"))
        rows = []
        for stage in STAGES:
            s = units.filter(pl.col("stage") == stage)
            if s.height:
                rows.append([self.tx(stage), s.height, int(s.get_column("students").sum()),
                             int(s.get_column("classes").sum()),
                             int(s.get_column("teachers_all").sum())])
        self.table([self.tx("stage"), self.tx("word_units"), self.tx("students"),
                    self.tx("word_classes"), self.tx("word_teachers")], rows, [3, 3.2, 3.2, 3.2, 3.2])
        locations = ENUMS["location"]
        rows = []
        for code in locations.codes:
            s = schools.filter(pl.col("location") == code)
            if s.height:
                ids = s.get_column("school_id")
                rows.append([locations.label(code) if self.lang == "zh" else code, s.height,
                             int(units.filter(pl.col("school_id").is_in(ids.implode()))
                                 .get_column("students").sum())])
        self.table([self.tx("word_location"), self.tx("word_schools"), self.tx("students")],
                   rows, [4, 4, 4])

    def resources(self) -> None:
        std, ev = self.std, self.ev
        self.heading(f"{self.tx('resources')}（{self.tx(self.row['resources_verdict'])}）"
                     if self.lang == "zh" else
                     f"{self.tx('resources')} ({self.tx(self.row['resources_verdict'])})")
        if std.has_school_rule:
            self.subheading(self.tx("word_rule"))
            self.para(self.tx("word_rule_text", rule=self.tx(
                "rule_method", k=std.min_indicators_met,
                n=sum(i.thresholds is not None for i in std.indicators), floor=std.floor_ratio),
                m=self.row["schools_meeting_rule"], n=self.row["schools_evaluated"]))
        self.subheading(self.tx("word_cv"))
        stages = ev.stages.filter(pl.col("county") == self.county).sort(
            pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order")
        rows: list[list[Any]] = []
        for r in stages.iter_rows(named=True):
            bad = r["cv_met"] is False
            rows.append([self.tx(r["stage"]), self.ind_name[r["indicator"]],
                         _fmt(r["county_value"], 3), (_fmt(r["cv"], 4), bad),
                         _fmt(r["cv_limit"], 2), (self._yes_no(r["cv_met"]), bad)])
        if std.cv_composite_limits is not None:
            for r in stages.unique("stage", keep="first", maintain_order=True).iter_rows(
                    named=True):
                bad = r["cv_composite_met"] is False
                rows.append([self.tx(r["stage"]), self.tx("composite"), "",
                             (_fmt(r["cv_composite"], 4), bad), _fmt(r["cv_composite_limit"], 2),
                             (self._yes_no(r["cv_composite_met"]), bad)])
        self.para(self.tx("word_cv_text", limits=self._cv_limits()))
        self.table([self.tx("stage"), self.tx("indicator"), self.tx("county_value"),
                    self.tx("cv"), self.tx("limit"), self.tx("met")], rows,
                   [1.6, 7.4, 2, 2, 1.5, 1.5])
        self.subheading(self.tx("word_schools_table"))
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
            self.para(f"{self.tx(stage)}：" if self.lang == "zh" else f"{self.tx(stage)}:",
                      indent=False)
            heads = [self.tx("school"), self.tx("students"),
                     *[self.indicators[k].short if self.lang == "zh"
                       else self.indicators[k].short_en for k in graded]]
            if std.has_school_rule:
                heads.append(self.tx("meets_rule_col"))
            rows = []
            for u in units.sort("school_id").iter_rows(named=True):
                cells: list[Any] = [u["name"], u["students"]]
                for k in graded:
                    r = lookup.get((u["school_id"], k))
                    value = None if r is None else r["value"]
                    cells.append((_fmt(value, 2), r is not None and r["met"] is False))
                if std.has_school_rule:
                    cells.append((self._yes_no(u["meets_rule"]), u["meets_rule"] is False))
                rows.append(cells)
            rest = 16 - 3.4 - 1.4 - (1.2 if std.has_school_rule else 0)
            self.table(heads, rows, [3.4, 1.4, *[rest / len(graded)] * len(graded),
                                     *([1.2] if std.has_school_rule else [])])
        units_text = "；".join(f"{self.indicators[k].short}：{self.indicators[k].value_unit('zh')}"
                               for k in graded) if self.lang == "zh" else "; ".join(
            f"{self.indicators[k].short_en}: {self.indicators[k].value_unit('en')}"
            for k in graded)
        self.para(self.tx("word_units_note", units=units_text), indent=False)

    def other_part(self, part: str) -> None:
        ev = self.ev
        verdict = ev.parts.filter((pl.col("county") == self.county) & (pl.col("part") == part))
        if verdict.height == 0:
            return
        p = verdict.row(0, named=True)
        self.heading(f"{self.tx(part)}（{self.tx(p['verdict'])}）" if self.lang == "zh"
                     else f"{self.tx(part)} ({self.tx(p['verdict'])})")
        self.para(self.tx("word_part_text", n=p["items"], met=p["met"], failed=p["failed"],
                          missing=p["missing"]))
        spec = {i.key: i for i in self.std.part(part).items}  # type: ignore[union-attr]
        checks = ev.checks.filter((pl.col("county") == self.county) & (pl.col("part") == part))
        items = ev.items.filter((pl.col("county") == self.county) & (pl.col("part") == part)) \
            .sort("number")
        rows = []
        for r in items.iter_rows(named=True):
            item = spec[r["item"]]
            values, standards = [], []
            for c in checks.filter(pl.col("item") == r["item"]).iter_rows(named=True):
                values.append(check_value(c["value"], c["percent"], c["op"], self.lang))
                standards.append(f"{c['op']} {check_value(c['threshold'], c['percent'], c['op'], self.lang)}")
            state = self.tx("missing") if r["met"] is None else self._yes_no(r["met"])
            rows.append([r["number"], item.name if self.lang == "zh" else item.name_en,
                         self.tx(r["source"]), "；".join(values), "；".join(standards),
                         (state, r["met"] is not True)])
        self.table([self.tx("item_no"), self.tx("item"), self.tx("item_source"),
                    self.tx("value"), self.tx("threshold"), self.tx("met")], rows,
                   [1.1, 6.5, 1.3, 3.2, 2.6, 1.3])

    def vetoes(self) -> None:
        self.heading(self.tx("vetoes"))
        vetoes = self.ev.vetoes.filter(pl.col("county") == self.county)
        names = {v.key: (v.name if self.lang == "zh" else v.name_en) for v in self.std.vetoes}
        rows = []
        for v in vetoes.iter_rows(named=True):
            state = (self.tx("word_not_declared") if v["present"] is None
                     else self.tx("word_occurred") if v["present"] else self.tx("word_none"))
            rows.append([names[v["veto"]], (state, v["present"] is not False)])
        self.table([self.tx("word_veto"), self.tx("word_situation")], rows, [12.5, 3.5])

    def problems(self) -> None:
        self.heading(self.tx("word_problems"))
        wrote = False
        if self.std.has_school_rule:
            gaps = self.gaps
            if gaps.height:
                wrote = True
                self.subheading(self.tx("word_problems_resources", n=gaps.select(
                    pl.struct("school_id", "stage").n_unique()).item()))
                for (_, _), group in gaps.group_by(["school_id", "stage"], maintain_order=True):
                    first = group.row(0, named=True)
                    phrases = []
                    for r in group.iter_rows(named=True):
                        phrases.append(gap_phrase(self.indicators[r["indicator"]],
                                                  r["shortfall"], self.lang, r["floor_met"])
                                       .replace("\u00a0", " "))
                    sep = "，" if self.lang == "zh" else "; "
                    self.bullet(
                        f"{first['name']}（{self.tx(first['stage'])}）：{sep.join(phrases)}。"
                        if self.lang == "zh" else
                        f"{first['name']} ({self.tx(first['stage'])}): {sep.join(phrases)}.")
        cvs = self.ev.stages.filter((pl.col("county") == self.county)
                                    & (pl.col("cv_met").not_()))
        if cvs.height:
            wrote = True
            self.subheading(self.tx("word_problems_cv"))
            for r in cvs.iter_rows(named=True):
                self.bullet(self.tx(
                    "word_cv_over", stage=self.tx(r["stage"]), indicator=self.ind_name[
                        r["indicator"]], cv=_fmt(r["cv"], 4), limit=_fmt(r["cv_limit"], 2)))
        for part in self.std.parts:
            items = self.ev.items.filter((pl.col("county") == self.county)
                                         & (pl.col("part") == part.key)
                                         & (pl.col("met").is_null() | pl.col("met").not_()))
            if items.height == 0:
                continue
            wrote = True
            self.subheading(self.tx(part.key))
            spec = {i.key: i for i in part.items}
            breaches = self.ev.breaches.filter((pl.col("county") == self.county)
                                               & (pl.col("part") == part.key))
            for r in items.sort("number").iter_rows(named=True):
                item = spec[r["item"]]
                state = self.tx("word_lacks_data") if r["met"] is None else self.tx("fail")
                detail = r["detail_zh"] if self.lang == "zh" else r["detail_en"]
                text = (f"第 {r['number']} 项 {item.name}：{state}" if self.lang == "zh"
                        else f"Item {r['number']} {item.name_en}: {state}")
                if detail:
                    text += f"（{detail}）" if self.lang == "zh" else f" ({detail})"
                self.bullet(text)
                for b in breaches.filter(pl.col("item") == r["item"]).iter_rows(named=True):
                    line = b["detail_zh"] if self.lang == "zh" else b["detail_en"]
                    self.bullet(f"{b['name'] or b['school_id']}：{line}" if self.lang == "zh"
                                else f"{b['name'] or b['school_id']}: {line}", level=2)
        if not wrote:
            self.para(self.tx("word_no_problems"))

    def measures(self) -> None:
        self.heading(self.tx("word_measures"))
        self.para(self.tx("word_measures_intro"))
        for key in ("word_m_teachers", "word_m_conditions", "word_m_rotation",
                    "word_m_funding", "word_m_quality"):
            self.subheading(self.tx(key))
            p = self.doc.add_paragraph()
            run = p.add_run(self.tx("word_placeholder"))
            run.italic = True
            run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)

    def _cv_limits(self) -> str:
        """The limits as the standard sets them (national, provincial, or composite)."""
        std = self.std
        sep = "，" if self.lang == "zh" else ", "
        limits = std.cv_limits or std.cv_composite_limits or {}
        text = sep.join(self.tx("word_cv_limits", stage=self.tx(stage), limit=limits[stage])
                        for stage in STAGES if stage in limits)
        if std.cv_composite_limits is not None:
            text = self.tx("word_cv_composite", limits=text)
        return text

    def _yes_no(self, value: bool | None) -> str:
        return yes_no(value, self.lang, "—")  # type: ignore[return-value]


def _fmt(value: float | None, digits: int) -> str:
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"
