"""``plan_rotation``: this year's rotation list, under the rules, closing the most gaps.

The orchestration only: the rules applied to the county (``rules``), the problem data per county
(``input``), the model (``model``), a feasible start (``greedy``), the lexicographic solve
(``plan._milp``), named teachers and the applied roster (``solution``), the "after" as a real
re-evaluation, and the explanations (``explain``).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from junheng._english import mend_plurals
from junheng.errors import InfeasiblePlan, InputError, NoPlanFound, Problem
from junheng.evaluate import evaluate
from junheng.model.calendar import planning_year
from junheng.model.dataset import Dataset
from junheng.model.schema import STAGES
from junheng.plan._base import PlanResult, Progress, per_county
from junheng.plan._geo import Distances
from junheng.plan._milp import Solve, diagnose, solve_lexicographic
from junheng.plan.rotation import explain
from junheng.plan.rotation.greedy import greedy_start
from junheng.plan.rotation.input import RotationInput, build_inputs
from junheng.plan.rotation.limits import GroupReach, group_reach
from junheng.plan.rotation.model import FAMILIES, TIME_SHARES, RotationModel
from junheng.plan.rotation.principals import principal_pairs
from junheng.plan.rotation.rules import (
    check_ids,
    eligible_teachers,
    item11,
    school_roles,
    share_warning,
    teacher_groups,
)
from junheng.plan.rotation.school_groups import (
    SchoolGroup,
    load_school_groups,
    outside_warning,
    school_groups,
)
from junheng.plan.rotation.solution import (
    MOVE_SCHEMA,
    apply_moves,
    name_teachers,
    predicted,
    predicted_empty,
)
from junheng.standards import Standard, load_standard
from junheng.standards.plan_rules import RotationRules


@dataclass
class RotationPlan(PlanResult):
    """A rotation plan and the county before and after it.

    Tables (Polars):

    - ``moves``: one row per teacher moved, exchanges in pairs (``exchange``; ``direction``
      ``send`` or ``return``): teacher, stage, subject, backbone level, from and to school,
      km, form, the school group it is inside (``school_group``, scope group), and why
      (``why_zh``, ``why_en``: what that move changes);
    - ``changes``: every affected school–stage × teacher indicator, before and after, and the
      per-school rule before and after;
    - ``compliance``: the shares reached — per sending school (or per school group, scope
      group), and for the county as the standard's item 11 counts it;
    - ``unfixable``: what rotation cannot fix (a county short of a kind of teacher overall);
    - ``predicted``: the model's own after-figures, equal to the re-evaluation's;
    - ``principals``: principals and vice-principals after two full terms, paired for a
      two-way exchange (a separate list; not applied);
    - ``roles``: each school's role (send, receive, none) and why, and its school group;
    - ``school_groups`` (scope group; else empty): each school group, its type, whether it
      rotates teachers, the form recorded, its leader, members and the teachers moved in it;
    - ``group_shortfall`` (scope group; else empty): each group whose leader sent fewer
      teachers than its share asks — required, sent, short, and why (its members' teachers or
      stages, the cap, the other rules).
    """

    moves: pl.DataFrame | None = None
    changes: pl.DataFrame | None = None
    compliance: pl.DataFrame | None = None
    unfixable: pl.DataFrame | None = None
    predicted: pl.DataFrame | None = None
    principals: pl.DataFrame | None = None
    roles: pl.DataFrame | None = None
    school_groups: pl.DataFrame | None = None
    group_shortfall: pl.DataFrame | None = None

    def tables(self) -> dict[str, pl.DataFrame]:
        return {"moves": self.moves, "changes": self.changes, "compliance": self.compliance,
                "unfixable": self.unfixable, "principals": self.principals,
                "roles": self.roles.select("county", "school_id", "name", "role", "because",
                                           "school_group"),
                "school_groups": self.school_groups, "group_shortfall": self.group_shortfall}


@dataclass
class RotationProblem:
    """A county (or several) read as rotation problems: the rules as applied, the evaluation
    before, each school's role, the teachers with their eligibility, and one
    ``RotationInput`` per county (with each teacher type's pool of teachers)."""

    standard: Standard
    rules: RotationRules
    year: int
    before: Any  # Evaluation
    roles: pl.DataFrame
    teachers: pl.DataFrame
    inputs: dict[str, RotationInput]
    pools: dict[int, pl.DataFrame]
    distances: Distances
    warnings: list[tuple[str, str]]
    school_groups: dict[str, SchoolGroup] = field(default_factory=dict)  # scope group


def rotation_problem(dataset: Dataset, standard: Standard | str | Path = "quality-2017",
                     rules: RotationRules | None = None, *, year: int | None = None,
                     **overrides: Any) -> RotationProblem:
    """The input step of ``plan_rotation``: rules checked against the data, the county
    evaluated, roles, eligibility and each county's problem data.

    >>> import junheng
    >>> problem = rotation_problem(junheng.generate_sample(schools=20, seed=3), year=2026)
    >>> data = problem.inputs["示例县"]
    >>> len(data.units), data.item11.required
    (23, 73)
    """
    if not isinstance(standard, Standard):
        standard = load_standard(standard)
    if standard.merge_teaching_points_into_parent:
        raise InfeasiblePlan("units", [("本标准把教学点并入中心校评估，轮岗规划暂不支持这种设置",
                                        "the rotation planner does not support profiles that "
                                        "merge teaching points into their central school yet")])
    rules = rules or standard.rules("rotation")
    if overrides:
        rules = rules.replace(**overrides)
    check_ids(dataset, rules)
    county_of = dict(zip(dataset.schools["school_id"], dataset.schools["county"], strict=True))
    collectives = None
    if rules.scope == "group":  # read before anything is computed: a missing table is input
        collectives = school_groups(load_school_groups(dataset, rules), standard, county_of)
    year = planning_year(dataset) if year is None else year
    before = evaluate(dataset, standard, year=year)
    distances = Distances.from_schools(dataset.schools)
    warnings = _coordinates(dataset, distances, rules)
    if collectives is not None and (outside := outside_warning(county_of, collectives)):
        warnings.append(outside)
    if collectives is not None and (rules.quality_schools or rules.weak_schools):
        warnings.append(("按 --scope group 由集团决定派出和接收，--quality-schools、--weak-schools 不起作用",
                         "with --scope group the groups decide who sends and receives: "
                         "--quality-schools and --weak-schools play no part"))
    if rules.groups is not None and rules.scope != "group":
        warnings.append((f"--groups {rules.groups} 只在 --scope group 时使用：本方案按 "
                         f"--scope {rules.scope} 制定，未使用这份集团表",
                         f"--groups {rules.groups} plays no part without --scope group: this "
                         f"plan is made with --scope {rules.scope}"))
    if (low := share_warning(standard, rules)) is not None:
        warnings.append(low)
    groups = teacher_groups(standard)
    item = item11(standard, rules)
    roles = school_roles(dataset, before, rules, collectives)
    teachers, more = eligible_teachers(dataset, standard, rules, year, groups, item)
    inputs, pools = build_inputs(dataset, standard, before, rules, year, roles, teachers, groups,
                                 item, distances, collectives)
    return RotationProblem(standard, rules, year, before, roles, teachers, inputs, pools,
                           distances, warnings + more, collectives or {})


def plan_rotation(dataset: Dataset, standard: Standard | str | Path = "quality-2017",
                  rules: RotationRules | None = None, *, year: int | None = None,
                  time_limit: float = 30.0, seed: int = 0, progress: Progress | None = None,
                  **overrides: Any) -> RotationPlan:
    """Propose this year's rotation list (STANDARDS.md §3) that closes the most gaps.

    ``rules``: the profile's ``rotation:`` section by default; ``overrides`` change single
    settings (``share=0.15``, ``max_km=30``, ``exempt_teachers=[…]`` …), checked as the profile
    is. ``time_limit``: seconds for each county's model. The model and its lexicographic
    objective are stated on ``RotationModel``.

    Raises ``InputError`` for ids that name no school or teacher, or ``max_km`` without
    coordinates; ``InfeasiblePlan`` naming the binding rule (and school) when no plan can meet
    the rules; ``NoPlanFound`` when the time limit ran out before any plan was found.

    Examples
    --------
    >>> import junheng
    >>> plan = plan_rotation(junheng.generate_sample(schools=20, seed=3), year=2026,
    ...                      time_limit=10)
    >>> bool(plan.compliance.get_column("share_met").all())
    True
    """
    started = time.perf_counter()
    say = progress or (lambda _: None)
    say("评估现状 evaluating the county as it is…")
    problem = rotation_problem(dataset, standard, rules, year=year, **overrides)
    rules, year, before, inputs = problem.rules, problem.year, problem.before, problem.inputs

    def solve(county: str) -> tuple[RotationModel, Solve]:
        return _solve_county(inputs[county], time_limit, seed,
                             lambda level: say(f"求解 solving {county}: {level}…"))

    solved = per_county(inputs, solve)
    named = [name_teachers(model, s.solution, problem.pools, seed, rules.form)
             for model, s in solved.values() if s.solution is not None]
    moves = pl.concat(named) if named else pl.DataFrame(schema=MOVE_SCHEMA)
    say("重新评估 evaluating the county after the moves…")
    dataset_after = apply_moves(dataset, moves, year, rules.form)
    after = evaluate(dataset_after, problem.standard, year=year)
    moves = explain.why(moves, inputs)
    failing = set(before.schools.filter(pl.col("meets_rule").not_())
                  .get_column("school_id").to_list())
    groups = teacher_groups(problem.standard)
    compliance = explain.compliance(moves, inputs)
    return RotationPlan(
        rules=rules, year=year, before=before, after=after, dataset_after=dataset_after,
        levels={c: [model.in_county_terms(lv) for lv in s.levels]
                for c, (model, s) in solved.items()},
        warnings=problem.warnings, seconds=time.perf_counter() - started, moves=moves,
        changes=explain.changes(before, after, moves, groups),
        compliance=compliance, unfixable=explain.unfixable(inputs),
        predicted=pl.concat([predicted(model, s.solution) for model, s in solved.values()
                             if s.solution is not None] or [predicted_empty()]),
        principals=principal_pairs(dataset.teachers, problem.roles, failing, rules, year,
                                   problem.distances, time_limit=min(10.0, time_limit / 3),
                                   within_groups=rules.scope == "group"),
        roles=problem.roles, school_groups=explain.school_group_table(moves, inputs),
        group_shortfall=explain.group_shortfall(compliance, inputs))


def _coordinates(dataset: Dataset, distances: Distances,
                 rules: RotationRules) -> list[tuple[str, str]]:
    """Schools without coordinates: an error with ``max_km`` (the distance rule cannot be
    checked), else a warning that distance plays no part for them."""
    if not distances.missing:
        return []
    names = dict(zip(dataset.schools["school_id"], dataset.schools["name"], strict=True))
    if rules.max_km is not None:
        raise InputError([Problem("学校 schools", None, "纬度 latitude / 经度 longitude", s,
                                  f"{names[s]} 没有坐标，无法判断 --max-km {rules.max_km:g} km",
                                  f"{names[s]} has no coordinates, so --max-km "
                                  f"{rules.max_km:g} km cannot be checked")
                          for s in distances.missing])
    if not distances.known:
        return [("学校没有坐标（纬度、经度），方案不考虑交流距离",
                 "no school has coordinates (latitude, longitude): distance plays no part")]
    shown = "、".join(names[s] for s in distances.missing[:10])
    more = f" 等 {len(distances.missing)} 所" if len(distances.missing) > 10 else ""
    return [(f"{shown}{more} 没有坐标，涉及这些学校的交流不计距离",
             mend_plurals(f"{len(distances.missing)} school(s) without coordinates: moves to "
                          "or from them count no distance"))]


def _solve_county(data: RotationInput, time_limit: float, seed: int,
                  progress: Progress) -> tuple[RotationModel, Solve]:
    _precheck(data)
    model = RotationModel(data)
    start = greedy_start(model)
    solve = solve_lexicographic(
        model.milp, model.objectives, time_limit, seed,
        start=None if start is None else model.point(start),
        shares=[TIME_SHARES[name] for name, _ in model.objectives], progress=progress,
        integral=("groups", "rule", "shortfall", "moves"))
    if solve.solution is not None:
        return model, solve
    if solve.infeasible:
        raise _infeasible(model, time_limit)
    bound = model.in_county_terms(solve.levels[0]).bound if solve.levels else None
    zh = en = ""
    if bound is not None and math.isfinite(bound):
        zh = f"（已证明：至多 {bound:.0f} 个学校学段能达标）"
        en = f" (proven: at most {bound:.0f} school–stages can meet the rule)"
    raise NoPlanFound.out_of_time(data.county, time_limit, ("符合全部规则的方案", "plan"),
                                  (zh, en))


def _precheck(data: RotationInput) -> None:
    """The binding rule named before any solving, where counting suffices: a sending school
    (or a school group's leader) that must send more teachers than it has eligible, than its
    cap allows, or than the receiving schools (its members) within reach could exchange."""
    roles = set(data.role.values())
    if data.scope == "group" and not data.arcs and data.item11.required > 0:
        raise InfeasiblePlan("roles", [(
            f"{data.county}：须交流至少 {data.item11.required} 名教师，但按 --scope group 没有可对调"
            "的学校：需要允许交流的集团（联盟型不交流），其牵头学校与成员学校有相同学段"
            "（且在 --max-km 之内）",
            mend_plurals(f"{data.county}: at least {data.item11.required} teacher(s) must "
                         "rotate, but with --scope group no two schools can exchange: that needs "
                         "a group whose type rotates teachers (an alliance does not), with a "
                         "leader and members teaching a common stage (within --max-km)"))])
    if not data.arcs and not {"send", "receive"} <= roles and data.item11.required > 0:
        senders = "send" in roles
        raise InfeasiblePlan("roles", [(
            f"{data.county}：须交流至少 {data.item11.required} 名教师，但"
            + ("没有接收学校（乡村学校、未达标学校、教学点的中心校）；城区可用 --weak-schools 指定薄弱学校"
               if senders else "没有派出学校（城镇学校）；可用 --quality-schools 指定优质学校"),
            mend_plurals(f"{data.county}: at least {data.item11.required} teacher(s) must "
                         "rotate, but ")
            + ("no school receives (rural, failing the rule, or a teaching point's central "
               "school); in a district, mark weak schools with --weak-schools" if senders else
               "no school sends (urban or town); mark quality schools with --quality-schools"))])
    eligible: dict[tuple[str, str], int] = {}
    for t in data.types:
        eligible[(t.school_id, t.stage)] = eligible.get((t.school_id, t.stage), 0) + t.eligible
    if data.scope == "group":
        _precheck_groups(data)
    messages = []
    # A group's share is soft (the model's first objective): only a sending school's is hard.
    for school, target in data.school_targets.items():
        who_zh, who_en = f"{data.names[school]}（{school}）", f"{data.names[school]} ({school})"
        if target.required <= 0:
            continue
        reach = 0
        for stage in STAGES:
            partners = sum(eligible.get((a.receiver, stage), 0) for a in data.arcs
                           if a.sender == school and a.stage == stage)
            reach += min(eligible.get((school, stage), 0), partners)
        cap = data.cap.get(school)
        limit = reach if cap is None else min(reach, cap)
        if limit >= target.required:
            continue
        if cap is not None and cap < reach:
            zh_why, en_why = (f"每校调出上限（max_share）只允许 {cap} 名",
                              f"the cap per school (max_share) allows {cap}")
        else:
            zh_why, en_why = (f"可对调的接收学校最多只能交流 {reach} 名",
                              f"exchanges with the receiving schools within reach allow at "
                              f"most {reach}")
        # the share said first: a line wrapped at 80 columns never splits "(share 10%)"
        messages.append((
            f"按交流比例 {target.share:.0%}，{who_zh}须交流至少 {target.required} 名教师，"
            f"但{zh_why}",
            mend_plurals(f"at a share of {target.share:.0%}, {who_en} must rotate at least "
                         f"{target.required} teacher(s), but {en_why}")))
    if messages:
        raise InfeasiblePlan("share", messages)


def _precheck_groups(data: RotationInput) -> None:
    """Scope group: item 11 needs more moves than the groups can make, counted (each exchange
    moves two teachers; ``limits.group_reach`` bounds each group's exchanges): the groups
    that hold it back are named, and scope school suggested."""
    reach = group_reach(data)
    most = 2 * sum(r.most for r in reach.values())
    if most >= data.item11.required:
        return
    words = _limiting_groups(data, reach)
    raise InfeasiblePlan("county_share", [(
        f"{data.county}：第{data.item_number}项须交流至少 {data.item11.required} 名教师，但按 "
        f"--scope group 各集团内最多只能交流 {most} 名{words[0]}；可改用 --scope school，"
        "或把更多学校编入集团",
        mend_plurals(
            f"{data.county}: item {data.item_number} needs at least {data.item11.required} "
            f"teacher(s) rotated, but with --scope group the groups can rotate at most {most}"
            f"{words[1]}; use --scope school, or put more schools into groups"))])


def _limiting_groups(data: RotationInput, reach: dict[str, GroupReach],
                     most: int = 5) -> tuple[str, str]:
    """The groups whose members hold back their leader (the leader has more eligible teachers
    than the group can exchange), largest gap first, in words: "（集团「G001」最多 1 对 …）"."""
    held = sorted((r for r in reach.values() if r.most < r.leader_eligible),
                  key=lambda r: (r.most - r.leader_eligible, r.group_id))
    if not held:
        return "", ""
    names = {gid: g.name for gid, g in data.school_groups.items()}
    shown = held[:most]
    more_zh = f"等 {len(held)} 个" if len(held) > most else ""
    more_en = f" and {len(held) - most} more" if len(held) > most else ""
    return (
        "（受限的集团：" + "、".join(f"「{names[r.group_id]}」最多 {r.most} 对"
                                  for r in shown) + more_zh + "）",
        mend_plurals(" (the groups holding it back: " + ", ".join(
            f"{names[r.group_id]} at most {r.most} exchange(s)" for r in shown)
            + more_en + ")"))


def _infeasible(model: RotationModel, time_limit: float) -> InfeasiblePlan:
    """Name the rule families whose relaxation restores feasibility, and the schools: any one
    of them alone, or those that must be relaxed together."""
    limit = max(1.0, min(10.0, time_limit / 5))
    found = diagnose(model.milp, list(FAMILIES), time_limit=limit)
    county = model.data.county
    if not found.families:
        if found.undecided:
            return NoPlanFound("undecided", [(
                f"{county}：无法满足全部规则，且在 {limit:g} 秒内未能判定是哪条规则所致；"
                "请用 --time-limit 延长后重试",
                f"{county}: the rules cannot all be met, and which rule is to blame was not "
                f"decided within {limit:g} s; retry with a longer --time-limit")])
        return InfeasiblePlan("combined", [(
            f"{county}：无法同时满足全部规则（多项规则共同作用，放宽任一项均不够）",
            f"{county}: the rules cannot all be met (several rules together; relaxing any one "
            "alone is not enough)")])
    names = model.data.names
    group_names = {g: f"集团「{sg.name}」" for g, sg in model.data.school_groups.items()}
    group_names_en = {g: f"the group {sg.name}" for g, sg in model.data.school_groups.items()}

    def schools(family: str, rows: list[str], en: bool = False) -> list[str]:
        """The schools (or, for a group's rows, the groups) the rows are keyed by."""
        ids = [r.split("[", 1)[1].split(",")[0].rstrip("]") for r in rows]
        known = (group_names_en if en else group_names) if family.startswith("group") else names
        return [known[i] for i in ids if i in known]

    zh_parts, en_parts = [], []
    for name in found.families:
        zh, en = (w.format(item=model.data.item_number) for w in FAMILIES[name])
        rows, together = found.rows.get(name, []), found.together.get(name, [])
        alone, both = schools(name, rows), schools(name, together)
        alone_en, both_en = schools(name, rows, True), schools(name, together, True)
        if alone:
            zh += ("（" + "、".join(alone) + ("任一个）" if name.startswith("group")
                                             else " 任一所）"))
            en += f" ({' or '.join(alone_en)})"
        elif both:
            zh += f"（须同时放宽：{'、'.join(both)}）"
            en += f" (together: {', '.join(both_en)})"
        zh_parts.append(zh)
        en_parts.append(en)
    hint_zh = hint_en = ""
    if found.families[0] in ("share", "group_share"):
        hint_zh = "；或用 --scope county 只要求全县达到比例"
        hint_en = "; or ask the county as a whole to meet the share with --scope county"
    elif found.families[0] == "county_share" and model.data.scope == "group":
        held_zh, held_en = _limiting_groups(model.data, group_reach(model.data))
        hint_zh = (f"；按 --scope group 只有允许交流的集团内的学校参加交流{held_zh}：可改用 "
                   "--scope school，或把更多学校编入集团")
        hint_en = (f"; with --scope group only the schools of groups that rotate teachers take "
                   f"part{held_en}: use --scope school, or put more schools into groups")
    return InfeasiblePlan(found.families[0], [(
        f"{county}：无法同时满足全部规则；放宽以下任一项即可：{'；'.join(zh_parts)}{hint_zh}",
        f"{county}: the rules cannot all be met; relaxing any one of these would do: "
        f"{'; '.join(en_parts)}{hint_en}")])
