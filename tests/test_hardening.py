"""Every fault ends in one bilingual message and its exit code, and a run writes all its files or
none (issue 12): the installed command in a subprocess for each kind of failure, hostile names
through every writer, outputs that may not replace the input."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import resource
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import openpyxl
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

import junheng
from conftest import passing_teachers, school_row, stage_row
from junheng.report import print_evaluation, print_problems, write_reports
from junheng.report._console import SafeConsole

CLI = shutil.which("junheng", path=str(Path(sys.executable).parent)) or "junheng"
MANIFEST = ".junheng-manifest.json"
ESC = "\x1b"


def run(*args: str, preexec=None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """The installed ``junheng`` command, as a user runs it (no terminal: no styling)."""
    done = subprocess.run([CLI, *args], capture_output=True, text=True, preexec_fn=preexec,
                          cwd=cwd, env={**os.environ, "COLUMNS": "100"}, timeout=300)
    assert "Traceback" not in done.stdout + done.stderr, done.stderr
    return done


def county_tables(county: str = "测试县", names: tuple[str, ...] = ("学校A", "学校B")) -> dict:
    schools, stages, staff = [], [], []
    for i, name in enumerate(names):
        sid = f"S{i + 1}"
        schools.append(school_row(sid, county=county, name=name))
        stages.append(stage_row(sid, "primary", 100 + 50 * i))
        staff += passing_teachers(sid, "primary", 100 + 50 * i)
    return {"schools": schools, "stages": stages, "teachers": staff}


def write_parquets(folder: Path, tables: dict) -> Path:
    """Parquet keeps every character as given (a workbook cannot hold a NUL)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        cols = list(dict.fromkeys(k for r in rows for k in r))
        pl.DataFrame({c: [None if r.get(c) is None else str(r[c]) for r in rows]
                      for c in cols}).write_parquet(folder / f"{name}.parquet")
    return folder


@pytest.fixture
def county(xlsx):
    return xlsx(**county_tables())


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


