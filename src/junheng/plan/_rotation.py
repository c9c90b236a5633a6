"""``plan_rotation``: this year's rotation list, under the rules, closing the most gaps.

Reads the dataset and its evaluation into the model's input (``RotationInput``), solves the
model of ``_rotation_model`` with HiGHS, names the teachers, applies the moves to the roster,
and evaluates the county again: the plan's "after" is a real evaluation, not an estimate.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import math
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from junheng.evaluate import Evaluation, evaluate
from junheng.model.dataset import Dataset
from junheng.plan._milp import LevelResult, solve_lexicographic
from junheng.plan._principals import principal_pairs
from junheng.plan._rotation_model import (
    GROUPS,
    RotationInput,
    RotationModel,
    TeacherType,
    Unit,
    build_rotation_model,
    needed_teachers,
)
from junheng.plan._rotation_rules import (
    RotationRules,
    distances,
    eligible_teachers,
    school_roles,
)
from junheng.standards import Standard, load_standard

GROUP_NAMES = {"qualified": ("高于规定学历教师", "qualified teachers"),
               "backbone": ("骨干教师", "backbone teachers"),
               "pe_art": ("体育艺术教师", "PE/art teachers")}


class InfeasiblePlan(Exception):
    """The rules cannot all be met; ``rule`` names the binding one, ``messages`` say why."""

    def __init__(self, rule: str, messages: list[tuple[str, str]]) -> None:
        self.rule = rule
        self.messages = messages  # (zh, en)
        super().__init__("; ".join(en for _, en in messages))


@dataclass
class RotationPlan:
    """A rotation plan and the county before and after it.

    - ``moves``: one row per teacher moved (teacher_id, stage, subject, backbone, from/to school
      ids and names, km, form, direction ``send`` or ``exchange``, why_zh, why_en);
    - ``changes``: every affected school–stage × teacher indicator, before and after, and the
      per-school rule before and after;
    - ``compliance``: per sending school (or county): eligible, required, moved, backbone moved,
      whether the share and the backbone share are met;
    - ``unfixable``: what rotation alone cannot fix (a county short of teachers of a group
      overall: a recruitment gap, in teachers);
    - ``predicted``: the model's own after-figures, which equal the re-evaluation's;
    - ``principals``: principals and vice-principals after two full terms, paired for a two-way
      exchange between a quality and a weak school (a separate list, not applied);
    - ``levels``: each objective's value, bound, gap and status.
    """

    rules: RotationRules
    year: int
    moves: pl.DataFrame
    changes: pl.DataFrame
    compliance: pl.DataFrame
    unfixable: pl.DataFrame
    predicted: pl.DataFrame
    levels: list[LevelResult]
    before: Evaluation
    after: Evaluation
    dataset_after: Dataset
    principals: pl.DataFrame  # the principals' two-way exchange pairs (not applied)
    seconds: float = 0.0


def plan_rotation(dataset: Dataset, standard: Standard | str | Path = "quality-2017",
                  year: int | None = None, time_limit: float = 30.0, seed: int = 0,
                  **rules: Any) -> RotationPlan:
    """Propose this year's rotation list (STANDARDS.md §3) that closes the most gaps.

    ``rules`` override the profile's ``rotation:`` section (share, tenure_years,
    backbone_share, scope, max_km, quality_schools, weak_schools, exempt_teachers …). The model
    and its lexicographic objective are stated in ``junheng.plan._rotation_model``.

    Raises ``InfeasiblePlan`` naming the binding rule when the rules cannot all be met.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=20, seed=3)
    >>> plan = plan_rotation(junheng.load(path), time_limit=10)
    >>> bool((plan.compliance.get_column("share_met")).all())
    True
    """
    import time

    started = time.perf_counter()
    if not isinstance(standard, Standard):
        standard = load_standard(standard)
    if standard.merge_teaching_points_into_parent:
        raise InfeasiblePlan("units", [("本标准把教学点并入中心校评估，轮岗规划暂不支持这种设置",
                                        "the rotation planner does not support profiles that "
                                        "merge teaching points into their central school yet")])
    if year is None:  # the school year under way, or a later one already in the records
        from junheng.evaluate._parts import default_year

        today = _dt.date.today()
        year = max(today.year if today.month >= 9 else today.year - 1, default_year(dataset))
    before = evaluate(dataset, standard, year=year)
    rules_ = RotationRules.from_standard(standard, **rules)
    inp, pools, roles = _model_input(dataset, standard, before, rules_, year)
    _precheck(inp, roles, rules_)
    model = build_rotation_model(inp)
    solution, levels = solve_lexicographic(model.milp, model.objectives, time_limit, seed)
    if solution is None:
        raise _diagnose(inp)
    moves = _name_teachers(model, solution, inp, pools, roles, rules_, seed)
    dataset_after = apply_moves(dataset, moves, year, rules_.form)
    after = evaluate(dataset_after, standard, year=year)
    predicted = _predicted(model, solution)
    changes = _changes(before, after, moves, standard)
    moves = _why(moves, changes)
    failing = set(before.schools.filter(pl.col("meets_rule").not_())
                  .get_column("school_id").to_list())
    principals = principal_pairs(dataset.teachers, roles, failing, rules_, year)
    return RotationPlan(rules_, year, moves, changes,
                        _compliance(inp, moves, roles, rules_),
                        _unfixable(inp, before, standard), predicted, levels, before, after,
                        dataset_after, principals, time.perf_counter() - started)


def apply_moves(dataset: Dataset, moves: pl.DataFrame, year: int,
                form: str = "regular_exchange") -> Dataset:
    """The roster after ``moves``: each teacher at the new school since ``year``, and a
    ``rotations`` record for each (same data contract as the input)."""
    if moves.height == 0:
        return dataset
    dest = moves.select("teacher_id", pl.col("to_school_id").alias("_to"))
    teachers = dataset.teachers.join(dest, on="teacher_id", how="left").with_columns(
        pl.coalesce("_to", "school_id").alias("school_id"),
        pl.when(pl.col("_to").is_not_null()).then(pl.lit(year)).otherwise(
            pl.col("school_since")).cast(dataset.teachers.schema["school_since"])
        .alias("school_since"),
    ).drop("_to")
    records = moves.select(
        "teacher_id", pl.col("from_school_id"), pl.col("to_school_id"),
        pl.lit(year, dtype=pl.Int64).alias("school_year"), pl.lit(form).alias("form"))
    rotations = records if dataset.rotations is None else pl.concat(
        [dataset.rotations, records.cast(dataset.rotations.schema)])
    return replace(dataset, teachers=teachers, rotations=rotations)


# -- from tables to the model's input -----------------------------------------------------------

def _model_input(dataset: Dataset, standard: Standard, ev: Evaluation, rules: RotationRules,
                 year: int):
    tol = standard.tolerance
    group_indicator = {ind.numerator[1]: ind for ind in standard.indicators
                       if ind.numerator[0] == "teachers"}
    missing = [g for g in GROUPS if g not in group_indicator]
    if missing:
        raise InfeasiblePlan("standard", [(f"标准缺少教师指标：{', '.join(missing)}",
                                           f"the standard lacks teacher indicators: "
                                           f"{', '.join(missing)}")])
    roles = school_roles(dataset, ev, rules)
    role_of = dict(zip(roles.get_column("school_id"), roles.get_column("role"), strict=True))
    county_of = dict(zip(roles.get_column("school_id"), roles.get_column("county"),
                         strict=True))
    teachers = eligible_teachers(dataset, standard, rules, year)
    subjects = teachers.group_by("school_id", "stage", "subject").len()
    subject_counts: dict[tuple[str, str], dict[str, int]] = {}
    for r in subjects.iter_rows(named=True):
        subject_counts.setdefault((r["school_id"], r["stage"]), {})[r["subject"]] = r["len"]
    by_unit = {(r["school_id"], r["stage"], r["indicator"]): r
               for r in ev.indicators.iter_rows(named=True)}
    rule_now = {(r["school_id"], r["stage"]): r["meets_rule"]
                for r in ev.schools.iter_rows(named=True)}
    floor = standard.floor_ratio or 0.0
    units: dict[tuple[str, str], Unit] = {}
    for u in ev.units.iter_rows(named=True):
        key = (u["school_id"], u["stage"])
        others = [by_unit[(*key, ind.key)] for ind in standard.indicators
                  if ind.numerator[0] != "teachers"]
        needed, floors = {}, {}
        for g, ind in group_indicator.items():
            threshold = (ind.thresholds or {}).get(u["stage"], 0.0)
            needed[g] = needed_teachers(threshold, u["students"], tol)
            floors[g] = needed_teachers(threshold, u["students"], tol, share=floor)
        units[key] = Unit(u["school_id"], u["stage"], u["students"],
                          {g: int(u[f"teachers_{g}"]) for g in GROUPS}, needed, floors,
                          sum(1 for o in others if o["met"]),
                          all(o["floor_met"] is not False for o in others),
                          rule_now.get(key), subject_counts.get(key, {}))
    # Teacher types: eligible teachers of sending and receiving schools, interchangeable.
    movable = teachers.filter(pl.col("eligible") & pl.col("school_id").replace_strict(
        role_of, default="none").is_in(["send", "receive"]))
    movable = movable.filter(pl.struct("school_id", "stage").is_in(
        pl.DataFrame([{"school_id": s, "stage": g} for s, g in units],
                     schema={"school_id": pl.String, "stage": pl.String}).to_struct()
        .implode()))
    # A subject keeps its own types only where moving could empty it (every teacher of it at
    # the school–stage is eligible); elsewhere subjects merge, which keeps the model small.
    at_risk = (movable.group_by("school_id", "stage", "subject").len("movable")
               .join(subjects, on=["school_id", "stage", "subject"])
               .filter(pl.col("movable") >= pl.col("len"))
               .select("school_id", "stage", "subject", pl.lit(True).alias("_risk")))
    movable = movable.join(at_risk, on=["school_id", "stage", "subject"], how="left").with_columns(
        pl.when(pl.col("_risk")).then(pl.col("subject")).otherwise(pl.lit("*"))
        .alias("_subject"))
    types, pools = [], {}
    grouped = movable.sort("school_id", "stage", "_subject", "teacher_id").group_by(
        "school_id", "stage", "_subject", *[f"in_{g}" for g in GROUPS], maintain_order=True)
    for key, (attrs, rows) in enumerate(grouped):
        school, stage, subject, *flags = attrs
        groups = frozenset(g for g, f in zip(GROUPS, flags, strict=True) if f)
        types.append(TeacherType(key, school, stage, subject, groups, rows.height))
        pools[key] = rows
    # Arcs: sending × receiving schools of a county with a common stage, within max_km.
    stages_of: dict[str, set[str]] = {}
    for s, g in units:
        stages_of.setdefault(s, set()).add(g)
    arcs = []
    for (s, r), km in distances(roles).items():
        if rules.max_km is not None and (km is None or km > rules.max_km + 1e-9):
            continue
        for g in sorted(stages_of.get(s, set()) & stages_of.get(r, set())):
            arcs.append((s, r, g, km))
    # Shares: what each sending school (or county) must still send this year.
    eligible_n = teachers.filter(pl.col("eligible")).group_by("school_id").len()
    eligible_of = dict(zip(eligible_n.get_column("school_id"), eligible_n.get_column("len"),
                           strict=True))
    already = _already_moved(dataset, teachers, year)
    senders, backbone_needed = {}, {}
    for school, role in role_of.items():
        if role != "send":
            continue
        moved, backbone = already.get(school, (0, 0))
        total = eligible_of.get(school, 0) + moved
        senders[school] = max(0, math.ceil(rules.share * total - tol) - moved)
        backbone_needed[school] = (backbone, moved)
    # The county, counted as the standard's item 11 counts: every full-time teacher with the
    # tenure (exempt or not) and every move of the year.
    with_tenure = teachers.filter(
        (year - pl.col("school_since") >= rules.tenure_years).fill_null(False)
        & (pl.col("reason") != "moved_this_year").fill_null(True)).group_by("school_id").len()
    tenure_of = dict(zip(with_tenure.get_column("school_id"), with_tenure.get_column("len"),
                         strict=True))
    county_required = {}
    for county in ev.counties.get_column("county"):
        schools = [s for s, c in county_of.items() if c == county]
        moved = sum(already.get(s, (0, 0))[0] for s in schools)
        backbone = sum(already.get(s, (0, 0))[1] for s in schools)
        total = sum(tenure_of.get(s, 0) for s in schools) + moved
        county_required[county] = (max(0, math.ceil(rules.share * total - tol) - moved), moved,
                                   backbone)
    county_value, stage_pupils = {}, {}
    for r in ev.stages.iter_rows(named=True):
        for g, ind in group_indicator.items():
            if r["indicator"] == ind.key:
                county_value[(r["county"], r["stage"], g)] = r["county_value"]
    for r in ev.units.filter(pl.col("students") > 0).group_by("county", "stage").agg(
            pl.col("students").sum()).iter_rows(named=True):
        stage_pupils[(r["county"], r["stage"])] = r["students"]
    inp = RotationInput(units, types, arcs, senders, backbone_needed, county_required,
                        county_of, rules.scope, rules.backbone_share,
                        standard.min_indicators_met if standard.has_school_rule else None,
                        county_value, stage_pupils,
                        {} if rules.max_share is None else
                        {s: max(senders.get(s, 0),
                                math.ceil(rules.max_share * (e + already.get(s, (0, 0))[0]) - tol)
                                - already.get(s, (0, 0))[0])
                         for s, e in eligible_of.items()},
                        eligible_of, already, tenure_of)
    return inp, pools, roles


def _already_moved(dataset: Dataset, teachers: pl.DataFrame,
                   year: int) -> dict[str, tuple[int, int]]:
    """Per sending school: (moved, backbone moved) already recorded for ``year``."""
    if dataset.rotations is None:
        return {}
    done = (dataset.rotations.filter(pl.col("school_year") == year)
            .unique("teacher_id", keep="first")
            .join(teachers.select("teacher_id", "in_backbone"), on="teacher_id", how="left"))
    counts = done.group_by("from_school_id").agg(
        pl.len().alias("moved"), pl.col("in_backbone").fill_null(False).sum().alias("backbone"))
    return {r["from_school_id"]: (r["moved"], r["backbone"]) for r in counts.iter_rows(named=True)}


# -- infeasibility ------------------------------------------------------------------------------

def _precheck(inp: RotationInput, roles: pl.DataFrame, rules: RotationRules) -> None:
    """The binding rule named before any solving, where counting suffices: a sending school
    that must send more teachers than it has eligible, or than the receiving schools within
    reach could exchange."""
    if inp.scope != "school":
        return
    names = dict(zip(roles.get_column("school_id"), roles.get_column("name"), strict=True))
    eligible: dict[tuple[str, str], int] = {}
    for t in inp.types:
        eligible[(t.school_id, t.stage)] = eligible.get((t.school_id, t.stage), 0) + t.eligible
    messages = []
    for school, required in inp.senders.items():
        if required <= 0:
            continue
        reach = 0
        for g in ("primary", "junior"):
            partners = sum(eligible.get((r, g), 0) for s, r, stage, _ in inp.arcs
                           if s == school and stage == g)
            reach += min(eligible.get((school, g), 0), partners)
        if reach < required:
            limit = (f"{rules.max_km:g} km 内" if rules.max_km is not None else "")
            limit_en = (f" within {rules.max_km:g} km" if rules.max_km is not None else "")
            messages.append((
                f"{names.get(school, school)}（{school}）须交流至少 {required} 名教师"
                f"（交流比例 {rules.share:.0%}），但{limit}可对调的接收学校最多只能交流 {reach} 名",
                f"{names.get(school, school)} ({school}) must rotate at least {required} "
                f"teachers (share {rules.share:.0%}), but exchanges with the receiving schools"
                f"{limit_en} allow at most {reach}"))
    if messages:
        raise InfeasiblePlan("share", messages)


def _diagnose(inp: RotationInput) -> InfeasiblePlan:
    """Drop one family of rules at a time: those whose removal alone makes the plan feasible
    are the binding ones."""
    tries = [
        ("share", replace(inp, senders={}, county_required={})),
        ("backbone_share", replace(inp, backbone_share=0.0)),
        ("max_share", replace(inp, max_moves={})),
        ("protected", replace(inp, units={k: replace(u, meets_rule_now=False)
                                             for k, u in inp.units.items()})),
        ("subject", replace(inp, units={k: replace(u, subjects={})
                                           for k, u in inp.units.items()})),
    ]
    words = {"share": ("交流比例", "the rotation share"),
             "backbone_share": ("骨干教师比例", "the backbone share"),
             "max_share": ("每校交流人数上限（--max-share）", "the cap per school (--max-share)"),
             "protected": ("已达标学校不得变为不达标", "schools meeting the rule must keep it"),
             "subject": ("不得调走学校某学科唯一的教师", "no school loses its only teacher of a "
                                                   "subject")}
    binding = []
    for rule, relaxed in tries:
        if rule == "max_share" and not inp.max_moves:
            continue
        model = build_rotation_model(relaxed)
        solution, _ = solve_lexicographic(model.milp, [("feasible", {})], time_limit=10.0)
        if solution is not None:
            binding.append(rule)
    if not binding:
        return InfeasiblePlan("combined", [("无法同时满足全部规则（多项规则共同作用）",
                                            "the rules cannot all be met (several rules "
                                            "together)")])
    zh = "、".join(words[r][0] for r in binding)
    en = ", ".join(words[r][1] for r in binding)
    return InfeasiblePlan(binding[0], [(f"无法同时满足全部规则；放宽以下任一项即可：{zh}",
                                        f"the rules cannot all be met; relaxing any one of "
                                        f"these would do: {en}")])


# -- reading the solution -----------------------------------------------------------------------

def _rank(teacher_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{teacher_id}".encode()).hexdigest()


def _name_teachers(model: RotationModel, solution: list[float], inp: RotationInput,
                   pools: dict[int, pl.DataFrame], roles: pl.DataFrame, rules: RotationRules,
                   seed: int) -> pl.DataFrame:
    """Turn counts of types into named teachers: the longest at their school first, then a
    seeded order (deterministic for a seed)."""
    names = dict(zip(roles.get_column("school_id"), roles.get_column("name"), strict=True))
    types = {t.key: t for t in inp.types}
    km = {(s, r): d for s, r, _, d in inp.arcs}
    taken: dict[int, int] = {}
    ordered: dict[int, pl.DataFrame] = {}  # each type's pool, sorted once
    rows = []
    moves = [(key, dest, "send", col) for (key, dest), col in model.x.items()] + \
            [(key, dest, "exchange", col) for (key, dest), col in model.y.items()]
    for key, dest, direction, col in sorted(moves, key=lambda m: (m[0], m[1], m[2])):
        n = round(solution[col])
        if n <= 0:
            continue
        t = types[key]
        if key not in ordered:
            ordered[key] = pools[key].with_columns(
                pl.col("teacher_id").map_elements(lambda i: _rank(i, seed),
                                                  return_dtype=pl.String)
                .alias("_rank")).sort("school_since", "_rank")
        pool = ordered[key]
        start = taken.get(key, 0)
        for teacher in pool.slice(start, n).iter_rows(named=True):
            pair = (t.school_id, dest) if direction == "send" else (dest, t.school_id)
            rows.append({"teacher_id": teacher["teacher_id"], "stage": t.stage,
                         "subject": teacher["subject"], "backbone": teacher["backbone"],
                         "is_backbone": "backbone" in t.groups,
                         "qualified": "qualified" in t.groups, "pe_art": "pe_art" in t.groups,
                         "from_school_id": t.school_id, "from_name": names[t.school_id],
                         "to_school_id": dest, "to_name": names[dest], "km": km.get(pair),
                         "form": rules.form, "direction": direction})
        taken[key] = start + n
    schema = {"teacher_id": pl.String, "stage": pl.String, "subject": pl.String,
              "backbone": pl.String, "is_backbone": pl.Boolean, "qualified": pl.Boolean, "pe_art": pl.Boolean,
              "from_school_id": pl.String, "from_name": pl.String, "to_school_id": pl.String,
              "to_name": pl.String, "km": pl.Float64, "form": pl.String, "direction": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _predicted(model: RotationModel, solution: list[float]) -> pl.DataFrame:
    """The model's own figures after the moves: teachers per group and the rule, per unit."""
    rows = []
    for (k, school, stage), col in model.counts.items():
        z = model.rule.get((school, stage))
        rows.append({"school_id": school, "stage": stage, "group": k,
                     "teachers": round(solution[col]),
                     "meets_rule": None if z is None else solution[z] > 0.5})
    return pl.DataFrame(rows, schema={"school_id": pl.String, "stage": pl.String,
                                      "group": pl.String, "teachers": pl.Int64,
                                      "meets_rule": pl.Boolean})


