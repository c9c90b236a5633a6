"""The rotation problem's data, one county at a time: units, teacher types, arcs, targets.

Built from the tables (dataset, evaluation, roles, eligible teachers) by ``build_inputs``; the
model (``model.py``) reads only this, never a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import polars as pl

from junheng.evaluate import Evaluation
from junheng.model.dataset import Dataset
from junheng.plan._geo import Distances
from junheng.plan.rotation.rules import Item11, RotationRules, TeacherGroup
from junheng.plan.rotation.school_groups import SchoolGroup
from junheng.standards import Standard
from junheng.standards.compare import at_most, fewest

MERGED = "*"  # the subject of a type whose school–stage cannot lose any of its subjects


@dataclass(frozen=True)
class TeacherType:
    """Eligible teachers of one school–stage who are interchangeable for every rule and
    objective; the model moves counts of types and the teachers are named afterwards."""

    key: int
    school_id: str
    stage: str
    subject: str  # MERGED unless its school–stage could lose the subject
    groups: frozenset[str]  # teacher groups it counts in
    backbone: bool  # counts as backbone in the rotation shares (item 11's group)
    counted: bool  # in item 11's base: at the school for item 11's tenure
    eligible: int
    subjects: dict[str, int]  # subject -> its teachers of that subject


@dataclass(frozen=True)
class Unit:
    """A school–stage as the per-school rule sees it."""

    school_id: str
    stage: str
    students: int
    counts: dict[str, int]  # group -> teachers now
    needed: dict[str, int]  # group -> fewest teachers meeting the threshold (N)
    floor: dict[str, int]  # group -> fewest teachers reaching the floor, 85 % (L)
    other_met: int  # indicators a move cannot change (facilities) that are met
    other_floors_ok: bool  # … and every one of them reaches its floor
    meets_rule_now: bool | None
    subjects: dict[str, int]  # subject -> full-time teachers now
    at_risk: frozenset[str] = frozenset()  # subjects every teacher of which could move


@dataclass(frozen=True)
class Arc:
    """A pair of schools that may exchange teachers of a stage: the sender's teachers go to
    the receiver, as many of the receiver's come back."""

    sender: str
    receiver: str
    stage: str
    km: float | None
    # support (town → village, quality → weak) · township (central → teaching point) ·
    # group (a school group's leader → one of its members, --scope group)
    kind: str
    school_group: str | None = None  # the group the exchange is inside (kind group)
    form: str | None = None  # the rotation_form its moves record; None: the rules' form


@dataclass(frozen=True)
class Target:
    """A share to meet: moves ≥ ``share`` × base, backbone ≥ ``backbone_share`` × moves, with
    the year's records made before the plan (``moved_before``, ``backbone_before``)."""

    base: int  # the eligible, as this target counts them (incl. those already moved)
    share: float
    backbone_share: float
    moved_before: int
    backbone_before: int
    tolerance: float

    def total_required(self, grown: int = 0) -> int:
        """Moves the year needs in all (records included), when ``grown`` teachers outside
        the base join it by moving (item 11 counts the rotated in its base)."""
        return fewest(self.share * (self.base + grown), self.tolerance)

    @property
    def required(self) -> int:
        """Moves the plan must still make (before any teacher outside the base moves)."""
        return max(0, self.total_required() - self.moved_before)


@dataclass
class RotationInput:
    """One county's rotation problem, as plain data."""

    county: str
    groups: list[TeacherGroup]
    units: dict[tuple[str, str], Unit]
    types: list[TeacherType]
    arcs: list[Arc]
    location: dict[str, str]  # school -> urban · town · rural
    role: dict[str, str]  # school -> send · receive · none
    school_targets: dict[str, Target]  # sending school -> its share (scope school)
    county_target: Target | None  # the planner's share for the county (scope county)
    item11: Target  # the county as the standard's item 11 counts it, always
    min_met: int | None  # the per-school rule's count; None: no per-school rule
    county_value: dict[tuple[str, str], float]  # (stage, group) -> X̄
    stage_pupils: dict[str, int]  # stage -> P
    cap: dict[str, int]  # school -> most teachers it may still send away this year
    rural_backbone_to_towns: bool
    names: dict[str, str] = field(default_factory=dict)  # school -> name
    item_number: int = 11  # item 11's number in the profile, for the words
    # scope group: each rotating group's share, on its leader's eligible (by group id), and
    # the county's groups (every type, for the words)
    group_targets: dict[str, Target] = field(default_factory=dict)
    school_groups: dict[str, SchoolGroup] = field(default_factory=dict)
    scope: str = "school"  # where the shares are met: school · county · group

    def sender_targets(self) -> dict[str, Target]:
        """The share each sending school must meet, by school: its own (scope school) or its
        group's, which the group's leader meets alone (scope group)."""
        return {**self.school_targets,
                **{self.school_groups[g].leader: t for g, t in self.group_targets.items()}}