PAGES = "学校达标情况表"  # the folder of one page per school, beside the four report files


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (the school pages' folder too) but the manifests."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and p.name != MANIFEST}


# -- every kind of failure: one bilingual message, the documented exit code, nothing written ---

def test_usage_errors_exit_2_with_a_chinese_line(county):
    for args in (["evaluate", str(county), "--bogus"], ["evaluate", str(county), "--lang", "fr"],
                 ["evaluate"], ["plan", "rotation", str(county), "--share", "x"]):
        done = run(*args)
        assert done.returncode == 2, args
        assert "命令用法有误" in done.stderr or "设置有误" in done.stderr, args


def test_an_output_that_is_the_input_is_refused_and_the_input_kept(county, tmp_path):
    before = digest(county)
    for args in (["evaluate", str(county), "--json", str(county)],
                 ["evaluate", str(county), "--report", str(county)],
                 ["plan", "rotation", str(county), "--apply", str(county)],
                 ["plan", "rotation", str(county), "-o", str(county)]):
        done = run(*args)
        assert done.returncode == 2, args
        assert "会覆盖输入数据" in done.stderr and "would overwrite the input" in done.stderr
    assert digest(county) == before


def test_an_output_inside_an_input_folder_is_refused(tmp_path):
    folder = write_parquets(tmp_path / "in", county_tables())
    before = visible(folder)
    done = run("evaluate", str(folder), "--report", str(folder / "out"))
    assert done.returncode == 2 and "inside the input folder" in done.stderr
    assert visible(folder) == before


def test_a_folder_given_for_a_file_and_a_file_in_the_path(county, tmp_path):
    (tmp_path / "taken").mkdir()
    done = run("evaluate", str(county), "--json", str(tmp_path / "taken"),
               "--report", str(county.parent / county.name / "x"))
    assert done.returncode == 2
    # both problems at once, each naming its option
    assert "--json" in done.stderr and "是一个文件夹" in done.stderr
    assert "--report" in done.stderr and "is a file, not a folder" in done.stderr
    assert visible(tmp_path / "taken") == []


def test_a_read_only_folder(county, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    if os.access(locked, os.W_OK):
        pytest.skip("running as root: a read-only folder is writable (see the next test)")
    done = run("evaluate", str(county), "--report", str(locked / "out"))
    assert done.returncode == 2
    assert "没有写入" in done.stderr and "no permission to write" in done.stderr
    assert visible(locked) == []


def test_permission_denied_while_writing(county, tmp_path, monkeypatch, capsys):
    """The fault after the checks (the folder locked meanwhile): exit 1, one line, nothing."""
    import junheng.io._atomic as atomic
    from junheng.cli import main

    def denied(src, dst):
        raise PermissionError(13, "Permission denied", str(src))  # the system names our temp

    monkeypatch.setattr(atomic.os, "replace", denied)
    monkeypatch.setattr(sys, "argv", ["junheng", "evaluate", str(county), "--report",
                                      str(tmp_path / "out")])
    with pytest.raises(SystemExit) as exit_:
        main()
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert "没有权限" in err and "permission denied" in err and "Traceback" not in err
    assert "out/evaluation.json" in err and "junheng-tmp" not in err  # the file asked for
    assert visible(tmp_path / "out") == []


def test_disk_full_while_writing_leaves_nothing(county, tmp_path):
    # A file-size limit makes the writes fail as a full disk does (Python ignores SIGXFSZ).
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (50_000, 50_000))

    out = tmp_path / "out"
    done = run("evaluate", str(county), "--report", str(out), "--json",
               str(tmp_path / "r.json"), preexec=small_files)
    assert done.returncode == 1
    assert "未写出任何文件" in done.stderr and "nothing was written" in done.stderr
    assert visible(tmp_path) == [county.name]
    assert not out.exists() and not (tmp_path / "r.json").exists()
    assert [p for p in tmp_path.rglob("*junheng-tmp*")] == []


def test_markup_and_controls_in_paths_and_names_never_break_the_printer(tmp_path):
    done = run("evaluate", "没有[/]这个.xlsx", cwd=tmp_path)
    assert done.returncode == 2 and "没有[/]这个.xlsx" in done.stderr
    folder = write_parquets(tmp_path / "in", county_tables(
        county="示例县[/]\x1b]0;pwned\x07", names=("[link=http://x.example]点我[/link]",
                                                   "学\x00校\u202e", "=cmd|' /C calc'!A0")))
    out = tmp_path / "out"
    done = run("evaluate", str(folder), "--json", str(tmp_path / "r.json"), "--report", str(out))
    assert done.returncode == 0, done.stderr
    assert ESC not in done.stdout + done.stderr  # no terminal: any escape would be the input's
    assert "\x00" not in done.stdout and "\u202e" not in done.stdout
    assert "[link=http://x.example]点我[/link]" in done.stdout  # shown as typed, not a link
    assert "示例县[/]]0;pwned" in done.stdout
    assert len([p for p in visible(out) if not p.startswith(".")]) == 5  # 4 files + PAGES
    draft = next(p for p in out.iterdir() if p.suffix == ".docx")
    assert "\u202e" not in draft.name and "\x07" not in draft.name and "/" not in draft.name


def test_plan_paths_with_markup(county, tmp_path):
    out = tmp_path / "方案[/]"
    done = run("plan", "rotation", str(county), "-o", str(out), "--time-limit", "5")
    assert done.returncode == 0, done.stderr
    assert str(out / "交流轮岗方案.xlsx") in done.stdout
    assert visible(out) == sorted([MANIFEST, "rotation-plan.json", "交流轮岗方案.xlsx"])


# -- all or nothing, and one run's files only --------------------------------------------------

@pytest.fixture
def result(county):
    return junheng.evaluate(junheng.load(county))


def test_a_failing_writer_leaves_no_report(result, tmp_path, monkeypatch):
    import junheng.report._files as files

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files, "write_word", broken)
    with pytest.raises(OSError):
        write_reports(result, tmp_path / "out")
    assert not (tmp_path / "out").exists()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "mine.txt").write_text("a user's own file")
    with pytest.raises(OSError):
        write_reports(result, tmp_path / "kept")
    assert visible(tmp_path / "kept") == ["mine.txt"]


def test_a_rerun_for_another_county_replaces_the_previous_files(xlsx, tmp_path):
    out = tmp_path / "out"
    first = junheng.evaluate(junheng.load(xlsx(**county_tables(county="甲县"))))
    write_reports(first, out)
    (out / "mine.txt").write_text("a user's own file")
    second = junheng.evaluate(junheng.load(xlsx(**county_tables(county="乙县"))))
    write_reports(second, out)
    assert visible(out) == sorted([MANIFEST, "evaluation.json", "mine.txt", "自评报告-乙县.docx",
                                   "评估报告.html", "评估结果.xlsx", PAGES])
    # 甲县's school pages went with its draft: only 乙县's schools have one now
    assert sorted(p.name for p in (out / PAGES).iterdir() if p.name != MANIFEST) == sorted(
        p.name for p in write_reports(second, tmp_path / "again")[4:])