def _changes(before: Evaluation, after: Evaluation, moves: pl.DataFrame,
             standard: Standard) -> pl.DataFrame:
    """Every affected school–stage × teacher indicator, before and after."""
    teacher_ind = {ind.key: ind.numerator[1] for ind in standard.indicators
                   if ind.numerator[0] == "teachers"}
    touched = pl.concat([
        moves.select(pl.col("from_school_id").alias("school_id"), "stage"),
        moves.select(pl.col("to_school_id").alias("school_id"), "stage")]).unique()
    cols = ["county", "school_id", "name", "stage", "students", "indicator", "value", "met"]
    b = before.indicators.filter(pl.col("indicator").is_in(list(teacher_ind))).select(cols)
    a = after.indicators.filter(pl.col("indicator").is_in(list(teacher_ind))).select(
        "school_id", "stage", "indicator", pl.col("value").alias("value_after"),
        pl.col("met").alias("met_after"))
    rule_b = before.schools.select("school_id", "stage", pl.col("meets_rule").alias("rule"))
    rule_a = after.schools.select("school_id", "stage",
                                  pl.col("meets_rule").alias("rule_after"))
    return (b.join(touched, on=["school_id", "stage"]).join(a, on=["school_id", "stage",
                                                                    "indicator"])
            .join(rule_b, on=["school_id", "stage"]).join(rule_a, on=["school_id", "stage"])
            .with_columns(pl.col("indicator").replace_strict(teacher_ind).alias("group"))
            .sort("county", "school_id", "stage", "indicator"))


