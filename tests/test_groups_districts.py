"""Contiguous school districts (学区, issue 17) against an independent checker.

The checker here recomputes everything from coordinates, pupils and roles alone, never calling
``junheng.plan``: the neighbour graph by brute force (an edge (i, j) is Delaunay iff some circle
through i and j has no other position strictly inside: a one-dimensional feasibility question
along the perpendicular bisector, solved in exact fractions), the local plane, the contiguity
rule (each school of a district has a neighbour in it strictly closer to the anchor, or the
anchor itself) and the plain connectivity of every district (BFS), the balance in fractions,
and the optimum by brute force over every choice of anchors and every assignment of the other
schools. Roles come from ``groups_checker`` (recomputed from the tables).
"""

from __future__ import annotations

import itertools
import math
import random
from collections import deque
from fractions import Fraction

import pytest

import junheng
from conftest import passing_teachers, school_row, stage_row
from groups_checker import County
from junheng.errors import InfeasiblePlan, InputError, StandardError
from junheng.plan._milp import solve_lexicographic
from junheng.plan.groups.districts import (
    DistrictInput,
    DistrictModel,
    delaunay_edges,
    neighbour_graph,
    plan_districts,
    plane,
)
from junheng.plan.groups.input import School
from rotation_checker import _haversine_km

YEAR = 2026

# -- the independent geometry -------------------------------------------------------------------


def empty_circle_edges(points: list[tuple]) -> set[tuple[int, int]]:
    """Every pair (i, j), i < j, with a circle through both and no other point strictly inside.

    Circles through i and j have their centre c(t) = m + t·n on the perpendicular bisector; a
    point k is strictly inside iff |c − k|² < |c − i|², which is linear in t: A_k + t·B_k < 0.
    The edge exists iff some t keeps every A_k + t·B_k ≥ 0 — an interval, in exact fractions."""
    out = set()
    pts = [(Fraction(x), Fraction(y)) for x, y in points]
    for i, j in itertools.combinations(range(len(pts)), 2):
        (xi, yi), (xj, yj) = pts[i], pts[j]
        mx, my, nx, ny = (xi + xj) / 2, (yi + yj) / 2, yi - yj, xj - xi
        low, high, ok = None, None, True
        for k, (xk, yk) in enumerate(pts):
            if k in (i, j):
                continue
            a = (mx - xk) ** 2 + (my - yk) ** 2 - (mx - xi) ** 2 - (my - yi) ** 2
            b = 2 * (nx * (xi - xk) + ny * (yi - yk))
            if b == 0:
                ok = ok and a >= 0
            elif b > 0:
                low = -a / b if low is None else max(low, -a / b)
            else:
                high = -a / b if high is None else min(high, -a / b)
        if ok and (low is None or high is None or low <= high):
            out.add((i, j))
    return out


def hull_points(points: list[tuple[int, int]]) -> int:
    """How many points lie on the convex hull's boundary (collinear ones included)."""
    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])
    chain = []
    for side in (sorted(points), sorted(points, reverse=True)):
        half: list = []
        for p in side:
            while len(half) >= 2 and cross(half[-2], half[-1], p) < 0:
                half.pop()
            half.append(p)
        chain += half[:-1]
    return len(set(chain))


