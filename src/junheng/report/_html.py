"""The HTML report: one self-contained file with charts, sortable tables and print styles.

Charts are drawn by plotly.js, inlined from the ``plotly`` wheel, so the file opens offline
(from a USB stick on an intranet PC) with nothing fetched. We chose plotly over ECharts
(pyecharts) because pyecharts' wheel does not carry the ECharts library — its pages load it from
a CDN — so inlining ECharts would mean vendoring it; plotly's wheel ships plotly.min.js.

Each figure's data is stored as JSON in a ``<script type="application/json">`` block (with ``<``
escaped, so no text from the input can close the block) and drawn by one small loader.

Each county opens with its rectification list (整改清单, :func:`build_rectification`): what
must be done to pass and how much of it there is. Every number is written by
:func:`junheng.report._format.number`. Printed (A4 landscape), the charts are redrawn at the
paper's width, the collapsed sections open and table headings repeat on every page.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from junheng._english import mend_plurals
from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.io import write_text
from junheng.io._json import dumps
from junheng.model.schema import STAGES
from junheng.report._clean import plain
from junheng.report._format import Kind, number, unit_kind, whole_up
from junheng.report._tables import MAX_CHART_COUNTIES, gap_table
from junheng.report._text import Lang, check_value, plural, school_year, t, yes_no
from junheng.report.views import Rectification, SchoolTasks, build_rectification
from junheng.report.views.rectification import singular_en
from junheng.report.views.verdict import incomplete_reasons
from junheng.standards import Indicator

FONTS = ('"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", '
         '"WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif')
COLOURS = {"met": "#2e9d5b", "missed": "#f0ad2c", "below": "#d9453b", "none": "#b0b0b0"}
VERDICT_CLASS = {"pass": "ok", "fail": "bad", "incomplete": "warn"}
# The per-school tasks shown open; the other schools' tasks are in a collapsed section (opened
# when printed).
OPEN_SCHOOLS = 10
# A value under this share of its chart's axis gets a marker: a zero bar has no length.
NEAR_ZERO = 0.01


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def write_html(evaluation: Evaluation, path: str | Path, lang: Lang = "zh",
               gaps: pl.DataFrame | None = None) -> Path:
    """Write the evaluation as one self-contained HTML file (atomically).

    Per county: first the rectification list (整改清单: the headline, the county totals to
    add, the CVs over their limit, the other items failed or lacking data, the veto conditions,
    each school's tasks nearest to passing first); then the verdict of each part; the CVs per
    indicator against their limits; per stage and indicator, every school's value, by name,
    against the threshold and the 85 % floor; a school × indicator table coloured met / missed /
    below the floor; the schools on a plain longitude–latitude scatter when coordinates are
    given; sortable tables of failing schools (in the same nearest-first order) and of the other
    parts' items.

    ``gaps`` is ``gap_table(evaluation)`` when the caller already has it (``write_reports``
    computes it once for every report).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = junheng.write_sample(folder / "county.xlsx", schools=12, seed=1)
    >>> result = junheng.evaluate(junheng.load(folder / "county.xlsx"))
    >>> "<!DOCTYPE html>" in write_html(result, folder / "r.html").read_text(encoding="utf-8")
    True
    """
    page = _HtmlReport(evaluation, lang, gaps).render()
    write_text(path, page)
    return Path(path)


def _e(value: object) -> str:
    return html.escape("" if value is None else plain(value), quote=True)


def _json_block(value: Any) -> str:
    # "<" as \u003c: no "</script>" (or "<!--") from a school name can end the block early.
    return dumps(value, indent=None).replace("<", "\\u003c")


def page_head(title: str, lang: str, css: str, plotly: bool = True) -> str:
    """The opening every self-contained page shares, up to ``<body>``: charset, viewport,
    generator, title, the page's CSS (``FONTS`` filled in) and plotly.js inlined (nothing is
    fetched when the page is opened)."""
    from junheng import __version__

    script = f"<script>{_plotly_js()}</script>" if plotly else ""
    return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="junheng {__version__}">
<title>{_e(title)}</title>
<style>{css.replace("FONTS", FONTS)}</style>
{script}
</head>
<body>
"""


def figure_blocks(figures: list[tuple[str, Any]]) -> str:
    """Each figure's plotly JSON in a data block the page's script draws (no inline code
    per figure)."""
    return "\n".join(
        f'<script type="application/json" data-figure="{fid}">{_json_block(fig)}</script>'
        for fid, fig in figures)


def _name(path: str) -> str:
    """A profile of the chain by its name: a user's file by its stem, not its folder."""
    return Path(path).stem if path.endswith((".yaml", ".yml")) else path


