"""``junheng plan investment | recruitment | pass``: the least-cost path to pass.

Thin over ``junheng.plan.investment.plan_pass``: ``investment`` uses the facility levers,
``recruitment`` the teachers, ``pass`` both after this year's rotation (free, planned first by
the rotation planner), optionally for a projected year.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from junheng.cli import Lang  # defined before cli/__init__ imports this module
from junheng.errors import InputError, PlanError

LEVERS = {"investment": "INVESTMENT", "recruitment": "RECRUITMENT", "pass": "BOTH"}
HELP = {
    "investment": "最低成本的校舍、场地、设备投入方案 / least-cost investment in buildings, "
                  "grounds and equipment",
    "recruitment": "最低成本的教师补充方案（按学科、学校）/ least-cost hiring by subject and "
                   "school",
    "pass": "交流轮岗 + 教师补充 + 投入的最低成本达标路径 / rotation, recruitment and investment "
            "planned together at least cost",
}


def command(name: str, out: Console, err: Console):  # -> Callable
    def run(
        input: Annotated[Path, typer.Argument(help="县域数据：.xlsx 或 CSV/Parquet 文件夹 / "
                                                   "county workbook or folder")],
        prices: Annotated[Path | None, typer.Option(
            "--prices", help="单价表 / the price table (junheng template --prices "
                             "writes its template); without it recruitment hires the fewest "
                             "teachers")] = None,
        output: Annotated[Path | None, typer.Option(
            "-o", "--output", help="写出方案的文件夹（xlsx + json）/ folder for the plan")] = None,
        budget: Annotated[float | None, typer.Option(
            min=0, help="每县预算（万元） / each county's budget (万元); when too small: "
                        "the most schools within it, and the shortfall")] = None,
        years: Annotated[int, typer.Option(
            min=1, max=20, help="分几年实施 / phase the actions over this many years, "
                                "each within its share of the budget")] = 1,
        hire_years: Annotated[int, typer.Option(
            "--hire-years", min=1, max=40, help="新聘教师计几年经费 / years of a new "
                                                "teacher's pay counted in the cost")] = 1,
        year: Annotated[int | None, typer.Option(
            min=1900, max=2200, help="规划学年 / school year planned")] = None,
        projected: Annotated[bool, typer.Option(
            "--projected", help="为 --year 学年的预测数据制定方案 / plan for the projected "
                                "--year")] = False,
        standard: Annotated[str, typer.Option(help="标准名称或 YAML 文件 / standard")] =
        "quality-2017",
        time_limit: Annotated[float, typer.Option(min=1, help="每县求解时限（秒）/ time limit "
                                                              "per county (s)")] = 60.0,
        lang: Annotated[Lang, typer.Option(help="语言 / language")] = Lang.zh,
    ) -> None:
        from junheng import load
        from junheng.cli import input_files, print_written, printed, progress_bar
        from junheng.cli._project import Scenario
        from junheng.io._atomic import check_outputs, output_run
        from junheng.plan.investment import planner as investment
        from junheng.plan.investment.prices import read_prices
        from junheng.report import print_problems
        from junheng.report._pass import print_pass_plan, write_pass_plan
        from junheng.standards import load_standard

        if prices is None and (name != "recruitment" or budget is not None):
            err.print("  需要单价表：请加 --prices 文件（junheng template --prices 生成模板；只有不设预算的 "
                      "plan recruitment 可以不给）", markup=False)
            err.print("  a price table is needed: add --prices FILE (junheng template --prices "
                      "writes its template; only plan recruitment without a budget does "
                      "without)", markup=False)
            raise typer.Exit(2)
        inputs = [input, *([prices] if prices else []), *input_files(standard)]
        check_outputs(inputs, {}, {"--output": output})
        levers = {"investment": investment.INVESTMENT, "recruitment": investment.RECRUITMENT,
                  "pass": investment.INVESTMENT + investment.RECRUITMENT}[name]
        with output_run(protect=inputs) as files, progress_bar() as progress:
            task = progress.add_task(f"读取并校验 reading {escape(input.name)}…", total=None)
            profile = load_standard(standard)
            try:
                dataset = load(input)
                if projected:
                    from junheng.cli import _projected

                    dataset = _projected(dataset, profile, year, Scenario.central, progress,
                                         task).dataset(year)
                table = None if prices is None else read_prices(prices, dataset)
                rotated = None
                if name == "pass":  # rotation is free: planned first, on its own rules
                    from junheng.plan.rotation import plan_rotation

                    progress.update(task, description="交流轮岗 planning rotation…")
                    rotated = plan_rotation(dataset, profile, profile.rules("rotation"),
                                            year=year, time_limit=time_limit)
                    dataset = rotated.dataset_after
                progress.update(task, description="求解 solving…")
                plan = investment.plan_pass(dataset, profile, table, levers=levers,
                                            hire_years=hire_years, budget_wan=budget, years=years,
                                            year=year,
                                            time_limit=time_limit)
            except InputError as exc:
                progress.stop()
                print_problems(exc.problems, err)
                raise typer.Exit(2) from exc
            except PlanError as exc:
                progress.stop()
                for zh, en in exc.messages:
                    err.print(f"  {zh}", markup=False)
                    err.print(f"  {en}", markup=False)
                raise typer.Exit(1) from exc
            if rotated is not None:
                moved = rotated.moves.height
                plan.warnings.insert(0, (f"已先安排交流轮岗 {moved} 人次（见 junheng plan rotation）",
                                         f"{moved} teacher moves planned first (junheng plan "
                                         "rotation)"))
            if output is not None:
                write_pass_plan(plan, output, lang.value)
            progress.stop()
            printed(lambda: print_pass_plan(plan, out, lang.value, files=output is not None))
        printed(lambda: print_written(files))

    run.__doc__ = HELP[name]
    return run


def add_pass_commands(app: typer.Typer, out: Console, err: Console) -> None:
    for name in ("investment", "recruitment", "pass"):
        app.command(name)(command(name, out, err))
