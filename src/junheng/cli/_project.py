"""``junheng project`` and ``junheng evaluate --projected``: the projection from the command line.

The command's options are the shared ones (input, years, scenario, year, standard, output,
language) plus one per setting of the profile's ``projection:`` section declared for the command
line (``--hiring ratio``, ``--survival 0.98`` …), generated from the declaration as the
planners' are (cli/_plan.py). The work is the library's: ``junheng.project`` and the report
writers.
"""

from __future__ import annotations

import inspect
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from junheng.errors import InputError, StandardError
from junheng.standards.params import Param


class Scenario(StrEnum):
    """The issue's scenario names for the bands of the cohort model."""

    low_births = "low-births"
    central = "central"
    high_births = "high-births"


BAND = {Scenario.low_births: "low", Scenario.central: "central", Scenario.high_births: "high"}
SCENARIO_HELP = ("方案：low-births 低方案、central 中方案、high-births 高方案（入学率与保留率乘以 "
                 "band_low / 1 / band_high）/ scenario: the low, central or high band (the entry "
                 "and survival ratios times band_low, 1 or band_high)")


def settings() -> list[Param]:
    from junheng.projection.cohort import CohortAssumptions

    return [p for p in CohortAssumptions.params() if p.cli]


def assumptions(standard: Any, given: dict[str, Any], err: Console) -> Any:
    """The profile's ``projection:`` section with the options given; a wrong value is a
    bilingual message naming the option, and exit 2."""
    from junheng.cli._plan import _value, print_setting_problems

    overrides = {p.name: _value(p, given[p.name]) for p in settings()
                 if given.get(p.name) is not None}
    try:
        return standard.rules("projection").replace(**overrides)
    except StandardError as exc:
        print_setting_problems(exc, settings(), "projection", err)
        raise typer.Exit(2) from exc


def run_projection(dataset: Any, standard: Any, years: int, scenario: Scenario,
                   rules: Any, year: int | None, err: Console, progress: Any) -> Any:
    """``junheng.project`` with the profile's retirement rules; a problem of the data the
    projection needs (births, grades) is located and exits 2."""
    from junheng import project
    from junheng.report import print_problems

    try:
        return project(dataset, years=years, assumptions=rules, band=BAND[scenario],
                       rules=standard.retirement_rules(), year=year)
    except InputError as exc:
        progress.stop()
        print_problems(exc.problems, err)
        raise typer.Exit(2) from exc


def command(out: Console, err: Console):  # -> Callable
    """The typer command ``junheng project``."""
    from junheng.cli import Lang

    defaults = _defaults()

    def run(**kw: Any) -> None:
        from junheng import load
        from junheng.cli import input_files, print_written, printed, progress_bar
        from junheng.io import ReadLimits, write_text
        from junheng.io._atomic import check_outputs, output_run
        from junheng.io._json import dumps
        from junheng.report import print_problems
        from junheng.report._projection import print_projection
        from junheng.standards import load_standard

        source: Path = kw["input"]
        inputs = [source, *input_files(kw["standard"])]
        check_outputs(inputs, {"--json": kw["json_path"]}, {"--output": kw["output"]})
        with output_run(protect=inputs) as run_files:
            with progress_bar() as progress:
                task = progress.add_task("读取并校验 reading and validating "
                                         f"{escape(source.name)}…", total=None)
                profile = load_standard(kw["standard"])
                rules = assumptions(profile, kw, err)
                try:
                    dataset = load(source, limits=ReadLimits(max_cells=kw["max_cells"]))
                except InputError as exc:
                    progress.stop()
                    print_problems(exc.problems, err)
                    raise typer.Exit(2) from exc
                progress.update(task, description=f"预测并逐年评估 projecting and evaluating "
                                                  f"{kw['years']} years…")
                projection = run_projection(dataset, profile, kw["years"], kw["scenario"],
                                            rules, kw["year"], err, progress)
                evaluations = {y: projection.evaluate(y, profile) for y in projection.years}
                summary = projection.summary(profile, evaluations)
                if kw["output"] is not None:
                    from junheng.report._projection_files import write_projection
                    from junheng.report.views.projection import build_projection_view

                    progress.update(task, description="写出预测 writing the projection…")
                    view = build_projection_view(projection, profile, kw["lang"].value,
                                                 evaluations=evaluations)
                    write_projection(projection, profile, kw["output"], kw["lang"].value,
                                     view=view)
                if kw["json_path"] is not None:
                    write_text(kw["json_path"], dumps({
                        "standard": profile.id, "base_year": projection.base_year,
                        "band": projection.band, "spread": projection.spread,
                        "years": summary.to_dicts(),
                        "stages": projection.stages.to_dicts()}, indent=2) + "\n")
            # Printed before the files are moved into place: a failure leaves nothing.
            county = summary.get_column("county")[0]
            note = projection.note(projection.years[-1], county)
            printed(lambda: print_projection(summary, out, kw["lang"].value, projection.band,
                                             projection.spread, note))
        printed(lambda: print_written(run_files))

    def opt(name: str, annotation: Any, default: Any) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                 annotation=annotation)

    from junheng.cli._plan import _option

    run.__signature__ = inspect.Signature([  # type: ignore[attr-defined]
        inspect.Parameter("input", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[
            Path, typer.Argument(metavar="INPUT", help="县域数据：.xlsx 或 CSV/Parquet 文件夹 / "
                                                       "county workbook or folder")]),
        opt("years", Annotated[int, typer.Option(min=1, max=30, help="预测年数 / years "
                                                                      "ahead")], 5),
        opt("scenario", Annotated[Scenario, typer.Option(help=SCENARIO_HELP)], Scenario.central),
        opt("output", Annotated[Path | None, typer.Option(
            "-o", "--output", help="写出预测的文件夹（xlsx、html、json）/ folder for the "
                                   "projection (xlsx, html, json)")], None),
        opt("json_path", Annotated[Path | None, typer.Option(
            "--json", help="只写出逐年汇总 JSON / write the year-by-year summary JSON "
                           "only")], None),
        opt("year", Annotated[int | None, typer.Option(
            min=1900, max=2200, help="基准学年（起始年份，默认当前学年）/ base school year, by "
                                     "its starting year")], None),
        opt("standard", Annotated[str, typer.Option(
            help="标准名称或 YAML 文件（其 projection: 与 retirement: 部分即预测假设）/ standard "
                 "name or YAML file (its projection: and retirement: sections are the "
                 "assumptions)")], "quality-2017"),
        opt("lang", Annotated[Lang, typer.Option(help="语言 / language")], Lang.zh),
        opt("max_cells", Annotated[int, typer.Option(
            "--max-cells", min=1, help="每张工作表最多读取的单元格数 / the most cells read from "
                                       "one sheet")], 10_000_000),
        *(_option(p, defaults) for p in settings()),
    ])
    run.__doc__ = ("逐年预测学生、教师与达标情况 / project pupils, teachers and the standard "
                   "year by year")
    return run


def _defaults() -> Any:
    from junheng.projection.cohort import CohortAssumptions

    return CohortAssumptions()