def build_inputs(dataset: Dataset, standard: Standard, ev: Evaluation, rules: RotationRules,
                 year: int, roles: pl.DataFrame, teachers: pl.DataFrame,
                 groups: list[TeacherGroup], item: Item11, distances: Distances,
                 school_groups: dict[str, SchoolGroup] | None = None
                 ) -> tuple[dict[str, RotationInput], dict[int, pl.DataFrame]]:
    """Each county's ``RotationInput``, in county order, and each teacher type's pool of
    teachers (by type key, unique across counties). Every collection is built in a fixed
    order (sorted ids), so the model's rows — and the plan — do not depend on hashing.

    ``school_groups`` (scope group): the arcs run from each rotating group's leader to its
    members, and each such group has a share on its leader's eligible."""
    tol = standard.tolerance
    role_of = dict(zip(roles["school_id"], roles["role"], strict=True))
    county_of = dict(zip(roles["school_id"], roles["county"], strict=True))
    location = dict(zip(roles["school_id"], roles["location"], strict=True))
    names = dict(zip(roles["school_id"], roles["name"], strict=True))
    units = _units(ev, standard, teachers, groups)
    stages_of: dict[str, list[str]] = {}
    for school, stage in sorted(units):
        stages_of.setdefault(school, []).append(stage)
    collectives = school_groups or {}
    arcs = _arcs(roles, stages_of, rules, distances, collectives)
    on_arc = {(a.sender, a.stage) for a in arcs} | {(a.receiver, a.stage) for a in arcs}
    types, pools, at_risk = _types(teachers, units, on_arc, groups)
    units = {k: replace(u, at_risk=frozenset(at_risk.get(k, ()))) for k, u in units.items()}
    already = _already_moved(dataset, teachers, year)
    eligible = _count(teachers.filter(pl.col("eligible")), "school_id")
    counted = _count(teachers.filter(pl.col("in_item11") & (pl.col("reason") != "moved_this_year")
                                     .fill_null(True)), "school_id")
    full_time = _count(teachers, "school_id")
    group_of = {g.indicator: g.key for g in groups}
    county_value = {(r["county"], r["stage"], group_of[r["indicator"]]): r["county_value"]
                    for r in ev.stages.iter_rows(named=True)
                    if r["indicator"] in group_of and r["county_value"] is not None}
    pupils = {(r["county"], r["stage"]): r["students"] for r in
              ev.units.filter(pl.col("students") > 0).group_by("county", "stage")
              .agg(pl.col("students").sum()).iter_rows(named=True)}
    out = {}
    for county in sorted(set(county_of.values())):
        schools = sorted(s for s, c in county_of.items() if c == county)
        moved = sum(already.get(s, (0, 0))[0] for s in schools)
        backbone = sum(already.get(s, (0, 0))[1] for s in schools)

        def target(base: int, share: float, backbone_share: float, moved: int = moved,
                   backbone: int = backbone) -> Target:
            return Target(base + moved, share, backbone_share, moved, backbone, tol)

        senders = [s for s in schools if role_of[s] == "send"]
        # A sending school's share counts the teachers who meet the conditions to rotate
        # (符合交流条件: the tenure, under the exemption age, not exempted), as the rotation
        # rules say; the county's counts as item 11 does (everyone with the tenure).
        school_targets = {} if rules.scope != "school" else {
            s: target(eligible.get(s, 0), item.share, item.backbone_share,
                      *already.get(s, (0, 0))) for s in senders}
        county_target = None if rules.scope != "county" else target(
            sum(eligible.get(s, 0) for s in schools), rules.share, rules.backbone_share)
        # A group's share counts its leader's teachers who meet the conditions to rotate,
        # as a sending school's does.
        group_targets = {
            g: target(eligible.get(sg.leader, 0), item.share, item.backbone_share,
                      *already.get(sg.leader, (0, 0)))
            for g, sg in sorted(collectives.items()) if sg.county == county and sg.rotates}
        cap = {} if rules.max_share is None else {
            s: max(0, fewest(rules.max_share * full_time.get(s, 0), tol)
                   - already.get(s, (0, 0))[0]) for s in schools}
        out[county] = RotationInput(
            county=county, groups=groups,
            units={k: u for k, u in units.items() if county_of[k[0]] == county},
            types=[t for t in types if county_of[t.school_id] == county],
            arcs=[a for a in arcs if county_of[a.sender] == county],
            location={s: location[s] for s in schools},
            role={s: role_of[s] for s in schools},
            school_targets=school_targets, county_target=county_target,
            item11=target(sum(counted.get(s, 0) for s in schools), item.share,
                          item.backbone_share),
            min_met=standard.min_indicators_met if standard.has_school_rule else None,
            county_value={(g, k): v for (c, g, k), v in county_value.items() if c == county},
            stage_pupils={g: p for (c, g), p in pupils.items() if c == county},
            cap=cap, rural_backbone_to_towns=rules.rural_backbone_to_towns,
            names={s: names[s] for s in schools}, item_number=item.number,
            group_targets=group_targets, scope=rules.scope,
            school_groups={g: sg for g, sg in sorted(collectives.items())
                           if sg.county == county})
    return out, pools


