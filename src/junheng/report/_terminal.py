"""The terminal summary: verdicts, the CV table per stage, the failing schools and their gaps."""

from __future__ import annotations

import math

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table

from junheng.evaluate import Evaluation
from junheng.model.dataset import Problem
from junheng.model.schema import STAGES
from junheng.report._format import number
from junheng.report._tables import gap_table
from junheng.report._text import Lang, check_value, gap_phrase, plural, school_year, t
from junheng.report.views import Rectification, build_rectification
from junheng.report.views.verdict import incomplete_reasons

VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "incomplete": "bold yellow"}


def _fmt(value: float | None, lang: Lang) -> str:
    """A CV: three decimals."""
    if value is None or not math.isfinite(value):
        return t("undefined", lang)
    return number(value, "cv")


def _value(value: float | None, lang: Lang) -> str:
    """An indicator's county value: 6.14 per 100 pupils, 2,739 元 per pupil."""
    if value is None or not math.isfinite(value):
        return t("undefined", lang)
    return number(value, "value")


PARTS = ("resources", "government", "quality", "recognition")
MAX_BREACHES = 10  # schools listed under each failed item (the JSON has all)


def print_evaluation(evaluation: Evaluation, console: Console, lang: Lang = "zh",
                     max_schools: int = 40, part: str | None = None) -> None:
    """Print the evaluation; ``max_schools`` caps the failing-school list per county and
    ``part`` (resources, government, quality, recognition) narrows the details to one part."""
    std = evaluation.standard
    console.print(f"[bold]{t('standard', lang)}[/]{_colon(lang)}"
                  f"{std.name if lang == 'zh' else std.name_en}  ({' → '.join(std.chain)})")
    console.print(f"[bold]{t('school_year', lang)}[/]{_colon(lang)}"
                  f"{school_year(evaluation, lang)}", highlight=False)
    if evaluation.warnings:
        print_warnings(evaluation.warnings, console, lang)
    gaps = gap_table(evaluation)  # once for every county
    for county in evaluation.counties.iter_rows(named=True):
        _print_county(evaluation, county, console, lang, max_schools, part, gaps)


WARNINGS_PER_COLUMN = 2  # rows shown per (table, column); the JSON lists every one


def print_warnings(warnings: list[Problem], console: Console, lang: Lang = "zh") -> None:
    """The input's warnings before the verdict (a figure in the wrong unit changes it), a few
    rows per column: a whole county in 万元 is one finding, not 300 lines."""
    console.print(f"[bold yellow]{t('warnings_first', lang)}[/]")
    groups: dict[tuple[str, str | None], list[Problem]] = {}
    for w in warnings:
        groups.setdefault((w.table, w.column), []).append(w)
    for rows in groups.values():
        for w in rows[:WARNINGS_PER_COLUMN]:
            console.print(f"  • {w}", markup=False)
        if len(rows) > WARNINGS_PER_COLUMN:
            console.print(t("more_like_it", lang, n=len(rows) - WARNINGS_PER_COLUMN),
                          markup=False)
    console.print()


def _colon(lang: Lang) -> str:
    return t("colon", lang)


def _verdict(verdict: str, lang: Lang) -> str:
    return f"[{VERDICT_STYLE[verdict]}]{t(verdict, lang)}[/]"


def _print_county(evaluation: Evaluation, county: dict, console: Console, lang: Lang,
                  max_schools: int, part: str | None, gaps: pl.DataFrame) -> None:
    name = county["county"]
    verdict = county["verdict"]
    std = evaluation.standard
    console.rule(f"[bold]{escape(name)}[/]")
    console.print(f"{t('verdict', lang)}{_colon(lang)}{_verdict(verdict, lang)}"
                  + (f"（{verdict}）" if lang == "zh" else ""))
    _print_glance(evaluation, county, console, lang)
    if verdict == "incomplete":
        console.print(f"[dim]{escape(t('incomplete_why', lang, why=_why_incomplete(evaluation, county, lang)))}[/]")
    if part is None:
        _print_rectification(build_rectification(evaluation, name, lang, gaps), console)
    if part in (None, "resources"):
        _print_resources(evaluation, county, console, lang, max_schools, gaps)
    for p in std.parts:
        if part in (None, p.key):
            _print_part(evaluation, name, p.key, console, lang)
    notes = [n for n in evaluation.notes if n.county == name]
    if notes:
        console.print(f"\n[bold]{t('notes', lang)}[/]")
        for n in notes:
            console.print(f"  • {n.zh if lang == 'zh' else n.en}", markup=False)


