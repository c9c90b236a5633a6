"""The county list, a county's standing at a glance, its workbook upload, a school's page, the
reports and the evaluation API — the same library calls as ``junheng evaluate``."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select

from junheng.errors import InputError
from junheng.io import write_workbook
from junheng.store import County, Snapshot, audit
from junheng.web import access
from junheng.web.context import web
from junheng.web.evaluations import (
    MAX_UPLOAD_BYTES,
    REPORTS,
    check_upload,
    report_bytes,
    school_rows,
    summary,
)

router = APIRouter()


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        if user.role == "school":
            return RedirectResponse(f"/counties/{user.county_id}/schools/{user.school_id}",
                                    status_code=303)
        counties = [c for c in s.scalars(select(County).order_by(County.name))
                    if access.sees_county(user, c)]
        rows = []
        for c in counties:
            snap = w.latest(s, c.id)
            row = {"id": c.id, "name": c.name, "region": c.region or "", "snapshot": snap,
                   "verdict": None}
            if snap is not None:
                try:
                    ev = w.evaluated(snap)
                    r = ev.counties.filter(county=ev.counties["county"][0]).row(0, named=True)
                    row.update(verdict=r["verdict"], meeting=r["schools_meeting_rule"],
                               evaluated=r["schools_evaluated"], year=ev.year)
                except InputError:
                    row["verdict"] = "invalid"
            rows.append(row)
    return w.page(request, "home.html", user=user, csrf=csrf, counties=rows)


def _county_view(request: Request, county_id: int, status: int = 200,
                 problems: list[dict] | None = None) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        snap = w.latest(s, county_id)
        history = list(s.scalars(select(Snapshot).where(Snapshot.county_id == county_id)
                                 .order_by(Snapshot.created_at.desc()).limit(10)))
    view = None
    if snap is not None:
        ev = w.evaluated(snap)
        view = summary(ev, ev.counties["county"][0])
    return w.page(request, "county.html", status, user=user, csrf=csrf, county=county,
                  view=view, snapshot=snap, history=history, problems=problems,
                  can_upload=access.uploads_to(user, county))


@router.get("/counties/{county_id}", response_class=HTMLResponse)
def county_page(request: Request, county_id: int) -> Response:
    return _county_view(request, county_id)


@router.post("/counties/{county_id}/upload", response_class=HTMLResponse)
async def upload(request: Request, county_id: int, file: UploadFile,
                 csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    w.check_csrf(csrf, expected)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        if not access.uploads_to(user, county):
            raise HTTPException(status_code=403, detail="只有本县教育局可以提交数据 / only "
                                                        "the county bureau submits data")
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    filename = Path(file.filename or "county.xlsx").name
    dataset, problems = check_upload(content, filename)
    if dataset is not None and county.name not in set(dataset.schools["county"].to_list()):
        problems = [{"where": "学校 schools · 县区 county", "value": "、".join(sorted(set(
            dataset.schools["county"].to_list()))),
            "expected": f"本县「{county.name}」的数据 / the data of {county.name}"}]
    with w.store.session() as s:
        if problems is None:
            problems = _shrunk(w, w.latest(s, county_id), dataset, county.name)
        if problems is not None:
            audit(s, user.id, "upload_rejected", f"county:{county_id}",
                  {"file": filename, "problems": len(problems)})
            s.commit()
            return _county_view(request, county_id, 400, problems)
        digest = hashlib.sha256(content).hexdigest()
        # evaluated once from the dataset just validated, then cached
        year = w.cache.get(digest, content, filename, dataset)[1].year
        snap = Snapshot(county_id=county_id, school_year=year, filename=filename,
                        content=content, sha256=digest, uploaded_by=user.id)
        s.add(snap)
        s.flush()
        audit(s, user.id, "upload", f"county:{county_id}",
              {"snapshot": snap.id, "file": filename, "sha256": digest})
        w.snapshot_added(s, snap)
        s.commit()
    return RedirectResponse(f"/counties/{county_id}", status_code=303)


def _shrunk(w, previous: Snapshot | None, dataset, county: str) -> list[dict] | None:
    """A "county" workbook holding under half the schools of the county's last version is
    most likely one school's file: refused, before it reads as the whole county (and closes
    every other school's ledger entries)."""
    if previous is None:
        return None
    before = w.cache.get(previous.sha256, previous.content, previous.filename)[0].schools
    had = before.filter(county=county).height
    has = dataset.schools.filter(county=county).height
    if has * 2 >= had:
        return None
    return [{"where": "学校 schools", "value": f"{has} 所学校 schools",
             "expected": f"全县的学校（上一版本有 {had} 所）；一所学校的数据请在「学校填报」中提交 / "
                         f"the whole county (the last version has {had} schools); a school's "
                         "own rows go through 学校填报 Submissions"}]


