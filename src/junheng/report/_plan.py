"""The rotation plan as people read it: the terminal summary, the workbook and the JSON."""

from __future__ import annotations

import hashlib
import json
import secrets
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng.io import atomic_path, write_text
from junheng.model.schema import ENUMS
from junheng.plan import RotationPlan
from junheng.report._excel import _Book
from junheng.report._text import Lang, t, yes_no

GROUP_WORDS = {"qualified": ("高于规定学历教师", "qualified teachers"),
               "backbone": ("骨干教师", "backbone teachers"),
               "pe_art": ("体育艺术教师", "PE/art teachers")}
PLAN_FILES = {"zh": ("交流轮岗方案.xlsx", "rotation-plan.json"),
              "en": ("rotation-plan.xlsx", "rotation-plan.json")}


def _pseudonyms(frame: pl.DataFrame, columns: list[str], prefix: str) -> pl.DataFrame:
    """``columns`` of ids replaced by pseudonyms (prefix + 10 hex digits) under a random key
    that is not kept: stable within one list, not reversible (ids are too easy to enumerate for
    a plain hash)."""
    key = secrets.token_hex(16)

    def hide(i: str) -> str:
        return prefix + hashlib.sha256(f"{key}:{i}".encode()).hexdigest()[:10]

    return frame.with_columns(pl.col(columns).map_elements(hide, return_dtype=pl.String))


def pseudonymise(moves: pl.DataFrame) -> pl.DataFrame:
    """Teacher ids replaced by pseudonyms (T-xxxxxxxxxx)."""
    return _pseudonyms(moves, ["teacher_id"], "T-")


def _cv_rows(plan: RotationPlan) -> pl.DataFrame:
    teacher = {i.key: i.numerator[1] for i in plan.before.standard.indicators
               if i.numerator[0] == "teachers"}
    b = plan.before.stages.filter(pl.col("indicator").is_in(list(teacher))).select(
        "county", "stage", "indicator", "cv")
    a = plan.after.stages.select("county", "stage", "indicator", pl.col("cv").alias("cv_after"))
    return b.join(a, on=["county", "stage", "indicator"]).with_columns(
        pl.col("indicator").replace_strict(teacher).alias("group"))


def _principals(plan: RotationPlan, pseudonymised: bool) -> pl.DataFrame:
    if not pseudonymised or plan.principals.height == 0:
        return plan.principals
    return _pseudonyms(plan.principals, ["quality_person", "weak_person"], "P-")


def plan_dict(plan: RotationPlan, pseudonymised: bool = False) -> dict[str, Any]:
    """The plan as plain data (the JSON written beside the workbook)."""
    moves = pseudonymise(plan.moves) if pseudonymised else plan.moves
    counties = {}
    for c in plan.after.counties.iter_rows(named=True):
        b = plan.before.counties.filter(pl.col("county") == c["county"]).row(0, named=True)
        counties[c["county"]] = {
            "schools_meeting_rule": {"before": b["schools_meeting_rule"],
                                     "after": c["schools_meeting_rule"]},
            "schools_evaluated": c["schools_evaluated"],
            "cv": [{"stage": r["stage"], "group": r["group"], "before": r["cv"],
                    "after": r["cv_after"]} for r in _cv_rows(plan).filter(
                pl.col("county") == c["county"]).iter_rows(named=True)]}
    rules = {k: (list(v) if isinstance(v, tuple) else v) for k, v in plan.rules.__dict__.items()}
    return {
        "school_year": plan.year, "standard": plan.before.standard.id, "rules": rules,
        "pseudonymised": pseudonymised,
        "moves": moves.to_dicts(), "changes": plan.changes.to_dicts(),
        "compliance": plan.compliance.to_dicts(), "unfixable": plan.unfixable.to_dicts(),
        "principals": _principals(plan, pseudonymised).to_dicts(),
        "counties": counties,
        "solver": [{"objective": lv.name, "status": lv.status, "value": lv.value,
                    "bound": lv.bound, "gap": lv.gap, "seconds": lv.seconds}
                   for lv in plan.levels],
    }


