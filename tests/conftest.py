"""Test helpers: build small input workbooks and folders by hand (not with junheng's writer)."""

from __future__ import annotations

import csv
import math
from collections.abc import Iterable
from itertools import count
from pathlib import Path

import pytest
import xlsxwriter

_ids = count(1)


def teachers(school_id: str, stage: str | None, n: int, **attrs) -> list[dict]:
    """``n`` full-time teachers with defaults that count in no indicator unless asked to."""
    base = {"school_id": school_id, "stage": stage, "subject": "chinese", "full_time": "是",
            "education": "secondary", "backbone": "none"}
    base.update(attrs)
    return [{"teacher_id": f"T{next(_ids):07d}", **base} for _ in range(n)]


def stage_row(school_id: str, stage: str, students: int, **figures) -> dict:
    """A stage row whose facilities meet every threshold comfortably unless overridden."""
    row = {"school_id": school_id, "stage": stage, "students": students,
           "classes": max(1, students // 45), "teaching_area_m2": 10 * students,
           "sports_area_m2": 20 * students, "equipment_value_yuan": 5000 * students,
           "multimedia_rooms": max(1, students // 20)}
    row.update(figures)
    return row


def school_row(school_id: str, school_type: str = "primary", county: str = "测试县",
               location: str = "urban", **extra) -> dict:
    return {"school_id": school_id, "name": f"学校{school_id}", "county": county,
            "school_type": school_type, "location": location, **extra}


def passing_teachers(school_id: str, stage: str, students: int) -> list[dict]:
    """Enough qualified, backbone and PE/art teachers to meet the teacher thresholds."""
    need = {"primary": 4.2, "junior": 5.3}[stage] * students / 100
    n = math.ceil(need) + 1
    education = "bachelor"
    out = teachers(school_id, stage, n, education=education)
    backbone = math.ceil(students / 100) + 1
    pe_art = math.ceil(0.9 * students / 100) + 1
    for i, t in enumerate(out):
        if i < backbone:
            t["backbone"] = "county"
        if backbone <= i < backbone + pe_art:
            t["subject"] = "pe"
    if backbone + pe_art > n:
        out += teachers(school_id, stage, backbone + pe_art - n, education=education,
                        subject="music", backbone="county")
    return out


def write_xlsx(path: Path, tables: dict[str, Iterable[dict]], headers: dict[str, list[str]]
               | None = None, sheet_names: dict[str, str] | None = None) -> Path:
    """Write each table on its own sheet; cells written as given (str stays text)."""
    book = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False,
                                           "strings_to_formulas": False})
    for table, rows in tables.items():
        rows = list(rows)
        sheet = book.add_worksheet((sheet_names or {}).get(table, table))
        cols = (headers or {}).get(table) or list(dict.fromkeys(k for r in rows for k in r))
        for j, c in enumerate(cols):
            sheet.write_string(0, j, c)
        for i, r in enumerate(rows, start=1):
            for j, c in enumerate(cols):
                v = r.get(c)
                if v is None:
                    continue
                if isinstance(v, str):
                    sheet.write_string(i, j, v)
                elif isinstance(v, bool):
                    sheet.write_boolean(i, j, v)
                else:
                    sheet.write_number(i, j, v)
    book.close()
    return path


def write_csvs(folder: Path, tables: dict[str, Iterable[dict]], bom: bool = False,
               names: dict[str, str] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in tables.items():
        rows = list(rows)
        cols = list(dict.fromkeys(k for r in rows for k in r))
        name = (names or {}).get(table, table)
        with open(folder / f"{name}.csv", "w", newline="",
                  encoding="utf-8-sig" if bom else "utf-8") as f:
            w = csv.DictWriter(f, cols)
            w.writeheader()
            w.writerows(rows)
    return folder


@pytest.fixture
def xlsx(tmp_path):
    """Write tables to a fresh workbook: ``xlsx(schools=[...], stages=[...], teachers=[...])``."""
    n = count()

    def make(**tables):
        return write_xlsx(tmp_path / f"in{next(n)}.xlsx", tables)

    return make


# -- Debian's Chromium, for the HTML report and the school pages (make test installs it) ------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole run (starting one costs about a second)."""
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed: `make test` installs it with apt-get "
                    "(packages chromium and fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


# -- A throwaway PostgreSQL server for the store's tests (Debian's postgresql; make test
#    installs it) --------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL cluster on a free loopback port, its URL; stopped at the end. As
    root (CI), the server runs as the ``postgres`` user, since initdb refuses root."""
    import glob
    import os
    import shutil
    import socket
    import subprocess

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.fail("Debian's postgresql is not installed: `make test` installs it with apt-get")
    import tempfile

    bin_dir = Path(found[-1]).parent
    # directly under /tmp: pytest's own folders are closed to the postgres user
    folder = Path(tempfile.mkdtemp(prefix="junheng-pg-"))
    data, sockets = folder / "data", folder / "run"
    sockets.mkdir()
    as_user: list[str] = []
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
        shutil.chown(sockets, "postgres")
        folder.chmod(0o700)
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]

    def run(*args: str) -> None:
        subprocess.run([*as_user, *args], check=True, capture_output=True, timeout=120)

    run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "junheng", "-E", "UTF8",
        "--locale=C")
    run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w", "-o",
        f"-p {port} -h 127.0.0.1 -k {sockets}", "start")
    try:
        run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "junheng",
            "junheng_test")
        yield f"postgresql+psycopg://junheng@127.0.0.1:{port}/junheng_test"
    finally:
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(folder, ignore_errors=True)