@router.get("/counties/{county_id}/schools/{school_id}", response_class=HTMLResponse)
def school_page(request: Request, county_id: int, school_id: str) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.school_or_404(s, user, county_id, school_id)
        snap = w.latest(s, county_id)
    if snap is None:
        raise HTTPException(status_code=404)
    ev = w.evaluated(snap)
    units = ev.schools.filter(school_id=school_id)
    if units.height == 0:
        raise HTTPException(status_code=404)
    return w.page(request, "school.html", user=user, csrf=csrf, county=county,
                  name=units["name"][0], school_id=school_id, year=ev.year,
                  units=units.to_dicts(), rows=school_rows(ev, school_id))


@router.get("/counties/{county_id}/report.{kind}")
def report(request: Request, county_id: int, kind: str) -> Response:
    w = web(request)
    user, _ = w.signed_in(request)
    if kind not in REPORTS:
        raise HTTPException(status_code=404)
    with w.store.session() as s:
        w.county_or_404(s, user, county_id)
        snap = w.latest(s, county_id)
        if snap is None:
            raise HTTPException(status_code=404)
        audit(s, user.id, "report_downloaded", f"county:{county_id}",
              {"snapshot": snap.id, "kind": kind})
        s.commit()
    ev = w.evaluated(snap)
    name, media = REPORTS[kind]
    body = w.cache.artifact(snap.sha256, f"report.{kind}",
                            lambda: report_bytes(ev, ev.counties["county"][0], kind))
    # an ASCII name for old browsers, the Chinese one for the others (RFC 6266)
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename=report.{kind}; "
                               f"filename*=UTF-8''{quote(name)}"})


def _empty_template(request: Request, name: str, write, ascii_name: str,
                    shown_name: str) -> Response:
    """An empty template (no one's data) for anyone signed in, written once by ``write``."""
    w = web(request)
    w.signed_in(request)

    def build() -> bytes:
        with tempfile.TemporaryDirectory(prefix="junheng-template-") as folder:
            return write(Path(folder) / ascii_name).read_bytes()

    body = w.cache.artifact("template", name, build)
    return Response(body, media_type=REPORTS["xlsx"][1], headers={
        "Content-Disposition": f"attachment; filename={ascii_name}; "
                              f"filename*=UTF-8''{quote(shown_name)}"})


@router.get("/template.xlsx")
def template(request: Request) -> Response:
    """The empty county workbook (``junheng template``)."""
    return _empty_template(request, "county", write_workbook, "template.xlsx",
                           "县域数据填报模板.xlsx")


@router.get("/prices-template.xlsx")
def prices_template(request: Request) -> Response:
    """The empty price table (``junheng template --prices``): junheng ships no prices."""
    from junheng.plan.investment.prices import write_prices_template

    return _empty_template(request, "prices", write_prices_template, "prices-template.xlsx",
                           "单价表模板.xlsx")


@router.get("/api/counties/{county_id}/evaluation")
def evaluation_json(request: Request, county_id: int) -> Response:
    w = web(request)
    user, _ = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        snap = w.latest(s, county_id)
    if snap is None:
        raise HTTPException(status_code=404)
    ev = w.evaluated(snap)
    if access.teacher_names(user, county) is True:
        body = w.cache.artifact(snap.sha256, "evaluation.json", ev.to_json)
    else:  # the teacher ids behind each finding are personal data: pseudonymised
        dataset = w.cache.get(snap.sha256, snap.content, snap.filename)[0]
        body = _pseudonymised_json(ev.to_json(), set(dataset.teachers["teacher_id"].to_list()),
                                   w.pseudonyms)
    return Response(body, media_type="application/json")


def _pseudonymised_json(text: str, teacher_ids: set[str], hide) -> str:
    """The evaluation's JSON with every teacher id replaced by its pseudonym (the teachers
    page's, ``T-…``), wherever it appears."""
    def walk(value):
        if isinstance(value, str):
            return hide(value) if value in teacher_ids else value
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        return value

    return json.dumps(walk(json.loads(text)), ensure_ascii=False)
