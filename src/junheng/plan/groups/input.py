"""The group problem's data, one county at a time: schools with their role, and the pairs a
leader may lead, each with its benefit, distance and what the member lacks that the leader has.

Built from the tables (dataset, evaluation, roles) by ``build_inputs``; the model
(``model.py``) reads only this, never a table.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    township: str | None = None  # 乡镇（街道）, for the towns a plan reaches
    parent: str | None = None  # a teaching point's central school (所属中心校)


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
    net: float  # benefit − km_weight × km (an unknown km: the county's farthest allowed pair)
    lacks: tuple[Lack, ...]


@dataclass(frozen=True)
class KeptGroup:
    """A group of today's, kept (``--keep``): its leader, members and type stay as they are.

    ``room``: the members the plan may still add (0 when the group already has ``max_members``
    or more, or when its leader no longer qualifies to lead under the rules). ``pairs``: the
    kept pairs, with their distance, benefit and what each member lacks; ``flags``: per member,
    each rule the kept pair breaks today (zh, en); ``notes``: the same for the group as a
    whole (its size, its leader).
    """

    group_id: str
    leader: str
    members: tuple[str, ...]
    group_type: str  # a code of the profile's group_types (the table's, or the default)
    name: str | None
    room: int
    pairs: tuple[Pair, ...] = ()
    flags: dict[str, tuple[tuple[str, str], ...]] = field(default_factory=dict)
    notes: tuple[tuple[str, str], ...] = ()

    @property
    def schools(self) -> tuple[str, ...]:
        return (self.leader, *self.members)


@dataclass
class GroupInput:
    """One county's group problem, as plain data. With ``kept`` groups, their schools are in
    neither ``leaders`` nor ``members``: a kept leader takes new members only through its own
    ``pairs`` (up to its ``room``), and no kept school joins another group."""

    county: str
    schools: dict[str, School]
    pairs: list[Pair]
    max_members: int
    coverage: float | None  # the pupils' share to reach, or None
    must_pair: list[tuple[str, str]]  # (leader, member), each one of ``pairs``
    pupils: int  # the county's pupils, every school
    names: dict[str, str] = field(default_factory=dict)
    kept: list[KeptGroup] = field(default_factory=list)
    # members a kept group's leader could lead under the pair rules, had its group room left
    full_reach: set[str] = field(default_factory=set)
    # (teaching point, central school): the point goes wherever its central school goes
    follow: list[tuple[str, str]] = field(default_factory=list)
    # the km a pair without coordinates is priced at: the farthest allowed pair of the county
    unknown_km: float | None = None
    # what the teaching-point rule could not do (zh, en)
    notes: list[tuple[str, str]] = field(default_factory=list)

    @property
    def kept_of(self) -> dict[str, KeptGroup]:
        """The kept group of each school in one."""
        return {s: g for g in self.kept for s in g.schools}

    @property
    def kept_pupils(self) -> int:
        """The pupils of the kept groups' schools: covered whatever the plan adds."""
        return sum(self.schools[s].pupils for g in self.kept for s in g.schools)

    def room(self, leader: str) -> int:
        """How many members ``leader`` may still take: a kept group's room, else X of 1+X."""
        kept = self.kept_of.get(leader)
        return self.max_members if kept is None else kept.room

    @property
    def leaders(self) -> list[str]:
        kept = self.kept_of
        return [s for s, x in self.schools.items() if x.role == "leader" and s not in kept]

    @property
    def members(self) -> list[str]:
        kept = self.kept_of
        return [s for s, x in self.schools.items() if x.role == "member" and s not in kept]


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
                 distances: Distances, keep: pl.DataFrame | None = None,
                 default_type: str = "led") -> dict[str, GroupInput]:
    """Each county's ``GroupInput``, in county order; every collection in a fixed order
    (sorted ids), so the model's rows — and the plan — never depend on hashing.

    ``keep``: today's groups (``Dataset.groups``' form), kept with their leaders, members and
    types (``default_type`` for a group that gives none); the plan only adds members to them,
    and forms new groups among the other schools."""
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
            r["because"], r["school_id"] in failing, r.get("township"),
            r.get("parent_school_id"))
            for r in frame.iter_rows(named=True)}
        kept = _kept_groups(keep, schools, distances, ratio, rules, must_not, default_type)
        in_kept = {s: g for g in kept for s in g.schools}
        # a kept leader leads on while it still may and its group has room; no other kept
        # school leads or joins anything
        leaders = [s for s in schools.values() if s.role == "leader"
                   and (s.school_id not in in_kept
                        or (in_kept[s.school_id].leader == s.school_id
                            and in_kept[s.school_id].room > 0))]
        members = [s for s in schools.values() if s.role == "member"
                   and s.school_id not in in_kept]
        full = [schools[g.leader] for g in kept if g.room == 0
                and schools[g.leader].role == "leader"]
        pairs, full_reach = [], set()
        for m in members:
            for lead in leaders + full:
                if not set(m.stages) <= set(lead.stages):
                    continue  # a primary leader for primary members; nine-year leads both
                if frozenset((lead.school_id, m.school_id)) in must_not:
                    continue
                km = distances.km(lead.school_id, m.school_id)
                if not _within(km, rules.max_km):
                    continue
                if lead in full:
                    full_reach.add(m.school_id)
                else:
                    pairs.append(_pair(lead, m, km, ratio, rules.km_weight))
        known = [p.km for p in pairs if p.km is not None]
        unknown_km = max(known) if known else None
        if unknown_km is not None:
            # an unknown distance costs what the farthest allowed pair costs: free, it would
            # make a school without coordinates everyone's first choice
            pairs = [replace(p, net=p.benefit - rules.km_weight * unknown_km) if p.km is None
                     else p for p in pairs]
        data = GroupInput(county, schools, pairs, rules.max_members, rules.coverage, [],
                          sum(s.pupils for s in schools.values()),
                          {s: x.name for s, x in schools.items()}, kept, full_reach,
                          unknown_km=unknown_km)
        data.must_pair = _must_pairs(data, rules)
        _teaching_points(data)
        out[county] = data
    return out


