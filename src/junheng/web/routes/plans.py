"""Plans: a planner run as a background job with its progress, plans compared side by side,
one adopted — the same planner and report calls as ``junheng plan`` (``junheng.web.jobs``).

Who may do what (``junheng.web.access``):

- the county's runs, a run's page and its JSON status: whoever ``sees_county`` (a school gets
  "not found"); the moves name teachers only for those with ``teacher_names``, the others see
  the run's pseudonyms (``T-…``, as ``--pseudonymise``);
- starting and adopting a run: the bureau (``manages``); the output files (which hold the
  teachers' ids): those with ``teacher_names``; 403 for the other readers. A school-groups
  plan names no teacher: its files go to every reader of the county (``Kind.personal``; the
  single files and the map page: ``junheng.web.routes.group_plans``).

The path-to-pass kinds (``investment``, ``pass``, and ``recruitment`` with prices) take the
bureau's price table as a file: it is read and checked by the library's reader (``read_prices``,
against the chosen data) when the form is posted — its problems shown located, 400, no run — and
a valid table's bytes are kept with the run (``params``, base64, with its sha256 and file name),
never shown back, audited or compared. A school-groups run may keep and extend today's groups
(``params["keep"]``: ``"data"``, the data version's 集团 table, or ``"plan:N"``, an earlier
groups plan of the county — the form offers the adopted ones): checked when the form is posted
(located problems, 400, no run) and read again when the job starts. A rotation within groups
(scope "group") takes the data version's 集团 table, else the groups plan adopted for its school
year (``junheng.web.rotation_groups``); with neither, the form says so (400, no run).

At most one adopted plan per county and kind (a rotation, a recruitment, an investment and a
path-to-pass plan complement each other): adopting one un-adopts the others of its kind. A
school-groups plan changes no data: adopting it records the bureau's grouping for the school
year it was made for, so it un-adopts only the groups plans of that school year. Starting and
adopting are audited (``county:{id}/plan:{run}``), with the kind and settings, never a teacher.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import datetime
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import UploadFile

from junheng.errors import InputError, StandardError
from junheng.report.catalogue import plural
from junheng.standards.params import OFF, OFF_FORM
from junheng.store import County, PlanRun, Snapshot, User, audit
from junheng.store.models import utcnow
from junheng.web import access
from junheng.web.context import Web, web
from junheng.web.groups import (
    KEEP_DATA,
    coverage_text,
    coverage_view,
    groups_view,
    keep_plan_id,
    keep_words,
    kept_groups,
    share_text,
    target_text,
    towns_note,
    unmatched_view,
    web_warning,
)
from junheng.web.jobs import (
    DEFAULT_TIME_LIMIT,
    KINDS,
    MAX_BUDGET_WAN,
    MAX_HIRE_YEARS,
    MAX_PRICES_BYTES,
    MAX_TIME_LIMIT,
    MAX_YEARS,
    STATUS_WORDS,
    UNFINISHED,
    JobRunner,
    check_settings,
    parse_settings,
    price_params,
    public_params,
    read_price_table,
)
from junheng.web.rotation_groups import rotation_groups_choice, source_words

router = APIRouter()

RUNNER = "plans"  # w.extensions key
MAX_UNFINISHED = 3  # runs of one county queued or running at once
MAX_COMPARED = 6
SHOWN_RUNS = 50
NOT_MANAGER = "只有本县教育局可以制定和采用方案 / only the county bureau runs and adopts plans"


def install(w: Web) -> None:
    """Start the job runner; runs a previous process left unfinished are marked failed."""
    runner = JobRunner(w)
    runner.recover()
    w.extensions[RUNNER] = runner


def runner_of(w: Web) -> JobRunner:
    return w.extensions[RUNNER]


# --- helpers ----------------------------------------------------------------------------------
def _run_or_404(s: Session, county_id: int, plan_id: int) -> PlanRun:
    run = s.get(PlanRun, plan_id)
    if run is None or run.county_id != county_id:
        raise HTTPException(status_code=404)
    return run


def _manager_or_403(user: User, county: County) -> None:
    if not access.manages(user, county):
        raise HTTPException(status_code=403, detail=NOT_MANAGER)


def _verdict(code: str | None) -> str:
    from junheng.report.catalogue import t

    return "—" if code is None else t(code, "zh")


def _arrow(pair: list | None, fmt: Any = str) -> str:
    if not pair:
        return "—"
    return f"{fmt(pair[0])} → {fmt(pair[1])}"


def _changed(show: Any) -> Any:
    """A before → after figure; a plan that changes no figure (school groups) says so rather
    than show "x → x" as if it had been weighed."""
    return lambda f: "不改变 no change" if f.get("kind") == "groups" else show(f)


def _grouped(show: Any) -> Any:
    """A school-groups figure; "—" for the kinds that make no groups."""
    return lambda f: "—" if f.get("groups") is None else show(f)


# the figures plans are compared by: (Chinese, English, the text from a summary)
FIGURES: list[tuple[str, str, Any]] = [
    ("交流人次", "teachers moved", lambda f: "—" if f.get("moves") is None else str(f["moves"])),
    ("新聘或任命教师", "teachers hired or appointed",
     lambda f: "—" if f.get("teachers") is None else str(f["teachers"])),
    ("学校（学段）达标", "school–stages meeting the rule",
     _changed(lambda f: f"{_arrow(f.get('meeting'))} / {f.get('evaluated', '—')}")),
    ("差异系数超限", "CVs over the limit", _changed(lambda f: _arrow(f.get("cvs_over")))),
    ("资源配置", "resources", _changed(lambda f: _arrow(f.get("resources"), _verdict))),
    ("评估结论", "verdict", _changed(lambda f: _arrow(f.get("verdict"), _verdict))),
    ("集团数", "school groups", _grouped(lambda f: f"{f['groups']:,}")),
    ("入集团学校", "schools in a group",
     _grouped(lambda f: f"{f['schools_in_groups']:,} / {f['schools']:,}")),
    ("覆盖乡村学校", "rural schools in a group",
     _grouped(lambda f: f"{f.get('rural_in_groups') or 0:,} / {f.get('rural') or 0:,}")),
    ("覆盖未达标学校", "failing schools in a group",
     _grouped(lambda f: f"{f.get('failing_in_groups') or 0:,} / {f.get('failing') or 0:,}")),
    ("学生覆盖率", "pupils in a group",
     _grouped(lambda f: f"{share_text(f.get('pupils_share'))}（{f['pupils_in_groups']:,} / "
                        f"{f['pupils']:,} 人）")),
    ("覆盖目标", "coverage target", _grouped(target_text)),
    ("费用（万元）", "cost (10k yuan)", lambda f: _money(f.get("cost_wan"))),
    ("逐项补足费用（万元）", "every gap raised to its threshold",
     lambda f: _money(f["naive_cost_wan"]) if f.get("naive_cost_wan") is not None
     else "无法逐项补足：有缺口没有可用措施 / some gap has no priced lever" if f.get("priced")
     else "—"),
    ("预算（万元）", "budget", lambda f: _budget(f)),
    ("分年度", "by year", lambda f: _years(f)),
    ("措施无法解决", "beyond the levers",
     lambda f: "—" if f.get("unreachable") is None else f"{f['unreachable']} 个学校（学段）"),
    ("最优性", "optimality",
     lambda f: "已证明最优 proven" if f.get("proven") else "时限内最好 best within the limit"),
    ("用时", "time", lambda f: f"{f.get('seconds', 0):.1f} 秒 s"),
]


def _money(wan: float | None) -> str:
    return "—" if wan is None else f"{wan:,.2f}"


def _budget(f: dict) -> str:
    if f.get("budget_wan") is None:
        return "—" if f.get("priced") is None else "不限 none"
    short = f.get("shortfall_wan")
    return _money(f["budget_wan"]) + (f"（不足 {_money(short)} short）" if short else "")


def _years(f: dict) -> str:
    """The phased plan, year by year: cost (万元, or teachers unpriced) and school–stages."""
    rows = f.get("by_year")
    if not rows:
        return "—" if f.get("years") is None else "一次实施 at once"
    unit = "万元" if f.get("priced") else "人"
    return "；".join(f"第 {r['year']} 年 {_money(r['cost']) if f.get('priced') else int(r['cost'])}"
                    f" {unit}，达标 {r['meeting']}/{r['evaluated']}" for r in rows)


def _when(at: datetime | None) -> str:
    return "—" if at is None else at.strftime("%Y-%m-%d %H:%M:%S")


def _view(run: PlanRun, names: dict[int, str], snapshots: dict[int, Snapshot]) -> dict:
    """A run as the pages show it."""
    kind = KINDS.get(run.kind)
    figures = json.loads(run.summary) if run.summary else None
    snap = snapshots.get(run.snapshot_id)
    params = {"time_limit": None, "seed": None, "settings": {},
              **public_params(json.loads(run.params or "{}"))}
    return {
        "id": run.id, "kind": run.kind,
        "title": kind.title if kind is not None else (run.kind, run.kind),
        "snapshot_id": run.snapshot_id,
        "snapshot": (f"{snap.school_year}–{snap.school_year + 1} · 第 {snap.id} 版"
                     if snap is not None else f"第 {run.snapshot_id} 版"),
        "by": names.get(run.created_by or 0, "—"), "created": _when(run.created_at),
        "started": _when(run.started_at), "finished": _when(run.finished_at),
        "status": run.status, "status_words": STATUS_WORDS.get(run.status, (run.status,) * 2),
        "progress": run.progress or "", "error": run.error, "adopted": run.adopted,
        "adopted_by": names.get(run.adopted_by or 0, "—"), "adopted_at": _when(run.adopted_at),
        "figures": figures,
        "shown": [(zh, en, text(figures)) for zh, en, text in FIGURES] if figures else [],
        # a groups plan's line in the list of runs, in place of the figures it does not change
        "coverage": coverage_text(figures) if figures and figures.get("groups") is not None
        else None,
        "params": params,
        "settings": _settings_shown(kind, params["settings"] or {}) + (
            [("保留现有集团", "keep", keep_words(params["keep"]))] if params.get("keep") else [])
        + ([("集团", "groups", source_words(params["groups_from"]))]
           if params.get("groups_from") else []),
    }


def _settings_shown(kind: Any, settings: dict[str, Any]) -> list[tuple[str, str, str]]:
    """A run's own settings as the form named them: (short Chinese label, key, value shown
    in the declaration's unit — "最远距离 40 km", "覆盖目标 80%")."""
    declared = {p.name: p for p in kind.settings()} if kind is not None else {}
    out = []
    for key, value in settings.items():
        p = declared.get(key)
        if p is None:  # a setting no longer declared: as it was stored
            out.append((key, key, "不限 off" if value is None else str(value)))
            continue
        label = re.split(r"[：（]", p.zh, maxsplit=1)[0]
        try:
            shown = p.show(value, "zh")
        except (TypeError, ValueError):
            shown = str(value)
        out.append((label, key, shown))
    return out


