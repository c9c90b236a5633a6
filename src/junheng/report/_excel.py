"""The Excel workbook (xlsxwriter): the rectification ledger (整改台账) first, then the summary,
every school's indicators, gaps, CV detail, the other parts, native charts, and notes.

Cells hold the unrounded numbers (Excel keeps 16 significant digits); formats only round what is
shown, and every figure carries its unit in its cell's format or in a column of units. The
exceptions are what a school or county must add (缺口, the ledger's totals): a whole teacher,
room, m² or 元, rounded up, as every report says it. Text that came from the input is always
written as text, and text that Excel would take for a formula (starting with ``=``, ``+``,
``-`` or ``@``) carries Excel's quote prefix, so re-editing the cell cannot turn it into one.
"""

from __future__ import annotations

import datetime as dt
import functools
import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from junheng._english import mend_plurals
from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.io import atomic_path, write_text
from junheng.io._atomic import output_folder, output_run
from junheng.io._json import dumps
from junheng.model.schema import COUNTY_BOUNDS, COUNTY_LABELS_EN
from junheng.report._clean import cell_text
from junheng.report._format import COUNTED, EXCEL_FORMATS, WAN, whole_up
from junheng.report._tables import MAX_CHART_COUNTIES, cv_contributions, gap_table
from junheng.report._text import UNIT_WORDS, Lang, gap_phrase, school_year, t, yes_no
from junheng.report.views import Need, Rectification, SchoolTasks, Task, build_rectification
from junheng.report.views.rectification import singular_en

FORMULA_STARTS = ("=", "+", "-", "@")


# Excel number formats of the workbook beyond the kinds of ``_format.EXCEL_FORMATS``.
SHARE2 = "0.00%"  # a school's weight Pi/P: small shares keep two decimals
PER_PUPIL_COUNT = "#,##0.000"  # teachers per pupil (basic-2012): 0.059
CONTRIBUTION = "#,##0.0000"  # a school's term of the weighted variance
ORDINAL = "0"  # a row number (序号): no thousands separator
TEXT_WIDTH_CAP = 60  # a text column widens to its longest text up to this
LEDGER_INPUT = "#FFF2CC"  # the cells a bureau fills in
LEDGER_BAND = "#F2F2F2"  # every other school in the ledger
LINE_HEIGHT = 13.5  # points per line of 10-point text


@functools.lru_cache(maxsize=65_536)
def display_width(text: str) -> int:
    """How many character widths ``text`` takes in a cell: CJK characters count 2.

    >>> display_width("参评学校数"), display_width("Pupils"), display_width("m²/生")
    (10, 6, 5)
    """
    return max((sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in line)
                for line in str(text).split("\n")), default=0)


def shown_width(value: float | int | None, num_format: str | int) -> int:
    """About how wide a number shows in ``num_format`` (Excel shows #### in a column too
    narrow for it): its digits, separators and decimals, a percent sign, and the quoted unit.

    >>> shown_width(2739.4, '#,##0" 元/生"'), shown_width(0.973, "0.0%")
    (11, 5)
    """
    if value is None or not isinstance(num_format, str) or not math.isfinite(value):
        return 1
    section = num_format.split(";")[-1]  # the general section of [=1]…;…
    unit = "".join(re.findall(r'"([^"]*)"', section))
    code = re.sub(r'"[^"]*"', "", section)
    decimals = len(code.split(".")[1].rstrip("%")) if "." in code else 0
    shown = abs(value) * 100 if "%" in code else abs(value)
    digits = f"{shown:,.{decimals}f}" if "," in code else f"{shown:.{decimals}f}"
    return len(digits) + (value < 0) + ("%" in code) + display_width(unit)


def lines_needed(text: str, width: float) -> int:
    """Lines ``text`` wraps to in a column ``width`` characters wide (an estimate for the row
    heights Excel does not fit by itself: merged cells)."""
    usable = max(width - 1.0, 1.0)
    # A CJK character is about 1.9 digit widths in 10-point 等线 (display_width counts 2).
    return sum(max(1, math.ceil(0.95 * display_width(line) / usable))
               for line in str(text).split("\n"))


def with_unit(base: str, unit: str) -> str:
    """An Excel number format that shows ``unit`` after the figure: ``#,##0.0" m²/生"``."""
    return f'{base}" {unit}"' if unit else base


def counted_format(base: str, kind: str, lang: Lang) -> str:
    """A count with its unit word, singular for 1 in English: ``[=1]0" teacher";#,##0"
    teachers"``; ``#,##0" 名"`` in Chinese."""
    zh, one, many = COUNTED[kind]
    if lang == "zh":
        return with_unit(base, zh)
    return f'[=1]0" {one}";{with_unit(base, many)}'


@dataclass(frozen=True)
class Num:
    """A number written with its own Excel format (``fmt`` a num_format string), whatever the
    column's."""

    value: float | int | None
    fmt: str


