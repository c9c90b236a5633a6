"""The group problem's data, one county at a time: schools with their role, and the pairs a
leader may lead, each with its benefit, distance and what the member lacks that the leader has.

Built from the tables (dataset, evaluation, roles) by ``build_inputs``; the model
(``model.py``) reads only this, never a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from junheng.errors import InfeasiblePlan
from junheng.evaluate import Evaluation
from junheng.plan._geo import Distances
from junheng.standards import Standard
from junheng.standards.compare import at_most
from junheng.standards.plan_rules import GroupRules

# A leader's strength in an indicator is its ratio to the threshold, capped here: beyond twice
# the threshold a school has no more to share than at twice (and one outlier figure — a huge
# sports ground — must not decide a whole group).
STRENGTH_CAP = 2.0


@dataclass(frozen=True)
class School:
    """A school as the group rules see it."""

    school_id: str
    name: str
    location: str
    school_type: str
    stages: tuple[str, ...]  # the stages it teaches with pupils, sorted
    pupils: int
    role: str  # leader · member · none
    because: str | None  # a key of rules.BECAUSE
    failing: bool  # a stage fails the per-school rule


@dataclass(frozen=True)
class Lack:
    """An indicator a member misses that its leader meets: the two ratios to the threshold."""

    stage: str
    indicator: str
    member_ratio: float | None  # None: the figure is missing (it never passes)
    leader_ratio: float


@dataclass(frozen=True)
class Pair:
    """A leader that may lead a member: every stage the member teaches, the leader teaches;
    within ``max_km``; not a must-not pair."""

    leader: str
    member: str
    km: float | None  # None: a school without coordinates (no limit was asked)
    benefit: float  # Σ over the member's stages and indicators of gap × leader's strength
    net: float  # benefit − km_weight × km
    lacks: tuple[Lack, ...]


@dataclass
class GroupInput:
    """One county's group problem, as plain data."""

    county: str
    schools: dict[str, School]
    pairs: list[Pair]
    max_members: int
    coverage: float | None  # the pupils' share to reach, or None
    must_pair: list[tuple[str, str]]  # (leader, member), each one of ``pairs``
    pupils: int  # the county's pupils, every school
    names: dict[str, str] = field(default_factory=dict)

    @property
    def leaders(self) -> list[str]:
        return [s for s, x in self.schools.items() if x.role == "leader"]

    @property
    def members(self) -> list[str]:
        return [s for s, x in self.schools.items() if x.role == "member"]


def ratios(ev: Evaluation) -> dict[tuple[str, str], dict[str, float | None]]:
    """Per school–stage with pupils: each indicator with a threshold → value ÷ threshold."""
    out: dict[tuple[str, str], dict[str, float | None]] = {}
    for r in (ev.indicators.filter(pl.col("threshold").is_not_null() & (pl.col("students") > 0))
              .sort("school_id", "stage", "indicator_order").iter_rows(named=True)):
        out.setdefault((r["school_id"], r["stage"]), {})[r["indicator"]] = r["ratio"]
    return out


def gap(ratio: float | None) -> float:
    """How far below its threshold a member is, as a share of it (missing: the whole way)."""
    return 1.0 if ratio is None else max(0.0, 1.0 - ratio)


def strength(ratio: float | None) -> float:
    """A leader's ratio to the threshold, capped at ``STRENGTH_CAP`` (missing: none)."""
    return 0.0 if ratio is None else min(ratio, STRENGTH_CAP)


