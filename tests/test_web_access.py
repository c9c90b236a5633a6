"""Every web route × every role (issue 16): who may read or change what, decided here by hand.

The expected outcomes below are written out row by row from the rules of the issue — never
computed by ``junheng.web.access`` — so a change of a scope rule, or a new route without a row,
fails this test:

- admin: ``/admin`` and its forms, and every county read-only (it acts on no county's data:
  its uploads, reviews, plans and ledger changes are refused, 403);
- province (region 甲市): the counties of its region (A), not B (region 乙市);
- county bureau: its own county only, which it also uploads to;
- school: its own school's page only, every other county route is "not found";
- inspector (county A): read-only on A (pages, reports, API), upload refused (403), no admin;
- anonymous: pages send to /login (303), ``/api/...`` answers 401.

Out of scope is always 404 — a guessed id (9999) included — never 403 and never 200. POST rows
carry the session's own CSRF token, so the role is the only reason a request is refused; the
CSRF checks themselves, the headers, the cookie, the login rate limit and the forced password
change are tested after the table.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from types import SimpleNamespace

import openpyxl
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from starlette.routing import Mount

import junheng
from junheng.io import write_workbook
from junheng.model.assemble import school_part
from junheng.store import (
    County,
    Evidence,
    LedgerEntry,
    PlanRun,
    Snapshot,
    Submission,
    User,
    create_user,
    open_store,
    verify_password,
)
from junheng.web import create_app, ledger

PASSWORD = "correct-horse-battery"
REGION_A, REGION_B = "甲市", "乙市"
B_NAME = "乙县"  # county B: the sample renamed, so that its own bureau's upload is accepted
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

ROLES = ("anon", "admin", "province", "county_a", "school", "inspector", "county_b")
USERNAMES = {"admin": "root", "province": "city", "county_a": "bureau_a", "school": "principal",
             "inspector": "inspector", "county_b": "bureau_b"}

# outcomes: (status, Location of a 303 or None)
OK = (200, None)
BAD = (400, None)  # the handler was reached (the role passed) and refused the form's content
LOGIN = (303, "/login")
UNAUTH = (401, None)
FORBID = (403, None)
NF = (404, None)


def to(location: str) -> tuple[int, str]:
    return (303, location)


@dataclass(frozen=True)
class Row:
    """One request (``path`` with {A}, {B}, {S}, {S2} filled in) of one app route, and the
    outcome for each role in the order of ROLES."""

    method: str
    route: str  # the app's route path this request exercises
    path: str
    outcomes: tuple
    form: str | None = None  # how to build the POST body (see ``post_body``)
    effect: str | None = None  # the row a success adds: a key of ``counts``
    fresh: bool = False  # a session of its own (POST /logout ends it)
    by_role: dict = field(init=False, compare=False)

    def __post_init__(self) -> None:
        assert len(self.outcomes) == len(ROLES), self.path
        object.__setattr__(self, "by_role", dict(zip(ROLES, self.outcomes, strict=True)))


def row(method: str, route: str, path: str, *outcomes, **extra) -> Row:
    return Row(method, route, path, outcomes, **extra)


C, S_, REP, API = ("/counties/{county_id}", "/counties/{county_id}/schools/{school_id}",
                   "/counties/{county_id}/report.{kind}", "/api/counties/{county_id}/evaluation")
UP = "/counties/{county_id}/upload"
TO_SCH, TO_A, TO_B, TO_ADM = (to("/counties/{A}/schools/{S}"), to("/counties/{A}"),
                               to("/counties/{B}"), to("/admin"))  # a 303 to that page

SUBS, SUBP, SUBX = ("/counties/{county_id}/submissions",
                    "/counties/{county_id}/schools/{school_id}/submission",
                    "/counties/{county_id}/schools/{school_id}/submission.xlsx")
VER, REV, ASM = ("/counties/{county_id}/submissions/{submission_id}.xlsx",
                 "/counties/{county_id}/submissions/{submission_id}/review",
                 "/counties/{county_id}/submissions/assemble")
TO_SUBP, TO_REV = to("/counties/{A}/schools/{S}/submission"), to("/counties/{A}/submissions?year=2025")
LL, LE = "/counties/{county_id}/ledger", "/counties/{county_id}/ledger/{entry_id}"
LEV, LED = LE + "/evidence", LE + "/evidence/{evidence_id}"
TO_L, TO_L2, TO_LC, TO_LB = (to("/counties/{A}/ledger/{L}"), to("/counties/{A}/ledger/{L2}"),
                             to("/counties/{A}/ledger/{LC}"), to("/counties/{B}/ledger/{LB}"))
PL, PL1 = "/counties/{county_id}/plans", "/counties/{county_id}/plans/{plan_id}"
PLAPI = "/api/counties/{county_id}/plans/{plan_id}"
PLZIP = "/counties/{county_id}/plans/{plan_id}/files.zip"
PLAD = "/counties/{county_id}/plans/{plan_id}/adopt"
PLGF = "/counties/{county_id}/plans/{plan_id}/groups/{filename}"  # a groups plan's one file
TO_P, TO_G = to("/counties/{A}/plans/{P}"), to("/counties/{A}/plans/{G}")
YRS, TCH, AUD = ("/counties/{county_id}/years", "/counties/{county_id}/schools/{school_id}/teachers",
                 "/counties/{county_id}/audit")

TABLE = [
    #      method  route        path                          anon    admin   province county_a school  inspector county_b
    row("GET", "/healthz", "/healthz",                         OK,     OK,     OK,     OK,     OK,     OK,     OK),
    row("GET", "/static", "/static/style.css",                 OK,     OK,     OK,     OK,     OK,     OK,     OK),
    row("GET", "/login", "/login",                             OK,     OK,     OK,     OK,     OK,     OK,     OK),
    # a wrong password for a user that does not exist: refused for everyone, signed in or not
    row("POST", "/login", "/login",                            UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH, UNAUTH,
        form="login"),
    row("POST", "/logout", "/logout",                          LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,  LOGIN,
        form="csrf", fresh=True),
    row("GET", "/password", "/password",                       LOGIN,  OK,     OK,     OK,     OK,     OK,     OK),
    # the two new passwords differ: the form is answered (400), nothing changes
    row("POST", "/password", "/password",                      LOGIN,  BAD,    BAD,    BAD,    BAD,    BAD,    BAD,
        form="password"),
    row("GET", "/", "/",                                       LOGIN,  OK,     OK,     OK,     TO_SCH, OK,     OK),
    # a county's page
    row("GET", C, "/counties/{A}",                             LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", C, "/counties/{B}",                             LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", C, "/counties/9999",                            LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", C, "/counties/0",                               LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    # a county's workbook uploaded (a valid one, naming that very county)
    row("POST", UP, "/counties/{A}/upload",                    LOGIN,  FORBID, FORBID, TO_A,   NF,     FORBID, NF,
        form="upload_a", effect="snapshot"),
    row("POST", UP, "/counties/{B}/upload",                    LOGIN,  FORBID, NF,     NF,     NF,     NF,     TO_B,
        form="upload_b", effect="snapshot"),
    row("POST", UP, "/counties/9999/upload",                   LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="upload_a"),
    # a school's page: S is the school user's school, S2 another school of A; county B's
    # workbook holds the same school ids, so /counties/{B}/schools/{S} exists for B's readers
    row("GET", S_, "/counties/{A}/schools/{S}",                LOGIN,  OK,     OK,     OK,     OK,     OK,     NF),
    row("GET", S_, "/counties/{A}/schools/{S2}",               LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", S_, "/counties/{B}/schools/{S}",                LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", S_, "/counties/{A}/schools/9999999999",         LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", S_, "/counties/9999/schools/{S}",               LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    # the reports
    *[row("GET", REP, f"/counties/{{A}}/report.{kind}",        LOGIN,  OK,     OK,     OK,     NF,     OK,     NF)
      for kind in ("xlsx", "html", "docx")],
    *[row("GET", REP, f"/counties/{{B}}/report.{kind}",        LOGIN,  OK,     NF,     NF,     NF,     NF,     OK)
      for kind in ("xlsx", "html", "docx")],
    *[row("GET", REP, f"/counties/9999/report.{kind}",         LOGIN,  NF,     NF,     NF,     NF,     NF,     NF)
      for kind in ("xlsx", "html", "docx")],
    row("GET", REP, "/counties/{A}/report.pdf",                LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", REP, "/counties/{B}/report.pdf",                LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    # the empty template: anyone signed in
    row("GET", "/template.xlsx", "/template.xlsx",             LOGIN,  OK,     OK,     OK,     OK,     OK,     OK),
    row("GET", "/prices-template.xlsx", "/prices-template.xlsx", LOGIN, OK,   OK,     OK,     OK,     OK,     OK),
    # the API
    row("GET", API, "/api/counties/{A}/evaluation",            UNAUTH, OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", API, "/api/counties/{B}/evaluation",            UNAUTH, OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", API, "/api/counties/9999/evaluation",           UNAUTH, NF,     NF,     NF,     NF,     NF,     NF),
    # data collection: a school's own rows, the bureau's review, the school year assembled
    row("GET", SUBS, "/counties/{A}/submissions",              LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", SUBS, "/counties/{B}/submissions",              LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", SUBS, "/counties/9999/submissions",             LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", SUBP, "/counties/{A}/schools/{S}/submission",   LOGIN,  OK,     OK,     OK,     OK,     OK,     NF),
    row("GET", SUBP, "/counties/{A}/schools/{S2}/submission",  LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", SUBP, "/counties/{B}/schools/{S}/submission",   LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", SUBP, "/counties/{A}/schools/9999999999/submission", LOGIN, NF, NF,     NF,     NF,     NF,     NF),
    row("GET", SUBP, "/counties/9999/schools/{S}/submission",  LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    # files with teacher rows: the school itself and its bureau only
    row("GET", SUBX, "/counties/{A}/schools/{S}/submission.xlsx", LOGIN, NF,   NF,     OK,     OK,     NF,     NF),
    row("GET", SUBX, "/counties/{A}/schools/{S2}/submission.xlsx", LOGIN, NF,  NF,     OK,     NF,     NF,     NF),
    row("GET", SUBX, "/counties/9999/schools/{S}/submission.xlsx", LOGIN, NF,  NF,     NF,     NF,     NF,     NF),
    row("GET", VER, "/counties/{A}/submissions/{SUB}.xlsx",    LOGIN,  NF,     NF,     OK,     OK,     NF,     NF),
    row("GET", VER, "/counties/{B}/submissions/{SUB}.xlsx",    LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", VER, "/counties/9999/submissions/{SUB}.xlsx",   LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("POST", SUBP, "/counties/{A}/schools/{S}/submission",  LOGIN,  FORBID, FORBID, TO_SUBP, TO_SUBP, FORBID, NF,
        form="part_s", effect="submission"),
    row("POST", SUBP, "/counties/9999/schools/{S}/submission", LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="part_s"),
    row("POST", REV, "/counties/{A}/submissions/{SUB}/review", LOGIN,  FORBID, FORBID, TO_REV, FORBID, FORBID, NF,
        form="approve"),
    row("POST", REV, "/counties/{B}/submissions/{SUB}/review", LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="approve"),
    row("POST", REV, "/counties/9999/submissions/{SUB}/review", LOGIN, NF,     NF,     NF,     NF,     NF,     NF,
        form="approve"),
    row("POST", ASM, "/counties/{A}/submissions/assemble",     LOGIN,  FORBID, FORBID, TO_A,   NF,     FORBID, NF,
        form="assemble", effect="snapshot"),
    row("POST", ASM, "/counties/9999/submissions/assemble",    LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="assemble"),
    # plans (a finished rotation run {P} of county A; the POST's kind is unknown: reached,
    # refused 400, so no job runs here — tests/test_web_plans.py runs them)
    row("GET", PL, "/counties/{A}/plans",                      LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", PL, "/counties/{B}/plans",                      LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", PL, "/counties/9999/plans",                     LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("POST", PL, "/counties/{A}/plans",                     LOGIN,  FORBID, FORBID, BAD,    NF,     FORBID, NF,
        form="plan"),
    row("POST", PL, "/counties/{B}/plans",                     LOGIN,  FORBID, NF,     NF,     NF,     NF,     BAD,
        form="plan"),
    row("POST", PL, "/counties/9999/plans",                    LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="plan"),
    row("GET", PL1, "/counties/{A}/plans/{P}",                 LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", PL1, "/counties/{B}/plans/{P}",                 LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", PL1, "/counties/{A}/plans/9999",                LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", PL1, "/counties/9999/plans/{P}",                LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", PLAPI, "/api/counties/{A}/plans/{P}",           UNAUTH, OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", PLAPI, "/api/counties/{B}/plans/{P}",           UNAUTH, NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", PLAPI, "/api/counties/9999/plans/{P}",          UNAUTH, NF,     NF,     NF,     NF,     NF,     NF),
    # the plan's files name teachers: the county bureau only
    row("GET", PLZIP, "/counties/{A}/plans/{P}/files.zip",     LOGIN,  FORBID, FORBID, OK,     NF,     FORBID, NF),
    row("GET", PLZIP, "/counties/{B}/plans/{P}/files.zip",     LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", PLZIP, "/counties/9999/plans/{P}/files.zip",    LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("POST", PLAD, "/counties/{A}/plans/{P}/adopt",         LOGIN,  FORBID, FORBID, TO_P,   NF,     FORBID, NF,
        form="csrf"),
    row("POST", PLAD, "/counties/{B}/plans/{P}/adopt",         LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="csrf"),
    row("POST", PLAD, "/counties/9999/plans/{P}/adopt",        LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="csrf"),
    # a school-groups plan {G} names schools only: its page and files for every reader
    row("GET", PL1, "/counties/{A}/plans/{G}",                 LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", PLZIP, "/counties/{A}/plans/{G}/files.zip",     LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", PLGF, "/counties/{A}/plans/{G}/groups/groups-plan.json", LOGIN, OK, OK, OK,   NF,     OK,     NF),
    row("GET", PLGF, "/counties/{A}/plans/{G}/groups/other.json", LOGIN, NF,  NF,     NF,     NF,     NF,     NF),
    row("GET", PLGF, "/counties/{A}/plans/{P}/groups/groups-plan.json", LOGIN, NF, NF, NF,   NF,     NF,     NF),
    row("GET", PLGF, "/counties/{B}/plans/{G}/groups/groups-plan.json", LOGIN, NF, NF, NF,   NF,     NF,     NF),
    row("GET", PLGF, "/counties/9999/plans/{G}/groups/groups-plan.json", LOGIN, NF, NF, NF,  NF,     NF,     NF),
    row("POST", PLAD, "/counties/{A}/plans/{G}/adopt",         LOGIN,  FORBID, FORBID, TO_G,   NF,     FORBID, NF,
        form="csrf"),
    # the 问题台账: L an entry of S, L2 of S2, LC a county-level entry of A, LB an entry of B;
    # E evidence of L, E2 of L2. A school sees its own school's entries only.
    row("GET", LL, "/counties/{A}/ledger",                     LOGIN,  OK,     OK,     OK,     OK,     OK,     NF),
    row("GET", LL, "/counties/{A}/ledger?school={S}",          LOGIN,  OK,     OK,     OK,     OK,     OK,     NF),
    row("GET", LL, "/counties/{A}/ledger?school={S2}",         LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", LL, "/counties/{A}/ledger?school=9999999999",   LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", LL, "/counties/{B}/ledger",                     LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", LL, "/counties/9999/ledger",                    LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", LE, "/counties/{A}/ledger/{L}",                 LOGIN,  OK,     OK,     OK,     OK,     OK,     NF),
    row("GET", LE, "/counties/{A}/ledger/{L2}",                LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", LE, "/counties/{A}/ledger/{LC}",                LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", LE, "/counties/{B}/ledger/{LB}",                LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", LE, "/counties/{B}/ledger/{L}",                 LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", LE, "/counties/{A}/ledger/999999",              LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", LE, "/counties/9999/ledger/{L}",                LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("POST", LE, "/counties/{A}/ledger/{L}",                LOGIN,  FORBID, FORBID, TO_L,   FORBID, FORBID, NF,
        form="ledger_update"),
    row("POST", LE, "/counties/{A}/ledger/{L2}",               LOGIN,  FORBID, FORBID, TO_L2,  NF,     FORBID, NF,
        form="ledger_update"),
    row("POST", LE, "/counties/{B}/ledger/{LB}",               LOGIN,  FORBID, NF,     NF,     NF,     NF,     TO_LB,
        form="ledger_update"),
    row("POST", LE, "/counties/{B}/ledger/{L}",                LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="ledger_update"),
    row("POST", LE, "/counties/9999/ledger/{L}",               LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="ledger_update"),
    row("POST", LEV, "/counties/{A}/ledger/{L}/evidence",      LOGIN,  FORBID, FORBID, TO_L,   TO_L,   FORBID, NF,
        form="evidence", effect="evidence"),
    row("POST", LEV, "/counties/{A}/ledger/{L2}/evidence",     LOGIN,  FORBID, FORBID, TO_L2,  NF,     FORBID, NF,
        form="evidence", effect="evidence"),
    row("POST", LEV, "/counties/{A}/ledger/{LC}/evidence",     LOGIN,  FORBID, FORBID, TO_LC,  NF,     FORBID, NF,
        form="evidence", effect="evidence"),
    row("POST", LEV, "/counties/{B}/ledger/{LB}/evidence",     LOGIN,  FORBID, NF,     NF,     NF,     NF,     TO_LB,
        form="evidence", effect="evidence"),
    row("POST", LEV, "/counties/9999/ledger/{L}/evidence",     LOGIN,  NF,     NF,     NF,     NF,     NF,     NF,
        form="evidence"),
    row("GET", LED, "/counties/{A}/ledger/{L}/evidence/{E}",   LOGIN,  OK,     OK,     OK,     OK,     OK,     NF),
    row("GET", LED, "/counties/{A}/ledger/{L2}/evidence/{E2}", LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", LED, "/counties/{A}/ledger/{L}/evidence/{E2}",  LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", LED, "/counties/9999/ledger/{L}/evidence/{E}",  LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    # trends across school years
    row("GET", YRS, "/counties/{A}/years",                     LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", YRS, "/counties/{B}/years",                     LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", YRS, "/counties/9999/years",                    LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    # a school's teacher rows: names for the bureau and the school, pseudonyms for the others
    row("GET", TCH, "/counties/{A}/schools/{S}/teachers",      LOGIN,  OK,     OK,     OK,     OK,     OK,     NF),
    row("GET", TCH, "/counties/{A}/schools/{S2}/teachers",     LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", TCH, "/counties/{B}/schools/{S}/teachers",      LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", TCH, "/counties/{A}/schools/9999999999/teachers", LOGIN, NF,    NF,     NF,     NF,     NF,     NF),
    row("GET", TCH, "/counties/9999/schools/{S}/teachers",     LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    # the audit trail: a county's for those who read it, the whole one for the administrator
    row("GET", AUD, "/counties/{A}/audit",                     LOGIN,  OK,     OK,     OK,     NF,     OK,     NF),
    row("GET", AUD, "/counties/{B}/audit",                     LOGIN,  OK,     NF,     NF,     NF,     NF,     OK),
    row("GET", AUD, "/counties/9999/audit",                    LOGIN,  NF,     NF,     NF,     NF,     NF,     NF),
    row("GET", "/audit", "/audit",                             LOGIN,  OK,     NF,     NF,     NF,     NF,     NF),
    # the admin's pages
    row("GET", "/admin", "/admin",                             LOGIN,  OK,     NF,     NF,     NF,     NF,     NF),
    row("POST", "/admin/counties", "/admin/counties",          LOGIN,  TO_ADM, NF,     NF,     NF,     NF,     NF,
        form="county", effect="county"),
    row("POST", "/admin/users", "/admin/users",                LOGIN,  OK,     NF,     NF,     NF,     NF,     NF,
        form="user", effect="user"),
]  # fmt: skip

CASES = [(r, role) for r in TABLE for role in ROLES]

# what a role must never be shown, whatever the page: the other county, the other schools
NEVER_SHOWN = {"province": (B_NAME,), "county_a": (B_NAME,), "inspector": (B_NAME,),
               "school": (B_NAME,), "county_b": ("示例县",)}


def app_routes(app) -> set[tuple[str, str]]:
    return _routes(app.routes)


def _routes(routes) -> set[tuple[str, str]]:
    out = set()
    for r in routes:
        if hasattr(r, "original_router"):  # FastAPI ≥ 0.16x keeps an included router whole
            out |= _routes(r.original_router.routes)
            continue
        if isinstance(r, APIRoute):
            out |= {(m, r.path) for m in r.methods}
        elif isinstance(r, Mount):
            out.add(("GET", r.path))
        else:  # a route kind this table does not know yet
            out.add(("?", getattr(r, "path", repr(r))))
    return out


# --- the world: two counties, their snapshots, one user per role, one client per role -------
def renamed(source: Path, target: Path, old: str, new: str) -> Path:
    """The workbook with every cell ``old`` (the county's name) replaced by ``new``."""
    book = openpyxl.load_workbook(source)
    for sheet in book.worksheets[1:]:  # the first sheet is the filling instructions
        for cells in sheet.iter_rows():
            for cell in cells:
                if cell.value == old:
                    cell.value = new
    book.save(target)
    return target


def sign_in(app, username: str, password: str = PASSWORD) -> tuple[TestClient, object]:
    """A client signed in through the real form; also the POST /login response."""
    client = TestClient(app, follow_redirects=False)
    answer = client.post("/login", data={"username": username, "password": password,
                                         "csrf": login_token(client)})
    return client, answer


def login_token(client: TestClient) -> str:
    form = client.get("/login")
    assert form.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)


