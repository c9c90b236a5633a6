"""Geographic school districts (学区; issue 17): a county's schools partitioned into N
contiguous districts, each anchored on a school that may lead.

The neighbour graph (``plane`` → ``delaunay_edges`` → ``neighbour_graph``) → the problem data
per county (``DistrictInput``) → the model (``DistrictModel``, formulation in its docstring) →
the solve (``plan._milp``) → the tables (``DistrictPlan``) — orchestrated by ``plan_districts``.

**Why contiguity needs a graph.** "Contiguous" means: from every school of a district one can
walk to its anchor through schools of the same district, each step to a neighbouring school.
Neighbours are defined from the coordinates alone (no road or boundary data exists): the edges
of the Delaunay triangulation of the schools' positions, projected to a local plane (km;
equirectangular about the county's centre — within 0.5 % of great-circle km across 45 km).
On a Delaunay triangulation every school has a neighbour strictly closer to any other school
(greedy routing always succeeds: Bose & Morin, 2004), so any school can join any anchor's
district by "each school joins through a neighbour closer to the anchor": the compact
contiguity rows of ``DistrictModel`` never cut a school off from an anchor, and one district
is always possible. With several districts the rows keep each one "star-shaped" about its
anchor; that this always leaves a plan is not proven (the nearest-anchor split can break the
rows), but no county has been found where it does not — 20 000 random counties of 4–14 schools
on coarse grids and in general position, every anchor open, were all feasible. Were one to
arise, the diagnosis names contiguity.

The triangulation is computed here, exactly, in integer millimetres (Bowyer–Watson with ghost
triangles), rather than with ``scipy.spatial.Delaunay``: a county has a few hundred schools
(0.1 s here), integer predicates are exact where Qhull's floating point may misjudge the
collinear and co-circular positions that real data has (schools on one street, a teaching point
at its school's address), collinear counties need no special case, and the project gains no
35 MB dependency for one function.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import polars as pl

from junheng.errors import (
    InfeasiblePlan,
    InputError,
    NoPlanFound,
    PlanError,
    Problem,
    StandardError,
)
from junheng.model.dataset import Dataset
from junheng.plan._base import PlanResult, Progress, per_county
from junheng.plan._geo import Distances, haversine_km
from junheng.plan._milp import Milp, Solve, diagnose, solve_lexicographic
from junheng.plan.groups.input import GroupInput, School, _pair, ratios
from junheng.plan.groups.planner import group_problem
from junheng.plan.groups.solution import GROUP_SCHEMA, group_rows
from junheng.standards import Standard, load_standard
from junheng.standards.compare import at_most
from junheng.standards.plan_rules import DistrictRules, GroupRules

EARTH_KM = 6371.0  # as ``plan._geo.haversine_km``
MM_PER_KM = 1_000_000

Point = tuple[int, int]
GHOST = -1  # the vertex "at infinity" of a ghost triangle


# -- the neighbour graph ------------------------------------------------------------------------

def plane(coordinates: dict[str, tuple[float, float]]) -> dict[str, Point]:
    """Each school's position on a local plane, in whole millimetres: equirectangular about the
    centre of the schools' bounding box (x east, y north). Schools at identical coordinates
    get identical positions.

    >>> p = plane({"A": (29.5, 106.5), "B": (29.6, 106.5), "C": (29.5, 106.6)})
    >>> p["B"][1] - p["A"][1], p["A"][0] == p["B"][0]
    (11119492, True)
    """
    if not coordinates:
        return {}
    lats = [lat for lat, _ in coordinates.values()]
    lons = [lon for _, lon in coordinates.values()]
    lat0, lon0 = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    k = math.radians(1.0) * EARTH_KM * MM_PER_KM
    cos0 = math.cos(math.radians(lat0))
    return {s: (round((lon - lon0) * k * cos0), round((lat - lat0) * k))
            for s, (lat, lon) in coordinates.items()}


def _orient(a: Point, b: Point, c: Point) -> int:
    """Twice the signed area of abc: > 0 counter-clockwise, 0 collinear (exact)."""
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _in_circle(a: Point, b: Point, c: Point, d: Point) -> bool:
    """d strictly inside the circle through the counter-clockwise triangle abc (exact)."""
    ax, ay = a[0] - d[0], a[1] - d[1]
    bx, by = b[0] - d[0], b[1] - d[1]
    cx, cy = c[0] - d[0], c[1] - d[1]
    return ((ax * ax + ay * ay) * (bx * cy - cx * by) - (bx * bx + by * by) * (ax * cy - cx * ay)
            + (cx * cx + cy * cy) * (ax * by - bx * ay)) > 0


def _between(a: Point, b: Point, p: Point) -> bool:
    """p strictly between a and b, p on the line ab."""
    return min(a, b) < p < max(a, b)


def delaunay_edges(points: Sequence[Point]) -> set[tuple[int, int]]:
    """The edges (i, j), i < j, of a Delaunay triangulation of distinct integer points.

    Bowyer–Watson with ghost triangles: a hull edge (u, v) carries a ghost triangle whose
    "circumcircle" is the open half-plane beyond the edge plus the open segment uv, so no
    finite super-triangle can cut a hull edge off. Every predicate is exact (integers). Where
    four or more points are co-circular, one of the valid triangulations is returned. Collinear
    points give the path along the line.

    >>> sorted(delaunay_edges([(0, 0), (4, 0), (0, 3), (4, 3), (2, 1)]))
    [(0, 1), (0, 2), (0, 4), (1, 3), (1, 4), (2, 3), (2, 4), (3, 4)]
    >>> sorted(delaunay_edges([(0, 0), (2, 2), (1, 1)]))
    [(0, 2), (1, 2)]
    """
    n = len(points)
    if len(set(points)) != n:
        raise ValueError("delaunay_edges needs distinct points")
    order = sorted(range(n), key=lambda i: points[i])
    first = next((k for k in order[2:] if _orient(points[order[0]], points[order[1]],
                                                  points[k]) != 0), None)
    if first is None:  # every point on one line: the Delaunay graph is the path along it
        return {(min(i, j), max(i, j)) for i, j in itertools.pairwise(order)}
    a, b = order[0], order[1]
    if _orient(points[a], points[b], points[first]) < 0:
        a, b = b, a
    triangles = {(a, b, first), (b, a, GHOST), (first, b, GHOST), (a, first, GHOST)}
    triangles = {_canonical(t) for t in triangles}
    for p in order:
        if p in (a, b, first):
            continue
        cavity = [t for t in triangles if _conflicts(t, p, points)]
        boundary: dict[tuple[int, int], None] = {}
        for t in cavity:
            for e in ((t[0], t[1]), (t[1], t[2]), (t[2], t[0])):
                if (e[1], e[0]) in boundary:  # shared by two cavity triangles: interior
                    del boundary[(e[1], e[0])]
                else:
                    boundary[e] = None
        triangles.difference_update(cavity)
        triangles.update(_canonical((u, v, p)) for u, v in boundary)
    return {(min(i, j), max(i, j)) for t in triangles for i, j in ((t[0], t[1]), (t[1], t[2]),
                                                                     (t[2], t[0]))
            if i != GHOST and j != GHOST}


def _canonical(t: tuple[int, int, int]) -> tuple[int, int, int]:
    """A triangle rotated so that its ghost vertex, if any, comes last (orientation kept)."""
    while GHOST in t[:2]:
        t = (t[1], t[2], t[0])
    return t


def _conflicts(t: tuple[int, int, int], p: int, points: Sequence[Point]) -> bool:
    """Whether point p lies in t's circumcircle — for a ghost (u, v, ∞): strictly beyond the
    hull edge uv, or on the open segment uv."""
    if t[2] == GHOST:
        u, v = points[t[0]], points[t[1]]
        o = _orient(u, v, points[p])
        return o > 0 or (o == 0 and _between(u, v, points[p]))
    return _in_circle(points[t[0]], points[t[1]], points[t[2]], points[p])


def neighbour_graph(positions: dict[str, Point]) -> dict[str, tuple[str, ...]]:
    """Each school's neighbours (sorted ids): the schools at the positions adjacent to its own
    in the Delaunay triangulation, and every other school at its very position (a school and
    its teaching point at one address are neighbours, and share their neighbours).

    >>> g = neighbour_graph({"A": (0, 0), "B": (10, 0), "C": (0, 10), "D": (0, 10)})
    >>> g["A"], g["C"]
    (('B', 'C', 'D'), ('A', 'B', 'D'))
    """
    at: dict[Point, list[str]] = {}
    for s in sorted(positions):
        at.setdefault(positions[s], []).append(s)
    spots = sorted(at)
    out: dict[str, set[str]] = {s: set(at[positions[s]]) - {s} for s in positions}
    for i, j in delaunay_edges(spots):
        for s in at[spots[i]]:
            out[s].update(at[spots[j]])
        for s in at[spots[j]]:
            out[s].update(at[spots[i]])
    return {s: tuple(sorted(n)) for s, n in sorted(out.items())}


# -- the problem data ---------------------------------------------------------------------------

@dataclass
class DistrictInput:
    """One county's district problem, as plain data.

    ``candidates[a]``: the schools that can join anchor a's district — within ``max_km`` of a
    (great-circle; every school without a limit) and reachable from a through a chain of such
    schools, each a neighbour of the next and closer to a (a school that can join no other way
    gets no column). ``closer[a, s]``: s's neighbours among ``candidates[a]`` closer to a on
    the plane (a itself counts as closer to a than any school at its address).

    >>> from junheng.plan.groups.input import School
    >>> def school(sid, role, pupils):
    ...     return School(sid, sid, "urban", "primary", ("primary",), pupils, role, None, False)
    >>> schools = {"A": school("A", "leader", 100), "B": school("B", "member", 50),
    ...            "C": school("C", "leader", 80)}
    >>> data = DistrictInput.build("县", schools, {"A": (29.50, 106.50), "B": (29.51, 106.50),
    ...                            "C": (29.52, 106.50)}, districts=1)
    >>> data.anchors, data.candidates["A"], data.closer[("A", "C")]
    (['A', 'C'], ('A', 'B', 'C'), ('B',))
    """

    county: str
    schools: dict[str, School]  # by sorted id
    anchors: list[str]  # the schools that may lead, sorted
    districts: int
    position: dict[str, Point]
    neighbours: dict[str, tuple[str, ...]]
    km: dict[tuple[str, str], float]  # (anchor, school) -> great-circle km, candidates only
    candidates: dict[str, tuple[str, ...]]
    closer: dict[tuple[str, str], tuple[str, ...]]
    balance: Fraction | None = None
    max_km: float | None = None
    names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def build(cls, county: str, schools: dict[str, School],
              coordinates: dict[str, tuple[float, float]], districts: int,
              balance: Fraction | None = None, max_km: float | None = None) -> DistrictInput:
        """The data from the schools (their roles decided) and every school's coordinates."""
        schools = dict(sorted(schools.items()))
        position = plane({s: coordinates[s] for s in schools})
        neighbours = neighbour_graph(position)
        anchors = [s for s, x in schools.items() if x.role == "leader"]
        km: dict[tuple[str, str], float] = {}
        candidates: dict[str, tuple[str, ...]] = {}
        closer: dict[tuple[str, str], tuple[str, ...]] = {}

        def d2(p: str, q: str) -> int:
            (px, py), (qx, qy) = position[p], position[q]
            return (px - qx) ** 2 + (py - qy) ** 2

        for a in anchors:
            joined: set[str] = set()
            # nearest first, the anchor before any school at its address: a school joins
            # only through a neighbour already able to join
            for s in sorted(schools, key=lambda s, a=a: (d2(s, a), s != a, s)):
                k = haversine_km(*coordinates[a], *coordinates[s]) or 0.0
                if s != a and max_km is not None and not at_most(k, max_km, 1e-9):
                    continue
                via = tuple(j for j in neighbours[s] if j in joined
                            and (j == a or d2(j, a) < d2(s, a)))
                if s != a and not via:
                    continue
                joined.add(s)
                km[(a, s)] = k
                if s != a:
                    closer[(a, s)] = via
            candidates[a] = tuple(sorted(joined))
        return cls(county, schools, anchors, districts, position, neighbours, km, candidates,
                   closer, balance, max_km, {s: x.name for s, x in schools.items()})

    @property
    def pupils(self) -> int:
        return sum(x.pupils for x in self.schools.values())

    def bounds(self) -> tuple[Fraction, Fraction] | None:
        """The pupils a district may have with a balance b: [(1 − b)·P/N, (1 + b)·P/N]."""
        if self.balance is None:
            return None
        mean = Fraction(self.pupils, self.districts)
        return (1 - self.balance) * mean, (1 + self.balance) * mean