def _print_glance(evaluation: Evaluation, county: dict, console: Console, lang: Lang) -> None:
    """The four parts and the vetoes at a glance."""
    name = county["county"]
    table = Table(show_header=True, box=None, padding=(0, 2))
    table.add_column(t("part", lang))
    table.add_column(t("verdict", lang))
    table.add_column(t("items_met", lang), justify="right")
    table.add_column(t("items_missing", lang), justify="right")
    table.add_row(t("resources", lang), _verdict(county["resources_verdict"], lang), "", "")
    parts = evaluation.parts.filter(pl.col("county") == name)
    for r in parts.iter_rows(named=True):
        table.add_row(t(r["part"], lang), _verdict(r["verdict"], lang),
                      f"{r['met']}/{r['items']}", str(r["missing"]) if r["missing"] else "")
    console.print(table)
    vetoes = evaluation.vetoes.filter(pl.col("county") == name)
    if vetoes.height:
        names = {v.key: (v.name if lang == "zh" else v.name_en)
                 for v in evaluation.standard.vetoes}
        sep = "、" if lang == "zh" else ", "
        present = [names[k] for k in vetoes.filter(pl.col("present").fill_null(False))
                   .get_column("veto")]
        unknown = [names[k] for k in vetoes.filter(pl.col("present").is_null())
                   .get_column("veto")]
        if present:
            line = f"[bold red]{escape(t('vetoes_present', lang, names=sep.join(present)))}[/]"
        elif unknown:
            line = f"[yellow]{escape(t('vetoes_unknown', lang, n=len(unknown), names=sep.join(unknown)))}[/]"
        else:
            line = f"[green]{t('vetoes_none', lang, n=vetoes.height)}[/]"
        console.print(f"{t('vetoes', lang)}{_colon(lang)}{line}")


def _print_rectification(rect: Rectification, console: Console) -> None:
    """The 整改清单 in brief: what the county must add to pass, and how much (the details and
    the per-school tasks follow, and are in every report file)."""
    lang = rect.lang
    console.print(f"\n[bold]{t('rect_title', lang)}[/]")
    if rect.empty:
        console.print(f"[green]{t('rect_nothing', lang)}[/]")
        return
    console.print(escape(rect.headline()))
    lines: list[tuple[str, list[str]]] = [
        (t("rect_totals", lang), [n.text for n in rect.needs]),
        (t("rect_beyond_title", lang), [n.text for n in rect.beyond]),
        (t("rect_cvs", lang), [c.text for c in rect.cvs]),
        (t("rect_vetoes", lang), list(rect.vetoes))]
    for title, rows in lines:
        if not rows:
            continue
        console.print(f"{title}{_colon(lang)}")
        for row in rows:  # hanging indent: a wrapped line stays under its text
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(overflow="fold")
            grid.add_row("  •", escape(row))
            console.print(grid)


def _why_incomplete(evaluation: Evaluation, county: dict, lang: Lang) -> str:
    return t("semicolon", lang).join(incomplete_reasons(evaluation, county["county"], lang))


