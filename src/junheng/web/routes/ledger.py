"""The 问题台账 (rectification ledger): a county's gaps tracked to their fix — the list with its
filters, one entry with its history and 佐证材料 (evidence) files, the bureau's changes. The
entries themselves follow the data: ``install`` adds ``junheng.web.ledger.sync`` to the
application's snapshot listeners, so every upload or assembled school year opens, closes and
reopens them (only the newest school year does: see ``junheng.web.ledger``).

Who may do what (``junheng.web.access``):

- the list and an entry: whoever ``sees_county`` (admin, the province/city office of its
  region, the county bureau, the inspector); a school user its own school's entries only (the
  list with ``?school=`` its own id or none; the county's CVs, items and vetoes are not its);
- office (责任科室), deadline, status and note: the bureau (``manages``); 403 for
  the other readers; 已核验 (verified) only from 已整改 (fixed);
- evidence: uploaded by the bureau and by the school for its own entries; downloaded
  by anyone who sees the entry.

Out of scope — another county, another school's entry, a guessed id, an evidence id of another
entry — is "not found" (404), never "forbidden".
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from junheng.errors import InputError
from junheng.evaluate import Evaluation
from junheng.store import (
    LEDGER_STATUSES,
    AuditEntry,
    County,
    Evidence,
    LedgerEntry,
    Snapshot,
    User,
    audit,
)
from junheng.store.models import utcnow
from junheng.web import access
from junheng.web.context import Web, web
from junheng.web.ledger import (
    KIND_NAMES,
    MAX_EVIDENCE_BYTES,
    STATUS_NAMES,
    check_evidence,
    overdue,
    shown_below,
    sync,
    target,
    today,
)

router = APIRouter()

MAX_OFFICE = 100  # the column's length
MAX_NOTE = 2000
ACTIONS = {"ledger_closed_by_data": ("新数据显示已整改", "closed by new data"),
           "ledger_reopened_by_data": ("新数据显示问题仍在，重新打开", "reopened by new data"),
           "ledger_updated": ("修改", "updated"),
           "evidence_uploaded": ("上传佐证材料", "evidence added"),
           "evidence_downloaded": ("下载佐证材料", "evidence downloaded"),
           "ledger_update_refused": ("修改未保存", "update refused"),
           "evidence_refused": ("佐证材料未接收", "evidence refused")}
FIELDS = {"office": "责任科室 office", "deadline": "完成时限 deadline", "status": "状态 status",
          "note": "备注 note"}
# the entry's detail (JSON) as the page shows it: label, and how to write the value
DETAIL_LABELS = {
    "school": "学校 School", "name": "名称 Name", "part_name": "方面 Part",
    "number": "序号 Number", "state": "情况 State", "students": "在校生 Pupils",
    "met": "达标指标数 Indicators met", "of": "指标数 Indicators",
    "required": "须达标 Required", "floor": "未达标项不低于标准的 Floor",
    "missed": "未达标指标 Missed", "below_floor": "低于下限 Below the floor",
    "value": "现状 Value", "threshold": "标准 Standard", "unit": "单位 Unit",
    "ratio": "达到标准的 Share of the standard", "shortfall": "差额 Shortfall",
    "cv": "差异系数 CV", "limit": "限值 Limit", "problem": "问题 Problem",
    "current": "现状 Current", "standard": "标准 Standard", "task": "整改任务 Task",
    "checks": "未满足的条件 Checks not met", "text": "说明 Note"}
PERCENT = ("ratio", "floor")


# --- following the data ------------------------------------------------------------------------
def _follow(session: Session, snapshot: Snapshot, evaluation: Evaluation) -> None:
    sync(session, snapshot.county_id, snapshot, evaluation)


def install(w: Web) -> None:
    """Every new snapshot brings the ledger in line with it (inside the upload's transaction)."""
    w.snapshot_listeners.append(_follow)


# --- scope ---------------------------------------------------------------------------------------
def _county_or_404(w: Web, s: Session, user: User, county_id: int) -> County:
    """The county, if ``user`` reads its ledger: its readers, and a school user its own
    county's (its own entries only)."""
    if user.role == "school":
        return w.school_or_404(s, user, county_id, user.school_id or "")
    return w.county_or_404(s, user, county_id)


def _sees(user: User, entry: LedgerEntry) -> bool:
    """Within a county the user reads: a school user sees its own school's entries only."""
    return user.role != "school" or (entry.school_id is not None
                                     and entry.school_id == user.school_id)


def _entry_or_404(w: Web, s: Session, user: User, county_id: int,
                  entry_id: int) -> tuple[County, LedgerEntry]:
    county = _county_or_404(w, s, user, county_id)
    entry = s.get(LedgerEntry, entry_id)
    if entry is None or entry.county_id != county.id or not _sees(user, entry):
        raise HTTPException(status_code=404)
    return county, entry


def _adds_evidence(user: User, county: County, entry: LedgerEntry) -> bool:
    return access.manages(user, county) or (
        user.role == "school" and access.sees_school(user, county, entry.school_id or ""))


def _forbidden(message: str) -> HTTPException:
    return HTTPException(status_code=403, detail=message)


# --- views ---------------------------------------------------------------------------------------
def _detail(entry: LedgerEntry) -> dict[str, Any]:
    try:
        detail = json.loads(entry.detail or "{}")
    except ValueError:
        return {}
    return detail if isinstance(detail, dict) else {}


def _row(entry: LedgerEntry, on: date, evidence: int = 0) -> dict[str, Any]:
    detail = _detail(entry)
    return {"id": entry.id, "key": entry.key, "kind": entry.kind,
            "kind_zh": KIND_NAMES.get(entry.kind, (entry.kind, ""))[0],
            "kind_en": KIND_NAMES.get(entry.kind, ("", entry.kind))[1],
            "title": entry.title, "school_id": entry.school_id,
            "school": detail.get("school") or entry.school_id, "stage": entry.stage,
            "office": entry.office or "", "deadline": entry.deadline,
            "status": entry.status, "status_zh": STATUS_NAMES[entry.status][0],
            "status_en": STATUS_NAMES[entry.status][1], "overdue": overdue(entry, on),
            "reopened": entry.reopened or 0, "updated": entry.updated_at, "evidence": evidence}


def _show(key: str, value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, list):
        return "；".join(str(v) for v in value)
    if key == "state":
        return {"fail": "未达标 failed", "incomplete": "缺数据 no data"}.get(value, str(value))
    if isinstance(value, float):
        if key in PERCENT:
            return f"{value:.1%}"
        if key in ("cv", "limit"):
            return f"{value:.3f}"
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def _detail_rows(entry: LedgerEntry) -> list[tuple[str, str]]:
    detail = _detail(entry)
    shown = {key: _show(key, detail[key]) for key in DETAIL_LABELS if key in detail}
    value, threshold = detail.get("value"), detail.get("threshold")
    if isinstance(value, int | float) and isinstance(threshold, int | float):
        # a value that misses never reads as its standard (2.297 against 2.3, not 2.3)
        shown["value"] = shown_below(value, threshold)
    return [(label, shown[key]) for key, label in DETAIL_LABELS.items()
            if key in detail and detail[key] not in (None, "", [])]


def _snapshot_info(s: Session, snapshot_id: int | None) -> dict | None:
    if snapshot_id is None:
        return None
    row = s.execute(select(Snapshot.id, Snapshot.filename, Snapshot.school_year,
                           Snapshot.created_at).where(Snapshot.id == snapshot_id)).first()
    return None if row is None else dict(row._mapping)


def _history(s: Session, county_id: int, entry_id: int) -> list[dict[str, Any]]:
    rows = s.execute(select(AuditEntry, User.username).outerjoin(User, AuditEntry.user_id
                                                                  == User.id)
                     .where(AuditEntry.target == target(county_id, entry_id))
                     .order_by(AuditEntry.at, AuditEntry.id)).all()
    out = []
    for a, username in rows:
        try:
            detail = json.loads(a.detail or "{}")
        except ValueError:
            detail = {}
        zh, en = ACTIONS.get(a.action, (a.action, ""))
        out.append({"at": a.at, "who": username or "系统 system", "action_zh": zh,
                    "action_en": en, "text": _history_text(a.action, detail)})
    return out


def _history_text(action: str, detail: dict) -> str:
    def status(code: Any) -> str:
        return STATUS_NAMES.get(code, (str(code), ""))[0]

    if action in ("ledger_closed_by_data", "ledger_reopened_by_data"):
        return f"数据版本 snapshot #{detail.get('snapshot')}：{status(detail.get('was'))} → " \
               f"{status(detail.get('now'))}"
    if action == "ledger_updated":
        parts = []
        for key, change in (detail.get("changes") or {}).items():
            label = FIELDS.get(key, key)
            if key == "note":
                parts.append(f"{label} 已修改 changed")
            elif key == "status":
                parts.append(f"{label}：{status(change[0])} → {status(change[1])}")
            else:
                parts.append(f"{label}：{change[0] or '—'} → {change[1] or '—'}")
        return "；".join(parts)
    if action in ("ledger_update_refused", "evidence_refused"):
        return str(detail.get("reason", ""))
    if action in ("evidence_uploaded", "evidence_downloaded"):
        return f"{detail.get('file', '')}（#{detail.get('evidence')}）"
    return ""


def _evidence(s: Session, entry_id: int) -> list[dict[str, Any]]:
    rows = s.execute(select(Evidence.id, Evidence.filename, Evidence.media_type,
                            Evidence.sha256, Evidence.uploaded_at, User.username)
                     .outerjoin(User, Evidence.uploaded_by == User.id)
                     .where(Evidence.entry_id == entry_id)
                     .order_by(Evidence.uploaded_at, Evidence.id)).all()
    return [dict(r._mapping) for r in rows]


def _entry_view(request: Request, county_id: int, entry_id: int, status: int = 200,
                message: str | None = None, form: dict | None = None) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county, entry = _entry_or_404(w, s, user, county_id, entry_id)
        on = today()
        view = _row(entry, on)
        view.update(note=entry.note or "", details=_detail_rows(entry),
                    opened=_snapshot_info(s, entry.opened_snapshot_id),
                    last_seen=_snapshot_info(s, entry.last_seen_snapshot_id),
                    closed_by=_snapshot_info(s, entry.closed_by_snapshot_id),
                    created=entry.created_at)
        history = _history(s, county_id, entry_id)
        files = _evidence(s, entry_id)
        can_edit = access.manages(user, county)
        can_upload = _adds_evidence(user, county, entry)
    values = form or {"office": view["office"], "status": entry.status, "note": view["note"],
                      "deadline": entry.deadline.isoformat() if entry.deadline else ""}
    return w.page(request, "ledger_entry.html", status, user=user, csrf=csrf, county=county,
                  entry=view, history=history, files=files, can_edit=can_edit,
                  can_upload=can_upload, message=message, form=values, statuses=STATUS_NAMES,
                  max_mb=MAX_EVIDENCE_BYTES // 2**20, school_user=user.role == "school")


# --- the list --------------------------------------------------------------------------------
@router.get("/counties/{county_id}/ledger", response_class=HTMLResponse)
def ledger_list(request: Request, county_id: int) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    q = request.query_params
    status, kind = q.get("status", "").strip(), q.get("kind", "").strip()
    school, office = q.get("school", "").strip(), q.get("office", "").strip()
    late = q.get("overdue", "") not in ("", "0")
    if (status and status not in STATUS_NAMES) or (kind and kind not in KIND_NAMES):
        raise HTTPException(status_code=400)
    with w.store.session() as s:
        county = _county_or_404(w, s, user, county_id)
        if user.role == "school":
            if school and school != user.school_id:
                raise HTTPException(status_code=404)
            school = user.school_id or ""
        query = select(LedgerEntry).where(LedgerEntry.county_id == county.id)
        if user.role == "school":
            query = query.where(LedgerEntry.school_id == school)
        entries = list(s.scalars(query.order_by(LedgerEntry.id)))
        evidence: dict[int, int] = {}
        for (entry_id,) in s.execute(select(Evidence.entry_id).join(
                LedgerEntry, Evidence.entry_id == LedgerEntry.id)
                .where(LedgerEntry.county_id == county.id)):
            evidence[entry_id] = evidence.get(entry_id, 0) + 1
        snap = w.latest(s, county.id)
    on = today()
    rows = [_row(e, on, evidence.get(e.id, 0)) for e in entries]
    schools = dict(sorted({(r["school_id"], r["school"]) for r in rows if r["school_id"]}))
    if school and school not in schools:
        known = set()
        if snap is not None and user.role != "school":
            try:
                known = set(w.evaluated(snap).schools["school_id"].to_list())
            except InputError:  # a stored snapshot was valid when stored
                known = set()
        if school not in known and user.role != "school":
            raise HTTPException(status_code=404)
    scoped = [r for r in rows if not school or r["school_id"] == school]
    counts = {code: sum(r["status"] == code for r in scoped) for code in STATUS_NAMES}
    late_count = sum(r["overdue"] for r in scoped)
    shown = [r for r in scoped
             if (not status or r["status"] == status) and (not kind or r["kind"] == kind)
             and (not office or r["office"] == office) and (not late or r["overdue"])]
    order = {code: i for i, code in enumerate(LEDGER_STATUSES)}
    kinds = {code: i for i, code in enumerate(KIND_NAMES)}
    shown.sort(key=lambda r: (order.get(r["status"], 9), not r["overdue"],
                              r["deadline"] or date.max, kinds.get(r["kind"], 9), r["id"]))
    offices = sorted({r["office"] for r in scoped if r["office"]})

    def link(**change: str) -> str:
        params = {"status": status, "kind": kind, "school": school if user.role != "school"
                  else "", "office": office, "overdue": "1" if late else ""}
        params.update(change)
        return f"/counties/{county.id}/ledger?" + urlencode({k: v for k, v in params.items()
                                                             if v})

    return w.page(request, "ledger.html", user=user, csrf=csrf, county=county, rows=shown,
                  total=len(scoped), counts=counts, late_count=late_count, statuses=STATUS_NAMES,
                  kinds=KIND_NAMES, schools=schools, offices=offices, link=link,
                  f={"status": status, "kind": kind, "school": school, "office": office,
                     "overdue": late},
                  school_user=user.role == "school", snapshot=snap,
                  can_edit=access.manages(user, county), today=on)


# --- one entry -------------------------------------------------------------------------------
@router.get("/counties/{county_id}/ledger/{entry_id}", response_class=HTMLResponse)
def ledger_entry(request: Request, county_id: int, entry_id: int) -> Response:
    return _entry_view(request, county_id, entry_id)


def _parse_date(text: str) -> date | None:
    text = text.strip()
    if not text:
        return None
    parsed = date.fromisoformat(text)  # ValueError: answered as a message
    if not 2000 <= parsed.year <= 2100:
        raise ValueError(text)
    return parsed


@router.post("/counties/{county_id}/ledger/{entry_id}", response_class=HTMLResponse)
def ledger_update(request: Request, county_id: int, entry_id: int, csrf: str = Form(""),
                  office: str = Form(""), deadline: str = Form(""), status: str = Form(""),
                  note: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    w.check_csrf(csrf, expected)
    form = {"office": office, "deadline": deadline, "status": status, "note": note}
    with w.store.session() as s:
        county, entry = _entry_or_404(w, s, user, county_id, entry_id)
        if not access.manages(user, county):
            raise _forbidden("只有本县教育局可以修改问题台账 / only the county bureau edits the "
                             "ledger")
        office, note = office.strip(), note.strip()
        message = None
        try:
            when = _parse_date(deadline)
        except ValueError:
            when, message = None, "完成时限应为日期，如 2026-06-30 / the deadline is a date"
        if status not in STATUS_NAMES:
            message = "请选择状态 / choose a status"
        elif status == "verified" and entry.status not in ("fixed", "verified"):
            message = ("只有「已整改」的问题可以核验 / only a fixed gap can be verified "
                       f"(now {STATUS_NAMES[entry.status][0]} {STATUS_NAMES[entry.status][1]})")
        elif len(office) > MAX_OFFICE:
            message = f"责任科室不超过 {MAX_OFFICE} 字 / office: at most {MAX_OFFICE} characters"
        elif len(note) > MAX_NOTE:
            message = f"备注不超过 {MAX_NOTE} 字 / note: at most {MAX_NOTE} characters"
        if message is not None:
            audit(s, user.id, "ledger_update_refused", target(county_id, entry_id),
                  {"reason": message.split(" / ")[0]})
            s.commit()
            return _entry_view(request, county_id, entry_id, 400, message, form)
        changes: dict[str, Any] = {}
        new = {"office": office or None, "deadline": when, "status": status, "note": note or None}
        for key, value in new.items():
            old = getattr(entry, key)
            if old != value:
                # the note is free text: the audit says it changed, not what it says
                changes[key] = "changed" if key == "note" else [
                    old.isoformat() if isinstance(old, date) else old,
                    value.isoformat() if isinstance(value, date) else value]
                setattr(entry, key, value)
        if changes:
            entry.updated_at = utcnow()
            audit(s, user.id, "ledger_updated", target(county_id, entry_id),
                  {"key": entry.key, "changes": changes})
            s.commit()
    return RedirectResponse(f"/counties/{county_id}/ledger/{entry_id}", status_code=303)


# --- evidence --------------------------------------------------------------------------------
@router.post("/counties/{county_id}/ledger/{entry_id}/evidence", response_class=HTMLResponse)
async def evidence_upload(request: Request, county_id: int, entry_id: int, file: UploadFile,
                          csrf: str = Form("")) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    w.check_csrf(csrf, expected)
    with w.store.session() as s:
        county, entry = _entry_or_404(w, s, user, county_id, entry_id)
        if not _adds_evidence(user, county, entry):
            raise _forbidden("只有本县教育局和本校可以上传佐证材料 / only the county bureau and "
                             "the school itself add evidence")
    content = await file.read(MAX_EVIDENCE_BYTES + 1)
    checked, message = check_evidence(content, file.filename or "")
    with w.store.session() as s:
        if checked is None:
            audit(s, user.id, "evidence_refused", target(county_id, entry_id),
                  {"reason": (message or "").split(" / ")[0], "bytes": len(content)})
            s.commit()
            return _entry_view(request, county_id, entry_id, 400, message)
        item = Evidence(entry_id=entry_id, filename=checked.filename,
                        media_type=checked.media_type, content=content, sha256=checked.sha256,
                        uploaded_by=user.id)
        s.add(item)
        s.flush()
        entry = s.get(LedgerEntry, entry_id)
        if entry is not None:
            entry.updated_at = utcnow()
        audit(s, user.id, "evidence_uploaded", target(county_id, entry_id),
              {"evidence": item.id, "file": checked.filename, "sha256": checked.sha256,
               "bytes": len(content)})
        s.commit()
    return RedirectResponse(f"/counties/{county_id}/ledger/{entry_id}", status_code=303)


@router.get("/counties/{county_id}/ledger/{entry_id}/evidence/{evidence_id}")
def evidence_download(request: Request, county_id: int, entry_id: int,
                      evidence_id: int) -> Response:
    w = web(request)
    user, _ = w.signed_in(request)
    with w.store.session() as s:
        _entry_or_404(w, s, user, county_id, entry_id)
        item = s.get(Evidence, evidence_id)
        if item is None or item.entry_id != entry_id:
            raise HTTPException(status_code=404)
        body, media, name = item.content, item.media_type, item.filename
        audit(s, user.id, "evidence_downloaded", target(county_id, entry_id),
              {"evidence": evidence_id, "file": name})
        s.commit()
    # an ASCII name for old browsers, the real one for the others (RFC 6266)
    fallback = f"evidence-{evidence_id}{Path(name).suffix.lower()}"
    return Response(body, media_type=media, headers={
        "Content-Disposition": f"attachment; filename={fallback}; "
                               f"filename*=UTF-8''{quote(name)}"})