# -- the model ----------------------------------------------------------------------------------

# The rule families a diagnosis may relax, in the order it tries them, with their words.
FAMILIES: dict[str, tuple[str, str]] = {
    "balance": ("学区学生数均衡（--balance）", "the pupils' balance between districts (--balance)"),
    "contiguity": ("学区连片（每所学校经相邻且离中心更近的学校连到中心）",
                   "contiguity (each school joins through a neighbour closer to the anchor)"),
    "count": ("学区数（--districts）", "the number of districts (--districts)"),
}


class DistrictModel:
    r"""One county's contiguous school districts (学区) as a mixed-integer program: a
    pupil-weighted p-median with compact contiguity rows.

    **Sets.** Schools S; anchors A ⊆ S (schools that may lead: meeting the per-school rule in a
    leading location, or marked). nbr(s): s's neighbours — Delaunay neighbours on the local
    plane, and the schools at its very address. C_a ⊆ S: the schools that can join a's
    district — within ``max_km`` of a (all without a limit), reachable from a by the rows below
    (``DistrictInput.candidates``). pred(a, s) = {j ∈ nbr(s) ∩ C_a : d(j, a) < d(s, a)}, d the
    distance on the plane (a itself precedes the schools at its address).

    **Data.** P_s: the pupils of school s; P = Σ P_s; km(a, s): great-circle distance; N: the
    districts asked for; b: the balance, when given.

    **Variables.** y[a] ∈ {0, 1}: a anchors a district; x[a, s] ∈ {0, 1} for s ∈ C_a \ {a}:
    s is in a's district. x[a, a] is y[a] itself (an anchor is in its own district).

    **Constraints** (each family a helper below; a row is named ``family[key]``):

    - ``once[s]``: Σ_a x[a, s] = 1 — every school in exactly one district (an anchor that does
      not open is an ordinary school of another district);
    - ``open[a,s]``: x[a, s] ≤ y[a] — only an open anchor has a district (implied by the
      contiguity rows for whole numbers; kept because it tightens the relaxation: on 300
      schools and 10 districts, HiGHS proves the optimum in 3 s with these rows and had not
      in 600 s without them);
    - ``count[county]``: Σ_a y[a] = N;
    - ``contiguity[a,s]``: x[a, s] ≤ Σ_{j ∈ pred(a, s)} x[a, j] — each school joins through a
      neighbour closer to the anchor, so every district is connected through a tree of
      steps that always approach its anchor: the compact "predecessor" contiguity of Zoltners
      & Sinha (1983), discussed with exact contiguity models by Shirabe (2009). On a Delaunay
      graph every school has a neighbour strictly closer to any anchor, so without
      ``max_km`` every school can join every anchor (see the module's note on feasibility);
    - with a balance b: ``balance[a:min]`` and ``balance[a:max]``:
      (1 − b)·P/N · y[a] ≤ Σ_s P_s · x[a, s] ≤ (1 + b)·P/N · y[a].

    **Objective.** ``distance``: min Σ_{a, s} P_s · km(a, s) · x[a, s] — the pupil-weighted
    p-median: pupils near their district's anchor. Columns and rows are built in sorted-id
    order and solved on one thread with a fixed seed, so ties resolve the same way every run.

    Examples
    --------
    >>> from junheng.plan.groups.input import School
    >>> def school(sid, role, pupils):
    ...     return School(sid, sid, "urban", "primary", ("primary",), pupils, role, None, False)
    >>> schools = {"A": school("A", "leader", 100), "B": school("B", "member", 50),
    ...            "C": school("C", "leader", 80)}
    >>> data = DistrictInput.build("县", schools, {"A": (29.50, 106.50), "B": (29.51, 106.50),
    ...                            "C": (29.52, 106.50)}, districts=2)
    >>> model = DistrictModel(data)
    >>> sorted({name.split("[")[0] for name in model.milp.row_names})
    ['contiguity', 'count', 'once', 'open']
    >>> solve = solve_lexicographic(model.milp, model.objectives)
    >>> model.read(solve.solution)
    {'A': 'A', 'B': 'A', 'C': 'C'}
    """

    def __init__(self, data: DistrictInput) -> None:
        self.data = data
        self.milp = Milp()
        self.col: dict[tuple[str, str], int] = {}  # (anchor, school) -> column; (a, a) is y[a]
        for a in data.anchors:
            for s in data.candidates[a]:
                name = f"y[{a}]" if s == a else f"x[{a},{s}]"
                self.col[(a, s)] = self.milp.var(name, 0, 1, integer=True)
        self._once()
        self._open()
        self._count()
        self._contiguity()
        if data.balance is not None:
            self._balance()
        self.objectives: list[tuple[str, dict[int, float]]] = [(
            "distance", {c: data.schools[s].pupils * data.km[key]
                         for key, c in self.col.items() if (s := key[1]) != key[0]
                         and data.schools[s].pupils * data.km[key] != 0})]

    def _once(self) -> None:
        """Every school in exactly one district."""
        by_school: dict[str, dict[int, float]] = {}
        for (_, s), c in self.col.items():
            by_school.setdefault(s, {})[c] = 1.0
        for s in self.data.schools:
            self.milp.row(f"once[{s}]", by_school.get(s, {}), lower=1.0, upper=1.0)

    def _open(self) -> None:
        """A school joins only an anchor that opens."""
        for (a, s), c in self.col.items():
            if s != a:
                self.milp.row(f"open[{a},{s}]", {c: 1.0, self.col[(a, a)]: -1.0}, upper=0.0)

    def _count(self) -> None:
        """Exactly N districts."""
        n = float(self.data.districts)
        self.milp.row(f"count[{self.data.county}]",
                      {self.col[(a, a)]: 1.0 for a in self.data.anchors}, lower=n, upper=n)

    def _contiguity(self) -> None:
        """Each school joins through a neighbour closer to the anchor (``DistrictInput.closer``
        lists them; ``build`` gave a column only to schools with one)."""
        for (a, s), c in self.col.items():
            if s != a:
                terms = {c: 1.0}
                for j in self.data.closer[(a, s)]:
                    terms[self.col[(a, j)]] = -1.0
                self.milp.row(f"contiguity[{a},{s}]", terms, upper=0.0)

    def _balance(self) -> None:
        """Each open district's pupils within the balance around the mean P/N."""
        low, high = self.data.bounds()  # type: ignore[misc]
        for a in self.data.anchors:
            pupils = {self.col[(a, s)]: float(self.data.schools[s].pupils)
                      for s in self.data.candidates[a]}
            y = self.col[(a, a)]
            self.milp.row(f"balance[{a}:min]", {**pupils, y: pupils[y] - float(low)},
                          lower=0.0)
            self.milp.row(f"balance[{a}:max]", {**pupils, y: pupils[y] - float(high)},
                          upper=0.0)

    def read(self, solution: Sequence[float]) -> dict[str, str]:
        """Each school's anchor, by sorted school id."""
        return dict(sorted((s, a) for (a, s), c in self.col.items() if solution[c] > 0.5))

    def point(self, anchor_of: dict[str, str]) -> list[float]:
        """The full column vector of a plan given as school -> anchor."""
        values = [0.0] * self.milp.n_vars
        for s, a in anchor_of.items():
            values[self.col[(a, s)]] = 1.0
        return values