def _teaching_points(data: GroupInput) -> None:
    """教学点随所属中心校: a teaching point (a member school, not kept) goes with its central
    school when that school is in a group. Central school leading (a new leader, or a kept
    group's leader with room): a must-pair. Central school in a kept group: a must-pair with
    that group's leader. Central school a member: ``follow`` rows — x[l, t] ≥ x[l, p] for every
    leader l that may lead both, and p may join no leader the point cannot follow. Where the
    stage, distance or must-not rules (or the room of a group) leave the point no way to
    follow, it is said in ``notes`` and the point is left to the model alone."""
    kept = data.kept_of
    allowed = {(p.leader, p.member) for p in data.pairs}
    leaders_of: dict[str, set[str]] = {}
    for lead, m in allowed:
        leaders_of.setdefault(m, set()).add(lead)
    points: dict[str, list[str]] = {}
    for s in data.schools.values():
        if (s.school_type == "teaching_point" and s.parent in data.schools
                and s.role == "member" and s.school_id not in kept):
            points.setdefault(s.parent, []).append(s.school_id)
    must = list(data.must_pair)
    dropped: set[tuple[str, str]] = set()
    for parent, ts in sorted(points.items()):
        p = data.schools[parent]
        if parent in kept or p.role == "leader":
            lead = kept[parent].leader if parent in kept else parent
            able = [t for t in sorted(ts) if (lead, t) in allowed]
            if len(able) > data.room(lead) - sum(1 for a, _ in must if a == lead):
                able = []  # more points than the group has room for: none is forced
            for t in sorted(ts):
                if t in able:
                    must.append((lead, t))
                else:
                    data.notes.append(_cannot_follow(data, t, parent))
            continue
        if p.role != "member" or parent not in leaders_of:
            continue  # a central school that can join no group: nothing to follow
        both = set(leaders_of[parent])
        for t in sorted(ts):
            shared = both & leaders_of.get(t, set())
            if not shared:
                data.notes.append(_cannot_follow(data, t, parent))
                continue
            both = shared
            data.follow.append((t, parent))
        if any(t == f for f, _ in data.follow for t in ts):
            dropped |= {(lead, parent) for lead in leaders_of[parent] - both}
    data.must_pair = must
    if dropped:
        data.pairs = [p for p in data.pairs if (p.leader, p.member) not in dropped]


def _cannot_follow(data: GroupInput, point: str, parent: str) -> tuple[str, str]:
    t, p = data.schools[point], data.schools[parent]
    return (f"教学点 {t.name}（{point}）无法随所属中心校 {p.name} 进入同一集团（学段、距离、不得结对或"
            "集团名额不允许）：由方案单独安排",
            f"the teaching point {t.name} ({point}) cannot go with its central school "
            f"{p.name} (the stage, distance or must-not rules, or the group's room, forbid "
            "it): the plan places it on its own")


def _within(km: float | None, max_km: float | None) -> bool:
    """The distance rule: within ``max_km`` (inclusive, at the profile's tolerance); a school
    without coordinates is never within a limit."""
    return max_km is None or (km is not None and at_most(km, max_km, 1e-9))