def session_csrf(client: TestClient) -> str:
    page = client.get("/password")
    assert page.status_code == 200, page.status_code
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)


def counts(store) -> dict[str, int]:
    with store.session() as s:
        return {name: s.scalar(select(func.count()).select_from(table))
                for name, table in (("snapshot", Snapshot), ("county", County), ("user", User),
                                    ("submission", Submission), ("evidence", Evidence))}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web-access")
    sample_a = junheng.write_sample(folder / "county-a.xlsx", schools=8, seed=1)
    schools = junheng.load(sample_a).schools
    (a_name,) = set(schools["county"].to_list())
    ids = sorted(schools["school_id"].to_list())
    sample_b = renamed(sample_a, folder / "county-b.xlsx", a_name, B_NAME)
    assert set(junheng.load(sample_b).schools["county"].to_list()) == {B_NAME}
    assert a_name == "示例县" and a_name != B_NAME  # NEVER_SHOWN["county_b"] names it
    content = {"A": sample_a.read_bytes(), "B": sample_b.read_bytes()}
    # school S's own rows, as the school submits them
    part_s = write_workbook(folder / "part-s.xlsx", school_part(junheng.load(sample_a), ids[1]))
    content["part_s"] = part_s.read_bytes()

    store = open_store(folder=folder / "db")
    with store.session() as s:
        a = County(name=a_name, region=REGION_A)
        b = County(name=B_NAME, region=REGION_B)
        s.add_all([a, b])
        s.flush()
        entries = {}
        for county, key in ((a, "A"), (b, "B")):
            snap = Snapshot(county_id=county.id, school_year=2025, filename=f"{key}.xlsx",
                            content=content[key], sha256=hashlib.sha256(content[key]).hexdigest())
            s.add(snap)
            s.flush()
            # the 问题台账 as an upload leaves it
            ledger.sync(s, county.id, snap, junheng.evaluate(junheng.load(
                folder / ("county-a.xlsx" if key == "A" else "county-b.xlsx"))))
            s.flush()
            entries[key] = {e.key: e.id for e in s.scalars(
                select(LedgerEntry).where(LedgerEntry.county_id == county.id))}
        more_ids = {"L": entries["A"][f"rule:{ids[1]}:primary"],
                      "L2": entries["A"][f"indicator:{ids[2]}:primary:pe_art_teachers_per100"],
                      "LC": entries["A"]["cv:primary:pe_art_teachers_per100"],
                      "LB": entries["B"][f"rule:{ids[1]}:primary"]}
        pdf = b"%PDF-1.4 evidence"
        for name, entry in (("E", "L"), ("E2", "L2")):
            evidence = Evidence(entry_id=more_ids[entry], filename="整改.pdf",
                                media_type="application/pdf", content=pdf,
                                sha256=hashlib.sha256(pdf).hexdigest())
            s.add(evidence)
            s.flush()
            more_ids[name] = evidence.id
        sub = Submission(county_id=a.id, school_id=ids[1], school_year=2025,
                         filename="part-s.xlsx", content=content["part_s"], status="approved",
                         sha256=hashlib.sha256(content["part_s"]).hexdigest())
        s.add(sub)
        s.flush()
        snap_a = s.scalar(select(Snapshot.id).where(Snapshot.county_id == a.id))
        plan = PlanRun(county_id=a.id, snapshot_id=snap_a, kind="rotation", status="done",
                       params='{"time_limit": 5, "seed": 0, "settings": {}}',
                       result_json='{"moves": [], "warnings": []}',
                       files=b"PK\x05\x06" + bytes(18))  # an empty zip
        s.add(plan)
        s.flush()
        more_ids["P"] = plan.id
        groups_files = io.BytesIO()  # the groups plan's files: schools only, no teacher
        with zipfile.ZipFile(groups_files, "w") as z:
            z.writestr("groups-plan.json", '{"groups": []}')
        groups = PlanRun(county_id=a.id, snapshot_id=snap_a, kind="groups", status="done",
                         params='{"time_limit": 5, "seed": 0, "settings": {}}',
                         result_json='{"groups": [], "coverage": [], "unmatched": []}',
                         summary='{"kind": "groups", "school_year": 2025, "groups": 0, '
                                 '"schools_in_groups": 0, "schools": 8, '
                                 '"pupils_in_groups": 0, "pupils": 100, "pupils_share": 0.0, '
                                 '"target": null, "target_met": null, "pupils_short": null}',
                         files=groups_files.getvalue())
        s.add(groups)
        s.flush()
        more_ids["G"] = groups.id
        scopes = {"admin": {}, "province": {"region": REGION_A},
                  "county_a": {"county_id": a.id},
                  "school": {"county_id": a.id, "school_id": ids[1]},
                  "inspector": {"county_id": a.id}, "county_b": {"county_id": b.id}}
        for role, scope in scopes.items():
            create_user(s, USERNAMES[role], PASSWORD, role.removesuffix("_a").removesuffix("_b"),
                        must_change_password=False, **scope)
        create_user(s, "limited", PASSWORD, "county", county_id=a.id)
        create_user(s, "newcomer", PASSWORD, "county", county_id=a.id,
                    must_change_password=True)
        s.commit()
        a_id, b_id, sub_id = a.id, b.id, sub.id

    app = create_app(store)
    clients = {"anon": TestClient(app, follow_redirects=False)}
    for role, username in USERNAMES.items():
        clients[role], answer = sign_in(app, username)
        assert answer.status_code == 303 and answer.headers["location"] == "/", role
    csrf = {role: session_csrf(c) for role, c in clients.items() if role != "anon"}
    return SimpleNamespace(app=app, store=store, clients=clients, csrf=csrf, content=content,
                           ids={"A": a_id, "B": b_id, "S": ids[1], "S2": ids[2],
                                "SUB": sub_id, **more_ids},
                           schools=ids, a_name=a_name)