# -- the plan -----------------------------------------------------------------------------------

SCHOOL_SCHEMA = {
    "county": pl.String, "district": pl.Int64, "anchor_id": pl.String, "anchor_name": pl.String,
    "school_id": pl.String, "name": pl.String, "school_type": pl.String,
    "location": pl.String, "role": pl.String, "is_anchor": pl.Boolean, "km": pl.Float64,
    "pupils": pl.Int64, "failing": pl.Boolean,
}
DISTRICT_SCHEMA = {
    "county": pl.String, "district": pl.Int64, "anchor_id": pl.String, "anchor_name": pl.String,
    "schools": pl.Int64, "pupils": pl.Int64, "pupils_share": pl.Float64, "rural": pl.Int64,
    "failing": pl.Int64, "farthest_km": pl.Float64, "pupil_km": pl.Float64,
}
MEMBERSHIP_SCHEMA = {"group_id": pl.String, "school_id": pl.String, "role": pl.String,
                     "group_type": pl.String, "group_name": pl.String}
TIME_SHARES = {"distance": 1.0}


@dataclass
class DistrictPlan(PlanResult):
    """A school-district plan (学区划分).

    Tables (Polars):

    - ``schools``: one row per school: its district (numbered 1… in the order of the anchors'
      ids), the anchor, the great-circle km to it, pupils, and whether it fails the rule;
    - ``districts``: per district: schools, pupils and their share of the county, rural and
      failing schools, the farthest school and Σ pupils × km;
    - ``groups``: the districts as the groups table of ``plan_groups`` (``GROUP_SCHEMA``):
      a district is a group, its anchor the leader, every other school a member, with
      ``group_type`` "district" (学区); a district of its anchor alone has no row;
    - ``roles``: each school's role (leader, member, none) and why, as ``plan_groups``;
    - ``membership``: the districts in the 集团 table's form (``membership()``).
    """

    schools: pl.DataFrame | None = None
    districts: pl.DataFrame | None = None
    groups: pl.DataFrame | None = None
    roles: pl.DataFrame | None = None
    inputs: dict[str, DistrictInput] | None = None
    anchor_of: dict[str, dict[str, str]] | None = None  # county -> school -> anchor

    def tables(self) -> dict[str, pl.DataFrame]:
        return {"districts": self.districts, "schools": self.schools, "groups": self.groups,
                "roles": self.roles, "membership": self.membership()}

    def membership(self) -> pl.DataFrame:
        """The districts in the input ``groups`` table's form (``junheng.model.schema``
        GROUPS: group_id, school_id, role, group_type, group_name), every school in one: the
        anchor leads, the others are members, the type is "district" (学区). Group ids are
        学区01… (prefixed by the county when the data has several), so the table can be
        given back as today's groups (``--keep``) or as the rotation planner's scope.

        >>> import junheng
        >>> plan = plan_districts(junheng.generate_sample(schools=20, seed=3), year=2026,
        ...                       districts=2, time_limit=10)
        >>> m = plan.membership()
        >>> m.columns, m.filter(pl.col("role") == "leader").height, m.height
        (['group_id', 'school_id', 'role', 'group_type', 'group_name'], 2, 20)
        """
        schools = self.schools if self.schools is not None else pl.DataFrame(
            schema=SCHOOL_SCHEMA)
        several = schools["county"].n_unique() > 1
        rows = []
        for r in schools.iter_rows(named=True):
            gid, name = district_label(r["county"], r["district"], r["anchor_name"], several)
            rows.append({"group_id": gid, "school_id": r["school_id"],
                         "role": "leader" if r["is_anchor"] else "member",
                         "group_type": "district", "group_name": name})
        return pl.DataFrame(rows, schema=MEMBERSHIP_SCHEMA, orient="row")