def _why(moves: pl.DataFrame, changes: pl.DataFrame) -> pl.DataFrame:
    """Each move's reason: the indicators it raises at the school it joins, and whether that
    school now meets the rule ("石坝村小学 骨干教师 0.83 → 1.67 /百生, 学校达标")."""
    by_unit: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    for r in changes.iter_rows(named=True):
        by_unit.setdefault((r["school_id"], r["stage"]), {})[r["group"]] = r
    zh_out, en_out = [], []
    for m in moves.iter_rows(named=True):
        unit = by_unit.get((m["to_school_id"], m["stage"]), {})
        groups = [g for g, flag in (("backbone", m["is_backbone"]),
                                    ("qualified", m["qualified"]), ("pe_art", m["pe_art"]))
                  if flag]
        zh, en = [], []
        for g in groups:
            r = unit.get(g)
            if r is None or r["value_after"] is None or r["value"] is None:
                continue
            if r["value_after"] > r["value"]:
                zh.append(f"{GROUP_NAMES[g][0]} {r['value']:.2f} → {r['value_after']:.2f} /百生")
                en.append(f"{GROUP_NAMES[g][1]} {r['value']:.2f} → {r['value_after']:.2f} "
                          "per 100 pupils")
        any_row = next(iter(unit.values()), None)
        if zh and any_row is not None and any_row["rule"] is False and any_row["rule_after"]:
            zh.append("学校达标")
            en.append("school meets the rule")
        if m["direction"] == "exchange":
            zh.insert(0, f"与{m['to_name']}对调交流（保持编制平衡）")
            en.insert(0, f"exchange with {m['to_name']} (keeps staffing balanced)")
        elif not zh:
            zh.append("完成交流比例")
            en.append("meets the rotation share")
        zh_out.append(f"{m['to_name']} " + "，".join(zh) if m["direction"] == "send"
                      else "，".join(zh))
        en_out.append(f"{m['to_name']}: " + ", ".join(en) if m["direction"] == "send"
                      else ", ".join(en))
    return moves.with_columns(pl.Series("why_zh", zh_out, dtype=pl.String),
                              pl.Series("why_en", en_out, dtype=pl.String))


