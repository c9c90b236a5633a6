"""What the rotation rules say about a county: which schools send and receive, who may move,
and the standard's own count of item 11.

The rules themselves (``RotationRules``) are declared with the profile, in
``junheng.standards.plan_rules``; this module applies them to a dataset.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from junheng._english import mend_plurals
from junheng.errors import InfeasiblePlan, InputError, Problem
from junheng.evaluate import Evaluation
from junheng.evaluate._units import _group_expr
from junheng.model.dataset import Dataset
from junheng.model.schema import TABLES
from junheng.plan.rotation.school_groups import SchoolGroup
from junheng.standards import Standard
from junheng.standards.plan_rules import RotationRules

__all__ = [
    "REASONS",
    "Item11",
    "RotationRules",
    "TeacherGroup",
    "check_ids",
    "eligible_teachers",
    "item11",
    "school_roles",
    "share_warning",
    "teacher_groups",
]

# Why a full-time teacher may not move this year (zh, en).
REASONS = {
    "moved_this_year": ("本学年已交流", "already rotated this school year"),
    "principal": ("校长、副校长（另列交流名单）", "principal or vice-principal (own list)"),
    "tenure_unknown": ("未填到本校年份", "no school_since recorded"),
    "tenure_short": ("在本校任教未满规定年限", "not long enough at the school"),
    "exempt": ("经批准不参加交流", "exempted by name"),
    "age": ("已达免交流年龄", "at or past the exemption age"),
    "age_unknown": ("出生年份不详，可能已达免交流年龄", "birth year unknown: may be past the "
                    "exemption age"),
}


@dataclass(frozen=True)
class TeacherGroup:
    """A teacher indicator of the standard: the group it counts and its words."""

    key: str  # the group (teachers.groups), e.g. backbone
    indicator: str  # e.g. backbone_teachers_per100
    short: str  # 骨干教师
    short_en: str
    per_students: float
    thresholds: dict[str, float] | None
    unit: tuple[str, str]  # the value's unit, zh and en: 人/百生


def teacher_groups(standard: Standard) -> list[TeacherGroup]:
    """The standard's teacher indicators whose count a move can change, in profile order.

    An indicator counting every teacher (``all``) is left out: exchanges keep each school's
    headcount, so no plan changes it.
    """
    return [TeacherGroup(ind.numerator[1], ind.key, ind.short, ind.short_en, ind.per_students,
                         ind.thresholds, (ind.value_unit("zh"), ind.value_unit("en")))
            for ind in standard.indicators
            if ind.numerator[0] == "teachers" and ind.numerator[1] != "all"]


@dataclass(frozen=True)
class Item11:
    """Item 11 of government guarantee as the standard counts it (or the rules, without it)."""

    share: float
    backbone_share: float
    tenure_years: int
    backbone_group: str | None  # None: every rotated teacher counts as backbone ("all")
    number: int = 11  # the item's number in its part, for the words


def item11(standard: Standard, rules: RotationRules) -> Item11:
    """The county's shares, counted as the standard's item 11 counts them: its tenure and
    backbone group, and its shares — or the plan's own where those are higher (a bureau that
    plans to 15 % wants the county at 15 % too)."""
    item = next((i for part in standard.parts for i in part.items if i.compute == "rotation"),
                None)
    if item is None:
        group = "backbone"
        out = Item11(rules.share, rules.backbone_share, rules.tenure_years, group)
    else:
        p = item.params
        group = p["backbone_group"]
        out = Item11(max(float(p["share"]), rules.share),
                     max(float(p["backbone_share"]), rules.backbone_share),
                     int(p["tenure_years"]), None if group == "all" else group, item.number)
    if out.backbone_group is not None and out.backbone_group not in standard.teacher_groups:
        raise InfeasiblePlan("standard", [(
            f"标准 {standard.id} 没有定义骨干教师组（teachers.groups.{group}），无法计算骨干教师"
            "交流比例；请使用定义了骨干教师组的标准（如 quality-2017）",
            f"the standard {standard.id} defines no backbone teacher group "
            f"(teachers.groups.{group}), so the backbone share cannot be counted; use a "
            "standard that does (such as quality-2017)")])
    return out


def share_warning(standard: Standard, rules: RotationRules) -> tuple[str, str] | None:
    """The rules' shares below the standard's item 11, said once: item 11 takes the larger
    (``item11``), so a lower ``--share`` or ``--backbone-share`` plays no part.

    >>> from junheng.standards import load_standard
    >>> std = load_standard("quality-2017")
    >>> share_warning(std, std.rules("rotation").replace(share=0.02))[1]
    "the share 2% (--share) is below item 11's 10%: the larger counts, so this plan uses 10%"
    >>> share_warning(std, std.rules("rotation")) is None
    True
    """
    item = next((i for part in standard.parts for i in part.items if i.compute == "rotation"),
                None)
    if item is None:
        return None
    zh, en = [], []
    for option, word_zh, word_en, mine, theirs in (
            ("--share", "交流比例", "the share", rules.share, float(item.params["share"])),
            ("--backbone-share", "骨干教师比例", "the backbone share", rules.backbone_share,
             float(item.params["backbone_share"]))):
        if mine < theirs:
            zh.append(f"{word_zh} {mine:.0%}（{option}）低于标准第{item.number}项的 {theirs:.0%}")
            en.append(f"{word_en} {mine:.0%} ({option}) is below item {item.number}'s "
                      f"{theirs:.0%}")
            used = theirs
    if not zh:
        return None
    if len(zh) == 1:
        return (f"{zh[0]}：按规则取较高者，本方案按 {used:.0%} 计",
                f"{en[0]}: the larger counts, so this plan uses {used:.0%}")
    return ("；".join(zh) + "：按规则取较高者，本方案按标准的比例计",
            "; ".join(en) + ": the larger counts, so this plan uses the standard's shares")


def check_ids(dataset: Dataset, rules: RotationRules) -> None:
    """Every id the user named must exist: a mistyped id would silently do nothing."""
    problems = []
    schools = set(dataset.schools.get_column("school_id").to_list())
    teachers = set(dataset.teachers.get_column("teacher_id").to_list())
    school_col, teacher_col = (TABLES["schools"].column("school_id"),
                               TABLES["teachers"].column("teacher_id"))
    for option, ids, known, column, what in (
            ("--quality-schools", rules.quality_schools, schools, school_col, ("学校", "school")),
            ("--weak-schools", rules.weak_schools, schools, school_col, ("学校", "school")),
            ("--exempt", rules.exempt_teachers, teachers, teacher_col, ("教师", "teacher"))):
        for value in sorted(set(ids) - known):
            problems.append(Problem(option, None, f"{column.zh} {column.name}", value,
                                    f"数据中没有这所{what[0]}" if what[0] == "学校" else
                                    f"花名册中没有这名{what[0]}",
                                    f"no such {what[1]} in the data"))
    if problems:
        raise InputError(problems)


def school_roles(dataset: Dataset, evaluation: Evaluation, rules: RotationRules,
                 school_groups: dict[str, SchoolGroup] | None = None) -> pl.DataFrame:
    """Each school's role, and why.

    ``send``: marked as a quality school (always), or in a sending location (urban, town) and
    not receiving. ``receive``: marked weak, failing the per-school rule, in a receiving
    location (rural), or the central school of teaching points. ``none``: neither.

    With ``school_groups`` (``--scope group``) the groups decide instead: a leader of a group
    whose type allows rotation sends (``group_leader``), its members receive
    (``group_member``); a school of a group that does not rotate (``group_closed``), the leader
    of a group without members (``group_alone``) or a school in no group (``no_group``) does
    neither.

    Columns: county, school_id, name, school_type, location, parent_school_id, role, because,
    school_group (the school's group id, or null), latitude, longitude; sorted by county and
    school.
    """
    failing = (evaluation.schools.filter(pl.col("meets_rule").not_())
               .get_column("school_id").unique().implode())
    central = (dataset.schools.filter(pl.col("school_type") == "teaching_point")
               .get_column("parent_school_id").drop_nulls().unique().implode())
    sid = pl.col("school_id")
    # The first reason that applies decides: a user's marks, then the rule, then location.
    because = (
        pl.when(sid.is_in(list(rules.quality_schools))).then(pl.lit("quality"))
        .when(sid.is_in(list(rules.weak_schools))).then(pl.lit("weak"))
        .when(pl.lit(rules.receive_failing_schools) & sid.is_in(failing)).then(pl.lit("failing"))
        .when(pl.col("location").is_in(list(rules.receiving_locations)))
        .then(pl.lit("receiving_location"))
        .when(sid.is_in(central)).then(pl.lit("central"))
        .when(pl.col("location").is_in(list(rules.sending_locations)))
        .then(pl.lit("sending_location")))
    role = (pl.when(because.is_in(["quality", "sending_location"])).then(pl.lit("send"))
            .when(because.is_not_null()).then(pl.lit("receive"))
            .otherwise(pl.lit("none")))
    group_of: dict[str, str] = {}
    if school_groups is not None:
        said: dict[str, str] = {}
        for g in school_groups.values():
            for s in g.schools:
                group_of[s] = g.group_id
                said[s] = ("group_closed" if not g.rotation else "group_alone"
                           if not g.members else
                           "group_leader" if s == g.leader else "group_member")
        because = sid.replace_strict(said, default="no_group", return_dtype=pl.String)
        role = (pl.when(because == "group_leader").then(pl.lit("send"))
                .when(because == "group_member").then(pl.lit("receive"))
                .otherwise(pl.lit("none")))
    return dataset.schools.select(
        "county", "school_id", "name", "school_type", "location", "parent_school_id",
        role.alias("role"), because.alias("because"),
        sid.replace_strict(group_of, default=None, return_dtype=pl.String).alias("school_group"),
        "latitude", "longitude",
    ).sort("county", "school_id")


def eligible_teachers(dataset: Dataset, standard: Standard, rules: RotationRules, year: int,
                      groups: list[TeacherGroup], item: Item11
                      ) -> tuple[pl.DataFrame, list[tuple[str, str]]]:
    """The teachers the standard counts (full-time, by default), each with ``eligible`` and,
    when not, ``reason`` (a key of ``REASONS``), the groups it counts in (``in_<group>``), and
    ``in_item11`` (at the school long enough to count in item 11's base).

    Eligible: at the current school for ≥ ``tenure_years``, not a principal or vice-principal,
    not exempted by name, not already moved this year, and younger than the exemption age of
    their gender. Unknown gender: the lower of the ages (nobody who could be exempt is moved);
    unknown birth year: not moved. Both are returned as warnings (zh, en).
    """
    teachers = dataset.teachers
    if standard.full_time_only:
        teachers = teachers.filter(pl.col("full_time"))
    moved = (dataset.rotations.filter(pl.col("school_year") == year).get_column("teacher_id")
             .unique().implode() if dataset.rotations is not None
             else pl.lit([], dtype=pl.List(pl.String)))
    flags = [_group_expr(standard.teacher_groups[g.key]).alias(f"in_{g.key}") for g in groups
             if g.key in standard.teacher_groups]
    backbone = (pl.lit(True) if item.backbone_group is None else
                _group_expr(standard.teacher_groups[item.backbone_group]))
    ages = rules.exempt_from_age or {}
    age = year - pl.col("birth_year")
    too_old = pl.lit(False)
    for gender, limit in ages.items():
        too_old = too_old | ((pl.col("gender") == gender) & (age >= limit)).fill_null(False)
    if ages:  # unknown gender: the lower age, so nobody who could be exempt is moved
        too_old = too_old | (pl.col("gender").is_null() & (age >= min(ages.values()))
                             ).fill_null(False)
    tenure = year - pl.col("school_since")
    reason = (pl.when(pl.col("teacher_id").is_in(moved)).then(pl.lit("moved_this_year"))
              .when(pl.col("role").is_in(["principal", "vice_principal"]))
              .then(pl.lit("principal"))
              .when(pl.col("school_since").is_null()).then(pl.lit("tenure_unknown"))
              .when(tenure < rules.tenure_years).then(pl.lit("tenure_short"))
              .when(pl.col("teacher_id").is_in(list(rules.exempt_teachers)))
              .then(pl.lit("exempt"))
              .when(too_old).then(pl.lit("age"))
              .when(pl.lit(bool(ages)) & pl.col("birth_year").is_null())
              .then(pl.lit("age_unknown")))
    out = teachers.with_columns(
        *flags, backbone.alias("is_backbone"), reason.alias("reason"),
        (tenure >= item.tenure_years).fill_null(False).alias("in_item11"),
    ).with_columns(pl.col("reason").is_null().alias("eligible"))
    warnings = []
    if ages:
        no_gender = out.filter(pl.col("gender").is_null()
                               & (pl.col("reason").is_null() | (pl.col("reason") == "age")))
        if no_gender.height:
            low = min(ages.values())
            warnings.append((f"{no_gender.height} 名教师未填性别，按较低的免交流年龄（{low} 岁）判断",
                             mend_plurals(f"{no_gender.height} teacher(s) without a gender: "
                                          f"judged by the lower exemption age ({low})")))
        unknown = out.filter(pl.col("reason") == "age_unknown")
        if unknown.height:
            warnings.append((f"{unknown.height} 名教师未填出生年份，无法判断是否已达免交流年龄，"
                             "本方案不安排其交流",
                             mend_plurals(f"{unknown.height} teacher(s) without a birth year: "
                                          "the exemption age cannot be checked, so they are "
                                          "not moved")))
    return out, warnings