def test_an_edited_draft_and_another_commands_files_survive_a_rerun(result, county,
                                                                     tmp_path):
    out = tmp_path / "out"
    write_reports(result, out)
    draft = out / "自评报告-测试县.docx"
    with draft.open("ab") as f:
        f.write(b"edited by the bureau")  # changed since the run wrote it
    other = junheng.evaluate(junheng.load(county_tables_file(tmp_path, "乙县")))
    write_reports(other, out)  # another county, same kind of run
    assert draft.exists() and draft.read_bytes().endswith(b"edited by the bureau")
    write_reports(other, out, "en")  # another language: another kind, the Chinese files stay
    done = run("plan", "rotation", str(county), "-o", str(out), "--time-limit", "5")
    assert done.returncode == 0, done.stderr
    assert {"评估结果.xlsx", "评估报告.html", "自评报告-乙县.docx", "evaluation.xlsx",
            "交流轮岗方案.xlsx"} <= set(visible(out))


def county_tables_file(tmp_path: Path, county: str) -> Path:
    return write_parquets(tmp_path / f"in-{county}", county_tables(county=county))


def test_a_failed_move_puts_back_the_files_already_replaced(result, tmp_path, monkeypatch):
    import junheng.io._atomic as atomic

    out = tmp_path / "out"
    write_reports(result, out)
    before = files_under(out)
    real, calls = os.replace, []

    def second_fails(src, dst):
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(28, "No space left on device", str(dst))
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", second_fails)
    changed = result.__class__(**{**result.__dict__, "year": result.year + 1})
    with pytest.raises(OSError):
        write_reports(changed, out)
    monkeypatch.undo()
    assert files_under(out) == before
    assert [p for p in out.rglob("*") if "junheng-tmp" in p.name] == []


def test_a_folder_in_the_way_is_found_before_anything_moves(county, tmp_path):
    out = tmp_path / "out"
    (out / "评估结果.xlsx").mkdir(parents=True)
    (out / "evaluation.json").write_text("old")
    done = run("evaluate", str(county), "--report", str(out))
    assert done.returncode == 1 and "nothing was written" in done.stderr
    assert (out / "evaluation.json").read_text() == "old"