def _compliance(inp: RotationInput, moves: pl.DataFrame, roles: pl.DataFrame,
                rules: RotationRules) -> pl.DataFrame:
    """The shares achieved: per sending school (scope ``school``; eligible as the plan counts
    them) and per county (as the standard's item 11 counts them: every teacher with the tenure,
    every move). Moves include the year's records made before the plan."""
    tol = 1e-9
    rows = []

    def row(county: str, school: str | None, name: str | None, eligible: int,
            before: tuple[int, int], now: tuple[int, int]) -> None:
        total = eligible + before[0]
        moved, backbone = before[0] + now[0], before[1] + now[1]
        required = max(0, math.ceil(rules.share * total - tol))
        rows.append({"county": county, "school_id": school, "name": name, "eligible": total,
                     "required": required, "moved": moved, "backbone_moved": backbone,
                     "share_met": moved >= required,
                     "backbone_share_met": backbone >= rules.backbone_share * moved - tol})

    def counted(frame: pl.DataFrame, key: pl.Expr) -> dict[str, tuple[int, int]]:
        return {r["key"]: (r["moved"], r["backbone"]) for r in frame.group_by(key.alias("key"))
                .agg(pl.len().alias("moved"), pl.col("is_backbone").sum().alias("backbone"))
                .iter_rows(named=True)}

    if rules.scope == "school":
        sent = counted(moves.filter(pl.col("direction") == "send"), pl.col("from_school_id"))
        for r in roles.filter(pl.col("role") == "send").sort("county", "school_id") \
                .iter_rows(named=True):
            s = r["school_id"]
            row(r["county"], s, r["name"], inp.eligible_of.get(s, 0),
                inp.already.get(s, (0, 0)), sent.get(s, (0, 0)))
    by_county = counted(moves, pl.col("from_school_id").replace_strict(inp.county_of))
    for county in sorted(set(inp.county_of.values())):
        schools = [s for s, c in inp.county_of.items() if c == county]
        before = (sum(inp.already.get(s, (0, 0))[0] for s in schools),
                  sum(inp.already.get(s, (0, 0))[1] for s in schools))
        row(county, None, None, sum(inp.tenure_of.get(s, 0) for s in schools), before,
            by_county.get(county, (0, 0)))
    return pl.DataFrame(rows, schema={
        "county": pl.String, "school_id": pl.String, "name": pl.String, "eligible": pl.Int64,
        "required": pl.Int64, "moved": pl.Int64, "backbone_moved": pl.Int64,
        "share_met": pl.Boolean, "backbone_share_met": pl.Boolean})


def _unfixable(inp: RotationInput, before: Evaluation, standard: Standard) -> pl.DataFrame:
    """Per county, stage and teacher group: teachers the county has against the teachers its
    schools need to meet the threshold everywhere. A county short overall cannot rotate its way
    out: that is a recruitment gap (in teachers)."""
    rows: dict[tuple[str, str, str], list[int]] = {}
    for (school, stage), unit in inp.units.items():
        if unit.students <= 0:
            continue
        for g in GROUPS:
            entry = rows.setdefault((inp.county_of[school], stage, g), [0, 0])
            entry[0] += unit.counts[g]
            entry[1] += unit.needed[g]
    return pl.DataFrame(
        [{"county": c, "stage": s, "group": g, "teachers": have, "needed": need,
          "recruitment_gap": max(0, need - have)} for (c, s, g), (have, need) in rows.items()],
        schema={"county": pl.String, "stage": pl.String, "group": pl.String,
                "teachers": pl.Int64, "needed": pl.Int64, "recruitment_gap": pl.Int64},
    ).sort("county", "stage", "group")
