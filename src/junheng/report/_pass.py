"""The path-to-pass plan (``junheng plan investment | recruitment | pass``): the terminal view, a
workbook and a JSON — the 整改清单 with costs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng.io import atomic_path, write_text
from junheng.io._atomic import output_folder, output_run
from junheng.io._json import dumps
from junheng.model.schema import ENUMS
from junheng.report._console import print_plan_head
from junheng.report._excel import _Book
from junheng.report._format import number
from junheng.report.catalogue import Lang, t

# Each action: what is done, its unit, zh and en.
KIND_WORDS = {
    "teaching_area_m2": ("新建教学及辅助用房", "build teaching space", "m²", "m²"),
    "sports_area_m2": ("新增体育运动场馆", "add sports ground", "m²", "m²"),
    "equipment_yuan": ("购置教学仪器设备", "buy equipment", "元", "yuan"),
    "multimedia_rooms": ("新增网络多媒体教室", "add multimedia rooms", "间", "rooms"),
    "music_rooms": ("新增音乐专用教室", "add music rooms", "间", "rooms"),
    "art_rooms": ("新增美术专用教室", "add art rooms", "间", "rooms"),
    "hire_qualified": ("新聘高于规定学历教师", "hire teachers with a qualifying degree", "人",
                       "teachers"),
    "hire_pe_art": ("新聘体育艺术教师", "hire PE/art teachers", "人", "teachers"),
    "appoint_backbone": ("培养认定骨干教师", "train and appoint backbone teachers", "人",
                         "teachers"),
}
# The indicator each action closes.
KIND_INDICATOR = {"teaching_area_m2": "teaching_area_per_student",
                  "sports_area_m2": "sports_area_per_student",
                  "equipment_yuan": "equipment_value_per_student",
                  "multimedia_rooms": "multimedia_rooms_per100",
                  "hire_qualified": "qualified_teachers_per100",
                  "hire_pe_art": "pe_art_teachers_per100",
                  "appoint_backbone": "backbone_teachers_per100"}
TEACHER_KINDS = ("hire_qualified", "hire_pe_art", "appoint_backbone")
MAX_LISTED = 5  # units the terminal lists that no lever can bring to the rule
FILES = {"zh": ("达标路径方案.xlsx", "pass-plan.json"), "en": ("pass-plan.xlsx", "pass-plan.json")}


def money(value: float, lang: Lang) -> str:
    return number(value, "money", lang)


def cost_text(plan: Any, value: float, lang: Lang) -> str:
    """A cost in 万元, or, for a plan made without a price table, the teachers it counts."""
    if plan.priced:
        return money(value, lang)
    return f"{number(value, 'count')} {'人' if lang == 'zh' else 'teachers'}"


def _cost_column(plan: Any, zh: bool, head_zh: str = "费用", head_en: str = "Cost"
                 ) -> tuple[tuple[str, int, str], float]:
    """The workbook's cost column and the divisor of its values (万元, or people)."""
    if plan.priced:
        return (f"{head_zh}（万元）" if zh else f"{head_en} (10k yuan)", 14, "num2"), 10_000
    return (head_zh.replace("费用", "") + "人数" if zh else
            f"Teachers{'' if head_en == 'Cost' else ' ' + head_en.lower()}", 10, "int"), 1


def closes(std: Any, kind: str, lang: Lang) -> str:
    """What an action closes: its indicator, or item 3 for music and art rooms."""
    if kind in KIND_INDICATOR:
        ind = std.indicator(KIND_INDICATOR[kind])
        return ind.name if lang == "zh" else ind.name_en
    return "第 3 项：音乐、美术专用教室" if lang == "zh" else "item 3: music and art rooms"


def kind_text(kind: str, lang: Lang) -> str:
    zh, en, _, _ = KIND_WORDS[kind]
    return zh if lang == "zh" else en


def action_text(row: dict, lang: Lang) -> str:
    """The action's words, with a hire's suggested subject: 新聘体育艺术教师（音乐）."""
    text = kind_text(row["kind"], lang)
    if row.get("subject"):
        label = ENUMS["subject"].label(row["subject"])
        text += f"（{label}）" if lang == "zh" else f" ({row['subject']})"
    return text


