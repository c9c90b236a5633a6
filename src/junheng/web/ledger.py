"""The 问题台账 (rectification ledger): every gap of a county's evaluation becomes a tracked
entry, and each new snapshot of the newest school year closes or reopens the entries by itself.

**What a gap is** (STANDARDS.md §1; read from the evaluation's tables and the 整改清单 that
``build_rectification`` already builds — nothing is recomputed here). Each has a ``key`` that
names it stably across snapshots:

============  =========================================  ==========================================
kind          key                                        when
============  =========================================  ==========================================
``rule``      ``rule:{school_id}:{stage}``               a school–stage fails the per-school rule
                                                         (6 of 7, each missed one ≥ 85 %)
``indicator`` ``indicator:{school_id}:{stage}:{ind}``    an indicator below its threshold there
                                                         (or without a value)
``cv``        ``cv:{stage}:{ind}``                       a CV over its limit (or undefined);
              ``cv:{stage}:composite``                   the composite CV (basic-2012)
``item``      ``item:{item}``                            an item of the other parts failed or
                                                         without data (``item:class_size``)
``breach``    ``breach:{item}:{school_id}[:{stage}]``    a school's part of a failed item (rooms
                                                         to add, classes over the limit, teachers
                                                         untrained or uncertified …): the school's
                                                         own tasks of the 整改清单
``veto``      ``veto:{veto}``                            a veto condition present
============  =========================================  ==========================================

Items are keyed by the profile's item key (``class_size``), not their number: numbers repeat
across parts (政府保障程度 5 and 教育质量 5).

**Following the data** (``sync``): a new gap opens an entry (待整改); an entry whose gap is absent
from the new snapshot is marked 已整改 with ``closed_by_snapshot_id`` (unless already 已整改 or
已核验) — but a school missing from the new data has not shown anything closed, so its entries
stay as they are; an 已整改 or 已核验 entry whose gap is back is reopened (待整改,
``reopened`` + 1).
Each automatic close and reopen is audited (``ledger_closed_by_data``,
``ledger_reopened_by_data``, no user); one ``ledger_synced`` entry per snapshot counts them.

**Only the newest school year drives the ledger.** A snapshot whose school year is older than
the county's newest snapshot (a correction of last year's data uploaded late) changes nothing:
last year's data says nothing about whether this year's gaps were closed. A snapshot of the
newest school year (a re-upload, an assembled year) or of a newer one does.

Titles and details are Chinese (the ledger is the bureau's working document); the pages add
the English words around them. No teacher appears in a gap: breaches carry counts only.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from junheng.evaluate import Evaluation
from junheng.report.views.projection import shown_against
from junheng.store import County, LedgerEntry, Snapshot, audit
from junheng.store.models import utcnow

# 待整改 / 整改中 / 已整改 / 已核验 (the order of junheng.store.LEDGER_STATUSES)
STATUS_NAMES = {"open": ("待整改", "open"), "in_progress": ("整改中", "in progress"),
                "fixed": ("已整改", "fixed"), "verified": ("已核验", "verified")}
KIND_NAMES = {"rule": ("学校未达标", "school–stage fails the rule"),
              "indicator": ("指标未达标", "indicator below its standard"),
              "cv": ("差异系数超限", "CV over its limit"),
              "item": ("其他指标", "item failed or without data"),
              "breach": ("学校整改任务", "school task of an item"),
              "veto": ("否决情形", "veto condition")}
OPEN_STATUSES = ("open", "in_progress")  # still to do: a deadline can be overdue
DONE_STATUSES = ("fixed", "verified")


@dataclass(frozen=True)
class Gap:
    """One gap of a county's evaluation (see the module docstring for ``key`` and ``kind``)."""

    key: str
    kind: str
    title: str  # in Chinese
    school_id: str | None = None
    stage: str | None = None
    detail: dict[str, Any] = field(default_factory=dict, hash=False)  # JSON-ready

    @property
    def school(self) -> str | None:
        """The school's name (school gaps)."""
        return self.detail.get("school")