def district_label(county: str, number: int, anchor_name: str, several: bool
                   ) -> tuple[str, str]:
    """A district's group id and name: 学区01 and 第1学区（anchor）, the id prefixed by the
    county when the data has several.

    >>> district_label("示例县", 3, "城关小学", False), district_label("甲县", 12, "一中", True)[0]
    (('学区03', '第3学区（城关小学）'), '甲县·学区12')
    """
    return (f"{county}·" if several else "") + f"学区{number:02d}", \
        f"第{number}学区（{anchor_name}）"


# The time limit a run has when none is given (the command line's --time-limit default): with a
# balance it is short for a few hundred schools, and a plan it stopped says so.
DEFAULT_TIME_LIMIT = 30.0


def plan_districts(dataset: Dataset, standard: Standard | str | Path = "quality-2017",
                   rules: DistrictRules | None = None, *, year: int | None = None,
                   time_limit: float = DEFAULT_TIME_LIMIT, seed: int = 0,
                   progress: Progress | None = None, **overrides: Any) -> DistrictPlan:
    """Partition each county's schools into ``districts`` contiguous school districts (学区),
    each anchored on a school that may lead; pupils as near their anchor as possible.

    ``rules``: the profile's ``districts:`` section by default (``DistrictRules``);
    ``overrides`` change single settings: ``districts`` (required — the profile has no
    default), ``balance`` (each district's pupils within ±balance of the county's mean per
    district; 0.2: between 80 % and 120 %), ``max_km`` (no school farther than this from its
    anchor, great-circle km), and who may anchor, with the groups' meaning
    (``leader_schools=`` marks 名校, ``leader_min_met``, ``leader_locations``). The model is
    stated on ``DistrictModel``. The data's own groups (集团 table) play no part.

    Time: on 300 schools, 10 or 30 districts are proven optimal in 2–3 s of CPU; with a
    balance the first plan takes 10–20 s and the proof about 45 s, so allow a ``time_limit``
    of a minute or two. A run stopped by the clock returns its best plan, not proven
    (``proven`` is False), with a warning when the limit was the default.

    Raises ``StandardError`` for a setting out of its range or no number of districts;
    ``InputError`` (located) for schools without coordinates or marked ids that name no
    school; ``InfeasiblePlan`` when a county has fewer anchors than districts, a school no
    anchor can reach, a school too large for the balance, or rules that cannot hold together
    (the binding one named); ``NoPlanFound`` when the time limit ran out before any plan.

    Examples
    --------
    >>> import junheng
    >>> plan = plan_districts(junheng.generate_sample(schools=20, seed=3), year=2026,
    ...                       districts=3, time_limit=10)
    >>> plan.districts["district"].to_list(), plan.districts["schools"].sum(), plan.proven
    ([1, 2, 3], 20, True)
    """
    started = time.perf_counter()
    say = progress or (lambda _: None)
    if not isinstance(standard, Standard):
        standard = load_standard(standard)
    rules = rules or standard.rules("districts")
    if overrides:
        rules = rules.replace(**overrides)
    districts, share = _request(rules)
    distances = _coordinates(dataset)
    say("评估现状 evaluating the county as it is…")
    # Roles as the groups planner decides them, from the districts' who-may-anchor settings;
    # the data's own groups are left out, so nothing is kept or redrawn (and the groups
    # planner's warnings, about kept groups and towns reached, do not apply).
    standard, group_rules, year, before, roles, inputs, _ = group_problem(
        dataclasses.replace(dataset, groups=None), standard, anchor_rules(standard, rules),
        year=year)
    warnings = _own_groups(dataset)
    data = {c: DistrictInput.build(c, inputs[c].schools, distances.coordinates, districts,
                                   share, rules.max_km) for c in inputs}
    messages = [m for c in data for m in _impossible(data[c])]
    if messages:
        raise InfeasiblePlan(messages[0][0], [m[1] for m in messages])

    def solve(county: str) -> tuple[DistrictModel, Solve]:
        return _solve_county(data[county], time_limit, seed,
                             lambda level: say(f"求解 solving {county}: {level}…"))

    solved = per_county(data, solve)
    anchor_of = {c: model.read(s.solution) for c, (model, s) in solved.items()}
    for c in data:
        _check(data[c], anchor_of[c])
    stopped = [c for c, (_, s) in solved.items() if not s.proven]
    if stopped:
        warnings.append(_stopped(stopped, time_limit, share is not None, data))
    ratio = ratios(before)
    groups = [_group_rows(inputs[c], data[c], anchor_of[c], ratio, group_rules, standard,
                          len(data) > 1) for c in data]
    return DistrictPlan(
        rules=rules, year=year, before=before, after=before, dataset_after=dataset,
        levels={c: s.levels for c, (_, s) in solved.items()}, warnings=warnings,
        seconds=time.perf_counter() - started,
        schools=pl.DataFrame([r for c in data for r in school_rows(data[c], anchor_of[c])],
                             schema=SCHOOL_SCHEMA, orient="row"),
        districts=pl.DataFrame([r for c in data for r in district_rows(data[c], anchor_of[c])],
                               schema=DISTRICT_SCHEMA, orient="row"),
        groups=pl.concat(groups) if groups else pl.DataFrame(
            schema={**GROUP_SCHEMA, "group_type": pl.String}),
        roles=roles, inputs=data, anchor_of=anchor_of)


