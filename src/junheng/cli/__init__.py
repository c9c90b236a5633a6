"""The ``junheng`` command: a thin shell over the library functions.

Exit codes: 0 the command ran (whatever the verdict); 2 invalid input, standard, setting, output
path or usage; 1 a fault while running (the disk full, no permission, no plan within the time
limit, …); 130 interrupted. Every failure is one bilingual message, never a traceback, and a run
that fails writes nothing.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from junheng.cli._project import Scenario
from junheng.errors import InputError, OutputError, StandardError
from junheng.io._atomic import OutputRun, check_outputs, output_run, shown_path
from junheng.report._console import SafeConsole

app = typer.Typer(
    help="junheng 均衡 — 县域义务教育优质均衡发展评估 / quality-balanced county evaluation",
    no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
)
# Text from the input reaches these consoles: they strip control characters (report/_console.py).
out = SafeConsole()
err = SafeConsole(stderr=True)


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


FORCE_HELP = "覆盖已有的文件 / replace an existing file"


def refuse_existing(option: str, path: Path, force: bool) -> None:
    """A template or a sample written over a county's filled-in workbook would lose it."""
    if force or not path.exists() or (path.is_dir() and not any(path.iterdir())):
        return
    raise OutputError([(f"{option} {path}：已存在；为免覆盖已填写的数据，未写出（确需覆盖请加 --force）",
                        f"{option} {path}: already exists; not replaced, so that filled-in data "
                        "is not lost (add --force to replace it)")])


@app.command()
def template(
    output: Annotated[Path, typer.Argument(help="写出的模板 / workbook to write")] = Path(
        "junheng-template.xlsx"),
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    prices: Annotated[bool, typer.Option(
        "--prices", help="写出单价表模板（供 plan investment / recruitment / pass 的 --prices）/ "
                         "write the price table's template instead")] = False,
) -> None:
    """写出官方空白填报模板 / write the official empty workbook to fill in."""
    from junheng.io import write_workbook
    from junheng.plan.investment import write_prices_template

    check_outputs([], {"OUTPUT": output}, {})
    refuse_existing("OUTPUT", output, force)
    with output_run():
        (write_prices_template if prices else write_workbook)(output)
    out.print(f"已写出{'单价表' if prices else ''}模板 template written: {output}", markup=False)


@app.command()
def sample(
    output: Annotated[Path, typer.Option("-o", "--output",
                                         help=".xlsx 工作簿，或 CSV/Parquet 文件夹 / workbook or "
                                              "folder")] = Path("sample-county.xlsx"),
    schools: Annotated[int, typer.Option(min=1, help="每县学校数 / schools per county")] = 60,
    seed: Annotated[int, typer.Option(help="随机种子 / random seed")] = 7,
    counties: Annotated[int, typer.Option(min=1, help="县区数 / counties")] = 1,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
    prices: Annotated[Path | None, typer.Option(
        "--prices", help="同时写出虚构的演示单价表（供 plan pass 试用；不是任何地区的实际价格）/ also "
                         "write a made-up demo price table")] = None,
) -> None:
    """生成示例县数据（可复现）/ generate a reproducible sample county."""
    from junheng.io import write_sample
    from junheng.plan.investment import write_prices_template

    is_folder = output.suffix.lower() not in (".xlsx", ".xlsm")
    files = {} if is_folder else {"--output": output}
    if prices is not None:
        files["--prices"] = prices
    check_outputs([], files, {"--output": output} if is_folder else {})
    refuse_existing("--output", output, force)
    if prices is not None:
        refuse_existing("--prices", prices, force)
    with progress_bar() as progress:
        progress.add_task("生成示例数据 generating sample…", total=None)
        with output_run():
            write_sample(output, schools=schools, seed=seed, counties=counties)
            if prices is not None:
                write_prices_template(prices, demo=True)
    out.print(f"已写出示例数据 sample written: {output}  (schools={schools}, seed={seed}, "
              f"counties={counties})", markup=False)
    if prices is not None:
        out.print(f"已写出演示单价表 demo prices written: {prices}（虚构，仅供演示 made up）",
                  markup=False)


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
    max_cells: Annotated[int, typer.Option("--max-cells", min=1, help="每张工作表（或表）最多读取的单元格数；省级数据可调高，其余读取上限随之按比例提高 / the most cells "
         "read from one sheet or table; raise it for a province's data (the other read limits "
         "follow in proportion)")] = 10_000_000,
    projected: Annotated[bool, typer.Option(
        "--projected", help="评估 --year 学年的预测数据（按标准的 projection: 假设由当前数据推算）/ "
                            "evaluate school year --year as projected from the data (the "
                            "standard's projection: assumptions)")] = False,
    scenario: Annotated[Scenario, typer.Option(help="与 --projected 同用 / with --projected: "
                                                    "low-births, central or high-births")]
    = Scenario.central,
) -> None:
    """按标准评估县域（四个部分与一票否决）/ evaluate the county against the whole standard."""
    from junheng import evaluate as run_evaluation
    from junheng import load
    from junheng.io import ReadLimits
    from junheng.report import print_evaluation, print_problems, write_reports
    from junheng.standards import load_standard

    inputs = [input, *input_files(standard)]  # no output may replace any of them
    check_outputs(inputs, {"--json": json_path}, {"--report": report})
    with output_run(protect=inputs) as run:
        with progress_bar() as progress:
            task = progress.add_task("读取标准 loading standard…", total=None)
            profile = load_standard(standard)
            progress.update(task, description="读取并校验 reading and validating "
                                              f"{escape(input.name)}…")
            try:
                dataset = load(input, limits=ReadLimits(max_cells=max_cells))
            except InputError as exc:
                progress.stop()
                print_problems(exc.problems, err, limit=None if all_errors else 200)
                raise typer.Exit(2) from exc
            projection = (_projected(dataset, profile, year, scenario, progress, task)
                          if projected else None)
            progress.update(task, description="评估 evaluating…")
            try:
                result = (run_evaluation(dataset, profile, year=year) if projection is None
                          else projection.evaluate(year, profile))
            except InputError as exc:  # data this standard needs (basic-2012: books, computers)
                progress.stop()
                print_problems(exc.problems, err, limit=None if all_errors else 200)
                raise typer.Exit(2) from exc
            if json_path is not None:
                progress.update(task, description="写出 JSON writing JSON…")
                result.write_json(json_path)
            if report is not None:
                write_reports(result, report, lang.value,
                              on_step=lambda text: progress.update(task, description=text))
        # Printed before the files are moved into place: a failure here leaves nothing written.
        printed(lambda: print_evaluation(result, out, lang.value, max_schools=max_schools,
                                         part=None if part is None else part.value))
    printed(lambda: print_written(run))


