"""``junheng plan NAME``: one runner for every planner.

Each planner's command is generated from its declaration (``junheng.plan.PLANNERS``): the
options every planner shares (input, output folder, year, standard, time limit, seed, language,
``--apply``, ``--pseudonymise``) and one option per setting of its rules that is declared for
the command line. A planner adds its rules declaration and its report, never CLI code.
"""

from __future__ import annotations

import inspect
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from junheng.cli._project import Scenario
from junheng.errors import InputError, NoPlanFound, PlanError, StandardError
from junheng.plan import PLANNERS, Planner
from junheng.standards.params import Param

# The option type of each kind of setting; a nullable number is read as text, so that
# "off" (不限) can switch it off.
_KINDS: dict[str, type] = {"int": int, "number": float, "share": float, "choice": str,
                           "ids": str, "bool": bool, "file": str}
OFF = {"off", "none", "null", "不限", "无"}


def _option(p: Param, default_rules: Any) -> inspect.Parameter:
    """The command-line option for one declared setting: its help is the declaration's words
    and the national default; its value is checked by the declaration, not by typer."""
    if p.kind not in _KINDS:
        raise TypeError(f"setting {p.name}: a {p.kind} setting cannot be a command-line option")
    shown = p.show(getattr(default_rules, p.name), "zh")
    shown_en = p.show(getattr(default_rules, p.name), "en")
    extra_zh = extra_en = ""
    if p.kind == "choice":
        extra_zh = "；可选 " + " / ".join(f"{c}（{(p.labels or {}).get(c, c)}）" for c in p.choices)
        extra_en = "; one of " + ", ".join(p.choices)
    if p.required:
        extra_zh += "；每次运行必须给出"
        extra_en += "; each run must give it"
    elif p.nullable and p.kind != "file":
        extra_zh += "；off 表示不限"
        extra_en += "; off switches it off"
    help_text = f"{p.zh}（默认 {shown}{extra_zh}）/ {p.en} (default {shown_en}{extra_en})"
    names = [p.option] if p.kind != "bool" else [f"{p.option}/{p.option.replace('--', '--no-', 1)}"]
    kind = str if p.nullable else _KINDS[p.kind]
    annotation = Annotated[kind | None, typer.Option(*names, help=help_text, show_default=False,
                                                     metavar=p.kind.upper())]
    return inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, default=None,
                             annotation=annotation)


def _value(p: Param, given: Any) -> Any:
    """The value of an option as the declaration expects it: ids from text or a file, "off"
    for a nullable setting, numbers from text (a wrong one is left for the check to name)."""
    from junheng.io import read_ids

    if p.kind == "ids":
        return read_ids(given, p.of)
    if p.kind == "file":  # read by the planner, which locates every problem in it
        return given
    if p.nullable and isinstance(given, str):
        if given.strip().lower() in OFF:
            return None
        try:
            number = float(given)
        except ValueError:
            return given
        return int(number) if p.kind == "int" and number == int(number) else number
    return given


def print_setting_problems(exc: StandardError, settings: list[Param], section: str,
                           err: Console) -> None:
    """A wrong setting, in the words of the options the user typed."""
    err.print("[bold red]设置有误 / invalid setting[/]")
    for line in exc.problems:
        head, _, rest = line.partition(": ")
        for p in settings:
            head = re.sub(rf"(?:{section}\.)?\b{p.name}\b", p.option, head)
        err.print(f"  {head}: {rest}", markup=False)


def _common() -> list[inspect.Parameter]:
    from junheng.cli import Lang

    def opt(name: str, annotation: Any, default: Any) -> inspect.Parameter:
        return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default,
                                 annotation=annotation)

    return [
        inspect.Parameter("input", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[
            Path, typer.Argument(metavar="INPUT", help="县域数据：.xlsx 或 CSV/Parquet 文件夹 / "
                                                       "county workbook or folder")]),
        opt("output", Annotated[Path | None, typer.Option(
            "-o", "--output", help="写出方案的文件夹（xlsx + json）/ folder for the plan (xlsx + "
                                   "json)")], None),
        opt("apply", Annotated[Path | None, typer.Option(
            "--apply", help="写出方案实施后的花名册（同一数据格式）/ write the roster after the "
                            "plan (same data contract)")], None),
        opt("year", Annotated[int | None, typer.Option(
            min=1900, max=2200, help="规划学年（起始年份，默认当前学年）/ school year planned "
                                     "(default: the one under way)")], None),
        opt("projected", Annotated[bool, typer.Option(
            "--projected", help="为 --year 学年的预测数据制定方案（按标准的 projection: 假设）/ plan "
                                "for school year --year as projected from the data (the "
                                "standard's projection: assumptions)")], False),
        opt("standard", Annotated[str, typer.Option(
            help="标准名称或 YAML 文件 / standard name or YAML file")], "quality-2017"),
        opt("time_limit", Annotated[float, typer.Option(
            min=1, help="每县求解时限（秒）/ solver time limit per county (s)")], 30.0),
        opt("seed", Annotated[int, typer.Option(help="随机种子（同一输入与种子得到同一方案）/ seed "
                                                     "(same input and seed, same plan)")], 0),
        opt("lang", Annotated[Lang, typer.Option(help="语言 / language")], Lang.zh),
        opt("max_cells", Annotated[int, typer.Option("--max-cells", min=1, help="每张工作表（或表）最多读取的单元格数；省级数据可调高，其余读取上限随之按比例提高 / the most cells "
             "read from one sheet or table; raise it for a province's data (the other read limits "
             "follow in proportion)")], 10_000_000),
        opt("pseudonymise", Annotated[bool, typer.Option(
            "--pseudonymise", help="输出文件中的教师编号化名 / pseudonymise teacher ids in the "
                                   "files written")], False),
    ]


