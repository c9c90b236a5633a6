"""Data collection: a school submits its own rows, the bureau reviews them (通过 / 退回 with a
reason), and a county's school year is assembled from the approved ones — the same reader
(``check_upload``) as a county upload, the same writer (``write_workbook``) as the template.

Who may do what (``junheng.web.access``):

- the school's page and its versions: whoever ``sees_school``; the upload form: the school
  itself and its bureau (``submits_for``); the prefilled workbook and the
  versions' files hold teacher rows, so only with ``teacher_names`` (the school and its
  bureau);
- the county's list: everyone who ``sees_county`` (a school gets "not found"); its review and
  assemble forms: the bureau (``manages``), 403 for the other readers.

Every version stays (``Submission`` rows are never changed but for their review); an assembled
school year is a new ``Snapshot`` with ``source="assembled"``, so the county's history and the
ledger follow it like an upload.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from urllib.parse import quote

import polars as pl
from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from junheng.errors import InputError, Problem
from junheng.io import ReadError, read_tables, validate, write_workbook
from junheng.model.assemble import assemble, check_part, school_part
from junheng.model.calendar import school_year_under_way
from junheng.model.dataset import Dataset
from junheng.model.schema import TABLES
from junheng.store import County, Snapshot, Submission, User, audit
from junheng.store.models import utcnow
from junheng.web import access
from junheng.web.context import Web, web
from junheng.web.evaluations import MAX_UPLOAD_BYTES, check_upload

router = APIRouter()

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STATUS = {"submitted": ("待审核", "awaiting review"), "approved": ("已通过", "approved"),
          "returned": ("已退回", "returned")}
MAX_REASON = 2000
# the columns of a school row that name another school of the county (resolved in context)
REFERENCES = ("parent_school_id", "feeds_junior")


# --- helpers ---------------------------------------------------------------------------------
def _as_dicts(problems: list[Problem]) -> list[dict]:
    """Problems as the pages show them (the shape of ``check_upload``'s)."""
    return [{"where": p.location(), "value": "（空 empty）" if p.value is None else p.value,
             "expected": f"{p.expected_zh} / {p.expected_en}"} for p in problems]


def _dataset(w: Web, snap: Snapshot | None) -> Dataset | None:
    if snap is None:
        return None
    try:
        return w.cache.get(snap.sha256, snap.content, snap.filename)[0]
    except InputError:  # a stored snapshot was valid when stored; never fail a page on it
        return None


def _collection_year(w: Web, s: Session, county_id: int) -> int:
    """The school year being collected: the latest snapshot's, else the one under way."""
    snap = w.latest(s, county_id)
    return snap.school_year if snap is not None else school_year_under_way()


def _names(w: Web, s: Session, county_id: int) -> dict[str, str]:
    """The county's schools (id → name): its latest snapshot's and the submitted ones."""
    names: dict[str, str] = {}
    for sub in s.scalars(select(Submission).where(Submission.county_id == county_id)
                         .order_by(Submission.id)):
        names[sub.school_id] = json.loads(sub.summary or "{}").get("name") or sub.school_id
    data = _dataset(w, w.latest(s, county_id))
    if data is not None:
        names.update(zip(data.schools["school_id"].to_list(), data.schools["name"].to_list(),
                         strict=True))
    return names


def _school_or_404(w: Web, s: Session, user: User, county_id: int,
                   school_id: str) -> tuple[County, str]:
    """The county and the school's name, if ``user`` may read that school and the county knows
    it (a school user's own school always: it may be new)."""
    county = w.school_or_404(s, user, county_id, school_id)
    names = _names(w, s, county_id)
    if school_id not in names and user.role != "school":
        raise HTTPException(status_code=404)
    return county, names.get(school_id, school_id)


def _year(text: str, default: int) -> int | None:
    text = text.strip()
    if not text:
        return default
    try:
        year = int(text[:4]) if len(text) >= 4 and text[:4].isdigit() else int(text)
    except ValueError:
        return None
    return year if 1900 <= year <= 2200 else None


def _filename_header(name: str, ascii_name: str) -> dict[str, str]:
    # an ASCII name for old browsers, the Chinese one for the others (RFC 6266)
    return {"Content-Disposition": f"attachment; filename={ascii_name}; "
                                   f"filename*=UTF-8''{quote(name)}"}


def read_part(content: bytes, filename: str, context: set[str]) -> tuple[Dataset | None,
                                                                        list[dict] | None]:
    """A school's uploaded workbook read and validated like any upload (``check_upload``).

    A teaching point names its central school (所属中心校) and a primary school its catchment
    junior school (对口初中): schools of the county, not of the part. When the upload fails only
    there, it is read once more with those cells left out where they name a school of
    ``context`` (the county's schools), and the values are put back: the whole county, where
    they resolve, is checked when the school year is assembled. Every other problem keeps the
    row the user sees.
    """
    dataset, problems = check_upload(content, filename)
    if dataset is not None or not context or not any(
            ref in p["where"] for p in problems or [] for ref in REFERENCES):
        return dataset, problems
    name = Path(filename).name.strip() or "school.xlsx"
    with tempfile.TemporaryDirectory(prefix="junheng-part-") as folder:
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            raw, warnings = read_tables(path)
        except ReadError:
            return None, problems
        schools = raw.get("schools")
        if schools is None:
            return None, problems
        frame = schools.frame
        id_headers = [h for h in frame.columns
                      if TABLES["schools"].column("school_id").matches(h)]
        kept: dict[str, dict[str, str]] = {}
        for column in REFERENCES:
            headers = [h for h in frame.columns if TABLES["schools"].column(column).matches(h)]
            if len(headers) != 1 or len(id_headers) != 1:
                continue
            ids = frame[id_headers[0]].cast(pl.String).str.strip_chars()
            values = frame[headers[0]].cast(pl.String).str.strip_chars()
            named = values.is_in(sorted(context)).fill_null(False)
            kept[column] = {i: v for i, v, n in zip(ids, values, named, strict=True)
                            if n and i is not None}
            frame = frame.with_columns(pl.when(named).then(None).otherwise(pl.col(headers[0]))
                                       .alias(headers[0]))
        schools.frame = frame
        try:
            dataset = validate(raw, warnings, source=str(path))
        except InputError as exc:
            return None, _as_dicts(exc.problems)
    for column, values in kept.items():
        if values:
            dataset.schools = dataset.schools.with_columns(
                pl.when(pl.col("school_id").is_in(list(values)))
                .then(pl.col("school_id").replace(values)).otherwise(pl.col(column))
                .alias(column))
    return dataset, None


def _rows(dataset: Dataset) -> dict[str, int]:
    return {name: frame.height for name, frame in dataset.tables().items()}


def _context(w: Web, s: Session, county_id: int) -> set[str]:
    data = _dataset(w, w.latest(s, county_id))
    return set() if data is None else set(data.schools["school_id"].to_list())


SUPERSEDED = ("已被新版本取代", "superseded by a newer version")


def _version(sub: Submission, n: int = 0, newest: bool = True) -> dict:
    """What a page shows of one version (``n``: its number among the school's versions); an
    older version never reviewed reads as superseded, not as waiting for review."""
    summary = json.loads(sub.summary or "{}")
    zh, en = SUPERSEDED if sub.status == "submitted" and not newest else STATUS[sub.status]
    return {"id": sub.id, "n": n, "school_id": sub.school_id, "year": sub.school_year,
            "file": sub.filename, "at": sub.submitted_at, "status": sub.status,
            "status_zh": zh, "status_en": en,
            "reason": sub.reason, "rows": summary.get("rows", {}),
            "reviewed_at": sub.reviewed_at, "sha": sub.sha256[:12]}


# --- a school's page -------------------------------------------------------------------------
def _school_view(request: Request, county_id: int, school_id: str, status: int = 200,
                 problems: list[dict] | None = None) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county, name = _school_or_404(w, s, user, county_id, school_id)
        subs = list(s.scalars(select(Submission).where(
            Submission.county_id == county_id, Submission.school_id == school_id)
            .order_by(Submission.submitted_at.desc(), Submission.id.desc())))
        year = _collection_year(w, s, county_id)
        snap = w.latest(s, county_id)
    return w.page(request, "submission.html", status, user=user, csrf=csrf, county=county,
                  school_id=school_id, name=name, year=year, problems=problems,
                  versions=[_version(x, len(subs) - i, i == 0) for i, x in enumerate(subs)],
                  snapshot=snap,
                  can_submit=access.submits_for(user, county, school_id),
                  can_prefill=access.teacher_names(user, county, school_id) is True)
    # the versions' files hold teacher rows: the same users as the prefilled workbook


@router.get("/counties/{county_id}/schools/{school_id}/submission", response_class=HTMLResponse)
def school_submission(request: Request, county_id: int, school_id: str) -> Response:
    return _school_view(request, county_id, school_id)


@router.get("/counties/{county_id}/schools/{school_id}/submission.xlsx")
def prefilled(request: Request, county_id: int, school_id: str) -> Response:
    """The school's own rows from the county's latest snapshot, in the template's format (the
    empty template for a school the snapshot does not hold yet)."""
    w = web(request)
    user, _ = w.signed_in(request)
    with w.store.session() as s:
        county, _ = _school_or_404(w, s, user, county_id, school_id)
        if access.teacher_names(user, county, school_id) is not True:
            raise HTTPException(status_code=404)  # teacher rows: the school and its bureau only
        snap = w.latest(s, county_id)
        audit(s, user.id, "submission_prefill_downloaded", f"county:{county_id}",
              {"school_id": school_id, "snapshot": None if snap is None else snap.id})
        s.commit()
    data = _dataset(w, snap)
    part = None
    if data is not None and school_id in data.schools["school_id"].to_list():
        part = school_part(data, school_id)
    with tempfile.TemporaryDirectory(prefix="junheng-prefill-") as folder:
        body = write_workbook(Path(folder) / "part.xlsx", part).read_bytes()
    return Response(body, media_type=XLSX, headers=_filename_header(
        f"{school_id}-本校填报.xlsx", f"{school_id}.xlsx"))


@router.post("/counties/{county_id}/schools/{school_id}/submission",
             response_class=HTMLResponse)
async def submit(request: Request, county_id: int, school_id: str, file: UploadFile,
                 csrf: str = Form(""), school_year: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    w.check_csrf(csrf, expected)
    with w.store.session() as s:
        county, name = _school_or_404(w, s, user, county_id, school_id)
        if not access.submits_for(user, county, school_id):
            raise HTTPException(status_code=403, detail="只有本校和本县教育局可以提交本校数据 / "
                                                        "only the school and its bureau submit "
                                                        "its rows")
        year = _year(school_year, _collection_year(w, s, county_id))
        context = _context(w, s, county_id) - {school_id}
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    filename = Path(file.filename or "school.xlsx").name
    if year is None:
        problems: list[dict] | None = [{"where": "学年 school year", "value": school_year,
                                        "expected": "学年的起始年份，如 2025 / the school "
                                                    "year's starting year, e.g. 2025"}]
        dataset = None
    else:
        dataset, problems = read_part(content, filename, context)
    if dataset is not None:
        found = check_part(dataset, school_id, county.name)
        problems = _as_dicts(found) if found else None
    if problems:
        return _school_view(request, county_id, school_id, 400, problems)
    assert dataset is not None and year is not None
    digest = hashlib.sha256(content).hexdigest()
    rows = _rows(dataset)
    with w.store.session() as s:
        sub = Submission(county_id=county_id, school_id=school_id, school_year=year,
                         filename=filename, content=content, sha256=digest, status="submitted",
                         summary=json.dumps({"name": dataset.schools["name"][0] or name,
                                             "rows": rows,
                                             "warnings": len(dataset.warnings)},
                                            ensure_ascii=False),
                         submitted_by=user.id)
        s.add(sub)
        s.flush()
        # counts only: never a teacher's row in the trail
        audit(s, user.id, "submission", f"county:{county_id}/submission:{sub.id}",
              {"school_id": school_id, "school_year": year, "file": filename,
               "sha256": digest, "rows": rows})
        s.commit()
    return RedirectResponse(f"/counties/{county_id}/schools/{school_id}/submission",
                            status_code=303)


@router.get("/counties/{county_id}/submissions/{submission_id}.xlsx")
def version_file(request: Request, county_id: int, submission_id: int) -> Response:
    """One submitted version, byte for byte: the school itself and its bureau only (it holds
    teacher rows: not the admin, who sees teachers pseudonymised)."""
    w = web(request)
    user, _ = w.signed_in(request)
    with w.store.session() as s:
        county = s.get(County, county_id)
        sub = s.get(Submission, submission_id)
        if (county is None or sub is None or sub.county_id != county_id
                or not access.submits_for(user, county, sub.school_id)
                or access.teacher_names(user, county, sub.school_id) is not True):
            raise HTTPException(status_code=404)
        audit(s, user.id, "submission_downloaded", f"county:{county_id}/submission:{sub.id}",
              {"school_id": sub.school_id})
        s.commit()
        content, school_id = sub.content, sub.school_id
    return Response(content, media_type=XLSX, headers=_filename_header(
        f"{school_id}-第{submission_id}版.xlsx", f"submission-{submission_id}.xlsx"))


# --- the bureau's list, review and assembly --------------------------------------------------
def _list_view(request: Request, county_id: int, year: int | None = None, status: int = 200,
               problems: list[dict] | None = None, message: str | None = None) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        names = _names(w, s, county_id)
        if year is None:
            year = _collection_year(w, s, county_id)
        subs = list(s.scalars(select(Submission).where(
            Submission.county_id == county_id, Submission.school_year == year)
            .order_by(Submission.submitted_at.desc(), Submission.id.desc())))
        years = sorted({year, *s.scalars(select(Submission.school_year).where(
            Submission.county_id == county_id)), *s.scalars(select(Snapshot.school_year).where(
                Snapshot.county_id == county_id))}, reverse=True)
        base = w.latest(s, county_id, year)
    grouped: dict[str, list[Submission]] = {}
    for sub in subs:
        grouped.setdefault(sub.school_id, []).append(sub)
    by_school = {k: [_version(x, len(v) - i, i == 0) for i, x in enumerate(v)]
                 for k, v in grouped.items()}
    schools = []
    for school_id in sorted(set(names) | set(by_school)):
        versions = by_school.get(school_id, [])
        approved = next((v for v in versions if v["status"] == "approved"), None)
        schools.append({"id": school_id, "name": names.get(school_id, school_id),
                        "latest": versions[0] if versions else None,
                        "versions": versions, "approved": approved})
    # the versions waiting for review first, where the bureau looks
    schools.sort(key=lambda x: (x["latest"] is None or x["latest"]["status"] != "submitted",
                                x["id"]))
    ready = [x for x in schools if x["approved"] is not None]
    missing = [x for x in schools if x["approved"] is None]
    return w.page(request, "submissions.html", status, user=user, csrf=csrf, county=county,
                  year=year, years=years, schools=schools, ready=ready, missing=missing,
                  base=base, problems=problems, message=message,
                  can_manage=access.manages(user, county),
                  can_download=access.teacher_names(user, county) is True)


@router.get("/counties/{county_id}/submissions", response_class=HTMLResponse)
def county_submissions(request: Request, county_id: int, year: int | None = None) -> Response:
    return _list_view(request, county_id, year)


@router.post("/counties/{county_id}/submissions/{submission_id}/review",
             response_class=HTMLResponse)
def review(request: Request, county_id: int, submission_id: int, decision: str = Form(""),
           reason: str = Form(""), csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    w.check_csrf(csrf, expected)
    reason = reason.strip()[:MAX_REASON]
    with w.store.session() as s:
        county = s.get(County, county_id)
        sub = s.get(Submission, submission_id)
        if (county is None or sub is None or sub.county_id != county_id
                or not access.sees_school(user, county, sub.school_id)):
            raise HTTPException(status_code=404)
        if not access.manages(user, county):
            raise HTTPException(status_code=403, detail="只有本县教育局可以审核 / only the "
                                                        "county bureau reviews submissions")
        year = sub.school_year
        if decision not in ("approve", "return"):
            message = "请选择通过或退回 / choose approve or return"
        elif decision == "return" and not reason:
            message = "退回时请填写原因 / give the reason for returning it"
        else:
            message = None
            sub.status = "approved" if decision == "approve" else "returned"
            sub.reason = (reason or None) if decision == "return" else None
            sub.reviewed_by, sub.reviewed_at = user.id, utcnow()
            # the reason stays on the submission: free text may name people
            audit(s, user.id, "review", f"county:{county_id}/submission:{sub.id}",
                  {"decision": decision, "school_id": sub.school_id, "school_year": year})
            s.commit()
    if message is not None:
        return _list_view(request, county_id, year, 400, message=message)
    return RedirectResponse(f"/counties/{county_id}/submissions?year={year}", status_code=303)


@router.post("/counties/{county_id}/submissions/assemble", response_class=HTMLResponse)
def assemble_year(request: Request, county_id: int, school_year: str = Form(""),
                  csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    w.check_csrf(csrf, expected)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        if not access.manages(user, county):
            raise HTTPException(status_code=403, detail="只有本县教育局可以汇总学年数据 / only "
                                                        "the county bureau assembles a school "
                                                        "year")
        year = _year(school_year, _collection_year(w, s, county_id))
        if year is None:
            return _list_view(request, county_id, None, 400, message=(
                "学年应为起始年份，如 2025 / the school year is its starting year, e.g. 2025"))
        base_snap = w.latest(s, county_id, year)
        chosen: dict[str, Submission] = {}
        for sub in s.scalars(select(Submission).where(
                Submission.county_id == county_id, Submission.school_year == year,
                Submission.status == "approved")
                .order_by(Submission.submitted_at.desc(), Submission.id.desc())):
            chosen.setdefault(sub.school_id, sub)
        parts_raw = {k: (v.id, v.content, v.filename) for k, v in chosen.items()}
    if not parts_raw:
        return _list_view(request, county_id, year, 400, message=(
            f"{year}学年还没有已通过的学校填报，未汇总 / no approved submission for {year}: "
            "nothing assembled"))
    base = _dataset(w, base_snap)
    context = set() if base is None else set(base.schools["school_id"].to_list())
    parts: dict[str, Dataset] = {}
    problems: list[dict] = []
    for school_id, (_, content, filename) in sorted(parts_raw.items()):
        part, found = read_part(content, filename, context - {school_id})
        if part is None:
            problems += [{**p, "where": f"{school_id} · {p['where']}"} for p in found or []]
        else:
            parts[school_id] = part
    content = b""
    filename = f"{county.name}-{year}学年-汇总.xlsx"
    if not problems:
        try:
            with tempfile.TemporaryDirectory(prefix="junheng-assemble-") as folder:
                content = write_workbook(Path(folder) / "assembled.xlsx",
                                         assemble(base, parts)).read_bytes()
        except InputError as exc:
            problems = _as_dicts(exc.problems)
    if not problems:
        # read back exactly as an upload would be: what is stored is what an upload stores
        checked, found = check_upload(content, filename)
        problems = found or []
        if checked is not None and county.name not in set(checked.schools["county"].to_list()):
            problems.append({"where": "学校 schools · 县区 county", "value": "、".join(
                sorted(set(checked.schools["county"].to_list()))),
                "expected": f"本县「{county.name}」的数据 / the data of {county.name}"})
    if problems:
        return _list_view(request, county_id, year, 400, problems=problems, message=(
            "汇总后的数据有问题，未保存（位置指汇总工作簿）/ the assembled data has problems: "
            "nothing was saved (places are in the assembled workbook)"))
    digest = hashlib.sha256(content).hexdigest()
    with w.store.session() as s:
        snap = Snapshot(county_id=county_id, school_year=year, filename=filename,
                        content=content, sha256=digest, uploaded_by=user.id, source="assembled")
        s.add(snap)
        s.flush()
        audit(s, user.id, "assemble", f"county:{county_id}",
              {"snapshot": snap.id, "school_year": year, "sha256": digest,
               "base": None if base_snap is None else base_snap.id,
               "submissions": {k: v[0] for k, v in sorted(parts_raw.items())}})
        w.snapshot_added(s, snap)  # the ledger follows the new data, in this transaction
        s.commit()
    return RedirectResponse(f"/counties/{county_id}", status_code=303)
