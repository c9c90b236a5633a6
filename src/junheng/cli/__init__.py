"""The ``junheng`` command: a thin shell over the library functions.

Exit codes: 0 the command ran (whatever the verdict), 2 invalid input or standard, 1 otherwise.
"""

from __future__ import annotations

import os
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from junheng.io import InputError
from junheng.standards import StandardError

app = typer.Typer(
    help="junheng 均衡 — 县域义务教育优质均衡发展评估 / quality-balanced county evaluation",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
out = Console(highlight=False)
err = Console(stderr=True, highlight=False)


class Lang(StrEnum):
    zh = "zh"
    en = "en"


class Part(StrEnum):
    resources = "resources"
    government = "government"
    quality = "quality"
    recognition = "recognition"


def _progress() -> Progress:
    return Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                    console=err, transient=True, disable=not err.is_terminal)


@app.command()
def template(
    output: Annotated[Path, typer.Argument(help="写出的模板 / workbook to write")] = Path(
        "junheng-template.xlsx"),
) -> None:
    """写出官方空白填报模板 / write the official empty workbook to fill in."""
    from junheng.io import write_workbook

    write_workbook(output)
    out.print(f"已写出模板 template written: {output}")


@app.command()
def sample(
    output: Annotated[Path, typer.Option("-o", "--output",
                                         help=".xlsx 工作簿，或 CSV/Parquet 文件夹 / workbook or "
                                              "folder")] = Path("sample-county.xlsx"),
    schools: Annotated[int, typer.Option(min=1, help="每县学校数 / schools per county")] = 60,
    seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 7,
    counties: Annotated[int, typer.Option(min=1, help="县区数 / counties")] = 1,
) -> None:
    """生成示例县数据（可复现）/ generate a reproducible sample county."""
    from junheng.io import write_sample

    with _progress() as progress:
        progress.add_task("生成示例数据 generating sample…", total=None)
        write_sample(output, schools=schools, seed=seed, counties=counties)
    out.print(f"已写出示例数据 sample written: {output}  (schools={schools}, seed={seed}, "
              f"counties={counties})")


@app.command()
def evaluate(
    input: Annotated[Path, typer.Argument(help="县域数据：.xlsx 或 CSV/Parquet 文件夹 / workbook "
                                               "or folder")],
    standard: Annotated[str, typer.Option(help="标准名称或 YAML 文件 / standard name or YAML "
                                               "file")] = "quality-2017",
    json_path: Annotated[Path | None, typer.Option("--json", help="写出 JSON 结果 / write the "
                                                                   "JSON result")] = None,
    report: Annotated[Path | None, typer.Option(
        "--report", help="在此文件夹写出 JSON、Excel、HTML 报告和 Word 自评报告草稿（按 --lang 的语言）"
                         " / write the JSON, Excel, HTML and Word reports into this folder "
                         "(in the --lang language)")] = None,
    lang: Annotated[Lang, typer.Option(help="语言 / language")] = Lang.zh,
    all_errors: Annotated[bool, typer.Option("--all-errors", help="显示全部输入问题 / show "
                                                                  "every input problem")] = False,
    max_schools: Annotated[int, typer.Option(help="每县最多列出的未达标学校 / failing schools "
                                                  "listed per county")] = 40,
    part: Annotated[Part | None, typer.Option(help="只显示一个部分的详情 / show the details of "
                                                   "one part only")] = None,
    year: Annotated[int | None, typer.Option(min=1900, max=2200,
                                             help="评估学年（起始年份，默认取交流轮岗记录的最新学年）/ "
                                                  "school year evaluated, by its starting year "
                                                  "(default: the latest in rotations)")] = None,
) -> None:
    """按标准评估县域（四个部分与一票否决）/ evaluate the county against the whole standard."""
    from junheng import evaluate as run_evaluation
    from junheng import load
    from junheng.report import print_evaluation, print_problems, write_reports
    from junheng.standards import load_standard

    with _progress() as progress:
        task = progress.add_task("读取标准 loading standard…", total=None)
        profile = load_standard(standard)
        progress.update(task, description=f"读取并校验 reading and validating {input.name}…")
        try:
            dataset = load(input)
        except InputError as exc:
            progress.stop()
            print_problems(exc.problems, err, limit=None if all_errors else 200)
            raise typer.Exit(2) from exc
        progress.update(task, description="评估 evaluating…")
        try:
            result = run_evaluation(dataset, profile, year=year)
        except InputError as exc:  # data this standard needs (basic-2012: books, computers)
            progress.stop()
            print_problems(exc.problems, err, limit=None if all_errors else 200)
            raise typer.Exit(2) from exc
        if json_path is not None:
            progress.update(task, description="写出 JSON writing JSON…")
            result.write_json(json_path)
        written = [] if report is None else write_reports(
            result, report, lang.value,
            on_step=lambda text: progress.update(task, description=text))
    print_evaluation(result, out, lang.value, max_schools=max_schools,
                     part=None if part is None else part.value)
    if json_path is not None:
        out.print(f"\n已写出 JSON written: {json_path}")
    if written:
        out.print("\n已写出报告 reports written:")
        for path in written:
            out.print(f"  {path}", markup=False)


