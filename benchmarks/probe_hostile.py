"""Probe the installed ``junheng`` command with hostile inputs and faults (issue 12).

Run it as ``.venv/bin/python benchmarks/probe_hostile.py [--out DIR] [--only TEXT] [--jobs N]``.
Every case builds its inputs in a folder of its own under ``--out`` (default
``build/probe-hostile/``), runs the command in a subprocess — a time limit, 4 GB of address space
(``RLIMIT_AS``), its own process group — and checks what the README promises:

- the exit code: 0 the command ran, 2 invalid input / setting / output path, 1 a fault while
  running (the cases say which they accept);
- never a traceback: no ``Traceback``, no Python or Rust exception name, no panic, no bare
  ``Error:`` (click's usage line is allowed on usage errors only);
- a failure says so in Chinese and English (CJK text and ASCII words on stderr), and writes
  nothing: the case folder is exactly as before (no report, no ``*junheng-tmp*`` file);
- the input is unchanged (SHA-256 of every input file);
- no control or bidi character from the input reaches the terminal (not a terminal here, so
  rich prints no styles: any ESC in stdout/stderr came from the input);
- on success every output is there: ``--report`` writes evaluation.json, 评估结果.xlsx,
  评估报告.html and 自评报告-<county>.docx (English names with ``--lang en``) and a hidden
  ``.junheng-manifest.json``; no file name holds a control or bidi character;
- for the hostile workbooks, the peak memory (the child's ``ru_maxrss``) stays bounded by the
  real data, not the padding.

One line per case (``held`` or ``FAILED: why``), then ``cases tried N, held M``; the exit status
is 1 when any case failed. The details of every failure (command, exit code, first lines of
stderr) are written to ``failures.txt`` in the output folder, and every result to
``results.json``. Nothing here needs the network; big inflating members are built from one
compressed chunk repeated (a few MB on disk), never written out in full.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import hashlib
import json
import math
import os
import random
import re
import resource
import shutil
import signal
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
MEMORY_LIMIT = 4 << 30          # RLIMIT_AS of every child
RSS_BOUND = 768 << 20           # peak RSS allowed on hostile workbooks (a normal run: ~150 MB)
WIDTH = 80
MiB = 1 << 20

JUNHENG = Path(sys.executable).with_name("junheng")
if not JUNHENG.exists():
    JUNHENG = Path(shutil.which("junheng") or "junheng")


# ---------------------------------------------------------------------------------------------
# Building inputs
# ---------------------------------------------------------------------------------------------

Tables = dict[str, tuple[list[str], list[list]]]


class Base:
    """The sample county every case starts from, built once."""

    def __init__(self, folder: Path) -> None:
        import junheng
        from junheng.io import write_folder

        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.sample = junheng.write_sample(folder / "sample.xlsx", schools=12, seed=1)
        self.dataset = junheng.load(self.sample)
        self.csv = write_folder(folder / "csv", self.dataset, "csv")
        self.parquet = write_folder(folder / "parquet", self.dataset, "parquet")
        self.raw = folder / "raw.xlsx"   # the same data through our own writer (known layout)
        write_xlsx(self.raw, self.tables())
        junheng.write_template(folder / "template.xlsx")
        self.template = folder / "template.xlsx"

    def tables(self) -> Tables:
        """A fresh, mutable copy of every table: English headers, rows as lists."""
        return {name: (list(frame.columns), [list(r) for r in frame.rows()])
                for name, frame in self.dataset.tables().items()}


def write_xlsx(path: Path, sheets: Tables) -> Path:
    """Write the tables as they are: text stays text (no formulas, no numbers guessed), numbers
    as numbers when Excel can hold them exactly, anything else as its text."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False,
                                         "strings_to_urls": False})
    for name, (headers, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        for j, h in enumerate(headers):
            ws.write_string(0, j, h)
        for i, row in enumerate(rows, 1):
            for j, v in enumerate(row):
                if v is None:
                    continue
                if isinstance(v, bool):
                    ws.write_boolean(i, j, v)
                elif isinstance(v, (int, float)) and math.isfinite(v) and abs(v) < 2**53:
                    ws.write_number(i, j, v)
                else:
                    ws.write_string(i, j, str(v))
    wb.close()
    return path


def column(tables: Tables, table: str, name: str) -> int:
    return tables[table][0].index(name)


def set_cell(tables: Tables, table: str, name: str, row: int, value: object) -> None:
    tables[table][1][row][column(tables, table, name)] = value


def replace_everywhere(tables: Tables, old: object, new: object) -> None:
    for _, rows in tables.values():
        for row in rows:
            for j, v in enumerate(row):
                if v == old and type(v) is type(old):
                    row[j] = new


def rename_county(tables: Tables, name: str) -> Tables:
    """Give the county (and its first school) a new name."""
    for table in ("schools", "county"):
        j = column(tables, table, "county")
        for row in tables[table][1]:
            row[j] = name
    set_cell(tables, "schools", "name", 0, name + "第一小学")
    return tables


# -- zip files by hand: members that inflate to GBs from a few MB on disk ------------------------

@dataclasses.dataclass
class Padded:
    """A member made of ``prefix``, ``chunk`` × ``count`` and ``suffix``, deflated by
    compressing the chunk once and repeating its blocks (a full flush makes them independent)."""

    prefix: bytes
    chunk: bytes
    count: int
    suffix: bytes

    def size(self) -> int:
        return len(self.prefix) + self.count * len(self.chunk) + len(self.suffix)


def _deflate_parts(member: bytes | Padded) -> tuple[list[tuple[bytes, int]], int, int]:
    """[(compressed bytes, repeat)], crc32, uncompressed size."""
    if isinstance(member, bytes):
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        return [(c.compress(member) + c.flush(), 1)], zlib.crc32(member), len(member)
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = c.compress(member.prefix) + c.flush(zlib.Z_FULL_FLUSH)
    body = c.compress(member.chunk) + c.flush(zlib.Z_FULL_FLUSH)
    tail = c.compress(member.suffix) + c.flush()
    crc = zlib.crc32(member.prefix)
    for _ in range(member.count):
        crc = zlib.crc32(member.chunk, crc)
    crc = zlib.crc32(member.suffix, crc)
    return [(head, 1), (body, member.count), (tail, 1)], crc, member.size()


def write_zip(path: Path, members: list[tuple[str, bytes | Padded]]) -> Path:
    """A plain zip (deflate, no zip64: every member under 4 GiB) written member by member."""
    central = []
    with open(path, "wb") as f:
        for name, data in members:
            raw = name.encode()
            parts, crc, usize = _deflate_parts(data)
            csize = sum(len(b) * n for b, n in parts)
            assert usize < 2**32 and csize < 2**32
            offset = f.tell()
            f.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, 8, 0, 0x21, crc, csize,
                                usize, len(raw), 0) + raw)
            for block, n in parts:
                for _ in range(n):
                    f.write(block)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0x800, 8, 0,
                                       0x21, crc, csize, usize, len(raw), 0, 0, 0, 0, 0,
                                       offset) + raw)
        start = f.tell()
        for entry in central:
            f.write(entry)
        f.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                            f.tell() - start, start, 0))
    return path


