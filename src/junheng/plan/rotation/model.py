"""The rotation model: one county's MILP, built from its ``RotationInput``."""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from junheng.plan._milp import LevelResult, Milp
from junheng.plan.rotation.input import MERGED, Arc, RotationInput, Target, TeacherType, Unit

# The rule families a diagnosis may relax, in the order it tries them, with their words.
FAMILIES: dict[str, tuple[str, str]] = {
    "share": ("派出学校交流比例", "the sending school's rotation share"),
    "backbone": ("派出学校骨干教师比例", "the sending school's backbone share"),
    "group_share": ("集团交流比例", "the group's rotation share"),
    "group_backbone": ("集团骨干教师比例", "the group's backbone share"),
    "county_share": ("全县交流比例（第{item}项）", "the county's rotation share (item {item})"),
    "county_backbone": ("全县骨干教师比例（第{item}项）",
                        "the county's backbone share (item {item})"),
    "cap": ("每校调出上限（max_share）", "the cap per school (max_share)"),
    "protect": ("已达标学校不得变为不达标", "schools meeting the rule must keep it"),
    "subject": ("不得调走学校某学科唯一的教师", "no school loses its only teacher of a subject"),
}
OBJECTIVES: dict[str, tuple[str, str]] = {
    "groups": ("0 集团应派出人数缺口最少", "0 least shortfall of the groups' shares"),
    "rule": ("1 学校达标数最多", "1 most school–stages meeting the rule"),
    "shortfall": ("2 教师缺口最少", "2 least teacher shortfall"),
    "moves": ("3 交流人数最少", "3 fewest teachers moved"),
    "cv": ("4 差异系数最低（ΣCV²）", "4 lowest CVs (Σ CV²)"),
    "distance": ("5 总距离最短", "5 least total distance"),
}
# Each level's share of the time limit (what a level leaves unused passes on). The groups'
# level (scope group) is quickly proven, but stopped early it leaves a group reported short
# that could do more: a large share, which it rarely uses.
TIME_SHARES = {"groups": 3.0, "rule": 4.0, "shortfall": 2.0, "moves": 1.5, "cv": 1.5,
               "distance": 1.0}


@dataclass(frozen=True)
class Move:
    """A move column: teachers of ``type`` leaving along ``arc`` (``out``: sender → receiver;
    ``back``: receiver → sender, the other half of the exchange)."""

    arc: int
    type: int
    direction: str

    def source(self, arc: Arc) -> str:
        return arc.sender if self.direction == "out" else arc.receiver

    def dest(self, arc: Arc) -> str:
        return arc.receiver if self.direction == "out" else arc.sender