def _names(s: Session, runs: list[PlanRun]) -> dict[int, str]:
    ids = {i for r in runs for i in (r.created_by, r.adopted_by) if i is not None}
    if not ids:
        return {}
    return dict(s.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def _snapshots(s: Session, county_id: int) -> dict[int, Snapshot]:
    rows = s.scalars(select(Snapshot).where(Snapshot.county_id == county_id)
                     .order_by(Snapshot.created_at.desc(), Snapshot.id.desc()))
    return {snap.id: snap for snap in rows}


def _settings_view(standard_ref: str) -> list[dict]:
    """Each kind's form: its declared settings with the profile's values as placeholders."""
    from junheng.standards import load_standard

    standard = load_standard(standard_ref)
    out = []
    for kind in KINDS.values():
        fields = []
        defaults = standard.rules(kind.name) if kind.rules is not None else None
        for p in kind.settings():
            value = getattr(defaults, p.name)
            fields.append({"name": f"s_{p.name}", "zh": p.label("zh"), "en": p.label("en"),
                           "kind": p.kind,
                           "default": p.show(value, "zh"),
                           "choices": [(c, (p.labels or {}).get(c, c)) for c in p.choices],
                           "hint": "；".join(filter(None, [
                               p.expected(form=True)[0]]))})
        out.append({"name": kind.name, "title": kind.title, "note": kind.note,
                    "fields": fields, "prices": kind.prices})
    return out


def _list_page(request: Request, w: Web, user: User, csrf: str, county: County,
               compare: list[int], status: int = 200, message: str | None = None,
               problems: list[str] | None = None,
               table_problems: list[dict] | None = None) -> Response:
    with w.store.session() as s:
        runs = list(s.scalars(select(PlanRun).where(PlanRun.county_id == county.id)
                              .order_by(PlanRun.created_at.desc(), PlanRun.id.desc())
                              .limit(SHOWN_RUNS)))
        names = _names(s, runs)
        snapshots = _snapshots(s, county.id)
    views = [_view(r, names, snapshots) for r in runs]
    wanted = list(dict.fromkeys(compare))[:MAX_COMPARED]
    by_id = {v["id"]: v for v in views}
    compared = [by_id[i] for i in wanted if i in by_id and by_id[i]["figures"]]
    can_manage = access.manages(user, county)
    # the groupings a new groups plan may keep and extend: the adopted ones
    keep_plans = [{"value": f"plan:{v['id']}", "zh": f"已采用的方案 {v['id']} 的集团",
                   "en": f"the groups of adopted plan {v['id']}", "year": v["coverage"]}
                  for v in views if v["kind"] == "groups" and v["adopted"] and v["figures"]]
    return w.page(request, "plans.html", status, user=user, csrf=csrf, county=county,
                  runs=views, compared=compared, can_manage=can_manage, keep_plans=keep_plans,
                  kinds=_settings_view(w.standard) if can_manage else [],
                  snapshots=list(snapshots.values())[:10], message=message,
                  problems=problems or [], table_problems=table_problems or [],
                  default_time_limit=int(DEFAULT_TIME_LIMIT),
                  max_time_limit=int(MAX_TIME_LIMIT), compare_ids=set(wanted),
                  max_years=MAX_YEARS, max_hire_years=MAX_HIRE_YEARS,
                  max_budget=int(MAX_BUDGET_WAN),
                  figures=[(zh, en) for zh, en, _ in FIGURES])


# --- the county's runs ------------------------------------------------------------------------
@router.get("/counties/{county_id}/plans", response_class=HTMLResponse)
def plans_page(request: Request, county_id: int,
               compare: list[int] = Query(default=[])) -> Response:  # noqa: B008
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
    return _list_page(request, w, user, csrf, county, compare)


def _price_problems(exc: InputError) -> list[dict]:
    """The price table's problems as the page lists them: sheet, row, column, value,
    expected (Chinese, then English)."""
    return [{"sheet": p.table, "row": "—" if p.row is None else p.row,
             "column": p.column or "—", "value": "（空 empty）" if p.value is None else p.value,
             "expected": f"{p.expected_zh} / {p.expected_en}"} for p in exc.problems]


def _setting_problems(kind: Any, problems: list[str]) -> list[str]:
    """Each wrong setting named as the form names it (its Chinese and English label, words and
    no code), then what it should be: "覆盖目标…：应在 (0, 1] 之间…"."""
    fields = {f"{kind.name}.{p.name}": p for p in kind.settings()}
    out = []
    for text in problems:
        key, _, rest = text.partition(": ")
        p = fields.get(key)
        rest = rest.replace(OFF[0], OFF_FORM[0]).replace(OFF[1], OFF_FORM[1])
        out.append(f"{p.label('zh')} / {p.label('en')}：{rest}" if p is not None and rest
                   else text)
    return out


def _keep_choice(s: Session, county_id: int, keep: str, dataset: Any
                 ) -> tuple[str, tuple[str, list[str]] | None]:
    """A groups run's "keep today's groups" choice checked before anything starts: the data's
    own 集团 table, or a finished groups plan of this county, read again against the chosen
    data; or the message and the located problems saying why not."""
    plan_id = keep_plan_id(keep)
    if keep != KEEP_DATA and plan_id is None:
        return keep, ("请从列表中选择要保留的集团 / choose the groups to keep from the list", [])
    files = None
    if plan_id is not None:
        kept = s.get(PlanRun, plan_id)
        if (kept is None or kept.county_id != county_id or kept.kind != "groups"
                or kept.status != "done"):
            return keep, ("所选的集团方案不存在或未完成，未开始 / the groups plan chosen does not "
                          "exist or is not finished: nothing was started", [])
        files = kept.files
    try:
        kept_groups(keep, dataset, files)
    except InputError as exc:
        n = len(exc.problems)
        return keep, (f"要保留的集团有 {n} 处问题，未开始 / the groups to keep have "
                      f"{plural(n, 'problem', 'problems')}: "
                      "nothing was started",
                      [f"{p.location()}" + ("" if p.value is None else f" · 值 value {p.value}")
                       + f"：{p.expected_zh} / {p.expected_en}" for p in exc.problems])
    return keep, None


def _pass_settings(kind: Any, form: dict[str, str]) -> tuple[dict[str, Any], str | None]:
    """A path-to-pass form's budget (万元, blank: none), years and hire years (blank: 1); or
    the message saying what is wrong."""
    if kind.prices == "none":
        return {}, None
    try:
        budget = form.get("budget_wan", "").strip()
        budget_wan = float(budget) if budget else None
        years = int(form.get("years", "").strip() or 1)
        hire_years = int(form.get("hire_years", "").strip() or 1)
    except ValueError:
        return {}, ("预算应为万元数，分年与工资计算年数应为整数 / the budget is a number of 万元, the "
                    "years whole numbers")
    if budget_wan is not None and not 0 <= budget_wan <= MAX_BUDGET_WAN:  # NaN too
        return {}, (f"预算应在 0–{MAX_BUDGET_WAN:,.0f} 万元之间 / the budget is within "
                    f"0–{MAX_BUDGET_WAN:,.0f} 万元")
    if not 1 <= years <= MAX_YEARS or not 1 <= hire_years <= MAX_HIRE_YEARS:
        return {}, (f"分年实施应为 1–{MAX_YEARS} 年，新聘教师计 1–{MAX_HIRE_YEARS} 年工资 / the "
                    f"years are 1–{MAX_YEARS}, a hire's pay 1–{MAX_HIRE_YEARS} years")
    return {"budget_wan": budget_wan, "years": years, "hire_years": hire_years}, None


@router.post("/counties/{county_id}/plans", response_class=HTMLResponse)
async def start_plan(request: Request, county_id: int) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    raw = await request.form()
    form = {k: v for k, v in raw.items() if isinstance(v, str)}
    w.check_csrf(form.get("csrf", ""), expected)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        _manager_or_403(user, county)

    def refuse(message: str, problems: list[str] | None = None,
               table: list[dict] | None = None) -> Response:
        return _list_page(request, w, user, expected, county, [], 400, message, problems,
                          table)

    kind = KINDS.get(form.get("kind", ""))
    if kind is None:
        return refuse("请选择方案类型 / choose a kind of plan")
    try:
        time_limit = float(form.get("time_limit") or DEFAULT_TIME_LIMIT)
        seed = int(form.get("seed") or 0)
    except ValueError:
        return refuse("求解时限应为秒数，随机种子应为整数 / the time limit is a number of seconds, "
                      "the seed a whole number")
    if not 1 <= time_limit <= MAX_TIME_LIMIT or not 0 <= seed < 2**31:
        return refuse(f"求解时限应在 1–{MAX_TIME_LIMIT:.0f} 秒之间，随机种子应在 0–2147483647 之间 / "
                      f"the time limit is within 1–{MAX_TIME_LIMIT:.0f} s, the seed within "
                      "0–2147483647")
    settings = parse_settings(kind, form)
    try:
        rules = check_settings(kind, w.standard, settings)
    except StandardError as exc:
        return refuse("设置有误，未开始 / invalid setting: nothing was started",
                      _setting_problems(kind, exc.problems))
    options, wrong = _pass_settings(kind, form)
    if wrong is not None:
        return refuse(wrong)
    upload = raw.get("prices") if kind.prices != "none" else None
    content, filename = b"", ""
    if isinstance(upload, UploadFile) and upload.filename:
        content = await upload.read(MAX_PRICES_BYTES + 1)
        filename = PurePath(upload.filename.replace("\\", "/")).name
    if not content and (kind.prices == "required" or options.get("budget_wan") is not None):
        return refuse("请选择单价表文件（.xlsx）；投入、达标路径方案和预算都按本局单价计算 / choose the "
                      "price table (.xlsx): investment, the path to pass and a budget are priced "
                      "at the bureau's own prices")
    if content:
        mb = MAX_PRICES_BYTES // 2**20
        if len(content) > MAX_PRICES_BYTES:
            return refuse(f"单价表不超过 {mb} MB / the price table is at most {mb} MB")
        if PurePath(filename).suffix.lower() != ".xlsx":
            return refuse("单价表应为 .xlsx 工作簿（见单价表模板）/ the price table is an .xlsx "
                          "workbook (see the template)")

    with w.store.session() as s:
        if form.get("snapshot"):
            try:
                snap = s.get(Snapshot, int(form["snapshot"]))
            except ValueError:
                snap = None
            if snap is None or snap.county_id != county_id:
                raise HTTPException(status_code=404)
        else:
            snap = w.latest(s, county_id)
        if snap is None:
            return refuse("本县还没有数据，无法制定方案：请先提交县域数据或汇总学校填报 / the "
                          "county has no data yet: upload its workbook or assemble the "
                          "schools' submissions first")
        busy = s.scalar(select(func.count()).select_from(PlanRun).where(
            PlanRun.county_id == county_id, PlanRun.status.in_(UNFINISHED)))
        if busy >= MAX_UNFINISHED:
            return refuse(f"本县已有 {busy} 个方案在排队或运行，请待其完成后再试 / {busy} plans of "
                          "this county are queued or running: try again when they end")
        try:  # the data must read: a stored snapshot was valid, but say so if it is not
            w.evaluated(snap)
            dataset = w.cache.get(snap.sha256, snap.content, snap.filename)[0]
        except InputError:
            return refuse("这一版数据无法读取，无法制定方案 / this version of the data cannot be "
                          "read: no plan was started")
        if kind.name == "groups" and form.get("keep", "").strip():
            keep, wrong = _keep_choice(s, county_id, form["keep"].strip(), dataset)
            if wrong is not None:
                return refuse(*wrong)
            options["keep"] = keep
        if kind.name == "rotation" and rules is not None and rules.scope == "group":
            source, wrong = rotation_groups_choice(s, county_id, dataset)
            if wrong is not None:
                return refuse(*wrong)
            options["groups_from"] = source
        if content:  # the library's reader, against the data the plan is made for
            try:
                read_price_table(content, filename, dataset)
            except InputError as exc:
                n = len(exc.problems)
                return refuse(f"单价表有 {n} 处问题，未开始 / the price table has {n} problems: "
                              "nothing was started", table=_price_problems(exc))
            options |= price_params(content, filename)
        params = {"time_limit": time_limit, "seed": seed, "settings": settings,
                  "standard": w.standard, **options}
        run = PlanRun(county_id=county_id, snapshot_id=snap.id, kind=kind.name,
                      params=json.dumps(params, ensure_ascii=False), status="queued",
                      progress="排队中 queued", created_by=user.id)
        s.add(run)
        s.flush()
        audit(s, user.id, "plan_started", f"county:{county_id}/plan:{run.id}",
              {"kind": kind.name, "snapshot": snap.id, **public_params(params)})
        s.commit()
        run_id = run.id
    runner_of(w).submit(run_id)
    return RedirectResponse(f"/counties/{county_id}/plans/{run_id}", status_code=303)


# --- one run ----------------------------------------------------------------------------------
def _moves(w: Web, run: PlanRun, data: dict, names: bool) -> list[dict]:
    """The rotation list as the page shows it: teachers pseudonymised unless ``names``."""
    from junheng.model.schema import ENUMS
    from junheng.report.catalogue import t

    hide = None if names else runner_of(w).pseudonyms(run.id)
    subject, backbone = ENUMS["subject"].label, ENUMS["backbone"].label
    out = []
    for m in data.get("moves", []):
        out.append({
            "exchange": m.get("exchange"),
            "direction": "派出 send" if m.get("direction") == "send" else "换回 return",
            "teacher": m["teacher_id"] if hide is None else hide(m["teacher_id"], "T-"),
            "stage": t(m["stage"], "zh") if m.get("stage") else "",
            "subject": subject(m["subject"]) if m.get("subject") else "",
            "backbone": backbone(m["backbone"]) if m.get("backbone") else "",
            "from": m.get("from_name") or m.get("from_school_id"),
            "to": m.get("to_name") or m.get("to_school_id"),
            "km": m.get("km"), "why": m.get("why_zh", "")})
    return out


def _school_names(w: Web, snapshot: Snapshot | None) -> dict[str, str]:
    if snapshot is None:
        return {}
    try:
        ev = w.evaluated(snapshot)
    except InputError:
        return {}
    return dict(ev.schools.select("school_id", "name").unique("school_id").iter_rows())


def _actions(data: dict, school_names: dict[str, str]) -> list[dict]:
    """The path-to-pass plan's actions (the workbook's 整改措施): school, stage, action, amount,
    unit, cost in 万元 (a plan without prices has none), year. They name no teacher: a
    backbone appointment is a number of teachers, the bureau chooses whom."""
    from junheng.report._pass import KIND_WORDS, action_text
    from junheng.report.catalogue import t

    priced = data.get("priced", True)
    return [{"school": school_names.get(a["school_id"], a["school_id"]),
             "school_id": a["school_id"], "stage": t(a["stage"], "zh"),
             "action": action_text(a, "zh"), "amount": f"{a['amount']:,}",
             "unit": KIND_WORDS[a["kind"]][2],
             "cost": _money(a["cost_yuan"] / 10_000) if priced else "—",
             "phase": a.get("phase")} for a in data.get("actions", [])]


def _by_year(data: dict) -> list[dict]:
    """The phased plan's years (the workbook's 分年度), when phased over more than one."""
    from junheng.report.catalogue import t

    if (data.get("years") or 1) <= 1:
        return []
    per, unit = (10_000, "万元") if data.get("priced", True) else (1, "人")
    return [{"county": r["county"], "year": r["phase"],
             "cost": f"{r['cost_yuan'] / per:,.2f} {unit}" if per > 1
             else f"{r['cost_yuan']:.0f} {unit}",
             "cumulative": f"{r['cumulative_yuan'] / per:,.2f} {unit}" if per > 1
             else f"{r['cumulative_yuan']:.0f} {unit}",
             "meeting": f"{r['schools_meeting_rule']} / {r['schools_evaluated']}",
             "resources": t(r["resources_verdict"], "zh")}
            for r in data.get("by_year", [])]


def _unreachable(data: dict, school_names: dict[str, str]) -> list[dict]:
    """The school–stages these levers cannot bring to the rule, and why (措施无法解决)."""
    from junheng.report.catalogue import t

    return [{"school": school_names.get(r["school_id"], r["school_id"]),
             "school_id": r["school_id"], "stage": t(r["stage"], "zh"),
             "why_zh": r.get("why_zh", ""), "why_en": r.get("why_en", "")}
            for r in data.get("unreachable", [])]


def _rotation_data(run: PlanRun) -> dict:
    """The rotation a ``pass`` plan made first, from the run's files (rotation-plan.json)."""
    if not run.files:
        return {}
    try:
        with zipfile.ZipFile(io.BytesIO(run.files)) as z:
            return json.loads(z.read("rotation-plan.json"))
    except (KeyError, zipfile.BadZipFile, ValueError):
        return {}


@router.get("/counties/{county_id}/plans/{plan_id}", response_class=HTMLResponse)
def plan_page(request: Request, county_id: int, plan_id: int) -> Response:
    w = web(request)
    user, csrf = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        run = _run_or_404(s, county_id, plan_id)
        view = _view(run, _names(s, [run]), _snapshots(s, county_id))
        snapshot = s.get(Snapshot, run.snapshot_id)
    names = access.teacher_names(user, county) is True
    done = run.status == "done"
    data = json.loads(run.result_json) if done and run.result_json else {}
    moves = []
    if done and run.kind == "rotation":
        moves = _moves(w, run, data, names)
    elif done and run.kind == "pass":
        moves = _moves(w, run, _rotation_data(run), names)
    school_names = _school_names(w, snapshot) if "actions" in data else {}
    actions = _actions(data, school_names) if "actions" in data else []
    warnings = [(x.get("zh", ""), x.get("en", "")) for x in data.get("warnings", [])]
    groups = _groups_page(w, run, data) if done and run.kind == "groups" else None
    if groups is not None:
        warnings = [web_warning(zh, en) for zh, en in warnings]
    return w.page(request, "plan.html", user=user, csrf=csrf, county=county, run=view,
                  moves=moves, actions=actions, warnings=warnings, names=names,
                  by_year=_by_year(data), unreachable=_unreachable(data, school_names),
                  pass_plan="actions" in data, priced=data.get("priced", True),
                  can_manage=access.manages(user, county), groups=groups,
                  refresh=run.status in UNFINISHED)


# what each of a groups plan's files is, for its download link
GROUP_FILE_WORDS = {".xlsx": ("方案工作簿", "the plan's workbook"),
                    ".json": ("方案数据 JSON", "the plan as JSON"),
                    ".html": ("集团分布图（下载后用浏览器打开，离线可用）",
                              "the map (open the downloaded file in a browser; works offline)")}


def _groups_page(w: Web, run: PlanRun, data: dict) -> dict:
    """A school-groups plan as its page shows it: coverage, groups, the unmatched, the files."""
    from junheng.standards import load_standard

    params = json.loads(run.params or "{}")
    tolerance = load_standard(params.get("standard") or w.standard).tolerance
    names: list[str] = []
    if run.files:
        with zipfile.ZipFile(io.BytesIO(run.files)) as z:
            names = z.namelist()
    files = [{"name": n, "url": f"/counties/{run.county_id}/plans/{run.id}/groups/{quote(n)}",
              "words": GROUP_FILE_WORDS.get(PurePath(n).suffix, (n, n))} for n in names]
    year = (json.loads(run.summary) if run.summary else {}).get("school_year")
    return {"coverage": coverage_view(data, tolerance), "groups": groups_view(data),
            "unmatched": unmatched_view(data), "towns": towns_note(data), "files": files,
            "has_map": any(n.endswith(".html") for n in names),
            "year_zh": f" {year}–{year + 1} 学年" if year else "本学年",
            "year_en": f"{year}–{year + 1}" if year else "the school year"}


@router.get("/api/counties/{county_id}/plans/{plan_id}")
def plan_json(request: Request, county_id: int, plan_id: int) -> Response:
    w = web(request)
    user, _ = w.signed_in(request)
    with w.store.session() as s:
        w.county_or_404(s, user, county_id)
        run = _run_or_404(s, county_id, plan_id)
    params = json.loads(run.params or "{}")
    return JSONResponse({
        "id": run.id, "county_id": run.county_id, "snapshot_id": run.snapshot_id,
        "kind": run.kind, "status": run.status, "status_zh": STATUS_WORDS[run.status][0],
        "progress": run.progress, "error": run.error,
        "summary": json.loads(run.summary) if run.summary else None,
        "params": {k: params.get(k) for k in (
            "time_limit", "seed", "settings", "budget_wan", "years", "hire_years",
            "prices_filename", "prices_sha256")},
        "adopted": run.adopted,
        **{k: None if v is None else v.isoformat() for k, v in (
            ("created_at", run.created_at), ("started_at", run.started_at),
            ("finished_at", run.finished_at), ("adopted_at", run.adopted_at))}})


@router.get("/counties/{county_id}/plans/{plan_id}/files.zip")
def plan_files(request: Request, county_id: int, plan_id: int) -> Response:
    w = web(request)
    user, _ = w.signed_in(request)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        run = _run_or_404(s, county_id, plan_id)
        if run.status != "done" or run.files is None:
            raise HTTPException(status_code=404)
        kind = KINDS.get(run.kind)
        personal = kind is None or kind.personal  # school groups name no teacher
        if personal and access.teacher_names(user, county) is not True:  # they name teachers
            raise HTTPException(status_code=403, detail="方案文件含教师编号，只有本县教育局可以下载 / "
                                                        "the plan's files name teachers: only "
                                                        "the county bureau downloads them")
        audit(s, user.id, "plan_downloaded", f"county:{county_id}/plan:{plan_id}",
              {"kind": run.kind})
        s.commit()
        body = run.files
    name = f"方案{plan_id}.zip"
    return Response(body, media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename=plan-{plan_id}.zip; "
                               f"filename*=UTF-8''{quote(name)}"})


