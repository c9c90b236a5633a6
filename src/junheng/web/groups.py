"""School groups (集团化办学方案, issue 17) in the web application: the run's files, the figures
plans are compared by, and the plan as its page shows it.

A groups plan names schools only — no teacher —, so every reader of the county sees its page
and downloads its files. It changes no figure of the data (``before == after``): what it is
compared by is its coverage, in the counties' own terms (groups; schools and pupils in a group
and their share; rural and failing schools covered; the target met or the pupils short).

The files are the command line's (``junheng.report``'s groups writer: the workbook, the JSON
and the offline map page). The map is served as a download, never embedded: the application's
CSP allows no inline script, and the map has one.

The page reads the run's JSON table by table and column by column, by name, so columns added
to the plan's tables later do not break it.
"""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from junheng.plan.groups.solution import pupils_short

MAP_FILE = "集团分布图.html"  # the map page, beside the workbook and the JSON
# the coverage counts summed over the plan's counties (a web county is one county, but a
# workbook may hold several)
COUNTS = ("groups", "schools_in_groups", "schools", "pupils_in_groups", "pupils",
          "rural_in_groups", "rural", "failing_in_groups", "failing", "urban_in_groups",
          "town_in_groups", "members_unmatched")


# --- the run's files ----------------------------------------------------------------------------
def write_groups(plan: Any, folder: Path) -> list[Path]:
    """The command line's files: 集团化办学方案.xlsx, groups-plan.json and the map page
    (集团分布图.html), all or none."""
    from junheng.report import PLAN_REPORTS

    return [Path(p) for p in PLAN_REPORTS["groups"][0](plan, folder, "zh", False)]


# --- groups kept from the data or from an earlier plan (--keep) -------------------------------
KEEP_DATA = "data"  # the data version's own 集团 table
KEEP_PLAN = "plan:"  # + a groups run's id: the 集团 sheet of that plan's workbook


def keep_plan_id(keep: str) -> int | None:
    """The run a ``plan:N`` choice names; None for any other choice.

    >>> keep_plan_id("plan:12"), keep_plan_id("data"), keep_plan_id("plan:x")
    (12, None, None)
    """
    if not keep.startswith(KEEP_PLAN) or not keep[len(KEEP_PLAN):].isdigit():
        return None
    return int(keep[len(KEEP_PLAN):])


def kept_groups(keep: str, dataset: Any, plan_files: bytes | None) -> Any:
    """The groups a run keeps and extends, as ``plan_groups(keep=)`` takes them: none (""), the
    data's own 集团 table (``"data"``), or the 集团 sheet of an earlier groups plan's workbook
    (``"plan:N"``, its stored files given as ``plan_files``) read again by the library's reader
    against this data. Raises ``InputError`` with every problem located."""
    from junheng.errors import InputError, Problem
    from junheng.io import read_groups

    if not keep:
        return None
    if keep == KEEP_DATA:
        if dataset.groups is None or dataset.groups.height == 0:
            raise InputError([Problem("集团 groups", None, None, None,
                                      "这一版数据没有集团表，无法保留现有集团",
                                      "this version of the data has no groups table to keep")])
        return dataset.groups
    workbook = None
    if plan_files:
        with zipfile.ZipFile(io.BytesIO(plan_files)) as z:
            workbook = next((n for n in z.namelist() if n.endswith(".xlsx")), None)
            content = z.read(workbook) if workbook else b""
    if workbook is None:
        raise InputError([Problem(f"方案 {keep_plan_id(keep)} plan", None, None, None,
                                  "所选方案没有可保留的集团（方案未完成或没有工作簿）",
                                  "the plan chosen has no groups to keep (not finished, or no "
                                  "workbook)")])
    with tempfile.TemporaryDirectory(prefix="junheng-keep-") as folder:
        path = Path(folder) / workbook
        path.write_bytes(content)
        return read_groups(path, dataset)


def keep_words(keep: str) -> str:
    """A run's kept groups in words, for its settings line."""
    plan = keep_plan_id(keep)
    if plan is not None:
        return f"方案 {plan} 的集团 the groups of plan {plan}"
    return "本版数据中的集团表 the data's groups table" if keep == KEEP_DATA else "—"