# --- the gaps of one evaluation ----------------------------------------------------------------
def _num(value: Any) -> float | int | None:
    """A JSON-safe number: None for a missing or non-finite one."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    value = float(value)
    return value if math.isfinite(value) else None


def _figure(value: float | None) -> str:
    """9.624561 → 9.62, 2000.0 → 2000, 0.9 → 0.9 (the pages' figures; the detail keeps all)."""
    if value is None:
        return "—"
    text = f"{value:,.2f}".rstrip("0").rstrip(".")
    return text or "0"


def shown_below(value: float, threshold: float | None) -> str:
    """A value that misses, never reading as its standard (trailing zeros dropped change the
    text, not the number).

    >>> shown_below(2.297, 2.3), shown_below(2.0, 2.3), shown_below(2.2995, 2.3)
    ('2.297', '2', '2.2995')
    """
    text = shown_against(value, threshold)
    return text.rstrip("0").rstrip(".") if "." in text else text


def gaps(evaluation: Evaluation, county: str) -> list[Gap]:
    """Every gap of ``county`` in ``evaluation``, in the 整改清单's order of kinds: the failing
    school–stages, their indicators, the CVs, the other parts' items, the schools' item tasks,
    the vetoes. Pure: reads the evaluation's tables and ``build_rectification``'s texts.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=8, seed=1)
    >>> found = gaps(junheng.evaluate(junheng.load(path)), "示例县")
    >>> [g.key for g in found if g.kind == "cv"]
    ['cv:primary:pe_art_teachers_per100']
    """
    from junheng.report.catalogue import t
    from junheng.report.views import build_rectification

    if county not in evaluation.counties["county"].to_list():
        raise KeyError(f"{county} is not in the evaluation")
    std = evaluation.standard
    rect = build_rectification(evaluation, county, "zh")
    out: list[Gap] = []
    stage_zh = {s: t(s, "zh") for s in ("primary", "junior")}
    names = {ind.key: ind for ind in std.indicators}

    # the school tasks the 整改清单 already wrote: (school, indicator or item, stage) → task
    tasks = {(s.school_id, task.key, task.stage): task for s in rect.schools
             for task in s.tasks}

    # --- the per-school rule and its indicators (STANDARDS.md §1.1) ----------------------------
    if std.has_school_rule:
        rated = [ind for ind in std.indicators if ind.thresholds is not None]
        indicators = evaluation.indicators.filter(pl.col("county") == county)
        units = evaluation.schools.filter((pl.col("county") == county)
                                          & pl.col("meets_rule").not_().fill_null(True))
        for u in units.sort("school_id", "stage", descending=[False, True]).iter_rows(
                named=True):
            rows = indicators.filter((pl.col("school_id") == u["school_id"])
                                     & (pl.col("stage") == u["stage"]))
            missed = rows.filter(pl.col("met").not_().fill_null(True))
            below = rows.filter(pl.col("floor_met").not_().fill_null(True))
            name = u["name"] or u["school_id"]
            out.append(Gap(
                f"rule:{u['school_id']}:{u['stage']}", "rule",
                f"{name}（{stage_zh.get(u['stage'], u['stage'])}）未达到学校达标要求：{len(rated)} "
                f"项指标达标 {u['met_count']} 项（须至少 {std.min_indicators_met} 项，未达标的"
                f"不低于标准的 {std.floor_ratio:.0%}）",
                u["school_id"], u["stage"],
                {"school": name, "students": _num(u["students"]), "met": _num(u["met_count"]),
                 "of": len(rated), "required": std.min_indicators_met,
                 "floor": _num(std.floor_ratio),
                 "missed": [names[k].name for k in missed["indicator"].to_list()],
                 "below_floor": [names[k].name for k in below["indicator"].to_list()]}))
        for r in indicators.filter(pl.col("met").not_().fill_null(True)).sort(
                "school_id", "stage", "indicator_order",
                descending=[False, True, False]).iter_rows(named=True):
            ind = names[r["indicator"]]
            if ind.thresholds is None:
                continue
            name = r["name"] or r["school_id"]
            unit = ind.value_unit("zh")
            value = _num(r["value"])
            # a value that misses never reads as its standard (2.297 against 2.3)
            state = (f"{shown_below(value, _num(r['threshold']))} {unit}，低于标准 "
                     f"{_figure(r['threshold'])} {unit}"
                     if value is not None else "缺数据")
            task = tasks.get((r["school_id"], ind.key, r["stage"]))
            out.append(Gap(
                f"indicator:{r['school_id']}:{r['stage']}:{ind.key}", "indicator",
                f"{name}（{stage_zh.get(r['stage'], r['stage'])}）{ind.name} {state}",
                r["school_id"], r["stage"],
                {"school": name, "indicator": ind.key, "name": ind.name, "value": value,
                 "threshold": _num(r["threshold"]), "unit": unit, "ratio": _num(r["ratio"]),
                 "shortfall": _num(r["shortfall"]), "floor_met": r["floor_met"],
                 "task": task.task if task is not None else None}))

    # --- the CVs (STANDARDS.md §1.2): the 整改清单's own sentences ------------------------------
    over = {(c.stage, c.indicator): c for c in rect.cvs}
    stages = evaluation.stages.filter(pl.col("county") == county)
    if std.cv_limits is not None:
        for r in stages.filter(pl.col("cv_met").not_().fill_null(True)).sort(
                "stage", "indicator_order", descending=[True, False]).iter_rows(named=True):
            ind = names[r["indicator"]]
            c = over.get((r["stage"], ind.name))
            out.append(Gap(
                f"cv:{r['stage']}:{ind.key}", "cv",
                c.text if c is not None else
                f"{stage_zh.get(r['stage'], r['stage'])}「{ind.name}」差异系数未达标",
                None, r["stage"],
                {"indicator": ind.key, "name": ind.name, "cv": _num(r["cv"]),
                 "limit": _num(r["cv_limit"])}))
    if std.cv_composite_limits is not None:
        composite = t("composite", "zh")
        for r in stages.unique("stage", keep="first", maintain_order=True).sort(
                "stage", descending=True).iter_rows(named=True):
            if r.get("cv_composite_met") is not False:
                continue
            c = over.get((r["stage"], composite))
            out.append(Gap(
                f"cv:{r['stage']}:composite", "cv",
                c.text if c is not None else f"{stage_zh.get(r['stage'])}{composite}未达标",
                None, r["stage"],
                {"indicator": "composite", "name": composite,
                 "cv": _num(r.get("cv_composite")), "limit": _num(r.get("cv_composite_limit"))}))

    # --- the other parts' items (STANDARDS.md §1.3–1.5) ----------------------------------------
    items = evaluation.items.filter(pl.col("county") == county)
    open_items = {(i.part, i.number): i for i in rect.items}
    failed_items: set[str] = set()
    for r in items.filter(pl.col("met").not_().fill_null(True)).iter_rows(named=True):
        o = open_items.get((r["part"], r["number"]))
        state = "fail" if r["met"] is False else "incomplete"
        failed_items.add(r["item"])
        part = t(r["part"], "zh")
        name = o.name if o is not None else r["item"]
        out.append(Gap(
            f"item:{r['item']}", "item",
            f"{part}第 {r['number']} 项「{name}」{'未达标' if state == 'fail' else '缺数据'}",
            None, None,
            {"part": r["part"], "part_name": part, "number": r["number"], "item": r["item"],
             "name": name, "state": state, "value": _num(r["value"]),
             "threshold": _num(r["threshold"]), "op": r["op"],
             "checks": list(o.checks) if o is not None else [],
             "text": (o.detail if o is not None else r["detail_zh"]) or ""}))

    # --- the schools' part of a failed item: the 整改清单's school tasks -------------------------
    numbers = {i.key: (p.key, i.number) for p in std.parts for i in p.items}
    breaches = evaluation.breaches.filter((pl.col("county") == county)
                                          & pl.col("item").is_in(sorted(failed_items)))
    part_order = {p.key: i for i, p in enumerate(std.parts)}
    rows = sorted(breaches.iter_rows(named=True), key=lambda b: (
        part_order.get(numbers.get(b["item"], ("", 0))[0], 99),
        numbers.get(b["item"], ("", 0))[1] or 0, b["school_id"], b["stage"] or ""))
    for b in rows:
        task = tasks.get((b["school_id"], b["item"], b["stage"]))
        if task is None:  # an item whose county check holds: no school task (the 整改清单's rule)
            continue
        name = b["name"] or b["school_id"]
        stage = b["stage"]
        where = f"（{stage_zh.get(stage, stage)}）" if stage else ""
        part, number = numbers.get(b["item"], ("", None))
        out.append(Gap(
            f"breach:{b['item']}:{b['school_id']}" + (f":{stage}" if stage else ""), "breach",
            f"{name}{where}{task.problem}：{task.current}", b["school_id"], stage,
            {"school": name, "item": b["item"], "part": part, "number": number,
             "problem": task.problem, "current": task.current, "standard": task.standard,
             "task": task.task, "value": _num(b["value"]), "limit": _num(b["limit"]),
             "shortfall": _num(b["shortfall"])}))

    # --- vetoes (STANDARDS.md §1: any one blocks accreditation) ---------------------------------
    veto_names = {v.key: v.name for v in std.vetoes}
    for r in evaluation.vetoes.filter((pl.col("county") == county)
                                      & pl.col("present").fill_null(False)).iter_rows(named=True):
        name = veto_names.get(r["veto"], r["veto"])
        out.append(Gap(f"veto:{r['veto']}", "veto", f"存在否决情形：{name}", None, None,
                       {"veto": r["veto"], "name": name}))
    return out


# --- following the data ------------------------------------------------------------------------
@dataclass(frozen=True)
class SyncResult:
    """What one snapshot did to the ledger (entry ids)."""

    skipped: bool = False  # a snapshot of an older school year: nothing changed
    opened: tuple[int, ...] = ()
    closed: tuple[int, ...] = ()
    reopened: tuple[int, ...] = ()
    seen: tuple[int, ...] = ()  # still present (including the reopened)


def target(county_id: int, entry_id: int) -> str:
    """The audit target of one entry."""
    return f"county:{county_id}/ledger:{entry_id}"


def county_name(evaluation: Evaluation, county: County) -> str:
    """The county's name in the evaluation: its own, or the workbook's only county."""
    names = evaluation.counties["county"].to_list()
    if county.name in names or len(names) != 1:
        return county.name
    return names[0]


def sync(session: Session, county_id: int, snapshot: Snapshot,
         evaluation: Evaluation) -> SyncResult:
    """Bring the county's ledger in line with ``snapshot`` (see the module docstring). Added to
    ``session`` and flushed, not committed: the caller's transaction stores the snapshot too."""
    newest = session.scalar(select(func.max(Snapshot.school_year))
                            .where(Snapshot.county_id == county_id))
    if newest is not None and snapshot.school_year < newest:
        return SyncResult(skipped=True)
    county = session.get(County, county_id)
    if county is None:
        raise ValueError(f"no county {county_id}")
    found = {g.key: g for g in gaps(evaluation, county_name(evaluation, county))}
    entries = {e.key: e for e in session.scalars(
        select(LedgerEntry).where(LedgerEntry.county_id == county_id))}
    now = utcnow()
    new: list[LedgerEntry] = []
    closed, reopened, seen = [], [], []
    for key, gap in found.items():
        entry = entries.get(key)
        detail = json.dumps(gap.detail, ensure_ascii=False)
        if entry is None:
            entry = LedgerEntry(county_id=county_id, key=key, kind=gap.kind,
                                school_id=gap.school_id, stage=gap.stage, title=gap.title,
                                detail=detail, status="open", opened_snapshot_id=snapshot.id,
                                last_seen_snapshot_id=snapshot.id, reopened=0, created_at=now,
                                updated_at=now)
            session.add(entry)
            new.append(entry)
            continue
        entry.title, entry.detail = gap.title, detail  # the newest figures
        entry.last_seen_snapshot_id = snapshot.id
        seen.append(entry)
        if entry.status in DONE_STATUSES:
            was = entry.status
            entry.status = "open"
            entry.reopened = (entry.reopened or 0) + 1
            entry.closed_by_snapshot_id = None
            entry.updated_at = now
            reopened.append(entry)
            audit(session, None, "ledger_reopened_by_data", target(county_id, entry.id),
                  {"snapshot": snapshot.id, "key": key, "was": was, "now": "open",
                   "reopened": entry.reopened})
    # a school absent from the new data has not shown its gap closed: its entries wait
    name = county_name(evaluation, county)
    present = set(evaluation.schools.filter(pl.col("county") == name)["school_id"].to_list())
    for key, entry in entries.items():
        if key in found or entry.status in DONE_STATUSES:
            continue
        if entry.school_id is not None and entry.school_id not in present:
            continue
        was = entry.status
        entry.status = "fixed"
        entry.closed_by_snapshot_id = snapshot.id
        entry.updated_at = now
        closed.append(entry)
        audit(session, None, "ledger_closed_by_data", target(county_id, entry.id),
              {"snapshot": snapshot.id, "key": key, "was": was, "now": "fixed"})
    session.flush()
    result = SyncResult(False, tuple(e.id for e in new), tuple(e.id for e in closed),
                        tuple(e.id for e in reopened), tuple(e.id for e in seen))
    audit(session, None, "ledger_synced", f"county:{county_id}/ledger",
          {"snapshot": snapshot.id, "school_year": snapshot.school_year, "gaps": len(found),
           "opened": len(new), "closed": len(closed), "reopened": len(reopened)})
    return result


# --- deadlines and evidence ----------------------------------------------------------------------
def today() -> date:
    """Today in China (UTC+8, no daylight saving): when a deadline has passed."""
    return (utcnow() + timedelta(hours=8)).date()


def overdue(entry: LedgerEntry, on: date | None = None) -> bool:
    """A deadline passed while the gap is still to be fixed (the deadline day itself is not)."""
    return (entry.deadline is not None and entry.status in OPEN_STATUSES
            and entry.deadline < (on or today()))


MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
_ZIP = (b"PK\x03\x04",)
# suffix → (stored media type, what the file must begin with)
EVIDENCE_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
}