def members_of(path: Path) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(path) as z:
        return [(i.filename, z.read(i.filename)) for i in z.infolist()]


def rewrite_members(src: Path, dst: Path,
                    edit: Callable[[str, bytes], bytes | Padded]) -> Path:
    return write_zip(dst, [(n, edit(n, d)) for n, d in members_of(src)])


# Our writer's layout: sheet1..6 = schools, stages, teachers, county, rotations, rooms.
SHEET = {name: f"xl/worksheets/sheet{i}.xml" for i, name in
         enumerate(("schools", "stages", "teachers", "county", "rotations", "rooms"), 1)}


# ---------------------------------------------------------------------------------------------
# Running and checking
# ---------------------------------------------------------------------------------------------

CJK = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[A-Za-z]{3,}")
# Control and bidi characters that must never reach the terminal or a file name (tab and
# newline are the printer's own; a CR may be its own too).
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e"
                     "\u2066-\u2069]")
LEAKS = [
    (re.compile(r"Traceback \(most recent call last\)"), "a traceback"),
    (re.compile(r'^\s*File "[^"]+", line \d+', re.M), "a traceback frame"),
    (re.compile(r"\b[A-Za-z_.]+(?:Error|Exception|Warning|Panic)\b:"), "a Python exception name"),
    (re.compile(r"panicked at|stack backtrace|memory allocation of \d+ bytes failed"),
     "a Rust panic"),
]
BARE_ERROR = re.compile(r"^Error:", re.M)
NEGATIVE_ZERO = re.compile(r"(?<![\w.])-0(?:\.0*)?(?:[eE][+-]?\d+)?(?![\d.])")
REPORT_FILES = {"zh": ("evaluation.json", "评估结果.xlsx", "评估报告.html", "自评报告-", ".docx"),
                "en": ("evaluation.json", "evaluation.xlsx", "report.html", "self-assessment-",
                       ".docx")}


@dataclasses.dataclass
class Run:
    rc: int
    out: str
    err: str
    seconds: float
    max_rss: int          # bytes
    timed_out: bool
    argv: list[str]


@dataclasses.dataclass
class Ctx:
    """What a check sees: the case folder and the run."""

    case: Case
    d: Path
    run: Run

    @property
    def text(self) -> str:
        return self.run.out + "\n" + self.run.err


Check = Callable[[Ctx], list[str]]


@dataclasses.dataclass
class Case:
    name: str
    argv: list[str]                                # after `junheng`; run in the case folder
    expect: tuple[int, ...]
    build: Callable[[Path], None] | None = None
    inputs: list[str] = dataclasses.field(default_factory=list)   # hashed before and after
    report: str | None = None                      # --report folder, checked on success
    lang: str = "zh"
    json: str | None = None                        # --json file, checked on success
    files: list[str] = dataclasses.field(default_factory=list)    # other outputs on success
    checks: list[Check] = dataclasses.field(default_factory=list)
    pre: list[list[str]] = dataclasses.field(default_factory=list)  # runs that must succeed first
    timeout: float = 90
    fsize: int | None = None
    umask: int | None = None
    wrap: list[str] | None = None                  # e.g. unshare, before the command
    rss_bound: int | None = None
    usage: bool = False                            # click's "Error:" usage line is allowed
    skip: str | None = None
    cleanup: Callable[[Path], None] | None = None