def anchor_rules(standard: Standard, rules: DistrictRules) -> GroupRules:
    """The groups' rules that decide who may anchor a district: the profile's ``groups:``
    section with the districts' who-may-lead settings laid over it, and nothing of the groups'
    own pairing (no kept groups, pairs, distance or marked members), which districts do not
    use.

    >>> from junheng.standards import load_standard
    >>> std = load_standard("quality-2017")
    >>> g = anchor_rules(std, DistrictRules.build({"districts": 2, "leader_schools": ["S1"]}))
    >>> g.leader_schools, g.leader_locations, g.keep, g.max_km
    (('S1',), ('urban', 'town'), None, None)
    """
    return standard.rules("groups").replace(
        leader_schools=list(rules.leader_schools), leader_min_met=rules.leader_min_met,
        leader_locations=list(rules.leader_locations), member_schools=[], must_pair=[],
        must_not_pair=[], keep=None, max_km=None)


def _request(rules: DistrictRules) -> tuple[int, Fraction | None]:
    """The number of districts, which a run must give (the profile has none), and the
    balance as the exact fraction the user wrote (0.2 is 1/5, not the binary float nearest to
    it) — checked before anything is read (every range by ``DistrictRules``)."""
    if rules.districts is None:
        raise StandardError(["districts: 请用 --districts 给出学区数 / give the number of "
                             "districts with --districts"])
    share = None if rules.balance is None else Fraction(repr(float(rules.balance)))
    return rules.districts, share


