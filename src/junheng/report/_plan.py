"""The rotation plan as people read it: the terminal summary, the workbook and the JSON."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng._english import mend_plurals
from junheng.io import Pseudonyms
from junheng.model.schema import ENUMS
from junheng.plan import RotationPlan
from junheng.plan.rotation.model import OBJECTIVES
from junheng.plan.rotation.rules import item11, teacher_groups
from junheng.report._console import print_plan_head
from junheng.report._excel import _Book, write_plan_files
from junheng.report._text import Lang, t, yes_no

PLAN_FILES = {"zh": ("交流轮岗方案.xlsx", "rotation-plan.json"),
              "en": ("rotation-plan.xlsx", "rotation-plan.json")}
# The columns of the list in the JSON (the others are the planner's bookkeeping).
MOVE_COLUMNS = ["county", "exchange", "direction", "teacher_id", "stage", "subject", "backbone",
                "is_backbone", "groups", "from_school_id", "from_name", "to_school_id",
                "to_name", "km", "arc", "form", "school_group", "why_zh", "why_en"]


def target_words(plan: RotationPlan) -> dict[str, tuple[str, str]]:
    """The compliance rows' scopes in words; item 11's number from the profile."""
    n = item11(plan.before.standard, plan.rules).number
    return {"school": ("派出学校", "sending school"),
            "group": ("集团（学区）", "school group"),
            "county": ("全县（本方案比例）", "county (plan share)"),
            "item11": (f"全县（第{n}项）", f"county (item {n})")}


def group_words(plan: RotationPlan) -> dict[str, tuple[str, str]]:
    """Each teacher group's words, from the standard profile."""
    return {g.key: (g.short, g.short_en) for g in teacher_groups(plan.before.standard)}


def group_names(plan: RotationPlan) -> dict[str, str]:
    """Scope group: each school group's name (集团名称, or its id) by its id."""
    frame = plan.school_groups
    if frame is None or frame.height == 0:
        return {}
    return dict(zip(frame["school_group"], frame["group_name"], strict=True))


def _cv_rows(plan: RotationPlan) -> pl.DataFrame:
    group_of = {g.indicator: g.key for g in teacher_groups(plan.before.standard)}
    b = plan.before.stages.filter(pl.col("indicator").is_in(list(group_of))).select(
        "county", "stage", "indicator", "cv")
    a = plan.after.stages.select("county", "stage", "indicator", pl.col("cv").alias("cv_after"))
    return b.join(a, on=["county", "stage", "indicator"], maintain_order="left").with_columns(
        pl.col("indicator").replace_strict(group_of).alias("group"))


def private(plan: RotationPlan, pseudonymise: bool) -> dict[str, pl.DataFrame]:
    """The tables holding personal ids, as this run writes them: with ``pseudonymise``, every
    teacher and principal id replaced under one key (so the workbook and the JSON agree)."""
    moves = plan.moves.select(MOVE_COLUMNS)
    principals = plan.principals
    if not pseudonymise:
        return {"moves": moves, "principals": principals}
    hide = Pseudonyms()
    return {"moves": hide.frame(moves, ["teacher_id"], "T-"),
            "principals": hide.frame(principals, ["quality_person", "weak_person"], "P-"),
            "exempt": pl.DataFrame({"id": [hide(i, "T-") for i in plan.rules.exempt_teachers]},
                                   schema={"id": pl.String})}


def plan_dict(plan: RotationPlan, tables: dict[str, pl.DataFrame],
              pseudonymised: bool = False) -> dict[str, Any]:
    """The plan as plain data (the JSON written beside the workbook). Nothing in it depends on
    the clock, so the same input and seed give the same bytes."""
    counties = {}
    cv = _cv_rows(plan)
    for c in plan.after.counties.iter_rows(named=True):
        b = plan.before.counties.filter(pl.col("county") == c["county"]).row(0, named=True)
        counties[c["county"]] = {
            "schools_meeting_rule": {"before": b["schools_meeting_rule"],
                                     "after": c["schools_meeting_rule"]},
            "schools_evaluated": c["schools_evaluated"],
            "cv": [{"stage": r["stage"], "group": r["group"], "before": r["cv"],
                    "after": r["cv_after"]} for r in cv.filter(
                pl.col("county") == c["county"]).iter_rows(named=True)],
            "solver": [{"objective": lv.name, "status": lv.status, "value": lv.value,
                        "bound": lv.bound, "gap": lv.gap}
                       for lv in plan.levels.get(c["county"], [])]}
    rules = plan.rules.as_dict()
    if pseudonymised:
        rules["exempt_teachers"] = tables["exempt"].get_column("id").to_list()
    return {
        "school_year": plan.year, "standard": plan.before.standard.id, "rules": rules,
        "pseudonymised": pseudonymised, "proven_optimal": plan.proven,
        "warnings": [{"zh": zh, "en": en} for zh, en in plan.warnings],
        # the plan's own tables; those with personal ids as this run writes them
        **{name: (tables.get(name, frame)).to_dicts() for name, frame in plan.tables().items()},
        "counties": counties,
    }


