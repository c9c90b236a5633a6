"""The projection's files (``junheng project -o FOLDER``): a workbook, a self-contained HTML
page and the JSON, all from one :class:`~junheng.report.views.projection.ProjectionView`.

- ``预测.xlsx`` / ``projection.xlsx``: 首次不达标 first (what a bureau must act on first), then
  逐年汇总 (county by year), 学校逐年 (school–stage by year), 指标逐年 (each indicator, a column
  per year, red where missed), 差异系数逐年 (each CV, a column per year, red over the limit),
  规模与班额 (items 4 and 5), 说明. The workbook conventions of :mod:`junheng.report._excel`:
  Chinese first, cells hold unrounded numbers, headings frozen and filterable, A4 landscape.
- ``预测.html`` / ``projection.html``: the first breaks on the first screen, then per county
  the year-by-year table, pupils by stage over the years (lines) and each stage's CVs over the
  years against the limit (a small chart per stage, the limit dashed), and the tables. plotly.js
  is inlined (:mod:`junheng.report._html`): nothing is fetched.
- ``预测.json`` / ``projection.json``: the same content as plain data, numbers unrounded.

The three appear together or not at all (:func:`junheng.io.output_run`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from junheng.io import atomic_path, write_text
from junheng.io._atomic import output_folder, output_run
from junheng.io._json import dumps
from junheng.model.schema import STAGES
from junheng.projection import Projection
from junheng.report._excel import LINE_HEIGHT, Num, _Book, lines_needed
from junheng.report._format import EXCEL_FORMATS, number
from junheng.report._html import CSS, FONTS, JS, _e, _table, figure_blocks, page_head
from junheng.report._tables import MAX_CHART_COUNTIES
from junheng.report._text import yes_no
from junheng.report.catalogue import Lang, t
from junheng.report.views.projection import (
    COMPOSITE,
    Break,
    ProjectionView,
    build_projection_view,
    shown_against,
)
from junheng.standards import Indicator, Standard, load_standard

FILE_NAMES = {"zh": ("预测.xlsx", "预测.html", "预测.json"),
              "en": ("projection.xlsx", "projection.html", "projection.json")}
BREAK_COLOURS = {"rule": "bad", "cv": "bad", "school_size": "bad", "class_size": "bad",
                 "indicator": "warn"}
OPEN_ROWS = 40  # rows of a long HTML table shown before "show all"
REASON_WIDTH = 70  # the workbook's reason column, in character widths
WHAT_WIDTH = 26  # … and what broke (an indicator's name wraps)
CJK_LINE = 15.0  # points per wrapped line of the reasons (CJK fonts set lines looser than 13.5)
LINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
                "#bcbd22")


def write_projection(projection: Projection, standard: Standard | str | Path, folder: str | Path,
                     lang: Lang = "zh", band: str | None = None,
                     view: ProjectionView | None = None) -> list[Path]:
    """Write the workbook, the HTML page and the JSON of ``projection`` into ``folder`` and
    return their paths (in that order). All three appear, or none (a failure in the last
    leaves no file and no folder this run made).

    ``band`` is the cohort model's band, for the titles; ``view`` the view when the caller
    already built it (in ``lang``).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = junheng.write_sample(folder / "county.xlsx", schools=12, seed=1)
    >>> p = junheng.project(junheng.load(folder / "county.xlsx"), years=2, year=2025)
    >>> [x.name for x in write_projection(p, "quality-2017", folder / "out")]
    ['预测.xlsx', '预测.html', '预测.json']
    """
    if not isinstance(standard, Standard):
        standard = load_standard(standard)
    if view is None:
        view = build_projection_view(projection, standard, lang, band=band)
    xlsx, page, data = FILE_NAMES[lang]
    with output_run():
        folder = output_folder(folder, f"project-{lang}")
        paths = [write_projection_excel(view, folder / xlsx),
                 write_projection_html(view, folder / page),
                 write_text(folder / data, dumps(view.to_dict(), indent=2) + "\n")]
    return paths


# -- the workbook --------------------------------------------------------------------------

def _against(value: float | None, limit: float | None, fmt: str) -> str:
    """``fmt``, with the decimals a value needs not to read as its limit (2.297 against 2.3
    shows 2.297, never 2.30).

    >>> _against(2.297, 2.3, "#,##0.00"), _against(0.67, 0.9, "#,##0.00")
    ('#,##0.000', '#,##0.00')
    """
    if value is None or limit is None or not math.isfinite(value) or value == limit:
        return fmt
    shown = len(fmt.partition(".")[2].rstrip("%")) if "." in fmt else 0
    decimals = len(shown_against(value, limit, shown).partition(".")[2])
    if decimals <= shown:
        return fmt
    return "#,##0." + "0" * decimals + ("%" if fmt.endswith("%") else "")


def write_projection_excel(view: ProjectionView, path: str | Path) -> Path:
    """The workbook (see the module docstring), written atomically."""
    path = Path(path)
    with atomic_path(path) as tmp:
        book = _TopBook(tmp, view.lang)
        _Workbook(view, book).write()
        book.wb.close()
    return path


def value_format(ind: Indicator) -> str:
    """The Excel format of an indicator's values (as the evaluation's workbook writes them)."""
    if ind.unit == "yuan":
        return EXCEL_FORMATS["money_per_pupil"]
    if ind.unit == "m2":
        return EXCEL_FORMATS["area"]
    if ind.per_students == 1 and ind.unit in ("teachers", "rooms", "computers"):
        return "#,##0.000"
    return EXCEL_FORMATS["value"]


class _TopBook(_Book):
    """The evaluation workbook's conventions, every cell aligned to the top: a row of the
    first breaks is as tall as its reason, and its figures stand beside the reason's first
    line, not below its last."""

    def fmt(self, **props: Any) -> Any:
        props.setdefault("valign", "top")
        return super().fmt(**props)


class _Workbook:
    def __init__(self, view: ProjectionView, book: _Book) -> None:
        self.view = view
        self.book = book
        self.lang = view.lang

    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    def write(self) -> None:
        wb = self.book.wb
        first = wb.add_worksheet(self.tx("proj_sheet_breaks"))
        self.breaks(first)
        self.summary(wb.add_worksheet(self.tx("proj_sheet_summary")))
        self.schools(wb.add_worksheet(self.tx("proj_sheet_schools")))
        self.indicators(wb.add_worksheet(self.tx("proj_sheet_indicators")))
        self.cvs(wb.add_worksheet(self.tx("proj_sheet_cvs")))
        self.sizes(wb.add_worksheet(self.tx("proj_sheet_sizes")))
        self.notes(wb.add_worksheet(self.tx("sheet_notes")))
        self.book.printable()
        first.activate()

    def title(self, ws: Any, text: str, line: str | None = None) -> int:
        ws.write_string(0, 0, text, self.book.f["title"])
        if line:
            ws.write_string(1, 0, line, self.book.f["text"])
        return 3

    def break_figure(self, brk: Break, value: float | None) -> Num:
        if brk.kind == "indicator" and brk.indicator:
            return Num(value, _against(value, brk.limit, value_format(
                self.view.standard.indicator(brk.indicator))))
        if brk.kind == "cv":
            return Num(value, _against(value, brk.limit, EXCEL_FORMATS["cv"]))
        if brk.kind == "class_size":
            return Num(value, "#,##0.0")
        return Num(value, EXCEL_FORMATS["count"])

    def break_unit(self, brk: Break) -> str | None:
        """The unit of a break's figures (their own column: an English unit is long)."""
        if brk.kind == "indicator" and brk.indicator:
            return self.view.standard.indicator(brk.indicator).value_unit(self.lang)
        return {"rule": self.tx("proj_unit_rule"), "school_size": self.tx("proj_unit_pupils"),
                "class_size": self.tx("proj_unit_class")}.get(brk.kind)

    def breaks(self, ws: Any) -> None:
        view = self.view
        top = self.title(ws, self.tx("proj_breaks_title"), headline(view))
        columns = [(self.tx("proj_year"), 6, "0"), (self.tx("county"), 10, "text"),
                   (self.tx("proj_col_kind"), 10, "text"), (self.tx("school_id"), 12, "text"),
                   (self.tx("school"), 20, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("proj_col_what"), WHAT_WIDTH, "wrap"),
                   (self.tx("proj_col_before"), 9, "num2"), (self.tx("proj_col_after"), 9, "num2"),
                   (self.tx("proj_col_standard"), 9, "num2"),
                   (self.tx("value_unit"), 8, "text"),
                   (self.tx("proj_col_left"), 8, "int"),
                   (self.tx("proj_col_pupils_before"), 10, "int"),
                   (self.tx("proj_col_pupils_after"), 10, "int"),
                   (self.tx("proj_col_reason"), REASON_WIDTH, "wrap")]
        rows = []
        for b in view.breaks:
            limit = Num(b.limit, EXCEL_FORMATS["limit"]) if b.kind == "cv" \
                else self.break_figure(b, b.limit)
            rows.append([b.year, b.county, view.kind_name(b), b.school_id, b.name,
                         self.tx(b.stage) if b.stage else None, view.what(b),
                         self.break_figure(b, b.before), self.break_figure(b, b.after), limit,
                         self.break_unit(b),
                         b.teachers_left, b.pupils_before, b.pupils_after,
                         b.reason(self.lang)])
        end = self.book.table(ws, top, columns, rows)
        self.book.width(ws, len(columns) - 1, REASON_WIDTH)
        self.book.width(ws, 6, WHAT_WIDTH)
        for r, b in enumerate(view.breaks, start=top + 1):
            lines = max(lines_needed(b.reason(self.lang), REASON_WIDTH),
                        lines_needed(view.what(b), WHAT_WIDTH))
            if lines > 1:
                ws.set_row(r, CJK_LINE * lines + 3)
        if end > top + 1:  # the kind that fails the county in red, an indicator in amber
            for kind, colour in (("indicator", "amber"), ("rule", "red"), ("cv", "red"),
                                 ("school_size", "red"), ("class_size", "red")):
                ws.conditional_format(top + 1, 2, end - 1, 2, {
                    "type": "cell", "criteria": "==",
                    "value": f'"{self.tx(f"proj_kind_{kind}")}"',
                    "format": self.book.f[colour]})
        else:
            ws.write_string(top + 2, 0, self.tx("proj_breaks_none"), self.book.f["text"])

    def summary(self, ws: Any) -> None:
        view = self.view
        top = self.title(ws, self.tx("proj_file_title", where=where(view)), span(view))
        columns = [(self.tx("county"), 10, "text"), (self.tx("proj_year"), 6, "0"),
                   (self.tx("proj_primary"), 10, "int"), (self.tx("proj_junior"), 10, "int"),
                   (self.tx("proj_classes"), 8, "int"), (self.tx("proj_teachers"), 9, "int"),
                   (self.tx("proj_retired"), 8, "int"),
                   (self.tx("schools_meeting_rule"), 10, "int"),
                   (self.tx("schools_evaluated"), 10, "int"),
                   (self.tx("proj_cvs_over_col"), 10, "int"),
                   (self.tx("proj_over_size"), 10, "int"),
                   (self.tx("proj_units_over_class"), 12, "int"),
                   (self.tx("proj_resources"), 10, "text")]
        rows = [[c.county, c.year, c.primary_students, c.junior_students, c.classes, c.teachers,
                 c.retired, c.schools_meeting_rule, c.schools_evaluated, c.cvs_over,
                 c.schools_over_size, c.units_over_class_size, self.tx(c.resources_verdict)]
                for c in sorted(view.county_years, key=lambda c: (c.county, c.year))]
        end = self.book.table(ws, top, columns, rows)
        col = len(columns) - 1
        if end > top + 1:
            for word, colour in (("fail", "red"), ("pass", "green")):
                ws.conditional_format(top + 1, col, end - 1, col, {
                    "type": "cell", "criteria": "==", "value": f'"{self.tx(word)}"',
                    "format": self.book.f[colour]})

    def schools(self, ws: Any) -> None:
        view = self.view
        columns = [(self.tx("county"), 10, "text"), (self.tx("school_id"), 12, "text"),
                   (self.tx("school"), 20, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("proj_year"), 6, "0"), (self.tx("students"), 8, "int"),
                   (self.tx("proj_classes"), 7, "int"), (self.tx("proj_teachers"), 9, "int"),
                   (self.tx("met_count"), 7, "int"), (self.tx("meets_rule_col"), 8, "text")]
        units = sorted(view.units, key=lambda u: (u.county, u.school_id,
                                                  STAGES.index(u.stage), u.year))
        rows = [[u.county, u.school_id, u.name, self.tx(u.stage), u.year, u.students, u.classes,
                 u.teachers, u.met_count, yes_no(u.meets_rule, self.lang)] for u in units]
        end = self.book.table(ws, 0, columns, rows)
        col = len(columns) - 1
        if end > 1:
            ws.conditional_format(1, col, end - 1, col, {
                "type": "cell", "criteria": "==", "value": f'"{self.tx("no")}"',
                "format": self.book.f["red"]})

    def indicators(self, ws: Any) -> None:
        view = self.view
        years = view.years
        columns = [(self.tx("county"), 10, "text"), (self.tx("school_id"), 12, "text"),
                   (self.tx("school"), 20, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("indicator"), 30, "text"), (self.tx("value_unit"), 9, "text"),
                   (self.tx("threshold"), 8, "num2"),
                   *[(str(y), 9, "num2") for y in years]]
        by_unit: dict[tuple[str, str, str], dict[int, Any]] = {}
        names: dict[tuple[str, str, str], str] = {}
        for u in view.units:
            key = (u.county, u.school_id, u.stage)
            by_unit.setdefault(key, {})[u.year] = {i.key: i for i in u.indicators}
            names.setdefault(key, u.name)
        rows, missed = [], []
        for key in sorted(by_unit, key=lambda k: (k[0], k[1], STAGES.index(k[2]))):
            for ind in view.indicators:  # one without a threshold enters the CVs only
                fmt = value_format(ind)
                cells, flags = [], []
                for y in years:
                    value = by_unit[key].get(y, {}).get(ind.key)
                    cells.append(Num(None if value is None else value.value, fmt))
                    flags.append(value is not None and value.met is False)
                rows.append([key[0], key[1], names[key], self.tx(key[2]),
                             view.indicator_name(ind.key), ind.value_unit(self.lang),
                             Num(_threshold(ind, key[2]), fmt), *cells])
                missed.append(flags)
        self.book.table(ws, 0, columns, rows)
        first = 7  # the first year's column
        for r, (row, flags) in enumerate(zip(rows, missed, strict=True), start=1):
            for c, flag in enumerate(flags):
                if flag:
                    cell = row[first + c]
                    self.book.number(ws, r, first + c, cell.value,
                                     self.book.fmt(num_format=cell.fmt, bg_color="#F8CBAD",
                                                   font_color="#9C0006"))
        ws.write_string(len(rows) + 2, 0, self.tx("proj_indicators_hint"), self.book.f["text"])

    def cvs(self, ws: Any) -> None:
        view = self.view
        years = view.years
        columns = [(self.tx("county"), 10, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("indicator"), 36, "text"), (self.tx("limit"), 7, "limit"),
                   *[(str(y), 8, "cv") for y in years]]
        table: dict[tuple[str, str, str], dict[int, Any]] = {}
        for c in view.cvs:
            table.setdefault((c.county, c.stage, c.indicator), {})[c.year] = c
        order = {ind.key: i for i, ind in enumerate(view.indicators)}
        keys = sorted(table, key=lambda k: (k[0], STAGES.index(k[1]), order.get(k[2], 99)))
        rows = []
        for key in keys:
            cells = [table[key].get(y) for y in years]
            limit = next((c.limit for c in cells if c is not None), None)
            rows.append([key[0], self.tx(key[1]), view.indicator_name(key[2]), limit,
                         *[None if c is None else c.cv for c in cells]])
        self.book.table(ws, 0, columns, rows)
        over = self.book.fmt(num_format=EXCEL_FORMATS["cv"], bg_color="#F8CBAD",
                             font_color="#9C0006")
        for r, key in enumerate(keys, start=1):
            for c, y in enumerate(years):
                cell = table[key].get(y)
                if cell is not None and cell.met is False:
                    self.book.number(ws, r, 4 + c, cell.cv, over)
        ws.write_string(len(rows) + 2, 0, self.tx("proj_cvs_hint"), self.book.f["text"])

    def sizes(self, ws: Any) -> None:
        view = self.view
        columns = [(self.tx("county"), 10, "text"), (self.tx("proj_col_kind"), 8, "text"),
                   (self.tx("school_id"), 12, "text"), (self.tx("school"), 20, "text"),
                   (self.tx("stage"), 6, "text"), (self.tx("proj_year"), 6, "0"),
                   (self.tx("students"), 8, "int"), (self.tx("proj_classes"), 7, "int"),
                   (self.tx("value"), 9, "num2"), (self.tx("limit"), 7, "int"),
                   (self.tx("detail_col"), 12, "text")]
        rows = []
        for s in sorted(view.size_breaches, key=lambda s: (s.county, s.item, s.school_id,
                                                           s.stage or "", s.year)):
            if s.item == "school_size":
                value, detail = Num(s.value, EXCEL_FORMATS["count"]), self.tx("students")
            else:
                value = Num(s.value, "#,##0.0" if s.average else EXCEL_FORMATS["count"])
                detail = self.tx("proj_col_average_class" if s.average
                                 else "proj_col_largest_class")
            rows.append([s.county, t(f"proj_kind_{s.item}", self.lang), s.school_id, s.name,
                         self.tx(s.stage) if s.stage else None, s.year, s.students, s.classes,
                         value, s.limit, detail])
        end = self.book.table(ws, 0, columns, rows)
        if not rows:
            ws.write_string(end + 1, 0, self.tx("proj_sizes_none"), self.book.f["text"])

    def notes(self, ws: Any) -> None:
        from junheng import __version__

        view, b = self.view, self.book
        ws.set_column(0, 0, 20)
        ws.set_column(1, 1, 100)
        std = view.standard
        lines = [(self.tx("standard"), f"{std.id} — {std.name if self.lang == 'zh' else std.name_en}"),
                 (self.tx("proj_base_year"), str(view.base_year)),
                 (self.tx("proj_year"), self.tx("proj_years_span", first=view.years[0],
                                                last=view.years[-1]))]
        if view.band:
            lines.append((self.tx("proj_band"), self.tx(f"proj_band_{view.band}")))
        lines.append(("junheng", __version__))
        lines += [(self.tx("notes"), note) for note in view.notes]
        for r, (label, text) in enumerate(lines):
            ws.write_string(r, 0, label, b.f["bold"])
            b.text(ws, r, 1, text, "wrap")
            need = lines_needed(text, 100)
            if need > 1:
                ws.set_row(r, LINE_HEIGHT * need + 2)