def _count(frame: pl.DataFrame, by: str) -> dict[str, int]:
    counts = frame.group_by(by).len()
    return dict(zip(counts[by], counts["len"], strict=True))


def _units(ev: Evaluation, standard: Standard, teachers: pl.DataFrame,
           groups: list[TeacherGroup]) -> dict[tuple[str, str], Unit]:
    tol = standard.tolerance
    floor = standard.floor_ratio or 0.0
    teacher_indicators = {g.indicator for g in groups}
    subjects: dict[tuple[str, str], dict[str, int]] = {}
    for r in (teachers.group_by("school_id", "stage", "subject").len()
              .sort("school_id", "stage", "subject").iter_rows(named=True)):
        subjects.setdefault((r["school_id"], r["stage"]), {})[r["subject"]] = r["len"]
    others = (ev.indicators.filter(~pl.col("indicator").is_in(list(teacher_indicators))
                                   & pl.col("threshold").is_not_null())
              .group_by("school_id", "stage").agg(
                  pl.col("met").fill_null(False).sum().alias("met"),
                  pl.col("floor_met").fill_null(True).all().alias("floors")))
    other = {(r["school_id"], r["stage"]): r for r in others.iter_rows(named=True)}
    rule_now = {(r["school_id"], r["stage"]): r["meets_rule"]
                for r in ev.schools.iter_rows(named=True)}
    units = {}
    for u in ev.units.sort("school_id", "stage").iter_rows(named=True):
        key = (u["school_id"], u["stage"])
        needed, floors = {}, {}
        for g in groups:
            threshold = (g.thresholds or {}).get(u["stage"])
            total = 0.0 if threshold is None else threshold * u["students"]
            needed[g.key] = fewest(total, tol, g.per_students)
            floors[g.key] = fewest(floor * total, tol, g.per_students)
        o = other.get(key, {"met": 0, "floors": True})
        units[key] = Unit(u["school_id"], u["stage"], u["students"],
                          {g.key: int(u[f"teachers_{g.key}"]) for g in groups}, needed, floors,
                          int(o["met"]), bool(o["floors"]), rule_now.get(key),
                          subjects.get(key, {}))
    return units


def _arcs(roles: pl.DataFrame, stages_of: dict[str, list[str]], rules: RotationRules,
          distances: Distances, school_groups: dict[str, SchoolGroup]) -> list[Arc]:
    """Support arcs (every sending × receiving school of a county) and township arcs (a
    central school to its own teaching points), with a stage in common, within ``max_km``.
    With scope group instead: group arcs, each rotating group's leader to each of its members
    (a central school's own teaching points only when they are its members)."""
    rows = list(roles.iter_rows(named=True))
    pairs: dict[tuple[str, str], str] = {}
    inside: dict[tuple[str, str], SchoolGroup] = {}
    if rules.scope == "group":
        for g in school_groups.values():
            if g.rotation:
                for member in g.members:
                    pairs[(g.leader, member)] = "group"
                    inside[(g.leader, member)] = g
    senders = [r for r in rows if r["role"] == "send"]
    receivers = [r for r in rows if r["role"] == "receive"]
    for s in senders if rules.scope != "group" else []:
        for r in receivers:
            if s["county"] == r["county"]:
                pairs[(s["school_id"], r["school_id"])] = "support"
    if rules.central_to_teaching_points and rules.scope != "group":
        county_of = {r["school_id"]: r["county"] for r in rows}
        for r in rows:
            parent = r["parent_school_id"]
            if (r["school_type"] == "teaching_point" and parent is not None
                    and parent != r["school_id"] and county_of.get(parent) == r["county"]
                    and r["role"] != "send"):
                pairs.setdefault((parent, r["school_id"]), "township")
    arcs = []
    for (s, r), kind in sorted(pairs.items()):
        km = distances.km(s, r)
        if rules.max_km is not None and (km is None or not at_most(km, rules.max_km, 1e-9)):
            continue
        g = inside.get((s, r))
        for stage in stages_of.get(s, []):
            if stage in stages_of.get(r, []):
                arcs.append(Arc(s, r, stage, km, kind, g and g.group_id, g and g.form))
    return arcs


