"""The HTML report: one self-contained file with charts, sortable tables and print styles.

Charts are drawn by plotly.js, inlined from the ``plotly`` wheel, so the file opens offline
(from a USB stick on an intranet PC) with nothing fetched. We chose plotly over ECharts
(pyecharts) because pyecharts' wheel does not carry the ECharts library — its pages load it from
a CDN — so inlining ECharts would mean vendoring it; plotly's wheel ships plotly.min.js.

Each figure's data is stored as JSON in a ``<script type="application/json">`` block (with ``<``
escaped, so no text from the input can close the block) and drawn by one small loader.
"""

from __future__ import annotations

import html
import math
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.io import write_text
from junheng.io._json import dumps
from junheng.model.schema import STAGES
from junheng.report._clean import plain
from junheng.report._tables import MAX_CHART_COUNTIES, gap_table
from junheng.report._text import Lang, check_value, gap_phrase, t, yes_no

FONTS = ('"Microsoft YaHei", "PingFang SC", "Noto Sans CJK SC", "Source Han Sans SC", '
         '"WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif')
COLOURS = {"met": "#2e9d5b", "missed": "#f0ad2c", "below": "#d9453b", "none": "#b0b0b0"}
VERDICT_CLASS = {"pass": "ok", "fail": "bad", "incomplete": "warn"}


@cache
def _plotly_js() -> str:
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


def write_html(evaluation: Evaluation, path: str | Path, lang: Lang = "zh",
               gaps: pl.DataFrame | None = None) -> Path:
    """Write the evaluation as one self-contained HTML file (atomically).

    Per county: the verdict and parts at a glance; the CVs per indicator against their limits;
    per stage and indicator, every school's value against the threshold and the 85 % floor; a
    school × indicator heatmap (met / missed / below the floor); the schools on a plain
    longitude–latitude scatter when coordinates are given; sortable tables of failing schools
    and of the other parts' items.

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

    def tx(self, key: str, **kwargs: object) -> str:
        return t(key, self.lang, **kwargs)

    # -- page ------------------------------------------------------------------------------
    def render(self) -> str:
        from junheng import __version__

        std, ev = self.std, self.ev
        title = f"{std.name if self.lang == 'zh' else std.name_en} · {self.tx('report_title')}"
        counties = [self.county(row) for row in ev.counties.iter_rows(named=True)]
        nav = "".join(f'<a href="#c{i}">{_e(r["county"])}</a>'
                      for i, r in enumerate(ev.counties.iter_rows(named=True)))
        warnings = ""
        if ev.warnings:
            warnings = (f"<section><h2>{self.tx('warnings')}</h2><ul>"
                        + "".join(f"<li>{_e(w)}</li>" for w in ev.warnings) + "</ul></section>")
        c, sep = self.tx("colon"), self.tx("sep")
        figures = "\n".join(
            f'<script type="application/json" data-figure="{fid}">{_json_block(fig)}</script>'
            for fid, fig in self.figures)
        return f"""<!DOCTYPE html>