def write_rotation_plan(plan: RotationPlan, folder: str | Path, lang: Lang = "zh",
                        pseudonymise: bool = False) -> list[Path]:
    """Write the rotation list and its before/after as a workbook and a JSON into ``folder``.

    With ``pseudonymise``, no real teacher id is in either file (teachers, principals and the
    exempted alike carry pseudonyms under a key that is not kept)."""
    xlsx_name, json_name = PLAN_FILES[lang]
    tables = private(plan, pseudonymise)
    data = plan_dict(plan, tables, pseudonymise)
    return write_plan_files(  # both files, or neither
        folder, "plan-rotation", lang,
        (xlsx_name, lambda book: _workbook(book, plan, tables, lang)), (json_name, data))


def _workbook(book: _Book, plan: RotationPlan, tables: dict[str, pl.DataFrame],
              lang: Lang) -> None:
    zh = lang == "zh"
    words = group_words(plan)
    label = ENUMS["subject"].label
    backbone = ENUMS["backbone"].label
    form = ENUMS["rotation_form"].label
    ws = book.wb.add_worksheet("交流名单" if zh else "Rotation list")
    named = group_names(plan)
    grouped = plan.rules.scope == "group"  # each move's school group, in its own column
    book.table(ws, 0, [
        ("对调编号" if zh else "Exchange", 8, "int"), ("类型" if zh else "Kind", 8, "text"),
        ("教师编号" if zh else "Teacher", 14, "text"), ("学段" if zh else "Stage", 6, "text"),
        ("学科" if zh else "Subject", 8, "text"), ("骨干级别" if zh else "Backbone", 8, "text"),
        ("调出学校" if zh else "From", 22, "text"), ("调入学校" if zh else "To", 22, "text"),
        *([("集团（学区）" if zh else "School group", 22, "text")] if grouped else []),
        ("距离 km" if zh else "km", 8, "num2"), ("交流形式" if zh else "Form", 10, "text"),
        ("原因" if zh else "Why", 64, "wrap")],
        [[m["exchange"], ("派出" if m["direction"] == "send" else "换回") if zh
          else m["direction"], m["teacher_id"], t(m["stage"], lang),
          label(m["subject"]) if zh else m["subject"],
          backbone(m["backbone"]) if zh else m["backbone"], m["from_name"], m["to_name"],
          *([named.get(m["school_group"], m["school_group"])] if grouped else []),
          m["km"], form(m["form"]) if zh else m["form"], m["why_zh"] if zh else m["why_en"]]
         for m in tables["moves"].iter_rows(named=True)])
    ws = book.wb.add_worksheet("前后对比" if zh else "Before and after")
    book.table(ws, 0, [
        ("学校" if zh else "School", 22, "text"), ("学段" if zh else "Stage", 6, "text"),
        ("在校生" if zh else "Pupils", 8, "int"), ("指标" if zh else "Indicator", 16, "text"),
        ("调整前" if zh else "Before", 10, "num"), ("调整后" if zh else "After", 10, "num"),
        ("调整前学校达标" if zh else "Rule before", 10, "text"),
        ("调整后学校达标" if zh else "Rule after", 10, "text")],
        [[r["name"], t(r["stage"], lang), r["students"], words[r["group"]][0 if zh else 1],
          r["value"], r["value_after"], yes_no(r["rule"], lang), yes_no(r["rule_after"], lang)]
         for r in plan.changes.iter_rows(named=True)])
    ws = book.wb.add_worksheet("政策符合" if zh else "Compliance")
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("范围" if zh else "Target", 14, "text"),
        ("学校" if zh else "School", 22, "text"), ("符合条件" if zh else "Eligible", 9, "int"),
        ("应交流" if zh else "Required", 9, "int"), ("已交流" if zh else "Moved", 9, "int"),
        ("其中骨干" if zh else "Backbone", 9, "int"),
        ("骨干应有" if zh else "Backbone required", 9, "int"),
        ("比例达标" if zh else "Share met", 9, "text"),
        ("骨干比例达标" if zh else "Backbone share met", 11, "text")],
        [[r["county"], target_words(plan)[r["target"]][0 if zh else 1], _target_name(r, lang),
          r["eligible"], r["required"], r["moved"], r["backbone_moved"],
          r["backbone_required"], yes_no(r["share_met"], lang),
          yes_no(r["backbone_share_met"], lang)]
         for r in plan.compliance.iter_rows(named=True)])
    n = item11(plan.before.standard, plan.rules).number
    note = ([  # one short line a row, so the printed page keeps the table's width
        "派出学校：符合条件教师 = 符合交流条件者（任教满规定年限、未达免交流年龄、",
        "未经批准免交流）+ 本学年已交流者。",
        *(["集团（学区）：按牵头学校计算，与派出学校相同；牵头学校只向本集团成员学校派出。"]
          if grouped else []),
        f"全县：按标准第{n}项口径，派出与换回的教师都计入交流人数和骨干人数；",
        "符合条件教师 = 任教满规定年限者（含免交流者）+ 已交流者。",
        "评估结果逐校列出的“符合条件”人数也按第二种口径，故会多于本表派出学校的人数。"]
        if zh else [
        "Sending schools: the eligible = teachers who meet the conditions to rotate (the",
        "tenure, under the exemption age, not exempted) + those rotated this year.",
        *(["School groups: counted on the leader, as a sending school; a leader sends only",
           "to its group's members."] if grouped else []),
        f"County, as item {n} counts: teachers sent and returned all count in the rotated",
        "and the backbone; the eligible = everyone with the tenure + the rotated.",
        "The evaluation's per-school list counts the second way, so it shows more eligible."])
    for i, line in enumerate(note):
        ws.write_string(len(plan.compliance) + 2 + i, 0, line)
    ws = book.wb.add_worksheet("轮岗无法解决" if zh else "Beyond rotation")
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("学段" if zh else "Stage", 6, "text"),
        ("教师类别" if zh else "Teachers", 16, "text"), ("现有" if zh else "Have", 8, "int"),
        ("各校达标共需" if zh else "Needed", 10, "int"),
        ("需补充招聘" if zh else "Recruitment gap", 10, "int")],
        [[r["county"], t(r["stage"], lang), words[r["group"]][0 if zh else 1],
          r["teachers"], r["needed"], r["recruitment_gap"]]
         for r in plan.unfixable.iter_rows(named=True)])
    ws = book.wb.add_worksheet("校长交流" if zh else "Principals")
    role = ENUMS["role"].label
    principals = tables["principals"]
    book.table(ws, 0, [
        ("职务" if zh else "Role", 8, "text"), ("县区" if zh else "County", 10, "text"),
        ("学段" if zh else "Stage", 6, "text"),
        ("优质学校人员" if zh else "Quality school's", 14, "text"),
        ("优质学校" if zh else "Quality school", 22, "text"),
        ("薄弱学校人员" if zh else "Weak school's", 14, "text"),
        ("薄弱学校" if zh else "Weak school", 22, "text"),
        ("薄弱学校未达标" if zh else "Weak school fails rule", 10, "text"),
        ("距离 km" if zh else "km", 8, "num2")],
        [[role(r["role"]) if zh else r["role"], r["county"], t(r["stage"], lang),
          r["quality_person"], r["quality_school"], r["weak_person"], r["weak_school"],
          yes_no(r["weak_fails_rule"], lang), r["km"]]
         for r in principals.iter_rows(named=True)])
    ws.write_string(len(principals) + 2, 0, "双向交流：两人互换岗位；本名单不随 --apply 调整花名册。"
                    if zh else "Two-way exchange: the two swap posts; --apply does not move them.")
    ws = book.wb.add_worksheet("学校角色" if zh else "School roles")
    where = ENUMS["location"].labels

    def located(codes: tuple[str, ...]) -> tuple[str, str]:
        return "、".join(where[c] for c in codes) + "学校", "/".join(codes) + " school"

    because = {**GROUP_BECAUSE,
               "quality": ("优质学校（指定）", "marked quality"),
               "weak": ("薄弱学校（指定）", "marked weak"),
               "failing": ("未达到学校达标规则", "fails the per-school rule"),
               "receiving_location": located(plan.rules.receiving_locations),
               "central": ("教学点的中心校", "central school of teaching points"),
               "sending_location": located(plan.rules.sending_locations)}
    roles = {"send": ("派出", "sends"), "receive": ("接收", "receives"), "none": ("—", "—")}
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("学校" if zh else "School", 24, "text"),
        ("角色" if zh else "Role", 8, "text"), ("原因" if zh else "Because", 20, "text"),
        *([("集团（学区）" if zh else "School group", 22, "text")] if grouped else [])],
        [[r["county"], r["name"], roles[r["role"]][0 if zh else 1],
          because[r["because"]][0 if zh else 1] if r["because"] else "",
          *([named.get(r["school_group"], r["school_group"] or "")] if grouped else [])]
         for r in plan.roles.iter_rows(named=True)])
    if grouped:
        _groups_sheet(book, plan, lang)
    ws = book.wb.add_worksheet("求解" if zh else "Solver")
    rows = [[county, _objective(lv.name, lang), _status(lv.status, lang), lv.value, lv.bound,
             lv.gap if lv.gap is not None and math.isfinite(lv.gap) else None, lv.seconds]
            for county, levels in plan.levels.items() for lv in levels]
    end = book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("目标" if zh else "Objective", 24, "text"),
        ("状态" if zh else "Status", 10, "text"), ("值" if zh else "Value", 14, "num"),
        ("界" if zh else "Bound", 14, "num"), ("相对差距" if zh else "Gap", 10, "pct2"),
        ("秒" if zh else "Seconds", 8, "num2")], rows)
    for i, (w_zh, w_en) in enumerate(plan.warnings):
        ws.write_string(end + 1 + i, 0, w_zh if zh else w_en)
    book.printable()


