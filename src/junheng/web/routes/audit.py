"""Who changed what, when: a county's audit trail (its targets ``county:{id}`` and
``county:{id}/…``) for everyone who may read it (``access.reads_audit``), and the whole trail
for the administrator; filtered by action, user name, dates (UTC) and, on ``/audit``, county;
newest first, 100 entries a page.

The details are shown as recorded (JSON, keys named in Chinese); they hold no password and no
personal data, and this page adds none.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import func, or_, select

from junheng.store import AuditEntry, County, User
from junheng.web import access
from junheng.web.context import web

router = APIRouter()

PER_PAGE = 100

# each action as people read it: (Chinese, English)
ACTIONS: dict[str, tuple[str, str]] = {
    "upload": ("提交县域数据", "county workbook uploaded"),
    "upload_rejected": ("县域数据未通过校验", "county workbook rejected"),
    "submission": ("学校提交数据", "school data submitted"),
    "submission_downloaded": ("下载学校提交版本", "school submission downloaded"),
    "submission_prefill_downloaded": ("下载本校填报表", "school's prefilled workbook downloaded"),
    "review": ("审核学校数据", "school data reviewed"),
    "assemble": ("汇总学年数据", "school year assembled"),
    "plan_started": ("运行方案", "plan started"),
    "plan_adopted": ("采用方案", "plan adopted"),
    "plan_downloaded": ("下载方案文件", "plan files downloaded"),
    "ledger_updated": ("更新台账", "ledger entry updated"),
    "ledger_update_refused": ("台账修改未通过校验", "ledger update refused"),
    "ledger_synced": ("新数据核对台账", "ledger checked against new data"),
    "ledger_closed_by_data": ("新数据销号", "closed by new data"),
    "ledger_reopened_by_data": ("问题复现重新打开", "reopened by new data"),
    "evidence_uploaded": ("上传佐证材料", "evidence uploaded"),
    "evidence_refused": ("佐证材料未通过校验", "evidence refused"),
    "evidence_downloaded": ("下载佐证材料", "evidence downloaded"),
    "report_downloaded": ("下载评估报告", "report downloaded"),
    "demo_loaded": ("载入示例数据", "demo data loaded"),
    "login": ("登录", "signed in"),
    "login_failed": ("登录失败", "sign-in failed"),
    "logout": ("退出登录", "signed out"),
    "password_changed": ("修改密码", "password changed"),
    "county_created": ("新建县区", "county created"),
    "user_created": ("新建用户", "user created"),
}

# what a target's parts are called: "county:3/plan:5" → 示例县 › 方案 #5
PARTS = {"submission": "学校提交 submission", "plan": "方案 plan", "ledger": "台账条目 ledger entry",
         "evidence": "佐证材料 evidence", "snapshot": "数据版本 snapshot", "school": "学校 school",
         "user": "用户 user", "year": "学年 school year"}

# the keys of a detail, in Chinese
KEYS = {"file": "文件", "snapshot": "数据版本", "sha256": "SHA-256", "kind": "类型",
        "problems": "问题数", "name": "名称", "role": "角色", "county_id": "县区", "county": "县区",
        "school_id": "学校", "school": "学校", "school_year": "学年", "status": "状态",
        "from": "原为", "to": "改为", "reason": "原因", "plan": "方案", "entry": "台账条目",
        "deadline": "整改期限", "office": "责任科室", "note": "备注", "evidence": "佐证材料",
        "username": "用户名", "region": "地区", "schools": "学校数", "submissions": "提交数",
        "closed": "销号", "reopened": "重新打开", "opened": "新增", "fields": "修改项",
        "planner": "方案类型", "rows": "行数", "size": "大小（字节）", "keep": "保留现有集团",
        "settings": "设置"}

STATUSES = {"submitted": "待审核", "approved": "已通过", "returned": "已退回", "open": "待整改",
            "in_progress": "整改中", "fixed": "已整改", "verified": "已核验", "queued": "排队",
            "running": "运行中", "done": "完成", "failed": "失败"}


def plan_kinds() -> dict[str, str]:
    """Each kind of plan's Chinese title (集团化办学方案 for ``groups``), for the details."""
    from junheng.web.jobs import KINDS

    return {name: kind.title[0] for name, kind in KINDS.items()}


def action_name(code: str) -> tuple[str, str]:
    """The action's Chinese and English names; an unknown action as recorded."""
    return ACTIONS.get(code, (code, ""))


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if key == "sha256" and isinstance(value, str):
        return value[:12] + "…"
    if key == "role" and value in access.ROLE_NAMES:
        return access.ROLE_NAMES[value][0]
    if key == "kind" and isinstance(value, str) and value in plan_kinds():
        return f"{plan_kinds()[value]}（{value}）"
    if key in ("status", "from", "to") and isinstance(value, str):
        return STATUSES.get(value, value)
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return "、".join(str(v) for v in value)
    if key == "changes" and isinstance(value, dict):
        # a ledger change: {"office": [old, new], "note": "changed"} → 责任科室 — → 督导室；备注 已修改
        return "；".join(
            f"{KEYS.get(k, k)} {_value('status', v[0])} → {_value('status', v[1])}"
            if isinstance(v, list) and len(v) == 2 else f"{KEYS.get(k, k)} 已修改 changed"
            for k, v in value.items())
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def detail_items(detail: str | None) -> list[tuple[str, str]]:
    """A recorded detail (JSON text) as (label, value) pairs to read; text that is not JSON
    as one pair.

    >>> detail_items(json.dumps({"file": "县.xlsx", "status": "returned", "sha256": "ab" * 32}))
    [('文件 file', '县.xlsx'), ('状态 status', '已退回'), ('SHA-256', 'abababababab…')]
    """
    if not detail:
        return []
    try:
        data = json.loads(detail)
    except ValueError:
        return [("", detail)]
    if not isinstance(data, dict):
        return [("", _value("", data))]
    return [("SHA-256" if k == "sha256" else f"{KEYS[k]} {k}" if k in KEYS else k, _value(k, v))
            for k, v in data.items()]