<html lang="{'zh-CN' if self.lang == 'zh' else 'en'}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="junheng {__version__}">
<title>{_e(title)}</title>
<style>{CSS.replace("FONTS", FONTS)}</style>
<script>{_plotly_js()}</script>
</head>
<body>
<header>
<h1>{_e(title)}</h1>
<p class="meta">{self.tx('standard')}{c}{_e(std.id)} ({_e(' → '.join(std.chain))}){sep}
{self.tx('school_year')}{c}{ev.year}–{ev.year + 1}{sep}junheng {__version__}</p>
<nav>{nav}</nav>
</header>
<main>
{self.overview()}
{"".join(counties)}
{warnings}
<section class="method"><h2>{self.tx('notes')}</h2>
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
                   if self.std.has_school_rule else [])]
        rows = []
        for i, r in enumerate(ev.counties.iter_rows(named=True)):
            rows.append([(f"<a href='#c{i}'>{_e(r['county'])}</a>", None, None, True),
                         *[(self.tx(r[c]), VERDICT_CLASS[r[c]]) for c in
                           ("verdict", "resources_verdict", *[f"{p}_verdict" for p in parts])],
                         *([(str(r["schools_meeting_rule"]), "num", r["schools_meeting_rule"]),
                            (str(r["schools_evaluated"]), "num", r["schools_evaluated"])]
                           if self.std.has_school_rule else [])])
        note = "" if self.charts else \
            f"<p class='hint'>{_e(self.tx('html_charts_left_out', n=MAX_CHART_COUNTIES))}</p>"
        return (f"<section><h2>{self.tx('counties_overview')}</h2>{note}"
                f"{_table(heads, rows)}</section>")

    def _rule_text(self) -> str:
        return self.tx("rule_method", k=self.std.min_indicators_met,
                       n=sum(i.thresholds is not None for i in self.std.indicators),
                       floor=self.std.floor_ratio)

    def figure(self, fid: str, data: list[dict[str, Any]], layout: dict[str, Any],
               height: int = 360) -> str:
        base = {"font": {"family": FONTS, "size": 12}, "height": height,
                "margin": {"l": 60, "r": 20, "t": 40, "b": 60},
                "paper_bgcolor": "white", "plot_bgcolor": "white",
                "legend": {"orientation": "h", "y": -0.2}}
        self.figures.append((fid, {"data": data, "layout": {**base, **layout}}))
        return f'<div class="chart" id="{fid}" style="height:{height}px"></div>'

    # -- one county ------------------------------------------------------------------------
    def county(self, row: dict[str, Any]) -> str:
        index = self.ev.counties.get_column("county").to_list().index(row["county"])
        name = row["county"]
        verdict = row["verdict"]
        parts = [f"<h2>{_e(name)} <span class='badge {VERDICT_CLASS[verdict]}'>"
                 f"{self.tx(verdict)}</span></h2>", self.glance(row)]
        units = self.ev.units.filter(pl.col("county") == name)
        parts.append(f"<h3>{self.tx('resources')}</h3>")
        parts.append(self.cv_section(name, index))
        if self.charts:
            parts.append(self.distribution_section(name, index))
            parts.append(self.heatmap_section(name, index))
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

    def glance(self, row: dict[str, Any]) -> str:
        name = row["county"]
        rows = [(self.tx("resources"), row["resources_verdict"], "", "")]
        for r in self.ev.parts.filter(pl.col("county") == name).iter_rows(named=True):
            rows.append((self.tx(r["part"]), r["verdict"], f"{r['met']}/{r['items']}",
                         str(r["missing"]) if r["missing"] else ""))
        body = "".join(f"<tr><td>{_e(p)}</td><td class='{VERDICT_CLASS[v]}'>{self.tx(v)}</td>"
                       f"<td class='num'>{_e(m)}</td><td class='num'>{_e(x)}</td></tr>"
                       for p, v, m, x in rows)
        table = (f"<table class='glance'><thead><tr><th>{self.tx('part')}</th>"
                 f"<th>{self.tx('verdict')}</th><th>{self.tx('items_met')}</th>"
                 f"<th>{self.tx('items_missing')}</th></tr></thead><tbody>{body}</tbody></table>")
        vetoes = self.ev.vetoes.filter(pl.col("county") == name)
        names = {v.key: (v.name if self.lang == "zh" else v.name_en) for v in self.std.vetoes}
        sep = "、" if self.lang == "zh" else ", "
        line = ""
        if vetoes.height:
            present = [names[k] for k in vetoes.filter(pl.col("present").fill_null(False))
                       .get_column("veto")]
            unknown = [names[k] for k in vetoes.filter(pl.col("present").is_null())
                       .get_column("veto")]
            if present:
                text, cls = self.tx("vetoes_present", names=sep.join(present)), "bad"
            elif unknown:
                text, cls = self.tx("vetoes_unknown", n=len(unknown),
                                    names=sep.join(unknown)), "warn"
            else:
                text, cls = self.tx("vetoes_none", n=vetoes.height), "ok"
            line = f"<p>{self.tx('vetoes')}{self.tx('colon')}<span class='{cls}'>{_e(text)}</span></p>"
        return table + line

    def cv_section(self, county: str, index: int) -> str:
        stages = self.ev.stages.filter(pl.col("county") == county)
        out = [f"<h4>{self.tx('cv_table_title')}</h4>"]
        data: list[dict[str, Any]] = []
        for stage in STAGES:
            rows = stages.filter(pl.col("stage") == stage).sort("indicator_order")
            if rows.height == 0:
                continue
            names = [self.ind_short[k] for k in rows.get_column("indicator")]
            colours = [COLOURS["met"] if m else COLOURS["below"] if m is False else COLOURS["none"]
                       for m in rows.get_column("cv_met")]
            data.append({"type": "bar", "name": self.tx(stage), "x": names,
                         "y": rows.get_column("cv").to_list(),
                         "marker": {"color": colours,
                                    "pattern": {"shape": "" if stage == "primary" else "/"}},
                         "text": [None if v is None else f"{v:.3f}" for v in
                                  rows.get_column("cv")],
                         "textposition": "outside",
                         "hovertemplate": "%{x}<br>" + self.tx("cv") + " %{y:.4f}<extra>"
                                          + self.tx(stage) + "</extra>"})
            if self.std.cv_limits is not None:
                data.append({"type": "scatter", "mode": "lines", "name":
                             f"{self.tx('limit')}（{self.tx(stage)}）" if self.lang == "zh"
                             else f"{self.tx('limit')} ({self.tx(stage)})",
                             "x": names, "y": [self.std.cv_limits[stage]] * len(names),
                             "line": {"dash": "dash", "width": 2,
                                      "color": "#7a1f1f" if stage == "primary" else "#555"}})
        if data and self.charts:
            out.append(self.figure(f"cv{index}", data, {
                "barmode": "group", "yaxis": {"title": {"text": self.tx("cv")},
                                              "rangemode": "tozero"},
                "title": {"text": self.tx("cv_chart_title")}}, height=400))
        out.append(self.cv_table(stages))
        return "".join(out)

    def cv_table(self, stages: pl.DataFrame) -> str:
        heads = [self.tx("stage"), self.tx("indicator"), self.tx("county_value"),
                 self.tx("cv"), self.tx("limit"), self.tx("met")]
        rows = []
        ordered = stages.sort(pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order")
        for r in ordered.iter_rows(named=True):
            rows.append([(self.tx(r["stage"]), None), (self.ind_name[r["indicator"]], None),
                         _num_cell(r["county_value"], 3), _num_cell(r["cv"], 4),
                         _num_cell(r["cv_limit"], 2), self._met_cell(r["cv_met"])])
        if self.std.cv_composite_limits is not None:
            for r in ordered.unique("stage", keep="first", maintain_order=True).iter_rows(
                    named=True):
                rows.append([(self.tx(r["stage"]), None), (self.tx("composite"), None),
                             ("", None), _num_cell(r["cv_composite"], 4),
                             _num_cell(r["cv_composite_limit"], 2),
                             self._met_cell(r["cv_composite_met"])])
        return _table(heads, rows)

    def _met_cell(self, met: bool | None) -> tuple[str, str | None]:
        return (yes_no(met, self.lang, "—"), None if met is None else "ok" if met else "bad")

    def distribution_section(self, county: str, index: int) -> str:
        ind = self.ev.indicators.filter((pl.col("county") == county)
                                        & pl.col("threshold").is_not_null()
                                        & (pl.col("students") > 0))
        if ind.height == 0:
            return ""
        out = [f"<h4>{self.tx('distribution_title')}</h4><div class='grid'>"]
        floor = self.std.floor_ratio
        for stage in STAGES:
            for key in self.indicators:
                rows = ind.filter((pl.col("stage") == stage) & (pl.col("indicator") == key)) \
                    .sort("value", "school_id")
                if rows.height == 0:
                    continue
                threshold = rows.get_column("threshold")[0]
                names = rows.get_column("name").to_list()
                unit = self.indicators[key].value_unit(self.lang)
                state = rows.select(
                    pl.int_range(pl.len()).alias("x"), "name", "value",
                    pl.when(pl.col("met")).then(pl.lit("met"))
                    .when(pl.col("floor_met")).then(pl.lit("missed"))
                    .otherwise(pl.lit("below")).alias("state"))
                # One trace per state, so the legend explains the colours; x is the rank, so
                # two schools of the same name stay two bars.
                data: list[dict[str, Any]] = []
                for code in ("met", "missed", "below"):
                    part = state.filter(pl.col("state") == code)
                    if part.height == 0:
                        continue
                    data.append({
                        "type": "bar", "x": part.get_column("x").to_list(),
                        "y": part.get_column("value").to_list(),
                        "customdata": part.get_column("name").to_list(),
                        "marker": {"color": COLOURS[code]}, "name": self.tx(f"state_{code}"),
                        "hovertemplate": "%{customdata}<br>%{y:.3f} " + unit + "<extra></extra>"})
                xs = list(range(len(names)))
                data.append({"type": "scatter", "mode": "lines", "x": xs,
                             "y": [threshold] * len(names), "name": self.tx("threshold"),
                             "line": {"color": "#1b5e20", "width": 2}})
                if floor:
                    data.append({"type": "scatter", "mode": "lines", "x": xs,
                                 "y": [threshold * floor] * len(names),
                                 "name": self.tx("floor_col"),
                                 "line": {"color": COLOURS["below"], "dash": "dash",
                                          "width": 1.5}})
                ticks = ({"tickvals": xs, "ticktext": names} if len(names) <= 40
                         else {"showticklabels": False})
                out.append(self.figure(
                    f"d{index}-{stage}-{key}", data,
                    {"title": {"text": f"{self.tx(stage)} · {self.ind_name[key]}",
                               "font": {"size": 13}},
                     "xaxis": {**ticks, "tickangle": -45, "automargin": True,
                               "tickfont": {"size": 9}},
                     "yaxis": {"title": {"text": unit}, "rangemode": "tozero"},
                     "barmode": "overlay", "bargap": 0.15}, height=380))
        out.append("</div>")
        return "".join(out)

    def heatmap_section(self, county: str, index: int) -> str:
        """School × indicator: 2 met, 1 missed at or above the floor, 0 below the floor — the
        evaluation's own exact tests, with the ratio shown on hover."""
        out = []
        ind = self.ev.indicators.filter((pl.col("county") == county)
                                        & pl.col("threshold").is_not_null()
                                        & (pl.col("students") > 0))
        if ind.height == 0:
            return ""
        out.append(f"<h4>{self.tx('heatmap_title')}</h4>")
        keys = [k for k in self.indicators if self.indicators[k].thresholds is not None]
        for stage in STAGES:
            rows = ind.filter(pl.col("stage") == stage)
            if rows.height == 0:
                continue
            wide = rows.with_columns(
                pl.when(pl.col("met")).then(2).when(pl.col("floor_met")).then(1).otherwise(0)
                .alias("state"),
                (pl.col("name") + " " + pl.col("school_id")).alias("label"))
            schools = (wide.group_by("label", maintain_order=True)
                       .agg(pl.col("state").sum().alias("_score"))
                       .sort("_score", "label", descending=[True, False])
                       .get_column("label").to_list())
            lookup = {(r["label"], r["indicator"]): r for r in wide.iter_rows(named=True)}
            z, text = [], []
            for school in schools:
                z.append([lookup[(school, k)]["state"] if (school, k) in lookup else None
                          for k in keys])
                text.append([_ratio_text(lookup.get((school, k))) for k in keys])
            height = max(300, 22 * len(schools) + 140)
            out.append(self.figure(f"h{index}-{stage}", [{
                "type": "heatmap", "z": z, "x": [self.ind_short[k] for k in keys],
                "y": schools, "text": text, "texttemplate": "%{text}",
                "textfont": {"size": 10}, "zmin": 0, "zmax": 2, "xgap": 2, "ygap": 2,
                "colorscale": [[0, COLOURS["below"]], [0.33, COLOURS["below"]],
                               [0.34, COLOURS["missed"]], [0.66, COLOURS["missed"]],
                               [0.67, COLOURS["met"]], [1, COLOURS["met"]]],
                "showscale": False,
                "hovertemplate": "%{y}<br>%{x}: %{text}<extra></extra>"}],
                {"title": {"text": f"{self.tx(stage)} · {self.tx('heatmap_title')}",
                           "font": {"size": 13}},
                 "yaxis": {"autorange": "reversed", "automargin": True, "tickfont": {"size": 10}},
                 "xaxis": {"side": "top", "automargin": True},
                 "margin": {"l": 200, "r": 20, "t": 90, "b": 20}}, height=height))
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
            "xaxis": {"title": {"text": self.tx("longitude")}},
            "yaxis": {"title": {"text": self.tx("latitude")}, "scaleanchor": "x",
                      "scaleratio": 1.15}}, height=480)
            + f"<p class='hint'>{_e(self.tx('map_hint'))}</p>")

    def failing_table(self, county: str) -> str:
        gaps = self.gaps.filter(pl.col("county") == county)
        if gaps.height == 0:
            return f"<p class='ok'>{self.tx('no_failing')}</p>"
        total = sum(i.thresholds is not None for i in self.std.indicators)
        heads = [self.tx("school"), self.tx("stage"), self.tx("students"),
                 self.tx("met_count"), self.tx("to_fix_col"), self.tx("gaps")]
        rows = []
        for (_, _, _), group in gaps.group_by(["school_id", "stage", "to_fix"],
                                              maintain_order=True):
            first = group.row(0, named=True)
            phrases = []
            for r in group.iter_rows(named=True):
                phrase = gap_phrase(self.indicators[r["indicator"]], r["shortfall"], self.lang,
                                    r["floor_met"])
                cls = "bad" if r["must_fix"] else "warn"
                phrases.append(f"<span class='{cls}'>{_e(phrase)}</span>")
            rows.append([(first["name"], None), (self.tx(first["stage"]), None),
                         (str(first["students"]), None, first["students"]),
                         (f"{first['met_count']}/{total}", None, first["met_count"]),
                         (str(first["to_fix"]), None, first["to_fix"]),
                         ("<br>".join(phrases), None, None, True)])
        return (f"<h4>{self.tx('failing')}</h4>" + _table(heads, rows)
                + f"<p class='hint'>{_e(self.tx('gaps_explained'))}</p>")

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
                              f"{_e(check_value(c['value'], c['percent'], c['op'], self.lang))}")
                thresholds.append(f"{_e(c['op'])} {_e(check_value(c['threshold'], c['percent'], c['op'], self.lang))}")
            detail = r["detail_zh"] if self.lang == "zh" else r["detail_en"]
            if detail:
                lines.append(_e(detail))
            for b in breaches.filter(pl.col("item") == r["item"]).iter_rows(named=True):
                text = b["detail_zh"] if self.lang == "zh" else b["detail_en"]
                lines.append(f"· {_e(b['name'] or b['school_id'])}{self.tx('colon')}{_e(text)}")
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