@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    media_type: str
    sha256: str


def check_evidence(content: bytes, filename: str) -> tuple[EvidenceFile | None, str | None]:
    """An uploaded 佐证材料 file checked: ``(file, None)`` or ``(None, message)``. The media type
    is the suffix's, never the browser's, and the content must begin as that type does."""
    name = Path((filename or "").replace("\\", "/")).name.strip()[:200]
    mb = MAX_EVIDENCE_BYTES // 2**20
    suffix = Path(name).suffix.lower()
    allowed = "pdf、jpg、png、docx、xlsx"
    if not name or not content:
        return None, "请选择一个文件 / choose a file"
    if len(content) > MAX_EVIDENCE_BYTES:
        return None, f"文件超过 {mb} MB / the file is larger than {mb} MB"
    if suffix not in EVIDENCE_TYPES:
        return None, (f"只接受 {allowed} 文件 / only pdf, jpg, png, docx or xlsx files "
                      f"(not {suffix or 'a file without a suffix'})")
    media, starts = EVIDENCE_TYPES[suffix]
    if not content.startswith(starts):
        return None, (f"文件内容不是 {suffix[1:]} 格式 / the content is not a {suffix[1:]} "
                      "file")
    return EvidenceFile(name, media, hashlib.sha256(content).hexdigest()), None