def flat(coords: dict[str, tuple[float, float]]) -> dict[str, tuple[int, int]]:
    """Equirectangular about the bounding box's centre, in whole millimetres (the checker's
    own projection of the definition the module documents: exact predicates on both sides,
    so co-circular and equidistant positions are judged alike)."""
    lats = [c[0] for c in coords.values()]
    lons = [c[1] for c in coords.values()]
    lat0, lon0 = (min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2
    mm = math.pi / 180 * 6371.0 * 1e6
    return {s: (round((lon - lon0) * mm * math.cos(math.radians(lat0))),
                round((lat - lat0) * mm)) for s, (lat, lon) in coords.items()}


def graph(coords: dict[str, tuple[float, float]]) -> dict[str, set[str]]:
    """The neighbours: brute-force Delaunay edges between positions, and every school at the
    same position."""
    xy = flat(coords)
    spots = sorted(set(xy.values()))
    edges = empty_circle_edges(spots)
    out = {s: {t for t in xy if t != s and xy[t] == xy[s]} for s in xy}
    for s, t in itertools.permutations(xy, 2):
        i, j = sorted((spots.index(xy[s]), spots.index(xy[t])))
        if (i, j) in edges:
            out[s].add(t)
    return out


class Checker:
    """A county as the checker sees it: coordinates, pupils, the schools that may anchor."""

    def __init__(self, coords: dict[str, tuple[float, float]], pupils: dict[str, int],
                 anchors: set[str]) -> None:
        self.coords, self.pupils, self.anchors = coords, pupils, anchors
        self.nbr = graph(coords)
        self.xy = flat(coords)

    def km(self, a: str, s: str) -> float:
        return _haversine_km(*self.coords[a], *self.coords[s])

    def d2(self, a: str, s: str) -> int:
        (ax, ay), (sx, sy) = self.xy[a], self.xy[s]
        return (ax - sx) ** 2 + (ay - sy) ** 2

    def violations(self, anchor_of: dict[str, str], n: int, balance: Fraction | None = None,
                   max_km: float | None = None) -> list[str]:
        out = []
        if sorted(anchor_of) != sorted(self.coords):
            out.append("not every school in exactly one district")
        opened = set(anchor_of.values())
        if len(opened) != n:
            out.append(f"{len(opened)} districts, not {n}")
        for a in opened:
            if a not in self.anchors:
                out.append(f"{a} may not anchor")
            if anchor_of.get(a) != a:
                out.append(f"{a} is not in its own district")
            inside = {s for s, b in anchor_of.items() if b == a}
            seen, queue = {a}, deque([a])
            while queue:  # plain connectivity in the neighbour graph
                for t in self.nbr[queue.popleft()] & inside - seen:
                    seen.add(t)
                    queue.append(t)
            if seen != inside:
                out.append(f"district {a} not connected: {sorted(inside - seen)}")
            for s in inside - {a}:
                if not any(j == a or self.d2(j, a) < self.d2(s, a)
                           for j in self.nbr[s] & inside):
                    out.append(f"{s} joins {a} through no closer neighbour")
                if max_km is not None and self.km(a, s) > max_km:
                    out.append(f"{s} is {self.km(a, s)} km from {a}")
            if balance is not None:
                mean = Fraction(sum(self.pupils.values()), n)
                have = sum(self.pupils[s] for s in inside)
                if not (1 - balance) * mean <= have <= (1 + balance) * mean:
                    out.append(f"district {a} has {have} pupils")
        return out

    def cost(self, anchor_of: dict[str, str]) -> float:
        return sum(self.pupils[s] * self.km(a, s) for s, a in anchor_of.items())

    def brute_force(self, n: int, balance: Fraction | None = None,
                    max_km: float | None = None) -> list[tuple[float, dict[str, str]]]:
        """Every feasible plan with its cost, cheapest first (every anchor choice, every
        assignment of the other schools)."""
        plans = []
        for opened in itertools.combinations(sorted(self.anchors), n):
            others = [s for s in sorted(self.coords) if s not in opened]
            for choice in itertools.product(opened, repeat=len(others)):
                anchor_of = {**{a: a for a in opened}, **dict(zip(others, choice, strict=True))}
                if not self.violations(anchor_of, n, balance, max_km):
                    plans.append((self.cost(anchor_of), anchor_of))
        return sorted(plans, key=lambda p: p[0])


def assert_optimal(checker: Checker, anchor_of: dict[str, str], n: int,
                   balance: Fraction | None = None, max_km: float | None = None) -> None:
    """The plan breaks no rule and costs what the brute-force optimum costs (within the
    solver's proven relative gap, 10⁻⁶); when that optimum is unique, it is the same plan."""
    assert checker.violations(anchor_of, n, balance, max_km) == []
    plans = checker.brute_force(n, balance, max_km)
    best = plans[0][0]
    assert best <= checker.cost(anchor_of) <= best + 1e-6 * max(1.0, best)
    if len(plans) == 1 or plans[1][0] > best + 1e-6 * max(1.0, best):
        assert anchor_of == plans[0][1]


# -- the neighbour graph ------------------------------------------------------------------------


def test_a_hand_drawn_graph():
    """A rectangle with a point inside, near its lower edge: the point sees all four corners;
    of the two diagonals neither survives (the inner point is in both circles)."""
    points = [(0, 0), (4, 0), (0, 3), (4, 3), (2, 1)]
    assert delaunay_edges(points) == {(0, 1), (0, 2), (1, 3), (2, 3), (0, 4), (1, 4), (2, 4),
                                      (3, 4)}
    assert empty_circle_edges(points) == delaunay_edges(points)


def test_degenerate_positions_give_a_delaunay_triangulation():
    """Random small point sets on coarse grids (many collinear and co-circular positions): the
    edges are Delaunay edges (brute force), as many as a triangulation of the points has
    (3n − 3 − h, or n − 1 on one line), and every point has a neighbour strictly closer to any
    other point (greedy routing)."""
    rng = random.Random(17)
    for _ in range(300):
        grid = rng.choice([2, 3, 5, 1000])
        points = list({(rng.randint(0, grid), rng.randint(0, grid))
                       for _ in range(rng.randint(1, 9))})
        rng.shuffle(points)
        edges = delaunay_edges(points)
        assert edges <= empty_circle_edges(points), points
        n = len(points)
        on_a_line = all((points[1][0] - points[0][0]) * (p[1] - points[0][1])
                        == (points[1][1] - points[0][1]) * (p[0] - points[0][0])
                        for p in points) if n >= 2 else True
        assert len(edges) == (max(n - 1, 0) if on_a_line else 3 * n - 3 - hull_points(points))
        nbr = {i: set() for i in range(n)}
        for i, j in edges:
            nbr[i].add(j)
            nbr[j].add(i)
        for s, t in itertools.permutations(range(n), 2):
            assert any(math.dist(points[j], points[t]) < math.dist(points[s], points[t])
                       for j in nbr[s]), (points, s, t)


def test_the_square_keeps_one_diagonal():
    """Four co-circular corners: both diagonals are Delaunay edges, a triangulation has one."""
    points = [(0, 0), (10, 0), (10, 10), (0, 10)]
    assert empty_circle_edges(points) == {(0, 1), (1, 2), (2, 3), (0, 3), (0, 2), (1, 3)}
    edges = delaunay_edges(points)
    assert {(0, 1), (1, 2), (2, 3), (0, 3)} < edges and len(edges) == 5


def test_co_located_schools_are_neighbours_and_share_their_neighbours():
    positions = {"A": (0, 0), "B": (100, 0), "C": (0, 100), "T": (0, 100), "U": (0, 100)}
    g = neighbour_graph(positions)
    assert g["T"] == ("A", "B", "C", "U")
    assert g["C"] == ("A", "B", "T", "U")
    assert g["A"] == ("B", "C", "T", "U")


def test_the_plane_keeps_county_distances():
    """Over a county (45 km across), planar km are within 0.5 % of great-circle km."""
    rng = random.Random(3)
    coords = {f"S{i}": (29.3 + 0.4 * rng.random(), 106.3 + 0.4 * rng.random())
              for i in range(30)}
    xy = plane(coords)
    for a, b in itertools.combinations(sorted(coords), 2):
        planar = math.dist(xy[a], xy[b]) / 1e6
        assert planar == pytest.approx(_haversine_km(*coords[a], *coords[b]), rel=5e-3)


def test_the_graph_of_random_counties_is_the_brute_force_graph():
    """Schools in general position (and a few at one address): the module's neighbours are
    exactly the checker's."""
    rng = random.Random(5)
    for _ in range(10):
        coords = {f"S{i}": (29.4 + 0.2 * rng.random(), 106.4 + 0.2 * rng.random())
                  for i in range(rng.randint(3, 9))}
        coords["T0"] = coords["S0"]  # a teaching point at its school's address
        g = neighbour_graph(plane(coords))
        assert {s: set(n) for s, n in g.items()} == graph(coords)


# -- the model against brute force --------------------------------------------------------------


def _school(sid: str, role: str, pupils: int) -> School:
    return School(sid, sid, "rural", "primary", ("primary",), pupils, role, None, False)


def instance(seed: int) -> tuple:
    """A random tiny county (4–8 schools, some at one address, some without pupils), 1–3
    districts, with and without a balance and a distance limit."""
    rng = random.Random(seed)
    size = rng.randint(4, 8)
    coords = {f"S{i}": (29.45 + 0.1 * rng.random(), 106.45 + 0.1 * rng.random())
              for i in range(size)}
    if seed % 3 == 0:
        coords["S1"] = coords["S0"]
    pupils = {s: rng.choice([0, 40, 100, 250, 400]) for s in coords}
    anchors = set(rng.sample(sorted(coords), rng.randint(2, min(5, size))))
    n = rng.randint(1, min(3, len(anchors)))
    balance = [None, None, Fraction(1, 2), Fraction(3, 10)][seed % 4]
    max_km = 6.0 if seed % 5 == 4 else None
    return coords, pupils, anchors, n, balance, max_km


# seed 23: contiguity binds (see the next test); 4: the distance limit leaves no plan
@pytest.mark.parametrize("seed", [*range(14), 23])
def test_the_model_finds_the_brute_force_optimum(seed):
    coords, pupils, anchors, n, balance, max_km = instance(seed)
    checker = Checker(coords, pupils, anchors)
    schools = {s: _school(s, "leader" if s in anchors else "member", pupils[s])
               for s in coords}
    data = DistrictInput.build("县", schools, coords, n, balance, max_km)
    model = DistrictModel(data)
    solve = solve_lexicographic(model.milp, model.objectives, time_limit=10)
    if not checker.brute_force(n, balance, max_km):
        assert solve.solution is None
        return
    assert solve.proven
    anchor_of = model.read(solve.solution)
    assert_optimal(checker, anchor_of, n, balance, max_km)
    assert solve.levels[0].value == pytest.approx(checker.cost(anchor_of), rel=1e-9, abs=1e-9)


def test_contiguity_binds_on_seed_23():
    """On a complete graph the closer-neighbour rule is void (the anchor itself is a closer
    neighbour of all): there the balanced optimum is cheaper, so on seed 23 the contiguity
    rows decide the plan the previous test checks."""
    coords, pupils, anchors, n, balance, max_km = instance(23)
    checker = Checker(coords, pupils, anchors)
    contiguous = checker.brute_force(n, balance, max_km)[0][0]
    checker.nbr = {s: set(coords) - {s} for s in coords}
    assert checker.brute_force(n, balance, max_km)[0][0] < contiguous - 1


def test_every_anchor_open_still_leaves_a_plan():
    """The module's feasibility note, sampled: counties of 4–12 schools on coarse grids (many
    co-circular and collinear positions) and in general position, half their schools anchors,
    every anchor opening — the hardest case for the closer-neighbour rows. Each has a plan,
    and the checker finds it breaks no rule."""
    rng = random.Random(2017)
    for _ in range(60):
        grid = rng.choice([4, 8, 10**6])
        size = rng.randint(4, 12)
        coords = {f"S{i}": (29.4 + 0.2 * rng.randint(0, grid) / grid,
                            106.4 + 0.2 * rng.randint(0, grid) / grid) for i in range(size)}
        anchors = set(rng.sample(sorted(coords), rng.randint(2, max(2, size // 2))))
        schools = {s: _school(s, "leader" if s in anchors else "member", 1) for s in coords}
        model = DistrictModel(DistrictInput.build("县", schools, coords, len(anchors)))
        solve = solve_lexicographic(model.milp, [("feasible", {})], time_limit=10)
        assert solve.solution is not None, coords
        checker = Checker(coords, dict.fromkeys(coords, 1), anchors)
        assert checker.violations(model.read(solve.solution), len(anchors)) == []


def test_a_school_at_its_anchors_address_joins_through_the_anchor():
    """T shares A's address: no school is closer to A than T is (0 km), so T joins A's
    district through A itself; from C's side, T needs a neighbour strictly closer to C than
    its address, which A (at the same address) is not — B is."""
    coords = {"A": (29.50, 106.50), "T": (29.50, 106.50), "B": (29.50, 106.52),
              "C": (29.50, 106.54)}
    pupils = {"A": 100, "T": 20, "B": 50, "C": 100}
    schools = {s: _school(s, "leader" if s in "AC" else "member", pupils[s]) for s in coords}
    data = DistrictInput.build("县", schools, coords, 2)
    assert data.closer[("A", "T")] == ("A",)
    assert data.closer[("C", "T")] == ("B",)
    model = DistrictModel(data)
    anchor_of = model.read(solve_lexicographic(model.milp, model.objectives).solution)
    assert anchor_of["T"] == "A"
    assert_optimal(Checker(coords, pupils, {"A", "C"}), anchor_of, 2)


# -- the planner on a county read from a workbook -----------------------------------------------

#: id, type, location, lat, lon, pupils, parent — L* urban schools meeting the rule (anchors),
#: R* rural schools, T a teaching point at R2's address.
TINY = [("L1", "primary", "urban", 29.500, 106.500, 400, None),
        ("L2", "primary", "town", 29.540, 106.560, 300, None),
        ("L3", "primary", "urban", 29.470, 106.580, 250, None),
        ("R1", "primary", "rural", 29.520, 106.520, 120, None),
        ("R2", "primary", "rural", 29.560, 106.530, 90, None),
        ("T", "teaching_point", "rural", 29.560, 106.530, 15, "R2"),
        ("R3", "primary", "rural", 29.480, 106.540, 60, None),
        ("R4", "primary", "rural", 29.450, 106.610, 80, None)]


def county(xlsx, rows=TINY, missing=()):
    schools, stages, roster = [], [], []
    for sid, kind, location, lat, lon, pupils, parent in rows:
        extra = {} if sid in missing else {"latitude": lat, "longitude": lon}
        if parent:
            extra["parent_school_id"] = parent
        schools.append(school_row(sid, kind, location=location, **extra))
        stages.append(stage_row(sid, "primary", pupils))
        roster += passing_teachers(sid, "primary", pupils)
    return junheng.load(xlsx(schools=schools, stages=stages, teachers=roster))


def checker_of(ds) -> Checker:
    c = County(ds)
    roles = c.roles()
    coords = {s: (r["latitude"], r["longitude"]) for s, r in c.schools.items()}
    return Checker(coords, dict(c.pupils), {s for s, r in roles.items() if r == "leader"})


@pytest.mark.parametrize("n,balance", [(1, None), (2, None), (3, None), (2, 0.4), (3, 0.5)])
def test_the_plan_is_the_brute_force_optimum(xlsx, n, balance):
    ds = county(xlsx)
    checker = checker_of(ds)
    assert checker.anchors == {"L1", "L2", "L3"}
    plan = plan_districts(ds, year=YEAR, districts=n, balance=balance, time_limit=10)
    rows = plan.schools.to_dicts()
    anchor_of = {r["school_id"]: r["anchor_id"] for r in rows}
    exact = None if balance is None else Fraction(str(balance))
    assert_optimal(checker, anchor_of, n, exact)
    assert plan.proven
    # per school: km to the anchor, pupils; per district: sums by hand from those rows
    for r in rows:
        assert r["km"] == pytest.approx(checker.km(r["anchor_id"], r["school_id"]), rel=1e-12)
        assert r["pupils"] == checker.pupils[r["school_id"]]
        assert r["is_anchor"] == (r["school_id"] == r["anchor_id"])
    total = sum(checker.pupils.values())
    assert total == 1315
    for d in plan.districts.to_dicts():
        inside = [s for s, a in anchor_of.items() if a == d["anchor_id"]]
        assert d["schools"] == len(inside)
        assert d["pupils"] == sum(checker.pupils[s] for s in inside)
        assert d["pupils_share"] == pytest.approx(d["pupils"] / total)
        assert d["rural"] == sum(s[0] in "RT" for s in inside)
        assert d["farthest_km"] == pytest.approx(max(checker.km(d["anchor_id"], s)
                                                     for s in inside))
    assert plan.districts["district"].to_list() == list(range(1, n + 1))
    assert plan.districts["anchor_id"].to_list() == sorted(set(anchor_of.values()))
    # the groups table: a district is a group, its anchor the leader, the rest members
    g = plan.groups
    assert set(g["group_type"]) <= {"district"}
    assert sorted(zip(g["member_id"], g["leader_id"], strict=True)) == sorted(
        (s, a) for s, a in anchor_of.items() if s != a)
    number = dict(zip(plan.districts["anchor_id"], plan.districts["district"], strict=True))
    assert all(number[a] == k for a, k in zip(g["leader_id"], g["group"], strict=True))
    # the input groups table's form: every school once, the anchor leads its district
    m = plan.membership().to_dicts()
    assert sorted(r["school_id"] for r in m) == sorted(anchor_of)
    for r in m:
        anchor = anchor_of[r["school_id"]]
        assert r["group_id"] == f"学区{number[anchor]:02d}"
        assert r["role"] == ("leader" if r["school_id"] == anchor else "member")
        assert r["group_type"] == "district"


def test_the_teaching_point_goes_with_its_school_and_runs_repeat(xlsx):
    """T sits at R2's address: the two are neighbours, both a step from L2."""
    ds = county(xlsx)
    plan = plan_districts(ds, year=YEAR, districts=3, time_limit=10)
    anchor_of = dict(zip(plan.schools["school_id"], plan.schools["anchor_id"], strict=True))
    assert anchor_of["T"] == anchor_of["R2"]
    again = plan_districts(ds, year=YEAR, districts=3, time_limit=10)
    assert again.schools.equals(plan.schools) and again.districts.equals(plan.districts)


def test_a_marked_leader_anchors_a_fourth_district(xlsx):
    ds = county(xlsx)
    with pytest.raises(InfeasiblePlan) as caught:
        plan_districts(ds, year=YEAR, districts=4, time_limit=10)
    zh, en = caught.value.messages[0]
    assert caught.value.rule == "anchors"
    assert "只有 3 所，少于学区数 4" in zh and "--leaders" in zh
    assert "only 3 school(s) may anchor" in en and "4 districts" in en
    plan = plan_districts(ds, year=YEAR, districts=4, time_limit=10, leader_schools=("R4",))
    assert "R4" in set(plan.districts["anchor_id"])
    checker = checker_of(ds)
    checker.anchors.add("R4")
    anchor_of = dict(zip(plan.schools["school_id"], plan.schools["anchor_id"], strict=True))
    assert_optimal(checker, anchor_of, 4)


def test_who_may_anchor_is_the_districts_setting_with_the_groups_meaning(xlsx):
    """leader_locations urban only: L2 (a town school) may no longer anchor, so three districts
    need a third anchor; the groups' own section plays no part in who anchors."""
    ds = county(xlsx)
    with pytest.raises(InfeasiblePlan) as caught:
        plan_districts(ds, year=YEAR, districts=3, leader_locations=["urban"], time_limit=10)
    assert "只有 2 所，少于学区数 3" in caught.value.messages[0][0]
    plan = plan_districts(ds, year=YEAR, districts=2, leader_locations=["urban"], time_limit=10)
    assert set(plan.districts["anchor_id"]) == {"L1", "L3"}
    checker = checker_of(ds)
    checker.anchors.discard("L2")
    anchor_of = dict(zip(plan.schools["school_id"], plan.schools["anchor_id"], strict=True))
    assert_optimal(checker, anchor_of, 2)


def test_schools_without_coordinates_are_named(xlsx):
    ds = county(xlsx, missing=("R3", "T"))
    with pytest.raises(InputError) as caught:
        plan_districts(ds, year=YEAR, districts=2)
    problems = caught.value.problems
    assert [p.value for p in problems] == ["R3", "T"]
    for p in problems:
        assert p.table == "学校 schools"
        assert p.column == "纬度 latitude / 经度 longitude"
        assert "没有坐标" in p.expected_zh and "no coordinates" in p.expected_en


@pytest.mark.parametrize("kwargs,fragment", [
    ({"districts": 0}, "districts.districts: 应为 ≥ 1 的整数"),
    ({"districts": 2, "balance": -0.1}, "districts.balance: 应在 0–1 之间"),
    ({"districts": 2, "max_km": 0.0}, "must be a number > 0"),
    ({"districts": 2, "leaders": ["L1"]}, "districts.leaders: 未知参数 / unknown setting"),
    ({}, "请用 --districts 给出学区数 / give the number of districts with --districts")])
def test_a_bad_request_is_refused_before_anything_is_read(kwargs, fragment):
    """Every setting checked by its declaration (``DistrictRules``), and the number of
    districts, which the profile leaves to each run, asked for."""
    with pytest.raises(StandardError) as caught:
        plan_districts(None, **kwargs)  # type: ignore[arg-type]
    assert fragment in caught.value.problems[0]


def test_a_school_too_large_for_the_balance_is_named(xlsx):
    """1315 pupils in 3 districts: at most (1 + 0.1) × 1315 / 3 = 482.2 each; L1 has 400, so
    0.1 is fine for it — but with 4 districts (L1 marked with R4) the limit is 361.6."""
    ds = county(xlsx)
    with pytest.raises(InfeasiblePlan) as caught:
        plan_districts(ds, year=YEAR, districts=4, balance=0.1, leader_schools=("R4",))
    assert caught.value.rule == "balance"
    zh, en = caught.value.messages[0]
    assert "学校L1（L1）有 400 名学生" in zh and "361.6" in zh
    assert "L1 (L1) has 400 pupils" in en


def test_a_balance_the_contiguity_makes_impossible_is_diagnosed(xlsx):
    """Three schools on a line, A – B – C (anchors A and C, 10, 30, 10 pupils): two districts of
    20–30 pupils (balance 0.2 of 25) would need B split; dropping the balance rows alone gives
    a plan."""
    rows = [("A", "primary", "urban", 29.50, 106.50, 10, None),
            ("B", "primary", "rural", 29.50, 106.52, 30, None),
            ("C", "primary", "urban", 29.50, 106.54, 10, None)]
    ds = county(xlsx, rows)
    checker = checker_of(ds)
    assert checker.brute_force(2, Fraction(1, 5)) == []
    assert checker.brute_force(2)
    with pytest.raises(InfeasiblePlan) as caught:
        plan_districts(ds, year=YEAR, districts=2, balance=0.2, time_limit=10)
    assert caught.value.rule == "balance"
    zh, en = caught.value.messages[0]
    assert "学区学生数均衡" in zh and "balance" in en


def test_a_school_beyond_max_km_of_every_anchor_is_named(xlsx):
    ds = county(xlsx)
    checker = checker_of(ds)
    # R4 is nearest to L3; any limit below that distance leaves it without an anchor
    limit = min(checker.km(a, "R4") for a in checker.anchors) * 0.9
    with pytest.raises(InfeasiblePlan) as caught:
        plan_districts(ds, year=YEAR, districts=2, max_km=limit)
    assert caught.value.rule == "max_km"
    zh, en = caught.value.messages[0]
    assert "学校R4（R4）" in zh and "--max-km" in zh and "R4" in en
