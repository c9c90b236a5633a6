"""The school-group plan as people read it: the terminal summary, the workbook, the JSON and the
offline map (``_groups_map``)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng.model.schema import ENUMS, TABLES
from junheng.plan import GroupPlan
from junheng.plan.groups.model import OBJECTIVES
from junheng.plan.groups.solution import because_words
from junheng.plan.groups.types import GroupType, group_types
from junheng.report._console import print_plan_head
from junheng.report._excel import Num, _Book, write_plan_files
from junheng.report._groups_map import groups_map_html
from junheng.report._plan import STATUS_WORDS
from junheng.report._text import Lang, plural, t, yes_no

GROUP_FILES = {"zh": ("集团化办学方案.xlsx", "groups-plan.json", "集团分布图.html"),
               "en": ("school-groups-plan.xlsx", "groups-plan.json", "groups-map.html")}
# The data has no township column: towns reached cannot be counted, and the files say so.
NO_TOWNS = ("数据中没有乡镇列，未统计覆盖乡镇数（覆盖情况表按城区、镇区、乡村学校分列）",
            "the data has no township column, so the townships reached are not counted (the "
            "coverage table counts urban, town and rural schools instead)")
PERCENT = "0.0%"  # a share in the workbook: a number, shown as 81.5%


def level_value(name: str, value: float | None, short: int | None = None) -> float | None:
    """A level's value as people count it: pupils short, member schools, benefit (the solver
    minimises, so the last two are negated). ``short``: the county's whole pupils short of
    its target (coverage's ``pupils_short``), said for the coverage level instead of the
    solver's fractional slack, so every output says one N."""
    if value is None or not math.isfinite(value):
        return None
    if name == "coverage":
        return value if short is None else short
    return -value


def _shorts(plan: GroupPlan) -> dict[str, int | None]:
    return dict(zip(plan.coverage["county"], plan.coverage["pupils_short"], strict=True))


# Whether a group, and a member in it, was kept (--keep) or is new (zh, en).
STATUS = {("kept", "kept"): ("已有", "kept"), ("kept", "new"): ("新增（加入已有集团）",
                                                             "new (joins a kept group)"),
          ("new", "new"): ("新增", "new")}
GROUP_STATUS = {"kept": ("已有", "kept"), "new": ("新增", "new")}


def _towns(plan: GroupPlan) -> int | None:
    """The towns the plan's groups reach, over the counties; None without townships."""
    known = [n for n in plan.coverage["towns_in_groups"].to_list() if n is not None]
    return sum(known) if known else None


def type_words(plan: GroupPlan, code: str | None, lang: Lang) -> str:
    """A group type's name in ``lang`` (the profile's words); "—" for none."""
    if code is None:
        return "—"
    kind = _types(plan).get(code)
    return code if kind is None else kind.words(lang)


def _types(plan: GroupPlan) -> dict[str, GroupType]:
    return group_types(plan.before.standard)


def plan_dict(plan: GroupPlan) -> dict[str, Any]:
    """The plan as plain data (the JSON beside the workbook); nothing depends on the clock."""
    towns = _towns(plan)
    used = {c for c in plan.membership["group_type"].to_list() if c is not None}
    return {
        "school_year": plan.year, "standard": plan.before.standard.id,
        "rules": plan.rules.as_dict(), "proven_optimal": plan.proven,
        "warnings": [{"zh": zh, "en": en} for zh, en in plan.warnings],
        "towns_reached": towns,
        "towns_note": None if towns is not None else {"zh": NO_TOWNS[0], "en": NO_TOWNS[1]},
        "group_types": {c: {"name": k.name, "name_en": k.name_en, "shares": list(k.shares),
                            "rotation": k.rotation, "form": k.form}
                        for c, k in _types(plan).items() if c in used},
        **{name: frame.to_dicts() for name, frame in plan.tables().items()},
        "solver": {c: [{"objective": lv.name, "status": lv.status,
                        "value": level_value(lv.name, lv.value, _shorts(plan).get(c)),
                        "gap": lv.gap}
                       for lv in levels] for c, levels in plan.levels.items()},
    }


def write_group_plan(plan: GroupPlan, folder: str | Path, lang: Lang = "zh",
                     pseudonymise: bool = False) -> list[Path]:
    """Write the groups and their coverage as a workbook, a JSON and the map page into
    ``folder``, all or none. The plan names schools only, so ``pseudonymise`` has nothing to
    hide."""
    del pseudonymise
    xlsx_name, json_name, map_name = GROUP_FILES[lang]
    return write_plan_files(
        folder, "plan-groups", lang, (xlsx_name, lambda book: _workbook(book, plan, lang)),
        (json_name, plan_dict(plan)),
        {map_name: groups_map_html(plan, plan.dataset_after.schools, lang)})


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def _workbook(book: _Book, plan: GroupPlan, lang: Lang) -> None:
    zh = lang == "zh"
    i = 0 if zh else 1
    where = ENUMS["location"].labels
    town = dict(zip(plan.roles["school_id"], plan.roles["township"], strict=True))
    # not "Groups": a reader takes a sheet of that name for the 集团 (groups) input table
    ws = book.wb.add_worksheet("集团方案" if zh else "Group plan")
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"),
        ("集团编号" if zh else "Group id", 8, "text"), ("类型" if zh else "Type", 8, "text"),
        ("状态" if zh else "Status", 8, "text"),
        ("牵头学校" if zh else "Leader", 22, "text"),
        ("成员学校" if zh else "Member", 22, "text"),
        ("城乡" if zh else "Location", 6, "text"), ("乡镇（街道）" if zh else "Township", 10,
                                                    "text"),
        ("学段" if zh else "Stages", 10, "text"),
        ("在校生" if zh else "Pupils", 8, "int"), ("距离 km" if zh else "km", 8, "num2"),
        ("入集团原因" if zh else "Why a member", 16, "text"),
        ("成员学校所缺、牵头学校所长" if zh else "What the member lacks and the leader has", 60,
         "wrap"),
        ("帮扶收益" if zh else "Benefit", 8, "num"),
        ("提示（保留的集团不符合现行规则之处）" if zh else "Notes (what a kept group breaks of "
         "today's rules)", 30, "wrap")],
        [[r["county"], r["group_id"], type_words(plan, r["group_type"], lang),
          STATUS[(r["group_status"], r["status"])][i], r["leader_name"], r["member_name"],
          where.get(r["member_location"], r["member_location"]) if zh else r["member_location"],
          town.get(r["member_id"]) or "—",
          "、".join(t(s, lang) for s in r["stages"]) if zh else ", ".join(r["stages"]),
          r["member_pupils"], r["km"], because_words(r["member_because"], lang),
          r["lacks_zh"] if zh else r["lacks_en"], r["benefit"],
          (r["flags_zh"] if zh else r["flags_en"]) or ""]
         for r in plan.groups.iter_rows(named=True)])
    ws = book.wb.add_worksheet("覆盖情况" if zh else "Coverage")
    heads = [("县区", "County"), ("集团数", "Groups"), ("已有集团", "Kept groups"),
             ("新增集团", "New groups"), ("入集团学校", "Schools in groups"),
             ("学校总数", "Schools"), ("覆盖学生", "Pupils in groups"), ("学生总数", "Pupils"),
             ("学生覆盖率", "Pupils' share"), ("覆盖乡村学校", "Rural schools in groups"),
             ("乡村学校", "Rural schools"), ("覆盖未达标学校", "Failing schools in groups"),
             ("未达标学校", "Failing schools"), ("覆盖城区学校", "Urban schools in groups"),
             ("覆盖镇区学校", "Town schools in groups"),
             ("覆盖乡镇（街道）", "Townships reached"), ("乡镇（街道）总数", "Townships"),
             ("未入集团的成员学校", "Members unmatched"), ("覆盖目标", "Target"),
             ("达到目标", "Target met"), ("距目标还差学生", "Pupils short of the target")]
    end = book.table(ws, 0, [(h[i], 10, "int") for h in heads], [
        [r["county"], r["groups"], r["groups_kept"], r["groups_new"], r["schools_in_groups"],
         r["schools"], r["pupils_in_groups"], r["pupils"], _percent(r["pupils_share"]),
         r["rural_in_groups"], r["rural"], r["failing_in_groups"], r["failing"],
         r["urban_in_groups"], r["town_in_groups"],
         "—" if r["towns_in_groups"] is None else r["towns_in_groups"],
         "—" if r["towns"] is None else r["towns"], r["members_unmatched"],
         _percent(r["target"]), "—" if r["target"] is None else yes_no(r["target_met"], lang),
         "—" if r["pupils_short"] is None else r["pupils_short"]]
        for r in plan.coverage.iter_rows(named=True)])
    notes = ([] if _towns(plan) is not None else [NO_TOWNS[i]]) + [
        "入集团学校含牵头学校（至少牵头一所成员学校时）和保留的集团的全部学校；教学点按独立学校计。"
        if zh else "Schools in groups include the leaders (once they lead a member) and every "
        "school of a kept group; teaching points count as schools of their own."]
    for k, line in enumerate(notes):
        ws.write_string(end + 1 + k, 0, line)
    groups_sheet(book, plan.membership, lang)
    ws = book.wb.add_worksheet("未入集团" if zh else "Unmatched")
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("学校" if zh else "School", 22, "text"),
        ("成员学校原因" if zh else "Why a member", 16, "text"),
        ("未入集团原因" if zh else "Why no group", 40, "wrap")],
        [[r["county"], r["name"], because_words(r["because"], lang),
          r["why_zh"] if zh else r["why_en"]] for r in plan.unmatched.iter_rows(named=True)])
    ws = book.wb.add_worksheet("学校角色" if zh else "School roles")
    roles = {"leader": ("牵头学校", "leader"), "member": ("成员学校", "member"),
             "none": ("—", "—"), "idle": ("可牵头（本方案未牵头）", "may lead (leads no group here)")}
    group_of = dict(zip(plan.membership["school_id"], plan.membership["group_id"], strict=True))
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"),
        ("学校标识码" if zh else "School id", 12, "text"),
        ("学校" if zh else "School", 24, "text"),
        ("角色" if zh else "Role", 8, "text"), ("原因" if zh else "Because", 20, "text"),
        ("集团编号" if zh else "Group id", 8, "text")],
        [[r["county"], r["school_id"], r["name"],
          roles["idle" if r["role"] == "leader" and r["school_id"] not in group_of
                else r["role"]][0 if zh else 1],
          because_words(r["because"], lang), group_of.get(r["school_id"]) or "—"]
         for r in plan.roles.iter_rows(named=True)])
    ws = book.wb.add_worksheet("求解" if zh else "Solver")
    rows = [[county, _objective(lv.name, lang), _status(lv.status, lang),
             _level_number(lv.name, level_value(lv.name, lv.value, _shorts(plan).get(county))),
             lv.gap if lv.gap is not None and math.isfinite(lv.gap) else None, lv.seconds]
            for county, levels in plan.levels.items() for lv in levels]
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("目标" if zh else "Objective", 26, "text"),
        ("状态" if zh else "Status", 10, "text"), ("值" if zh else "Value", 14, "num"),
        ("最优性差距" if zh else "Optimality gap", 10, "pct2"),
        ("秒" if zh else "Seconds", 8, "num2")], rows)
    ws = book.wb.add_worksheet("提示" if zh else "Warnings")
    book.table(ws, 0, [("序号" if zh else "No.", 6, "0"), ("提示" if zh else "Warning", 100, "wrap")],
               [[k, w_zh if zh else w_en] for k, (w_zh, w_en) in enumerate(plan.warnings, 1)]
               or [[None, "无" if zh else "none"]])
    book.printable()


