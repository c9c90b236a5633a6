"""What the group rules say about a county: which schools may lead, which need a leader, and
the ids the user named.

The rules themselves (``GroupRules``) are declared with the profile, in
``junheng.standards.plan_rules``; this module applies them to a dataset and its evaluation.
"""

from __future__ import annotations

import polars as pl

from junheng.errors import InputError, Problem
from junheng.evaluate import Evaluation
from junheng.model.dataset import Dataset
from junheng.model.schema import TABLES
from junheng.standards import Standard
from junheng.standards.plan_rules import GroupRules

__all__ = ["BECAUSE", "GroupRules", "check_ids", "school_roles"]

# Why a school leads, is a member, or neither (zh, en); the first reason that applies decides.
BECAUSE = {
    "marked_leader": ("指定的牵头学校（名校）", "marked as a leader"),
    "marked_member": ("指定的成员学校", "marked as a member"),
    "strong": ("达到学校达标规则", "meets the per-school rule"),
    "failing": ("未达到学校达标规则", "fails the per-school rule"),
    "member_location": ("乡村学校", "rural school"),
    "central": ("教学点的中心校", "central school of teaching points"),
}


def check_ids(dataset: Dataset, rules: GroupRules) -> None:
    """Every school the user named must exist, and a pair must name two schools of one county:
    a mistyped id would silently do nothing."""
    county = dict(zip(dataset.schools["school_id"], dataset.schools["county"], strict=True))
    column = TABLES["schools"].column("school_id")
    where = f"{column.zh} {column.name}"
    problems = []
    for option, ids in (("--leaders", rules.leader_schools), ("--members", rules.member_schools)):
        for value in sorted(set(ids) - set(county)):
            problems.append(Problem(option, None, where, value, "数据中没有这所学校",
                                    "no such school in the data"))
    for option, name in (("--must-pair", "must_pair"), ("--must-not-pair", "must_not_pair")):
        for a, b in rules.pairs(name):
            for value in (a, b):
                if value not in county:
                    problems.append(Problem(option, None, where, f"{a}:{b}",
                                            f"数据中没有学校 {value}", f"no school {value} in the "
                                            "data"))
            if a in county and b in county and county[a] != county[b]:
                problems.append(Problem(option, None, where, f"{a}:{b}",
                                        "两所学校不在同一县区", "the two schools are in different "
                                        "counties"))
            if a == b:
                problems.append(Problem(option, None, where, f"{a}:{b}", "同一所学校不能与自己结对",
                                        "a school cannot pair with itself"))
    if problems:
        raise InputError(problems)


def school_roles(dataset: Dataset, evaluation: Evaluation, standard: Standard,
                 rules: GroupRules) -> pl.DataFrame:
    """Each school's role (``leader``, ``member``, ``none``) and why (a key of ``BECAUSE``).

    The first reason that applies decides: the user's marks; then a school meeting the
    per-school rule in every stage with pupils (and, with ``leader_min_met``, that many
    indicators in each) in a leading location leads; then a school failing the rule, in a
    member location, or the central school of teaching points is a member. Roles are disjoint,
    so "a school is in at most one group" needs no row for leaders.

    Columns: county, school_id, name, school_type, location, role, because, township (null
    when the schools table has none), parent_school_id (a teaching point's central school,
    else null); sorted by county and school.
    """
    units = evaluation.schools.filter(pl.col("meets_rule").is_not_null())
    per_school = units.group_by("school_id").agg(
        pl.col("meets_rule").all().alias("all_meet"),
        pl.col("meets_rule").not_().any().alias("any_fail"),
        pl.col("met_count").min().alias("least_met"))
    central = (dataset.schools.filter(pl.col("school_type") == "teaching_point")
               .get_column("parent_school_id").drop_nulls().unique().implode())
    sid = pl.col("school_id")
    strong = pl.col("all_meet").fill_null(False)
    if rules.leader_min_met is not None:
        strong = strong & (pl.col("least_met") >= rules.leader_min_met).fill_null(False)
    because = (
        pl.when(sid.is_in(list(rules.leader_schools))).then(pl.lit("marked_leader"))
        .when(sid.is_in(list(rules.member_schools))).then(pl.lit("marked_member"))
        .when(strong & pl.col("location").is_in(list(rules.leader_locations)))
        .then(pl.lit("strong"))
        .when(pl.lit(rules.members_failing) & pl.col("any_fail").fill_null(False))
        .then(pl.lit("failing"))
        .when(pl.col("location").is_in(list(rules.member_locations)))
        .then(pl.lit("member_location"))
        .when(pl.lit(rules.members_central) & sid.is_in(central)).then(pl.lit("central")))
    role = (pl.when(because.is_in(["marked_leader", "strong"])).then(pl.lit("leader"))
            .when(because.is_not_null()).then(pl.lit("member"))
            .otherwise(pl.lit("none")))
    township = (pl.col("township") if "township" in dataset.schools.columns
                else pl.lit(None, dtype=pl.String))
    parent = (pl.when(pl.col("school_type") == "teaching_point")
              .then(pl.col("parent_school_id")) if "parent_school_id" in dataset.schools.columns
              else pl.lit(None, dtype=pl.String))
    return (dataset.schools.join(per_school, on="school_id", how="left", maintain_order="left")
            .select("county", "school_id", "name", "school_type", "location",
                    role.alias("role"), because.alias("because"), township.alias("township"),
                    parent.cast(pl.String).alias("parent_school_id"))
            .sort("county", "school_id"))
