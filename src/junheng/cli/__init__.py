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

from junheng.errors import InputError, StandardError

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


def progress_bar() -> Progress:
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

    with progress_bar() as progress:
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

    with progress_bar() as progress:
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
# One command per planner, generated from its declaration (cli/_plan.py).
from junheng.cli._plan import add_plan_commands  # noqa: E402  (needs Lang, defined above)

add_plan_commands(plan_app, out, err)


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
        err.print("[bold red]标准或设置有误 / invalid standard or setting[/]")
        for line in exc.problems:
            err.print(f"  {line}", markup=False)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        err.print("已取消 / aborted")
        sys.exit(1)
    except typer.TyperException as exc:  # usage errors (an unknown option, a bad value)
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
    except Exception as exc:  # anything unexpected
        if os.environ.get("JUNHENG_DEBUG"):
            raise
        err.print(f"[bold red]出错了 / error:[/] {type(exc).__name__}: {exc}", markup=True)
        err.print("设置 JUNHENG_DEBUG=1 可查看详细信息 / set JUNHENG_DEBUG=1 for the traceback")
        sys.exit(1)