_made = count(1)


def post_body(world, form: str, role: str, csrf: str | None) -> dict:
    """The keyword arguments of ``client.post`` for the row's form, with ``csrf`` as given."""
    data = {} if csrf is None else {"csrf": csrf}
    n = next(_made)
    if form in ("upload_a", "upload_b"):
        key = form[-1].upper()
        return {"data": data, "files": {"file": (f"{key}.xlsx", world.content[key], XLSX)}}
    if form == "part_s":
        return {"data": {**data, "school_year": "2025"},
                "files": {"file": ("part.xlsx", world.content["part_s"], XLSX)}}
    if form == "approve":
        return {"data": {**data, "decision": "approve"}}
    if form == "assemble":
        return {"data": {**data, "school_year": "2025"}}
    if form == "plan":
        return {"data": {**data, "kind": "none", "time_limit": "5"}}
    if form == "ledger_update":
        return {"data": {**data, "office": f"科室{n}", "status": "in_progress",
                         "deadline": "2026-06-30"}}
    if form == "evidence":
        return {"data": data, "files": {"file": ("整改.pdf", b"%PDF-1.4 test", "application/pdf")}}
    if form == "county":
        return {"data": {**data, "name": f"新县{n}-{role}", "region": "丙市"}}
    if form == "user":
        return {"data": {**data, "username": f"made{n}_{role}", "role": "county",
                         "county_id": str(world.ids["A"])}}
    if form == "password":
        return {"data": {**data, "current_password": PASSWORD, "new": "a-new-password-1",
                         "again": "a-new-password-2"}}
    return {"data": data}


