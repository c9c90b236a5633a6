"""``plan_groups``: which school leads which (集团化办学, 1+X 结对帮扶), and the coverage a
bureau reports.

The orchestration only: the rules applied to the county (``rules``), the problem data per county
(``input``), the model (``model``), the lexicographic solve (``plan._milp``), and the tables
(``solution``). Groups change no figure of the data, so the "after" is the evaluation before.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from junheng.errors import InfeasiblePlan, InputError, NoPlanFound, Problem
from junheng.evaluate import evaluate
from junheng.io import read_groups
from junheng.io._groups import ROW, group_checks
from junheng.model.calendar import planning_year
from junheng.model.dataset import Dataset
from junheng.plan._base import PlanResult, Progress, per_county
from junheng.plan._geo import Distances
from junheng.plan._milp import Solve, diagnose, solve_lexicographic
from junheng.plan.groups.input import GroupInput, build_inputs
from junheng.plan.groups.model import FAMILIES, TIME_SHARES, GroupModel
from junheng.plan.groups.rules import check_ids, school_roles
from junheng.plan.groups.solution import (
    COVERAGE_SCHEMA,
    GROUP_SCHEMA,
    MEMBERSHIP_SCHEMA,
    UNMATCHED_SCHEMA,
    coverage_row,
    group_rows,
    membership_rows,
    unmatched_rows,
)
from junheng.plan.groups.types import group_types
from junheng.standards import Standard, load_standard
from junheng.standards.plan_rules import GroupRules


@dataclass
class GroupPlan(PlanResult):
    """A school-group plan.

    Tables (Polars):

    - ``groups``: one row per member school in a group: its leader, distance, why it is a
      member, and what it lacks that the leader has (``lacks_zh``, ``lacks_en``);
    - ``coverage``: per county, in the counties' own terms — groups; schools, pupils and their
      share in a group; rural and failing schools covered; the target and whether it is met;
    - ``unmatched``: member schools left without a leader, and why;
    - ``roles``: each school's role (leader, member, none) and why;
    - ``membership``: the groups in the 集团 table's own form (``Dataset.groups``' columns,
      plus county and status): what ``--keep`` reads back next time.

    With kept groups (``--keep``), ``groups`` and ``membership`` say of each group and row
    whether it was kept or is new; ``coverage`` counts both.
    """

    groups: pl.DataFrame | None = None
    coverage: pl.DataFrame | None = None
    unmatched: pl.DataFrame | None = None
    roles: pl.DataFrame | None = None
    inputs: dict[str, GroupInput] | None = None
    membership: pl.DataFrame | None = None

    def tables(self) -> dict[str, pl.DataFrame]:
        return {"groups": self.groups, "coverage": self.coverage, "unmatched": self.unmatched,
                "roles": self.roles, "membership": self.membership}


def group_problem(dataset: Dataset, standard: Standard | str | Path = "quality-2017",
                  rules: GroupRules | None = None, *, year: int | None = None,
                  keep: pl.DataFrame | None = None,
                  **overrides: Any) -> tuple[Standard, GroupRules, int, Any, pl.DataFrame,
                                             dict[str, GroupInput], list[tuple[str, str]]]:
    """The input step of ``plan_groups``: rules checked against the data, the county evaluated,
    roles and each county's problem data (standard, rules, year, evaluation, roles, inputs,
    warnings). ``keep``: the groups to keep (else the file ``rules.keep`` names, if any)."""
    if not isinstance(standard, Standard):
        standard = load_standard(standard)
    if not standard.has_school_rule:
        raise InfeasiblePlan("standard", [(
            f"标准 {standard.id} 没有学校达标规则，无法判断牵头学校与成员学校；请使用 quality-2017",
            f"the standard {standard.id} has no per-school rule, so leaders and members cannot "
            "be told apart; use quality-2017")])
    rules = rules or standard.rules("groups")
    if overrides:
        rules = rules.replace(**overrides)
    check_ids(dataset, rules)
    keep, warnings = _kept(dataset, standard, rules, keep)
    year = planning_year(dataset) if year is None else year
    before = evaluate(dataset, standard, year=year)
    roles = school_roles(dataset, before, standard, rules)
    distances = Distances.from_schools(dataset.schools)
    missing = _coordinates(roles, distances, rules)
    inputs = build_inputs(before, standard, rules, roles, distances, keep,
                          standard.rules("groups").group_type)
    warnings += _no_coordinates(missing, distances, inputs)
    for data in inputs.values():
        for g in data.kept:
            warnings += list(g.notes)
    warnings += _leader_doubts(inputs, rules)
    flagged = sum(len(g.flags) for data in inputs.values() for g in data.kept)
    if flagged:
        warnings.append((f"保留的集团中有 {flagged} 对学校不符合现行规则（见“集团方案”表的“提示”列）",
                         f"{flagged} kept pair(s) break today's rules (see the Notes column "
                         "of the Group plan sheet)"))
    if any(s.township is None for data in inputs.values() for s in data.schools.values()) \
            and any(s.township for data in inputs.values() for s in data.schools.values()):
        missing = sum(s.township is None for data in inputs.values()
                      for s in data.schools.values())
        warnings.append((f"{missing} 所学校没有填写乡镇（街道），覆盖乡镇数不计这些学校",
                         f"{missing} school(s) give no township: the townships reached "
                         "leave them out"))
    return standard, rules, year, before, roles, inputs, warnings


def _leader_doubts(inputs: dict[str, GroupInput], rules: GroupRules) -> list[tuple[str, str]]:
    """A school marked with ``--leaders`` that fails the per-school rule or stands in a
    member location: it leads as asked, but the user should know."""
    out = []
    for data in inputs.values():
        for s in data.schools.values():
            if s.because != "marked_leader":
                continue
            why = [w for w, bad in (
                (("未达到学校达标规则", "fails the per-school rule"), s.failing),
                (("是乡村学校" if s.location == "rural" else "所在城乡分类通常为成员学校",
                  "is a rural school" if s.location == "rural" else
                  "is in a location whose schools are members"),
                 s.location in rules.member_locations)) if bad]
            if why:
                out.append((f"--leaders 指定的牵头学校 {s.name}（{s.school_id}）"
                            f"{'，且'.join(w[0] for w in why)}：仍按指定牵头，请确认",
                            f"{s.name} ({s.school_id}), marked a leader with --leaders, "
                            f"{' and '.join(w[1] for w in why)}: it leads as marked; please "
                            "check"))
    return out


def _kept(dataset: Dataset, standard: Standard, rules: GroupRules,
          keep: pl.DataFrame | None) -> tuple[pl.DataFrame | None, list[tuple[str, str]]]:
    """The groups to keep — ``keep``, or the table of the file ``rules.keep`` — checked against
    the data and the profile's types; and what the user must know: the data's own groups
    redrawn (when nothing is kept), or left unused."""
    types = group_types(standard)
    problems = []
    if rules.group_type not in types:
        problems.append(Problem("--type", None, "集团类型 group_type", rules.group_type,
                                f"标准 {standard.id} 没有这个集团类型（有：{'、'.join(types)}）",
                                f"the standard {standard.id} declares no such group type "
                                f"(it has: {', '.join(types)})"))
    if keep is None and rules.keep is not None:
        keep = read_groups(rules.keep, dataset)
    elif keep is not None:
        problems += group_checks(keep.with_row_index(ROW, offset=2), dataset.schools, "keep")
    if keep is not None:
        default = standard.rules("groups").group_type
        problems += [Problem(rules.keep or "keep", None, "集团类型 group_type", kind,
                             f"标准 {standard.id} 没有这个集团类型（有：{'、'.join(types)}）",
                             f"the standard {standard.id} declares no such group type (it "
                             f"has: {', '.join(types)})")
                     for kind in sorted({k or default for k in keep["group_type"]} - set(types))]
    if problems:
        raise InputError(problems)
    warnings = []
    if keep is not None and keep.height == 0:
        where = rules.keep or "--keep"
        warnings.append((f"要保留的集团表（{where}）中没有集团，全部重新组建",
                         f"the groups table to keep ({where}) has no group: every group is "
                         "drawn anew"))
    own = dataset.groups
    if own is not None and keep is None:
        n = own["group_id"].n_unique()
        source = dataset.source or "county.xlsx"
        warnings.append((f"数据中已有 {n} 个集团（集团表），本方案重新划分、不保留它们；要保留并在其上扩展，"
                         f"请加 --keep {source}",
                         f"the data already has {n} group(s) (the groups table); this plan "
                         f"draws them anew and keeps none; to keep and extend them, add --keep "
                         f"{source}"))
    elif own is not None and keep is not None and not own.equals(keep):
        warnings.append(("数据中的集团表未使用：保留的是 --keep 文件中的集团",
                         "the data's own groups table is not used: the groups kept are those "
                         "of the --keep file"))
    return keep, warnings


def plan_groups(dataset: Dataset, standard: Standard | str | Path = "quality-2017",
                rules: GroupRules | None = None, *, year: int | None = None,
                time_limit: float = 30.0, seed: int = 0, progress: Progress | None = None,
                keep: pl.DataFrame | None = None, **overrides: Any) -> GroupPlan:
    """Propose school groups: which strong school leads which schools in need, within reach.

    ``rules``: the profile's ``groups:`` section by default; ``overrides`` change single
    settings (``max_members=4``, ``max_km=30``, ``coverage=0.8``, ``group_type="close"`` …).
    The model and its lexicographic objective are stated on ``GroupModel``.

    ``keep``: today's groups (a frame in ``Dataset.groups``' form, as ``read_groups`` gives;
    else the file ``rules.keep`` names, if any), extended rather than redrawn: each is kept
    with its leader, members and type, may take members up to ``max_members``, and its schools
    join no other group; new groups are formed among the other schools.

    Raises ``InputError`` for ids that name no school, ``max_km`` without coordinates, or a
    kept table that does not fit the data;
    ``InfeasiblePlan`` for a must-pair the rules forbid or must-pairs that cannot all hold;
    ``NoPlanFound`` when the time limit ran out before any plan.

    Examples
    --------
    >>> import junheng
    >>> plan = plan_groups(junheng.generate_sample(schools=20, seed=3), year=2026,
    ...                    time_limit=10)
    >>> row = plan.coverage.row(0, named=True)
    >>> row["schools_in_groups"] > row["groups"] > 0, plan.proven
    (True, True)
    """
    started = time.perf_counter()
    say = progress or (lambda _: None)
    say("评估现状 evaluating the county as it is…")
    standard, rules, year, before, roles, inputs, warnings = group_problem(
        dataset, standard, rules, year=year, keep=keep, **overrides)
    # the teaching points' rule is the groups plan's own (a districts plan has none)
    warnings += [n for data in inputs.values() for n in data.notes]

    def solve(county: str) -> tuple[GroupModel, Solve]:
        return _solve_county(inputs[county], time_limit, seed,
                             lambda level: say(f"求解 solving {county}: {level}…"))

    solved = per_county(inputs, solve)
    chosen = {c: model.read(s.solution) for c, (model, s) in solved.items()}
    ids = _new_ids(inputs, chosen)
    groups = [group_rows(inputs[c], chosen[c], standard, rules.group_type) for c in inputs]
    membership = [r for c in inputs
                  for r in membership_rows(inputs[c], chosen[c], rules.group_type, ids)]
    return GroupPlan(
        rules=rules, year=year, before=before, after=before, dataset_after=dataset,
        levels={c: s.levels for c, (_, s) in solved.items()}, warnings=warnings,
        seconds=time.perf_counter() - started,
        groups=(pl.concat(groups) if groups else pl.DataFrame(schema=GROUP_SCHEMA))
        .with_columns(pl.col("group_id").fill_null(pl.col("leader_id").replace_strict(
            ids, default=None, return_dtype=pl.String))),
        membership=pl.DataFrame(membership, schema=MEMBERSHIP_SCHEMA, orient="row"),
        coverage=pl.DataFrame([coverage_row(inputs[c], chosen[c], standard.tolerance)
                               for c in inputs],
                              schema=COVERAGE_SCHEMA, orient="row"),
        unmatched=pl.DataFrame([r for c in inputs for r in unmatched_rows(inputs[c], chosen[c])],
                               schema=UNMATCHED_SCHEMA, orient="row"),
        roles=roles, inputs=inputs)


def _new_ids(inputs: dict[str, GroupInput], chosen: dict[str, list]) -> dict[str, str]:
    """Each new group's id, by its leader: G001, G002 … across the counties in order (the 集团
    table's ids are one namespace), skipping the kept groups' ids."""
    used = {g.group_id for data in inputs.values() for g in data.kept}
    out: dict[str, str] = {}
    n = 0
    for county, data in inputs.items():
        kept = set(data.kept_of)
        for leader in sorted({p.leader for p in chosen[county]} - kept):
            n += 1
            while f"G{n:03d}" in used:
                n += 1
            out[leader] = f"G{n:03d}"
    return out


def _coordinates(roles: pl.DataFrame, distances: Distances,
                 rules: GroupRules) -> dict[str, str]:
    """Leaders and members without coordinates (id → name): an error with ``max_km`` (the
    distance rule cannot be checked)."""
    involved = roles.filter(pl.col("role") != "none")
    names = dict(zip(involved["school_id"], involved["name"], strict=True))
    missing = [s for s in distances.missing if s in names]
    if not missing:
        return {}
    if rules.max_km is not None:
        raise InputError([Problem("学校 schools", None, "纬度 latitude / 经度 longitude", s,
                                  f"{names[s]} 没有坐标，无法判断 --max-km {rules.max_km:g} km",
                                  f"{names[s]} has no coordinates, so --max-km "
                                  f"{rules.max_km:g} km cannot be checked") for s in missing])
    return {s: names[s] for s in missing}


def _no_coordinates(names: dict[str, str], distances: Distances,
                    inputs: dict[str, GroupInput]) -> list[tuple[str, str]]:
    """The warning for schools without coordinates: their pairs are priced as the county's
    farthest allowed pair (so they are not preferred for costing nothing)."""
    if not names:
        return []
    if not distances.known:
        return [("学校没有坐标（纬度、经度）：方案不考虑距离，集团内学校可能相距很远",
                 "no school has coordinates (latitude, longitude): distance plays no part, and "
                 "a group's schools may be far apart")]
    missing = list(names)
    shown = "、".join(names[s] for s in missing[:10])
    more = f" 等 {len(missing)} 所" if len(missing) > 10 else ""
    far = [f"{d.county} {d.unknown_km:.1f} km" for d in inputs.values()
           if d.unknown_km is not None]
    at_zh = f"（{'，'.join(far)}）" if far else ""
    at_en = f" ({', '.join(far)})" if far else ""
    return [(f"{shown}{more} 没有坐标：涉及这些学校的结对按本县区可结对学校间最远的距离{at_zh}计距离代价，"
             "不因缺坐标而被优先选中",
             f"{len(missing)} school(s) without coordinates: their pairs are priced at the "
             f"county's farthest allowed pair{at_en}, so a missing position is never preferred")]


def _solve_county(data: GroupInput, time_limit: float, seed: int,
                  progress: Progress) -> tuple[GroupModel, Solve]:
    model = GroupModel(data)
    # Must-pairs alone are a feasible start; without them, no group at all is one.
    start = model.point(list(data.must_pair))
    solve = solve_lexicographic(model.milp, model.objectives, time_limit, seed,
                                start=None if data.must_pair else start,
                                shares=[TIME_SHARES[name] for name, _ in model.objectives],
                                progress=progress, integral=("members",))
    if solve.solution is not None:
        return model, solve
    if solve.infeasible:
        raise _infeasible(model, time_limit)
    raise NoPlanFound.out_of_time(data.county, time_limit)


def _infeasible(model: GroupModel, time_limit: float) -> InfeasiblePlan:
    """Only must-pairs can make the rules infeasible (a leader given more than max_members,
    or a member paired with two leaders): name them."""
    found = diagnose(model.milp, list(FAMILIES), time_limit=max(1.0, min(10.0, time_limit / 5)))
    county = model.data.county
    zh_parts, en_parts = [], []
    for fam in found.families:  # each rule with the pairs or schools that relax it
        keys = [r.split("[", 1)[1].rstrip("]").replace(",", ":")
                for r in found.rows.get(fam, []) + found.together.get(fam, [])]
        zh_parts.append(FAMILIES[fam][0] + (f"（{' 或 '.join(keys)}）" if keys else ""))
        en_parts.append(FAMILIES[fam][1] + (f" ({' or '.join(keys)})" if keys else ""))
    return InfeasiblePlan(found.families[0] if found.families else "combined", [(
        f"{county}：必须结对的要求无法同时满足；放宽以下任一项即可："
        f"{'；'.join(zh_parts) or '多项规则共同作用'}",
        f"{county}: the must-pairs cannot all be met; relaxing any one of these would do: "
        f"{'; '.join(en_parts) or 'several rules together'}")])
