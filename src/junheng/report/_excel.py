"""The Excel workbook (xlsxwriter): summary, every school's indicators, gaps, CV detail, the
other parts, native charts, and notes.

Cells hold the unrounded numbers (Excel keeps 16 significant digits); formats only round what is
shown. Text that came from the input is always written as text, and text that Excel would take
for a formula (starting with ``=``, ``+``, ``-`` or ``@``) carries Excel's quote prefix, so
re-editing the cell cannot turn it into one.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.io import atomic_path
from junheng.report._clean import cell_text
from junheng.report._tables import MAX_CHART_COUNTIES, cv_contributions, gap_table
from junheng.report._text import Lang, gap_phrase, t, yes_no

FORMULA_STARTS = ("=", "+", "-", "@")


class _Book:
    """The workbook with its formats, and writers that keep input text inert."""

    def __init__(self, path: Path, lang: Lang) -> None:
        self.lang = lang
        self.wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False,
                                                  "strings_to_urls": False,
                                                  "nan_inf_to_errors": True})
        font = {"font_name": "等线" if lang == "zh" else "Calibri", "font_size": 10}
        self.wb.formats[0].set_font_name(font["font_name"])
        fmt = self.wb.add_format
        self.f: dict[str, Any] = {
            "title": fmt({**font, "bold": True, "font_size": 14}),
            "bold": fmt({**font, "bold": True}),
            "head": fmt({**font, "bold": True, "bg_color": "#DDE4EE", "border": 1,
                         "text_wrap": True, "valign": "top"}),
            "text": fmt(font),
            "quoted": fmt({**font, "quote_prefix": True}),
            "int": fmt({**font, "num_format": "#,##0"}),
            "num": fmt({**font, "num_format": "#,##0.000"}),
            "num2": fmt({**font, "num_format": "#,##0.00"}),
            "cv": fmt({**font, "num_format": "0.0000"}),
            "pct": fmt({**font, "num_format": "0.0%"}),
            "pct2": fmt({**font, "num_format": "0.00%"}),
            "wrap": fmt({**font, "text_wrap": True, "valign": "top"}),
            "red": fmt({"bg_color": "#F8CBAD", "font_color": "#9C0006"}),
            "amber": fmt({"bg_color": "#FFE699", "font_color": "#7F6000"}),
            "green": fmt({"bg_color": "#C6EFCE", "font_color": "#006100"}),
        }

    def text(self, ws: Worksheet, row: int, col: int, value: object, fmt: str = "text") -> None:
        """Input-derived or not, text is text: never a formula, never a link."""
        if value is None:
            ws.write_blank(row, col, None, self.f[fmt])
            return
        s = cell_text(str(value), self.lang)
        ws.write_string(row, col, s, self.f["quoted"] if s.startswith(FORMULA_STARTS)
                        else self.f[fmt])

    def number(self, ws: Worksheet, row: int, col: int, value: float | int | None,
               fmt: str = "num") -> None:
        if value is None:
            ws.write_blank(row, col, None, self.f[fmt])
        elif not math.isfinite(value):  # undefined (an overflow, 0/0): a dash, not #NUM!
            ws.write_string(row, col, "—", self.f[fmt])
        else:
            ws.write_number(row, col, value + 0, self.f[fmt])

    def printable(self) -> None:
        """Every sheet prints on A4 landscape, one page wide."""
        for ws in self.wb.worksheets():
            ws.set_paper(9)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)

    def table(self, ws: Worksheet, top: int, columns: list[tuple[str, int, str]],
              rows: list[list[Any]], freeze: bool = True, filters: bool = True) -> int:
        """Headers, then rows; ``columns`` are (header, width, kind), kind the format of the
        column's cells ("text", "wrap", "bold", or a number format). Each cell is written by its
        own type, so a column may mix numbers with words (是/否 beside figures). Returns the row
        after the table."""
        texts = ("text", "wrap", "bold")
        for c, (head, width, _) in enumerate(columns):
            ws.write_string(top, c, head, self.f["head"])
            ws.set_column(c, c, width)
        for r, values in enumerate(rows, start=top + 1):
            for c, value in enumerate(values):
                kind = columns[c][2]
                if isinstance(value, int | float) and not isinstance(value, bool):
                    self.number(ws, r, c, value, "num" if kind in texts else kind)
                else:
                    self.text(ws, r, c, value, kind if kind in texts else "text")
        if freeze:
            ws.freeze_panes(top + 1, 0)
            ws.repeat_rows(top)  # the header on every printed page
        if filters and rows:
            ws.autofilter(top, 0, top + len(rows), len(columns) - 1)
        return top + len(rows) + 1


def write_excel(evaluation: Evaluation, path: str | Path, lang: Lang = "zh",
                gaps: pl.DataFrame | None = None) -> Path:
    """Write the evaluation as an Excel workbook (atomically).

    Sheets: summary (verdicts, parts, CVs against their limits, a CV chart per county and
    stage), schools (every school–stage × indicator, coloured red/amber/green), gaps (what each
    failing school–stage lacks, nearest to passing first), CV detail (each school's share of
    the variance), items and problem schools of the other parts, charts (each indicator's
    distribution against its threshold and the 85 % floor), notes.

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
        self.gap_rows = gaps
        self.book = book
        self.lang = book.lang
        std = evaluation.standard
        self.indicators = {i.key: i for i in std.indicators}
        self.ind_name = {i.key: (i.name if self.lang == "zh" else i.name_en)
                         for i in std.indicators}

    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    def yes_no(self, value: bool | None) -> str | None:
        return yes_no(value, self.lang)

    def write(self) -> None:
        summary = self.book.wb.add_worksheet(self.tx("sheet_summary"))
        self.summary(summary)
        self.schools(self.book.wb.add_worksheet(self.tx("sheet_schools")))
        if self.ev.standard.has_school_rule:
            self.gaps(self.book.wb.add_worksheet(self.tx("sheet_gaps")))
        self.cv_detail(self.book.wb.add_worksheet(self.tx("sheet_cv_detail")))
        if self.ev.standard.parts:
            self.items(self.book.wb.add_worksheet(self.tx("sheet_items")))
            self.breaches(self.book.wb.add_worksheet(self.tx("sheet_breaches")))
        counties = self.ev.counties.height
        if counties <= MAX_CHART_COUNTIES:
            charts = self.book.wb.add_worksheet(self.tx("sheet_charts"))
            data = self.book.wb.add_worksheet(self.tx("sheet_chart_data"))
            self.distribution_charts(charts, data)
        self.notes(self.book.wb.add_worksheet(self.tx("sheet_notes")),
                   charts_left_out=counties > MAX_CHART_COUNTIES)
        self.book.printable()
        summary.activate()

    # -- summary ---------------------------------------------------------------------------
    def summary(self, ws: Worksheet) -> None:
        b, ev, std = self.book, self.ev, self.ev.standard
        ws.write_string(0, 0, f"{std.name if self.lang == 'zh' else std.name_en} · "
                              f"{self.tx('report_title')}", b.f["title"])
        ws.write_string(1, 0, f"{self.tx('school_year')}: {ev.year}–{ev.year + 1}    "
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
        cv_top = end + 1
        ws.write_string(cv_top, 0, self.tx("cv_table_title"), b.f["bold"])
        composite = std.cv_composite_limits is not None
        columns = [(self.tx("county"), 14, "text"), (self.tx("stage"), 10, "text"),
                   (self.tx("indicator"), 40, "text"), (self.tx("county_value"), 12, "num"),
                   (self.tx("cv"), 10, "cv"), (self.tx("limit"), 8, "num2"),
                   (self.tx("met"), 8, "text")]
        stages = ev.stages.sort("county", pl.col("stage").replace_strict(STAGE_ORDER),
                                "indicator_order")
        rows = []
        for r in stages.iter_rows(named=True):
            rows.append([r["county"], self.tx(r["stage"]), self.ind_name[r["indicator"]],
                         r["county_value"], r["cv"], r["cv_limit"], self.yes_no(r["cv_met"])])
        if composite:
            for r in stages.unique(["county", "stage"], keep="first", maintain_order=True) \
                    .iter_rows(named=True):
                rows.append([r["county"], self.tx(r["stage"]), self.tx("composite"),
                             None, r["cv_composite"], r["cv_composite_limit"],
                             self.yes_no(r["cv_composite_met"])])
        first = cv_top + 2
        end = b.table(ws, cv_top + 1, columns, rows, freeze=False, filters=False)
        self._met_colours(ws, first, 6, end - 1, 6, 6)
        ws.set_column(len(columns), len(columns), 2)
        if ev.counties.height <= MAX_CHART_COUNTIES and std.cv_limits is not None:
            self._cv_charts(ws, stages, first, chart_col=len(columns) + 1)

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
                   (self.tx("value"), 11, "num"), (self.tx("value_unit"), 10, "text"),
                   (self.tx("threshold"), 9, "num2"), (self.tx("ratio"), 9, "pct"),
                   (self.tx("met"), 6, "text"), (self.tx("floor_met_col"), 8, "text"),
                   (self.tx("shortfall"), 10, "num2"), (self.tx("shortfall_unit"), 8, "text"),
                   (self.tx("meets_rule_col"), 9, "text")]
        unit_words = {"teachers": "名", "rooms": "间", "m2": "m²", "yuan": "元",
                      "computers": "台", "books": "册"}
        rows = []
        for r in rows_df.iter_rows(named=True):
            ind = self.indicators[r["indicator"]]
            graded = r["threshold"] is not None
            rows.append([
                r["county"], r["school_id"], r["name"], self.tx(r["stage"]), r["students"],
                self.ind_name[r["indicator"]], r["value"], ind.value_unit(self.lang),
                r["threshold"], r["ratio"] if graded else None,
                self.yes_no(r["met"]) if graded else None,
                self.yes_no(r["floor_met"]) if graded and std.has_school_rule else None,
                r["shortfall"],
                (unit_words[r["unit"]] if self.lang == "zh" else r["unit"])
                if r["shortfall"] is not None else None,
                self.yes_no(r["meets_rule"])])
        end = self.book.table(ws, 0, columns, rows)
        self._met_colours(ws, 1, 6, end - 1, 6, met_col=10, floor_col=11)
        self._met_colours(ws, 1, 9, end - 1, 10, met_col=10, floor_col=11)
        self._met_colours(ws, 1, 14, end - 1, 14, met_col=14)

    # -- gaps ------------------------------------------------------------------------------
    def gaps(self, ws: Worksheet) -> None:
        gaps = gap_table(self.ev) if self.gap_rows is None else self.gap_rows
        columns = [(self.tx("county"), 10, "text"), (self.tx("school_id"), 13, "text"),
                   (self.tx("school"), 24, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("students"), 8, "int"), (self.tx("met_count"), 7, "int"),
                   (self.tx("to_fix_col"), 9, "int"), (self.tx("distance_col"), 9, "pct"),
                   (self.tx("indicator"), 36, "text"), (self.tx("value"), 11, "num"),
                   (self.tx("threshold"), 9, "num2"), (self.tx("ratio"), 9, "pct"),
                   (self.tx("floor_met_col"), 8, "text"), (self.tx("must_fix_col"), 9, "text"),
                   (self.tx("shortfall"), 10, "num2"), (self.tx("gap_col"), 30, "text")]
        rows = []
        for r in gaps.iter_rows(named=True):
            ind = self.indicators[r["indicator"]]
            phrase = gap_phrase(ind, r["shortfall"], self.lang)
            rows.append([r["county"], r["school_id"], r["name"], self.tx(r["stage"]),
                         r["students"], r["met_count"], r["to_fix"], r["distance"],
                         self.ind_name[r["indicator"]], r["value"], r["threshold"], r["ratio"],
                         self.yes_no(r["floor_met"]), self.yes_no(r["must_fix"]),
                         r["shortfall"], phrase.replace("\u00a0", " ")])
        end = self.book.table(ws, 0, columns, rows)
        # Every row here is a miss: the share reached is red where it must be fixed (below the
        # floor, or beyond what the rule's allowance covers), amber where the allowance covers it.
        must = xl_col_to_name(13)
        if end - 1 >= 1:
            for word, colour in (("yes", "red"), ("no", "amber")):
                ws.conditional_format(1, 11, end - 1, 11, {
                    "type": "formula", "criteria": f'=${must}2="{self.tx(word)}"',
                    "format": self.book.f[colour], "stop_if_true": True})
        ws.write_string(end + 1, 0, self.tx("gaps_explained"), self.book.f["text"])

    # -- CV detail -------------------------------------------------------------------------
    def cv_detail(self, ws: Worksheet) -> None:
        detail = cv_contributions(self.ev)
        columns = [(self.tx("county"), 10, "text"), (self.tx("stage"), 6, "text"),
                   (self.tx("indicator"), 36, "text"), (self.tx("school_id"), 13, "text"),
                   (self.tx("school"), 24, "text"), (self.tx("students"), 8, "int"),
                   (self.tx("weight_col"), 9, "pct2"), (self.tx("value"), 11, "num"),
                   (self.tx("county_value"), 11, "num"), (self.tx("deviation_col"), 11, "num"),
                   (self.tx("contribution_col"), 12, "cv"), (self.tx("share_col"), 10, "pct")]
        rows = [[r["county"], self.tx(r["stage"]), self.ind_name[r["indicator"]],
                 r["school_id"], r["name"], r["students"], r["weight"], r["value"],
                 r["county_value"], r["deviation"], r["contribution"], r["share"]]
                for r in detail.iter_rows(named=True)]
        end = self.book.table(ws, 0, columns, rows)
        if end > 1:
            ws.conditional_format(1, 11, end - 1, 11, {"type": "data_bar",
                                                      "bar_color": "#F4B183",
                                                      "bar_solid": True, "min_type": "num",
                                                      "min_value": 0, "max_type": "num",
                                                      "max_value": 1})
        ws.write_string(end + 1, 0, self.tx("cv_detail_explained"), self.book.f["text"])

    # -- other parts -----------------------------------------------------------------------
    def items(self, ws: Worksheet) -> None:
        ev = self.ev
        spec = {(p.key, i.key): i for p in ev.standard.parts for i in p.items}
        checks = ev.checks
        columns = [(self.tx("county"), 10, "text"), (self.tx("part"), 12, "text"),
                   (self.tx("item_no"), 6, "int"), (self.tx("item"), 44, "wrap"),
                   (self.tx("item_source"), 7, "text"), (self.tx("check_col"), 28, "wrap"),
                   (self.tx("value"), 10, "num"), (self.tx("op_col"), 5, "text"),
                   (self.tx("threshold"), 10, "num"), (self.tx("check_met_col"), 8, "text"),
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
            detail = r["detail_zh"] if self.lang == "zh" else r["detail_en"]
            state = (self.tx("missing") if r["met"] is None else self.yes_no(r["met"]))
            item_checks = checks_of.get((r["county"], r["item"]), [])
            if not item_checks:
                rows.append([r["county"], self.tx(r["part"]), r["number"], name,
                             self.tx(r["source"]), None, None, None, None, None, state,
                             detail or None])
            for c in item_checks:
                label = c["label"] if self.lang == "zh" else c["label_en"]
                boolean = c["op"] == "="
                value = (self.yes_no(c["value"] == 1.0) if c["value"] is not None else None) \
                    if boolean else c["value"]
                threshold = self.yes_no(c["threshold"] == 1.0) if boolean else c["threshold"]
                # A check that passes says so even when its item fails on another check.
                check_met = self.tx("missing") if c["met"] is None else self.yes_no(c["met"])
                rows.append([r["county"], self.tx(r["part"]), r["number"], name,
                             self.tx(r["source"]), label, value, c["op"], threshold,
                             check_met, state, detail or None])
        end = self.book.table(ws, 0, columns, rows)
        for col in (9, 10):  # each cell by its own verdict
            met = xl_col_to_name(col)
            for word, colour in (("no", "red"), ("missing", "amber"), ("yes", "green")):
                ws.conditional_format(1, col, end - 1, col, {
                    "type": "formula", "criteria": f'=${met}2="{self.tx(word)}"',
                    "format": self.book.f[colour]})

    def breaches(self, ws: Worksheet) -> None:
        """The schools behind each failed item. Teachers appear as counts only: their ids are
        personal data and stay in the JSON."""
        ev = self.ev
        spec = {(p.key, i.key): i for p in ev.standard.parts for i in p.items}
        columns = [(self.tx("county"), 10, "text"), (self.tx("part"), 12, "text"),
                   (self.tx("item_no"), 6, "int"), (self.tx("item"), 40, "wrap"),
                   (self.tx("school_id"), 13, "text"), (self.tx("school"), 24, "text"),
                   (self.tx("stage"), 6, "text"), (self.tx("value"), 10, "num"),
                   (self.tx("limit"), 10, "num"), (self.tx("detail_col"), 60, "wrap")]
        numbers = {(r["county"], r["item"]): r["number"] for r in ev.items.iter_rows(named=True)}
        rows = []
        for r in ev.breaches.iter_rows(named=True):
            item = spec[(r["part"], r["item"])]
            rows.append([r["county"], self.tx(r["part"]), numbers.get((r["county"], r["item"])),
                         item.name if self.lang == "zh" else item.name_en, r["school_id"],
                         r["name"], self.tx(r["stage"]) if r["stage"] else None, r["value"],
                         r["limit"], r["detail_zh"] if self.lang == "zh" else r["detail_en"]])
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
            heads = [self.tx("school"), self.tx("value"), self.tx("threshold"),
                     self.tx("floor_col")]
            title = f"{county} · {self.tx(stage)} · {self.ind_name[key]}"
            b.text(data, 0, col, title, "bold")
            for i, head in enumerate(heads):
                data.write_string(1, col + i, head, b.f["head"])
            threshold = group.get_column("threshold")[0]
            for r, row in enumerate(group.iter_rows(named=True), start=2):
                b.text(data, r, col, row["name"])
                b.number(data, r, col + 1, row["value"])
                b.number(data, r, col + 2, threshold)
                b.number(data, r, col + 3, threshold * (std.floor_ratio or 0.0)
                         if std.floor_ratio else None)
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
            data.set_column(col, col, 18)
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
            (self.tx("school_year"), f"{ev.year}–{ev.year + 1}"),
            ("junheng", __version__),
            (self.tx("cv"), self.tx("cv_method")),
        ]
        if std.has_school_rule:
            lines.append((self.tx("meets_rule_col"), self.tx(
                "rule_method", k=std.min_indicators_met,
                n=sum(i.thresholds is not None for i in std.indicators),
                floor=std.floor_ratio)))
        lines.append((self.tx("colours"), self.tx("colours_explained")))
        for n in ev.notes:
            lines.append((f"{self.tx('notes')} · {n.county}", n.zh if self.lang == "zh"
                          else n.en))
        for w in ev.warnings:
            lines.append((self.tx("warnings"), str(w)))
        if std.unmodelled_parts:
            lines.append((self.tx("notes"), self.tx("why_unmodelled",
                                                    parts="、".join(std.unmodelled_parts))))
        if charts_left_out:
            lines.append((self.tx("sheet_charts"), self.tx("charts_left_out",
                                                           n=MAX_CHART_COUNTIES)))
        for r, (label, text) in enumerate(lines):
            ws.write_string(r, 0, label, b.f["bold"])
            b.text(ws, r, 1, text, "wrap")