def case_id(case) -> str:
    r, role = case
    return f"{role}:{r.method}:{r.path}"


@pytest.mark.parametrize("case", CASES, ids=[case_id(c) for c in CASES])
def test_route_by_role(world, case):
    r, role = case
    path = r.path.format(**world.ids)
    status, location = r.by_role[role]
    client = world.clients[role]
    if r.fresh and role != "anon":
        client, _ = sign_in(world.app, USERNAMES[role])
    before = counts(world.store)
    if r.method == "GET":
        answer = client.get(path)
    elif r.form == "login":
        answer = client.post("/login", data={"username": f"ghost-{role}", "password": "nope",
                                             "csrf": login_token(client)})
    else:
        csrf = None if role == "anon" else (
            session_csrf(client) if r.fresh else world.csrf[role])
        answer = client.post(path, **post_body(world, r.form, role, csrf))

    assert answer.status_code == status, (role, r.method, path, answer.text[:300])
    if status == 303:
        assert answer.headers["location"] == location.format(**world.ids)
    # the security headers are on every answer, a refusal or redirect included
    assert answer.headers["content-security-policy"].startswith("default-src 'self'")
    assert answer.headers["x-frame-options"] == "DENY"
    if path.startswith("/api/") and status != 200:
        assert answer.headers["content-type"].startswith("application/json")
    kind = answer.headers.get("content-type", "")
    # pages, errors, the HTML report and the JSON (the xlsx and docx reports are zipped)
    body = answer.text if kind.startswith(("text/", "application/json")) else ""
    for text in NEVER_SHOWN.get(role, ()):
        assert text not in body, (role, path, text)
    if role == "school":  # no other school of the county, by id
        for other in world.schools:
            if other != world.ids["S"]:
                assert other not in body, (path, other)

    after = counts(world.store)
    success = status in (200, 303) and (status, location) != LOGIN
    expected = {k: v + (1 if success and r.effect == k else 0) for k, v in before.items()}
    assert after == expected, (role, r.method, path)
    if r.fresh and role != "anon":  # signed out: the session no longer opens a page
        assert client.get("/").headers.get("location") == "/login"