def _own_groups(dataset: Dataset) -> list[tuple[str, str]]:
    """The data's own groups (集团 table), said to play no part: districts are drawn from the
    schools' positions, and the groups stay as they are."""
    own = dataset.groups
    if own is None or own.height == 0:
        return []
    n = own["group_id"].n_unique()
    return [(f"数据中已有 {n} 个集团（集团表）；学区按学校位置独立划分，与这些集团无关，也不改变它们",
             f"the data has {n} school group(s) (the groups table); the districts are drawn "
             "from the schools' positions independently of them, and change none of them")]


def _stopped(counties: list[str], time_limit: float, balanced: bool,
             data: dict[str, DistrictInput]) -> tuple[str, str]:
    """A plan the clock stopped: the best found, not proven optimal; with a balance and the
    default limit, the limit to allow instead."""
    names = "、".join(counties)
    names_en = ", ".join(counties)
    if balanced and time_limit == DEFAULT_TIME_LIMIT:
        schools = max(len(data[c].schools) for c in counties)
        return (f"{names}：按学生数均衡划分学区时，默认的 {time_limit:g} 秒时限对 {schools} 所学校偏短；"
                "本方案是时限内找到的最好方案，未证明最优。建议加 --time-limit 120 重新运行",
                f"{names_en}: with a pupils' balance the default {time_limit:g} s limit is short "
                f"for {schools} schools; this plan is the best found in time, not proven "
                "optimal. Run again with --time-limit 120")
    return (f"{names}：{time_limit:g} 秒时限到，本方案是时限内找到的最好方案，未证明最优；"
            "可用 --time-limit 延长求解时间",
            f"{names_en}: the {time_limit:g} s limit ran out; this plan is the best found in "
            "time, not proven optimal; allow more with --time-limit")