# junheng project: its options generated from the profile's projection: section (cli/_project.py).
from junheng.cli._project import command as _project_command  # noqa: E402

app.command("project")(_project_command(out, err))


def _projected(dataset, profile, year: int | None, scenario: Scenario, progress, task):
    """``evaluate --projected``: the projection from the data's school year to ``year``, whose
    ``evaluate(year)`` notes in every report that the figures are projected."""
    from junheng.cli._project import assumptions, run_projection
    from junheng.model.calendar import default_year

    base = default_year(dataset)
    if year is None or year <= base:
        progress.stop()
        err.print(f"[bold red]--projected 需要晚于数据学年 {base} 的 --year[/] / --projected needs "
                  f"a --year after the data's school year {base}, e.g. --year {base + 3}")
        raise typer.Exit(2)
    progress.update(task, description=f"预测 projecting {base} → {year}…")
    rules = assumptions(profile, {}, err)
    return run_projection(dataset, profile, year - base, scenario, rules, None, err, progress)


def input_files(*given: str | Path | None) -> list[Path]:
    """The files among ``given`` (a standard given by file name, id lists): inputs too."""
    return [Path(g) for g in given if g is not None and Path(g).is_file()]


def printed(show: Callable[[], None]) -> None:
    """Print; a reader who closed the pipe (``| head``) does not make the run fail (the
    consoles stop printing quietly, see ``SafeConsole.on_broken_pipe``)."""
    try:
        show()
        out.file.flush()
    except BrokenPipeError:
        out.on_broken_pipe()


MAX_LISTED = 5  # files listed one by one in a subfolder of a run (a page per school beyond)


def print_written(run: OutputRun) -> None:
    """The files of a committed run, and what became of the previous run's files."""
    if run.written:
        out.print("\n已写出 written:")
        by_folder: dict[Path, list[Path]] = {}
        for path in run.written:
            by_folder.setdefault(Path(path).parent, []).append(Path(path))
        first = Path(run.written[0]).parent
        for folder, paths in by_folder.items():
            if folder != first and len(paths) > MAX_LISTED:  # one school's page each
                out.print(f"  {folder}{os.sep}（{len(paths):,} 个文件 files）", markup=False)
                continue
            for path in paths:
                out.print(f"  {path}", markup=False)
    for path in run.removed:
        out.print(f"已删除上次同类运行的文件 removed, from the previous run of this kind: {path}",
                  markup=False)
    for path in run.kept:
        err.print(f"上次运行的文件已被修改，予以保留 kept, changed since the previous run: {path}",
                  markup=False, style="yellow")


plan_app = typer.Typer(help="规划 / plans that close the gaps", no_args_is_help=True)
app.add_typer(plan_app, name="plan")
# One command per planner, generated from its declaration (cli/_plan.py).
from junheng.cli._plan import add_plan_commands  # noqa: E402  (needs Lang, defined above)

