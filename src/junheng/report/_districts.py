"""The school-district plan (学区划分, issue 17) as people read it: the terminal summary, the
workbook, the JSON and the offline map (drawn by the groups map, ``_groups_map``, with its
words for districts)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from junheng.model.schema import ENUMS
from junheng.plan import DistrictPlan
from junheng.plan.groups.districts import district_label
from junheng.report._console import print_plan_head
from junheng.report._excel import _Book, write_plan_files
from junheng.report._groups import groups_sheet
from junheng.report._groups_map import groups_map_html
from junheng.report._plan import STATUS_WORDS
from junheng.report._text import Lang, yes_no

__all__ = ["DISTRICT_FILES", "district_map_html", "print_district_plan", "write_district_plan"]

DISTRICT_FILES = {"zh": ("学区划分方案.xlsx", "districts-plan.json", "学区分布图.html"),
                  "en": ("school-districts-plan.xlsx", "districts-plan.json",
                         "districts-map.html")}
# The model's one objective level, as people read it.
OBJECTIVE = ("学生·公里之和（各校学生数 × 到学区中心学校的距离）",
             "Σ pupils × km (each school's pupils × its distance to the anchor)")
DISTANCE_NOTE = ("距离为按学校经纬度计算的直线（大圆）距离；学区连片：每所学校都经相邻、且离学区中心更近的学校连到学区中心学校。"
                 "方案在连片、学区数（及均衡、最远距离要求）之下使学生·公里之和最小。",
                 "Distances are straight-line (great-circle) km from the schools' coordinates. "
                 "Districts are contiguous: every school reaches its anchor through "
                 "neighbouring schools each closer to the anchor. The plan makes Σ pupils × km "
                 "as small as contiguity, the number of districts (and any balance or "
                 "distance limit) allow.")
# The groups map's words where a district plan says them otherwise (zh, en).
MAP_WORDS: dict[str, tuple[str, str]] = {
    "title": ("学区分布图", "School districts map"),
    "leader": ("学区中心学校", "anchor school"),
    "member": ("学区内学校", "school in the district"),
    "lines": ("连线：学区中心学校—学区内学校", "line: anchor to school"),
    "th_leader": ("学区中心学校", "Anchor school"),
    "group_no": ("学区", "District"),
    "group_head": ("学区 {n}", "district {n}"),
    "members_n": ("学区内另有 {n} 所学校", "other schools in the district: {n}"),
    "km": ("学区中心学校：{leader}，相距 {km} km", "anchor: {leader}, {km} km away"),
    "km_unknown": ("学区中心学校：{leader}（无坐标，距离未计）",
                   "anchor: {leader} (no coordinates, distance not counted)"),
    "n_groups": ("{n} 个学区", "{n} districts"),
    "coverage": ("{groups}；学校 {schools} 所；学生 {pupils} 人",
                 "{groups}; schools: {schools}; pupils: {pupils}"),
    "detail_hint": ("总图中编号重叠、未能标出的学区在此标出（比例尺见图左下）。",
                    "the districts whose numbers did not fit on the whole map are numbered "
                    "here (scale bar lower left)."),
    "table": ("学区名单", "The districts"),
    "th_members": ("学区内学校（距离 km）", "Schools (km)"),
    "no_groups": ("本县区没有划分学区。", "no district was drawn in this county."),
    "no_coords_page": ("所有学校都没有坐标（纬度、经度），无法画出分布图；请在“学校”表中填写坐标。"
                       "学区名单见下。",
                       "no school has coordinates (latitude, longitude), so there is no map; "
                       "fill them in on the schools sheet. The districts are listed below."),
    "how": ("图中数字为学区编号，标在学区中心学校（★）旁；同一学区的连线与标记同色，颜色按 {n} 种循环使用，"
            "同色的学区以编号区分。悬停可查看学校、学区、距离和在校生；拖动鼠标框选可放大，双击复原。"
            "横轴为经度、纵轴为纬度，按同一比例绘制。",
            "Each number is a district's, beside its anchor school (★); a district's lines and "
            "markers share a colour, {n} colours in turn, so districts of one colour are told "
            "apart by number. Hover for the school, its district, distance and pupils; drag a "
            "box to zoom in, double-click to zoom out. Longitude across, latitude up, drawn to "
            "one scale."),
}


def plan_dict(plan: DistrictPlan) -> dict[str, Any]:
    """The plan as plain data (the JSON beside the workbook); nothing depends on the clock."""
    return {
        "school_year": plan.year, "standard": plan.before.standard.id,
        "rules": plan.rules.as_dict(), "proven_optimal": plan.proven,
        "warnings": [{"zh": zh, "en": en} for zh, en in plan.warnings],
        **{name: frame.to_dicts() for name, frame in plan.tables().items()},
        "solver": {c: [{"objective": lv.name, "status": lv.status, "value": lv.value,
                        "bound": lv.bound, "gap": lv.gap} for lv in levels]
                   for c, levels in plan.levels.items()},
    }


def write_district_plan(plan: DistrictPlan, folder: str | Path, lang: Lang = "zh",
                        pseudonymise: bool = False) -> list[Path]:
    """Write the districts as a workbook, a JSON and the map page into ``folder``, all or
    none. The plan names schools only, so ``pseudonymise`` has nothing to hide.

    Examples
    --------
    >>> import tempfile, junheng
    >>> from junheng.plan import plan_districts
    >>> plan = plan_districts(junheng.generate_sample(schools=12, seed=1), year=2026,
    ...                       districts=2, time_limit=10)
    >>> [p.name for p in write_district_plan(plan, tempfile.mkdtemp())]
    ['学区划分方案.xlsx', 'districts-plan.json', '学区分布图.html']
    """
    del pseudonymise
    xlsx_name, json_name, map_name = DISTRICT_FILES[lang]
    return write_plan_files(
        folder, "plan-districts", lang, (xlsx_name, lambda book: _workbook(book, plan, lang)),
        (json_name, plan_dict(plan)), {map_name: district_map_html(plan, lang)})


def _several(plan: DistrictPlan) -> bool:
    return plan.districts is not None and plan.districts["county"].n_unique() > 1


def _workbook(book: _Book, plan: DistrictPlan, lang: Lang) -> None:
    zh = lang == "zh"
    i = 0 if zh else 1
    several = _several(plan)
    # Not "学区" / "学校" alone: a reader would take a sheet so named for an input table.
    ws = book.wb.add_worksheet("学区方案" if zh else "District plan")
    end = book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("学区" if zh else "District", 6, "int"),
        ("学区编号" if zh else "District id", 10, "text"),
        ("学区名称" if zh else "Name", 24, "text"),
        ("学区中心学校" if zh else "Anchor school", 22, "text"),
        ("学校数" if zh else "Schools", 8, "int"), ("在校生" if zh else "Pupils", 9, "int"),
        ("占全县学生" if zh else "Share of the county's pupils", 10, "pct"),
        ("乡村学校" if zh else "Rural schools", 8, "int"),
        ("未达标学校" if zh else "Schools failing the rule", 10, "int"),
        ("最远距离 km" if zh else "Farthest km", 10, "num2"),
        ("学生·公里" if zh else "Pupils × km", 12, "num2")],
        [[r["county"], r["district"],
          *district_label(r["county"], r["district"], r["anchor_name"], several),
          r["anchor_name"], r["schools"], r["pupils"], r["pupils_share"], r["rural"],
          r["failing"], r["farthest_km"], r["pupil_km"]]
         for r in plan.districts.iter_rows(named=True)])  # type: ignore[union-attr]
    ws.write_string(end + 1, 0, DISTANCE_NOTE[i])
    ws = book.wb.add_worksheet("学区学校" if zh else "District schools")
    kinds, where = ENUMS["school_type"].labels, ENUMS["location"].labels
    book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("学区" if zh else "District", 6, "int"),
        ("学区编号" if zh else "District id", 10, "text"),
        ("学区中心学校" if zh else "Anchor school", 22, "text"),
        ("学校" if zh else "School", 22, "text"),
        ("学校标识码" if zh else "School id", 12, "text"),
        ("学校类型" if zh else "Type", 10, "text"), ("城乡" if zh else "Location", 6, "text"),
        ("学区中心" if zh else "Anchor", 6, "text"), ("在校生" if zh else "Pupils", 8, "int"),
        ("到学区中心 km" if zh else "km to the anchor", 10, "num2"),
        ("未达到学校达标规则" if zh else "Fails the per-school rule", 10, "text")],
        [[r["county"], r["district"],
          district_label(r["county"], r["district"], r["anchor_name"], several)[0],
          r["anchor_name"], r["name"], r["school_id"],
          kinds.get(r["school_type"], r["school_type"]) if zh else r["school_type"],
          where.get(r["location"], r["location"]) if zh else r["location"],
          yes_no(r["is_anchor"], lang), r["pupils"], r["km"], yes_no(r["failing"], lang)]
         for r in plan.schools.iter_rows(named=True)])  # type: ignore[union-attr]
    groups_sheet(book, plan.membership(), lang)
    _solver_sheet(book, plan, lang)
    book.printable()


def _solver_sheet(book: _Book, plan: DistrictPlan, lang: Lang) -> None:
    """The solve per county, the warnings, then every setting as the plan applied it."""
    zh = lang == "zh"
    ws = book.wb.add_worksheet("求解" if zh else "Solver")
    rows = [[county, OBJECTIVE[0 if zh else 1], _status(lv.status, lang), lv.value, lv.bound,
             lv.gap if lv.gap is not None and math.isfinite(lv.gap) else None, lv.seconds]
            for county, levels in plan.levels.items() for lv in levels]
    end = book.table(ws, 0, [
        ("县区" if zh else "County", 10, "text"), ("目标" if zh else "Objective", 30, "text"),
        ("状态" if zh else "Status", 12, "text"), ("值" if zh else "Value", 14, "num2"),
        ("界" if zh else "Bound", 14, "num2"), ("相对差距" if zh else "Gap", 10, "pct2"),
        ("秒" if zh else "Seconds", 8, "num2")], rows, filters=False)
    for k, (w_zh, w_en) in enumerate(plan.warnings):
        ws.write_string(end + 1 + k, 0, w_zh if zh else w_en)
    top = end + 2 + len(plan.warnings)
    ws.write_string(top, 0, "设置（districts:）" if zh else "Settings (districts:)",
                    book.f["bold"])
    book.table(ws, top + 1, [
        ("设置" if zh else "Setting", 16, "text"), ("含义" if zh else "Meaning", 50, "wrap"),
        ("取值" if zh else "Value", 14, "text")],
        [[p.option if p.cli else p.name, p.zh if zh else p.en,
          p.show(getattr(plan.rules, p.name), lang)] for p in plan.rules.params()],
        freeze=False, filters=False)


def _status(status: str, lang: Lang) -> str:
    zh, en = STATUS_WORDS.get(status, (status, status))
    return zh if lang == "zh" else en


# -- the map ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _MapView:
    """What the groups map reads of a plan, for a district plan: the districts as groups
    (one row per school other than the anchor, and a row without a member for a district
    of its anchor alone), and a caption's figures in the coverage table's columns."""

    year: int
    before: Any
    groups: pl.DataFrame
    coverage: pl.DataFrame
    inputs: dict[str, Any]
    unmatched: pl.DataFrame | None = None


def district_map_html(plan: DistrictPlan, lang: Lang = "zh") -> str:
    """The districts as a map: each school at its coordinates, a line from each anchor school
    (a star) to each other school of its district, one colour per district (twelve in turn,
    told apart by number), the districts listed under the map; one self-contained page.

    Examples
    --------
    >>> import junheng
    >>> from junheng.plan import plan_districts
    >>> plan = plan_districts(junheng.generate_sample(schools=12, seed=1), year=2026,
    ...                       districts=2, time_limit=10)
    >>> page = district_map_html(plan)
    >>> "学区分布图" in page, "2 个学区" in page, "<script src=" in page
    (True, True, False)
    """
    districts = plan.districts if plan.districts is not None else pl.DataFrame()
    columns = ["county", "group", "leader_id", "leader_name", "member_id", "member_name",
               "member_pupils", "km"]
    groups = plan.groups.select(columns) if plan.groups is not None else pl.DataFrame()
    alone = districts.filter(pl.col("schools") == 1).select(
        "county", pl.col("district").alias("group"), pl.col("anchor_id").alias("leader_id"),
        pl.col("anchor_name").alias("leader_name"))
    if alone.height:
        groups = pl.concat([groups, alone], how="diagonal_relaxed")
    coverage = districts.group_by("county", maintain_order=True).agg(
        pl.len().alias("groups"), pl.col("schools").sum().alias("schools_in_groups"),
        pl.col("schools").sum().alias("schools"),
        pl.col("pupils").sum().alias("pupils_in_groups"), pl.col("pupils").sum()
    ).with_columns(pl.lit(1.0).alias("pupils_share"))
    words = dict(MAP_WORDS)
    if plan.rules.districts == 1:  # one number of districts for every county
        words["n_groups"] = ("{n} 个学区", "{n} district")
    view = _MapView(plan.year, plan.before, groups, coverage, plan.inputs or {})
    return groups_map_html(view, plan.dataset_after.schools, lang,  # type: ignore[arg-type]
                           words=words)


# -- the terminal -----------------------------------------------------------------------------

def _range(values: list[int]) -> str:
    low, high = min(values), max(values)
    return f"{low:,}" if low == high else f"{low:,}–{high:,}"


def _county_lines(plan: DistrictPlan, county: str, zh: bool) -> list[str]:
    """A county's districts in three or four short lines (80 columns), counts with thousands
    separators."""
    d = plan.districts.filter(pl.col("county") == county)  # type: ignore[union-attr]
    schools, pupils = d["schools"].to_list(), d["pupils"].to_list()
    total = sum(pupils)
    mean = total / len(pupils)
    farthest = max(d["farthest_km"].to_list())
    cost = sum(d["pupil_km"].to_list())
    levels = (plan.levels or {}).get(county, [])
    proven = all(lv.status == "optimal" for lv in levels)
    gap = next((lv.gap for lv in levels if lv.gap is not None and math.isfinite(lv.gap)
                and lv.status != "optimal"), None)
    data = (plan.inputs or {}).get(county)
    bounds = data.bounds() if data is not None else None
    name = escape(county)
    if zh:
        status = "已证明最优" if proven else "时限到，未证明最优" + (
            f"，差距 {gap:.2%}" if gap is not None else "")
        out = [f"{name}：{len(pupils):,} 个学区，学校 {sum(schools):,} 所，学生 {total:,} 人",
               f"  每个学区：学校 {_range(schools)} 所，学生 {_range(pupils)} 人"
               f"（平均 {mean:,.0f} 人）"]
        if bounds is not None:
            out.append(f"  均衡要求 ±{plan.rules.balance:.0%}：每个学区 {math.ceil(bounds[0]):,}"
                       f"–{math.floor(bounds[1]):,} 人")
        out.append(f"  最远 {farthest:,.1f} km；学生·公里之和 {cost:,.1f}（{status}）")
        return out
    status = "proven optimal" if proven else "stopped by the time limit, not proven" + (
        f", gap {gap:.2%}" if gap is not None else "")
    out = [f"{name}: {len(pupils):,} districts, {sum(schools):,} schools, {total:,} pupils",
           f"  per district: {_range(schools)} schools, {_range(pupils)} pupils "
           f"(mean {mean:,.0f})"]
    if bounds is not None:
        out.append(f"  balance ±{plan.rules.balance:.0%}: {math.ceil(bounds[0]):,}–"
                   f"{math.floor(bounds[1]):,} pupils a district")
    out.append(f"  farthest {farthest:,.1f} km; Σ pupils × km {cost:,.1f} ({status})")
    return out


def print_district_plan(plan: DistrictPlan, console: Console, lang: Lang = "zh",
                        max_districts: int = 10, files: bool = True) -> None:
    """The plan at a glance, within 80 columns: per county the districts, schools and pupils
    (per district, least–most), the farthest school, Σ pupils × km and whether it is proven
    optimal; the warnings; then the first ``max_districts`` districts (``files``: whether the
    whole plan was written)."""
    zh = lang == "zh"
    print_plan_head(console, "学区划分方案" if zh else "School districts plan", plan, zh)
    districts = plan.districts if plan.districts is not None else pl.DataFrame()
    counties = districts["county"].unique(maintain_order=True).to_list() \
        if districts.height else []
    for county in counties:
        for line in _county_lines(plan, county, zh):
            console.print(line)
    shown = min(max_districts, districts.height)
    if shown < districts.height:
        rest = ("完整方案见输出文件" if files else "完整方案用 -o 写出") if zh else \
            ("the files have all" if files else "-o writes them all")
        title = f"学区（前 {shown} 个，{rest}）" if zh else f"Districts (first {shown}; {rest})"
    else:
        title = "学区" if zh else "Districts"
    several = len(counties) > 1
    table = Table(title=title, title_justify="left")
    heads = [("学区", "District", "right"), ("学区中心学校", "Anchor school", "left"),
             ("学校", "Schools", "right"), ("学生", "Pupils", "right"),
             ("占比", "Share", "right"), ("最远 km", "Farthest km", "right")]
    for zh_head, en_head, justify in ([("县区", "County", "left")] if several else []) + heads:
        table.add_column(zh_head if zh else en_head, justify=justify,  # type: ignore[arg-type]
                         overflow="fold")
    for r in districts.head(max_districts).iter_rows(named=True):
        share = "—" if r["pupils_share"] is None else f"{r['pupils_share']:.1%}"
        table.add_row(*([escape(r["county"])] if several else []), str(r["district"]),
                      escape(r["anchor_name"]), f"{r['schools']:,}", f"{r['pupils']:,}", share,
                      f"{r['farthest_km']:,.1f}")
    if districts.height:
        console.print(table)