def test_what_each_home_page_lists(world):
    """The county list on / shows exactly the counties in scope."""
    shown = {role: world.clients[role].get("/").text for role in
             ("admin", "province", "county_a", "inspector", "county_b")}
    for role, text in shown.items():
        assert (f'/counties/{world.ids["A"]}"' in text) == (role != "county_b"), role
        assert (f'/counties/{world.ids["B"]}"' in text) == (role in ("admin", "county_b")), role


def test_the_table_covers_every_route_and_every_role(world):
    routes = app_routes(world.app)
    tabled = {(r.method, r.route) for r in TABLE}
    assert routes - tabled == set(), "a route without an access row"
    assert tabled - routes == set(), "a row for a route that does not exist"
    assert all(set(r.by_role) == set(ROLES) for r in TABLE)
    # every route has at least one guessed-id row when it takes a county id
    for _, route in routes:
        if "{county_id}" in route:
            assert any(r.route == route and "9999" in r.path for r in TABLE), route


# --- CSRF: an allowed role, the wrong token, nothing changed ---------------------------------
@pytest.mark.parametrize("token", ["missing", "wrong", "another session's"])
@pytest.mark.parametrize(("role", "path", "form"), [
    ("county_a", "/counties/{A}/upload", "upload_a"),
    ("county_b", "/counties/{B}/upload", "upload_b"),
    ("admin", "/admin/counties", "county"),
    ("admin", "/admin/users", "user"),
])
def test_a_post_without_its_csrf_token_is_refused(world, role, path, form, token):
    csrf = {"missing": None, "wrong": "x" * 43,
            "another session's": world.csrf["inspector"]}[token]
    before = counts(world.store)
    answer = world.clients[role].post(path.format(**world.ids),
                                      **post_body(world, form, role, csrf))
    assert answer.status_code == 403
    assert counts(world.store) == before
    assert world.clients[role].get("/").status_code == 200  # the session itself still works