plan_app = typer.Typer(help="规划 / plans that close the gaps", no_args_is_help=True)
app.add_typer(plan_app, name="plan")


def _ids(text: str | None) -> tuple[str, ...] | None:
    """Ids given inline ("A,B") or as a file: a .csv/.xlsx with a teacher_id (教师编号) or
    school_id (学校标识码) column, or a text file of one id per line."""
    if text is None:
        return None
    path = Path(text)
    if path.is_file():
        import polars as pl

        if path.suffix.lower() in (".csv", ".xlsx"):
            frame = (pl.read_csv(path, infer_schema=False) if path.suffix.lower() == ".csv"
                     else pl.read_excel(path, infer_schema_length=0))
            names = ("teacher_id", "教师编号", "school_id", "学校标识码")
            column = next((c for c in frame.columns if c.strip() in names), frame.columns[0])
            return tuple(str(v).strip() for v in frame.get_column(column).drop_nulls())
        return tuple(line.strip() for line in path.read_text(encoding="utf-8").splitlines()
                     if line.strip())
    return tuple(i.strip() for i in text.split(",") if i.strip())


@plan_app.command("rotation")
def plan_rotation_command(
    input: Annotated[Path, typer.Argument(help="县域数据 / county workbook or folder")],
    output: Annotated[Path | None, typer.Option("-o", "--output", help="写出方案的文件夹 / "
                                                "folder for the plan (xlsx + json)")] = None,
    apply: Annotated[Path | None, typer.Option("--apply", help="写出交流后的花名册（同一数据格式）"
                                               " / write the roster after the moves")] = None,
    year: Annotated[int | None, typer.Option(min=1900, max=2200, help="交流学年 / school year "
                                             "(default: the one under way)")] = None,
    standard: Annotated[str, typer.Option(help="标准 / standard")] = "quality-2017",
    share: Annotated[float | None, typer.Option(min=0, max=1, help="交流比例 / share of the "
                                                "eligible (default 0.10)")] = None,
    backbone_share: Annotated[float | None, typer.Option(min=0, max=1, help="骨干教师比例 / "
                                                         "backbone share of the moved")] = None,
    tenure: Annotated[int | None, typer.Option(min=0, max=40, help="任教满几年可交流 / years at "
                                               "the school before rotating (default 6)")] = None,
    max_km: Annotated[float | None, typer.Option(min=0.001, help="最远距离 km / longest "
                                                 "move")] = None,
    max_share: Annotated[float | None, typer.Option(min=0.001, max=1, help="每校交流上限 / "
                                                   "cap per school")] = None,
    scope: Annotated[str | None, typer.Option(help="school：每所派出学校达比例；county：全县达比例 "
                                              "/ shares per sending school or county")] = None,
    quality_schools: Annotated[str | None, typer.Option(help="优质学校（逗号分隔的学校标识码）"
                                                        " / quality schools (ids)")] = None,
    weak_schools: Annotated[str | None, typer.Option(help="薄弱学校 / weak schools (ids)")] = None,
    exempt: Annotated[str | None, typer.Option(help="不参加交流的教师（健康、家庭等）：逗号分隔的编号，"
                                               "或含「教师编号」列的 CSV/xlsx 文件 / exempt "
                                               "teachers: ids, or a CSV/xlsx with a teacher_id "
                                               "column")] = None,
    pseudonymise: Annotated[bool, typer.Option("--pseudonymise", help="教师编号化名 / "
                                               "pseudonymise teacher ids")] = False,
    time_limit: Annotated[float, typer.Option(min=1, help="求解时限（秒）/ solver time "
                                              "limit (s)")] = 30.0,
    seed: Annotated[int, typer.Option(help="随机种子 / seed")] = 0,
    lang: Annotated[Lang, typer.Option(help="语言 / language")] = Lang.zh,
) -> None:
    """教师交流轮岗方案 / this year's teacher rotation list, before and after."""
    from junheng import load
    from junheng.io import write_workbook
    from junheng.plan import InfeasiblePlan, plan_rotation
    from junheng.report import print_problems
    from junheng.report._plan import print_rotation_plan, write_rotation_plan

    if scope is not None and scope not in ("school", "county"):
        err.print("--scope 应为 school 或 county / must be school or county")
        raise typer.Exit(2)
    with _progress() as progress:
        task = progress.add_task(f"读取并校验 reading {input.name}…", total=None)
        try:
            dataset = load(input)
        except InputError as exc:
            progress.stop()
            print_problems(exc.problems, err)
            raise typer.Exit(2) from exc
        progress.update(task, description="求解 solving (HiGHS)…")
        try:
            plan = plan_rotation(
                dataset, standard, year=year, time_limit=time_limit, seed=seed, share=share,
                backbone_share=backbone_share, tenure_years=tenure, max_km=max_km,
                max_share=max_share, scope=scope, quality_schools=_ids(quality_schools),
                weak_schools=_ids(weak_schools), exempt_teachers=_ids(exempt))
        except InfeasiblePlan as exc:
            progress.stop()
            err.print("[bold red]无法制定符合规则的方案 / no plan meets every rule[/]")
            for zh, en in exc.messages:
                err.print(f"  {zh}", markup=False)
                err.print(f"  {en}", markup=False)
            raise typer.Exit(2) from exc
        written = []
        if output is not None:
            progress.update(task, description="写出方案 writing the plan…")
            written += write_rotation_plan(plan, output, lang.value, pseudonymise)
        if apply is not None:
            progress.update(task, description="写出交流后的花名册 writing the roster after…")
            written.append(write_workbook(apply, plan.dataset_after))
    print_rotation_plan(plan, out, lang.value)
    for path in written:
        out.print(f"已写出 written: {path}", markup=False)