@router.post("/counties/{county_id}/plans/{plan_id}/adopt")
async def adopt(request: Request, county_id: int, plan_id: int) -> Response:
    w = web(request)
    user, expected = w.signed_in(request)
    form = await request.form()
    csrf = form.get("csrf", "")
    w.check_csrf(csrf if isinstance(csrf, str) else "", expected)
    with w.store.session() as s:
        county = w.county_or_404(s, user, county_id)
        run = _run_or_404(s, county_id, plan_id)
        _manager_or_403(user, county)
        if run.status != "done":
            return w.page(request, "error.html", 400, user=user, csrf=expected,
                          message="只能采用已完成的方案 / only a finished plan can be adopted")
        # one adopted plan per kind: a rotation and a recruitment plan complement each other
        others = list(s.scalars(select(PlanRun).where(
            PlanRun.county_id == county_id, PlanRun.kind == run.kind, PlanRun.adopted,
            PlanRun.id != plan_id)))
        year = _plan_year(run)
        if run.kind == "groups":  # the bureau's grouping of one school year: that year's only
            others = [o for o in others if _plan_year(o) == year]
        for other in others:
            other.adopted, other.adopted_by, other.adopted_at = False, None, None
        if not run.adopted:
            run.adopted, run.adopted_by, run.adopted_at = True, user.id, utcnow()
        audit(s, user.id, "plan_adopted", f"county:{county_id}/plan:{plan_id}",
              {"kind": run.kind, "snapshot": run.snapshot_id,
               **({"school_year": year} if run.kind == "groups" else {}),
               "replaces": [o.id for o in others]})
        s.commit()
    return RedirectResponse(f"/counties/{county_id}/plans/{plan_id}", status_code=303)


def _plan_year(run: PlanRun) -> int | None:
    """The school year a finished plan is for (its summary's), None before it finishes."""
    return json.loads(run.summary).get("school_year") if run.summary else None