class _Book:
    """The workbook with its formats, and writers that keep input text inert."""

    def __init__(self, path: Path, lang: Lang) -> None:
        self.lang = lang
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                                  "strings_to_urls": False,
                                                  "nan_inf_to_errors": True})
        self.font = {"font_name": "等线" if lang == "zh" else "Calibri", "font_size": 10}
        self.wb.formats[0].set_font_name(self.font["font_name"])
        self._formats: dict[tuple[tuple[str, Any], ...], Format] = {}
        self.widths: dict[str, dict[int, float]] = {}
        fmt = self.fmt
        self.f: dict[str, Any] = {
            "title": fmt(bold=True, font_size=14),
            "bold": fmt(bold=True),
            "head": fmt(bold=True, bg_color="#DDE4EE", border=1, text_wrap=True,
                        valign="top"),
            "text": fmt(),
            "quoted": fmt(quote_prefix=True),
            "int": fmt(num_format=EXCEL_FORMATS["count"]),
            "num": fmt(num_format="#,##0.000"),
            "num2": fmt(num_format="#,##0.00"),
            "cv": fmt(num_format=EXCEL_FORMATS["cv"]),
            "limit": fmt(num_format=EXCEL_FORMATS["limit"]),
            "pct": fmt(num_format=EXCEL_FORMATS["rate"]),
            "pct2": fmt(num_format=SHARE2),
            "wrap": fmt(text_wrap=True, valign="top"),
            "red": self.wb.add_format({"bg_color": "#F8CBAD", "font_color": "#9C0006"}),
            "amber": self.wb.add_format({"bg_color": "#FFE699", "font_color": "#7F6000"}),
            "green": self.wb.add_format({"bg_color": "#C6EFCE", "font_color": "#006100"}),
        }

    def fmt(self, **props: Any) -> Format:
        """The format with the workbook's font and ``props``, made once."""
        key = tuple(sorted(props.items()))
        if key not in self._formats:
            self._formats[key] = self.wb.add_format({**self.font, **props})
        return self._formats[key]

    def width(self, ws: Worksheet, col: int, width: float) -> None:
        """Widen column ``col`` to ``width`` (never narrower than it already is)."""
        widths = self.widths.setdefault(ws.get_name(), {})
        if width > widths.get(col, 0):
            widths[col] = width
            ws.set_column(col, col, width)

    def text(self, ws: Worksheet, row: int, col: int, value: object, fmt: str | Format = "text",
             quoted: Format | None = None) -> None:
        """Input-derived or not, text is text: never a formula, never a link."""
        cell_format = self.f[fmt] if isinstance(fmt, str) else fmt
        if value is None:
            ws.write_blank(row, col, None, cell_format)
            return
        s = cell_text(str(value), self.lang)
        if s.startswith(FORMULA_STARTS):
            cell_format = quoted or self.f["quoted"]
        ws.write_string(row, col, s, cell_format)

    def number(self, ws: Worksheet, row: int, col: int, value: float | int | None,
               fmt: str | Format = "num") -> None:
        cell_format = self.f[fmt] if isinstance(fmt, str) else fmt
        if value is None:
            ws.write_blank(row, col, None, cell_format)
        elif not math.isfinite(value):  # undefined (an overflow, 0/0): a dash, not #NUM!
            ws.write_string(row, col, "—", cell_format)
        else:
            ws.write_number(row, col, value + 0, cell_format)

    def printable(self) -> None:
        """Every sheet prints on A4 landscape, one page wide, its pages numbered."""
        for ws in self.wb.worksheets():
            ws.set_paper(9)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
            ws.set_footer(t("xl_footer", self.lang))

    def table(self, ws: Worksheet, top: int, columns: list[tuple[str, int, str]],
              rows: list[list[Any]], freeze: bool = True, filters: bool = True) -> int:
        """Headers, then rows; ``columns`` are (header, width, kind), kind the format of the
        column's cells ("text", "wrap", "bold", a format of ``f``, or an Excel num_format
        string). Each cell is written by its own type, so a column may mix numbers with words
        (是/否 beside figures); a :class:`Num` brings its own format. Every column is at least
        as wide as its header. Returns the row after the table."""
        texts = ("text", "wrap", "bold")
        kinds: list[Format] = []
        for c, (head, width, kind) in enumerate(columns):
            ws.write_string(top, c, head, self.f["head"])
            self.width(ws, c, max(width, display_width(head) + 1))
            kinds.append(self.f[kind] if kind in self.f else self.fmt(num_format=kind))
        longest = [0] * len(columns)  # the longest unwrapped text of each column
        for r, values in enumerate(rows, start=top + 1):
            for c, value in enumerate(values):
                kind = columns[c][2]
                if isinstance(value, Num):
                    self.number(ws, r, c, value.value, self.fmt(num_format=value.fmt))
                    longest[c] = max(longest[c], shown_width(value.value, value.fmt))
                elif isinstance(value, int | float) and not isinstance(value, bool):
                    self.number(ws, r, c, value, "num2" if kind in texts else kinds[c])
                    longest[c] = max(longest[c], shown_width(value, kinds[c].num_format))
                else:
                    self.text(ws, r, c, value, kind if kind in texts else "text")
                    if value is not None and kind != "wrap":
                        longest[c] = max(longest[c], display_width(str(value)))
        for c, width in enumerate(longest):  # text is not cut by the next column, up to a cap
            self.width(ws, c, min(width + 1, TEXT_WIDTH_CAP))
        if freeze:
            ws.freeze_panes(top + 1, 0)
            ws.repeat_rows(top)  # the header on every printed page
        if filters and rows:
            ws.autofilter(top, 0, top + len(rows), len(columns) - 1)
        return top + len(rows) + 1