def run_command(argv: list[str], cwd: Path, timeout: float, tmp: Path, *,
                fsize: int | None = None, umask: int | None = None) -> Run:
    """Run ``argv`` with the limits; read its output through pipes; its own rusage by wait4."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("FORCE_COLOR", "CLICOLOR_FORCE", "JUNHENG_DEBUG", "TTY_COMPATIBLE",
                        "TTY_INTERACTIVE", "PYTHONWARNINGS")}
    env.update(COLUMNS="200", TMPDIR=str(tmp), PYTHONUNBUFFERED="1")
    tmp.mkdir(parents=True, exist_ok=True)

    def limits() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
        if umask is not None:
            os.umask(umask)

    start = time.monotonic()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=limits,
                            start_new_session=True)
    chunks: dict[str, list[bytes]] = {"out": [], "err": []}

    def drain(stream, key: str) -> None:
        for block in iter(lambda: stream.read(65536), b""):
            chunks[key].append(block)

    readers = [threading.Thread(target=drain, args=(proc.stdout, "out"), daemon=True),
               threading.Thread(target=drain, args=(proc.stderr, "err"), daemon=True)]
    for r in readers:
        r.start()
    timed_out = False
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > timeout:
            timed_out = True
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            pid, status, usage = os.wait4(proc.pid, 0)
            break
        time.sleep(0.02)
    proc.returncode = os.waitstatus_to_exitcode(status)
    with contextlib.suppress(ProcessLookupError):  # anything it left behind in its group
        os.killpg(proc.pid, signal.SIGKILL)
    for r in readers:
        r.join(5)
    for stream in (proc.stdout, proc.stderr):
        stream.close()
    return Run(proc.returncode, b"".join(chunks["out"]).decode("utf-8", "replace"),
               b"".join(chunks["err"]).decode("utf-8", "replace"), time.monotonic() - start,
               usage.ru_maxrss * 1024, timed_out, argv)


def snapshot(folder: Path) -> dict[str, tuple]:
    """Every entry under ``folder``: type, size, mtime, mode (never opened: FIFOs stay shut)."""
    seen: dict[str, tuple] = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            p = Path(root) / name
            st = p.lstat()
            seen[str(p.relative_to(folder))] = (st.st_mode, st.st_size, st.st_mtime_ns)
    return seen


def digest(path: Path) -> str:
    if path.is_symlink() or not path.exists():
        return "absent" if not path.is_symlink() else "link:" + os.readlink(path)
    if path.is_dir():
        return hashlib.sha256("".join(f"{p.name}:{digest(p)}" for p in sorted(path.iterdir()))
                              .encode()).hexdigest()
    if not path.is_file():
        return "special"
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(MiB), b""):
            h.update(block)
    return h.hexdigest()


def shown(text: str, limit: int = 60) -> str:
    text = repr(text)[1:-1]
    return text if len(text) <= limit else text[:limit - 1] + "…"


def generic_checks(case: Case, d: Path, run: Run, before: dict, hashes: dict) -> list[str]:
    why: list[str] = []
    rc = run.rc
    if run.timed_out:
        return [f"timed out after {case.timeout:.0f} s"]
    if rc < 0:
        why.append(f"killed by {signal.Signals(-rc).name}")
    elif rc not in case.expect:
        want = " or ".join(str(c) for c in case.expect)
        why.append(f"exit {rc} (want {want})")
    both = run.out + "\n" + run.err
    for pattern, what in LEAKS:
        m = pattern.search(both)
        if m:
            why.append(f"{what} ({shown(m.group(0), 40)})")
    if not case.usage and BARE_ERROR.search(both):
        why.append("a bare 'Error:' line")
    m = CONTROL.search(both)
    if m:
        why.append(f"control/bidi character {m.group(0)!r} in the terminal output")
    for rel, h in hashes.items():
        if digest(d / rel) != h:
            why.append(f"input {rel} changed")
    if rc != 0:
        if not (CJK.search(run.err) and WORD.search(run.err)):
            why.append("no bilingual message on stderr")
        after = snapshot(d)
        added = sorted(set(after) - set(before))
        changed = sorted(k for k in set(after) & set(before) if after[k] != before[k]
                         and not Path(k).is_relative_to("rofs"))
        gone = sorted(set(before) - set(after))
        if added:
            why.append("wrote " + ", ".join(added[:3]) + (" …" if len(added) > 3 else ""))
        if changed:
            why.append("changed " + ", ".join(changed[:3]))
        if gone:
            why.append("removed " + ", ".join(gone[:3]))
    else:
        why.extend(success_checks(case, d))
    leftovers = [str(p.relative_to(d)) for p in d.rglob("*junheng-tmp*")]
    if leftovers and rc == 0:
        why.append("left " + ", ".join(leftovers[:2]))
    if case.rss_bound and run.max_rss > case.rss_bound:
        why.append(f"peak memory {run.max_rss / MiB:.0f} MiB "
                   f"(bound {case.rss_bound / MiB:.0f} MiB)")
    return why


def success_checks(case: Case, d: Path) -> list[str]:
    why: list[str] = []
    if case.report:
        folder = d / case.report
        json_name, xlsx, html, draft, ext = REPORT_FILES[case.lang]
        names = sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []
        for need in (json_name, xlsx, html, ".junheng-manifest.json"):
            if need not in names:
                why.append(f"report lacks {need}")
        drafts = [n for n in names if n.startswith(draft) and n.endswith(ext)]
        if len(drafts) != 1:
            why.append(f"{len(drafts)} Word drafts in the report folder")
        for n in names:
            if CONTROL.search(n):
                why.append(f"file name with a control/bidi character: {shown(n, 30)}")
        for n in (xlsx, *drafts):
            if (folder / n).is_file() and not zipfile.is_zipfile(folder / n):
                why.append(f"{n} is not a valid file")
        if json_name in names:
            why.extend(json_checks(folder / json_name))
    if case.json:
        why.extend(json_checks(d / case.json))
    for rel in case.files:
        p = d / rel
        if not p.exists() or (p.is_file() and p.stat().st_size == 0):
            why.append(f"{rel} not written")
    return why


def json_checks(path: Path) -> list[str]:
    if not path.is_file():
        return [f"{path.name} not written"]
    text = path.read_text(encoding="utf-8")

    def no_constants(name: str) -> float:
        raise ValueError(name)

    try:
        json.loads(text, parse_constant=no_constants)
    except ValueError as exc:
        return [f"{path.name} is not strict JSON ({shown(str(exc), 30)})"]
    return []


def run_case(case: Case, root: Path, index: int) -> dict:
    d = root / "cases" / f"{index:02d}-{case.name}"
    tmp = root / "tmp" / f"{index:02d}"
    d.mkdir(parents=True)
    result = {"index": index, "name": case.name, "argv": case.argv, "held": False, "why": []}
    if case.skip:
        result.update(skipped=case.skip)
        return result
    try:
        if case.build:
            case.build(d)
        for pre in case.pre:
            r = run_command([str(JUNHENG), *pre], d, case.timeout, tmp)
            if r.rc != 0:
                result["why"] = [f"setup run exit {r.rc}: {' '.join(pre)}"]
                result["stderr"] = r.err
                return result
        hashes = {rel: digest(d / rel) for rel in case.inputs}
        before = snapshot(d)
        argv = [*(case.wrap or []), str(JUNHENG), *case.argv]
        run = run_command(argv, d, case.timeout, tmp, fsize=case.fsize, umask=case.umask)
        why = generic_checks(case, d, run, before, hashes)
        stray = [p.name for p in tmp.rglob("*junheng-tmp*")]
        if stray:
            why.append(f"left {stray[0]} in TMPDIR")
        if not run.timed_out and run.rc >= 0:
            ctx = Ctx(case, d, run)
            for check in case.checks:
                why.extend(check(ctx))
        result.update(rc=run.rc, seconds=round(run.seconds, 2),
                      max_rss_mib=round(run.max_rss / MiB), why=why, held=not why,
                      stdout=run.out[-4000:], stderr=run.err[:4000])
    except Exception as exc:  # a fault of the probe itself is a failed case, not a crash
        result["why"] = [f"probe error: {type(exc).__name__}: {exc}"]
    finally:
        if case.cleanup:
            with contextlib.suppress(Exception):
                case.cleanup(d)
    return result


# ---------------------------------------------------------------------------------------------
# Checks a case adds
# ---------------------------------------------------------------------------------------------

def in_stderr(*alternatives: str, when: int | None = None) -> Check:
    """stderr names one of ``alternatives`` (only when the exit code is ``when``, if given)."""
    def check(ctx: Ctx) -> list[str]:
        if when is not None and ctx.run.rc != when:
            return []
        if any(a in ctx.run.err for a in alternatives):
            return []
        return [f"stderr does not name {shown(alternatives[0], 30)}"]
    return check


def not_in_output(text: str, why: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        return [why] if text.lower() in ctx.text.lower() else []
    return check


def located(row: int, *columns: str) -> Check:
    """An exit-2 message naming the spreadsheet (or file) row and the column: in the problem
    table's Row column, or in words."""
    pattern = re.compile(rf"│\s*{row}\s*│|(?:row|行|line)\D{{0,3}}{row}\b|第\s*{row}\s*行")

    def check(ctx: Ctx) -> list[str]:
        if ctx.run.rc != 2:
            return []
        why = []
        if not pattern.search(ctx.run.err):
            why.append(f"message does not locate row {row}")
        if columns and not any(c in ctx.run.err for c in columns):
            why.append(f"message does not name column {columns[0]}")
        return why
    return check


def no_row_dump(rel: str) -> Check:
    """The message quotes no whole rows of the file: teacher rows are personal information."""
    def check(ctx: Ctx) -> list[str]:
        rows = [r for r in (ctx.d / rel).read_text(encoding="utf-8", errors="replace")
                .splitlines()[1:] if len(r) > 30]
        dumped = sum(r in ctx.run.err for r in rows)
        return [f"message quotes {dumped} whole rows of {Path(rel).name}"] if dumped > 1 else []
    return check


def says_when(rc: int, pattern: str, why: str) -> Check:
    """With exit ``rc``, stderr must match ``pattern`` (the right diagnosis)."""
    def check(ctx: Ctx) -> list[str]:
        return [why] if ctx.run.rc == rc and not re.search(pattern, ctx.run.err) else []
    return check