add_plan_commands(plan_app, out, err)
# The least-cost path to pass: investment, recruitment, and both after rotation (cli/_pass.py).
from junheng.cli._pass import add_pass_commands  # noqa: E402

add_pass_commands(plan_app, out, err)

from junheng.cli._serve import add_serve_command  # noqa: E402

add_serve_command(app, out, err)


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


# Bilingual words for the file-system faults a user can meet (the rest: the system's own text).
_OS_FAULTS = {
    errno.ENOSPC: ("磁盘空间不足", "no space left on the disk"),
    errno.EDQUOT: ("超出磁盘配额", "disk quota exceeded"),
    errno.EFBIG: ("文件超过系统允许的大小", "file too large for the system's limit"),
    errno.EACCES: ("没有权限", "permission denied"),
    errno.EPERM: ("没有权限", "operation not permitted"),
    errno.EROFS: ("只读文件系统", "read-only file system"),
    errno.EISDIR: ("这是一个文件夹", "is a folder"),
    errno.ENOTDIR: ("路径中有一段不是文件夹", "a part of the path is not a folder"),
    errno.ENOENT: ("文件或文件夹不存在", "no such file or folder"),
    errno.ENAMETOOLONG: ("文件名过长", "file name too long"),
    errno.EIO: ("读写设备出错", "input/output error"),
    errno.EMFILE: ("打开的文件过多", "too many open files"),
}


def _os_error(exc: BaseException) -> OSError | None:
    """The file-system error behind ``exc``: itself, or one a writer wrapped (xlsxwriter raises
    FileCreateError around the OSError of a full disk)."""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, OSError):
            return e
        todo += [e.__cause__, e.__context__, *(a for a in e.args if isinstance(a, BaseException))]
    return None


def _quiet_os_errors(unraisable: sys.UnraisableHookArgs) -> None:
    if not isinstance(unraisable.exc_value, OSError):
        sys.__unraisablehook__(unraisable)


def _say(zh: str, en: str) -> None:
    """One bilingual error line; never markup (paths and values may hold brackets)."""
    err.print(f"{zh} / {en}", style="bold red", markup=False, soft_wrap=True)


def main() -> None:
    """Entry point: run the app, turning every failure into one bilingual message and its exit
    code (see the module docstring). JUNHENG_DEBUG=1 re-raises unexpected errors."""
    try:
        # Without standalone mode the parser returns typer.Exit's code instead of exiting.
        code = app(standalone_mode=False)
        if isinstance(code, int) and code:
            sys.exit(code)
    except StandardError as exc:
        _say("标准或设置有误", "invalid standard or setting")
        for line in exc.problems:
            err.print(f"  {line}", markup=False, soft_wrap=True)
        sys.exit(2)
    except OutputError as exc:
        _say("输出路径有误，未写出任何文件", "invalid output path; nothing was written")
        for zh, en in exc.messages:
            err.print(f"  {zh}\n  {en}", markup=False, soft_wrap=True)  # paths kept whole
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _say("已取消，未写出任何文件", "interrupted; nothing was written")
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors: an unknown option, a bad value
        if type(exc).__name__ != "NoArgsIsHelpError":
            err.print("命令用法有误，见 --help / usage error, see --help", markup=False)
        exc.show()  # type: ignore[attr-defined]
        sys.exit(getattr(exc, "exit_code", 2))
    except MemoryError:
        _say("内存不足，未写出任何文件；可分县区运行", "out of memory; nothing was written; "
             "try one county at a time")
        sys.exit(1)
    except BaseException as exc:  # anything unexpected, a Rust panic from a reader included
        if isinstance(exc, SystemExit):
            raise
        if os.environ.get("JUNHENG_DEBUG"):
            raise
        fault = _os_error(exc)
        if fault is not None:  # the disk, permissions, a path: after the checks, while writing
            zh, en = _OS_FAULTS.get(fault.errno or 0, ("读写文件出错", fault.strerror or str(fault)))
            where = f" {shown_path(fault.filename)}" if fault.filename else ""
            _say(f"无法完成{where}（{zh}），未写出任何文件",
                 f"could not finish{where} ({en}); nothing was written")
            # A writer's half-closed archive retries its write when it is collected and fails
            # the same way: that is the fault just reported, not a second one to print.
            sys.unraisablehook = _quiet_os_errors
            sys.exit(1)
        _say(f"出错了：{type(exc).__name__}: {exc}，未写出任何文件",
             f"error: {type(exc).__name__}: {exc}; nothing was written")
        err.print("设置 JUNHENG_DEBUG=1 可查看详细信息 / set JUNHENG_DEBUG=1 for the traceback",
                  markup=False)
        sys.exit(1)