def amount_text(kind: str, amount: float, lang: Lang) -> str:
    _, _, unit_zh, unit_en = KIND_WORDS[kind]
    if kind == "equipment_yuan":
        return money(amount, lang)
    return f"{number(amount, 'count')} {unit_zh if lang == 'zh' else unit_en}"


def _names(plan: Any) -> dict[str, str]:
    return dict(plan.before.units.select("school_id", "name").unique("school_id").iter_rows())


def by_kind(plan: Any) -> pl.DataFrame:
    """County totals per kind of action: amount, cost, school–stages."""
    order = {k: i for i, k in enumerate(KIND_WORDS)}  # buildings, rooms, then teachers
    return (plan.actions.group_by("county", "kind")
            .agg(pl.col("amount").sum(), pl.col("cost_yuan").sum(), pl.len().alias("units"))
            .sort("county", pl.col("kind").replace_strict(order, return_dtype=pl.Int64)))


def phase_text(phase: int, lang: Lang) -> str:
    return f"第 {phase} 年" if lang == "zh" else f"year {phase}"


def _print_by_year(plan: Any, county: str, console: Console, lang: Lang) -> None:
    zh = lang == "zh"
    share = (("预算", "the budget") if plan.budget_yuan is not None
             else ("总费用", "the cost") if plan.priced else ("总人数", "the teachers"))
    share = share[0 if zh else 1]
    table = Table(show_header=True, box=None, padding=(0, 2),
                  title=(f"分年度实施（累计不超过{share}的平均份额，先做能使学校达标的）" if zh else
                         f"By year (to date within even shares of {share}; schools that come "
                         "to the rule first)"), title_justify="left")
    for head in (("年度", "Year"), ("当年费用" if plan.priced else "当年人数", "This year"),
                 ("累计", "To date"),
                 ("达标学校（学段）", "Meeting the rule"), ("资源配置", "Resources")):
        table.add_column(head[0 if zh else 1], justify="left" if head[1] == "Year"
                         else "right")
    for r in plan.by_year.filter(pl.col("county") == county).iter_rows(named=True):
        table.add_row(phase_text(r["phase"], lang), cost_text(plan, r["cost_yuan"], lang),
                      cost_text(plan, r["cumulative_yuan"], lang),
                      f"{r['schools_meeting_rule']} / {r['schools_evaluated']}",
                      t(r["resources_verdict"], lang))
    console.print(table)


def title(plan: Any, lang: Lang) -> str:
    """The plan's name by its levers: 投入 / 教师补充 / 达标路径, at least cost or fewest
    teachers."""
    levers = set(plan.levers)
    zh, en = (("教师补充方案", "Recruitment") if levers <= set(TEACHER_KINDS)
              else ("投入方案", "Investment") if not levers & set(TEACHER_KINDS)
              else ("达标路径方案", "Path to pass"))
    if lang == "zh":
        return f"{zh}（{'最低成本' if plan.priced else '人数最少'}）"
    return f"{en} at {'least cost' if plan.priced else 'fewest teachers'}"