def write_rotation_plan(plan: RotationPlan, folder: str | Path, lang: Lang = "zh",
                        pseudonymised: bool = False) -> list[Path]:
    """Write the rotation list and its before/after as a workbook and a JSON into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    xlsx_name, json_name = PLAN_FILES[lang]
    data = plan_dict(plan, pseudonymised)
    write_text(folder / json_name, json.dumps(data, ensure_ascii=False, indent=2,
                                              allow_nan=False) + "\n")
    # The workbook shows the JSON's rows, so both carry the same pseudonyms.
    moves = pl.DataFrame(data["moves"], schema=plan.moves.schema)
    principals = pl.DataFrame(data["principals"], schema=plan.principals.schema)
    with atomic_path(folder / xlsx_name) as tmp:
        book = _Book(tmp, lang)
        _workbook(book, plan, moves, principals, lang)
        book.wb.close()
    return [folder / xlsx_name, folder / json_name]


def _workbook(book: _Book, plan: RotationPlan, moves: pl.DataFrame,
              principals: pl.DataFrame, lang: Lang) -> None:
    zh = lang == "zh"
    label = ENUMS["subject"].label
    backbone = ENUMS["backbone"].label
    form = ENUMS["rotation_form"].label
    ws = book.wb.add_worksheet("交流名单" if zh else "Rotation list")
    book.table(ws, 0, [
        ("教师编号" if zh else "Teacher", 14, "text"), ("学段" if zh else "Stage", 6, "text"),
        ("学科" if zh else "Subject", 8, "text"), ("骨干级别" if zh else "Backbone", 8, "text"),
        ("调出学校" if zh else "From", 22, "text"), ("调入学校" if zh else "To", 22, "text"),
        ("距离 km" if zh else "km", 8, "num2"), ("交流形式" if zh else "Form", 10, "text"),
        ("类型" if zh else "Kind", 8, "text"), ("原因" if zh else "Why", 60, "wrap")],
        [[m["teacher_id"], t(m["stage"], lang), label(m["subject"]) if zh else m["subject"],
          backbone(m["backbone"]) if zh else m["backbone"], m["from_name"], m["to_name"],
          m["km"], form(m["form"]) if zh else m["form"],
          ("派出" if m["direction"] == "send" else "对调") if zh else m["direction"],
          m["why_zh"] if zh else m["why_en"]] for m in moves.iter_rows(named=True)])
    ws = book.wb.add_worksheet("前后对比" if zh else "Before and after")
    book.table(ws, 0, [
        ("学校" if zh else "School", 22, "text"), ("学段" if zh else "Stage", 6, "text"),
        ("在校生" if zh else "Pupils", 8, "int"), ("指标" if zh else "Indicator", 16, "text"),
        ("调整前（/百生）" if zh else "Before (per 100)", 12, "num"),
        ("调整后（/百生）" if zh else "After (per 100)", 12, "num"),
        ("调整前学校达标" if zh else "Rule before", 10, "text"),
        ("调整后学校达标" if zh else "Rule after", 10, "text")],
        [[r["name"], t(r["stage"], lang), r["students"], GROUP_WORDS[r["group"]][0 if zh else 1],
          r["value"], r["value_after"], yes_no(r["rule"], lang), yes_no(r["rule_after"], lang)]
         for r in plan.changes.iter_rows(named=True)])
    ws = book.wb.add_worksheet("政策符合" if zh else "Compliance")
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("学校" if zh else "School", 22, "text"),
        ("符合条件" if zh else "Eligible", 9, "int"), ("应交流" if zh else "Required", 9, "int"),
        ("已交流" if zh else "Moved", 9, "int"), ("其中骨干" if zh else "Backbone", 9, "int"),
        ("比例达标" if zh else "Share met", 9, "text"),
        ("骨干比例达标" if zh else "Backbone share met", 11, "text")],
        [[r["county"], r["name"] or ("全县" if zh else "county"), r["eligible"], r["required"],
          r["moved"], r["backbone_moved"], yes_no(r["share_met"], lang),
          yes_no(r["backbone_share_met"], lang)] for r in plan.compliance.iter_rows(named=True)])
    ws = book.wb.add_worksheet("轮岗无法解决" if zh else "Beyond rotation")
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("学段" if zh else "Stage", 6, "text"),
        ("教师类别" if zh else "Teachers", 16, "text"), ("现有" if zh else "Have", 8, "int"),
        ("各校达标共需" if zh else "Needed", 10, "int"),
        ("需补充招聘" if zh else "Recruitment gap", 10, "int")],
        [[r["county"], t(r["stage"], lang), GROUP_WORDS[r["group"]][0 if zh else 1],
          r["teachers"], r["needed"], r["recruitment_gap"]]
         for r in plan.unfixable.iter_rows(named=True)])
    ws = book.wb.add_worksheet("校长交流" if zh else "Principals")
    role = ENUMS["role"].label
    book.table(ws, 0, [
        ("职务" if zh else "Role", 8, "text"), ("县区" if zh else "County", 10, "text"),
        ("优质学校人员" if zh else "Quality school's", 14, "text"),
        ("优质学校" if zh else "Quality school", 22, "text"),
        ("薄弱学校人员" if zh else "Weak school's", 14, "text"),
        ("薄弱学校" if zh else "Weak school", 22, "text"),
        ("薄弱学校未达标" if zh else "Weak school fails rule", 10, "text"),
        ("距离 km" if zh else "km", 8, "num2")],
        [[role(r["role"]) if zh else r["role"], r["county"], r["quality_person"],
          r["quality_school"], r["weak_person"], r["weak_school"],
          yes_no(r["weak_fails_rule"], lang), r["km"]]
         for r in principals.iter_rows(named=True)])
    ws.write_string(len(plan.principals) + 2, 0, "双向交流：两人互换岗位；本名单不随 --apply 调整花名册。"
                    if zh else "Two-way exchange: the two swap posts; --apply does not move them.")
    ws = book.wb.add_worksheet("求解" if zh else "Solver")
    book.table(ws, 0, [
        ("目标" if zh else "Objective", 24, "text"), ("状态" if zh else "Status", 10, "text"),
        ("值" if zh else "Value", 14, "num"), ("界" if zh else "Bound", 14, "num"),
        ("相对差距" if zh else "Gap", 10, "pct2"), ("秒" if zh else "Seconds", 8, "num2")],
        [[_objective(lv.name, lang), lv.status, lv.value, lv.bound, lv.gap, lv.seconds]
         for lv in plan.levels])


OBJECTIVES = {"rule": ("1 学校达标数最多", "1 most school–stages meeting the rule"),
              "shortfall": ("2 教师缺口最少", "2 least teacher shortfall"),
              "cv": ("3 差异系数最低（ΣCV²）", "3 lowest CVs (Σ CV²)"),
              "distance": ("4 总距离最短", "4 least total distance")}


def _objective(name: str, lang: Lang) -> str:
    zh, en = OBJECTIVES.get(name, (name, name))
    return zh if lang == "zh" else en


def print_rotation_plan(plan: RotationPlan, console: Console, lang: Lang = "zh",
                        max_moves: int = 20) -> None:
    """The plan at a glance: moves, before → after, compliance, what rotation cannot fix."""
    zh = lang == "zh"
    moves = plan.moves
    sent = moves.filter(pl.col("direction") == "send").height
    console.print(f"[bold]{'交流轮岗方案' if zh else 'Rotation plan'}[/] · "
                  f"{plan.year}–{plan.year + 1} · {plan.before.standard.id}")
    console.print(f"交流 {moves.height} 名：派出 {sent} 名，对调回流 {moves.height - sent} 名"
                   if zh else f"{moves.height} teachers move: {sent} sent, "
                   f"{moves.height - sent} in exchange")
    for c in plan.after.counties.iter_rows(named=True):
        b = plan.before.counties.filter(pl.col("county") == c["county"]).row(0, named=True)
        console.print(f"{escape(c['county'])}：" if zh else f"{escape(c['county'])}:", end=" ")
        console.print((f"学校达标 {b['schools_meeting_rule']} → {c['schools_meeting_rule']} / "
                       f"{c['schools_evaluated']}") if zh else
                      (f"school–stages meeting the rule {b['schools_meeting_rule']} → "
                       f"{c['schools_meeting_rule']} of {c['schools_evaluated']}"))
    table = Table(title="差异系数 调整前 → 调整后" if zh else "CVs before → after",
                  title_justify="left")
    for head in (("学段", "Stage"), ("指标", "Indicator"), ("调整前", "Before"),
                 ("调整后", "After")):
        table.add_column(head[0] if zh else head[1])
    for r in _cv_rows(plan).iter_rows(named=True):
        table.add_row(t(r["stage"], lang), GROUP_WORDS[r["group"]][0 if zh else 1],
                      "—" if r["cv"] is None else f"{r['cv']:.4f}",
                      "—" if r["cv_after"] is None else f"{r['cv_after']:.4f}")
    console.print(table)
    county_rows = plan.compliance.filter(pl.col("school_id").is_null())
    for r in county_rows.iter_rows(named=True):
        console.print((f"全县交流 {r['moved']} 名 / 符合条件 {r['eligible']} 名（应 ≥ "
                       f"{r['required']}），骨干 {r['backbone_moved']} 名") if zh else
                      (f"county: {r['moved']} moved of {r['eligible']} eligible (≥ "
                       f"{r['required']} required), {r['backbone_moved']} backbone"))
    schools = plan.compliance.filter(pl.col("school_id").is_not_null())
    if schools.height:
        ok = schools.filter(pl.col("share_met") & pl.col("backbone_share_met")).height
        console.print(f"派出学校达到交流比例：{ok} / {schools.height} 所" if zh else
                      f"sending schools meeting the shares: {ok} of {schools.height}")
    if plan.principals.height:
        console.print(f"校长、副校长双向交流：{plan.principals.height} 对（另列，不随 --apply 调整）" if zh
                      else f"principals' two-way exchanges: {plan.principals.height} pairs "
                      "(a separate list; --apply does not move them)")
    gaps = plan.unfixable.filter(pl.col("recruitment_gap") > 0)
    for r in gaps.iter_rows(named=True):
        console.print(f"[yellow]{escape(r['county'])} {t(r['stage'], lang)}"
                      f"{GROUP_WORDS[r['group']][0]}全县总量不足，需补充招聘 {r['recruitment_gap']} 名，"
                      "轮岗无法解决[/]" if zh else
                      f"[yellow]{escape(r['county'])} {t(r['stage'], lang)}: too few "
                      f"{GROUP_WORDS[r['group']][1]} county-wide; recruit "
                      f"{r['recruitment_gap']} — rotation cannot fix this[/]")
    table = Table(title=("交流名单（前 {n} 名，完整名单见输出文件）" if zh else
                         "Rotation list (first {n}; the files have all)").format(
        n=min(max_moves, moves.height)), title_justify="left", show_lines=False)
    # Teachers appear by subject and backbone level only: their ids stay in the files.
    for head in (("教师", "Teacher"), ("调出", "From"), ("调入", "To"), ("原因", "Why")):
        table.add_column(head[0] if zh else head[1], overflow="fold")
    for m in moves.filter(pl.col("direction") == "send").head(max_moves).iter_rows(named=True):
        who = (f"{ENUMS['subject'].label(m['subject'])}"
               + ("" if m["backbone"] == "none" else f"·{ENUMS['backbone'].label(m['backbone'])}骨干")
               if zh else m["subject"] + ("" if m["backbone"] == "none"
                                          else f", {m['backbone']} backbone"))
        table.add_row(who, escape(m["from_name"]), escape(m["to_name"]),
                      escape(m["why_zh"] if zh else m["why_en"]))
    console.print(table)
    for lv in plan.levels:
        gap = "—" if lv.gap is None else f"{lv.gap:.2%}"
        console.print(f"[dim]{_objective(lv.name, lang)}: {lv.status}, "
                      f"{'差距' if zh else 'gap'} {gap}, {lv.seconds:.1f} s[/]")