def _print_resources(evaluation: Evaluation, county: dict, console: Console, lang: Lang,
                     max_schools: int, gaps: pl.DataFrame) -> None:
    name = county["county"]
    std = evaluation.standard
    console.print(f"\n[bold]{t('resources', lang)}[/]{_colon(lang)}"
                  f"{_verdict(county['resources_verdict'], lang)}")
    stages_of = evaluation.stages.filter(pl.col("county") == name)
    if county["resources_verdict"] == "fail" and std.has_school_rule:
        units = county["schools_evaluated"] - county["schools_meeting_rule"]
        cvs = stages_of.filter(pl.col("cv_met").not_()).height
        console.print(t("fail_why", lang, units=units, cvs=cvs) if lang == "zh" else
                      t("fail_why", lang, units=plural(units, "school–stage", "school–stages"),
                        fail="fails" if units == 1 else "fail", cvs=plural(cvs, "CV", "CVs"),
                        exceed="exceeds" if cvs == 1 else "exceed"))
    names = {ind.key: (ind.name if lang == "zh" else ind.name_en) for ind in std.indicators}
    schools = evaluation.schools.filter(pl.col("county") == name)
    for stage in STAGES:
        stage_units = schools.filter(pl.col("stage") == stage)
        if stage_units.height == 0:
            continue
        rows = stages_of.filter(pl.col("stage") == stage)
        table = Table(title=f"{t(stage, lang)} · {t('resources', lang)}", title_justify="left",
                      show_lines=False)
        table.add_column(t("indicator", lang), overflow="fold")
        table.add_column(t("county_value", lang), justify="right")
        table.add_column(t("cv", lang), justify="right")
        table.add_column(t("limit", lang), justify="right")
        table.add_column(t("met", lang), justify="center")
        for r in rows.iter_rows(named=True):
            table.add_row(escape(names[r["indicator"]]), _value(r["county_value"], lang),
                          _fmt(r["cv"], lang),
                          "—" if r["cv_limit"] is None else f"{r['cv_limit']:.2f}",
                          _yes_no(r["cv_met"], lang))
        if std.cv_composite_limits is not None and rows.height:
            first = rows.row(0, named=True)
            table.add_section()
            table.add_row(f"[bold]{t('composite', lang)}[/]", "", _fmt(first["cv_composite"], lang),
                          f"{first['cv_composite_limit']:.2f}",
                          _yes_no(first["cv_composite_met"], lang))
        console.print(table)
        if std.has_school_rule:
            evaluated = stage_units.filter(pl.col("meets_rule").is_not_null())
            console.print(t("schools_meeting", lang, k=std.min_indicators_met,
                            floor=std.floor_ratio, m=int(evaluated.get_column("meets_rule").sum()),
                            n=evaluated.height))
        empty = stage_units.filter(pl.col("students") == 0)
        if empty.height:
            console.print("[dim]" + t("no_pupils", lang) + escape("、".join(
                empty.get_column("name").to_list())) + "[/]")
    if std.has_school_rule:
        _print_failing(evaluation, name, console, lang, max_schools, gaps)


def _yes_no(value: bool | None, lang: Lang) -> str:
    if value is None:
        return "—"
    return f"[green]{t('yes', lang)}[/]" if value else f"[red]{t('no', lang)}[/]"


def _print_part(evaluation: Evaluation, county: str, part: str, console: Console,
                lang: Lang) -> None:
    """The items of one part that fail or lack data, each with the figures or schools behind."""
    items = evaluation.items.filter((pl.col("county") == county) & (pl.col("part") == part))
    open_items = items.filter(pl.col("met").is_null() | pl.col("met").not_())
    if open_items.height == 0:
        console.print(f"\n[green]{t('all_items_met', lang, part=t(part, lang), n=items.height)}[/]")
        return
    spec = {i.key: i for i in evaluation.standard.part(part).items}  # type: ignore[union-attr]
    checks = evaluation.checks.filter((pl.col("county") == county) & (pl.col("part") == part))
    breaches = evaluation.breaches.filter((pl.col("county") == county)
                                          & (pl.col("part") == part))
    # One block per item, not a table: the figures must never be cut to fit a narrow terminal.
    console.print(f"\n[bold]{t('items_failing', lang, part=t(part, lang))}[/]")
    for r in open_items.sort("number").iter_rows(named=True):
        item = spec[r["item"]]
        state = "fail" if r["met"] is False else "incomplete"
        mark = "[red]✗[/]" if state == "fail" else "[yellow]?[/]"
        source = f"（{t(r['source'], lang)}）" if lang == "zh" else f" ({t(r['source'], lang)})"
        head = Table.grid(padding=(0, 1))  # a long name wraps beside its number, not under
        head.add_column(no_wrap=True)
        head.add_column(overflow="fold")
        head.add_row(f"{mark} [bold]{r['number']}[/]",
                     f"{escape(item.name if lang == 'zh' else item.name_en)}{source} "
                     f"{_verdict(state, lang)}")
        console.print(head)
        lines = []
        for c in checks.filter(pl.col("item") == r["item"]).iter_rows(named=True):
            label = c["label"] if lang == "zh" else c["label_en"]
            value = check_value(c["value"], c["percent"], c["op"], lang, against=c["threshold"],
                                key=c["check"])
            style = "green" if c["met"] else "red" if c["met"] is False else "yellow"
            standard = check_value(c["threshold"], c["percent"], c["op"], lang, key=c["check"])
            lines.append(f"{escape(label)}{_colon(lang)}[{style}]{value}[/]"
                         + (f"（标准 {c['op']} {standard}）" if lang == "zh"
                            else f" (standard {c['op']} {standard})"))
        detail = r["detail_zh"] if lang == "zh" else r["detail_en"]
        if detail:
            lines.append(escape(detail))
        rows = breaches.filter(pl.col("item") == r["item"])
        for b in rows.head(MAX_BREACHES).iter_rows(named=True):
            text = b["detail_zh"] if lang == "zh" else b["detail_en"]
            stage = "" if not b["stage"] else f"（{t(b['stage'], lang)}）" if lang == "zh" \
                else f" ({t(b['stage'], lang)})"
            lines.append(f"· {escape(b['name'] or b['school_id'])}{stage}{_colon(lang)}"
                         f"{escape(text)}")
        if rows.height > MAX_BREACHES:
            lines.append(t("more_breaches", lang, n=rows.height - MAX_BREACHES))
        for line in lines:
            console.print(Padding(line, (0, 0, 0, 4), expand=False))


