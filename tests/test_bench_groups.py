"""The school-groups benchmark's own machinery (benchmarks/groups.py, section 8 of `make bench`):
the nearest-leader greedy, the rule check and the comparison with the MILP on a hand-made
county whose answers are worked out by hand below, and one quick run on a 20-school sample so
the section cannot rot silently."""

from __future__ import annotations

import importlib.util
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import junheng
from junheng.plan._milp import solve_lexicographic
from junheng.plan.groups import GroupModel
from junheng.plan.groups.input import GroupInput, Pair, School

BENCH = Path(__file__).resolve().parent.parent / "benchmarks" / "groups.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_groups", BENCH)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
        yield module
    finally:
        sys.modules.pop(spec.name, None)


def school(sid: str, location: str, pupils: int, role: str) -> School:
    return School(sid, sid, location, "primary", ("primary",), pupils, role, None,
                  role == "member")


def county(coverage: float | None = None, must_pair=()) -> GroupInput:
    """Two leaders taking one member each (1+1); M2 can only reach L1.

    pair    km  benefit  net
    L1:M1    2    0.9    0.88
    L2:M1    5    0.8    0.75
    L1:M2    3    0.6    0.57
    L2:M3    4    0.3    0.26
    Pupils: L1 500, L2 400, M1 100 (rural), M2 80 (rural), M3 60 (town); 1 140 in all.
    """
    schools = {s.school_id: s for s in (
        school("L1", "urban", 500, "leader"), school("L2", "town", 400, "leader"),
        school("M1", "rural", 100, "member"), school("M2", "rural", 80, "member"),
        school("M3", "town", 60, "member"))}
    pairs = [Pair("L1", "M1", 2.0, 0.9, 0.88, ()), Pair("L2", "M1", 5.0, 0.8, 0.75, ()),
             Pair("L1", "M2", 3.0, 0.6, 0.57, ()), Pair("L2", "M3", 4.0, 0.3, 0.26, ())]
    return GroupInput("县", schools, pairs, 1, coverage, list(must_pair), 1140)


def keys(pairs: list[Pair]) -> list[tuple[str, str]]:
    return [(p.leader, p.member) for p in pairs]


def solve(data: GroupInput) -> list[Pair]:
    model = GroupModel(data)
    result = solve_lexicographic(model.milp, model.objectives, 10.0)
    assert result.proven
    return model.read(result.solution)


def test_greedy_by_hand(bench):
    data = county()
    # Needs (the best benefit on offer): M1 0.9, M2 0.6, M3 0.3 — M1 first, takes the nearest
    # leader L1 (2 km < 5 km); M2 finds L1 full and has no other leader: unmatched; M3 → L2.
    assert bench.need(data) == {"M1": 0.9, "M2": 0.6, "M3": 0.3}
    assert keys(bench.greedy(data)) == [("L1", "M1"), ("L2", "M3")]
    # A must-pair is seated first: L1:M2; then M1 finds L1 full and goes to L2; M3 is left.
    assert keys(bench.greedy(county(must_pair=[("L1", "M2")]))) == [("L1", "M2"), ("L2", "M1")]
    # Room for two each: M1 and M2 both join L1 (nearest), M3 joins L2.
    roomy = county()
    roomy.max_members = 2
    assert keys(bench.greedy(roomy)) == [("L1", "M1"), ("L1", "M2"), ("L2", "M3")]


def test_violations_found(bench):
    data = county(must_pair=[("L1", "M2")])
    p = {(x.leader, x.member): x for x in data.pairs}
    assert bench.violations(data, [p["L1", "M2"], p["L2", "M1"]]) == []
    stray = Pair("L2", "M2", 1.0, 1.0, 1.0, ())  # M2 cannot reach L2
    assert bench.violations(data, [p["L1", "M1"], p["L2", "M1"], p["L1", "M2"], stray]) == [
        "not an allowed pair: L2:M2", "member M1 in 2 groups", "member M2 in 2 groups",
        "leader L1 leads 2 > 1", "leader L2 leads 2 > 1"]
    assert bench.violations(data, []) == ["must-pair L1:M2 not made"]


def test_comparison_by_hand(bench):
    data = county(coverage=0.95)  # target 0.95 × 1 140 = 1 083 pupils
    milp = solve(data)
    # Two leaders of one member each: at most two members. Of the three two-member plans
    # (L1:M1 + L2:M3 net 1.14, L1:M2 + L2:M1 net 1.32, L1:M2 + L2:M3 net 0.83) the second
    # covers the most pupils, 500 + 80 + 400 + 100 = 1 080 (3 short), and has the best net.
    assert keys(milp) == [("L1", "M2"), ("L2", "M1")]
    r = bench.compare(data, milp, bench.greedy(data))
    a, b = r["milp"], r["greedy"]
    assert (a["groups"], a["members"], a["pupils_in_groups"], a["rural_in_groups"]) == (
        2, 2, 1080, 2)
    assert (b["groups"], b["members"], b["pupils_in_groups"], b["rural_in_groups"]) == (
        2, 2, 1060, 1)  # L1, M1, L2, M3: 500 + 100 + 400 + 60
    assert (a["short"], b["short"]) == (3.0, 23.0)
    assert a["benefit"] == pytest.approx(1.4) and b["benefit"] == pytest.approx(1.2)
    assert a["net"] == pytest.approx(1.32) and b["net"] == pytest.approx(1.14)
    assert (a["km"], b["km"]) == (8.0, 6.0)
    assert a["pupils_share"] == pytest.approx(1080 / 1140)
    assert r["ratio"]["net"] == pytest.approx(1.32 / 1.14)
    assert r["ratio"]["rural_in_groups"] == 2.0 and r["milp_not_worse"] is True
    assert bench.figures(data, milp)["short"] == Fraction(3)  # exact, not 3.0000000000000x
    # The other way round the "MILP" is worse: the benchmark fails and says so.
    with pytest.raises(AssertionError, match="worse than the greedy"):
        bench.compare(data, bench.greedy(data), milp)
    # A plan breaking a rule fails too, before any comparison.
    p = {(x.leader, x.member): x for x in data.pairs}
    with pytest.raises(AssertionError, match="breaks the rules"):
        bench.compare(data, [p["L1", "M1"], p["L1", "M2"], p["L2", "M3"]], milp)


def test_printout_fits_80_columns(bench, tmp_path, capsys):
    """One round on a 20-school sample through the section's own entry points."""
    r = bench.run(junheng.write_sample(tmp_path / "tiny.xlsx", schools=20, seed=3), rounds=1)
    assert set(r["settings"]) == {key for key, *_ in bench.SETTINGS}
    for s in r["settings"].values():
        assert s["proven"] and s["compared"] and s["milp_not_worse"]
        assert s["load_plan_s"] > 0 and s["load_evaluate_s"] > 0
        assert [lv["status"] for lv in s["levels"]] == ["optimal"] * len(s["levels"])
        assert s["milp"]["members"] <= s["milp"]["members_possible"] <= s["members"]
    assert [lv["objective"] for lv in r["settings"]["max_km_30_coverage_0_8"]["levels"]] == [
        "coverage", "members", "benefit"]
    bench.report(r)
    out = capsys.readouterr().out.splitlines()
    assert out and all(bench.width(line) <= 80 for line in out), max(out, key=bench.width)
    assert any("贪心 greedy" in line for line in out)
    assert bench.width("贪心 ab") == 7