def _percent(value: float | None) -> Num | str:
    """A share as a number the workbook shows as a percentage ("—" for none)."""
    return "—" if value is None else Num(value, PERCENT)


def _level_number(name: str, shown: float | None) -> Num | None:
    """A solver level's value (as ``level_value`` counts it): counts as whole numbers (38,
    not 38.000), the benefit with three decimals."""
    if shown is None:
        return None
    whole = name == "members" or float(shown).is_integer()
    return Num(round(shown) if whole else shown, "#,##0" if whole else "#,##0.000")


def groups_sheet(book: _Book, membership: pl.DataFrame, lang: Lang) -> None:
    """``membership`` (the 集团 table's columns; others ignored) in the table's own form, as
    the template writes it (a sheet named 集团, Chinese headers, then the English codes;
    Chinese labels in a Chinese workbook, codes in an English one): ``--keep`` and ``plan
    rotation --groups`` read it back, and it pastes into the county workbook's 集团 sheet. The
    groups plan and the districts plan write it alike."""
    zh = lang == "zh"
    table = TABLES["groups"]
    ws = book.wb.add_worksheet(table.zh)  # 集团 in both languages: the contract's own name
    head, code = book.f["head"], book.fmt(italic=True, font_color="#808080", bg_color="#F2F2F2",
                                           border=1)
    for j, col in enumerate(table.columns):
        ws.write_string(0, j, col.header, head)
        ws.write_string(1, j, col.name, code)
        ws.set_column(j, j, 14 if col.name != "group_name" else 24)
    labels = {c.name: ENUMS[c.enum].labels for c in table.columns if c.enum}
    for r, row in enumerate(membership.iter_rows(named=True), start=2):
        for j, col in enumerate(table.columns):
            value = row[col.name]
            if value is None:
                continue
            book.text(ws, r, j, labels[col.name][value] if zh and col.name in labels
                      else value)
    ws.freeze_panes(2, 0)


