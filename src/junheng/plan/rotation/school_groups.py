"""School groups (集团, 学区) as the rotation planner's scope (``--scope group``, issue 17).

The groups come from the file named by ``--groups`` (``rules.groups``) or else the county
workbook's own 集团 sheet (``dataset.groups``); their types (``group_types:`` in the profile)
say whether teachers may rotate inside them and which form (``rotation_form``) a move records.
Within a group whose type allows rotation the leader sends and its members receive; schools in
no such group neither send nor receive.

Named ``SchoolGroup`` here because ``groups`` in the rotation code are the standard's teacher
groups (qualified, backbone …).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from junheng.errors import InputError, Problem
from junheng.io import read_groups
from junheng.model.dataset import Dataset
from junheng.plan.groups.types import group_types
from junheng.standards import Standard
from junheng.standards.plan_rules import RotationRules

__all__ = ["SchoolGroup", "load_school_groups", "outside_warning", "school_groups"]


@dataclass(frozen=True)
class SchoolGroup:
    """One school group: its leader (牵头学校), members (成员学校) and what its type allows.

    Examples
    --------
    >>> g = SchoolGroup("G1", "城关一小教育集团", "示例县", "led", ("领办型", "led"), True,
    ...                 "group_exchange", "S1", ("R1", "R2"))
    >>> g.schools, g.type_name[0]
    (('S1', 'R1', 'R2'), '领办型')
    """

    group_id: str
    name: str  # 集团名称, or the group's id when it has no name
    county: str
    type: str  # the group type's code (close, led, merged, alliance, district)
    type_name: tuple[str, str]  # zh, en
    rotation: bool  # the type lets the rotation planner move teachers inside the group
    form: str | None  # the rotation_form a move inside the group records
    leader: str
    members: tuple[str, ...]

    @property
    def schools(self) -> tuple[str, ...]:
        return (self.leader, *self.members)

    @property
    def rotates(self) -> bool:
        """Teachers rotate inside it: its type allows it and the leader has a member."""
        return self.rotation and bool(self.members)


def load_school_groups(dataset: Dataset, rules: RotationRules) -> pl.DataFrame:
    """The groups table ``--scope group`` plans within: the ``--groups`` file if given, else
    the county workbook's 集团 sheet. Neither: a located ``InputError`` telling how to add one.

    Columns: group_id, school_id, role (leader | member), group_type (null: the profile's
    default type), group_name.
    """
    if rules.groups is not None:
        frame = read_groups(rules.groups, dataset)
        if frame.height == 0:
            raise InputError([Problem(
                "集团 groups", None, "--groups", str(rules.groups),
                "文件中的「集团」表没有任何行", "the file's 集团 (groups) table has no rows")])
        return frame
    frame = dataset.groups
    if frame is None and _empty_sheet(dataset):
        frame = pl.DataFrame()
    if frame is not None and frame.height == 0:  # the sheet is there, with no row
        raise InputError([Problem(
            "集团 groups", None, "--scope", "group",
            "县域数据的「集团」工作表中没有任何集团：请在表中填写集团，或用 --groups 指定文件",
            "the county workbook's 集团 (groups) sheet has no groups: fill it in, or name a "
            "file with --groups")])
    if frame is None:
        raise InputError([Problem(
            "集团 groups", None, "--scope", "group",
            "--scope group 需要集团：在县域数据中加入「集团」工作表，或用 --groups 指定文件",
            "--scope group needs groups: add a 集团 sheet to the county workbook, or name a "
            "file with --groups")])
    return frame


def _empty_sheet(dataset: Dataset) -> bool:
    """Whether the county workbook has a 集团 sheet without rows (loading leaves out an empty
    table, so the file is asked again — only on the way to an error)."""
    source = Path(dataset.source) if dataset.source else None
    if source is None or not source.exists():
        return False
    try:
        return read_groups(source).height == 0
    except InputError:  # no such sheet (or a bad one): the usual "add a sheet" applies
        return False


def school_groups(frame: pl.DataFrame, standard: Standard,
                  county_of: dict[str, str]) -> dict[str, SchoolGroup]:
    """Each group of ``frame`` with its type applied, by group id (sorted), members sorted.

    A group without a type takes the profile's default (``groups.group_type``). A type the
    profile does not define is a located error (the table's own validation knows only the
    national codes; a province profile may have removed one).
    """
    types = group_types(standard)
    default = standard.rules("groups").group_type
    by_id: dict[str, list[dict]] = {}
    for r in frame.sort("group_id", "school_id").iter_rows(named=True):
        by_id.setdefault(r["group_id"], []).append(r)
    out, problems = {}, []
    for gid, rows in by_id.items():
        code = next((r["group_type"] for r in rows if r.get("group_type")), None) or default
        kind = types.get(code)
        if kind is None:
            problems.append(Problem("集团 groups", None, "集团类型 group_type", code,
                                    f"标准 {standard.id} 没有这种集团类型；可用："
                                    + "、".join(types), f"the standard {standard.id} defines no "
                                    "such group type; one of: " + ", ".join(types)))
            continue
        leader = next(r["school_id"] for r in rows if r["role"] == "leader")
        members = tuple(r["school_id"] for r in rows if r["role"] == "member")
        name = next((r["group_name"] for r in rows if r.get("group_name")), None) or gid
        out[gid] = SchoolGroup(gid, name, county_of[leader], code, (kind.name, kind.name_en),
                               bool(kind.rotation), kind.form, leader, members)
    if problems:
        raise InputError(problems)
    return out


def outside_warning(county_of: dict[str, str], groups: dict[str, SchoolGroup]
                    ) -> tuple[str, str] | None:
    """The schools that neither send nor receive under ``--scope group``, counted: those in no
    group, those in a group whose type allows no rotation (联盟型 …), and the leaders of groups
    without members."""
    grouped = {s for g in groups.values() for s in g.schools}
    closed = {s for g in groups.values() if not g.rotation for s in g.schools}
    lone = [g.leader for g in groups.values() if g.rotation and not g.members]
    alone = len(set(county_of) - grouped)
    if not alone and not closed and not lone:
        return None
    kinds = sorted({g.type_name for g in groups.values() if not g.rotation})
    zh_parts, en_parts = [], []
    if alone:
        zh_parts.append(f"{alone} 所学校不在任何集团中")
        en_parts.append(f"{alone} school{' is' if alone == 1 else 's are'} in no group")
    if closed:
        zh_parts.append(f"{len(closed)} 所学校所在集团不开展交流（"
                        + "、".join(zh for zh, _ in kinds) + "）")
        en_parts.append(f"{len(closed)} school{' is' if len(closed) == 1 else 's are'} in "
                        "groups that do not rotate teachers ("
                        + ", ".join(en for _, en in kinds) + ")")
    if lone:
        zh_parts.append(f"{len(lone)} 个集团只有牵头学校、没有成员学校")
        en_parts.append(f"{len(lone)} group{' has' if len(lone) == 1 else 's have'} a leader "
                        "and no member")
    return ("，".join(zh_parts) + "：按 --scope group，这些学校本方案既不派出也不接收教师",
            "; ".join(en_parts) + ": with --scope group they neither send nor receive teachers")