# Why a school sends, receives or does neither under --scope group (zh, en).
GROUP_BECAUSE = {
    "group_leader": ("集团牵头学校", "leads its school group"),
    "group_member": ("集团成员学校", "member of a school group"),
    "group_closed": ("所在集团类型不开展交流", "its group's type rotates no teachers"),
    "group_alone": ("集团没有成员学校", "its group has no member"),
    "no_group": ("不在任何集团中", "in no school group"),
}


def _target_name(r: dict[str, Any], lang: Lang) -> str:
    """A compliance row's name: the school, or the group and its leader."""
    if r["target"] != "group":
        return r["name"] or ""
    return (f"{r['group_name']}（牵头：{r['name']}）" if lang == "zh"
            else f"{r['group_name']} (led by {r['name']})")


def _groups_sheet(book: _Book, plan: RotationPlan, lang: Lang) -> None:
    """Scope group: every school group, its type, whether teachers rotate inside it, the
    form recorded, its leader and members; the teachers its leader sent against its share,
    the teachers moved in it both ways, and why a group falls short of its share."""
    zh = lang == "zh"
    form = ENUMS["rotation_form"].label
    shares = {r["school_group"]: r for r in plan.compliance.filter(
        pl.col("target") == "group").iter_rows(named=True)}
    short = {r["school_group"]: r for r in _shortfall(plan).iter_rows(named=True)}
    ws = book.wb.add_worksheet("集团" if zh else "School groups")

    def row(r: dict[str, Any]) -> list[Any]:
        share, gap = shares.get(r["school_group"]), short.get(r["school_group"])
        return [r["county"], r["school_group"],
                # a group without a name is known by its id, in the column before
                "" if r["group_name"] == r["school_group"] else r["group_name"],
                r["type_zh"] if zh else r["type_en"], yes_no(r["rotation"], lang),
                (form(r["form"]) if zh else r["form"]) if r["form"] else "—", r["leader"],
                r["members"], share and share["required"], share and share["moved"],
                gap and gap["short"], r["moved"],
                (gap["why_zh"] if zh else gap["why_en"]) if gap else ""]

    end = book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("集团编号" if zh else "Group id", 10, "text"),
        ("集团名称" if zh else "Group name", 20, "text"),
        ("类型" if zh else "Type", 10, "text"),
        ("类型允许交流" if zh else "Type rotates", 8, "text"),
        ("交流形式" if zh else "Form", 12, "text"),
        ("牵头学校" if zh else "Leader", 22, "text"),
        ("成员学校数" if zh else "Members", 9, "int"),
        ("牵头学校应派出" if zh else "Leader must send", 10, "int"),
        ("牵头学校已派出" if zh else "Leader sent", 10, "int"),
        ("派出缺口" if zh else "Sent short", 9, "int"),
        ("交流人数（派出＋换回）" if zh else "Teachers moved (sent + back)", 12, "int"),
        ("未达到比例的原因" if zh else "Why short", 48, "wrap")],
        [row(r) for r in plan.school_groups.iter_rows(named=True)])
    for i, line in enumerate([
            "交流只在允许交流的集团内进行：牵头学校派出，成员学校接收；联盟型等不交流。",
            "应派出、已派出：集团交流比例按牵头学校派出的教师计（含本学年已交流者）；",
            "交流人数：集团内派出与换回的教师合计（每对对调 2 名）。"] if zh else [
            "Teachers rotate only inside groups whose type allows it: the leader sends, its "
            "members receive.",
            "Must send, sent: a group's share counts the teachers its leader sends (this "
            "year's records included);",
            "teachers moved: those sent and those coming back, together (2 per exchange)."]):
        ws.write_string(end + 1 + i, 0, line)