# -- words shared by the workbook and the page ---------------------------------------------

def where(view: ProjectionView) -> str:
    if len(view.counties) == 1:
        return view.counties[0]
    return t("html_n_counties", view.lang, n=len(view.counties))


def span(view: ProjectionView) -> str:
    text = t("proj_years_span", view.lang, first=view.years[0], last=view.years[-1])
    if view.band:
        text += f" · {t(f'proj_band_{view.band}', view.lang)}"
    return text


def headline(view: ProjectionView) -> str:
    if not view.breaks:
        return t("proj_breaks_none", view.lang)
    return t("proj_breaks_count", view.lang, n=len(view.breaks), year=view.breaks[0].year)


# -- the HTML page -------------------------------------------------------------------------

def write_projection_html(view: ProjectionView, path: str | Path) -> Path:
    """The self-contained page (see the module docstring), written atomically."""
    write_text(path, _Page(view).render())
    return Path(path)


class _Page:
    def __init__(self, view: ProjectionView) -> None:
        self.view = view
        self.lang = view.lang
        self.figures: list[tuple[str, dict[str, Any]]] = []

    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    def render(self) -> str:
        from junheng import __version__

        view = self.view
        title = self.tx("proj_file_title", where=where(view))
        c = self.tx("colon")
        std = view.standard
        counties = "".join(self.county(county, i) for i, county in enumerate(view.counties))
        nav = (f'<a href="#breaks">{_e(self.tx("proj_sheet_breaks"))}</a>'
               + "".join(f'<a href="#c{i}">{_e(name)}</a>'
                         for i, name in enumerate(view.counties))
               + f'<a href="#notes">{_e(self.tx("notes"))}</a>')
        figures = figure_blocks(self.figures)
        notes = "".join(f"<p>{_e(n)}</p>" for n in view.notes)
        band = (f"<span>{self.tx('proj_band')}{c}{_e(self.tx(f'proj_band_{view.band}'))}</span>"
                if view.band else "")
        return page_head(title, self.lang, CSS + EXTRA_CSS) + f"""<header>
<h1>{_e(title)}</h1>
<p class="meta"><span class="standard">{self.tx('standard')}{c}{_e(std.name if self.lang == 'zh' else std.name_en)}</span>
<span>{self.tx('proj_base_year')}{c}{view.base_year}</span>
<span>{_e(self.tx('proj_years_span', first=view.years[0], last=view.years[-1]))}</span>
{band}<span>junheng {__version__}</span></p>
<nav>{nav}</nav>
</header>
<main>
{self.breaks()}
{counties}
<section class="method" id="notes"><h2>{self.tx('notes')}</h2>{notes}</section>
</main>
{figures}
<script>{JS}</script>
</body>
</html>
"""

    # -- the first screen ------------------------------------------------------------------
    def breaks(self) -> str:
        view = self.view
        out = [f"<section id='breaks' class='breaks'><h2>{_e(self.tx('proj_breaks_title'))}</h2>",
               f"<p class='headline'>{_e(headline(view))}</p>"]
        if view.spread:
            out.append(f"<p class='warn'>{_e(self.tx('proj_spread'))}</p>")
        out.append(f"<p class='hint'>{_e(self.tx('proj_assumptions'))}</p>")
        if view.breaks:
            several = len(view.counties) > 1
            heads = [self.tx("proj_year"), *([self.tx("county")] if several else []),
                     self.tx("school"), self.tx("proj_col_what"), self.tx("proj_col_reason")]
            rows = []
            for b in view.breaks:
                rows.append([(str(b.year), "nowrap", b.year),
                             *([(b.county, "nowrap")] if several else []),
                             (b.name or "—", "nowrap"),
                             (view.what(b), f"what {BREAK_COLOURS[b.kind]}"),
                             (b.reason(self.lang), "reason")])
            out.append(self.long_table(heads, rows, "breaks"))
        out.append("</section>")
        return "".join(out)

    def long_table(self, heads: list[str], rows: list[list[tuple]], cls: str = "") -> str:
        """A table whose rows after the first ``OPEN_ROWS`` are behind "show all"."""
        if len(rows) <= OPEN_ROWS + 10:
            return _table(heads, rows, cls)
        return (_table(heads, rows[:OPEN_ROWS], cls)
                + f"<details class='more-schools'><summary>"
                  f"{_e(self.tx('proj_show_rows', n=len(rows)))}</summary>"
                + _table(heads, rows, cls) + "</details>")

    # -- one county ------------------------------------------------------------------------
    def county(self, county: str, index: int) -> str:
        view = self.view
        years = [c for c in view.county_years if c.county == county]
        out = [f"<section class='county' id='c{index}'><h2>{_e(county)}</h2>",
               f"<h3>{_e(self.tx('proj_sheet_summary'))}</h3>", self.summary(years)]
        if len(view.counties) <= MAX_CHART_COUNTIES:
            out.append(self.pupils_chart(county, index, years))
            out.append(f"<h3>{_e(self.tx('proj_sheet_cvs'))}</h3><div class='grid'>")
            for stage in STAGES:
                out.append(self.cv_chart(county, index, stage))
            out.append("</div>")
        out.append(self.cv_table(county))
        out.append(f"<h3>{_e(self.tx('proj_sheet_sizes'))}</h3>")
        out.append(self.sizes(county))
        out.append(f"<h3>{_e(self.tx('proj_sheet_schools'))}</h3>")
        out.append(self.schools(county))
        out.append(f"<h3>{_e(self.tx('proj_sheet_indicators'))}</h3>")
        out.append(self.indicators(county))
        out.append("</section>")
        return "".join(out)

    def num(self, value: float | None, kind: str = "count") -> tuple:
        if value is None:
            return ("—", "num")
        return (number(value, kind, self.lang), "num", value)  # type: ignore[arg-type]

    def summary(self, years: list) -> str:
        heads = [self.tx("proj_year"), self.tx("proj_primary"), self.tx("proj_junior"),
                 self.tx("proj_classes"), self.tx("proj_teachers"), self.tx("proj_retired"),
                 self.tx("proj_meeting"), self.tx("proj_cvs_over_col"),
                 self.tx("proj_over_size"), self.tx("proj_units_over_class"),
                 self.tx("proj_resources")]
        rows = []
        for c in years:
            meeting = ("—", "num") if c.schools_meeting_rule is None else (
                f"{c.schools_meeting_rule:,} / {c.schools_evaluated:,}", "num",
                c.schools_meeting_rule)
            rows.append([(str(c.year), None, c.year), self.num(c.primary_students),
                         self.num(c.junior_students), self.num(c.classes),
                         self.num(c.teachers), self.num(c.retired), meeting,
                         (f"{c.cvs_over:,}", "num bad" if c.cvs_over else "num", c.cvs_over),
                         self.num(c.schools_over_size), self.num(c.units_over_class_size),
                         (self.tx(c.resources_verdict),
                          "ok" if c.resources_verdict == "pass" else "bad")])
        return _table(heads, rows, "summary", sortable=False)

    def figure(self, fid: str, data: list[dict[str, Any]], layout: dict[str, Any],
               height: int, caption: str) -> str:
        base = {"font": {"family": FONTS, "size": 12}, "height": height,
                "margin": {"l": 10, "r": 20, "t": 10, "b": 10, "autoexpand": True},
                "paper_bgcolor": "white", "plot_bgcolor": "white",
                "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom",
                           "font": {"size": 11}}}
        self.figures.append((fid, {"data": data, "layout": {**base, **layout}}))
        return (f'<figure class="fig"><figcaption>{_e(caption)}</figcaption>'
                f'<div class="chart" id="{fid}" style="height:{height}px"></div></figure>')

    def xaxis(self) -> dict[str, Any]:
        return {"type": "category", "automargin": True, "showgrid": False}

    def pupils_chart(self, county: str, index: int, years: list) -> str:
        x = [str(c.year) for c in years]
        data = []
        for stage, field, colour in (("primary", "primary_students", "#1f3a5f"),
                                     ("junior", "junior_students", "#e07b39")):
            y = [getattr(c, field) for c in years]
            if not any(y):
                continue
            data.append({"type": "scatter", "mode": "lines+markers+text", "name": self.tx(stage),
                         "x": x, "y": y, "line": {"color": colour, "width": 3},
                         "text": [number(v, "count") for v in y], "textposition": "top center",
                         "textfont": {"size": 10}, "cliponaxis": False,
                         "hovertemplate": "%{x}: %{text}<extra>" + self.tx(stage) + "</extra>"})
        top = max([v for d in data for v in d["y"]], default=1)
        return self.figure(f"pupils{index}", data, {
            "xaxis": self.xaxis(),
            "yaxis": {"title": {"text": self.tx("students")}, "rangemode": "tozero",
                      "range": [0, top * 1.18], "automargin": True, "tickformat": ",d",
                      "gridcolor": "#e6e9ee"}},
            320, self.tx("proj_chart_pupils"))

    def cv_chart(self, county: str, index: int, stage: str) -> str:
        view = self.view
        rows = [c for c in view.cvs if c.county == county and c.stage == stage]
        if not rows:
            return ""
        x = [str(y) for y in view.years]
        data = []
        top = 0.0
        limit = next((c.limit for c in rows if c.limit is not None), None)
        cells = {(c.indicator, c.year): c.cv for c in rows}
        for n, key in enumerate([*(i.key for i in view.indicators), COMPOSITE]):
            y = [cells.get((key, year)) for year in view.years]
            if all(v is None for v in y):
                continue
            top = max([top, *[v for v in y if v is not None]])
            name = view.indicator_short(key)
            line = {"color": "#222", "width": 4} if key == COMPOSITE else {
                "color": LINE_COLOURS[n % len(LINE_COLOURS)], "width": 2}
            data.append({"type": "scatter", "mode": "lines+markers", "name": name, "x": x,
                         "y": y, "line": line,
                         "hovertemplate": "%{x}: %{y:.3f}<extra>" + _e(name) + "</extra>"})
        if limit is not None:
            top = max(top, limit)
            shown = number(limit, "limit")
            data.append({"type": "scatter", "mode": "lines", "x": [x[0], x[-1]],
                         "y": [limit, limit], "name": self.tx("proj_line_limit", value=shown),
                         "line": {"color": "#b3261e", "width": 2, "dash": "dash"},
                         "hoverinfo": "skip"})
        caption = self.tx("proj_chart_cv", stage=self.tx(stage),
                          limit=number(limit, "limit") if limit is not None else "—")
        return self.figure(f"cv{index}{stage}", data, {
            "xaxis": self.xaxis(),
            "yaxis": {"title": {"text": self.tx("cv")}, "range": [0, (top or 0.5) * 1.15],
                      "automargin": True, "tickformat": ".2f", "gridcolor": "#e6e9ee"}},
            420, caption)

    def cv_table(self, county: str) -> str:
        view = self.view
        table: dict[tuple[str, str], dict[int, Any]] = {}
        for c in view.cvs:
            if c.county == county:
                table.setdefault((c.stage, c.indicator), {})[c.year] = c
        order = {ind.key: i for i, ind in enumerate(view.indicators)}
        heads = [self.tx("stage"), self.tx("indicator"), self.tx("limit"),
                 *[str(y) for y in view.years]]
        rows = []
        for stage, key in sorted(table, key=lambda k: (STAGES.index(k[0]), order.get(k[1], 99))):
            cells = table[(stage, key)]
            limit = next((c.limit for c in cells.values() if c.limit is not None), None)
            row = [(self.tx(stage), "nowrap"), (view.indicator_name(key), None),
                   self.num(limit, "limit")]
            for y in view.years:
                c = cells.get(y)
                if c is None:
                    row.append(("", None))
                else:
                    row.append((number(c.cv, "cv"),
                                "num bad cell-bad" if c.met is False else "num", c.cv))
            rows.append(row)
        return (_table(heads, rows, "cvs") +
                f"<p class='hint'>{_e(self.tx('proj_cvs_hint'))}</p>")

    def sizes(self, county: str) -> str:
        rows_in = [s for s in self.view.size_breaches if s.county == county]
        if not rows_in:
            return f"<p class='ok'>{_e(self.tx('proj_sizes_none'))}</p>"
        heads = [self.tx("proj_col_kind"), self.tx("school"), self.tx("stage"),
                 self.tx("proj_year"), self.tx("students"), self.tx("proj_classes"),
                 self.tx("value"), self.tx("limit")]
        rows = []
        for s in sorted(rows_in, key=lambda s: (s.item, s.school_id, s.stage or "", s.year)):
            value = (f"{s.value:,.1f}", "num", s.value) if s.average \
                else self.num(s.value, "count")
            rows.append([(t(f"proj_kind_{s.item}", self.lang), "nowrap"), (s.name, "nowrap"),
                         (self.tx(s.stage) if s.stage else "—", "nowrap"),
                         (str(s.year), None, s.year), self.num(s.students),
                         self.num(s.classes), value, self.num(s.limit)])
        return self.long_table(heads, rows)

    def schools(self, county: str) -> str:
        units = sorted((u for u in self.view.units if u.county == county),
                       key=lambda u: (u.school_id, STAGES.index(u.stage), u.year))
        heads = [self.tx("school"), self.tx("stage"), self.tx("proj_year"),
                 self.tx("students"), self.tx("proj_classes"), self.tx("proj_teachers"),
                 self.tx("met_count"), self.tx("meets_rule_col")]
        rows = [[(u.name, "nowrap"), (self.tx(u.stage), "nowrap"), (str(u.year), None, u.year),
                 self.num(u.students), self.num(u.classes), self.num(u.teachers),
                 self.num(u.met_count), (yes_no(u.meets_rule, self.lang, "—") or "—",
                                         None if u.meets_rule is None else
                                         "ok" if u.meets_rule else "bad")] for u in units]
        return (f"<details class='more-schools'><summary>"
                f"{_e(self.tx('proj_show_rows', n=len(rows)))}</summary>"
                + _table(heads, rows) + "</details>")

    def indicators(self, county: str) -> str:
        view = self.view
        by_unit: dict[tuple[str, str], dict[int, Any]] = {}
        names: dict[tuple[str, str], str] = {}
        for u in view.units:
            if u.county != county:
                continue
            by_unit.setdefault((u.school_id, u.stage), {})[u.year] = {
                i.key: i for i in u.indicators}
            names[(u.school_id, u.stage)] = u.name
        heads = [self.tx("school"), self.tx("stage"), self.tx("indicator"),
                 self.tx("threshold"), *[str(y) for y in view.years]]
        rows = []
        for key in sorted(by_unit, key=lambda k: (k[0], STAGES.index(k[1]))):
            for ind in view.indicators:  # one without a threshold enters the CVs only
                threshold = _threshold(ind, key[1])
                row = [(names[key], "nowrap"), (self.tx(key[1]), "nowrap"),
                       (view.indicator_short(ind.key), "nowrap"),
                       ("—" if threshold is None else _figure(threshold, ind, self.lang),
                        "num")]
                for y in view.years:
                    cell = by_unit[key].get(y, {}).get(ind.key)
                    if cell is None or cell.value is None:
                        row.append(("—", "num"))
                        continue
                    row.append((_figure(cell.value, ind, self.lang),
                                "num bad cell-bad" if cell.met is False else "num",
                                cell.value))
                rows.append(row)
        return (f"<p class='hint'>{_e(self.tx('proj_indicators_hint'))}</p>"
                f"<details class='more-schools'><summary>"
                f"{_e(self.tx('proj_show_rows', n=len(rows)))}</summary>"
                + _table(heads, rows) + "</details>")


def _threshold(ind: Indicator, stage: str) -> float | None:
    return None if ind.thresholds is None else ind.thresholds[stage]


def _figure(value: float, ind: Indicator, lang: Lang) -> str:
    kind = "money_per_pupil" if ind.unit == "yuan" else "value"
    return number(value, kind, lang, unit=False)  # type: ignore[arg-type]


EXTRA_CSS = """
section.breaks { border-left: 4px solid #b3261e; }
section.breaks .headline { font-size: 16px; font-weight: 600; margin: 6px 0 10px; }
p.warn { color: #9a6400; font-weight: 600; }
td.reason { min-width: 24em; }
td.what { min-width: 13em; }
td.cell-bad { background: #fbe0dd; }
table.summary { width: auto; }
table.summary td { white-space: nowrap; }
"""