def test_logout_and_password_change_need_the_csrf_token(world):
    client, _ = sign_in(world.app, USERNAMES["county_b"])
    assert client.post("/logout", data={"csrf": "wrong"}).status_code == 403
    assert client.post("/logout", data={}).status_code == 403
    assert client.get("/").status_code == 200  # still signed in
    body = post_body(world, "password", "county_b", "wrong")
    body["data"]["again"] = body["data"]["new"]
    assert client.post("/password", **body).status_code == 403
    with world.store.session() as s:
        user = s.scalar(select(User).where(User.username == USERNAMES["county_b"]))
        assert verify_password(user.password_hash, PASSWORD)  # unchanged


def test_login_needs_its_csrf_token(world):
    client = TestClient(world.app, follow_redirects=False)
    login_token(client)  # the cookie is set, the field is missing
    answer = client.post("/login", data={"username": USERNAMES["admin"], "password": PASSWORD})
    assert answer.status_code == 403
    assert "jh_session" not in answer.headers.get("set-cookie", "")
    fresh = TestClient(world.app, follow_redirects=False)  # a field but no cookie
    answer = fresh.post("/login", data={"username": USERNAMES["admin"], "password": PASSWORD,
                                        "csrf": "x" * 43})
    assert answer.status_code == 403


# --- the session cookie, the rate limit, the forced password change --------------------------
def test_the_session_cookie_is_httponly_and_samesite_lax(world):
    _, answer = sign_in(world.app, USERNAMES["inspector"])
    cookies = [c for c in answer.headers.get_list("set-cookie") if c.startswith("jh_session=")]
    assert len(cookies) == 1
    attributes = {part.strip().lower() for part in cookies[0].split(";")[1:]}
    assert "httponly" in attributes and "samesite=lax" in attributes and "path=/" in attributes


