"""The group model: one county's assignment MILP, built from its ``GroupInput``."""

from __future__ import annotations

from junheng.plan._milp import Milp
from junheng.plan.groups.input import GroupInput, Pair

# The rule families a diagnosis may relax, in the order it tries them, with their words.
FAMILIES: dict[str, tuple[str, str]] = {
    "must_pair": ("必须结对", "the must-pairs"),
    "capacity": ("每个集团最多成员学校数（max_members）", "the members per leader (max_members)"),
    "once": ("每所学校只加入一个集团", "a school in one group only"),
    "follow": ("教学点随所属中心校", "teaching points go with their central school"),
}
OBJECTIVES: dict[str, tuple[str, str]] = {
    "coverage": ("覆盖目标（未覆盖学生最少）", "coverage target (fewest pupils short)"),
    "members": ("入集团的成员学校最多", "most member schools in a group"),
    "benefit": ("帮扶收益减距离代价最大", "most benefit net of distance"),
}
TIME_SHARES = {"coverage": 1.0, "members": 1.0, "benefit": 1.0}


class GroupModel:
    r"""One county's school groups (集团化办学, 1+X 结对帮扶) as a mixed-integer program.

    **Sets.** Leaders l (schools meeting the per-school rule in every stage, in a leading
    location, or marked); members m (failing the rule, rural, central schools of teaching
    points, or marked); the two are disjoint. Pairs P ⊆ L × M: l teaches every stage m teaches
    (a primary leader for primary members; a nine-year or complete school leads both), km(l, m)
    ≤ ``max_km`` (when set), and {l, m} not a must-not pair.

    Kept groups K (``--keep``: today's groups, extended, not redrawn): each k with its leader
    l_k and members, fixed — they are data, not variables. S_K, the schools of the kept groups,
    are in no other group: no kept member is in M, no kept school is a new leader, and a kept
    leader l_k is in L only while the rules still let it lead and its group has fewer than
    ``max_members`` members; its capacity is then X_l = ``max_members`` − |members of k| (for
    any other leader X_l = ``max_members``). Kept pairs are not checked against the pair rules
    (they are flagged in the plan when they break them).

    **Data.** For a pair, over m's stages g and the indicators k with a threshold:
    benefit(l, m) = Σ_g Σ_k gap[m, g, k] · strength[l, g, k], where gap = max(0, 1 − value ÷
    threshold) (1 for a missing figure: it never passes) and strength = min(value ÷ threshold,
    2) of the leader — a member's need, weighted by how much the leader has of what it lacks.
    net(l, m) = benefit(l, m) − ``km_weight`` · km(l, m). A pair whose distance is unknown (a
    school without coordinates, no ``max_km``) is priced as the county's farthest known allowed
    pair, so a school without coordinates is never preferred for costing nothing.
    Teaching points F ⊆ M: a teaching point t (a member, not kept) with its central school
    p(t) (``parent_school_id``). When p(t) is a leader — new, or a kept group's — or in a kept
    group, (leader, t) is a must-pair; when p(t) is a member, t follows it: p(t) may join only
    leaders l with (l, t) ∈ P, and the ``follow`` rows below hold. A teaching point counts
    toward ``max_members`` like any member school (its leader's teachers serve it as a site
    of its own; the counties' 1+X lists name the teaching points). Where the rules leave t no
    way to follow p(t), t is left to the model alone (and the plan says so).
    P_s: the pupils of school s; P: the county's pupils; P_K = Σ_{s ∈ S_K} P_s, the pupils the
    kept groups cover whatever is added.

    **Variables.** x[l, m] ∈ {0, 1}: m joins l's group. With a coverage target, y[l] ∈ {0, 1}:
    l leads a new group (l ∈ L \ S_K), and s ≥ 0: the pupils short of the target.

    **Constraints** (each family a helper below; a row is named ``family[key]``):

    - ``once[m]``: Σ_l x[l, m] ≤ 1 — a school in at most one group (leaders are no members);
    - ``capacity[l]``: Σ_m x[l, m] ≤ X_l (1+X; a kept group's room);
    - ``must_pair[l,m]``: x[l, m] = 1 (a must-pair that is a kept pair is made already);
    - ``follow[t,l]``: x[l, t] ≥ x[l, p(t)] for a teaching point t that follows its central
      school p(t) — where p(t) joins, t joins too (with ``once[t]``, nowhere else); a point
      whose central school is in no group may still join a group on its own;
    - with a coverage target c: ``lead[l]``: y[l] ≤ Σ_m x[l, m] (a new leader counts only with
      a member) and ``coverage[county]``: s + Σ P_m·x[l, m] + Σ P_l·y[l] ≥ c · P − P_K.

    **Objectives**, lexicographic (each held at the value reached while the next is optimised):

    1. ``coverage`` (only with a target): min s — the target is an objective level, not a
       constraint, so an unreachable target gives the closest plan and the shortfall is
       reported, never "infeasible";
    2. ``members``: max Σ x — every member school that can have a leader within reach gets one;
    3. ``benefit``: max Σ net(l, m) · x[l, m].

    Without a coverage target, must-pairs or following teaching points the rows are those of a
    bipartite b-matching
    (``once`` ≤ 1, ``capacity`` ≤ X), whose constraint matrix is totally unimodular: the LP
    relaxation is integral, and a min-cost flow (source → member → leader → sink) gives the
    same optimum (the tests check both).

    Examples
    --------
    >>> from junheng.plan.groups.input import GroupInput, Pair, School
    >>> s = {"L": School("L", "甲", "urban", "primary", ("primary",), 300, "leader", "strong",
    ...                  False),
    ...      "M": School("M", "乙", "rural", "primary", ("primary",), 50, "member", "failing",
    ...                  True)}
    >>> model = GroupModel(GroupInput("县", s, [Pair("L", "M", 3.0, 0.5, 0.47, ())], 5, None,
    ...                               [], 350))
    >>> [name for name, _ in model.objectives], model.milp.row_names
    (['members', 'benefit'], ['once[M]'])
    """

    def __init__(self, data: GroupInput) -> None:
        self.data = data
        self.milp = Milp()
        self.x: dict[int, Pair] = {}  # column -> pair
        self.col: dict[tuple[str, str], int] = {}  # (leader, member) -> column
        self.lead: dict[str, int] = {}  # leader -> y
        self.short: int | None = None
        for p in data.pairs:
            c = self.milp.var(f"x[{p.leader},{p.member}]", 0, 1, integer=True)
            self.x[c] = p
            self.col[(p.leader, p.member)] = c
        self._once()
        self._capacity()
        self._must_pair()
        self._follow()
        if data.coverage is not None:
            self._coverage()
        self.objectives: list[tuple[str, dict[int, float]]] = []
        if self.short is not None:
            self.objectives.append(("coverage", {self.short: 1.0}))
        self.objectives += [("members", {c: -1.0 for c in self.x}),
                            ("benefit", {c: -p.net for c, p in self.x.items()})]

    def _by(self, side: str) -> dict[str, dict[int, float]]:
        out: dict[str, dict[int, float]] = {}
        for c, p in self.x.items():
            out.setdefault(getattr(p, side), {})[c] = 1.0
        return out

    def _once(self) -> None:
        """A member joins at most one group."""
        for member, terms in sorted(self._by("member").items()):
            self.milp.row(f"once[{member}]", terms, upper=1.0)

    def _capacity(self) -> None:
        """A leader leads at most ``max_members`` (the X of 1+X); a kept group's leader takes
        at most its room."""
        for leader, terms in sorted(self._by("leader").items()):
            room = self.data.room(leader)
            if len(terms) > room:  # fewer pairs than X: the row binds nothing
                self.milp.row(f"capacity[{leader}]", terms, upper=float(room))

    def _must_pair(self) -> None:
        """The pairs the user requires (checked to be allowed pairs when the input is built)."""
        for leader, member in self.data.must_pair:
            self.milp.row(f"must_pair[{leader},{member}]", {self.col[(leader, member)]: 1.0},
                          lower=1.0)

    def _follow(self) -> None:
        """A teaching point goes with its central school: x[l, t] ≥ x[l, p] for every leader l
        its central school may join (each of which may lead the point too)."""
        for point, parent in self.data.follow:
            for leader, member in sorted(self.col):
                if member == parent and (leader, point) in self.col:
                    self.milp.row(f"follow[{point},{leader}]",
                                  {self.col[(leader, point)]: 1.0,
                                   self.col[(leader, parent)]: -1.0}, lower=0.0)

    def _coverage(self) -> None:
        """y[l] ≤ Σ x[l, ·]; s + pupils in groups ≥ target × the county's pupils (the kept
        groups' pupils are covered already)."""
        d = self.data
        kept = d.kept_of
        terms: dict[int, float] = {}
        for leader, cols in sorted(self._by("leader").items()):
            if leader in kept:
                continue  # a kept leader is covered with its group
            y = self.milp.var(f"y[{leader}]", 0, 1, integer=True)
            self.lead[leader] = y
            self.milp.row(f"lead[{leader}]", {y: 1.0, **{c: -1.0 for c in cols}}, upper=0.0)
            terms[y] = float(d.schools[leader].pupils)
        for c, p in self.x.items():
            terms[c] = float(d.schools[p.member].pupils)
        self.short = self.milp.var(f"short[{d.county}]")
        terms[self.short] = 1.0
        self.milp.row(f"coverage[{d.county}]", terms,
                      lower=float(d.coverage or 0.0) * d.pupils - d.kept_pupils)

    def point(self, chosen: list[tuple[str, str]]) -> list[float]:
        """The full column vector of a plan given as (leader, member) pairs."""
        values = [0.0] * self.milp.n_vars
        for key in chosen:
            values[self.col[key]] = 1.0
        leading = {leader for leader, _ in chosen}
        for leader, y in self.lead.items():
            values[y] = float(leader in leading)
        if self.short is not None:
            d = self.data
            covered = d.kept_pupils + sum(d.schools[m].pupils for _, m in chosen) + sum(
                d.schools[lead].pupils for lead in leading - set(d.kept_of))
            values[self.short] = max(0.0, float(d.coverage or 0.0) * d.pupils - covered)
        return values

    def read(self, solution: list[float]) -> list[Pair]:
        """The pairs chosen, in a fixed order (leader, member)."""
        return sorted((p for c, p in self.x.items() if solution[c] > 0.5),
                      key=lambda p: (p.leader, p.member))