def _print_failing(evaluation: Evaluation, county: str, console: Console, lang: Lang,
                   max_schools: int, gaps: pl.DataFrame) -> None:
    """The failing school–stages, nearest to passing first (the order of every report), each
    with every indicator it misses."""
    failing = (gaps.filter(pl.col("county") == county)
               .unique(["school_id", "stage"], keep="first", maintain_order=True))
    if failing.height == 0:
        return
    missed = evaluation.indicators.filter((pl.col("county") == county) & pl.col("met").not_())
    by_unit: dict[tuple[str, str], list[str]] = {}
    indicators = {ind.key: ind for ind in evaluation.standard.indicators}
    for r in missed.sort("indicator_order").iter_rows(named=True):
        phrase = gap_phrase(indicators[r["indicator"]], r["shortfall"], lang, r["floor_met"])
        by_unit.setdefault((r["school_id"], r["stage"]), []).append(phrase)
    # One block per school–stage, not a table: at 80 columns a table must either cut the
    # names and figures or split a number from its unit; a block keeps every gap on one line.
    console.print(f"\n[bold]{t('failing', lang)}[/]")
    total = sum(ind.thresholds is not None for ind in evaluation.standard.indicators)
    sep = t("sep", lang)
    for r in failing.head(max_schools).iter_rows(named=True):
        head = Table.grid(padding=(0, 1))
        head.add_column(overflow="fold")
        head.add_row(f"[bold]{escape(r['name'])}[/] [dim]{escape(r['school_id'])}[/]{sep}"
                     f"{t(r['stage'], lang)}{sep}{t('students', lang)} "
                     f"{number(r['students'], 'count')}{sep}{t('met_count', lang)} "
                     f"{r['met_count']}/{total}")
        console.print(head)
        for phrase in by_unit.get((r["school_id"], r["stage"]), []):
            console.print(Padding(escape(phrase), (0, 0, 0, 4), expand=False))
    console.print(f"[dim]{t('rect_order_note', lang)}[/]")
    if failing.height > max_schools:
        console.print(t("more_schools", lang, n=failing.height - max_schools))


def _short(value: str, keep: int = 60) -> str:
    """A value as far as a table cell needs it: a 5 MB cell would stall the printer."""
    return value if len(value) <= keep else f"{value[:keep]}…（共 {len(value):,} 字符 chars）"


def print_problems(problems: list[Problem], console: Console, limit: int | None = 200) -> None:
    """Every input problem, bilingual, with table, row, column and value."""
    console.print(f"[bold red]{t('problems', 'zh', n=len(problems))}[/]")
    console.print(f"[bold red]{t('problems', 'en', n=len(problems))}[/]")
    shown = problems if limit is None else problems[:limit]
    table = Table(show_lines=False)
    # Fold, never cut: a Chinese message has no spaces to wrap at, and an ellipsis would hide
    # what is expected.
    for key in ("table", "row", "column", "value"):
        table.add_column(f"{t(key, 'zh')} {t(key, 'en')}", overflow="fold")
    table.add_column("问题 Problem", overflow="fold", ratio=1)
    for p in shown:
        table.add_row(escape(p.table), "" if p.row is None else str(p.row),
                      escape(p.column or ""), "（空）" if p.value is None else escape(_short(p.value)),
                      f"{escape(p.expected_zh)}\n[dim]{escape(p.expected_en)}[/]")
    console.print(table)
    if limit is not None and len(problems) > limit:
        console.print(t("more_problems", "zh", n=len(problems) - limit))
        console.print(t("more_problems", "en", n=len(problems) - limit))