def print_pass_plan(plan: Any, console: Console, lang: Lang = "zh", files: bool = False) -> None:
    zh = lang == "zh"
    print_plan_head(console, title(plan, lang), plan, zh)
    after = {r["county"]: r for r in plan.after.counties.iter_rows(named=True)}
    for r in plan.before.counties.iter_rows(named=True):
        county = r["county"]
        a = after[county]
        cost = float(plan.actions.filter(pl.col("county") == county)["cost_yuan"].sum() or 0)
        console.print(f"\n[bold]{escape(county)}[/]  "
                      + (f"学校（学段）达标 {r['schools_meeting_rule']} → "
                         f"{a['schools_meeting_rule']} / {a['schools_evaluated']}；资源配置 "
                         f"{t(r['resources_verdict'], lang)} → {t(a['resources_verdict'], lang)}"
                         if zh else
                         f"school–stages meeting the rule {r['schools_meeting_rule']} → "
                         f"{a['schools_meeting_rule']} of {a['schools_evaluated']}; resources "
                         f"{r['resources_verdict']} → {a['resources_verdict']}"),
                      highlight=False)
        naive = plan.naive_cost_yuan.get(county)
        line = (f"{'费用' if plan.priced else '人数'}合计 {cost_text(plan, cost, lang)}" if zh
                else f"{'cost' if plan.priced else 'in all'} {cost_text(plan, cost, lang)}")
        if naive and naive != float("inf") and naive > 0:
            line += (f"；逐项补足到标准值需 {cost_text(plan, naive, lang)}，节省 "
                     f"{(1 - cost / naive):.0%}" if zh else
                     f"; raising every gap to its threshold takes "
                     f"{cost_text(plan, naive, lang)}, "
                     f"a saving of {(1 - cost / naive):.0%}")
        console.print(line, highlight=False)
        table = Table(show_header=True, box=None, padding=(0, 2))
        for head in (("措施", "Action"), ("数量", "Amount"), ("涉及学校（学段）", "Schools"),
                     ("费用", "Cost") if plan.priced else ("人数", "Teachers")):
            table.add_column(head[0 if zh else 1], justify="left" if head[1] == "Action"
                             else "right")
        for k in by_kind(plan).filter(pl.col("county") == county).iter_rows(named=True):
            table.add_row(kind_text(k["kind"], lang), amount_text(k["kind"], k["amount"], lang),
                          str(k["units"]), cost_text(plan, k["cost_yuan"], lang))
        console.print(table)
        if plan.years > 1:
            _print_by_year(plan, county, console, lang)
    if plan.unreachable is not None and plan.unreachable.height:
        names = _names(plan)
        n = plan.unreachable.height
        hint = ([("校舍场地设备见 plan investment / plan pass",
                  "buildings and grounds: plan investment / plan pass")]
                if not set(plan.levers) - set(TEACHER_KINDS) else
                [("缺教师的见 plan recruitment / plan pass",
                  "teachers: plan recruitment / plan pass")]
                if not set(plan.levers) & set(TEACHER_KINDS) else [])
        hint.append(("无地可扩的可考虑共享场地、撤并", "no land: shared grounds, consolidation"))
        head = (f"本方案的措施无法使 {n} 个学校（学段）达标（{'；'.join(h[0] for h in hint)}）"
                if zh else f"{n} school–stages cannot meet the rule with these levers "
                f"({'; '.join(h[1] for h in hint)})")
        console.print(f"\n[bold]{escape(head)}[/]", highlight=False)
        for r in plan.unreachable.head(MAX_LISTED).iter_rows(named=True):
            console.print(f"  • {escape(names.get(r['school_id'], r['school_id']))}"
                          f"（{t(r['stage'], lang)}）：{escape(r['why_zh'] if zh else r['why_en'])}",
                          highlight=False)
        if n > MAX_LISTED:
            console.print(f"  … {'另' if zh else 'and'} {n - MAX_LISTED} "
                          f"{'个，见工作簿「措施无法解决」' if zh else 'more: see the workbook'}")
    if not files:
        console.print(f"[dim]{'加 -o 文件夹 写出逐校措施清单（xlsx + json）' if zh else 'add -o FOLDER for the per-school list (xlsx + json)'}[/]")


def plan_dict(plan: Any) -> dict[str, Any]:
    return {"school_year": plan.year, "standard": plan.before.standard.id,
            "priced": plan.priced,
            "budget_yuan": plan.budget_yuan, "pass_cost_yuan": plan.pass_cost_yuan,
            "naive_cost_yuan": {c: (None if v == float("inf") else v)
                                for c, v in plan.naive_cost_yuan.items()},
            "shortfall_yuan": plan.shortfall_yuan,
            "warnings": [{"zh": zh, "en": en} for zh, en in plan.warnings],
            "years": plan.years, "actions": plan.actions.to_dicts(),
            "by_year": plan.by_year.to_dicts(),
            "unreachable": [] if plan.unreachable is None else plan.unreachable.to_dicts(),
            "counties": [{"county": r["county"], "before": r["resources_verdict"],
                          "after": a["resources_verdict"],
                          "schools_meeting_rule_before": r["schools_meeting_rule"],
                          "schools_meeting_rule_after": a["schools_meeting_rule"]}
                         for r, a in zip(plan.before.counties.sort("county").iter_rows(
                             named=True), plan.after.counties.sort("county").iter_rows(
                             named=True), strict=True)]}