def _coordinates(dataset: Dataset) -> Distances:
    """Districts need every school placed: each school without coordinates is a problem located
    by its id and the empty column (the dataset keeps no sheet row to point at)."""
    distances = Distances.from_schools(dataset.schools)
    if not distances.missing:
        return distances
    missing = set(distances.missing)
    problems = []
    for r in (dataset.schools.select("school_id", "name", "latitude", "longitude")
              .filter(pl.col("school_id").is_in(sorted(missing))).sort("school_id")
              .iter_rows(named=True)):
        empty = [c for c, zh in (("latitude", "纬度"), ("longitude", "经度")) if r[c] is None]
        column = " / ".join(f"{zh} {c}" for c, zh in (("latitude", "纬度"),
                                                       ("longitude", "经度")) if c in empty)
        problems.append(Problem("学校 schools", None, column, r["school_id"],
                                f"{r['name']} 没有坐标：划分学区需要每所学校的经纬度",
                                f"{r['name']} has no coordinates: districts need every school "
                                "placed (latitude and longitude)"))
    raise InputError(problems)


def _impossible(data: DistrictInput) -> list[tuple[str, tuple[str, str]]]:
    """What makes a county's request impossible before any solve, each with its rule: too few
    anchors, schools no anchor can reach within ``max_km``, a school larger than the balance
    allows a whole district."""
    county, n = data.county, data.districts
    out = []
    if len(data.anchors) < n:
        out.append(("anchors", (
            f"{county}：可作学区中心的学校（牵头学校：达到学校达标规则的城镇学校，或指定的名校）只有 "
            f"{len(data.anchors)} 所，少于学区数 {n}；请减少学区数，或用 --leaders 指定更多牵头学校",
            f"{county}: only {len(data.anchors)} school(s) may anchor a district (leaders: "
            f"urban or town schools meeting the per-school rule, or marked), fewer than the "
            f"{n} districts asked; ask for fewer districts or mark more leaders with --leaders")))
    reached = {s for a in data.anchors for s in data.candidates[a]}
    lost = [s for s in data.schools if s not in reached]
    if lost and data.anchors:
        shown = "、".join(f"{data.names[s]}（{s}）" for s in lost[:10])
        shown_en = ", ".join(f"{data.names[s]} ({s})" for s in lost[:10])
        more, more_en = (f" 等 {len(lost)} 所", f" and {len(lost) - 10} more") \
            if len(lost) > 10 else ("", "")
        out.append(("max_km", (
            f"{county}：{shown}{more} 在 --max-km {data.max_km:g} km 之内没有可作学区中心的学校"
            f"（或只能隔着更远的学校相连）；请放宽 --max-km",
            f"{county}: {shown_en}{more_en} ha(s) no school that may anchor a district within "
            f"--max-km {data.max_km:g} km (or only through farther schools); allow a longer "
            f"--max-km")))
    bounds = data.bounds()
    if bounds is not None:
        big = [s for s, x in data.schools.items() if x.pupils > bounds[1]]
        for s in big:
            x = data.schools[s]
            out.append(("balance", (
                f"{county}：{x.name}（{s}）有 {x.pupils} 名学生，超过每个学区的上限 "
                f"{float(bounds[1]):.1f}（{n} 个学区平均 {data.pupils / n:.1f} 人的 "
                f"{float(1 + data.balance):.0%}）；请放宽 --balance 或减少学区数",  # type: ignore[operator]
                f"{county}: {x.name} ({s}) has {x.pupils} pupils, more than a district may "
                f"have ({float(bounds[1]):.1f}: {float(1 + data.balance):.0%} of the mean "  # type: ignore[operator]
                f"{data.pupils / n:.1f} over {n} districts); allow a wider --balance or fewer "
                f"districts")))
    return out


def _solve_county(data: DistrictInput, time_limit: float, seed: int,
                  progress: Progress) -> tuple[DistrictModel, Solve]:
    model = DistrictModel(data)
    solve = solve_lexicographic(model.milp, model.objectives, time_limit, seed,
                                shares=[TIME_SHARES[name] for name, _ in model.objectives],
                                progress=progress)
    if solve.solution is not None:
        return model, solve
    if solve.infeasible:
        raise _infeasible(model, time_limit)
    raise NoPlanFound.out_of_time(data.county, time_limit, ("学区方案", "district plan"))