def web_warning(zh: str, en: str) -> tuple[str, str]:
    """A planner's note as the web says it: the command line's ``--keep FILE`` advice becomes
    the form's choice (nothing for a bureau to type)."""
    zh = re.sub(r"请加 --keep \S+", "请在“保留现有集团”中选择“本版数据中的集团表”", zh)
    zh = zh.replace("--keep 文件中的集团", "所选方案的集团")
    en = re.sub(r"add --keep \S+", "choose the data's groups table under \"keep today's groups\"",
                en)
    en = en.replace("those of the --keep file", "those of the plan chosen")
    return zh, en


# --- the figures plans are compared by ------------------------------------------------------------
def short_of(row: dict[str, Any], tolerance: float) -> int | None:
    """A county's pupils short of its target, as the plan says it (``pupils_short`` of its
    coverage row: the planner's ``pupils_short``, the one home of the idea), else — a run
    written before the column — computed by the same function; None without a target or
    when it is met.

    >>> short_of({"pupils_in_groups": 10_053, "pupils": 13_090, "target": 0.8}, 1e-9)
    419
    >>> short_of({"pupils_short": 0, "target": 0.8}, 1e-9) is None
    True
    """
    if row.get("target") is None:
        return None
    short = row["pupils_short"] if "pupils_short" in row else pupils_short(
        row["pupils_in_groups"], row["pupils"], row["target"], tolerance)
    return short or None


def group_figures(plan: Any) -> dict[str, Any]:
    """A groups plan's coverage as ``PlanRun.summary`` keeps it: the counts summed over its
    counties, the pupils' share (Σ pupils in a group ÷ Σ pupils), the target, whether every
    county meets it and the pupils short (summed over the counties short)."""
    tolerance = plan.before.standard.tolerance
    rows = list(plan.coverage.iter_rows(named=True))
    out: dict[str, Any] = {k: sum(int(r.get(k) or 0) for r in rows) for k in COUNTS}
    out["pupils_share"] = (out["pupils_in_groups"] / out["pupils"]) if out["pupils"] else None
    targets = [r for r in rows if r.get("target") is not None]
    out["target"] = targets[0]["target"] if targets else None
    out["target_met"] = all(bool(r.get("target_met")) for r in targets) if targets else None
    short = [short_of(r, tolerance) for r in targets]
    out["pupils_short"] = sum(s for s in short if s) if any(short) else None
    return out


def share_text(value: float | None) -> str:
    return "—" if value is None else f"{value:.1%}"


def target_text(f: dict[str, Any]) -> str:
    """The coverage target in words: met, or how many pupils short; "no target" without one."""
    if f.get("target") is None:
        return "未设覆盖目标 no target"
    head = f"{share_text(f['target'])}："
    if f.get("target_met"):
        return head + "已达到 met"
    short = f.get("pupils_short")
    return head + ("未达到 not met" if not short else
                   f"未达到，还差 {short:,} 名学生 not met: {short:,} pupils short")


def coverage_text(f: dict[str, Any]) -> str:
    """One line for the list of runs: the school year grouped (a bureau adopts one grouping
    per school year), the groups and the pupils' share.

    >>> coverage_text({"school_year": 2026, "groups": 2, "pupils_share": 0.73,
    ...                "schools_in_groups": 8, "schools": 16})
    '2026–2027 学年 · 2 个集团 groups · 学生覆盖 73.0% of pupils · 学校 8 / 16 schools'
    """
    year = f.get("school_year")
    return ((f"{year}–{year + 1} 学年 · " if year else "")
            + f"{f['groups']} 个集团 groups · 学生覆盖 {share_text(f.get('pupils_share'))} "
            f"of pupils · 学校 {f['schools_in_groups']} / {f['schools']} schools")


# --- the page -------------------------------------------------------------------------------------
def _of(value: int | None, total: int | None, unit: str) -> str:
    return f"{value or 0:,} / {total or 0:,} {unit}"


def coverage_view(data: dict[str, Any], tolerance: float) -> list[dict[str, Any]]:
    """Each county's coverage as the page lists it, in the counties' own form: (Chinese,
    English, the figure) lines."""
    out = []
    for r in data.get("coverage", []):
        short = short_of(r, tolerance)
        figures = {**r, "pupils_short": short}
        out.append({"county": r["county"], "met": r.get("target_met"), "lines": [
            ("集团数", "groups", f"{r['groups']:,} 个"),
            ("入集团学校 / 学校总数", "schools in a group / all",
             _of(r["schools_in_groups"], r["schools"], "所")),
            ("覆盖学生 / 学生总数", "pupils in a group / all",
             _of(r["pupils_in_groups"], r["pupils"], "人")),
            ("学生覆盖率", "pupils' share", share_text(r.get("pupils_share"))),
            ("覆盖乡村学校", "rural schools covered", _of(r["rural_in_groups"], r["rural"], "所")),
            ("覆盖未达标学校", "failing schools covered",
             _of(r["failing_in_groups"], r["failing"], "所")),
            ("覆盖城区、镇区学校", "urban and town schools covered",
             f"城区 {r.get('urban_in_groups') or 0:,} 所，镇区 {r.get('town_in_groups') or 0:,} 所"),
            *_towns(data, r),
            ("未入集团的成员学校", "member schools in no group",
             f"{r.get('members_unmatched') or 0:,} 所"),
            ("覆盖目标", "coverage target", target_text(figures)),
        ]})
    return out