class RotationModel:
    r"""One county's teacher rotation as a mixed-integer program.

    **Sets.** Units u = (school, stage). Groups k: the standard's teacher indicators
    (qualified, backbone, PE/art in ``quality-2017``). Types τ: eligible teachers of one
    school–stage alike for every rule (groups, backbone, subject where it matters); they are
    interchangeable, so the model moves counts of types. Arcs a = (s, r, g): a sending school s
    and a receiving school r of the county that both teach stage g (within ``max_km``):
    town/urban or quality → village, weak, failing or central; and a central school → its own
    teaching points. With scope ``group`` the arcs are instead (s, r, g) for s the leader of a
    school group G whose type allows rotation and r one of G's members (any locations): the
    group decides who helps whom, and a school in no such group is on no arc.

    **Variables.** x[a, τ] ∈ ℤ≥0: teachers of type τ (at s) going to r; y[a, σ] ∈ ℤ≥0: teachers
    of type σ (at r) going to s in exchange. c[k, u] ≥ 0: teachers of group k at u after the
    moves. m[k, u], f[k, u], z[u] ∈ {0, 1}: u meets indicator k, reaches its floor (85 %), meets
    the per-school rule. short[k, u] ≥ 0 and v[k, u] ≥ 0: shortfall and variance term.

    **Constraints** (each family is a helper below; a row is named ``family[key]``):

    - ``once``: Σ over a of x[a, τ] + y[a, τ] ≤ e[τ], the eligible teachers of τ.
    - ``balance``: Σ_τ x[a, τ] = Σ_σ y[a, σ] for every arc — exchanges in pairs, so every
      school–stage keeps its headcount and its posts (编制).
    - ``count``: c[k, u] = n[k, u] − (group-k teachers leaving u) + (group-k teachers arriving).
    - ``needs``: c[k, u] ≥ lo + (N − lo)·m[k, u] and c[k, u] ≥ lo + (L − lo)·f[k, u], with
      N = the fewest teachers meeting the threshold inclusively (⌈threshold × pupils / 100⌉),
      L the same at 85 %, lo the lowest c can fall to (the tightest linear form of m = 1 ⇒ c ≥ N).
    - ``rule``: Σ_k m[k, u] + (facility indicators met) ≥ 6·z[u]; ``rule_floor``:
      z[u] ≤ f[k, u]; z[u] = 0 when a facility indicator is under its floor.
    - ``protect``: z[u] ≥ 1 for every unit meeting the rule now — no school that meets the
      rule may fail it, sending or receiving.
    - ``subject``: n[j, u] − (teachers of subject j leaving u) + (arriving) ≥ 1 wherever u has
      a teacher of j and could lose them all — any arriving teacher of j counts. Types keep
      their subject where their own school–stage could lose it; elsewhere subjects merge, and
      q[col, j] ∈ ℤ≥0 counts the teachers of j within a merged type's move (``arrive``:
      Σ_j q[col, j] ≤ col; ``arrive_of``: Σ_col q[col, j] ≤ the type's teachers of j — exactly
      the condition under which the moved teachers can be named so).
    - ``cap``: teachers leaving school s ≤ ⌈max_share × its full-time teachers⌉ − (already moved
      this year).
    - ``share`` (scope school): the teachers sending school s sends ≥ ⌈share × (its eligible
      + already moved)⌉ − already moved, the eligible being those who meet the conditions to
      rotate (符合交流条件); ``backbone``: Σ (b[τ] − backbone_share)·x ≥ backbone_share ×
      moved_before − backbone_before, i.e. backbone ≥ backbone_share × moved.
    - ``group_share`` and ``group_backbone`` (scope group): for every school group G whose type
      allows rotation and that has a member, the rows of ``share`` and ``backbone`` over the
      teachers G's leader sends (to its members — its only arcs), with the base its leader's
      eligible (and records); named by G's id. The share is soft: Σ x + gs[G] ≥ the share's
      count, gs[G] ∈ ℤ≥0 — a group whose members cannot take as many exchanges as its share
      asks (a lone teaching point) makes as many as the other rules allow, and says so,
      instead of making the county's plan impossible. The backbone row stays hard (it holds
      at any number of moves, none included).
    - ``county_share`` and ``county_backbone``: the county as the standard's item 11 counts it —
      every move, sent or returned, is a rotation of the year, and the base E is the teachers
      with item 11's tenure plus the rotated: R_before + M ≥ share × E after the plan, which is
      Σ_col (1 − share·[τ not in E before])·col ≥ share × E − R_before. Scope ``county`` adds
      the planner's share on the planner's eligible the same way.
    - A rural school's backbone teacher gets no column towards a town or urban school unless
      ``rural_backbone_to_towns``.

    **Objectives**, lexicographic (each held at the value reached while the next is optimised):

    0. ``groups`` (scope group, when a group has a share): min Σ_G gs[G] — the groups' shares
       come first, as the hard shares of scope school do: each group makes as many exchanges
       as it can, up to its share (the groups share no school, so the sum's optimum is each
       group's own most);
    1. ``rule``: max Σ_u z[u] — school–stages meeting the per-school rule;
    2. ``shortfall``: min Σ short[k, u], short ≥ N[k, u] − c[k, u] — teachers still missing;
    3. ``moves``: min Σ x — the fewest exchanges, so the fewest teachers moved (Σ (x + y) =
       2 Σ x): a plan an office can adopt;
    4. ``cv``: min Σ_{g,k} CV²[g, k] = Σ Σ_u (per·c[k, u] − X̄·P_u)² / (P_u · P_g · X̄²) —
       exact at integer c: the term φ(c) is convex, so v ≥ φ(a) + (φ(a+1) − φ(a))·(c − a) for
       every integer a in c's range makes v = φ(c) at the optimum. X̄ does not move: exchanges
       stay within the county and stage;
    5. ``distance``: min Σ km(s, r)·(x + y).

    The solver's values count only the school–stages a move can reach; ``in_county_terms``
    states each level for the whole county (school–stages meeting the rule, teachers short,
    teachers moved, Σ CV², km).

    Examples
    --------
    >>> import junheng
    >>> from junheng.plan.rotation.planner import rotation_problem
    >>> data = rotation_problem(junheng.generate_sample(schools=20, seed=3),
    ...                         year=2026).inputs["示例县"]
    >>> model = RotationModel(data)
    >>> [name for name, _ in model.objectives]
    ['rule', 'shortfall', 'moves', 'cv', 'distance']
    >>> sorted({name.split("[")[0] for name in model.milp.row_names})[:5]
    ['arrive', 'arrive_of', 'backbone', 'balance', 'cap']
    """

    def __init__(self, data: RotationInput) -> None:
        self.data = data
        self.milp = Milp()
        self.types: dict[int, TeacherType] = {t.key: t for t in data.types}
        self.moves: dict[int, Move] = {}  # column -> move
        self.moved_of: dict[int, int] = {}  # type -> its moved[τ] column
        self.types_at: dict[tuple[str, str], list[int]] = {}  # unit -> its types with columns
        self.arriving: dict[tuple[str, str], list[int]] = {}  # unit -> columns arriving
        self.counts: dict[tuple[str, str, str], int] = {}  # (group, school, stage) -> c
        self.met: dict[tuple[str, str, str], tuple[int, int]] = {}  # -> (m, f) columns
        self.rule: dict[tuple[str, str], int] = {}  # unit -> z
        self.short: dict[int, float] = {}
        self.short_of: dict[int, tuple[str, str, str]] = {}  # short column -> (group, unit)
        self.variance: dict[int, float] = {}
        self.secants: dict[int, tuple[int, int, float, float]] = {}  # v -> (c, students, X̄, per)
        self.arrivals: dict[tuple[int, str], int] = {}  # (move column, subject) -> q
        self.fixed_cv = 0.0  # Σ CV² of the counts no plan changes
        # gs[G] column -> (group id, its leader's type keys, moves its share still needs)
        self.group_short: dict[int, tuple[str, list[int], int]] = {}
        self._move_columns()
        self._balance()
        self._once()
        self._cap()
        for key, unit in data.units.items():
            if self.types_at.get(key) or self.arriving.get(key):
                self._unit(unit)
        self._arrivals()
        self._school_shares()
        self._group_shares()
        self._county_shares()
        self._untouched()
        self.objectives = [
            *([("groups", dict.fromkeys(self.group_short, 1.0))] if self.group_short else []),
            ("rule", {z: -1.0 for z in self.rule.values()}),
            ("shortfall", self.short),
            # the teachers moved are twice the exchanges: count exchanges, whose bound is whole
            ("moves", {col: 1.0 for col, mv in self.moves.items() if mv.direction == "out"}),
            ("cv", self.variance),
            ("distance", {col: km for col, m in self.moves.items()
                          if (km := data.arcs[m.arc].km)}),
        ]

    # -- columns ---------------------------------------------------------------------------

    def _move_columns(self) -> None:
        d = self.data
        by_unit: dict[tuple[str, str], list[TeacherType]] = {}
        for t in d.types:
            by_unit.setdefault((t.school_id, t.stage), []).append(t)

        def movers(source: str, dest: str, stage: str) -> list[TeacherType]:
            return [t for t in by_unit.get((source, stage), [])
                    if d.rural_backbone_to_towns or not t.backbone
                    or d.location[source] != "rural" or d.location[dest] == "rural"]

        self.arc_columns: dict[int, tuple[list[int], list[int]]] = {}
        for i, arc in enumerate(d.arcs):
            out = movers(arc.sender, arc.receiver, arc.stage)
            back = movers(arc.receiver, arc.sender, arc.stage)
            if not out or not back:
                continue  # an exchange needs a teacher on each side
            sides = []
            for direction, types, dest in (("out", out, arc.receiver),
                                           ("back", back, arc.sender)):
                cols = []
                for t in types:
                    col = self.milp.var(f"{'x' if direction == 'out' else 'y'}[{i},{t.key}]",
                                        0, t.eligible, integer=True)
                    self.moves[col] = Move(i, t.key, direction)
                    self.arriving.setdefault((dest, arc.stage), []).append(col)
                    cols.append(col)
                sides.append(cols)
            self.arc_columns[i] = (sides[0], sides[1])

    # -- constraint families ---------------------------------------------------------------

    def _balance(self) -> None:
        """Exchanges in pairs: as many come back along an arc as go."""
        for i, (out, back) in self.arc_columns.items():
            self.milp.row(f"balance[{i}]", {**dict.fromkeys(out, 1.0),
                                             **dict.fromkeys(back, -1.0)}, 0.0, 0.0)

    def _once(self) -> None:
        """Each eligible teacher moves at most once: moved[τ] = Σ of τ's columns ≤ e[τ]. The
        rows below count a type's departures through moved[τ], which keeps them short."""
        uses: dict[int, list[int]] = {}
        for col, m in self.moves.items():
            uses.setdefault(m.type, []).append(col)
        for key, cols in uses.items():
            t = self.types[key]
            total = self.milp.var(f"moved[{key}]", 0, float(t.eligible))
            self.moved_of[key] = total
            self.types_at.setdefault((t.school_id, t.stage), []).append(key)
            self.milp.row(f"once[{key}]", {total: 1.0, **dict.fromkeys(cols, -1.0)}, 0.0, 0.0)

    def _cap(self) -> None:
        """No school sends more than its cap away this year."""
        by_school: dict[str, list[int]] = {}
        for (school, _), keys in sorted(self.types_at.items()):
            by_school.setdefault(school, []).extend(self.moved_of[k] for k in keys)
        for school, cols in by_school.items():
            if school in self.data.cap:
                self.milp.row(f"cap[{school}]", dict.fromkeys(cols, 1.0),
                              upper=float(self.data.cap[school]))

    def _unit(self, u: Unit) -> None:
        """Counts, indicators, the per-school rule, subjects, shortfall and CV terms of u."""
        m, d = self.milp, self.data
        key = (u.school_id, u.stage)
        ins = self.arriving.get(key, [])
        out_eligible = self.types_at.get(key, [])
        met_cols, floor_cols = [], []
        for g in d.groups:
            k = g.key
            c = m.var(f"c[{k},{u.school_id},{u.stage}]")
            self.counts[(k, u.school_id, u.stage)] = c
            terms = {c: 1.0}
            for t in out_eligible:
                if k in self.types[t].groups:
                    terms[self.moved_of[t]] = 1.0
            for col in ins:
                if k in self.types[self.moves[col].type].groups:
                    terms[col] = -1.0
            m.row(f"count[{k},{u.school_id},{u.stage}]", terms, u.counts[k], u.counts[k])
            # c's range: a unit loses at most its eligible of group k, and gains at most as
            # many as leave it (exchanges keep its headcount).
            lo = max(0, u.counts[k] - sum(self.types[t].eligible for t in out_eligible
                                          if k in self.types[t].groups))
            hi = u.counts[k] + sum(self.types[t].eligible for t in out_eligible)
            m.lower[c], m.upper[c] = float(lo), float(hi)
            if u.students <= 0:
                continue
            thresholds = g.thresholds is not None
            if d.min_met is not None and thresholds:
                mk = m.var(f"m[{k},{u.school_id},{u.stage}]", 0, 1, integer=True)
                fk = m.var(f"f[{k},{u.school_id},{u.stage}]", 0, 1, integer=True)
                self.met[(k, u.school_id, u.stage)] = (mk, fk)
                for col, need in ((mk, u.needed[k]), (fk, u.floor[k])):
                    if need <= lo:  # met whatever moves: c never drops below lo
                        m.lower[col] = m.upper[col] = 1.0
                    elif need > hi:
                        m.upper[col] = 0.0
                    else:
                        m.row(f"needs[{m.names[col]}]", {c: 1.0, col: -float(need - lo)},
                              float(lo))
                met_cols.append(mk)
                floor_cols.append(fk)
            if thresholds:
                short = m.var(f"short[{k},{u.school_id},{u.stage}]")
                m.row(f"shortfall[{k},{u.school_id},{u.stage}]", {short: 1.0, c: 1.0},
                      lower=float(u.needed[k]))
                self.short[short] = 1.0
                self.short_of[short] = (k, u.school_id, u.stage)
            self._variance(u, g.key, g.per_students, c, lo, hi)
        if d.min_met is not None and u.students > 0:
            self._school_rule(u, met_cols, floor_cols)
        self._subjects(u, out_eligible, ins)

    def _school_rule(self, u: Unit, met_cols: list[int], floor_cols: list[int]) -> None:
        """z = 1 only if ≥ min_met indicators are met and every one reaches its floor;
        z = 1 required where the unit meets the rule now."""
        m = self.milp
        z = m.var(f"z[{u.school_id},{u.stage}]", 0, 1 if u.other_floors_ok else 0,
                  integer=True)
        self.rule[(u.school_id, u.stage)] = z
        for fk in floor_cols:
            m.row(f"rule_floor[{m.names[fk]}]", {z: 1.0, fk: -1.0}, upper=0.0)
        m.row(f"rule[{u.school_id},{u.stage}]",
              {**dict.fromkeys(met_cols, 1.0), z: -float(self.data.min_met or 0)},
              lower=-float(u.other_met))
        if u.meets_rule_now:
            m.row(f"protect[{u.school_id},{u.stage}]", {z: 1.0}, lower=1.0)

    def _subjects(self, u: Unit, out_types: list[int], ins: list[int]) -> None:
        """No school–stage loses its only teachers of a subject; any arrival of it counts —
        a type of that subject, or the teachers of it within an arriving merged type
        (``q[col, subject]``, see ``_arrivals``)."""
        for subject in sorted(u.at_risk):
            n = u.subjects.get(subject, 0)
            leaving = [self.moved_of[t] for t in out_types if self.types[t].subject == subject]
            if n < 1 or not leaving:
                continue
            terms = dict.fromkeys(leaving, -1.0)
            for c in ins:
                t = self.types[self.moves[c].type]
                if t.subject == subject:
                    terms[c] = 1.0
                elif t.subject == MERGED and t.subjects.get(subject, 0) > 0:
                    terms[self._arrival(c, subject)] = 1.0
            self.milp.row(f"subject[{u.school_id},{u.stage},{subject}]", terms,
                          lower=1.0 - n)

    def _arrival(self, col: int, subject: str) -> int:
        """q[col, subject]: teachers of ``subject`` among those of a merged type moving along
        ``col`` (their rows are added by ``_arrivals``)."""
        key = (col, subject)
        if key not in self.arrivals:
            t = self.types[self.moves[col].type]
            self.arrivals[key] = self.milp.var(f"q[{col},{subject}]", 0,
                                               min(t.eligible, t.subjects[subject]),
                                               integer=True)
        return self.arrivals[key]

    def _arrivals(self) -> None:
        """The teachers of a subject counted arriving in a merged type exist and are among
        those moving: Σ_j q[col, j] ≤ col, and Σ_col q[col, j] ≤ the type's teachers of j.
        Then the teachers can always be named so (those of each counted subject first)."""
        by_col: dict[int, dict[int, float]] = {}
        by_type: dict[tuple[int, str], dict[int, float]] = {}
        for (col, subject), q in self.arrivals.items():
            by_col.setdefault(col, {col: -1.0})[q] = 1.0
            by_type.setdefault((self.moves[col].type, subject), {})[q] = 1.0
        for col, terms in by_col.items():
            self.milp.row(f"arrive[{col}]", terms, upper=0.0)
        for (key, subject), terms in sorted(by_type.items()):
            self.milp.row(f"arrive_of[{key},{subject}]", terms,
                          upper=float(self.types[key].subjects[subject]))

    def _variance(self, u: Unit, k: str, per: float, c: int, lo: int, hi: int) -> None:
        """v ≥ the secants of φ(c) = (per·c − X̄·P)² / P, weighted 1/(P_g·X̄²)."""
        mean = self.data.county_value.get((u.stage, k))
        if not mean:  # the CV is undefined at X̄ = 0: nothing to lower
            return
        weight = 1.0 / (self.data.stage_pupils[u.stage] * mean * mean)
        if hi == lo:  # a count no plan changes: a constant
            self.fixed_cv += weight * phi(lo, u.students, mean, per)
            return
        m = self.milp
        v = m.var(f"v[{k},{u.school_id},{u.stage}]")
        self.variance[v] = weight
        self.secants[v] = (c, u.students, mean, per)
        for a in range(lo, hi):
            slope = phi(a + 1, u.students, mean, per) - phi(a, u.students, mean, per)
            m.row(f"secant[{k},{u.school_id},{u.stage},{a}]", {v: 1.0, c: -slope},
                  lower=phi(a, u.students, mean, per) - slope * a)

    def _school_shares(self) -> None:
        """Each sending school's share and backbone share: the teachers it sends out (a sending
        school only sends, so all its types' moves count)."""
        for school, target in self.data.school_targets.items():
            keys = [k for (s, _), ks in sorted(self.types_at.items()) if s == school for k in ks]
            self._share("share", "backbone", school, keys, target)

    def _group_shares(self) -> None:
        """Each rotating school group's shares (scope group): the teachers its leader sends —
        the leader sends only to its members, so all its types' moves count. The share is
        soft (gs[G], the first objective); its backbone row is not."""
        for gid, target in self.data.group_targets.items():
            leader = self.data.school_groups[gid].leader
            keys = [k for (s, _), ks in sorted(self.types_at.items()) if s == leader for k in ks]
            self._share("group_share", "group_backbone", gid, keys, target, soft=True)

    def _county_shares(self) -> None:
        """The county's shares: item 11 as the standard counts it, and the planner's own share
        with scope ``county``. Every move counts, sent or returned."""
        keys = sorted(self.moved_of)
        targets = [self.data.item11]
        if self.data.county_target is not None:
            targets.append(self.data.county_target)
        for i, target in enumerate(targets):
            self._share("county_share", "county_backbone",
                        self.data.county + ("" if i == 0 else "/scope"), keys, target,
                        grows=i == 0)

    def _share(self, share_family: str, backbone_family: str, key: str, types: list[int],
               target: Target, grows: bool = False, soft: bool = False) -> None:
        """moves ≥ share × base and backbone ≥ backbone_share × moves, the year's records
        included. ``grows``: a move of a teacher outside the base adds them to it (item 11
        counts the rotated in its base), so such a move counts 1 − share. ``soft``: the share
        row gets a shortfall column gs (whole moves, as a group's share counts)."""
        m = self.milp
        if types or target.required > 0:  # with no teachers, a required share is infeasible
            terms = {self.moved_of[k]: 1.0 if (self.types[k].counted or not grows)
                     else 1.0 - target.share for k in types}
            if all(v == 1.0 for v in terms.values()):  # whole moves: the whole number needed
                lower = float(target.required)
            else:
                rhs = target.share * target.base
                lower = rhs - target.tolerance * abs(rhs) - target.moved_before
            if soft and target.required > 0:
                short = m.var(f"gs[{key}]", 0, target.required, integer=True)
                self.group_short[short] = (key, list(types), target.required)
                terms[short] = 1.0
            m.row(f"{share_family}[{key}]", terms, lower=_clean(lower))
        terms = {self.moved_of[k]: (1.0 if self.types[k].backbone else 0.0)
                 - target.backbone_share for k in types}
        if terms:
            rhs = target.backbone_share * target.moved_before - target.backbone_before
            m.row(f"{backbone_family}[{key}]", terms, lower=_clean(rhs))

    def _untouched(self) -> None:
        """What the units no move reaches add to each level, unchanged by any plan."""
        d = self.data
        rule, short, cv = 0.0, 0.0, self.fixed_cv
        for key, u in d.units.items():
            if self.types_at.get(key) or self.arriving.get(key) or u.students <= 0:
                continue
            rule += bool(u.meets_rule_now)
            for g in d.groups:
                if g.thresholds is not None:
                    short += max(0, u.needed[g.key] - u.counts[g.key])
                mean = d.county_value.get((u.stage, g.key))
                if mean:
                    cv += phi(u.counts[g.key], u.students, mean, g.per_students) / (
                        d.stage_pupils[u.stage] * mean * mean)
        # county value = scale × solver value + offset
        self.terms = {"groups": (1.0, 0.0), "rule": (-1.0, rule), "shortfall": (1.0, short), "moves": (2.0, 0.0),
                      "cv": (1.0, cv), "distance": (1.0, 0.0)}

    def in_county_terms(self, level: LevelResult) -> LevelResult:
        """A level's value and bound for the whole county: school–stages meeting the rule,
        teachers short, teachers moved, Σ CV², km (the gap is the solver's, unchanged)."""
        scale, offset = self.terms.get(level.name, (1.0, 0.0))

        def county(v: float | None) -> float | None:
            return None if v is None or not math.isfinite(v) else scale * v + offset

        return replace(level, value=county(level.value), bound=county(level.bound))

    # -- reading and writing points --------------------------------------------------------

    def point(self, moved: dict[int, int]) -> list[float]:
        """The full column vector of a plan given as move counts (a start for the solver)."""
        d = self.data
        values = [0.0] * self.milp.n_vars
        for col, n in moved.items():
            values[col] = float(n)
            key = self.moves[col].type
            values[self.moved_of[key]] += n
        count: dict[tuple[str, str, str], int] = {}
        for (k, school, stage), col in self.counts.items():
            n = d.units[(school, stage)].counts[k]
            for t in self.types_at.get((school, stage), []):
                if k in self.types[t].groups:
                    n -= round(values[self.moved_of[t]])
            for c in self.arriving.get((school, stage), []):
                if k in self.types[self.moves[c].type].groups:
                    n += moved.get(c, 0)
            count[(k, school, stage)] = n
            values[col] = float(n)
        for (k, school, stage), (mk, fk) in self.met.items():
            u = d.units[(school, stage)]
            values[mk] = float(count[(k, school, stage)] >= u.needed[k])
            values[fk] = float(count[(k, school, stage)] >= u.floor[k])
        for (school, stage), z in self.rule.items():
            u = d.units[(school, stage)]
            met = sum(values[mk] for (k, s, g), (mk, _) in self.met.items()
                      if (s, g) == (school, stage))
            floors = all(values[fk] for (k, s, g), (_, fk) in self.met.items()
                         if (s, g) == (school, stage))
            values[z] = float(u.other_floors_ok and floors
                              and met + u.other_met >= (d.min_met or 0))
        for col, (k, school, stage) in self.short_of.items():
            values[col] = float(max(0, d.units[(school, stage)].needed[k]
                                    - count[(k, school, stage)]))
        for v, (c, students, mean, per) in self.secants.items():
            values[v] = phi(round(values[c]), students, mean, per)
        for col, (_, keys, required) in self.group_short.items():
            values[col] = float(max(0, required - sum(round(values[self.moved_of[k]])
                                                      for k in keys)))
        return values

    def read(self, solution: list[float]) -> dict[int, int]:
        """The move counts of a solution (columns with teachers moving)."""
        return {col: n for col in self.moves if (n := round(solution[col])) > 0}

    def subjects_arriving(self, solution: list[float]) -> dict[int, dict[str, int]]:
        """Per move column of a merged type: the teachers of each subject it must include."""
        out: dict[int, dict[str, int]] = {}
        for (col, subject), q in self.arrivals.items():
            if (n := round(solution[q])) > 0:
                out.setdefault(col, {})[subject] = n
        return out


def _clean(bound: float) -> float:
    """A row bound made of counts and decimal shares, without the float noise
    (0.2 × 5 − 1 = 2.2e-16) that HiGHS's presolve takes for a tiny, meaningful bound."""
    return round(bound, 9) + 0.0


def phi(a: float, students: int, mean: float, per: float) -> float:
    """A unit's variance term at ``a`` teachers: (per·a − X̄·P)² / P."""
    return (per * a - mean * students) ** 2 / students