def _types(teachers: pl.DataFrame, units: dict[tuple[str, str], Unit],
           on_arc: set[tuple[str, str]], groups: list[TeacherGroup]
           ) -> tuple[list[TeacherType], dict[int, pl.DataFrame], dict[tuple[str, str], set[str]]]:
    """Eligible teachers on some arc, grouped into interchangeable types.

    A subject stays its own where its school–stage could lose it (every one of its teachers
    there could move), so the teachers of it leaving are counted exactly; elsewhere subjects
    merge (``MERGED``) and each type records how many of its teachers teach what, so the model
    can count a merged type's teachers of a subject arriving where that subject is at risk.
    Returns the types, each type's teachers (its pool, sorted by id), and the subjects at risk
    per school–stage.
    """
    movable = teachers.filter(pl.col("eligible")).filter(
        pl.struct("school_id", "stage").is_in(
            pl.DataFrame(sorted(on_arc), schema={"school_id": pl.String, "stage": pl.String},
                         orient="row").to_struct().implode()))
    movable_n = movable.group_by("school_id", "stage", "subject").len()
    at_risk: dict[tuple[str, str], set[str]] = {}
    for r in movable_n.iter_rows(named=True):
        key = (r["school_id"], r["stage"])
        if key in units and r["len"] >= units[key].subjects.get(r["subject"], 0) >= 1:
            at_risk.setdefault(key, set()).add(r["subject"])
    risky = pl.DataFrame([(s, g, j) for (s, g), subjects in at_risk.items() for j in subjects],
                         orient="row", schema={"school_id": pl.String, "stage": pl.String,
                                               "subject": pl.String})
    movable = movable.join(risky.with_columns(pl.col("subject").alias("_subject")),
                           on=["school_id", "stage", "subject"], how="left",
                           maintain_order="left").with_columns(
        pl.col("_subject").fill_null(MERGED))
    flags = [f"in_{g.key}" for g in groups]
    keys = ["school_id", "stage", "_subject", *flags, "is_backbone", "in_item11"]
    types, pools = [], {}
    grouped = movable.sort(*keys, "teacher_id").group_by(keys, maintain_order=True)
    for key, (values, rows) in enumerate(grouped):
        r = dict(zip(keys, values, strict=True))
        subjects = rows.group_by("subject").len().sort("subject")
        types.append(TeacherType(
            key, r["school_id"], r["stage"], r["_subject"],
            frozenset(g.key for g in groups if r[f"in_{g.key}"]), bool(r["is_backbone"]),
            bool(r["in_item11"]), rows.height,
            dict(zip(subjects["subject"], subjects["len"], strict=True))))
        pools[key] = rows.drop("_subject")
    return types, pools, at_risk


def _already_moved(dataset: Dataset, teachers: pl.DataFrame,
                   year: int) -> dict[str, tuple[int, int]]:
    """Per school: (moved, backbone moved) already recorded for ``year``."""
    if dataset.rotations is None:
        return {}
    done = (dataset.rotations.filter(pl.col("school_year") == year)
            .unique("teacher_id", keep="first", maintain_order=True)
            .join(teachers.select("teacher_id", "is_backbone"), on="teacher_id", how="left"))
    counts = done.group_by("from_school_id").agg(
        pl.len().alias("moved"), pl.col("is_backbone").fill_null(False).sum().alias("backbone"))
    return {r["from_school_id"]: (r["moved"], r["backbone"]) for r in counts.iter_rows(named=True)}