def _towns(data: dict[str, Any], row: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Towns reached, once the plan counts them (a column of the coverage, or the JSON's
    ``towns_reached`` — one number, or one per county); nothing while it cannot."""
    reached = row.get("towns_in_groups", row.get("towns_reached"))
    if reached is None:
        towns = data.get("towns_reached")
        reached = towns.get(row["county"]) if isinstance(towns, dict) else towns
    if not isinstance(reached, int) or isinstance(reached, bool):
        return []
    total = row.get("towns")
    text = f"{reached:,} / {total:,} 个" if isinstance(total, int) else f"{reached:,} 个"
    return [("覆盖乡镇", "townships reached", text)]


# Whether a group, and a member of a kept group, is kept (--keep) or new: (zh, en).
GROUP_STATUS = {"kept": ("已有", "kept"), "new": ("新增", "new")}


def groups_view(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The groups, leader → members, in the plan's order (county, group number), each named by
    its group id (G001, a kept group's own — as the workbook, the terminal and the map name
    it), kept or new, and of a kept group each member kept or newly added, with what a kept
    pair breaks of today's rules."""
    from junheng.model.schema import ENUMS
    from junheng.plan.groups.rules import BECAUSE
    from junheng.report.catalogue import t

    where = ENUMS["location"].labels
    planned_type = (data.get("rules") or {}).get("group_type")
    groups: dict[tuple[str, int], dict[str, Any]] = {}
    for r in data.get("groups", []):
        key = (r["county"], r["group"])
        status = r.get("group_status")
        group = groups.setdefault(key, {
            "county": r["county"], "number": r["group"],
            "id": r.get("group_id") or str(r["group"]),
            "status": GROUP_STATUS.get(status) if status else None, "leader": r["leader_name"],
            "leader_id": r["leader_id"], "members": [], "pupils": 0,
            "type": group_type_words(r.get("group_type") or planned_type)})
        group["pupils"] += r.get("member_pupils") or 0
        group["members"].append({
            "name": r["member_name"], "id": r["member_id"],
            "location": where.get(r.get("member_location"), r.get("member_location") or ""),
            "stages": "、".join(t(s, "zh") for s in r.get("stages") or []),
            "pupils": r.get("member_pupils"), "km": r.get("km"),
            "because": BECAUSE.get(r.get("member_because"), (r.get("member_because") or "",))[0],
            "lacks_zh": r.get("lacks_zh") or "", "lacks_en": r.get("lacks_en") or "",
            "added": status == "kept" and r.get("status") == "new",
            "flags_zh": r.get("flags_zh") or "", "flags_en": r.get("flags_en") or ""})
    return list(groups.values())


def unmatched_view(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The member schools left in no group, and why."""
    from junheng.plan.groups.rules import BECAUSE

    return [{"county": r["county"], "name": r["name"], "id": r["school_id"],
             "because": BECAUSE.get(r.get("because"), (r.get("because") or "",))[0],
             "why_zh": r.get("why_zh") or "", "why_en": r.get("why_en") or ""}
            for r in data.get("unmatched", [])]


def towns_note(data: dict[str, Any]) -> tuple[str, str] | None:
    """Why the towns reached are not counted, as the plan's JSON says (None once counted)."""
    counted = any(r.get("towns_in_groups") is not None for r in data.get("coverage", []))
    if counted or data.get("towns_reached") is not None:
        return None
    note = data.get("towns_note") or {}
    return (note.get("zh", ""), note.get("en", "")) if note else None


def group_type_words(code: str | None) -> str:
    """A group type's Chinese name (领办型 …) from its code; "" without one."""
    from junheng.model.schema import ENUMS

    if not code:
        return ""
    labels = ENUMS["group_type"].labels if "group_type" in ENUMS else {}
    return labels.get(code, code)