def _infeasible(model: DistrictModel, time_limit: float) -> InfeasiblePlan:
    """Name the rules whose relaxation alone would give a plan (balance, contiguity, the
    number of districts)."""
    found = diagnose(model.milp, list(FAMILIES), time_limit=max(1.0, min(10.0, time_limit / 5)))
    d = model.data
    zh = "；".join(FAMILIES[f][0] for f in found.families) or "多项规则共同作用"
    en = "; ".join(FAMILIES[f][1] for f in found.families) or "several rules together"
    return InfeasiblePlan(found.families[0] if found.families else "combined", [(
        f"{d.county}：无法按要求划出 {d.districts} 个连片学区；放宽以下任一项即可：{zh}",
        f"{d.county}: {d.districts} contiguous districts cannot be drawn as asked; relaxing "
        f"any one of these would do: {en}")])


def _check(data: DistrictInput, anchor_of: dict[str, str]) -> None:
    """The plan read back from the solver, checked exactly against every rule (whole numbers
    and fractions, not the solver's tolerances); a break is a numerical failure, reported."""
    broken = []
    if sorted(anchor_of) != sorted(data.schools):
        broken.append("once")
    anchors = set(anchor_of.values())
    if len(anchors) != data.districts or any(anchor_of.get(a) != a for a in anchors):
        broken.append("count")
    for s, a in anchor_of.items():
        if s != a and not any(anchor_of.get(j) == a for j in data.closer.get((a, s), ())):
            broken.append(f"contiguity[{a},{s}]")
    bounds = data.bounds()
    if bounds is not None:
        for a in anchors:
            pupils = sum(data.schools[s].pupils for s, b in anchor_of.items() if b == a)
            if not bounds[0] <= pupils <= bounds[1]:
                broken.append(f"balance[{a}]")
    if broken:
        raise PlanError("numerical", [(
            f"{data.county}：求解器给出的学区方案不满足 {', '.join(broken[:5])}（数值问题）；请改变 --seed 重试",
            f"{data.county}: the solver's district plan breaks {', '.join(broken[:5])} (a "
            "numerical failure); try again with another --seed")])


def _numbers(anchor_of: dict[str, str]) -> dict[str, int]:
    """Districts numbered 1… in the order of their anchors' ids."""
    return {a: i + 1 for i, a in enumerate(sorted(set(anchor_of.values())))}


def school_rows(data: DistrictInput, anchor_of: dict[str, str]) -> list[dict]:
    """One row per school: its district and anchor, the km to it, pupils; by district, the
    anchor first, then by school id."""
    number = _numbers(anchor_of)
    rows = [{"county": data.county, "district": number[a], "anchor_id": a,
             "anchor_name": data.names[a], "school_id": s, "name": x.name,
             "school_type": x.school_type, "location": x.location, "role": x.role,
             "is_anchor": s == a, "km": data.km[(a, s)], "pupils": x.pupils,
             "failing": x.failing}
            for s, x in data.schools.items() for a in (anchor_of[s],)]
    return sorted(rows, key=lambda r: (r["district"], not r["is_anchor"], r["school_id"]))


def district_rows(data: DistrictInput, anchor_of: dict[str, str]) -> list[dict]:
    """One row per district: schools, pupils and their share, rural and failing schools, the
    farthest school's km and Σ pupils × km."""
    rows = []
    for a, number in _numbers(anchor_of).items():
        inside = [s for s, b in anchor_of.items() if b == a]
        pupils = sum(data.schools[s].pupils for s in inside)
        rows.append({
            "county": data.county, "district": number, "anchor_id": a,
            "anchor_name": data.names[a], "schools": len(inside), "pupils": pupils,
            "pupils_share": pupils / data.pupils if data.pupils else None,
            "rural": sum(data.schools[s].location == "rural" for s in inside),
            "failing": sum(data.schools[s].failing for s in inside),
            "farthest_km": max(data.km[(a, s)] for s in inside),
            "pupil_km": sum(data.schools[s].pupils * data.km[(a, s)] for s in inside)})
    return rows


def _group_rows(group: GroupInput, data: DistrictInput, anchor_of: dict[str, str],
                ratio: dict[tuple[str, str], dict[str, float | None]], rules: GroupRules,
                standard: Standard, several: bool) -> pl.DataFrame:
    """The districts as the groups table: anchor = leader, every other school a member (with
    what it lacks that the anchor has), group = district number, group_type "district"."""
    chosen = [_pair(group.schools[a], group.schools[s], data.km[(a, s)], ratio,
                    rules.km_weight) for s, a in anchor_of.items() if s != a]
    number = _numbers(anchor_of)
    label = {a: district_label(data.county, k, data.names[a], several)
             for a, k in number.items()}
    table = group_rows(group, sorted(chosen, key=lambda p: (p.leader, p.member)), standard)
    leader = pl.col("leader_id")
    return (table.with_columns(
        leader.replace_strict(number, return_dtype=pl.Int64).alias("group"),
        pl.lit("district").alias("group_type"),
        # where the groups table carries the 集团 table's id and name, the districts' own
        *([leader.replace_strict({a: x[0] for a, x in label.items()}, return_dtype=pl.String)
           .alias("group_id")] if "group_id" in table.columns else []),
        *([leader.replace_strict({a: x[1] for a, x in label.items()}, return_dtype=pl.String)
           .alias("group_name")] if "group_name" in table.columns else []))
            .sort("group", "member_id"))