def build_inputs(ev: Evaluation, standard: Standard, rules: GroupRules, roles: pl.DataFrame,
                 distances: Distances) -> dict[str, GroupInput]:
    """Each county's ``GroupInput``, in county order; every collection in a fixed order
    (sorted ids), so the model's rows — and the plan — never depend on hashing."""
    del standard  # the thresholds come with the evaluation's ratios
    ratio = ratios(ev)
    stages_of: dict[str, list[str]] = {}
    pupils: dict[str, int] = {}
    for r in ev.units.sort("school_id", "stage").iter_rows(named=True):
        pupils[r["school_id"]] = pupils.get(r["school_id"], 0) + (r["students"] or 0)
        if (r["students"] or 0) > 0:
            stages_of.setdefault(r["school_id"], []).append(r["stage"])
    failing = set(ev.schools.filter(pl.col("meets_rule").not_()).get_column("school_id"))
    must_not = {frozenset(p) for p in rules.pairs("must_not_pair")}
    out: dict[str, GroupInput] = {}
    for (county,), frame in roles.sort("county", "school_id").group_by(
            "county", maintain_order=True):
        schools = {r["school_id"]: School(
            r["school_id"], r["name"], r["location"], r["school_type"],
            tuple(stages_of.get(r["school_id"], [])), pupils.get(r["school_id"], 0), r["role"],
            r["because"], r["school_id"] in failing) for r in frame.iter_rows(named=True)}
        leaders = [s for s in schools.values() if s.role == "leader"]
        members = [s for s in schools.values() if s.role == "member"]
        pairs = []
        for m in members:
            for lead in leaders:
                if not set(m.stages) <= set(lead.stages):
                    continue  # a primary leader for primary members; nine-year leads both
                if frozenset((lead.school_id, m.school_id)) in must_not:
                    continue
                km = distances.km(lead.school_id, m.school_id)
                if rules.max_km is not None and (km is None or not at_most(km, rules.max_km,
                                                                             1e-9)):
                    continue
                pairs.append(_pair(lead, m, km, ratio, rules.km_weight))
        data = GroupInput(county, schools, pairs, rules.max_members, rules.coverage, [],
                          sum(s.pupils for s in schools.values()),
                          {s: x.name for s, x in schools.items()})
        data.must_pair = _must_pairs(data, rules)
        out[county] = data
    return out


def _pair(lead: School, m: School, km: float | None,
          ratio: dict[tuple[str, str], dict[str, float | None]], km_weight: float) -> Pair:
    benefit, lacks = 0.0, []
    for stage in m.stages:
        mine, theirs = ratio.get((m.school_id, stage), {}), ratio.get((lead.school_id, stage), {})
        for indicator, r in mine.items():
            g = gap(r)
            if g <= 0:
                continue
            s = strength(theirs.get(indicator))
            benefit += g * s
            leader_ratio = theirs.get(indicator)
            if leader_ratio is not None and leader_ratio >= 1.0:
                lacks.append(Lack(stage, indicator, r, leader_ratio))
    return Pair(lead.school_id, m.school_id, km, benefit,
                benefit - km_weight * (km or 0.0), tuple(lacks))


def _must_pairs(data: GroupInput, rules: GroupRules) -> list[tuple[str, str]]:
    """The must-pairs of this county, each checked to be a pair the rules allow; a pair they
    do not is named with the rule that forbids it, before anything is solved."""
    allowed = {(p.leader, p.member) for p in data.pairs}
    out, messages = [], []
    for a, b in rules.pairs("must_pair"):
        if a not in data.schools:
            continue  # another county's pair
        sa, sb = data.schools[a], data.schools[b]
        if (a, b) in allowed:
            out.append((a, b))
            continue
        if sa.role != "leader" or sb.role != "member":
            zh = (f"{sa.name}（{a}）不是牵头学校" if sa.role != "leader" else
                  f"{sb.name}（{b}）不是成员学校")
            en = (f"{sa.name} ({a}) is not a leader" if sa.role != "leader" else
                  f"{sb.name} ({b}) is not a member")
            zh += "；可用 --leaders / --members 指定"
            en += "; mark it with --leaders / --members"
        elif not set(sb.stages) <= set(sa.stages):
            zh = f"{sa.name} 没有 {sb.name} 的全部学段"
            en = f"{sa.name} does not teach every stage {sb.name} teaches"
        elif frozenset((a, b)) in {frozenset(p) for p in rules.pairs("must_not_pair")}:
            zh, en = "同时列为不得结对", "also listed as a must-not pair"
        else:
            zh = f"两校距离超过 --max-km {rules.max_km:g} km 或没有坐标"
            en = f"the schools are farther apart than --max-km {rules.max_km:g} km or lack " \
                 "coordinates"
        messages.append((f"必须结对 {a}:{b} 无法满足：{zh}", f"must-pair {a}:{b} cannot be made: "
                         f"{en}"))
    if messages:
        raise InfeasiblePlan("must_pair", messages)
    return out