def test_a_standard_file_or_an_id_list_is_an_input_too(county, tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_text("extends: quality-2017\n", encoding="utf-8")
    done = run("evaluate", str(county), "--standard", str(profile), "--json", str(profile))
    assert done.returncode == 2 and "would overwrite the input" in done.stderr
    ids = tmp_path / "exempt.csv"
    ids.write_text("teacher_id\n", encoding="utf-8")
    done = run("plan", "rotation", str(county), "--exempt", str(ids), "--apply", str(ids))
    assert done.returncode == 2 and "would overwrite the input" in done.stderr
    assert profile.read_text(encoding="utf-8") == "extends: quality-2017\n"


def test_a_closed_pipe_is_not_a_failure(county, tmp_path):
    out = tmp_path / "out"
    done = subprocess.run(f"'{CLI}' evaluate '{county}' --report '{out}' | head -1", shell=True,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr and "Exception" not in done.stderr, done.stderr
    assert len([p for p in visible(out) if not p.startswith(".")]) == 5  # 4 files + PAGES


def test_a_hostile_manifest_deletes_nothing_outside(result, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    entries = [{"name": n, "size": 7, "mtime_ns": victim.stat().st_mtime_ns}
               for n in ("../victim.txt", str(victim), "..")]
    (out / MANIFEST).write_text(json.dumps({"runs": {"evaluate-zh": entries}}))
    write_reports(result, out)
    assert victim.read_text() == "keep me"


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_reports_respect_the_umask(result, tmp_path, mask):
    old = os.umask(mask)
    try:
        paths = write_reports(result, tmp_path / f"out{mask:o}")
    finally:
        os.umask(old)
    for p in paths:
        assert stat.S_IMODE(p.stat().st_mode) == 0o666 & ~mask, p.name


def test_long_and_colliding_county_names_give_distinct_short_file_names(xlsx, tmp_path):
    long = "县" * 300
    tables = county_tables(county=long)
    for name, county in (("S8", "城区/新区"), ("S9", "城区_新区")):
        more = county_tables(county=county, names=(f"学校{name}",))
        for key in tables:
            for row in more[key]:
                row["school_id"] = name
            tables[key] += more[key]
    paths = write_reports(junheng.evaluate(junheng.load(xlsx(**tables))), tmp_path / "out")
    drafts = [p.name for p in paths if p.suffix == ".docx"]
    assert len(set(drafts)) == 3
    assert all(len(name.encode()) <= 255 for name in drafts)
    assert {"自评报告-城区_新区.docx", "自评报告-城区_新区-2.docx"} <= set(drafts)


def test_infinite_and_undefined_figures_are_shown_as_a_dash(result, tmp_path):
    broken = result.__class__(**{**result.__dict__, "stages": result.stages.with_columns(
        pl.lit(float("inf")).alias("cv"), pl.lit(float("nan")).alias("county_value"))})
    text = broken.to_json()
    assert "Infinity" not in text and "NaN" not in text
    primary = json.loads(text)["counties"][0]["resources"]["stages"]["primary"]
    assert all(v is None for v in primary["cv"].values())
    assert all(v is None for v in primary["county_value"].values())
    paths = write_reports(broken, tmp_path / "out")
    assert len([p for p in paths if p.parent == tmp_path / "out"]) == 4
    console = Console(file=io.StringIO(), width=100)
    print_evaluation(broken, console)
    assert "inf" not in console.file.getvalue()


def test_json_has_no_negative_zero(result):
    shifted = result.__class__(**{**result.__dict__, "stages": result.stages.with_columns(
        pl.lit(-0.0).alias("cv"))})
    assert "-0.0" not in shifted.to_json()


def test_a_text_over_excels_cell_limit_is_cut_and_says_so(result, tmp_path):
    """Input text is held to the limit; an output text that joins several (a warning quoting a
    value, the why of a move naming two schools) may pass it and is cut with a mark."""
    from junheng.errors import Problem

    long = Problem("学校", 2, "名称", "很长的学校名" * 3000, "很长的学校名" * 3000, "long")
    noted = result.__class__(**{**result.__dict__, "warnings": [long]})
    path = write_reports(noted, tmp_path / "out")[1]
    book = openpyxl.load_workbook(path, read_only=True)
    cells = [c.value for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and "很长的学校名" in c.value]
    assert cells and all(len(c) == 32_767 and c.endswith("（已截断）") for c in cells)


# -- the terminal ----------------------------------------------------------------------------

def test_the_console_strips_escapes_and_survives_broken_markup():
    console = SafeConsole(file=io.StringIO(), width=80, force_terminal=True)
    console.print("a\x1b]0;title\x07b \x1b[2J c\u202e [/] d")
    console.rule("[bold]x[/][/]")
    out = console.file.getvalue()
    # the only escapes left are rich's own styles (ESC [ … m)
    assert re.sub(r"\x1b\[[0-9;]*m", "", out).count(ESC) == 0
    assert "[/] d" in out and "\u202e" not in out


def test_problems_with_markup_in_the_expected_text_print(tmp_path):
    from junheng.errors import Problem

    console = SafeConsole(file=io.StringIO(), width=100)
    print_problems([Problem("学校[/]", 3, "名称[bold]", "[link=x]y", "与列「a[/]」重复",
                            "duplicates column 'a[/]'")], console)
    out = console.file.getvalue()
    assert "与列「a[/]」重复" in out and "[link=x]y" in out


NAMES = st.text(st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Z", "Cc", "Cf",
                                                          "Co")), min_size=1, max_size=40) \
    | st.sampled_from(["示例县[/]", "[link=http://x]a[/link]", "=SUM(A1)", "+1", "@x", "-2",
                       "\u202eexe.gpj", "县" * 300, "a\x00b", "\x1b[2J", "CON", " . ", "..",
                       ":smile:", "</script><script>alert(1)</script>"])


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(county=NAMES, school=NAMES)
def test_random_names_never_crash_a_writer_or_leave_a_partial_report(tmp_path_factory, county,
                                                                     school):
    if not county.strip() or not school.strip():
        return  # a blank name is an input error, tested with the validation
    folder = tmp_path_factory.mktemp("in")
    try:
        result = junheng.evaluate(junheng.load(write_parquets(
            folder, county_tables(county=county, names=(school, school + "2")))))
    except junheng.InputError:
        return  # rejected at the input, with a located message: nothing to write
    out = folder.parent / (folder.name + "-out")
    paths = write_reports(result, out)
    top = [p.name for p in paths if p.parent == out]
    assert visible(out) == sorted([MANIFEST, *top, PAGES]) and len(top) == 4
    assert sorted(p.name for p in (out / PAGES).iterdir() if p.name != MANIFEST) == sorted(
        p.name for p in paths if p.parent == out / PAGES)
    for lang in ("zh", "en"):
        console = SafeConsole(file=io.StringIO(), width=80, force_terminal=True)
        print_evaluation(result, console, lang)
        assert re.sub(r"\x1b\[[0-9;]*m", "", console.file.getvalue()).count(ESC) == 0


def test_warnings_come_before_the_verdict_a_few_per_column(xlsx):
    tables = county_tables(names=("学校A", "学校B", "学校C", "学校D"))
    for row in tables["stages"]:
        row["equipment_value_yuan"] = row["students"]  # 1 元 per pupil: 万元 entered as 元
    result = junheng.evaluate(junheng.load(xlsx(**tables)))
    console = Console(file=io.StringIO(), width=250)
    print_evaluation(result, console)
    out = console.file.getvalue()
    assert out.index("数据提示") < out.index("结论")
    assert out.count("是否按万元填写") == 2
    assert "同一列另有 2 行类似提示" in out


def test_disk_full_while_writing_a_plan(county, tmp_path):
    """xlsxwriter wraps the system's error in its own: still one bilingual line, exit 1."""
    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    done = run("plan", "rotation", str(county), "-o", str(tmp_path / "plan"), "--apply",
               str(tmp_path / "after.xlsx"), "--time-limit", "5", preexec=small_files)
    assert done.returncode == 1
    assert "文件超过系统允许的大小" in done.stderr and "file too large" in done.stderr
    assert "FileCreateError" not in done.stderr
    assert visible(tmp_path) == [county.name]


def test_max_cells_is_the_flag_the_limit_message_names(county):
    for args in (["evaluate", str(county)], ["plan", "rotation", str(county)]):
        done = run(*args, "--max-cells", "50")
        assert done.returncode == 2, args
        assert "--max-cells" in done.stderr
    assert run("evaluate", str(county), "--max-cells", "100000").returncode == 0


def test_a_pipe_as_input_is_refused_not_waited_on(tmp_path):
    os.mkfifo(tmp_path / "county.xlsx")
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "teachers.csv")
    for path in (tmp_path / "county.xlsx", folder):
        done = run("evaluate", str(path))
        assert done.returncode == 2
        assert "不是普通文件" in done.stderr and "not a regular file" in done.stderr