def literal_in_stdout(text: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        if ctx.run.rc == 0 and text not in ctx.run.out:
            return [f"{shown(text, 24)} not shown literally (markup interpreted?)"]
        return []
    return check


def warns(*patterns: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        if any(re.search(p, ctx.text) for p in patterns):
            return []
        return [f"no warning matching {shown(patterns[0], 30)}"]
    return check


def json_has(rel: str, text: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        p = ctx.d / rel
        if ctx.run.rc == 0 and p.is_file() and text not in p.read_text(encoding="utf-8"):
            return [f"{text} not in {Path(rel).name}"]
        return []
    return check


def no_negative_zero(*rels: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        why = []
        for rel in rels:
            p = ctx.d / rel
            if p.is_file():
                m = NEGATIVE_ZERO.search(p.read_text(encoding="utf-8"))
                if m:
                    why.append(f"{m.group(0)} in {Path(rel).name}")
        return why
    return check


def no_formula(report: str, *needles: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        p = ctx.d / report / "评估结果.xlsx"
        if not p.is_file():
            return []
        with zipfile.ZipFile(p) as z:
            for n in z.namelist():
                if n.startswith("xl/worksheets/") and n.endswith(".xml"):
                    for f in re.findall(rb"<f[^>]*>(.*?)</f>", z.read(n)):
                        if any(x.encode() in f for x in needles):
                            return [f"input text became a formula in {Path(n).name}"]
        return []
    return check


def xlsx_contains(report: str, name: str, *needles: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        p = ctx.d / report / name
        if ctx.run.rc != 0 or not p.is_file():
            return []
        with zipfile.ZipFile(p) as z:
            blob = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml"))
        if any(x.encode() in blob for x in needles):
            return []
        return [f"{name} does not say {shown(needles[0], 20)}"]
    return check


def file_lacks(rel: str, text: str, why: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        p = ctx.d / rel
        if p.is_file() and text in p.read_text(encoding="utf-8", errors="replace"):
            return [why]
        return []
    return check


def exists(rel: str, want: bool = True) -> Check:
    def check(ctx: Ctx) -> list[str]:
        if (ctx.d / rel).exists() != want:
            return [f"{rel} {'missing' if want else 'still there'}"]
        return []
    return check


def no_file_matching(rel: str, pattern: str) -> Check:
    def check(ctx: Ctx) -> list[str]:
        left = [p.name for p in (ctx.d / rel).glob(pattern)]
        return [f"left {left[0]}"] if left else []
    return check


def modes(rel: str, want: int) -> Check:
    def check(ctx: Ctx) -> list[str]:
        folder = ctx.d / rel
        if ctx.run.rc != 0 or not folder.is_dir():
            return []
        bad = [p.name for p in folder.iterdir() if p.is_file() and p.stat().st_mode & 0o777 != want]
        return [f"{bad[0]} not mode {want:o}"] if bad else []
    return check


# ---------------------------------------------------------------------------------------------
# The cases
# ---------------------------------------------------------------------------------------------

def cases(base: Base, is_root: bool, can_unshare: bool) -> list[Case]:
    cs: list[Case] = []
    X = "county.xlsx"

    def copy_sample(d: Path, name: str = X) -> None:
        shutil.copy(base.sample, d / name)

    def copy_folder(src: Path, d: Path, name: str) -> Path:
        shutil.copytree(src, d / name)
        return d / name

    def evaluate(name: str, build: Callable[[Path], None], expect: tuple[int, ...], *,
                 inp: str = X, extra: list[str] | None = None, **kw) -> Case:
        """`evaluate INPUT --report rep` (and whatever ``extra`` adds)."""
        argv = ["evaluate", inp, "--report", "rep", *(extra or [])]
        kw.setdefault("inputs", [inp])
        return Case(name, argv, expect, build, report="rep", **kw)

    def xlsx_of(edit: Callable[[Tables], object] | None = None) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            t = base.tables()
            if edit:
                edit(t)
            write_xlsx(d / X, t)
        return build

    def csv_of(edit: Callable[[Path], None]) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            edit(copy_folder(base.csv, d, "data"))
        return build

    def zip_of(edit: Callable[[str, bytes], bytes | Padded]) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            rewrite_members(base.raw, d / X, edit)
        return build

    def raw_file(data: bytes, name: str = X) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            (d / name).write_bytes(data)
        return build

    # -- baselines: the sample itself must pass, or every other result means nothing -----------
    cs.append(Case("baseline-xlsx-report-json",
                   ["evaluate", X, "--report", "rep", "--json", "out.json"], (0,), copy_sample,
                   inputs=[X], report="rep", json="out.json"))
    cs.append(Case("baseline-csv-folder", ["evaluate", "data", "--report", "rep"], (0,),
                   lambda d: copy_folder(base.csv, d, "data"), inputs=["data"], report="rep"))
    cs.append(Case("baseline-parquet-folder", ["evaluate", "data", "--report", "rep"], (0,),
                   lambda d: copy_folder(base.parquet, d, "data"), inputs=["data"],
                   report="rep"))
    cs.append(Case("baseline-plan-rotation",
                   ["plan", "rotation", X, "-o", "plan", "--apply", "after.xlsx",
                    "--time-limit", "5"], (0,), copy_sample, inputs=[X],
                   files=["plan/交流轮岗方案.xlsx", "plan/rotation-plan.json", "after.xlsx"]))

    # -- the command line ------------------------------------------------------------------------
    def usage(name: str, argv: list[str]) -> Case:
        return Case(name, argv, (2,), copy_sample, inputs=[X], usage=True)

    cs.append(usage("usage-unknown-option", ["evaluate", X, "--bogus"]))
    cs.append(usage("usage-bad-lang", ["evaluate", X, "--lang", "fr"]))
    cs.append(usage("usage-missing-argument", ["evaluate"]))
    cs.append(usage("usage-year-1800", ["evaluate", X, "--year", "1800"]))

    def bad_output(name: str, argv: list[str], build: Callable[[Path], None],
                   inputs: list[str], expect: tuple[int, ...] = (2,), **kw) -> Case:
        return Case(name, argv, expect, build, inputs=inputs, **kw)

    def sample_and(*extra: Callable[[Path], None]) -> Callable[[Path], None]:
        def build(d: Path) -> None:
            copy_sample(d)
            for e in extra:
                e(d)
        return build

    note = lambda d: (d / "note.txt").write_text("the user's own file\n")  # noqa: E731
    cs.append(bad_output("out-json-is-input", ["evaluate", X, "--json", X], copy_sample, [X]))
    cs.append(bad_output("out-json-symlink-to-input", ["evaluate", X, "--json", "link.json"],
                         sample_and(lambda d: (d / "link.json").symlink_to(X)), [X, "link.json"]))
    cs.append(bad_output("out-json-is-a-folder", ["evaluate", X, "--json", "somewhere"],
                         sample_and(lambda d: (d / "somewhere").mkdir()), [X]))
    cs.append(bad_output("out-report-is-input", ["evaluate", X, "--report", X], copy_sample, [X]))
    cs.append(bad_output("out-report-is-a-file", ["evaluate", X, "--report", "note.txt"],
                         sample_and(note), [X, "note.txt"]))
    cs.append(bad_output("out-json-through-a-file",
                         ["evaluate", X, "--json", "note.txt/out.json"], sample_and(note),
                         [X, "note.txt"]))
    cs.append(bad_output("out-report-inside-input-folder",
                         ["evaluate", "data", "--report", "data/rep"],
                         lambda d: copy_folder(base.csv, d, "data"), ["data"]))
    cs.append(bad_output("plan-apply-is-input", ["plan", "rotation", X, "--apply", X,
                                                 "--time-limit", "5"], copy_sample, [X]))
    cs.append(bad_output("plan-output-inside-input-folder",
                         ["plan", "rotation", "data", "-o", "data/plan", "--time-limit", "5"],
                         lambda d: copy_folder(base.csv, d, "data"), ["data"]))
    cs.append(bad_output("plan-exempt-unknown-id",
                         ["plan", "rotation", X, "--exempt", "T99999999", "--time-limit", "5"],
                         copy_sample, [X], checks=[in_stderr("T99999999")]))

    cs.append(Case("in-nonexistent", ["evaluate", "nowhere.xlsx", "--report", "rep"], (2,),
                   None, checks=[in_stderr("nowhere.xlsx")]))
    cs.append(Case("in-path-with-markup-missing", ["evaluate", "no[/]such[bold].xlsx"], (2,),
                   None, checks=[in_stderr("no[/]such[bold].xlsx")]))
    cs.append(Case("in-path-with-escape-missing", ["evaluate", "x\x1b]0;pwned\x07\x1b[2J.xlsx"],
                   (2,), None))

    def markup_folder(d: Path) -> None:  # the path "[red]d[/]county.xlsx": folder "[red]d["
        (d / "[red]d[").mkdir()
        shutil.copy(base.sample, d / "[red]d[" / f"]{X}")
    cs.append(Case("in-path-with-markup-ok",
                   ["evaluate", f"[red]d[/]{X}", "--report", "[b]rep[/]"], (0,), markup_folder,
                   inputs=[f"[red]d[/]{X}"], report="[b]rep[/]",
                   checks=[literal_in_stdout("[b]rep[/]")]))
    cs.append(Case("in-fifo", ["evaluate", "pipe.xlsx", "--report", "rep"], (2,),
                   lambda d: os.mkfifo(d / "pipe.xlsx"), timeout=20))

    # standards
    def yaml_file(text: str, name: str = "std.yaml") -> Callable[[Path], None]:
        return sample_and(lambda d: (d / name).write_text(text, encoding="utf-8"))
    cs.append(Case("std-nonexistent", ["evaluate", X, "--standard", "quality-2099"], (2,),
                   copy_sample, inputs=[X]))
    cs.append(Case("std-broken-yaml", ["evaluate", X, "--standard", "std.yaml", "--report",
                                       "rep"], (2,),
                   yaml_file("extends: quality-2017\nresources: [unclosed\n  cv: {\n"),
                   inputs=[X, "std.yaml"], checks=[in_stderr("std.yaml")]))
    cs.append(Case("std-extends-itself", ["evaluate", X, "--standard", "std.yaml"], (2,),
                   yaml_file("extends: std.yaml\nname: loop\n"), inputs=[X, "std.yaml"]))

    # faults while writing
    def lock(d: Path, rel: str) -> None:
        (d / rel).mkdir(exist_ok=True)
        if is_root:
            subprocess.run(["chattr", "+i", str(d / rel)], check=True)
        else:
            (d / rel).chmod(0o555)

    def unlock(d: Path, rel: str) -> None:
        if is_root:
            subprocess.run(["chattr", "-i", str(d / rel)], check=False)
        else:
            (d / rel).chmod(0o755)

    cs.append(Case("fault-read-only-parent", ["evaluate", X, "--report", "locked/rep"], (1, 2),
                   sample_and(lambda d: lock(d, "locked")), inputs=[X],
                   cleanup=lambda d: unlock(d, "locked")))
    cs.append(Case("fault-read-only-file-system", ["evaluate", X, "--report", "rofs/rep"], (1, 2),
                   sample_and(lambda d: (d / "rofs").mkdir()), inputs=[X],
                   wrap=["unshare", "-m", "sh", "-c",
                         'mount -t tmpfs -o ro,size=1m probe-ro rofs && exec "$@"', "sh"],
                   skip=None if can_unshare else "needs unshare -m (root)"))
    cs.append(Case("fault-disk-full-report", ["evaluate", X, "--report", "rep"], (1,),
                   copy_sample, inputs=[X], fsize=50_000))
    cs.append(Case("fault-disk-full-plan", ["plan", "rotation", X, "-o", "plan", "--apply",
                                            "after.xlsx", "--time-limit", "5"], (1,),
                   copy_sample, inputs=[X], fsize=20_000))

    # -- hostile workbooks -----------------------------------------------------------------------
    def hostile(name: str, build: Callable[[Path], None], expect: tuple[int, ...] = (2,),
                **kw) -> Case:
        # located: the file, a sheet, or the part of the archive
        kw.setdefault("checks", []).append(in_stderr(X, *SHEET, "学校", "学段", "教师",
                                                     "shared strings", "sharedStrings", when=2))
        return evaluate(name, build, expect, rss_bound=RSS_BOUND, **kw)

    raw = base.raw.read_bytes()
    cs.append(hostile("xlsx-not-a-zip", raw_file(b"this is not a workbook\n" * 40)))
    cs.append(hostile("xlsx-empty-file", raw_file(b"")))
    cs.append(hostile("xlsx-truncated-zip", raw_file(raw[: len(raw) * 6 // 10])))
    cs.append(hostile("xlsx-zip-without-sheets", lambda d: write_zip(d / X, [
        ("[Content_Types].xml", b'<?xml version="1.0"?><Types xmlns="http://schemas.'
         b'openxmlformats.org/package/2006/content-types"/>')])))

    def pad_sheet(table: str, where: str, chunk: bytes, gb: float) -> Callable[[str, bytes],
                                                                            bytes | Padded]:
        count = max(1, int(gb * 1e9 / len(chunk)))

        def edit(n: str, data: bytes) -> bytes | Padded:
            if n != SHEET[table]:
                return data
            if where == "start":
                i = data.index(b"<sheetData>") + len(b"<sheetData>")
                return Padded(data[:i], chunk, count, data[i:])
            i = data.index(b"</sheetData>")
            rows = data.count(b"<row ")
            return Padded(data[:i] + f'<row r="{rows + 2}">'.encode(), chunk, count,
                          b"</row>" + data[i:])
        return edit

    cs.append(hostile("xlsx-whitespace-1GB", zip_of(pad_sheet("teachers", "start",
                                                              b" " * MiB, 1.0)), (0, 2),
                      timeout=150))
    cs.append(hostile("xlsx-whitespace-3GB", zip_of(pad_sheet("teachers", "start",
                                                              b" " * MiB, 3.0)), (0, 2),
                      timeout=240))
    cs.append(hostile("xlsx-empty-cells-1GB", zip_of(pad_sheet("stages", "row",
                                                               b"<c/>" * (MiB // 4), 1.0)),
                      (0, 2), timeout=150))

    def far_cell(n: str, data: bytes) -> bytes:
        if n != SHEET["schools"]:
            return data
        return data.replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576" t="inlineStr">'
                                             b"<is><t>x</t></is></c></row></sheetData>")
    cs.append(hostile("xlsx-cell-at-XFD1048576", zip_of(far_cell), (0, 2), timeout=60))

    def lying_dimension(n: str, data: bytes) -> bytes:
        if not n.startswith("xl/worksheets/"):
            return data
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', data)
    cs.append(hostile("xlsx-lying-dimension", zip_of(lying_dimension), (0, 2), timeout=60))

    def huge_shared_string(n: str, data: bytes) -> bytes | Padded:
        if n == "xl/sharedStrings.xml":
            i = data.rindex(b"</sst>")
            return Padded(data[:i] + b"<si><t>", b"A" * MiB, 64, b"</t></si></sst>")
        if n == SHEET["teachers"]:
            count = members_count_strings(base.raw)
            return re.sub(rb'(<c r="A(?:[2-9]|\d\d+)" t="s"><v>)\d+(</v>)',
                          rb"\g<1>" + str(count).encode() + rb"\g<2>", data)
        return data
    cs.append(hostile("xlsx-64MiB-shared-string-x789", zip_of(huge_shared_string), (2,),
                      timeout=120))

    def entity_bomb(n: str, data: bytes) -> bytes:
        if n != "xl/sharedStrings.xml":
            return data
        ents = ['<!ENTITY e0 "ha">'] + [f'<!ENTITY e{i} "{f"&e{i - 1};" * 10}">'
                                        for i in range(1, 10)]
        doctype = f"<!DOCTYPE sst [{''.join(ents)}]>".encode()
        data = data.replace(b"?>", b"?>" + doctype, 1)
        return data.replace(b"<t>", b"<t>&e9;", 1)
    cs.append(hostile("xlsx-xml-entity-bomb", zip_of(entity_bomb), (0, 2), timeout=60))

    long_name = "长" * 40_000

    def long_string(n: str, data: bytes) -> bytes:
        if n != "xl/sharedStrings.xml":
            return data
        return data.replace("城关第一小学".encode(), long_name.encode(), 1)

    def long_string_build(d: Path) -> None:
        zip_of(long_string)(d)
        assert long_name.encode() in zipfile.ZipFile(d / X).read("xl/sharedStrings.xml")
    def only_the_long_cell(ctx: Ctx) -> list[str]:
        """Refusing the cell is fair (Excel cannot have written it), but only that cell: the
        same index in a number cell (<c><v>19</v></c>) is a number, not the string."""
        if ctx.run.rc != 2:
            return []
        wrong = [t for t in ("stages", "teachers") if re.search(rf"│\s*{t}\s*│", ctx.run.err)]
        return [f"blames number cells of {', '.join(wrong)} for the long string"] if wrong else []
    # Exit 0 (read; the Excel report says it cut the text) or exit 2 (refused, located).
    cs.append(evaluate("xlsx-string-over-32767-chars", long_string_build, (0, 2),
                       checks=[xlsx_contains("rep", "评估结果.xlsx", "已截断", "truncated"),
                               located(3, "B3", "name"), only_the_long_cell]))

    # bytes flipped inside members, and inside the compressed stream
    members = members_of(base.raw)
    for k, target in enumerate(("xl/workbook.xml", "xl/sharedStrings.xml", SHEET["stages"],
                                "[Content_Types].xml")):
        def flipped(d: Path, target: str = target, seed: int = k) -> None:
            rng = random.Random(seed)
            out = []
            for n, data in members:
                if n == target:
                    b = bytearray(data)
                    for _ in range(12):
                        b[rng.randrange(len(b))] ^= rng.randrange(1, 256)
                    data = bytes(b)
                out.append((n, data))
            write_zip(d / X, out)
        short = Path(target).stem.strip("[]").replace("_", "").lower()[:14]
        cs.append(hostile(f"xlsx-flipped-{short}", flipped, (0, 2)))
    for k in range(2):
        def flipped_stream(d: Path, seed: int = 100 + k) -> None:
            rng = random.Random(seed)
            b = bytearray(raw)
            for _ in range(6):
                b[rng.randrange(200, len(b) * 3 // 4)] ^= rng.randrange(1, 256)
            (d / X).write_bytes(bytes(b))
        cs.append(hostile(f"xlsx-flipped-compressed-{k}", flipped_stream, (0, 2)))

    def duplicate_sheet_alias(t: Tables) -> None:
        t["学校"] = t["schools"]
    cs.append(hostile("xlsx-duplicate-sheet-alias", xlsx_of(duplicate_sheet_alias)))

    def duplicate_sheet_name(n: str, data: bytes) -> bytes:
        return data.replace(b'name="rooms"', b'name="schools"') if n == "xl/workbook.xml" \
            else data
    cs.append(hostile("xlsx-duplicate-sheet-name", zip_of(duplicate_sheet_name)))

    appended: dict[str, str] = {}  # the duplicate's column letter (after the last column)

    def duplicate_header(t: Tables) -> None:
        headers, rows = t["schools"]
        j = headers.index("name")
        headers.append("name")
        appended["letter"] = chr(ord("A") + len(headers) - 1)  # the schools sheet has < 26
        for row in rows:
            row.append(row[j])
    cs.append(hostile("xlsx-duplicate-header-exact", xlsx_of(duplicate_header),
                      checks=[lambda c: [] if re.search(r"\bB\b", c.run.err)
                              and re.search(rf"\b{appended['letter']}\b", c.run.err)
                              else [f"message does not name both columns (B, "
                                    f"{appended['letter']})"]]))
    cs.append(hostile("xlsx-blank-template", lambda d: shutil.copy(base.template, d / X)))

    def headers_only(t: Tables) -> None:
        for _, rows in t.values():
            rows.clear()
    cs.append(hostile("xlsx-header-rows-only", xlsx_of(headers_only)))


    # -- CSV folders ---------------------------------------------------------------------------
    def csv_case(name: str, edit: Callable[[Path], None], expect: tuple[int, ...],
                 **kw) -> Case:
        return evaluate(name, csv_of(edit), expect, inp="data", **kw)

    def reencode(file: str, encoding: str, bom: bytes = b"") -> Callable[[Path], None]:
        def edit(folder: Path) -> None:
            text = (folder / file).read_text(encoding="utf-8")
            (folder / file).write_bytes(bom + text.encode(encoding))
        return edit

    def edit_text(file: str, fn: Callable[[str], str]) -> Callable[[Path], None]:
        def edit(folder: Path) -> None:
            p = folder / file
            p.write_bytes(fn(p.read_text(encoding="utf-8")).encode("utf-8"))
        return edit

    def edit_line(file: str, line: int, fn: Callable[[str], str]) -> Callable[[Path], None]:
        def whole(text: str) -> str:
            lines = text.split("\n")
            lines[line - 1] = fn(lines[line - 1])
            return "\n".join(lines)
        return edit_text(file, whole)

    gb_wrong = not_in_output("GB18030", "reported as a GB18030 problem")
    cs.append(csv_case("csv-utf16-bom", reencode("schools.csv", "utf-16"), (0, 2),
                       checks=[gb_wrong, in_stderr("UTF-16", "utf-16", when=2)]))
    cs.append(csv_case("csv-gb18030", reencode("schools.csv", "gb18030"), (0,),
                       checks=[warns("GB18030")]))
    cs.append(csv_case("csv-lone-cr", edit_text("teachers.csv", lambda s: s.replace("\n", "\r")),
                       (0, 2), checks=[gb_wrong, in_stderr("teachers.csv", when=2),
                                       says_when(2, r"\\r|\bCR\b|回车|换行|line ending|line break",
                                                 "exit 2 without naming the line endings")]))
    cs.append(csv_case("csv-row-with-extra-field",
                       edit_line("teachers.csv", 6, lambda s: s + ",surplus"), (2,),
                       checks=[gb_wrong, in_stderr("teachers.csv"), located(6),
                               no_row_dump("data/teachers.csv")]))
    cs.append(csv_case("csv-unclosed-quote",
                       edit_line("teachers.csv", 6, lambda s: '"' + s), (2,),
                       checks=[gb_wrong, in_stderr("teachers.csv"), located(6),
                               no_row_dump("data/teachers.csv")]))
    cs.append(csv_case("csv-zero-byte-file", lambda f: (f / "teachers.csv").write_bytes(b""), (2,),
                       checks=[in_stderr("teachers.csv")]))
    cs.append(csv_case("csv-nul-byte",
                       edit_line("schools.csv", 2, lambda s: s.replace("县", "县\x00", 1)), (0, 2),
                       checks=[in_stderr("schools.csv", when=2)]))
    cs.append(csv_case("csv-duplicate-header",
                       edit_text("schools.csv", lambda s: "\n".join(
                           line + "," + line.split(",")[1] if line else line
                           for line in s.split("\n"))), (2,)))

    def truncated_parquet(d: Path) -> None:
        folder = copy_folder(base.parquet, d, "data")
        whole = (folder / "teachers.parquet").read_bytes()
        (folder / "teachers.parquet").write_bytes(whole[: len(whole) // 2])
    cs.append(evaluate("parquet-truncated", truncated_parquet, (2,), inp="data",
                       checks=[in_stderr("teachers.parquet")]))

    # -- values --------------------------------------------------------------------------------
    row = 3                    # stages row index 3: spreadsheet row 5

    def value(name: str, table: str, col: str, v: object, expect: tuple[int, ...] = (2,),
              **kw) -> Case:
        def edit(t: Tables) -> None:
            set_cell(t, table, col, row, v)
        checks = kw.pop("checks", [])
        if expect == (2,):
            checks.append(located(row + 2, col))
        return evaluate(name, xlsx_of(edit), expect, checks=checks, **kw)

    cs.append(value("value-1e308-equipment", "stages", "equipment_value_yuan", 1e308))
    cs.append(value("value-inf", "stages", "teaching_area_m2", "inf"))
    cs.append(value("value-nan", "stages", "sports_area_m2", "NaN"))
    cs.append(value("value-2^53+1-pupils", "stages", "students", 2**53 + 1))
    cs.append(value("value-negative-pupils", "stages", "students", -5))
    cs.append(value("value-negative-zero", "stages", "sports_area_m2", -0.0, (0,),
                    extra=["--json", "out.json"],
                    checks=[no_negative_zero("out.json", "rep/evaluation.json")]))
    cs.append(evaluate("value-1e308-csv", csv_of(edit_line(
        "stages.csv", row + 2, lambda s: ",".join(
            ("1e308" if i == 6 else f) for i, f in enumerate(s.split(","))))), (2,),
        inp="data", checks=[located(row + 2, "equipment_value_yuan")]))

    def in_wan_yuan(t: Tables) -> None:
        for table in ("schools", "stages"):
            j = column(t, table, "equipment_value_yuan")
            for r in t[table][1]:
                if r[j] is not None:
                    r[j] = r[j] / 10_000
    cs.append(evaluate("value-equipment-in-wan-yuan", xlsx_of(in_wan_yuan), (0,),
                       checks=[warns("万元")]))

    def more_teachers(t: Tables) -> None:
        set_cell(t, "stages", "students", 1, 3)
    cs.append(evaluate("value-more-teachers-than-pupils", xlsx_of(more_teachers), (0,),
                       checks=[warns(r"多于在校生|more teachers than pupils|teachers but 3 pupils")]))

    zero_id = "0012345678"

    def leading_zeros(t: Tables) -> None:
        replace_everywhere(t, t["schools"][1][1][0], zero_id)
    cs.append(evaluate("value-id-leading-zeros-xlsx", xlsx_of(leading_zeros), (0,),
                       checks=[json_has("rep/evaluation.json", f'"{zero_id}"')]))


    # -- names ---------------------------------------------------------------------------------
    names = [
        ("name-nul", "示例\x00县", []),
        ("name-osc-set-title", "\x1b]0;pwned\x07示例县", []),
        ("name-clear-screen", "示例县\x1b[2J\x1b[H", []),
        ("name-osc8-link", "\x1b]8;;http://evil.example/\x1b\\示例县\x1b]8;;\x1b\\", []),
        ("name-markup-close", "示例县[/]", [literal_in_stdout("示例县[/]")]),
        ("name-markup-link", "[link=http://x]a[/link]",
         [literal_in_stdout("[link=http://x]a[/link]")]),
        ("name-rtl-override", "示例\u202e县cod.exe", []),
        ("name-300-chars", "很" * 300, []),
        ("name-formula-equals", '=HYPERLINK("http://x","点")',
         [no_formula("rep", "HYPERLINK")]),
        ("name-formula-plus", "+1+1县", [no_formula("rep", "1+1")]),
        ("name-formula-at", "@SUM(A1:A9)", [no_formula("rep", "SUM(")]),
        ("name-emoji-code", ":smile:县", [literal_in_stdout(":smile:县")]),
        ("name-windows-device", "CON", []),
        ("name-dot-dot", "..", []),
        ("name-only-controls", "\x1b\x07\u202e", []),
        ("name-html-script", "<script>alert(1)</script>",
         [file_lacks("rep/评估报告.html", "<script>alert(1)</script>",
                     "the name is live HTML in the report")]),
    ]
    for case_name, county, extra_checks in names:
        cs.append(evaluate(case_name, xlsx_of(lambda t, c=county: rename_county(t, c)), (0,),
                           extra=["--json", "out.json"], json="out.json",
                           checks=[*extra_checks, exists("etc", False)]))
    cs.append(Case("name-escape-plan", ["plan", "rotation", X, "-o", "plan", "--time-limit", "5"],
                   (0,), xlsx_of(lambda t: rename_county(t, "\x1b]0;pwned\x07示例县[/]")),
                   inputs=[X], files=["plan/rotation-plan.json"]))

    # -- re-runs into the same folder, permissions, manifest -----------------------------------
    def two_counties(d: Path) -> None:
        write_xlsx(d / "a.xlsx", rename_county(base.tables(), "甲县"))
        write_xlsx(d / "b.xlsx", rename_county(base.tables(), "乙县"))
    cs.append(Case("rerun-other-county", ["evaluate", "b.xlsx", "--report", "rep"], (0,),
                   two_counties, pre=[["evaluate", "a.xlsx", "--report", "rep"]],
                   inputs=["a.xlsx", "b.xlsx"], report="rep",
                   checks=[no_file_matching("rep", "*甲县*"), exists("rep/自评报告-乙县.docx")]))
    # Another language is another kind of run: both sets of reports stay side by side.
    cs.append(Case("rerun-other-language", ["evaluate", X, "--report", "rep", "--lang", "en"],
                   (0,), copy_sample, pre=[["evaluate", X, "--report", "rep"]], inputs=[X],
                   report="rep", lang="en",
                   checks=[exists("rep/评估结果.xlsx"), exists("rep/自评报告-示例县.docx")]))

    def edited_draft(d: Path) -> None:
        copy_sample(d)
        subprocess.run([str(JUNHENG), "evaluate", X, "--report", "rep"], cwd=d,
                       capture_output=True, timeout=120, check=True)
        with (d / "rep" / "自评报告-示例县.docx").open("ab") as f:
            f.write(b"edited")
    cs.append(Case("rerun-keeps-an-edited-draft", ["evaluate", "other.xlsx", "--report", "rep"],
                   (0,), lambda d: (edited_draft(d), shutil.copy(d / X, d / "other.xlsx")),
                   inputs=[X], report="rep", checks=[exists("rep/自评报告-示例县.docx")]))

    def keeps_user_files(d: Path) -> None:
        copy_sample(d)
        (d / "rep").mkdir()
        (d / "rep" / "my-notes.txt").write_text("keep me\n")
        (d / "victim.txt").write_text("outside the folder\n")
        (d / "rep" / "link.docx").symlink_to("../victim.txt")
        (d / "rep" / ".junheng-manifest.json").write_text(json.dumps(
            {"written_by": "junheng", "runs": {"evaluate-zh": [
                {"name": n, "size": 19, "mtime_ns": (d / "victim.txt").stat().st_mtime_ns}
                for n in ("../victim.txt", str(d / "victim.txt"), "link.docx", "..", "/")]}}))
    cs.append(Case("rerun-manifest-cannot-escape", ["evaluate", X, "--report", "rep"], (0,),
                   keeps_user_files, inputs=[X, "victim.txt", "rep/my-notes.txt"], report="rep",
                   checks=[exists("rep/my-notes.txt"), exists("victim.txt")]))
    cs.append(Case("umask-respected", ["evaluate", X, "--report", "rep"], (0,), copy_sample,
                   inputs=[X], report="rep", umask=0o027, checks=[modes("rep", 0o640)]))
    return cs


def members_count_strings(path: Path) -> int:
    """How many strings the shared-string table of ``path`` holds (the next index)."""
    data = zipfile.ZipFile(path).read("xl/sharedStrings.xml")
    return data.count(b"<si>")


# ---------------------------------------------------------------------------------------------

def line(index: int, name: str, result: dict) -> str:
    head = f"{index:2d} {name:<40} "
    if result.get("skipped"):
        status = "skipped: " + result["skipped"]
    elif result["held"]:
        status = "held"
    else:
        status = "FAILED: " + "; ".join(result["why"])
    status = status.replace("\n", " ")
    room = WIDTH - len(head)
    return head + (status if len(status) <= room else status[:room - 1] + "…")


def can_unshare() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-m", "true"], capture_output=True)
    return probe.returncode == 0


def remove_tree(path: Path) -> None:
    if not path.exists():
        return
    try:
        shutil.rmtree(path)
    except PermissionError:
        if os.geteuid() == 0:  # a locked folder of an interrupted earlier run
            subprocess.run(["chattr", "-R", "-i", str(path)], capture_output=True)
        for p in path.rglob("*"):
            with contextlib.suppress(OSError):
                if p.is_dir() and not p.is_symlink():
                    p.chmod(0o755)
        shutil.rmtree(path)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "build" / "probe-hostile",
                        help="folder for the cases' inputs and outputs (emptied first)")
    parser.add_argument("--only", default=None, help="run only the cases whose name has TEXT")
    parser.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                        help="cases run at once (default 2)")
    args = parser.parse_args()

    root = args.out.resolve()
    remove_tree(root)
    root.mkdir(parents=True)
    started = time.monotonic()
    base = Base(root / "base")
    all_cases = cases(base, os.geteuid() == 0, can_unshare())
    names = [c.name for c in all_cases]
    assert len(names) == len(set(names)), "case names must be unique"
    chosen = [(i, c) for i, c in enumerate(all_cases, 1)
              if args.only is None or args.only in c.name]

    print(f"junheng hostile-input probe: {len(chosen)} cases, {JUNHENG}")
    results = []
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        runs = pool.map(lambda ic: run_case(ic[1], root, ic[0]), chosen)
        for (i, case), result in zip(chosen, runs, strict=True):
            print(line(i, case.name, result), flush=True)
            results.append(result)

    tried = [r for r in results if not r.get("skipped")]
    held = [r for r in tried if r["held"]]
    (root / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=1),
                                       encoding="utf-8")
    with open(root / "failures.txt", "w", encoding="utf-8") as f:
        for r in tried:
            if r["held"]:
                continue
            f.write(f"## {r['index']:02d} {r['name']}\n")
            f.write("command: junheng " + " ".join(repr(a) if re.search(r"[^\w./=-]", a) else a
                                                   for a in r["argv"]) + "\n")
            folder = root / "cases" / f"{r['index']:02d}-{r['name']}"
            f.write(f"case folder: {folder}\n")
            f.write(f"exit: {r.get('rc')}  seconds: {r.get('seconds')}  "
                    f"peak MiB: {r.get('max_rss_mib')}\n")
            f.write("why: " + "; ".join(r["why"]) + "\n")
            err = (r.get("stderr") or "").splitlines()[:12]
            f.write("stderr:\n" + "".join(f"  {repr(x)[1:-1]}\n" for x in err) + "\n")
    print(f"details: {root / 'failures.txt'} ({time.monotonic() - started:.0f} s)")
    print(f"cases tried {len(tried)}, held {len(held)}")
    return 0 if len(held) == len(tried) else 1


if __name__ == "__main__":
    sys.exit(main())