class _HtmlReport:
    def __init__(self, evaluation: Evaluation, lang: Lang,
                 gaps: pl.DataFrame | None = None) -> None:
        self.ev = evaluation
        self.lang = lang
        self.std = evaluation.standard
        self.indicators = {i.key: i for i in self.std.indicators}
        self.ind_name = {i.key: (i.name if lang == "zh" else i.name_en)
                         for i in self.std.indicators}
        self.ind_short = {i.key: (i.short if lang == "zh" else i.short_en)
                          for i in self.std.indicators}
        self.figures: list[tuple[str, dict[str, Any]]] = []
        self.gaps = gap_table(evaluation) if gaps is None else gaps
        self.charts = evaluation.counties.height <= MAX_CHART_COUNTIES
        self._rects: dict[str, Rectification] = {}

    def rect(self, county: str) -> Rectification:
        """The county's rectification list, built once for the overview and its section."""
        if county not in self._rects:
            self._rects[county] = build_rectification(self.ev, county, self.lang, self.gaps)
        return self._rects[county]

    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    def en(self, text: str) -> str:
        """The evaluation's English text with its plurals agreed (the evaluation already does;
        kept for text from older JSON)."""
        return mend_plurals(text) if self.lang == "en" else text

    def num(self, value: float | None, kind: Kind, unit: bool = True) -> str:
        return number(value, kind, self.lang, unit=unit)

    # -- page ------------------------------------------------------------------------------
    def standard_text(self) -> str:
        """The standard by its name; its id and parents only for a profile that extends
        another (the packaged id alone would repeat what the name says)."""
        std = self.std
        name = std.name if self.lang == "zh" else std.name_en
        if len(std.chain) < 2:
            return name
        return name + self.tx("html_extends", id=std.id,
                              parents=" → ".join(_name(c) for c in std.chain[1:]))

    def render(self) -> str:
        from junheng import __version__

        std, ev = self.std, self.ev
        names = ev.counties.get_column("county").to_list()
        where = names[0] if len(names) == 1 else self.tx("html_n_counties", n=len(names))
        title = self.tx("html_title", where=where)
        counties = [self.county(row) for row in ev.counties.iter_rows(named=True)]
        nav = "".join(f'<a href="#c{i}">{_e(name)}</a>' for i, name in enumerate(names))
        warnings = ""
        if ev.warnings:
            warnings = (f"<section><h2>{self.tx('warnings')}</h2><ul>"
                        + "".join(f"<li>{_e(w)}</li>" for w in ev.warnings) + "</ul></section>")
        c = self.tx("colon")
        figures = figure_blocks(self.figures)
        chain = " → ".join(_name(p) for p in std.chain)
        return page_head(title, self.lang, CSS) + f"""<header>
<h1>{_e(title)}</h1>
<p class="meta"><span class="standard">{self.tx('standard')}{c}{_e(self.standard_text())}</span>
<span>{self.tx('school_year')}{c}{_e(school_year(ev, self.lang))}</span>
<span>junheng {__version__}</span></p>
<nav>{nav}</nav>
</header>
<main>
{self.overview()}
{"".join(counties)}
{warnings}
<section class="method"><h2>{self.tx('notes')}</h2>
<p>{_e(self.tx('html_standard_id'))}{c}{_e(chain)}</p>
<p>{self.tx('cv')}{c}{_e(self.tx('cv_method'))}</p>
{f"<p>{_e(self.tx('meets_rule_col'))}{c}{_e(self._rule_text())}</p>" if std.has_school_rule else ""}
<p>{_e(self.tx('colours_explained'))}</p>
</section>
</main>
{figures}
<script>{JS}</script>
</body>
</html>
"""

    def overview(self) -> str:
        """Several counties: a table of their verdicts first (and why charts may be missing)."""
        ev = self.ev
        if ev.counties.height < 2:
            return ""
        parts = [p.key for p in self.std.parts]
        heads = [self.tx("county"), self.tx("verdict"), self.tx("resources"),
                 *[self.tx(p) for p in parts],
                 *([self.tx("schools_meeting_rule"), self.tx("schools_evaluated")]
                   if self.std.has_school_rule else []), self.tx("rect_title")]
        rows = []
        for i, r in enumerate(ev.counties.iter_rows(named=True)):
            rows.append([(f"<a href='#c{i}'>{_e(r['county'])}</a>", None, None, True),
                         *[(self.tx(r[c]), VERDICT_CLASS[r[c]]) for c in
                           ("verdict", "resources_verdict", *[f"{p}_verdict" for p in parts])],
                         *([self._count_cell(r["schools_meeting_rule"]),
                            self._count_cell(r["schools_evaluated"])]
                           if self.std.has_school_rule else []),
                         (self._summary(r["county"]), None)])
        note = "" if self.charts else \
            f"<p class='hint'>{_e(self.tx('html_charts_left_out', n=MAX_CHART_COUNTIES))}</p>"
        return (f"<section class='overview'><h2>{self.tx('counties_overview')}</h2>{note}"
                f"{_table(heads, rows)}</section>")

    def _count_cell(self, value: int | None) -> tuple:
        return (self.num(value, "count"), "num", value)

    def _rule_text(self) -> str:
        return self.tx("rule_method", k=self.std.min_indicators_met,
                       n=sum(i.thresholds is not None for i in self.std.indicators),
                       floor=self.std.floor_ratio)

    def figure(self, fid: str, data: list[dict[str, Any]], layout: dict[str, Any],
               height: int = 360, caption: str = "") -> str:
        base = {"font": {"family": FONTS, "size": 12}, "height": height,
                "margin": {"l": 10, "r": 24, "t": 10, "b": 10, "autoexpand": True},
                "paper_bgcolor": "white", "plot_bgcolor": "white",
                "legend": {"orientation": "h", "x": 0, "y": 1, "yanchor": "bottom",
                           "font": {"size": 11}}}
        self.figures.append((fid, {"data": data, "layout": {**base, **layout}}))
        head = f"<figcaption>{_e(caption)}</figcaption>" if caption else ""
        return (f'<figure class="fig">{head}'
                f'<div class="chart" id="{fid}" style="height:{height}px"></div></figure>')

    # -- one county ------------------------------------------------------------------------
    def county(self, row: dict[str, Any]) -> str:
        index = self.ev.counties.get_column("county").to_list().index(row["county"])
        name = row["county"]
        verdict = row["verdict"]
        parts = [f"<h2>{_e(name)} <span class='badge {VERDICT_CLASS[verdict]}'>"
                 f"{self.tx(verdict)}</span></h2>",
                 self.rectification(name, index),
                 f"<h3>{self.tx('html_glance')}</h3>", self.glance(row)]
        units = self.ev.units.filter(pl.col("county") == name)
        parts.append(f"<h3>{self.tx('resources')}</h3>")
        parts.append(self.cv_section(name, index))
        if self.charts:
            parts.append(self.distribution_section(name, index))
            parts.append(self.heatmap_section(name))
            parts.append(self.map_section(name, index, units))
        if self.std.has_school_rule:
            parts.append(self.failing_table(name))
        for part in self.std.parts:
            parts.append(self.part_section(name, part.key))
        notes = [n for n in self.ev.notes if n.county == name]
        if notes:
            parts.append(f"<h3>{self.tx('notes')}</h3><ul>" + "".join(
                f"<li>{_e(n.zh if self.lang == 'zh' else n.en)}</li>" for n in notes) + "</ul>")
        return f'<section class="county" id="c{index}">{"".join(parts)}</section>'

    # -- the rectification list ------------------------------------------------------------
    def rectification(self, county: str, index: int) -> str:
        """整改清单: the first screen of a county (see ``views.rectification``)."""
        rect = self.rect(county)
        out = [f"<div class='rect' id='rect{index}'><h3>{self.tx('rect_title')}</h3>"]
        if not rect.empty:
            out.append(f"<p class='headline'>{_e(self._headline(rect))}</p>")
        elif rect.verdict == "pass":
            out.append(f"<p class='headline ok'>{_e(self.tx('rect_nothing'))}</p>")
        else:  # nothing failed, but no verdict yet: say so, not "nothing to rectify"
            out.append(f"<p class='headline'>{_e(self.tx('html_nothing_computed'))}</p>")
        if rect.verdict == "incomplete":
            out.append(f"<p class='why warn'>{_e(self._why_incomplete(county))}</p>")
        if rect.needs or rect.beyond:
            out.append(self._needs(rect))
        if rect.cvs:
            out.append(f"<h4>{self.tx('rect_cvs')}</h4><ul class='cvs'>" + "".join(
                f"<li class='bad'>{_e(c.text)}</li>" for c in rect.cvs) + "</ul>")
        if rect.items:
            out.append(self._open_items(rect))
        out.append(self._vetoes(county, rect))
        if rect.schools:
            out.append(self._school_tasks(rect.schools))
        out.append("</div>")
        return "".join(out)

    def _why_incomplete(self, county: str) -> str:
        """Why the county has no verdict yet (:func:`incomplete_reasons`)."""
        return self.tx("html_incomplete_why", why=self.tx("semicolon").join(
            incomplete_reasons(self.ev, county, self.lang)))

    def _summary(self, county: str) -> str:
        """The rectification list in one sentence (the overview's last column)."""
        rect = self.rect(county)
        if not rect.empty:
            return self._headline(rect)
        return self.tx("rect_nothing" if rect.verdict == "pass" else "html_nothing_computed")

    def _headline(self, rect: Rectification) -> str:
        if self.std.has_school_rule:
            return rect.headline()
        # No per-school rule (basic-2012): no school–stages to count.
        if self.lang == "zh":
            return self.tx("html_headline_no_rule", cvs=len(rect.cvs), items=len(rect.items))
        return self.tx("html_headline_no_rule", cvs=plural(len(rect.cvs), "CV", "CVs"),
                       items=plural(len(rect.items), "other item", "other items"))

    def _places(self, key: str, n: int) -> str:
        # Indicators and class sizes are counted per school–stage, the other items per school.
        if key in self.indicators or key == "class_size":
            return self.tx("html_places_units", n=n,
                           units=plural(n, "school–stage", "school–stages"))
        return self.tx("html_places_schools", n=n, schools=plural(n, "school", "schools"))

    def _needs(self, rect: Rectification) -> str:
        heads = [self.tx("rect_col_what"), self.tx("rect_col_to_pass"), self.tx("rect_col_every"),
                 self.tx("rect_col_places")]
        rows = []
        for need in rect.needs + rect.beyond:  # beyond: allowed by the rule, 0 to pass
            # An item of the other parts must be met in full: every threshold is the same.
            every = need.to_pass if need.every_threshold is None else need.every_threshold
            label = need.label if self.lang == "zh" else need.label[:1].upper() + need.label[1:]
            rows.append([(label, "what"), (self.num(need.to_pass, need.kind), "num"),
                         (self.num(every, need.kind), "num"), (self._places(need.key, need.places), "num")])
        return (f"<h4>{self.tx('rect_totals')}</h4>"
                + _table(heads, rows, "needs", sortable=False)
                + f"<p class='hint'>{_e(self.tx('rect_totals_note'))}</p>")

    def _open_items(self, rect: Rectification) -> str:
        heads = [self.tx("part"), self.tx("item_no"), self.tx("item"), self.tx("html_col_state"),
                 self.tx("html_col_checks")]

        def rows(state: str) -> list[list[tuple]]:
            out = []
            for item in rect.items:
                if item.state != state:
                    continue
                lines = [_e(c) for c in item.checks] + (
                    [_e(self.en(item.detail))] if item.detail else [])
                out.append([(self.tx(item.part), "nowrap"), (str(item.number), "num"),
                            (item.name, None),
                            (self.tx("fail") if state == "fail" else self.tx("html_lacks_data"),
                             "bad nowrap" if state == "fail" else "warn nowrap"),
                            ("<br>".join(lines), None, None, True)])
            return out

        failed, missing = rows("fail"), rows("incomplete")
        out = [f"<h4>{self.tx('rect_items')}</h4>"]
        if failed:
            out.append(_table(heads, failed, "items", sortable=False))
        if missing:
            summary = self.tx("html_items_missing", n=len(missing),
                              items=plural(len(missing), "item", "items"))
            out.append(f"<details class='missing'><summary>{_e(summary)}</summary>"
                       f"{_table(heads, missing, 'items', sortable=False)}</details>")
        return "".join(out)

    def _vetoes(self, county: str, rect: Rectification) -> str:
        if rect.vetoes:
            return (f"<h4>{self.tx('rect_vetoes')}</h4><ul class='vetoes'>"
                    + "".join(f"<li class='bad'>{_e(v)}</li>" for v in rect.vetoes) + "</ul>")
        return self._veto_line(county)

    def _school_tasks(self, schools: tuple[SchoolTasks, ...]) -> str:
        heads = [self.tx("rect_col_school"), self.tx("rect_col_stage"),
                 self.tx("rect_col_problem"), self.tx("rect_col_current"),
                 self.tx("rect_col_standard"), self.tx("rect_col_task")]
        out = [f"<h4>{self.tx('rect_by_school')}</h4>",
               f"<p class='hint'>{_e(self.tx('rect_order_note'))}</p>",
               self._tasks_table(heads, schools[:OPEN_SCHOOLS])]
        rest = schools[OPEN_SCHOOLS:]
        if rest:
            m = sum(len(s.tasks) for s in rest)
            summary = self.tx("html_more_schools", n=len(rest), m=m,
                              schools=plural(len(rest), "school", "schools"),
                              tasks=plural(m, "task", "tasks"))
            out.append(f"<details class='more-schools'><summary>{_e(summary)}</summary>"
                       f"{self._tasks_table(heads, rest)}</details>")
        return "".join(out)

    def _tasks_table(self, heads: list[str], schools: tuple[SchoolTasks, ...]) -> str:
        body = []
        for school in schools:
            if school.fails_rule:
                note = self.tx("html_to_fix", n=school.to_fix, indicators=plural(
                    school.to_fix, "indicator", "indicators"))
            else:
                note = self.tx("html_items_only")
            span = len(school.tasks)
            for i, task in enumerate(school.tasks):
                cells = []
                if i == 0:
                    cells.append(f"<td rowspan='{span}' class='school'>{_e(school.name)}"
                                 f"<div class='hint'>{_e(note)}</div></td>")
                stage = self.tx(task.stage) if task.stage else self.tx("html_whole_school")
                cells += [f"<td>{_e(stage)}</td>", f"<td>{_e(task.problem)}</td>",
                          f"<td>{_e(self.en(task.current))}</td>",
                          f"<td>{_e(task.standard)}</td>",
                          f"<td class='task'>{_e(task.task)}</td>"]
                body.append(f"<tr class='{'first' if i == 0 else 'more'}'>"
                            + "".join(cells) + "</tr>")
        head = "".join(f"<th>{_e(h)}</th>" for h in heads)
        return (f"<table class='tasks'><thead><tr>{head}</tr></thead>"
                f"<tbody>{''.join(body)}</tbody></table>")

    # -- verdicts --------------------------------------------------------------------------
    def glance(self, row: dict[str, Any]) -> str:
        name = row["county"]
        rows = [(self.tx("resources"), row["resources_verdict"], "", "")]
        for r in self.ev.parts.filter(pl.col("county") == name).iter_rows(named=True):
            rows.append((self.tx(r["part"]), r["verdict"], f"{r['met']}/{r['items']}",
                         self.num(r["missing"], "count") if r["missing"] else ""))
        body = "".join(f"<tr><td>{_e(p)}</td><td class='{VERDICT_CLASS[v]}'>{self.tx(v)}</td>"
                       f"<td class='num'>{_e(m)}</td><td class='num'>{_e(x)}</td></tr>"
                       for p, v, m, x in rows)
        table = (f"<table class='glance'><thead><tr><th>{self.tx('part')}</th>"
                 f"<th>{self.tx('verdict')}</th><th>{self.tx('items_met')}</th>"
                 f"<th>{self.tx('items_missing')}</th></tr></thead><tbody>{body}</tbody></table>")
        return table + self._veto_line(name)

    def _veto_line(self, county: str) -> str:
        vetoes = self.ev.vetoes.filter(pl.col("county") == county)
        if not vetoes.height:
            return ""
        names = {v.key: (v.name if self.lang == "zh" else v.name_en) for v in self.std.vetoes}
        sep = "、" if self.lang == "zh" else ", "
        present = [names.get(k, k) for k in vetoes.filter(pl.col("present").fill_null(False))
                   .get_column("veto")]
        unknown = [names.get(k, k) for k in vetoes.filter(pl.col("present").is_null())
                   .get_column("veto")]
        if present:
            text, cls = self.tx("vetoes_present", names=sep.join(present)), "bad"
        elif unknown:
            text, cls = self.tx("vetoes_unknown", n=len(unknown), names=sep.join(unknown)), "warn"
        else:
            text, cls = self.tx("vetoes_none", n=vetoes.height), "ok"
        return (f"<p class='veto-line'>{self.tx('vetoes')}{self.tx('colon')}"
                f"<span class='{cls}'>{_e(text)}</span></p>")

    # -- resources -------------------------------------------------------------------------
    def cv_section(self, county: str, index: int) -> str:
        """The CVs as horizontal bars (indicator names read across, in English too), each
        stage's limit a line across the whole chart."""
        stages = self.ev.stages.filter(pl.col("county") == county)
        out = [f"<h4>{self.tx('cv_table_title')}</h4>"]
        data: list[dict[str, Any]] = []
        shapes: list[dict[str, Any]] = []
        top = 0.0
        for stage in STAGES:
            rows = stages.filter(pl.col("stage") == stage).sort("indicator_order")
            if rows.height == 0:
                continue
            names = [self.ind_short[k] for k in rows.get_column("indicator")]
            cvs = rows.get_column("cv").to_list()
            top = max([top, *[v for v in cvs if v is not None and math.isfinite(v)]])
            colours = [COLOURS["met"] if m else COLOURS["below"] if m is False else COLOURS["none"]
                       for m in rows.get_column("cv_met")]
            data.append({"type": "bar", "orientation": "h", "name": self.tx(stage),
                         "y": names, "x": cvs,
                         "marker": {"color": colours,
                                    "pattern": {"shape": "" if stage == "primary" else "/"}},
                         "text": [self.num(v, "cv") for v in cvs], "textposition": "outside",
                         "cliponaxis": False, "textfont": {"size": 10},
                         "hovertemplate": "%{y}<br>%{text}<extra>" + self.tx(stage)
                                          + "</extra>"})
            if self.std.cv_limits is not None:
                limit = self.std.cv_limits[stage]
                top = max(top, limit)
                shapes.append(_vline(limit, "#7a1f1f" if stage == "primary" else "#555",
                                     self.tx("html_line_limit", stage=self.tx(stage),
                                             value=self.num(limit, "limit")), "dash"))
        if data and self.charts:
            n = len(data[0]["y"])
            out.append(self.figure(f"cv{index}", data, {
                "barmode": "group", "bargap": 0.25, "shapes": shapes,
                "xaxis": {"title": {"text": self.tx("cv")}, "range": [0, top * 1.15 or 1],
                          "automargin": True, "zeroline": True},
                "yaxis": {"autorange": "reversed", "automargin": True}},
                height=max(320, 52 * n + 110), caption=self.tx("cv_chart_title")))
        out.append(self.cv_table(stages))
        return "".join(out)

    def cv_table(self, stages: pl.DataFrame) -> str:
        heads = [self.tx("stage"), self.tx("indicator"), self.tx("county_value"),
                 self.tx("cv"), self.tx("limit"), self.tx("met")]
        rows = []
        ordered = stages.sort(pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order")
        for r in ordered.iter_rows(named=True):
            rows.append([(self.tx(r["stage"]), None), (self.ind_name[r["indicator"]], None),
                         self._num_cell(r["county_value"], "value"),
                         self._num_cell(r["cv"], "cv"), self._num_cell(r["cv_limit"], "limit"),
                         self._met_cell(r["cv_met"])])
        if self.std.cv_composite_limits is not None:
            for r in ordered.unique("stage", keep="first", maintain_order=True).iter_rows(
                    named=True):
                rows.append([(self.tx(r["stage"]), None), (self.tx("composite"), None),
                             ("", None), self._num_cell(r["cv_composite"], "cv"),
                             self._num_cell(r["cv_composite_limit"], "limit"),
                             self._met_cell(r["cv_composite_met"])])
        return _table(heads, rows)

    def _num_cell(self, value: float | None, kind: Kind) -> tuple:
        if value is None or not math.isfinite(value):
            return ("—", None, None)
        return (self.num(value, kind), "num", value)

    def _met_cell(self, met: bool | None) -> tuple[str, str | None]:
        return (yes_no(met, self.lang, "—"), None if met is None else "ok" if met else "bad")

    def distribution_section(self, county: str, index: int) -> str:
        """One horizontal bar chart per stage and indicator: every school by name, lowest
        first, the threshold and the 85 % floor as lines across the whole chart, and a marker
        on a value of zero (or near it), whose bar would have no length."""
        ind = self.ev.indicators.filter((pl.col("county") == county)
                                        & pl.col("threshold").is_not_null()
                                        & (pl.col("students") > 0))
        if ind.height == 0:
            return ""
        out = [f"<h4>{self.tx('distribution_title')}</h4>",
               f"<p class='hint'>{_e(self.tx('html_distribution_hint'))}</p><div class='grid'>"]
        for stage in STAGES:
            for key, indicator in self.indicators.items():
                rows = ind.filter((pl.col("stage") == stage) & (pl.col("indicator") == key)) \
                    .sort("value", "school_id", nulls_last=True)
                if rows.height == 0:
                    continue
                out.append(self._distribution(rows, indicator, stage, f"d{index}-{stage}-{key}"))
        out.append("</div>")
        return "".join(out)

    def _distribution(self, rows: pl.DataFrame, indicator: Indicator, stage: str,
                      fid: str) -> str:
        floor = self.std.floor_ratio
        threshold = rows.get_column("threshold")[0]
        unit = indicator.value_unit(self.lang)
        kind: Kind = "money_per_pupil" if indicator.unit == "yuan" else "value"
        names = [r["name"] or r["school_id"] for r in rows.iter_rows(named=True)]
        twice = {n for n, k in Counter(names).items() if k > 1}
        labels = [f"{n} ({sid})" if n in twice else n
                  for n, sid in zip(names, rows.get_column("school_id"), strict=True)]
        values = rows.get_column("value").to_list()
        top = max([threshold, *[v for v in values if v is not None and math.isfinite(v)]])
        states = ["met" if r["met"] else "missed" if r["floor_met"] else "below"
                  for r in rows.iter_rows(named=True)]
        shown = [self.num(v, kind, unit=False) for v in values]
        data: list[dict[str, Any]] = []
        # One trace per state, so the legend explains the colours; y is the rank, so two
        # schools of the same name stay two bars.
        for code in ("met", "missed", "below"):
            at = [i for i, s in enumerate(states) if s == code]
            if not at:
                continue
            data.append({
                "type": "bar", "orientation": "h", "y": at, "x": [values[i] for i in at],
                "customdata": [[labels[i], shown[i]] for i in at],
                "text": [shown[i] for i in at], "textposition": "outside", "cliponaxis": False,
                "textfont": {"size": 9}, "marker": {"color": COLOURS[code]},
                "name": self.tx(f"state_{code}"),
                "hovertemplate": "%{customdata[0]}<br>%{customdata[1]} " + unit
                                 + "<extra></extra>"})
        near = [i for i, v in enumerate(values)
                if v is not None and math.isfinite(v) and v <= NEAR_ZERO * top]
        if near:
            data.append({
                "type": "scatter", "mode": "markers", "y": near, "x": [values[i] for i in near],
                "customdata": [[labels[i], shown[i]] for i in near], "cliponaxis": False,
                "marker": {"symbol": "diamond", "size": 11, "color": "#7a1f1f",
                           "line": {"width": 1, "color": "white"}},
                "name": self.tx("html_zero"),
                "hovertemplate": "%{customdata[0]}<br>%{customdata[1]} " + unit
                                 + "<extra></extra>"})
        shapes = [_vline(threshold, "#1b5e20", self.tx(
            "html_line_threshold", value=self.num(threshold, kind)), "solid")]
        if floor:
            shapes.append(_vline(threshold * floor, COLOURS["below"], self.tx(
                "html_line_floor", value=self.num(threshold * floor, kind)), "dash"))
        n = len(labels)
        bar = 18 if n <= 40 else 13
        return self.figure(fid, data, {
            "barmode": "overlay", "bargap": 0.2, "shapes": shapes,
            "xaxis": {"title": {"text": unit}, "range": [0, top * 1.18], "automargin": True,
                      "zeroline": True, "zerolinecolor": "#999"},
            "yaxis": {"tickmode": "array", "tickvals": list(range(n)), "ticktext": labels,
                      "range": [n - 0.5, -0.5], "automargin": True,
                      "tickfont": {"size": 10 if n <= 40 else 9}}},
            height=max(240, bar * n + 120),
            caption=f"{self.tx(stage)} · {self.ind_name[indicator.key]}")

    def heatmap_section(self, county: str) -> str:
        """School × indicator, as a table (its heading repeats on every printed page): met,
        missed at or above the floor, below the floor — the evaluation's own exact tests — with
        the value as a share of the threshold in each cell."""
        ind = self.ev.indicators.filter((pl.col("county") == county)
                                        & pl.col("threshold").is_not_null()
                                        & (pl.col("students") > 0))
        if ind.height == 0:
            return ""
        out = [f"<h4>{self.tx('heatmap_title')}</h4>",
               f"<p class='hint'>{_e(self.tx('html_heatmap_hint'))}</p>"]
        keys = [k for k in self.indicators if self.indicators[k].thresholds is not None]
        for stage in STAGES:
            rows = ind.filter(pl.col("stage") == stage)
            if rows.height == 0:
                continue
            wide = rows.with_columns(
                pl.when(pl.col("met")).then(2).when(pl.col("floor_met")).then(1).otherwise(0)
                .alias("state"))
            schools = (wide.group_by("school_id", "name", maintain_order=True)
                       .agg(pl.col("state").sum().alias("_score"))
                       .sort("_score", "name", "school_id", descending=[True, False, False]))
            lookup = {(r["school_id"], r["indicator"]): r for r in wide.iter_rows(named=True)}
            head = "".join(f"<th>{_e(self.ind_short[k])}</th>" for k in keys)
            body = []
            for s in schools.iter_rows(named=True):
                cells = []
                for k in keys:
                    r = lookup.get((s["school_id"], k))
                    if r is None:
                        cells.append("<td></td>")
                        continue
                    cls = ("met", "missed", "below")[2 - r["state"]]
                    tip = (f"{self.ind_name[k]}: {self.num(r['value'], 'value')} / "
                           f"{self.num(r['threshold'], 'value')} "
                           f"{self.indicators[k].value_unit(self.lang)}")
                    cells.append(f"<td class='hm-{cls}' title='{_e(tip)}'>"
                                 f"{_e(self.num(r['ratio'], 'rate'))}</td>")
                body.append(f"<tr><th scope='row'>{_e(s['name'] or s['school_id'])}</th>"
                            + "".join(cells) + "</tr>")
            out.append(f"<table class='heatmap'><caption>{self.tx(stage)}</caption>"
                       f"<thead><tr><th>{self.tx('school')}</th>{head}</tr></thead>"
                       f"<tbody>{''.join(body)}</tbody></table>")
        return "".join(out)

    def map_section(self, county: str, index: int, units: pl.DataFrame) -> str:
        located = units.filter(pl.col("latitude").is_not_null()
                               & pl.col("longitude").is_not_null())
        if located.height == 0:
            return ""
        rule = self.ev.schools.filter(pl.col("county") == county).group_by("school_id").agg(
            pl.col("meets_rule").all().alias("ok"), pl.col("meets_rule").is_null().all()
            .alias("unknown"))
        points = located.unique("school_id", keep="first", maintain_order=True).join(
            rule, on="school_id", how="left")
        data = []
        groups = [("met", self.tx("map_meets"), pl.col("ok") & ~pl.col("unknown")),
                  ("below", self.tx("map_fails"), ~pl.col("ok") & ~pl.col("unknown")),
                  ("none", self.tx("map_unknown"), pl.col("unknown") | pl.col("ok").is_null())]
        for colour, label, cond in groups:
            rows = points.filter(cond.fill_null(False))
            if rows.height == 0:
                continue
            data.append({"type": "scatter", "mode": "markers", "name": label,
                         "x": rows.get_column("longitude").to_list(),
                         "y": rows.get_column("latitude").to_list(),
                         "text": rows.get_column("name").to_list(),
                         "marker": {"color": COLOURS[colour], "size": [
                             max(6, min(24, 6 + s / 150)) for s in rows.get_column("students")],
                             "line": {"width": 1, "color": "white"}},
                         "hovertemplate": "%{text}<br>%{x:.4f}, %{y:.4f}<extra></extra>"})
        return (f"<h4>{self.tx('map_title')}</h4>" + self.figure(f"m{index}", data, {
            "xaxis": {"title": {"text": self.tx("longitude")}, "automargin": True},
            "yaxis": {"title": {"text": self.tx("latitude")}, "scaleanchor": "x",
                      "scaleratio": 1.15, "automargin": True}}, height=480)
            + f"<p class='hint'>{_e(self.tx('map_hint'))}</p>")

    def _gap_text(self, indicator: Indicator, shortfall: float, floor_met: bool | None) -> str:
        amount = whole_up(shortfall)
        kind = unit_kind(indicator.unit)
        if self.lang == "zh":
            phrase = self.tx("html_gap", what=indicator.short, amount=self.num(amount, kind))
        elif kind in ("teachers", "rooms"):
            noun = singular_en(indicator.short_en) if amount == 1 else indicator.short_en
            phrase = self.tx("html_gap", what=noun, amount=self.num(amount, kind, unit=False))
        else:
            phrase = self.tx("html_gap_of", what=indicator.short_en,
                             amount=self.num(amount, kind))
        if floor_met is False:
            below = self.tx("below_floor")
            phrase += f"（{below}）" if self.lang == "zh" else f" ({below})"
        return phrase

    def failing_table(self, county: str) -> str:
        """The failing school–stages with every gap (red: must fix; amber: the rule's allowance
        covers it), in the rectification list's order of schools — nearest to passing first,
        a school's stages together, primary first."""
        gaps = self.gaps.filter(pl.col("county") == county)
        if gaps.height == 0:
            return f"<p class='ok'>{self.tx('no_failing')}</p>"
        total = sum(i.thresholds is not None for i in self.std.indicators)
        heads = [self.tx("school"), self.tx("stage"), self.tx("students"),
                 self.tx("met_count"), self.tx("to_fix_col"), self.tx("gaps")]
        rank = {s.school_id: i for i, s in enumerate(self.rect(county).schools)}
        groups = list(gaps.group_by(["school_id", "stage", "to_fix"], maintain_order=True))
        groups.sort(key=lambda g: (rank.get(g[0][0], len(rank)), STAGE_ORDER[g[0][1]]))
        rows = []
        for _, group in groups:
            first = group.row(0, named=True)
            phrases = []
            for r in group.iter_rows(named=True):
                phrase = self._gap_text(self.indicators[r["indicator"]], r["shortfall"],
                                        r["floor_met"])
                cls = "bad" if r["must_fix"] else "warn"
                phrases.append(f"<span class='{cls}'>{_e(phrase)}</span>")
            rows.append([(first["name"], None), (self.tx(first["stage"]), None),
                         self._count_cell(first["students"]),
                         (f"{first['met_count']}/{total}", None, first["met_count"]),
                         self._count_cell(first["to_fix"]),
                         ("<br>".join(phrases), None, None, True)])
        return (f"<h4>{self.tx('failing')}</h4>" + _table(heads, rows, "failing")
                + f"<p class='hint'>{_e(self.tx('html_failing_order'))}"
                  f"{_e(self.tx('gaps_explained'))}</p>")

    def _check_value(self, check: dict[str, Any], field: str) -> str:
        """A check's value or threshold, as every report writes it (:func:`check_value`)."""
        return check_value(check[field], check["percent"], check["op"], self.lang,
                           against=check["threshold"] if field == "value" else None,
                           key=check["check"])

    def part_section(self, county: str, part: str) -> str:
        ev = self.ev
        spec = {i.key: i for i in self.std.part(part).items}  # type: ignore[union-attr]
        verdict = ev.parts.filter((pl.col("county") == county) & (pl.col("part") == part))
        head = verdict.row(0, named=True) if verdict.height else None
        badge = (f" <span class='badge {VERDICT_CLASS[head['verdict']]}'>"
                 f"{self.tx(head['verdict'])}</span>") if head else ""
        items = ev.items.filter((pl.col("county") == county) & (pl.col("part") == part)) \
            .sort("number")
        checks = ev.checks.filter((pl.col("county") == county) & (pl.col("part") == part))
        breaches = ev.breaches.filter((pl.col("county") == county) & (pl.col("part") == part))
        heads = [self.tx("item_no"), self.tx("item"), self.tx("item_source"),
                 self.tx("value"), self.tx("threshold"), self.tx("met")]
        rows = []
        for r in items.iter_rows(named=True):
            item = spec[r["item"]]
            lines = []
            values, thresholds = [], []
            for c in checks.filter(pl.col("item") == r["item"]).iter_rows(named=True):
                label = c["label"] if self.lang == "zh" else c["label_en"]
                values.append(f"{_e(label)}{self.tx('colon')}"
                              f"{_e(self._check_value(c, 'value'))}")
                thresholds.append(f"{_e(c['op'])} "
                                  f"{_e(self._check_value(c, 'threshold'))}")
            detail = r["detail_zh"] if self.lang == "zh" else r["detail_en"]
            if detail:
                lines.append(_e(self.en(detail)))
            for b in breaches.filter(pl.col("item") == r["item"]).iter_rows(named=True):
                text = b["detail_zh"] if self.lang == "zh" else b["detail_en"]
                lines.append(f"· {_e(b['name'] or b['school_id'])}{self.tx('colon')}"
                             f"{_e(self.en(text))}")
            name = _e(item.name if self.lang == "zh" else item.name_en)
            if lines:
                name += ("<details><summary>" + self.tx("details", n=len(lines))
                         + "</summary>" + "<br>".join(lines) + "</details>")
            state = ((self.tx("missing"), "warn") if r["met"] is None
                     else self._met_cell(r["met"]))
            rows.append([(str(r["number"]), None, r["number"]), (name, None, None, True),
                         (self.tx(r["source"]), None),
                         ("<br>".join(values), None, None, True),
                         ("<br>".join(thresholds), None, None, True), state])
        return (f"<h3>{self.tx(part)}{badge}</h3>" + _table(heads, rows))




def _vline(x: float, colour: str, name: str, dash: str) -> dict[str, Any]:
    """A vertical line at ``x`` across the whole plot (every group), named in the legend."""
    return {"type": "line", "xref": "x", "yref": "paper", "x0": x, "x1": x, "y0": 0, "y1": 1,
            "line": {"color": colour, "width": 2, "dash": dash}, "layer": "above",
            "showlegend": True, "name": name}


def _table(heads: list[str], rows: list[list[tuple]], cls: str = "",
           sortable: bool = True) -> str:
    """A table, sortable by a click on a heading unless ``sortable`` is False. Each cell is
    (text, class[, sort value[, text is already HTML]])."""
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            text, cell_cls = cell[0], cell[1]
            key = cell[2] if len(cell) > 2 else None
            raw = len(cell) > 3 and cell[3]
            attrs = (f" class='{cell_cls}'" if cell_cls else "") + (
                f" data-sort='{key}'" if isinstance(key, int | float) else "")
            cells.append(f"<td{attrs}>{text if raw else _e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    classes = " ".join(c for c in ("sortable" if sortable else "", cls) if c)
    return (f"<table class='{classes}'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


# Both self-contained pages (the report, the groups map) call their beforePrint / afterPrint
# from the browser's print events, and from the print media query where those are missing.
PRINT_HOOKS = """  window.addEventListener('beforeprint', beforePrint);
  window.addEventListener('afterprint', afterPrint);
  if (window.matchMedia) {
    var media = window.matchMedia('print');
    var onChange = function (m) { if (m.matches) beforePrint(); else afterPrint(); };
    if (media.addEventListener) media.addEventListener('change', onChange);
    else if (media.addListener) media.addListener(onChange);
  }
})();
"""

CSS = """
body { font-family: FONTS; margin: 0; color: #222; background: #f6f7f9; }
header { background: #1f3a5f; color: white; padding: 16px 28px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header .meta { margin: 0; opacity: .85; font-size: 13px; }
header .meta span + span { margin-left: 1.5em; }
nav a { color: #cfe0ff; margin-right: 14px; font-size: 13px; }
main { max-width: 1280px; margin: 0 auto; padding: 16px 24px 40px; }
section { background: white; border-radius: 6px; padding: 12px 22px 20px; margin: 16px 0;
          box-shadow: 0 1px 3px rgba(0,0,0,.08); }
h2 { border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; }
h3 { margin-top: 28px; color: #1f3a5f; }
h4 { margin: 22px 0 6px; }
.badge { font-size: 14px; padding: 2px 10px; border-radius: 10px; color: white;
         vertical-align: middle; }
.badge.ok { background: #2e9d5b; color: white; } .badge.bad { background: #d9453b; color: white; }
.badge.warn { background: #e39b17; color: white; }
td.ok, span.ok, p.ok, li.ok { color: #1e7a45; } td.bad, span.bad, li.bad { color: #b3261e; }
td.warn, span.warn { color: #9a6400; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; width: 100%; }
th, td { border: 1px solid #d8dde5; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #e8edf4; white-space: nowrap; }
table.sortable th { cursor: pointer; user-select: none; }
th.asc::after { content: " ▲"; } th.desc::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.glance, table.needs { width: auto; }
.rect { border-left: 4px solid #1f3a5f; padding-left: 16px; margin: 8px 0 20px; }
.rect h3 { margin-top: 8px; }
.rect .headline { font-size: 16px; font-weight: 600; margin: 6px 0 10px; }
.rect p.why { margin: 0 0 10px; }
table.needs td.what { white-space: nowrap; }
table.tasks td.school { font-weight: 600; background: #fafbfc; min-width: 9em; }
table.tasks td.school .hint { font-weight: normal; }
table.tasks td.task { color: #1f3a5f; font-weight: 600; min-width: 12em; }
td.nowrap { white-space: nowrap; }
.overview td:not(:last-child) { white-space: nowrap; }
table.tasks tr.first td { border-top: 2px solid #9fb0c8; }
table.heatmap { width: auto; font-size: 12px; }
table.heatmap caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.heatmap td { text-align: right; min-width: 4.5em; font-variant-numeric: tabular-nums; }
table.heatmap tbody th { background: white; font-weight: normal; }
td.hm-met { background: #cfead9; } td.hm-missed { background: #fbe3b3; }
td.hm-below { background: #f5c2bd; color: #7a1f1f; font-weight: 600; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 8px; }
figure.fig { margin: 0; min-width: 0; }
figure.fig figcaption { font-size: 13px; font-weight: 600; margin: 10px 0 2px; }
.chart { width: 100%; min-width: 0; }
.hint { color: #666; font-size: 12px; }
details summary { cursor: pointer; color: #1f3a5f; font-size: 12px; }
details.missing summary, details.more-schools summary { font-size: 13px; margin: 6px 0; }
@page { size: A4 landscape; margin: 12mm; }
/* While printing (set by the beforeprint handler), the page is laid out at the paper's width
   so the charts can be redrawn at it. */
body.printing main { width: 273mm; max-width: none; padding: 0; margin: 0; }
body.printing section { padding: 0; }
body.printing .grid { display: block; }
@media print {
  body { background: white; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  header { background: white; color: black; border-bottom: 2px solid black; padding: 0 0 6px; }
  nav { display: none; }
  main { max-width: none; padding: 0; margin: 0; }
  section { box-shadow: none; padding: 0; margin: 8px 0; }
  main > section.county:not(:first-child) { break-before: page; }
  .grid { display: block; }
  figure.fig, table.glance, table.needs, tr { break-inside: avoid; }
  h2, h3, h4, figcaption { break-after: avoid; }
  thead { display: table-header-group; }
  details::details-content { content-visibility: visible; display: contents; }
  details > summary { list-style: none; }
  .modebar, .modebar-container { display: none !important; }
  table.sortable th { cursor: auto; } th.asc::after, th.desc::after { content: ""; }
}
"""

JS = """
(function () {
  var config = {displayModeBar: false, displaylogo: false, responsive: true};
  document.querySelectorAll('script[data-figure]').forEach(function (block) {
    var fig = JSON.parse(block.textContent);
    Plotly.newPlot(block.getAttribute('data-figure'), fig.data, fig.layout, config);
  });
  function cellValue(row, i) {
    var cell = row.children[i];
    if (!cell) return '';
    var key = cell.getAttribute('data-sort');
    return key !== null ? parseFloat(key) : cell.textContent.trim();
  }
  document.querySelectorAll('table.sortable').forEach(function (table) {
    table.querySelectorAll('th').forEach(function (th, i) {
      th.addEventListener('click', function () {
        var asc = !th.classList.contains('asc');
        table.querySelectorAll('th').forEach(function (h) { h.classList.remove('asc', 'desc'); });
        th.classList.add(asc ? 'asc' : 'desc');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = cellValue(a, i), y = cellValue(b, i);
          var c = (typeof x === 'number' && typeof y === 'number') ? x - y
                  : String(x).localeCompare(String(y), 'zh-CN');
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
  // Printing: open every collapsed section, and redraw the charts at the paper's width (the
  // body.printing styles lay the page out at it); afterwards, put both back.
  // A chart taller than a page (one bar per school) is drawn at a page's height.
  var PRINT_HEIGHT = 560;
  var closed = [];
  function plots() { return document.querySelectorAll('.js-plotly-plot'); }
  function beforePrint() {
    if (document.body.classList.contains('printing')) return;
    document.body.classList.add('printing');
    closed = Array.prototype.filter.call(document.querySelectorAll('details'),
                                         function (d) { return !d.open; });
    closed.forEach(function (d) { d.open = true; });
    plots().forEach(function (el) {
      // The drawn height and font (a responsive resize leaves layout.height unset).
      var update = {width: el.parentElement.clientWidth}, height = el.offsetHeight;
      if (height > PRINT_HEIGHT) {
        el.setAttribute('data-screen-height', height);
        update.height = PRINT_HEIGHT;
        var font = el._fullLayout && el._fullLayout.yaxis && el._fullLayout.yaxis.tickfont;
        if (font && font.size) {
          el.setAttribute('data-tick-size', font.size);
          update['yaxis.tickfont.size'] = Math.max(7, Math.floor(font.size * PRINT_HEIGHT / height));
        }
        el.style.height = PRINT_HEIGHT + 'px';
      }
      Plotly.relayout(el, update);
    });
  }
  function afterPrint() {
    if (!document.body.classList.contains('printing')) return;
    document.body.classList.remove('printing');
    closed.forEach(function (d) { d.open = false; });
    closed = [];
    plots().forEach(function (el) {
      var update = {width: null};  // back to the container's width, and responsive
      var height = el.getAttribute('data-screen-height');
      if (height) {
        update.height = +height;
        el.style.height = height + 'px';
        el.removeAttribute('data-screen-height');
        var size = el.getAttribute('data-tick-size');
        if (size) { update['yaxis.tickfont.size'] = +size; el.removeAttribute('data-tick-size'); }
      }
      Plotly.relayout(el, update);
    });
  }
""" + PRINT_HOOKS