@app.command()
def standards(
    name: Annotated[str | None, typer.Argument(help="要显示的标准名称或 YAML 文件 / the standard "
                                                    "to show")] = None,
    lang: Annotated[Lang, typer.Option(help="语言 / language")] = Lang.zh,
) -> None:
    """列出可用的评估标准，或以表格显示其中一个 / list the standards, or show one as tables."""
    from junheng.report import print_standard, print_standards

    if name is None:
        print_standards(out, lang.value)
    else:
        print_standard(name, out, lang.value)


def main() -> None:
    """Entry point: run the app, turning known failures into clear messages and exit codes."""
    try:
        # Without standalone mode click returns typer.Exit's code instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except StandardError as exc:
        err.print("[bold red]标准有误 / invalid standard[/]")
        for line in exc.problems:
            err.print(f"  {line}", markup=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("已取消 / aborted")
        sys.exit(1)
    except Exception as exc:  # the click usage errors and anything unexpected
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        if os.environ.get("JUNHENG_DEBUG"):
            raise
        err.print(f"[bold red]出错了 / error:[/] {type(exc).__name__}: {exc}", markup=True)
        err.print("设置 JUNHENG_DEBUG=1 可查看详细信息 / set JUNHENG_DEBUG=1 for the traceback")
        sys.exit(1)