def write_pass_plan(plan: Any, folder: str | Path, lang: Lang = "zh") -> list[Path]:
    """The per-school actions with their costs and the indicator each closes, the county
    totals, and what these levers cannot fix: a workbook and a JSON, both or neither."""
    zh = lang == "zh"
    xlsx_name, json_name = FILES[lang]
    names = _names(plan)
    std = plan.before.standard
    with output_run():
        folder = output_folder(folder, f"plan-pass-{lang}")
        with atomic_path(folder / xlsx_name) as tmp:
            book = _Book(tmp, lang)
            cost_col, per = _cost_column(plan, zh)
            # a plan without a price table has no unit costs: the column is left out
            unit_cost = [("单价（元）" if zh else "Unit cost (yuan)", 12, "num2")] \
                if plan.priced else []
            ws = book.wb.add_worksheet("整改措施" if zh else "Actions")
            book.table(ws, 0, [
                ("县区" if zh else "County", 10, "text"), ("学校" if zh else "School", 22, "text"),
                ("学校标识码" if zh else "School id", 12, "text"),
                ("学段" if zh else "Stage", 6, "text"), ("措施" if zh else "Action", 22, "text"),
                ("数量" if zh else "Amount", 10, "int"), ("单位" if zh else "Unit", 6, "text"),
                *unit_cost, cost_col,
                ("所补指标" if zh else "Indicator", 28, "wrap"),
                ("实施年度" if zh else "Year", 8, "text")],
                [[r["county"], names.get(r["school_id"], r["school_id"]), r["school_id"],
                  t(r["stage"], lang), action_text(r, lang), r["amount"],
                  KIND_WORDS[r["kind"]][2 if zh else 3],
                  *([r["unit_cost_yuan"]] if plan.priced else []), r["cost_yuan"] / per,
                  closes(std, r["kind"], lang), phase_text(r["phase"], lang)]
                 for r in plan.actions.iter_rows(named=True)])
            ws = book.wb.add_worksheet("按类汇总" if zh else "By kind")
            book.table(ws, 0, [
                ("县区" if zh else "County", 10, "text"), ("措施" if zh else "Action", 22, "text"),
                ("数量" if zh else "Amount", 12, "int"),
                ("涉及学校（学段）" if zh else "School–stages", 12, "int"), cost_col],
                [[r["county"], kind_text(r["kind"], lang), r["amount"], r["units"],
                  r["cost_yuan"] / per] for r in by_kind(plan).iter_rows(named=True)])
            ws = book.wb.add_worksheet("分年度" if zh else "By year")
            book.table(ws, 0, [
                ("县区" if zh else "County", 10, "text"), ("年度" if zh else "Year", 8, "text"),
                _cost_column(plan, zh, "当年费用", "Cost")[0],
                _cost_column(plan, zh, "累计", "To date")[0],
                ("达标学校（学段）" if zh else "Meeting the rule", 14, "int"),
                ("参评学校（学段）" if zh else "Evaluated", 14, "int"),
                ("资源配置" if zh else "Resources", 12, "text")],
                [[r["county"], phase_text(r["phase"], lang), r["cost_yuan"] / per,
                  r["cumulative_yuan"] / per, r["schools_meeting_rule"],
                  r["schools_evaluated"], t(r["resources_verdict"], lang)]
                 for r in plan.by_year.iter_rows(named=True)])
            ws = book.wb.add_worksheet("措施无法解决" if zh else "Beyond these levers")
            rows = [] if plan.unreachable is None else [
                [r["county"], names.get(r["school_id"], r["school_id"]), t(r["stage"], lang),
                 r["why_zh"] if zh else r["why_en"]] for r in plan.unreachable.iter_rows(named=True)]
            book.table(ws, 0, [
                ("县区" if zh else "County", 10, "text"), ("学校" if zh else "School", 22, "text"),
                ("学段" if zh else "Stage", 6, "text"), ("原因" if zh else "Why", 60, "wrap")],
                rows)
            book.printable()  # landscape, one page wide
            book.wb.close()
        write_text(folder / json_name, dumps(plan_dict(plan), indent=2) + "\n")
    return [folder / xlsx_name, folder / json_name]