def _shortfall(plan: RotationPlan) -> pl.DataFrame:
    """The groups short of their share (an older plan object may not carry the table)."""
    frame = plan.group_shortfall
    return frame if frame is not None else pl.DataFrame()


def _objective(name: str, lang: Lang) -> str:
    zh, en = OBJECTIVES.get(name, (name, name))
    return zh if lang == "zh" else en


STATUS_WORDS = {"optimal": ("已证明最优", "proven optimal"),
                "time_limit": ("时限到，未证明最优", "stopped by the time limit"),
                "no_solution": ("时限内无方案", "no plan in time"),
                "numerical": ("结果未通过核验，保留上一目标的方案", "answer failed the check; "
                              "the plan before it kept"),
                "infeasible": ("无解", "infeasible")}


def _status(status: str, lang: Lang) -> str:
    zh, en = STATUS_WORDS.get(status, (status, status))
    return zh if lang == "zh" else en


def _gap(gap: float | None) -> str:
    return "—" if gap is None or not math.isfinite(gap) else f"{gap:.2%}"


def print_rotation_plan(plan: RotationPlan, console: Console, lang: Lang = "zh",
                        max_moves: int = 20, files: bool = True) -> None:
    """The plan at a glance: moves, before → after, compliance, what rotation cannot fix, the
    first ``max_moves`` exchanges (``files``: whether the whole list was written)."""
    zh = lang == "zh"
    words = group_words(plan)
    named = group_names(plan)
    moves = plan.moves
    several = plan.after.counties.height > 1

    def where(county: str) -> str:  # the county, named only when there are several
        return f"{escape(county)} " if several else ""

    sent = moves.filter(pl.col("direction") == "send").height
    print_plan_head(console, "交流轮岗方案" if zh else "Rotation plan", plan, zh)
    console.print(f"交流 {moves.height} 名：{sent} 对对调（派出 {sent} 名，换回 {sent} 名）"
                  if zh else f"{moves.height} teachers move: {sent} exchanges ({sent} sent, "
                  f"{sent} back)")
    for c in plan.after.counties.iter_rows(named=True):
        b = plan.before.counties.filter(pl.col("county") == c["county"]).row(0, named=True)
        console.print((f"{escape(c['county'])}：学校（学段）达标 {b['schools_meeting_rule']} → "
                       f"{c['schools_meeting_rule']} / {c['schools_evaluated']}") if zh else
                      (f"{escape(c['county'])}: school–stages meeting the rule "
                       f"{b['schools_meeting_rule']} → {c['schools_meeting_rule']} of "
                       f"{c['schools_evaluated']}"))
    table = Table(title="差异系数 调整前 → 调整后" if zh else "CVs before → after",
                  title_justify="left")
    heads = [("学段", "Stage"), ("指标", "Indicator"), ("调整前", "Before"), ("调整后", "After")]
    for head in ([("县区", "County")] if several else []) + heads:
        table.add_column(head[0] if zh else head[1])
    for r in _cv_rows(plan).iter_rows(named=True):
        table.add_row(*([escape(r["county"])] if several else []), t(r["stage"], lang),
                      words[r["group"]][0 if zh else 1],
                      "—" if r["cv"] is None else f"{r['cv']:.4f}",
                      "—" if r["cv_after"] is None else f"{r['cv_after']:.4f}")
    console.print(table)
    for r in plan.compliance.filter(~pl.col("target").is_in(["school", "group"])
                                    ).iter_rows(named=True):
        scope = target_words(plan)[r["target"]][0 if zh else 1]
        # the backbone on a line of its own: at 80 columns the one line broke inside "（应 ≥ 47）"
        console.print((f"{where(r['county'])}{scope}：交流 {r['moved']} 名 / 符合条件 "
                       f"{r['eligible']} 名（应 ≥ {r['required']}）") if zh else
                      (f"{where(r['county'])}{scope}: {r['moved']} moved of {r['eligible']} "
                       f"eligible (≥ {r['required']} required)"))
        console.print(f"  其中骨干教师 {r['backbone_moved']} 名（应 ≥ {r['backbone_required']}）"
                      if zh else f"  of them backbone: {r['backbone_moved']} "
                      f"(≥ {r['backbone_required']})")
    if plan.rules.scope == "group":
        _print_groups(plan, console, lang, several)
    schools = plan.compliance.filter(pl.col("target") == "school")
    if schools.height:
        ok = schools.filter(pl.col("share_met") & pl.col("backbone_share_met")).height
        console.print(f"派出学校达到交流比例和骨干教师比例：{ok} / {schools.height} 所" if zh else
                      f"sending schools meeting both shares: {ok} of {schools.height}")
    if plan.principals.height:
        console.print(f"校长、副校长双向交流：{plan.principals.height} 对（另列，不随 --apply 调整）" if zh
                      else f"principals' two-way exchanges: {plan.principals.height} pairs "
                      "(a separate list; --apply does not move them)")
    for r in plan.unfixable.filter(pl.col("recruitment_gap") > 0).iter_rows(named=True):
        console.print(f"[yellow]{escape(r['county'])} {t(r['stage'], lang)}"
                      f"{words[r['group']][0]}全县总量不足，需补充招聘 {r['recruitment_gap']} 名，"
                      "轮岗无法解决[/]" if zh else
                      f"[yellow]{escape(r['county'])} {t(r['stage'], lang)}: too few "
                      f"{words[r['group']][1]} county-wide; recruit "
                      f"{r['recruitment_gap']} — rotation cannot fix this[/]")
    shown = min(max_moves, sent)
    rest = ("完整名单见输出文件" if files else "完整名单用 -o 写出") if zh else \
        ("the files have all" if files else "-o writes them all")
    table = Table(title=(f"交流名单（前 {shown} 对，{rest}）" if zh else
                         f"Rotation list (first {shown} exchanges; {rest})"),
                  title_justify="left", show_lines=True)
    # Teachers appear by subject and backbone level only: their ids stay in the files.
    for head in ([("县区", "County")] if several else []) + [
            ("对调", "No."), ("教师", "Teacher"), ("调出 → 调入", "From → to"), ("原因", "Why")]:
        table.add_column(head[0] if zh else head[1], overflow="fold")
    group = None
    for m in moves.head(2 * max_moves).iter_rows(named=True):  # send + return per exchange
        who = (ENUMS["subject"].label(m["subject"])
               + ("" if m["backbone"] == "none" else
                  f"·{ENUMS['backbone'].label(m['backbone'])}骨干")
               if zh else m["subject"] + ("" if m["backbone"] == "none"
                                          else f", {m['backbone']} backbone"))
        if m["school_group"] is not None and m["school_group"] != group:
            group = m["school_group"]  # an exchange stays in its group: a heading per group
            heading = (f"集团：{named.get(group, group)}" if zh
                       else f"Group: {named.get(group, group)}")
            table.add_row(*([""] if several else []), "", "", f"[bold]{escape(heading)}[/]", "")
        table.add_row(*([escape(m["county"])] if several else []), str(m["exchange"]), who,
                      escape(f"{m['from_name']} → {m['to_name']}"),
                      escape(m["why_zh"] if zh else m["why_en"]))
    console.print(table)
    for county, levels in plan.levels.items():
        for lv in levels:
            console.print(f"[dim]{escape(county)} {_objective(lv.name, lang)}："
                          f"{_status(lv.status, lang)}，{'差距' if zh else 'gap'} "
                          f"{_gap(lv.gap)}，{lv.seconds:.1f} s[/]" if zh else
                          f"[dim]{escape(county)} {_objective(lv.name, lang)}: "
                          f"{_status(lv.status, lang)}, gap {_gap(lv.gap)}, "
                          f"{lv.seconds:.1f} s[/]")
    statuses = {lv.status for levels in plan.levels.values() for lv in levels}
    if "time_limit" in statuses:
        console.print("[dim]有目标在时限内未证明最优：结果可能随机器速度略有不同；--time-limit 可延长[/]"
                      if zh else "[dim]a level was stopped by the time limit: another machine "
                      "may stop elsewhere; --time-limit gives it more time[/]")
    if "numerical" in statuses:
        console.print("[dim]有目标的求解结果未通过核验，保留了上一目标的方案（方案仍符合全部规则）[/]"
                      if zh else "[dim]a level's answer did not check out; the plan of the "
                      "level before it is kept (it keeps every rule)[/]")


