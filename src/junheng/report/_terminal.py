"""The terminal summary: verdicts, the CV table per stage, the failing schools and their gaps."""

from __future__ import annotations

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng.evaluate import Evaluation
from junheng.model.dataset import Problem
from junheng.model.schema import STAGES
from junheng.report._text import Lang, gap_phrase, t

VERDICT_STYLE = {"pass": "bold green", "fail": "bold red", "incomplete": "bold yellow"}


def _fmt(value: float | None, lang: Lang, digits: int = 3) -> str:
    if value is None:
        return t("undefined", lang)
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def print_evaluation(evaluation: Evaluation, console: Console, lang: Lang = "zh",
                     max_schools: int = 40) -> None:
    """Print the evaluation; ``max_schools`` caps the failing-school list per county."""
    std = evaluation.standard
    console.print(f"[bold]{t('standard', lang)}[/]：{std.name if lang == 'zh' else std.name_en}"
                  f"  ({' → '.join(std.chain)})")
    for county in evaluation.counties.iter_rows(named=True):
        _print_county(evaluation, county, console, lang, max_schools)
    if evaluation.warnings:
        console.print(f"\n[bold]{t('warnings', lang)}[/]")
        for w in evaluation.warnings:
            console.print(f"  • {w}", markup=False)


def _print_county(evaluation: Evaluation, county: dict, console: Console, lang: Lang,
                  max_schools: int) -> None:
    name = county["county"]
    verdict = county["verdict"]
    console.rule(f"[bold]{name}[/]")
    console.print(f"{t('verdict', lang)}：[{VERDICT_STYLE[verdict]}]{t(verdict, lang)}[/]"
                  f"（{verdict}）    {t('resources', lang)}："
                  f"[{VERDICT_STYLE[county['resources_verdict']]}]"
                  f"{t(county['resources_verdict'], lang)}[/]")
    if county["resources_verdict"] == "fail":
        units = county["schools_evaluated"] - county["schools_meeting_rule"]
        cvs = evaluation.stages.filter((pl.col("county") == name) & ~pl.col("cv_met")).height
        console.print(t("fail_why", lang, units=units, cvs=cvs))
    if verdict == "incomplete":
        console.print(f"[dim]{t('incomplete_why', lang)}[/]")
    std = evaluation.standard
    names = {ind.key: (ind.name if lang == "zh" else ind.name_en) for ind in std.indicators}
    schools = evaluation.schools.filter(pl.col("county") == name)
    for stage in STAGES:
        stage_units = schools.filter(pl.col("stage") == stage)
        if stage_units.height == 0:
            continue
        rows = evaluation.stages.filter((pl.col("county") == name) & (pl.col("stage") == stage))
        table = Table(title=f"{t(stage, lang)} · {t('resources', lang)}", title_justify="left",
                      show_lines=False)
        table.add_column(t("indicator", lang), overflow="fold")
        table.add_column(t("county_value", lang), justify="right")
        table.add_column(t("cv", lang), justify="right")
        table.add_column(t("limit", lang), justify="right")
        table.add_column(t("met", lang), justify="center")
        for r in rows.iter_rows(named=True):
            ok = r["cv_met"]
            table.add_row(names[r["indicator"]], _fmt(r["county_value"], lang),
                          _fmt(r["cv"], lang), f"{r['cv_limit']:.2f}",
                          f"[green]{t('yes', lang)}[/]" if ok else f"[red]{t('no', lang)}[/]")
        console.print(table)
        evaluated = stage_units.filter(pl.col("meets_rule").is_not_null())
        console.print(t("schools_meeting", lang, k=std.min_indicators_met, floor=std.floor_ratio,
                        m=int(evaluated.get_column("meets_rule").sum()), n=evaluated.height))
        empty = stage_units.filter(pl.col("meets_rule").is_null())
        if empty.height:
            console.print("[dim]" + t("no_pupils", lang) + escape("、".join(
                empty.get_column("name").to_list())) + "[/]")
    _print_failing(evaluation, name, console, lang, max_schools)
    notes = [n for n in evaluation.notes if n.county == name]
    if notes:
        console.print(f"\n[bold]{t('notes', lang)}[/]")
        for n in notes:
            console.print(f"  • {n.zh if lang == 'zh' else n.en}", markup=False)


def _print_failing(evaluation: Evaluation, county: str, console: Console, lang: Lang,
                   max_schools: int) -> None:
    failing = (evaluation.schools.filter((pl.col("county") == county)
                                         & (pl.col("meets_rule").not_()))
               .sort("met_count", "students", descending=[False, True]))
    if failing.height == 0:
        return
    gaps = evaluation.indicators.filter((pl.col("county") == county) & pl.col("met").not_())
    by_unit: dict[tuple[str, str], list[str]] = {}
    indicators = {ind.key: ind for ind in evaluation.standard.indicators}
    for r in gaps.sort("indicator_order").iter_rows(named=True):
        phrase = gap_phrase(indicators[r["indicator"]], r["shortfall"], lang)
        if not r["floor_met"]:
            phrase += f"（{t('below_floor', lang)}）" if lang == "zh" else \
                f" ({t('below_floor', lang)})"
        by_unit.setdefault((r["school_id"], r["stage"]), []).append(phrase)
    table = Table(title=t("failing", lang), title_justify="left", show_lines=True)
    table.add_column(t("school", lang))
    table.add_column(t("stage", lang))
    table.add_column(t("students", lang), justify="right")
    table.add_column(t("met_count", lang), justify="right")
    table.add_column(t("gaps", lang))
    total = len(evaluation.standard.indicators)
    for r in failing.head(max_schools).iter_rows(named=True):
        table.add_row(f"{escape(r['name'])}\n[dim]{escape(r['school_id'])}[/]", t(r["stage"], lang),
                      str(r["students"]), f"{r['met_count']}/{total}",
                      "\n".join(by_unit.get((r["school_id"], r["stage"]), [])))
    console.print(table)
    if failing.height > max_schools:
        console.print(t("more_schools", lang, n=failing.height - max_schools))


def print_problems(problems: list[Problem], console: Console, limit: int | None = 200) -> None:
    """Every input problem, bilingual, with table, row, column and value."""
    console.print(f"[bold red]{t('problems', 'zh', n=len(problems))}[/]")
    console.print(f"[bold red]{t('problems', 'en', n=len(problems))}[/]")
    shown = problems if limit is None else problems[:limit]
    table = Table(show_lines=False)
    for key in ("table", "row", "column", "value"):
        table.add_column(f"{t(key, 'zh')} {t(key, 'en')}")
    table.add_column("问题 Problem")
    for p in shown:
        table.add_row(escape(p.table), "" if p.row is None else str(p.row),
                      escape(p.column or ""), "（空）" if p.value is None else escape(p.value),
                      f"{p.expected_zh}\n[dim]{p.expected_en}[/]")
    console.print(table)
    if limit is not None and len(problems) > limit:
        console.print(t("more_problems", "zh", n=len(problems) - limit))
        console.print(t("more_problems", "en", n=len(problems) - limit))