def test_five_failures_block_the_user_name_even_with_the_right_password(world):
    client = TestClient(world.app, follow_redirects=False)
    for _ in range(5):
        answer = client.post("/login", data={"username": "limited", "password": "wrong!",
                                             "csrf": login_token(client)})
        assert answer.status_code == 401
    answer = client.post("/login", data={"username": "limited", "password": "wrong!",
                                         "csrf": login_token(client)})
    assert answer.status_code == 429
    answer = client.post("/login", data={"username": "limited", "password": PASSWORD,
                                         "csrf": login_token(client)})
    assert answer.status_code == 429
    assert "jh_session" not in answer.headers.get("set-cookie", "")
    assert answer.headers["x-frame-options"] == "DENY"
    assert client.get("/").headers["location"] == "/login"
    # another user name from the same address is not blocked
    _, other = sign_in(world.app, USERNAMES["county_a"])
    assert other.status_code == 303 and other.headers["location"] == "/"


def test_a_user_who_must_change_the_password_is_sent_to_password_from_every_page(world):
    client, answer = sign_in(world.app, "newcomer")
    assert answer.status_code == 303 and answer.headers["location"] == "/password"
    csrf = session_csrf(client)
    exempt = {"/login", "/logout", "/password", "/healthz", "/static"}
    before = counts(world.store)
    checked = 0
    for r in TABLE:
        if r.route in exempt:
            continue
        path = r.path.format(**world.ids)
        if r.method == "GET":
            answer = client.get(path)
        else:
            answer = client.post(path, **post_body(world, r.form, "newcomer", csrf))
        assert answer.status_code == 303, (r.method, path)
        assert answer.headers["location"] == "/password", (r.method, path)
        checked += 1
    assert checked > 20 and counts(world.store) == before
    answer = client.post("/password", data={"csrf": csrf, "current_password": PASSWORD,
                                            "new": "a-new-password", "again": "a-new-password"})
    assert answer.status_code == 303 and answer.headers["location"] == "/"
    assert client.get("/").status_code == 200
    assert client.get(f"/counties/{world.ids['A']}").status_code == 200


def test_a_malformed_request_is_a_sign_in_or_a_message_never_json(world):
    anon, county = world.clients["anon"], world.clients["county_a"]
    answer = anon.get("/counties/abc")
    assert (answer.status_code, answer.headers.get("location")) == to("/login")
    assert anon.get("/api/counties/abc/evaluation").status_code == 401
    page = county.get("/counties/abc")
    assert page.status_code == 400 and "请求有误" in page.text
    assert page.headers["content-type"].startswith("text/html")
    before = counts(world.store)
    no_file = county.post(f"/counties/{world.ids['A']}/upload",
                          data={"csrf": world.csrf["county_a"]})
    assert no_file.status_code == 400 and "请求有误" in no_file.text
    assert counts(world.store) == before