def write_excel(evaluation: Evaluation, path: str | Path, lang: Lang = "zh",
                gaps: pl.DataFrame | None = None) -> Path:
    """Write the evaluation as an Excel workbook (atomically).

    Sheets: the rectification ledger (整改台账: per county what it must add, the CVs over their
    limit, the other items open and the vetoes present, then one row per school task, nearest
    to passing first, with input cells for the bureau), summary (verdicts, parts, CVs against
    their limits, a CV chart per county and stage), schools (every school–stage × indicator,
    coloured red/amber/green), gaps (what each failing school–stage lacks, nearest to passing
    first), CV detail (each school's share of the variance), items and problem schools of the
    other parts, charts (each indicator's distribution against its threshold and the 85 %
    floor), notes.

    ``gaps`` is ``gap_table(evaluation)`` when the caller already has it (``write_reports``
    computes it once for every report).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = junheng.write_sample(folder / "county.xlsx", schools=12, seed=1)
    >>> result = junheng.evaluate(junheng.load(folder / "county.xlsx"))
    >>> write_excel(result, folder / "out.xlsx").exists()
    True
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        book = _Book(tmp, lang)
        _ExcelReport(evaluation, book, gaps).write()
        book.wb.close()
    return path


class _ExcelReport:
    def __init__(self, evaluation: Evaluation, book: _Book,
                 gaps: pl.DataFrame | None = None) -> None:
        self.ev = evaluation
        self.gap_rows = gap_table(evaluation) if gaps is None else gaps
        self.book = book
        self.lang = book.lang
        std = evaluation.standard
        self.indicators = {i.key: i for i in std.indicators}
        self.ind_name = {i.key: (i.name if self.lang == "zh" else i.name_en)
                         for i in std.indicators}
        # English labels of the keys an English sentence from the evaluation may still carry.
        self.key_labels: dict[str, str] = {**COUNTY_LABELS_EN}
        for i in std.indicators:
            self.key_labels[i.key] = i.name_en
        for p in std.parts:
            for item in p.items:
                self.key_labels.setdefault(item.key, item.name_en)
        for v in std.vetoes:
            self.key_labels.setdefault(v.key, v.name_en)
        for c in evaluation.checks.iter_rows(named=True):
            self.key_labels.setdefault(c["check"], c["label_en"])

    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    def yes_no(self, value: bool | None) -> str | None:
        return yes_no(value, self.lang)

    def said(self, zh: str | None, en: str | None) -> str | None:
        """A sentence of the evaluation in the report's language; the English one with its
        keys named and its plurals made (``1 teacher(s)`` → ``1 teacher``)."""
        if self.lang == "zh":
            return zh
        return None if en is None else english(en, self.key_labels)

    def value_format(self, key: str) -> str:
        """The Excel format of an indicator's values and thresholds."""
        ind = self.indicators[key]
        if ind.unit == "yuan":
            return EXCEL_FORMATS["money_per_pupil"]  # 2,739 元/生
        if ind.unit == "m2":
            return EXCEL_FORMATS["area"]  # 6.1 m²/生
        if ind.per_students == 1 and ind.unit in ("teachers", "rooms", "computers"):
            return PER_PUPIL_COUNT  # 0.059 人/生
        return EXCEL_FORMATS["value"]  # 4.23 人/百生

    def write(self) -> None:
        wb = self.book.wb
        ledger = wb.add_worksheet(self.tx("rect_ledger"))
        self.ledger(ledger)
        self.summary(wb.add_worksheet(self.tx("sheet_summary")))
        self.schools(wb.add_worksheet(self.tx("sheet_schools")))
        if self.ev.standard.has_school_rule:
            self.gaps(wb.add_worksheet(self.tx("sheet_gaps")))
        self.cv_detail(wb.add_worksheet(self.tx("sheet_cv_detail")))
        if self.ev.standard.parts:
            self.items(wb.add_worksheet(self.tx("sheet_items")))
            self.breaches(wb.add_worksheet(self.tx("sheet_breaches")))
        counties = self.ev.counties.height
        if counties <= MAX_CHART_COUNTIES:
            charts = wb.add_worksheet(self.tx("sheet_charts"))
            data = wb.add_worksheet(self.tx("sheet_chart_data"))
            self.distribution_charts(charts, data)
        self.notes(wb.add_worksheet(self.tx("sheet_notes")),
                   charts_left_out=counties > MAX_CHART_COUNTIES)
        self.book.printable()
        ledger.activate()

    # -- 整改台账 ----------------------------------------------------------------------------
    def ledger(self, ws: Worksheet) -> None:
        """The rectification ledger: per county, what it must add (totals), the CVs over
        their limit, the other items open and the vetoes present; then one row per school
        task, nearest to passing first, with the responsible office, deadline and progress
        left for the bureau (yellow input cells, the deadline a date)."""
        b, ev = self.book, self.ev
        several = ev.counties.height > 1
        stage_width = max(display_width(self.tx(w)) for w in ("primary", "junior",
                                                               "xl_whole_school")) + 2
        keys = [("rect_col_no", 6), *([("county", 12)] if several else []),
                ("rect_col_school", 26), ("rect_col_stage", max(stage_width, 10)),
                ("rect_col_problem", 26), ("rect_col_current", 30), ("rect_col_standard", 22),
                ("rect_col_task", 28), ("rect_col_office", 16), ("rect_col_deadline", 13),
                ("rect_col_progress", 20)]
        col = {key: c for c, (key, _) in enumerate(keys)}
        heads = [self.tx(key) for key, _ in keys]
        widths = [max(width, display_width(head) + 2) for (_, width), head in zip(keys, heads,
                                                                                  strict=True)]
        for c, width in enumerate(widths):
            b.width(ws, c, width)
        last = len(keys) - 1
        layout = _LedgerLayout(col, widths, last, several, {})

        row = 0
        tasks: list[tuple[str, SchoolTasks, Task]] = []
        breaks = []  # each county's part, then the ledger, start a printed page
        for county in ev.counties.get_column("county"):
            if row:
                breaks.append(row)
            rect = build_rectification(ev, county, self.lang, self.gap_rows)
            row = self._ledger_top(ws, rect, row, layout)
            tasks += [(county, school, task) for school in rect.schools for task in school.tasks]
        ws.set_h_pagebreaks([*breaks, row])
        ws.write_string(row, 0, self.tx("rect_by_school"), b.fmt(bold=True, font_size=12))
        row += 1
        if not tasks:
            ws.write_string(row, 0, self.tx("xl_section_none", title=self.tx("rect_by_school")),
                            b.f["text"])
            ws.freeze_panes(0, col["rect_col_school"] + 1)
            self._fit_rows(ws, layout)
            return
        example = f"{ev.year + 1}-08-31"
        row = self._paragraph(ws, row, self.tx("rect_order_note"), layout)
        row = self._paragraph(ws, row, self.tx("xl_fill_in", example=example), layout)
        header = row
        for c, head in enumerate(heads):
            ws.write_string(header, c, head, b.f["head"])
            layout.fit(header, c, head)
        plain = {"border": 1, "valign": "top", "text_wrap": True}
        inputs = b.fmt(**plain, bg_color=LEDGER_INPUT)
        deadline = b.fmt(border=1, valign="top", align="center", bg_color=LEDGER_INPUT,
                         num_format="yyyy-mm-dd")
        band, previous = False, None
        for n, (county, school, task) in enumerate(tasks, start=1):
            r = header + n
            if (county, school.school_id) != previous:
                band, previous = not band, (county, school.school_id)
            shade = {"bg_color": LEDGER_BAND} if band else {}
            cell, quoted = b.fmt(**plain, **shade), b.fmt(**plain, **shade, quote_prefix=True)
            ws.write_number(r, 0, n, b.fmt(border=1, valign="top", align="center",
                                           num_format=ORDINAL, **shade))
            if several:
                self._put(ws, layout, r, col["county"], county, cell, quoted)
            stage = self.tx(task.stage) if task.stage else self.tx("xl_whole_school")
            for key, text in (("rect_col_school", school.name), ("rect_col_stage", stage),
                              ("rect_col_problem", task.problem),
                              ("rect_col_current", self.said(task.current, task.current)),
                              ("rect_col_standard", task.standard), ("rect_col_task", task.task)):
                self._put(ws, layout, r, col[key], text, cell, quoted)
            ws.write_blank(r, col["rect_col_office"], None, inputs)
            ws.write_blank(r, col["rect_col_deadline"], None, deadline)
            ws.write_blank(r, col["rect_col_progress"], None, inputs)
        end = header + len(tasks)
        ws.autofilter(header, 0, end, last)
        ws.repeat_rows(header)  # the header on every printed page of the ledger
        ws.data_validation(header + 1, col["rect_col_deadline"], end, col["rect_col_deadline"], {
            "validate": "date", "criteria": "between",
            "minimum": dt.date(2000, 1, 1), "maximum": dt.date(2100, 12, 31),
            "input_title": self.tx("xl_deadline_title"),
            "input_message": self.tx("xl_deadline_message", example=example),
            "error_title": self.tx("xl_deadline_title"),
            "error_message": self.tx("xl_deadline_error", example=example)})
        self._fit_rows(ws, layout)
        # The summary above is taller than a screen, so the rows cannot be frozen; the school
        # stays in view while the input columns on the right are filled in.
        ws.freeze_panes(0, col["rect_col_school"] + 1)

    def _put(self, ws: Worksheet, layout: _LedgerLayout, row: int, col: int, text: str | None,
             fmt: Format, quoted: Format | None = None) -> None:
        self.book.text(ws, row, col, text, fmt, quoted)
        layout.fit(row, col, text)

    @staticmethod
    def _fit_rows(ws: Worksheet, layout: _LedgerLayout) -> None:
        for row, lines in layout.lines.items():
            if lines > 1:
                ws.set_row(row, LINE_HEIGHT * lines + 3)

    def _paragraph(self, ws: Worksheet, row: int, text: str, layout: _LedgerLayout,
                   fmt: Format | None = None) -> int:
        """A sentence across the whole ledger, wrapped, its row as tall as its lines."""
        b = self.book
        fmt = fmt or b.fmt(text_wrap=True, valign="top")
        ws.merge_range(row, 0, row, layout.last, "", fmt)
        b.text(ws, row, 0, text, fmt)
        ws.set_row(row, LINE_HEIGHT * lines_needed(text, sum(layout.widths)) + 2)
        return row + 1

    def _ledger_top(self, ws: Worksheet, rect: Rectification, row: int,
                    layout: _LedgerLayout) -> int:
        """One county's part above the ledger; returns the next free row."""
        b, std, lang = self.book, self.ev.standard, self.lang
        col = layout.col
        bold = b.fmt(bold=True, font_size=11)
        b.text(ws, row, 0, self.tx("xl_ledger_title", county=rect.county), "title")
        ws.set_row(row, 20)
        row += 1
        b.text(ws, row, 0, self.tx("xl_ledger_facts",
                                   standard=std.name if lang == "zh" else std.name_en,
                                   year=f"{self.ev.year}–{self.ev.year + 1}",
                                   verdict=self.tx(rect.verdict)))
        row += 1
        if rect.empty:
            b.text(ws, row, 0, self.tx("rect_nothing"), "bold")
            return row + 2
        row = self._paragraph(ws, row, rect.headline(), layout, b.fmt(bold=True,
                                                                       text_wrap=True))
        row += 1
        cell = b.fmt(border=1, valign="top", text_wrap=True)
        quoted = b.fmt(border=1, valign="top", text_wrap=True, quote_prefix=True)
        centre = b.fmt(border=1, valign="top", align="center")
        ordinal = b.fmt(border=1, valign="top", align="center", num_format=ORDINAL)

        def header(r: int, names: dict[str, str]) -> None:
            heads = {0: self.tx("rect_col_no"), **({col["county"]: self.tx("county")}
                                                  if layout.several else {}),
                     **{col[key]: head for key, head in names.items()}}
            for c, head in heads.items():
                if display_width(head) + 2 > layout.widths[c]:  # the header fits its column
                    layout.widths[c] = display_width(head) + 2
                    b.width(ws, c, layout.widths[c])
                self._put(ws, layout, r, c, head, b.f["head"])

        def lead(r: int, n: int) -> None:
            ws.write_number(r, 0, n, ordinal)
            if layout.several:
                self._put(ws, layout, r, col["county"], rect.county, cell, quoted)

        # What the county must add.
        if rect.needs or rect.beyond:  # beyond: missed where the rule allows, 0 to pass
            ws.write_string(row, 0, self.tx("rect_totals"), bold)
            row += 1
            header(row, {"rect_col_school": self.tx("rect_col_what"),
                         "rect_col_stage": self.tx("xl_unit"),
                         "rect_col_problem": self.tx("rect_col_to_pass"),
                         "rect_col_current": self.tx("rect_col_every"),
                         "rect_col_standard": self.tx("rect_col_places")})
            for n, need in enumerate(rect.needs + rect.beyond, start=1):
                row += 1
                lead(row, n)
                label = need.label if lang == "zh" else need.label[:1].upper() + need.label[1:]
                self._put(ws, layout, row, col["rect_col_school"], label, cell)
                unit, scale, base = self._need_unit(need)
                self._put(ws, layout, row, col["rect_col_stage"], unit, centre)
                figure = b.fmt(border=1, valign="top", num_format=base)
                b.number(ws, row, col["rect_col_problem"], need.to_pass / scale, figure)
                if need.every_threshold is None:
                    ws.write_string(row, col["rect_col_current"], "—", centre)
                else:
                    b.number(ws, row, col["rect_col_current"], need.every_threshold / scale,
                             figure)
                b.number(ws, row, col["rect_col_standard"], need.places,
                         b.fmt(border=1, valign="top", num_format=EXCEL_FORMATS["count"]))
            row = self._paragraph(ws, row + 1, self.tx("rect_totals_note"), layout,
                                  b.fmt(text_wrap=True, valign="top", italic=True,
                                        font_color="#595959"))
            row += 1

        # The CVs over their limit.
        if std.cv_limits is not None or std.cv_composite_limits is not None:
            if not rect.cvs:
                b.text(ws, row, 0, self.tx("xl_section_none", title=self.tx("rect_cvs")), bold)
                row += 2
            else:
                ws.write_string(row, 0, self.tx("rect_cvs"), bold)
                row += 1
                header(row, {"rect_col_school": self.tx("indicator"),
                             "rect_col_stage": self.tx("stage"),
                             "rect_col_problem": self.tx("cv"),
                             "rect_col_current": self.tx("limit"),
                             "rect_col_standard": self.tx("xl_excess")})
                for n, cv in enumerate(rect.cvs, start=1):
                    row += 1
                    lead(row, n)
                    self._put(ws, layout, row, col["rect_col_school"], cv.indicator, cell)
                    self._put(ws, layout, row, col["rect_col_stage"], self.tx(cv.stage), centre)
                    fmt = b.fmt(border=1, valign="top", num_format=EXCEL_FORMATS["cv"])
                    b.number(ws, row, col["rect_col_problem"], cv.cv, fmt)
                    b.number(ws, row, col["rect_col_current"], cv.limit,
                             b.fmt(border=1, valign="top", num_format=EXCEL_FORMATS["limit"]))
                    b.number(ws, row, col["rect_col_standard"], cv.cv - cv.limit, fmt)
                row += 2

        # The other items failed or lacking data.
        if std.parts:
            if not rect.items:
                b.text(ws, row, 0, self.tx("xl_section_none", title=self.tx("rect_items")),
                       bold)
                row += 2
            else:
                ws.write_string(row, 0, self.tx("rect_items"), bold)
                row += 1
                header(row, {"rect_col_school": self.tx("item"),
                             "rect_col_stage": self.tx("verdict"),
                             "rect_col_problem": self.tx("xl_open_checks"),
                             "rect_col_current": self.tx("detail_col"),
                             "rect_col_standard": self.tx("part")})
                for item in rect.items:
                    row += 1
                    lead(row, item.number)
                    state = "fail" if item.state == "fail" else "xl_item_state_incomplete"
                    checks = "\n".join(self.said(c, c) or "" for c in item.checks)
                    for key, text, fmt in (
                            ("rect_col_school", item.name, cell),
                            ("rect_col_stage", self.tx(state), centre),
                            ("rect_col_problem", checks or None, cell),
                            ("rect_col_current", self.said(item.detail, item.detail) or None, cell),
                            ("rect_col_standard", self.tx(item.part), cell)):
                        self._put(ws, layout, row, col[key], text, fmt)
                row += 2

        # The veto conditions present.
        if std.vetoes:
            if not rect.vetoes:
                b.text(ws, row, 0, self.tx("xl_section_none", title=self.tx("rect_vetoes")),
                       bold)
                row += 2
            else:
                ws.write_string(row, 0, self.tx("rect_vetoes"), bold)
                for n, veto in enumerate(rect.vetoes, start=1):
                    row += 1
                    lead(row, n)
                    self._put(ws, layout, row, col["rect_col_school"], veto, cell)
                row += 2
        return row

    def _need_unit(self, need: Need) -> tuple[str, float, str]:
        """A county total's unit word, the divisor to it, and the Excel format of its figures:
        money of 10 000 元 or more in 万元 with two decimals (Chinese), people and rooms whole."""
        zh = self.lang == "zh"
        if need.kind == "money":
            big = max(need.to_pass, need.every_threshold or 0) >= WAN
            if zh and big:
                return self.tx("xl_wan_yuan"), WAN, EXCEL_FORMATS["money_wan"]
            return ("元" if zh else "yuan"), 1, EXCEL_FORMATS["money"]
        if need.kind == "area":
            return "m²", 1, EXCEL_FORMATS["count"]  # whole m², rounded up
        if need.kind in COUNTED:
            zh_word, _, many = COUNTED[need.kind]
            return (zh_word if zh else many), 1, EXCEL_FORMATS[need.kind]
        return "", 1, EXCEL_FORMATS["count"]

    # -- summary ---------------------------------------------------------------------------
    def summary(self, ws: Worksheet) -> None:
        b, ev, std = self.book, self.ev, self.ev.standard
        ws.write_string(0, 0, f"{std.name if self.lang == 'zh' else std.name_en} · "
                              f"{self.tx('report_title')}", b.f["title"])
        ws.write_string(1, 0, f"{self.tx('school_year')}: {school_year(ev, self.lang)}    "
                              f"{self.tx('standard')}: {std.id}", b.f["text"])
        parts = [p.key for p in std.parts]
        veto_names = {v.key: (v.name if self.lang == "zh" else v.name_en) for v in std.vetoes}
        columns = [(self.tx("county"), 14, "text"), (self.tx("verdict"), 10, "text"),
                   (self.tx("resources"), 10, "text"),
                   *[(self.tx(p), 10, "text") for p in parts],
                   (self.tx("schools_meeting_rule"), 12, "int"),
                   (self.tx("schools_evaluated"), 12, "int"),
                   (self.tx("vetoes_present_col"), 30, "wrap")]
        rows = [[c["county"], self.tx(c["verdict"]), self.tx(c["resources_verdict"]),
                 *[self.tx(c[f"{p}_verdict"]) for p in parts],
                 c["schools_meeting_rule"] if std.has_school_rule else None,
                 c["schools_evaluated"] if std.has_school_rule else None,
                 "、".join(veto_names[k] for k in c["vetoes_present"]) or None]
                for c in ev.counties.iter_rows(named=True)]
        top = 3
        end = b.table(ws, top, columns, rows, freeze=False, filters=False)
        for col in range(1, 3 + len(parts)):  # verdict cells coloured by their word
            self._verdict_colours(ws, top + 1, col, end - 1, col)
        used = len(columns)
        cv_top = end + 1
        ws.write_string(cv_top, 0, self.tx("cv_table_title"), b.f["bold"])
        composite = std.cv_composite_limits is not None
        columns = [(self.tx("county"), 14, "text"), (self.tx("stage"), 10, "text"),
                   (self.tx("indicator"), 40, "text"), (self.tx("county_value"), 16, "text"),
                   (self.tx("cv"), 10, "cv"), (self.tx("limit"), 8, "limit"),
                   (self.tx("met"), 8, "text")]
        stages = ev.stages.sort("county", pl.col("stage").replace_strict(STAGE_ORDER),
                                "indicator_order")
        rows = []
        for r in stages.iter_rows(named=True):
            key = r["indicator"]
            value = Num(r["county_value"], with_unit(self.value_format(key),
                                                     self.indicators[key].value_unit(self.lang)))
            rows.append([r["county"], self.tx(r["stage"]), self.ind_name[key], value, r["cv"],
                         r["cv_limit"], self.yes_no(r["cv_met"])])
        if composite:
            for r in stages.unique(["county", "stage"], keep="first", maintain_order=True) \
                    .iter_rows(named=True):
                rows.append([r["county"], self.tx(r["stage"]), self.tx("composite"),
                             None, r["cv_composite"], r["cv_composite_limit"],
                             self.yes_no(r["cv_composite_met"])])
        first = cv_top + 2
        end = b.table(ws, cv_top + 1, columns, rows, freeze=False, filters=False)
        self._met_colours(ws, first, 6, end - 1, 6, 6)
        used = max(used, len(columns))
        if ev.counties.height <= MAX_CHART_COUNTIES and std.cv_limits is not None:
            # Right of every used column, one empty column between: the charts cover no cell.
            self._cv_charts(ws, stages, first, chart_col=used + 1)

    def _cv_charts(self, ws: Worksheet, stages: pl.DataFrame, first: int, chart_col: int) -> None:
        """One column chart of the CVs per county and stage, the limit drawn as a line."""
        row = first
        for offset, ((county, stage), group) in enumerate(
                stages.group_by(["county", "stage"], maintain_order=True)):
            n = group.height
            chart = self.book.wb.add_chart({"type": "column"})
            sheet = ws.get_name()
            chart.add_series({"name": self.tx("cv"),
                              "categories": [sheet, row, 2, row + n - 1, 2],
                              "values": [sheet, row, 4, row + n - 1, 4],
                              "fill": {"color": "#4472C4"}, "gap": 60})
            limit = self.book.wb.add_chart({"type": "line"})
            limit.add_series({"name": self.tx("limit"),
                              "categories": [sheet, row, 2, row + n - 1, 2],
                              "values": [sheet, row, 5, row + n - 1, 5],
                              "line": {"color": "#C00000", "width": 2, "dash_type": "dash"},
                              "marker": {"type": "none"}})
            chart.combine(limit)
            chart.set_title({"name": f"{county} · {self.tx(stage)} · {self.tx('cv')}",
                             "name_font": {"size": 11}})
            chart.set_x_axis({"num_font": {"size": 8}})
            chart.set_y_axis({"num_format": "0.00", "min": 0})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 620, "height": 300})
            ws.insert_chart(1 + offset * 16, chart_col, chart)
            row += n

    def _verdict_colours(self, ws: Worksheet, r0: int, c0: int, r1: int, c1: int) -> None:
        if r1 < r0:
            return
        for word, colour in (("fail", "red"), ("incomplete", "amber"), ("pass", "green")):
            ws.conditional_format(r0, c0, r1, c1, {"type": "cell", "criteria": "==",
                                                   "value": f'"{self.tx(word)}"',
                                                   "format": self.book.f[colour]})

    def _met_colours(self, ws: Worksheet, r0: int, c0: int, r1: int, c1: int,
                     met_col: int, floor_col: int | None = None) -> None:
        """Colour cells by the met column (and the floor column): red below the floor, amber
        missed, green met — from the evaluation's own exact test, not from a rounded ratio."""
        if r1 < r0:
            return
        met = xl_col_to_name(met_col)
        rules = []
        if floor_col is not None:
            floor = xl_col_to_name(floor_col)
            rules.append((f'=${floor}{r0 + 1}="{self.tx("no")}"', "red"))
            rules.append((f'=${met}{r0 + 1}="{self.tx("no")}"', "amber"))
        else:
            rules.append((f'=${met}{r0 + 1}="{self.tx("no")}"', "red"))
        rules.append((f'=${met}{r0 + 1}="{self.tx("yes")}"', "green"))
        for formula, colour in rules:
            ws.conditional_format(r0, c0, r1, c1, {"type": "formula", "criteria": formula,
                                                   "format": self.book.f[colour],
                                                   "stop_if_true": True})

    def _shortfall(self, value: float | None, unit: str | None = None) -> Num:
        """A shortfall as a school must add it: a whole teacher, room, m² or 元 (rounded up);
        with ``unit`` (the indicator's), the unit word in the cell."""
        base = EXCEL_FORMATS["count"]
        if unit is None:
            fmt = base
        elif unit in COUNTED:
            fmt = counted_format(base, unit, self.lang)
        else:
            fmt = with_unit(base, UNIT_WORDS[unit][0 if self.lang == "zh" else 1])
        return Num(None if value is None else whole_up(value), fmt)

    def _unit_word(self, unit: str, amount: float) -> str:
        """The word of a shortfall's unit beside its figure: 名, m²; room for 1 in English."""
        zh, en = UNIT_WORDS[unit]
        if self.lang == "zh":
            return zh
        return singular_en(en) if amount == 1 else en

    # -- schools ---------------------------------------------------------------------------
    def schools(self, ws: Worksheet) -> None:
        ev, std = self.ev, self.ev.standard
        rule = ev.schools.select("county", "school_id", "stage", "meets_rule")
        rows_df = ev.indicators.join(rule, on=["county", "school_id", "stage"], how="left").sort(
            "county", "school_id", pl.col("stage").replace_strict(STAGE_ORDER),
            "indicator_order")
        columns = [(self.tx("county"), 10, "text"), (self.tx("school_id"), 13, "text"),
                   (self.tx("school"), 24, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("students"), 8, "int"), (self.tx("indicator"), 36, "text"),
                   (self.tx("value"), 11, "num2"), (self.tx("value_unit"), 10, "text"),
                   (self.tx("threshold"), 9, "num2"), (self.tx("ratio"), 9, "pct"),
                   (self.tx("met"), 6, "text"), (self.tx("floor_met_col"), 8, "text"),
                   (self.tx("shortfall"), 10, "int"), (self.tx("shortfall_unit"), 8, "text"),
                   (self.tx("meets_rule_col"), 9, "text")]
        rows = []
        for r in rows_df.iter_rows(named=True):
            ind = self.indicators[r["indicator"]]
            graded = r["threshold"] is not None
            fmt = self.value_format(ind.key)
            rows.append([
                r["county"], r["school_id"], r["name"], self.tx(r["stage"]), r["students"],
                self.ind_name[r["indicator"]], Num(r["value"], fmt), ind.value_unit(self.lang),
                Num(r["threshold"], fmt), r["ratio"] if graded else None,
                self.yes_no(r["met"]) if graded else None,
                self.yes_no(r["floor_met"]) if graded and std.has_school_rule else None,
                self._shortfall(r["shortfall"]),
                self._unit_word(r["unit"], whole_up(r["shortfall"]))
                if r["shortfall"] is not None else None,
                self.yes_no(r["meets_rule"])])
        end = self.book.table(ws, 0, columns, rows)
        self._met_colours(ws, 1, 6, end - 1, 6, met_col=10, floor_col=11)
        self._met_colours(ws, 1, 9, end - 1, 10, met_col=10, floor_col=11)
        self._met_colours(ws, 1, 14, end - 1, 14, met_col=14)

    # -- gaps ------------------------------------------------------------------------------
    def gaps(self, ws: Worksheet) -> None:
        gaps = self.gap_rows  # nearest to passing first: the order of the ledger
        columns = [(self.tx("county"), 10, "text"), (self.tx("school_id"), 13, "text"),
                   (self.tx("school"), 24, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("students"), 8, "int"), (self.tx("met_count"), 7, "int"),
                   (self.tx("to_fix_col"), 9, "int"), (self.tx("distance_col"), 9, "pct"),
                   (self.tx("indicator"), 36, "text"), (self.tx("value"), 11, "num2"),
                   (self.tx("threshold"), 9, "num2"), (self.tx("ratio"), 9, "pct"),
                   (self.tx("floor_met_col"), 8, "text"), (self.tx("must_fix_col"), 9, "text"),
                   (self.tx("shortfall"), 10, "int"), (self.tx("gap_col"), 30, "text")]
        rows = []
        for r in gaps.iter_rows(named=True):
            ind = self.indicators[r["indicator"]]
            phrase = gap_phrase(ind, r["shortfall"], self.lang)
            # No unit column here: each figure carries its unit in its cell.
            fmt = with_unit(self.value_format(ind.key), ind.value_unit(self.lang))
            rows.append([r["county"], r["school_id"], r["name"], self.tx(r["stage"]),
                         r["students"], r["met_count"], r["to_fix"], r["distance"],
                         self.ind_name[r["indicator"]], Num(r["value"], fmt),
                         Num(r["threshold"], fmt), r["ratio"],
                         self.yes_no(r["floor_met"]), self.yes_no(r["must_fix"]),
                         self._shortfall(r["shortfall"], ind.unit),
                         phrase.replace("\u00a0", " ")])
        end = self.book.table(ws, 0, columns, rows)
        # Every row here is a miss: the share reached is red where it must be fixed (below the
        # floor, or beyond what the rule's allowance covers), amber where the allowance covers it.
        must = xl_col_to_name(13)
        if end - 1 >= 1:
            for word, colour in (("yes", "red"), ("no", "amber")):
                ws.conditional_format(1, 11, end - 1, 11, {
                    "type": "formula", "criteria": f'=${must}2="{self.tx(word)}"',
                    "format": self.book.f[colour], "stop_if_true": True})
        ws.write_string(end + 1, 0, self.tx("xl_gaps_order"), self.book.f["bold"])
        ws.write_string(end + 2, 0, self.tx("gaps_explained"), self.book.f["text"])
        ws.write_string(end + 3, 0, self.tx("xl_shortfall_note"), self.book.f["text"])

    # -- CV detail -------------------------------------------------------------------------
    def cv_detail(self, ws: Worksheet) -> None:
        detail = cv_contributions(self.ev)
        columns = [(self.tx("county"), 10, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("indicator"), 36, "text"), (self.tx("school_id"), 13, "text"),
                   (self.tx("school"), 24, "text"), (self.tx("students"), 8, "int"),
                   (self.tx("weight_col"), 9, "pct2"), (self.tx("value"), 11, "num2"),
                   (self.tx("county_value"), 11, "num2"), (self.tx("deviation_col"), 11, "num2"),
                   (self.tx("value_unit"), 10, "text"),
                   (self.tx("contribution_col"), 12, CONTRIBUTION),
                   (self.tx("share_col"), 10, "pct")]
        rows = []
        for r in detail.iter_rows(named=True):
            fmt = self.value_format(r["indicator"])
            rows.append([r["county"], self.tx(r["stage"]), self.ind_name[r["indicator"]],
                         r["school_id"], r["name"], r["students"], r["weight"],
                         Num(r["value"], fmt), Num(r["county_value"], fmt),
                         Num(r["deviation"], fmt),
                         self.indicators[r["indicator"]].value_unit(self.lang),
                         r["contribution"], r["share"]])
        end = self.book.table(ws, 0, columns, rows)
        share = len(columns) - 1
        if end > 1:
            ws.conditional_format(1, share, end - 1, share, {"type": "data_bar",
                                                            "bar_color": "#F4B183",
                                                            "bar_solid": True,
                                                            "min_type": "num", "min_value": 0,
                                                            "max_type": "num", "max_value": 1})
        ws.write_string(end + 1, 0, self.tx("cv_detail_explained"), self.book.f["text"])

    # -- other parts -----------------------------------------------------------------------
    def _check_figure(self, check: dict[str, Any], value: float | None) -> Any:
        """A check's value or threshold: 是/否 for a yes/no check, a percentage for a share,
        元 for money, three decimals for a rate below 1 (a difference rate)."""
        if check["op"] == "=":
            return self.yes_no(value == 1.0) if value is not None else None
        if check["percent"]:
            return Num(value, EXCEL_FORMATS["rate"])
        if check["check"] in COUNTY_BOUNDS:
            return Num(value, with_unit(EXCEL_FORMATS["money"],
                                        "元" if self.lang == "zh" else "yuan"))
        if value is not None and abs(value) < 1:
            return Num(value, EXCEL_FORMATS["cv"])
        return Num(value, EXCEL_FORMATS["value"])

    def items(self, ws: Worksheet) -> None:
        ev = self.ev
        spec = {(p.key, i.key): i for p in ev.standard.parts for i in p.items}
        checks = ev.checks
        columns = [(self.tx("county"), 10, "text"), (self.tx("part"), 12, "text"),
                   (self.tx("item_no"), 6, "int"), (self.tx("item"), 44, "wrap"),
                   (self.tx("item_source"), 7, "text"), (self.tx("check_col"), 28, "wrap"),
                   (self.tx("value"), 10, "num2"), (self.tx("op_col"), 5, "text"),
                   (self.tx("threshold"), 10, "num2"), (self.tx("check_met_col"), 8, "text"),
                   (self.tx("item_met_col"), 8, "text"), (self.tx("detail_col"), 40, "wrap")]
        rows = []
        order = {p.key: i for i, p in enumerate(ev.standard.parts)}
        items = ev.items.sort("county", pl.col("part").replace_strict(order), "number")
        checks_of: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for c in checks.iter_rows(named=True):
            checks_of.setdefault((c["county"], c["item"]), []).append(c)
        for r in items.iter_rows(named=True):
            item = spec[(r["part"], r["item"])]
            name = item.name if self.lang == "zh" else item.name_en
            detail = self.said(r["detail_zh"], r["detail_en"])
            state = (self.tx("missing") if r["met"] is None else self.yes_no(r["met"]))
            item_checks = checks_of.get((r["county"], r["item"]), [])
            if not item_checks:
                rows.append([r["county"], self.tx(r["part"]), r["number"], name,
                             self.tx(r["source"]), None, None, None, None, None, state,
                             detail or None])
            for c in item_checks:
                label = c["label"] if self.lang == "zh" else c["label_en"]
                # A check that passes says so even when its item fails on another check.
                check_met = self.tx("missing") if c["met"] is None else self.yes_no(c["met"])
                rows.append([r["county"], self.tx(r["part"]), r["number"], name,
                             self.tx(r["source"]), label, self._check_figure(c, c["value"]),
                             c["op"], self._check_figure(c, c["threshold"]), check_met, state,
                             detail or None])
        end = self.book.table(ws, 0, columns, rows)
        for col in (9, 10):  # each cell by its own verdict
            met = xl_col_to_name(col)
            for word, colour in (("no", "red"), ("missing", "amber"), ("yes", "green")):
                ws.conditional_format(1, col, end - 1, col, {
                    "type": "formula", "criteria": f'=${met}2="{self.tx(word)}"',
                    "format": self.book.f[colour]})

    def _breach_figure(self, item: str, value: float | None) -> Num:
        """A breach's value or limit with its unit: the largest class in pupils, rooms,
        teachers; whole unless it is not (a rotation's 10 % of 44 eligible is 4.4)."""
        whole = value is None or not math.isfinite(value) or float(value).is_integer()
        base = EXCEL_FORMATS["count"] if whole else EXCEL_FORMATS["area"]
        kind = BREACH_UNITS.get(item)
        return Num(value, counted_format(base, kind, self.lang) if kind else base)

    def breaches(self, ws: Worksheet) -> None:
        """The schools behind each failed item. Teachers appear as counts only: their ids are
        personal data and stay in the JSON."""
        ev = self.ev
        spec = {(p.key, i.key): i for p in ev.standard.parts for i in p.items}
        columns = [(self.tx("county"), 10, "text"), (self.tx("part"), 12, "text"),
                   (self.tx("item_no"), 6, "int"), (self.tx("item"), 40, "wrap"),
                   (self.tx("school_id"), 13, "text"), (self.tx("school"), 24, "text"),
                   (self.tx("stage"), 6, "text"), (self.tx("value"), 10, "int"),
                   (self.tx("limit"), 10, "int"), (self.tx("detail_col"), 60, "wrap")]
        numbers = {(r["county"], r["item"]): r["number"] for r in ev.items.iter_rows(named=True)}
        rows = []
        for r in ev.breaches.iter_rows(named=True):
            item = spec[(r["part"], r["item"])]
            rows.append([r["county"], self.tx(r["part"]), numbers.get((r["county"], r["item"])),
                         item.name if self.lang == "zh" else item.name_en, r["school_id"],
                         r["name"], self.tx(r["stage"]) if r["stage"] else None,
                         self._breach_figure(r["item"], r["value"]),
                         self._breach_figure(r["item"], r["limit"]),
                         self.said(r["detail_zh"], r["detail_en"])])
        self.book.table(ws, 0, columns, rows)

    # -- charts ----------------------------------------------------------------------------
    def distribution_charts(self, charts: Worksheet, data: Worksheet) -> None:
        """Per county, stage and indicator: each school's value (sorted) against the threshold
        and the 85 % floor. The chart data live on their own sheet."""
        b, std = self.book, self.ev.standard
        data_name = data.get_name()
        charts.write_string(0, 0, self.tx("charts_title"), b.f["title"])
        col = 0
        graded = self.ev.indicators.filter(pl.col("threshold").is_not_null()
                                           & (pl.col("students") > 0))
        groups = graded.sort("county", pl.col("stage").replace_strict(STAGE_ORDER),
                             "indicator_order", "value", "school_id").group_by(
            ["county", "stage", "indicator"], maintain_order=True)
        for slot, ((county, stage, key), group) in enumerate(groups):
            ind = self.indicators[key]
            n = group.height
            unit = f" ({ind.value_unit(self.lang)})"
            heads = [self.tx("school"), self.tx("value") + unit, self.tx("threshold") + unit,
                     self.tx("floor_col") + unit]
            title = f"{county} · {self.tx(stage)} · {self.ind_name[key]}"
            b.text(data, 0, col, title, "bold")
            for i, head in enumerate(heads):
                data.write_string(1, col + i, head, b.f["head"])
                b.width(data, col + i, display_width(head) + 1)
            threshold = group.get_column("threshold")[0]
            figure = b.fmt(num_format=self.value_format(key))
            for r, row in enumerate(group.iter_rows(named=True), start=2):
                b.text(data, r, col, row["name"])
                b.number(data, r, col + 1, row["value"], figure)
                b.number(data, r, col + 2, threshold, figure)
                b.number(data, r, col + 3, threshold * (std.floor_ratio or 0.0)
                         if std.floor_ratio else None, figure)
            chart = b.wb.add_chart({"type": "column"})
            chart.add_series({"name": self.tx("value"),
                              "categories": [data_name, 2, col, n + 1, col],
                              "values": [data_name, 2, col + 1, n + 1, col + 1],
                              "fill": {"color": "#5B9BD5"}, "gap": 30})
            lines = b.wb.add_chart({"type": "line"})
            lines.add_series({"name": self.tx("threshold"),
                              "categories": [data_name, 2, col, n + 1, col],
                              "values": [data_name, 2, col + 2, n + 1, col + 2],
                              "line": {"color": "#00B050", "width": 1.75},
                              "marker": {"type": "none"}})
            if std.floor_ratio:
                lines.add_series({"name": self.tx("floor_col"),
                                  "categories": [data_name, 2, col, n + 1, col],
                                  "values": [data_name, 2, col + 3, n + 1, col + 3],
                                  "line": {"color": "#C00000", "width": 1.25,
                                           "dash_type": "dash"},
                                  "marker": {"type": "none"}})
            chart.combine(lines)
            chart.set_title({"name": title, "name_font": {"size": 10}})
            chart.set_x_axis({"num_font": {"size": 7, "rotation": -45}})
            chart.set_y_axis({"name": ind.value_unit(self.lang), "min": 0})
            chart.set_legend({"position": "bottom"})
            chart.set_size({"width": 560, "height": 300})
            charts.insert_chart(2 + (slot // 2) * 16, (slot % 2) * 9, chart)
            b.width(data, col, 18)
            col += 5

    # -- notes -----------------------------------------------------------------------------
    def notes(self, ws: Worksheet, charts_left_out: bool) -> None:
        from junheng import __version__

        b, ev, std = self.book, self.ev, self.ev.standard
        ws.set_column(0, 0, 22)
        ws.set_column(1, 1, 100)
        lines: list[tuple[str, str]] = [
            (self.tx("standard"), f"{std.id} — {std.name if self.lang == 'zh' else std.name_en}"
                                  f" ({' → '.join(std.chain)})"),
            (self.tx("school_year"), school_year(ev, self.lang)),
            ("junheng", __version__),
            (self.tx("rect_ledger"), self.tx("xl_ledger_note")),
            (self.tx("cv"), self.tx("cv_method")),
        ]
        if std.has_school_rule:
            lines.append((self.tx("meets_rule_col"), self.tx(
                "rule_method", k=std.min_indicators_met,
                n=sum(i.thresholds is not None for i in std.indicators),
                floor=std.floor_ratio)))
            lines.append((self.tx("sheet_gaps"), self.tx("xl_gaps_order")))
        lines.append((self.tx("shortfall"), self.tx("xl_shortfall_note")))
        lines.append((self.tx("colours"), self.tx("colours_explained")))
        for n in ev.notes:
            lines.append((f"{self.tx('notes')} · {n.county}", self.said(n.zh, n.en) or ""))
        for w in ev.warnings:
            lines.append((self.tx("warnings"), self.said(str(w), str(w)) or ""))
        if std.unmodelled_parts:
            lines.append((self.tx("notes"), self.tx("why_unmodelled",
                                                    parts="、".join(std.unmodelled_parts))))
        if charts_left_out:
            lines.append((self.tx("sheet_charts"), self.tx("charts_left_out",
                                                           n=MAX_CHART_COUNTIES)))
        for r, (label, text) in enumerate(lines):
            ws.write_string(r, 0, label, b.f["bold"])
            b.text(ws, r, 1, text, "wrap")


@dataclass(frozen=True)
class _LedgerLayout:
    col: dict[str, int]  # the ledger's column of each heading key
    widths: list[float]
    last: int
    several: bool  # several counties: a county column
    lines: dict[int, int]  # the lines of wrapped text each row needs

    def fit(self, row: int, col: int, text: str | None) -> None:
        """Note the height ``text`` needs in (row, col). Rows are given their height: neither
        LibreOffice nor every Excel fits wrapped rows of a written file by itself."""
        if text:
            self.lines[row] = max(self.lines.get(row, 1), lines_needed(text, self.widths[col]))


# The unit of a breach's value and limit, by item.
BREACH_UNITS: dict[str, str] = {"music_art_rooms": "rooms", "class_size": "pupils",
                                "school_size": "pupils", "training_hours": "teachers",
                                "certified": "teachers", "rotation": "teachers"}

_SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")


def english(text: str, labels: dict[str, str]) -> str:
    """An English sentence of the evaluation made readable: each snake_case key it names
    replaced by its label, and ``(s)`` resolved by the number before it.

    >>> english("1 teacher(s) short; 4 full-time teacher(s); 2 art room(s)", {})
    '1 teacher short; 4 full-time teachers; 2 art rooms'
    >>> english("not declared in the county table: teacher_avg_pay",
    ...         {"teacher_avg_pay": "Teachers' average pay"})
    "not declared in the county table: Teachers' average pay"
    """
    text = _SNAKE.sub(lambda m: labels.get(m[0], m[0]), text)
    return mend_plurals(text)


def write_plan_files(folder: str | Path, kind: str, lang: Lang,
                     workbook: tuple[str, Callable[[_Book], None]], json: tuple[str, Any],
                     pages: dict[str, str] | None = None) -> list[Path]:
    """A plan's files, all or none, in the order given: the workbook (``fill`` writes its
    sheets into the book), the JSON of ``data`` and any self-contained pages (name → HTML).
    ``kind`` names the run in the folder's manifest (``plan-groups-zh``)."""
    (xlsx_name, fill), (json_name, data) = workbook, json
    with output_run():
        folder = output_folder(folder, f"{kind}-{lang}")
        with atomic_path(folder / xlsx_name) as tmp:
            book = _Book(tmp, lang)
            fill(book)
            book.wb.close()
        paths = [folder / xlsx_name, write_text(folder / json_name, dumps(data) + "\n")]
        paths += [write_text(folder / name, html) for name, html in (pages or {}).items()]
    return [Path(p) for p in paths]