def _kept_groups(keep: pl.DataFrame | None, schools: dict[str, School], distances: Distances,
                 ratio: dict[tuple[str, str], dict[str, float | None]], rules: GroupRules,
                 must_not: set[frozenset[str]], default_type: str) -> list[KeptGroup]:
    """The kept groups led by a school of this county (the table has kept each group within
    one county), in order of group id, with what each breaks of today's rules."""
    if keep is None or keep.height == 0:
        return []
    out = []
    rows = keep.filter(pl.col("school_id").is_in(list(schools)))
    for (gid,), frame in rows.sort("group_id").group_by("group_id", maintain_order=True):
        leader = frame.filter(pl.col("role") == "leader")["school_id"].item()
        members = tuple(sorted(frame.filter(pl.col("role") == "member")["school_id"]))
        lead = schools[leader]
        pairs, flags = [], {}
        for m in members:
            km = distances.km(leader, m)
            pairs.append(_pair(lead, schools[m], km, ratio, rules.km_weight))
            broken = []
            if not set(schools[m].stages) <= set(lead.stages):
                broken.append(("牵头学校没有本校的全部学段",
                               "the leader does not teach every stage this school teaches"))
            if rules.max_km is not None and km is None:
                broken.append((f"没有坐标，无法检查最远距离 {rules.max_km:g} km",
                               f"no coordinates, so the {rules.max_km:g} km limit cannot be "
                               "checked"))
            elif not _within(km, rules.max_km):
                broken.append((f"距离 {km:.1f} km，超过最远距离 {rules.max_km:g} km",
                               f"{km:.1f} km away, beyond the {rules.max_km:g} km limit"))
            if frozenset((leader, m)) in must_not:
                broken.append(("列为不得结对", "listed as a must-not pair"))
            if broken:
                flags[m] = tuple(broken)
        notes = []
        room = max(0, rules.max_members - len(members))
        name = frame["group_name"][0]
        called = f"{gid}（{name}）" if name else gid
        called_en = f"{gid} ({name})" if name else gid
        if len(members) > rules.max_members:
            notes.append((f"保留的集团 {called} 有 {len(members)} 所成员学校，多于每个集团最多 "
                          f"{rules.max_members} 所：保持原样，不再增加成员",
                          f"kept group {called_en} has {len(members)} member schools, more "
                          f"than the {rules.max_members} a group may have: kept as it is, with "
                          "no member added"))
        if lead.role != "leader":
            room = 0
            why = _why_not_lead(lead, rules)
            for m in members:  # every row of the group says it, not the terminal alone
                flags[m] = (*flags.get(m, ()), (f"牵头学校按现行规则不能牵头（{why[0]}）",
                                                f"the leader may not lead under today's rules "
                                                f"({why[1]})"))
            notes.append((f"保留的集团 {called} 的牵头学校 {lead.name} 按现行规则不能牵头"
                          f"（{_why_not_lead(lead, rules)[0]}）：保留原集团，不再增加成员",
                          f"kept group {called_en}: its leader {lead.name} may not lead under "
                          f"today's rules ({_why_not_lead(lead, rules)[1]}): the group is kept, "
                          "with no member added"))
        kind = frame["group_type"][0] or default_type
        out.append(KeptGroup(gid, leader, members, kind, name, room, tuple(pairs), flags,
                             tuple(notes)))
    return out


def _why_not_lead(school: School, rules: GroupRules) -> tuple[str, str]:
    if school.failing:
        return "未达到学校达标规则", "it fails the per-school rule"
    if school.location not in rules.leader_locations:
        return "不在可牵头的城乡分类中", "its location is not one that leads"
    return "未满足牵头条件", "it does not meet the leaders' conditions"


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
    kept = data.kept_of
    out, messages = [], []
    for a, b in rules.pairs("must_pair"):
        if a not in data.schools:
            continue  # another county's pair
        sa, sb = data.schools[a], data.schools[b]
        if (a, b) in allowed:
            out.append((a, b))
            continue
        if a in kept and kept[a] is kept.get(b):
            continue  # a kept pair: made already
        if b in kept or (a in kept and kept[a].leader != a):
            g = kept[b] if b in kept else kept[a]
            school = sb if b in kept else sa
            zh = f"{school.name}（{school.school_id}）已在保留的集团 {g.group_id} 中"
            en = f"{school.name} ({school.school_id}) is in the kept group {g.group_id}"
        elif a in kept and kept[a].room == 0:
            zh = f"{sa.name} 牵头的保留集团 {kept[a].group_id} 不再增加成员"
            en = f"the kept group {kept[a].group_id} {sa.name} leads takes no more members"
        elif sa.role != "leader" or sb.role != "member":
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