def _objective(name: str, lang: Lang) -> str:
    zh, en = OBJECTIVES.get(name, (name, name))
    return zh if lang == "zh" else en


def _status(status: str, lang: Lang) -> str:
    zh, en = STATUS_WORDS.get(status, (status, status))
    return zh if lang == "zh" else en


def _coverage_line(r: dict, zh: bool) -> str:
    """A county's coverage in three short lines (80 columns), counts with thousands
    separators."""
    county = escape(r["county"])
    kept = r["groups_kept"] > 0
    if zh:
        groups = (f"{r['groups']:,} 个集团（已有 {r['groups_kept']:,}，新增 {r['groups_new']:,}）"
                  if kept else f"{r['groups']:,} 个集团")
        towns = "" if r["towns"] is None else \
            f"，乡镇（街道）{r['towns_in_groups']:,} / {r['towns']:,} 个"
        return (f"{county}：{groups}，覆盖学校 {r['schools_in_groups']:,} / {r['schools']:,} 所\n"
                f"  学生 {r['pupils_in_groups']:,} / {r['pupils']:,} 人"
                f"（{_share(r['pupils_share'])}）\n"
                f"  乡村学校 {r['rural_in_groups']:,} / {r['rural']:,} 所，未达标学校 "
                f"{r['failing_in_groups']:,} / {r['failing']:,} 所{towns}")
    groups = (f"{r['groups']:,} groups ({r['groups_kept']:,} kept, {r['groups_new']:,} new)"
              if kept else f"{r['groups']:,} groups")
    towns = "" if r["towns"] is None else \
        f"; townships {r['towns_in_groups']:,} of {r['towns']:,}"
    return (f"{county}: {groups}; schools {r['schools_in_groups']:,} of {r['schools']:,}\n"
            f"  pupils {r['pupils_in_groups']:,} of {r['pupils']:,} "
            f"({_share(r['pupils_share'])})\n"
            f"  rural schools {r['rural_in_groups']:,} of {r['rural']:,}, failing schools "
            f"{r['failing_in_groups']:,} of {r['failing']:,}{towns}")