def test_a_long_chinese_problem_is_folded_not_cut_at_80_columns():
    from junheng.errors import Problem

    zh = "没有可评估的学校：学校表在表头以下没有任何数据行（请从表头下方逐行填写学校）"
    console = Console(file=io.StringIO(), width=80)
    print_problems([Problem("学校", None, None, None, zh, "nothing to evaluate")], console)
    lines = console.file.getvalue().splitlines()
    # the last column's text, line by line, joined again
    cells = "".join(line.split("│")[-2].strip() for line in lines if line.count("│") >= 6)
    assert zh in cells and "…" not in cells


def test_a_text_over_excels_limit_in_a_csv_or_parquet_is_refused_where_it_is(tmp_path):
    tables = county_tables(names=("学校A", "学" * 40_000))
    folder = write_parquets(tmp_path / "in", tables)
    with pytest.raises(junheng.InputError) as info:
        junheng.load(folder)
    (problem,) = info.value.problems
    assert (problem.table, problem.row, problem.column) == ("schools.parquet", 3, "name")
    assert "40,000" in problem.value and "32,767" in problem.expected_zh


def test_a_long_value_is_shortened_in_the_problems_table():
    from junheng.errors import Problem

    console = Console(file=io.StringIO(), width=100)
    print_problems([Problem("学校", 2, "名称", "长" * 100_000, "太长", "too long")], console)
    out = console.file.getvalue()
    assert out.count("长") < 200 and "100,000" in out


def test_a_template_or_sample_never_replaces_a_filled_workbook_unasked(county):
    before = digest(county)
    for args in (["template", str(county)], ["sample", "-o", str(county)]):
        done = run(*args)
        assert done.returncode == 2 and "--force" in done.stderr and "已存在" in done.stderr
    assert digest(county) == before
    assert run("template", str(county), "--force").returncode == 0
    assert digest(county) != before