def command(planner: Planner, out: Console, err: Console):  # -> Callable
    """The typer command of ``planner``."""
    settings = [p for p in planner.rules.params() if p.cli]
    defaults = planner.rules()

    def run(**kw: Any) -> None:
        from junheng import load
        from junheng.cli import input_files, print_written, printed, progress_bar
        from junheng.io import ReadLimits, write_workbook
        from junheng.io._atomic import check_outputs, output_run
        from junheng.report import COMMAND_LINE_REPORTS, print_problems
        from junheng.standards import load_standard

        write, show = COMMAND_LINE_REPORTS[planner.name]
        if kw["apply"] is not None and kw["pseudonymise"]:
            err.print("[bold red]--apply 与 --pseudonymise 不能同时使用[/]：交流后的花名册是人事数据，"
                      "必须保留真实教师编号；请分两次运行 / --apply and --pseudonymise cannot be "
                      "combined: the roster after the moves is personnel data and needs the real "
                      "teacher ids; run twice")
            raise typer.Exit(2)
        if kw["apply"] is not None and not planner.applies:
            err.print(f"[bold red]{planner.title[0]}不改变数据，没有 --apply[/]：请去掉 --apply / "
                      f"the {planner.title[1]} changes no figure of the data, so it has no "
                      "--apply; leave it out")
            raise typer.Exit(2)
        overrides = {}
        try:
            for p in settings:
                if kw[p.name] is not None:
                    overrides[p.name] = _value(p, kw[p.name])
        except InputError as exc:
            print_problems(exc.problems, err)
            raise typer.Exit(2) from exc
        # The standard's file, the id lists and the tables given as files (--keep, --groups)
        # are inputs too: no output may replace them.
        inputs = [kw["input"], *input_files(kw["standard"], *(
            kw[p.name] for p in settings if p.kind in ("ids", "file")))]
        check_outputs(inputs, {"--apply": kw["apply"]}, {"--output": kw["output"]})
        with output_run(protect=inputs) as files, progress_bar() as progress:
            task = progress.add_task(f"读取并校验 reading {escape(kw['input'].name)}…",
                                     total=None)

            def say(text: str) -> None:  # a county's name is no markup
                progress.update(task, description=escape(text))

            standard = load_standard(kw["standard"])
            try:
                rules = standard.rules(planner.name).replace(**overrides)
            except StandardError as exc:
                progress.stop()
                print_setting_problems(exc, settings, planner.rules.SECTION, err)
                raise typer.Exit(2) from exc
            try:
                dataset = load(kw["input"], limits=ReadLimits(max_cells=kw["max_cells"]))
                projection = None
                if kw["projected"]:
                    from junheng.cli import _projected

                    projection = _projected(dataset, standard, kw["year"], Scenario.central,
                                            progress, task)
                    dataset = projection.dataset(kw["year"])
                result = planner.run(dataset, standard, rules, year=kw["year"],
                                     time_limit=kw["time_limit"], seed=kw["seed"],
                                     progress=say)
                if projection is not None:  # said first, in every output of the plan
                    result.before.projected_from = projection.base_year
                    result.after.projected_from = projection.base_year
                    result.warnings[:0] = [projection.note(kw["year"], c) for c in
                                           result.before.counties.get_column("county")]
            except InputError as exc:
                progress.stop()
                print_problems(exc.problems, err)
                raise typer.Exit(2) from exc
            except PlanError as exc:
                progress.stop()
                err.print("[bold red]未找到方案 / no plan found[/]" if isinstance(exc, NoPlanFound)
                          else "[bold red]无法制定符合规则的方案 / no plan meets every rule[/]")
                for zh, en in exc.messages:
                    err.print(f"  {zh}", markup=False)
                    err.print(f"  {en}", markup=False)
                raise typer.Exit(1 if isinstance(exc, NoPlanFound) else 2) from exc
            if kw["output"] is not None:
                say("写出方案 writing the plan…")
                write(result, kw["output"], kw["lang"].value, kw["pseudonymise"])
            if kw["apply"] is not None:
                say("写出实施后的花名册 writing the roster after…")
                write_workbook(kw["apply"], result.dataset_after)
            progress.stop()
            # Printed before the files are moved into place: a failure here leaves nothing.
            printed(lambda: show(result, out, kw["lang"].value, files=kw["output"] is not None))
        printed(lambda: print_written(files))

    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        _common() + [_option(p, defaults) for p in settings])
    run.__doc__ = f"{planner.title[0]} / {planner.title[1]}"
    return run


def add_plan_commands(app: typer.Typer, out: Console, err: Console) -> None:
    for planner in PLANNERS.values():
        app.command(planner.name)(command(planner, out, err))
