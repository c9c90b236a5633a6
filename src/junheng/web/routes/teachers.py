"""A school's teacher rows from the county's latest snapshot, as the contract names them
(Chinese headers, enum codes in Chinese as the reports show them).

Teacher rows are personal data (``access.teacher_names``): the county bureau and the school
itself see the real teacher ids; the inspector, the province/city office and the administrator
see pseudonyms — the CLI's ``--pseudonymise`` pseudonyms (``junheng.io.Pseudonyms``, prefix
``T-``) under one key per running server, so a teacher keeps the same pseudonym from page to
page while the server runs and none can be linked across restarts — and no birth month (with
the birth year, gender and subject it would single a teacher out). The rows are never logged.
"""

from __future__ import annotations

from typing import Any

import polars as pl
from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from junheng.io import Pseudonyms
from junheng.model.schema import ENUMS, TABLES
from junheng.report.catalogue import t
from junheng.web import access
from junheng.web.context import Web, web

router = APIRouter()

IDENTIFYING = {"teacher_id": "T-"}  # pseudonymised: the column and the CLI's prefix
WITHHELD = ("birth_month",)  # left out of the pseudonymised view


def pseudonyms(w: Web) -> Pseudonyms:
    """The server's pseudonyms (``Web.pseudonyms``: one key per running server)."""
    return w.pseudonyms


def _cell(column: Any, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "enum":
        return ENUMS[column.enum].labels.get(value, value)
    if column.kind == "bool":
        return t("yes" if value else "no", "zh")
    if column.kind == "float":
        return f"{value:,.1f}".removesuffix(".0")
    return str(value)


def teacher_view(frame: pl.DataFrame, names: bool, hide: Pseudonyms
                 ) -> tuple[list[dict[str, Any]], list[list[str]]]:
    """The page's columns and rows of one school's teachers: real ids when ``names``, else
    pseudonyms (and the withheld columns left out), sorted by what is shown."""
    columns = [c for c in TABLES["teachers"].columns
               if c.name in frame.columns and c.name != "school_id"
               and (names or c.name not in WITHHELD)]
    if not names:
        frame = hide.frame(frame, list(IDENTIFYING), IDENTIFYING["teacher_id"])
    frame = frame.sort("teacher_id")
    heads = [{"zh": c.header + ("（化名）" if not names and c.name in IDENTIFYING else ""),
              "en": c.name,
              "cls": "num" if c.kind in ("int", "float") else (
                  "mono" if c.name in IDENTIFYING else "")} for c in columns]
    rows = [[_cell(c, r[c.name]) for c in columns] for r in frame.iter_rows(named=True)]
    return heads, rows


@router.get("/counties/{county_id}/schools/{school_id}/teachers", response_class=HTMLResponse)
def teachers_page(request: Request, county_id: int, school_id: str) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.school_or_404(s, user, county_id, school_id)
        names = access.teacher_names(user, county, school_id)
        if names is None:
            raise HTTPException(status_code=404)
        snap = w.latest(s, county_id)
    if snap is None:
        raise HTTPException(status_code=404)
    dataset = w.cache.get(snap.sha256, snap.content, snap.filename)[0]
    school = dataset.schools.filter(pl.col("school_id") == school_id)
    if school.height == 0:
        raise HTTPException(status_code=404)
    frame = dataset.teachers.filter(pl.col("school_id") == school_id)
    heads, rows = teacher_view(frame, names, pseudonyms(w))
    full_time = int(frame.get_column("full_time").sum() or 0) if frame.height else 0
    return w.page(request, "teachers.html", user=user, csrf=csrf, county=county,
                  school_id=school_id, name=school.get_column("name")[0],
                  year=snap.school_year, snapshot=snap, names=names, heads=heads, rows=rows,
                  full_time=full_time)