def _print_groups(plan: RotationPlan, console: Console, lang: Lang, several: bool,
                  most: int = 20) -> None:
    """Scope group: each school group's shares as a table (the first ``most``), and how many
    groups meet both; groups that rotate no teachers are counted, not listed."""
    zh = lang == "zh"
    rows = plan.compliance.filter(pl.col("target") == "group")
    closed = plan.school_groups.filter(~pl.col("rotation"))
    lone = plan.school_groups.filter(pl.col("rotation") & (pl.col("members") == 0))
    if rows.height:
        ok = rows.filter(pl.col("share_met") & pl.col("backbone_share_met")).height
        shown = min(most, rows.height)
        more = "" if shown == rows.height else (
            f"（前 {shown} 个，完整见输出文件）" if zh else f" (first {shown}; the files have all)")
        table = Table(title=(f"集团（学区）内交流：{ok} / {rows.height} 个集团达到两项比例{more}" if zh
                             else f"Within school groups: {ok} of {rows.height} groups meet "
                             f"both shares{more}"), title_justify="left")
        # the leader's teachers sent, as the share counts them (not those coming back)
        heads = [("集团", "Group"), ("牵头学校", "Leader"), ("派出/应派出", "Sent/required"),
                 ("骨干/应有", "Backbone/required")]
        for head in ([("县区", "County")] if several else []) + heads:
            table.add_column(head[0] if zh else head[1], overflow="fold")
        for r in rows.head(most).iter_rows(named=True):
            mark = "" if r["share_met"] and r["backbone_share_met"] else " ✗"
            table.add_row(*([escape(r["county"])] if several else []), escape(r["group_name"]),
                          escape(r["name"]), f"{r['moved']}/{r['required']}{mark}",
                          f"{r['backbone_moved']}/{r['backbone_required']}")
        console.print(table)
    for r in _shortfall(plan).iter_rows(named=True):
        # one reason a line: a wrapped line would split "0 名" from its number
        console.print(
            f"[yellow]集团「{escape(r['group_name'])}」（牵头学校 {escape(r['leader'])}）：应派出 "
            f"{r['required']} 名，只能派出 {r['moved']} 名，因为[/]" if zh else
            f"[yellow]{escape(r['group_name'])} (led by {escape(r['leader'])}): must send "
            f"{r['required']}, can send {r['moved']}, because[/]")
        for why in (r["why_zh"].split("；") if zh else r["why_en"].split("; ")):
            console.print(f"[yellow]  · {escape(why)}[/]")
    if closed.height:
        kinds = "、".join(sorted(set(closed["type_zh"]))) if zh else \
            ", ".join(sorted(set(closed["type_en"])))
        console.print(f"{closed.height} 个集团的类型不开展交流（{kinds}）" if zh else
                      mend_plurals(f"{closed.height} group(s) of a type that rotates no "
                                   f"teachers ({kinds})"))
    if lone.height:
        console.print(f"{lone.height} 个集团没有成员学校，不交流" if zh else
                      mend_plurals(f"{lone.height} group(s) without members: no teacher "
                                   "rotates in them"))