def _member_words(m: dict, zh: bool, kept: bool) -> str:
    """A member as the terminal lists it: its name, its distance, and ＋ when it newly joins a
    kept group."""
    mark = ("＋" if zh else "+") if kept and m["group_status"] == "kept" and \
        m["status"] == "new" else ""
    if m["km"] is None:
        return f"{mark}{m['member_name']}"
    return f"{mark}{m['member_name']}（{m['km']:.1f}）" if zh else \
        f"{mark}{m['member_name']} ({m['km']:.1f})"


def print_group_plan(plan: GroupPlan, console: Console, lang: Lang = "zh",
                     max_groups: int = 10, files: bool = True) -> None:
    """The plan at a glance, within 80 columns: coverage per county, then the first
    ``max_groups`` groups with their members (``files``: whether the whole plan was written)."""
    zh = lang == "zh"
    print_plan_head(console, "集团化办学方案" if zh else "School groups plan", plan, zh)
    for r in plan.coverage.iter_rows(named=True):
        console.print(_coverage_line(r, zh))
        if r["target"] is not None:
            met, short = r["target_met"], r["pupils_short"] or 0
            console.print((f"覆盖目标 {_share(r['target'])}：" + (
                "已达到" if met else f"未达到，还差 {short:,} 名学生") if zh else
                f"coverage target {_share(r['target'])}: " + (
                    "met" if met else f"not met, {plural(short, 'pupil', 'pupils')} short")),
                style=None if met else "yellow")
        if r["members_unmatched"]:
            console.print(f"[yellow]{r['members_unmatched']} 所成员学校未入集团（见“未入集团”表）[/]"
                          if zh else f"[yellow]{r['members_unmatched']} member school(s) in "
                          "no group (see Unmatched)[/]")
    leaders = plan.groups.unique(["county", "group"], maintain_order=True)
    shown = min(max_groups, leaders.height)
    rest = ("完整方案见输出文件" if files else "完整方案用 -o 写出") if zh else \
        ("the files have all" if files else "-o writes them all")
    several = plan.coverage.height > 1
    table = Table(title=(f"集团（前 {shown} 个，{rest}）" if zh else
                         f"Groups (first {shown}; {rest})"),
                  title_justify="left", show_lines=True)
    heads = [("集团", "Group"), ("牵头学校", "Leader"), ("成员学校（距离 km）", "Members (km)")]
    for head in ([("县区", "County")] if several else []) + heads:
        table.add_column(head[0] if zh else head[1], overflow="fold")
    kept = plan.groups.filter(pl.col("group_status") == "kept").height > 0
    added = plan.groups.filter((pl.col("group_status") == "kept")
                               & (pl.col("status") == "new")).height > 0
    for g in leaders.head(max_groups).iter_rows(named=True):
        members = plan.groups.filter((pl.col("county") == g["county"])
                                     & (pl.col("group") == g["group"]))
        names = ("、" if zh else ", ").join(
            _member_words(m, zh, kept) for m in members.iter_rows(named=True))
        label = [g["group_id"], type_words(plan, g["group_type"], lang)]
        if kept:
            label.append(GROUP_STATUS[g["group_status"]][0 if zh else 1])
        table.add_row(*([escape(g["county"])] if several else []), escape("\n".join(label)),
                      escape(g["leader_name"]), escape(names))
    console.print(table)
    if added:
        console.print("[dim]＋ 新加入已有集团的成员学校[/]" if zh else
                      "[dim]+ a member newly joining a kept group[/]")
    if _towns(plan) is None:
        console.print(f"[dim]{NO_TOWNS[0 if zh else 1]}[/]")
    for county, levels in plan.levels.items():
        for lv in levels:
            console.print(f"[dim]{escape(solver_line(county, lv.name, lv.status, lv.gap, lang))}[/]")


def solver_line(county: str, objective: str, status: str, gap: float | None,
                lang: Lang) -> str:
    """One solver level in words: the county, the objective, its status, and the optimality
    gap only when the level is not proven optimal (a proven level has none to tell).

    >>> solver_line("示例县", "coverage", "optimal", 0.0, "zh")
    '示例县 · 覆盖目标（未覆盖学生最少）：已证明最优'
    >>> solver_line("X", "benefit", "time_limit", 0.0123, "en")
    'X · most benefit net of distance: stopped by the time limit, optimality gap 1.23%'
    """
    zh = lang == "zh"
    line = f"{county} · {_objective(objective, lang)}{'：' if zh else ': '}{_status(status, lang)}"
    if status != "optimal" and gap is not None and math.isfinite(gap):
        line += f"，最优性差距 {gap:.2%}" if zh else f", optimality gap {gap:.2%}"
    return line