def _ratio_text(row: dict[str, Any] | None) -> str:
    if row is None or row["ratio"] is None:
        return ""
    return f"{row['ratio'] * 100:.0f}%"


def _num_cell(value: float | None, digits: int) -> tuple[str, str | None, float | None]:
    if value is None or not math.isfinite(value):
        return ("—", None, None)
    return (f"{value:.{digits}f}", "num", value)


def _table(heads: list[str], rows: list[list[tuple]]) -> str:
    """A sortable table. Each cell is (text, class[, sort value[, text is already HTML]])."""
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            text, cls = cell[0], cell[1]
            key = cell[2] if len(cell) > 2 else None
            raw = len(cell) > 3 and cell[3]
            attrs = (f" class='{cls}'" if cls else "") + (
                f" data-sort='{key}'" if isinstance(key, int | float) else "")
            cells.append(f"<td{attrs}>{text if raw else _e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<table class='sortable'><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")


CSS = """
body { font-family: FONTS; margin: 0; color: #222; background: #f6f7f9; }
header { background: #1f3a5f; color: white; padding: 16px 28px; }
header h1 { margin: 0 0 6px; font-size: 22px; }
header .meta { margin: 0; opacity: .85; font-size: 13px; }
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
td.ok, span.ok, p.ok { color: #1e7a45; } td.bad, span.bad { color: #b3261e; }
td.warn, span.warn { color: #9a6400; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; width: 100%; }
th, td { border: 1px solid #d8dde5; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #e8edf4; cursor: pointer; user-select: none; white-space: nowrap; }
th.asc::after { content: " ▲"; } th.desc::after { content: " ▼"; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.glance { width: auto; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 8px; }
.chart { width: 100%; min-width: 0; }
.hint { color: #666; font-size: 12px; }
details summary { cursor: pointer; color: #1f3a5f; font-size: 12px; }
@page { size: A4 landscape; margin: 12mm; }
@media print {
  body { background: white; -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  header { background: white; color: black; border-bottom: 2px solid black; }
  nav { display: none; }
  main { max-width: none; padding: 0; }
  section { box-shadow: none; padding: 0; }
  section.county { break-before: page; }
  .chart, table.glance, tr { break-inside: avoid; }
  .grid { grid-template-columns: 1fr 1fr; }
  details { display: block; } details > * { display: block; }
  th { cursor: auto; } th.asc::after, th.desc::after { content: ""; }
}
"""

JS = """
(function () {
  var config = {displaylogo: false, responsive: true,
                modeBarButtonsToRemove: ['select2d', 'lasso2d', 'autoScale2d']};
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
  // Charts redraw at the paper's width when printed.
  function resizeAll() {
    document.querySelectorAll('.js-plotly-plot').forEach(function (el) { Plotly.Plots.resize(el); });
  }
  window.addEventListener('beforeprint', resizeAll);
  window.addEventListener('afterprint', resizeAll);
})();
"""