def target_words(target: str, counties: dict[int, str]) -> tuple[str, int | None]:
    """``county:3/plan:5`` → ("示例县 › 方案 plan #5", 3); anything else as recorded."""
    words, county_id = [], None
    for part in target.split("/"):
        kind, _, ident = part.partition(":")
        if kind == "county" and ident.isdigit():
            county_id = int(ident)
            words.append(counties.get(county_id, f"县区 #{ident}"))
        elif kind in PARTS:
            words.append(f"{PARTS[kind]} #{ident}" if ident else PARTS[kind])
        else:
            words.append(part)
    return " › ".join(words), county_id


def _in_county(county_id: int) -> Any:
    return or_(AuditEntry.target == f"county:{county_id}",
               AuditEntry.target.startswith(f"county:{county_id}/", autoescape=True))


def _day(text: str, zh: str, en: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"{zh}应为日期，如 2025-09-01 / {en}: a date such as 2025-09-01"
                         ) from None


def _trail(request: Request, user: User, csrf: str, county: County | None, action: str,
           user_name: str, date_from: str, date_to: str, county_filter: str, page: int
           ) -> Response:
    w = web(request)
    action, user_name = action.strip()[:64], user_name.strip()[:64]
    filters = {"action": action, "user": user_name, "from": date_from.strip()[:10],
               "to": date_to.strip()[:10], "county": county_filter.strip()[:12]}
    error, conditions = None, []
    try:
        start, end = _day(date_from, "起始日期", "from"), _day(date_to, "截止日期", "to")
        if start and end and end < start:
            raise ValueError("截止日期早于起始日期 / the end date is before the start date")
        if county is None and filters["county"]:
            if not filters["county"].isdigit():
                raise ValueError("县区有误 / unknown county")
            conditions.append(_in_county(int(filters["county"])))
    except ValueError as exc:
        error, start, end = str(exc), None, None
    with w.store.session() as s:
        counties = {c.id: c.name for c in s.scalars(select(County).order_by(County.name))}
        if county is not None:
            conditions.append(_in_county(county.id))
        scope = list(conditions)
        if action:
            conditions.append(AuditEntry.action == action)
        if user_name:
            conditions.append(User.username == user_name)
        if start:
            conditions.append(AuditEntry.at >= datetime.combine(start, time(), UTC))
        if end:
            conditions.append(AuditEntry.at < datetime.combine(end + timedelta(days=1),
                                                                time(), UTC))
        joined = select(AuditEntry, User).outerjoin(User, User.id == AuditEntry.user_id)
        total = 0 if error else s.scalar(
            select(func.count()).select_from(AuditEntry).outerjoin(
                User, User.id == AuditEntry.user_id).where(*conditions))
        pages = max(1, -(-total // PER_PAGE))
        page = min(max(page, 1), pages)
        found = [] if error else s.execute(joined.where(*conditions).order_by(
            AuditEntry.at.desc(), AuditEntry.id.desc()).offset((page - 1) * PER_PAGE)
            .limit(PER_PAGE)).all()
        # the choices offered: the actions and user names of this trail (of nothing wider)
        present = set(s.scalars(select(AuditEntry.action).where(*scope).distinct()))
        names = sorted(n for n in s.scalars(select(User.username).join(
            AuditEntry, AuditEntry.user_id == User.id).where(*scope).distinct()) if n)
    entries = []
    for entry, who in found:
        what, where = target_words(entry.target, counties)
        entries.append({"at": entry.at, "who": who.username if who else None,
                        "role": access.ROLE_NAMES[who.role][0] if who else None,
                        "action": entry.action, "names": action_name(entry.action),
                        "target": entry.target, "target_words": what,
                        "county_id": where if where in counties else None,
                        "detail": detail_items(entry.detail)})
    choices = [(code, *ACTIONS[code]) for code in ACTIONS if code in present or code == action]
    choices += [(code, code, "") for code in sorted(present - set(ACTIONS))]
    query = {k: v for k, v in filters.items() if v and (county is None or k != "county")}

    def link(n: int) -> str:
        return "?" + urlencode({**query, "page": n})

    return w.page(request, "audit.html", 400 if error else 200, user=user, csrf=csrf,
                  county=county, entries=entries, total=total, page=page, pages=pages,
                  per_page=PER_PAGE, filters=filters, error=error, choices=choices,
                  names=names, counties=counties, prev=link(page - 1) if page > 1 else None,
                  next=link(page + 1) if page < pages else None)


@router.get("/counties/{county_id}/audit", response_class=HTMLResponse)
def county_audit(request: Request, county_id: int, action: str = "",
                 user_name: str = Query("", alias="user"),
                 date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                 page: int = 1) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        if not access.reads_audit(user, county):
            raise HTTPException(status_code=404)
    return _trail(request, user, csrf, county, action, user_name, date_from, date_to, "", page)


@router.get("/audit", response_class=HTMLResponse)
def whole_audit(request: Request, action: str = "", user_name: str = Query("", alias="user"),
                date_from: str = Query("", alias="from"), date_to: str = Query("", alias="to"),
                county: str = "", page: int = 1) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    if not access.is_admin(user):
        raise HTTPException(status_code=404)
    return _trail(request, user, csrf, None, action, user_name, date_from, date_to, county, page)
