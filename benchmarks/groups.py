"""School-groups benchmark (section 8 of `make bench`, or alone: `python benchmarks/run.py --only
groups`, or `python benchmarks/groups.py [ROUNDS] [COUNTY.xlsx]`).

Issue 17: "300 schools: time to optimum; benefit and coverage against a nearest-leader greedy."
The 300-school county of section 1 (build/bench/county-300.xlsx, seeded; every school has
coordinates, so distances count and ``max_km`` applies), planned with two settings: the profile's
defaults, and ``--max-km 30 --coverage 0.8`` (the issue's example). For each:

(a) ``plan_groups``: load + plan, its time to the proven optimum (every lexicographic level
    optimal) and each level's time, against load + evaluate (the ratio base), alternating, the
    median of the rounds;
(b) a nearest-leader greedy, the way a bureau draws groups by hand, on the same allowed pairs
    (``group_problem``'s, kept on the plan as ``plan.inputs``): member schools in order of need (the most benefit any allowed leader
    offers them first, ties by id) each join the nearest allowed leader with room (fewer than
    ``max_members``), else stay unmatched; the must-pairs, if any, are seated first;
(c) both plans side by side, with the ratio MILP / greedy: member schools placed, the pupils'
    share and the rural schools in a group, total benefit, net (benefit − km_weight · km) and
    km. Both are checked against the rules here (each member once, capacity, allowed pairs
    only, must-pairs), and the MILP must be no worse than the greedy on its own lexicographic
    objective (pupils short of the coverage target, then members, then net) — the benchmark
    fails otherwise.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
import unicodedata
from fractions import Fraction
from pathlib import Path
from typing import Any

import junheng
from junheng.plan.groups import plan_groups
from junheng.plan.groups.input import GroupInput, Pair

COUNTY = Path(__file__).resolve().parent.parent / "build" / "bench" / "county-300.xlsx"
# (key, Chinese label, English label, the overrides given to plan_groups)
SETTINGS: tuple[tuple[str, str, str, dict[str, Any]], ...] = (
    ("defaults", "默认设置", "defaults", {}),
    ("max_km_30_coverage_0_8", "--max-km 30 --coverage 0.8", "the issue's example",
     {"max_km": 30.0, "coverage": 0.8}),
)
TIME_LIMIT_S = 60.0
# HiGHS proves optimality within a relative gap of 1e-6 (plan._milp); the net is compared so.
NET_TOLERANCE = 1e-6
WIDTH = 80


def need(data: GroupInput) -> dict[str, float]:
    """Each member's need as the greedy ranks it: the most benefit an allowed leader offers.

    >>> from junheng.plan.groups.input import GroupInput, Pair, School
    >>> s = {i: School(i, i, "rural", "primary", ("primary",), 10, "member", None, True)
    ...      for i in ("M1", "M2")}
    >>> data = GroupInput("县", s, [Pair("L", "M1", 1.0, 0.5, 0.49, ()),
    ...                            Pair("K", "M1", 2.0, 0.7, 0.68, ())], 5, None, [], 20)
    >>> need(data)
    {'M1': 0.7}
    """
    out: dict[str, float] = {}
    for p in data.pairs:
        out[p.member] = max(out.get(p.member, -math.inf), p.benefit)
    return out


def greedy(data: GroupInput) -> list[Pair]:
    """The nearest-leader greedy: the must-pairs first; then the members, neediest first (ties
    by id), each joins the nearest allowed leader with room (ties by the leader's id; a pair
    without a distance counts as farthest), else stays unmatched. Returns the pairs chosen,
    sorted (leader, member).

    >>> from junheng.plan.groups.input import GroupInput, Pair, School
    >>> s = {i: School(i, i, "rural", "primary", ("primary",), 10, "member", None, True)
    ...      for i in ("M1", "M2")}
    >>> pairs = [Pair("L", "M1", 1.0, 0.9, 0.89, ()), Pair("L", "M2", 2.0, 0.5, 0.48, ()),
    ...          Pair("K", "M2", 9.0, 0.5, 0.41, ())]
    >>> [(p.leader, p.member) for p in greedy(GroupInput("县", s, pairs, 1, None, [], 20))]
    [('K', 'M2'), ('L', 'M1')]
    """
    by_member: dict[str, list[Pair]] = {}
    for p in data.pairs:
        by_member.setdefault(p.member, []).append(p)
    index = {(p.leader, p.member): p for p in data.pairs}
    chosen = [index[key] for key in data.must_pair]
    seated = {p.member for p in chosen}
    load: dict[str, int] = {}
    for p in chosen:
        load[p.leader] = load.get(p.leader, 0) + 1
    needs = need(data)
    for member in sorted(needs, key=lambda m: (-needs[m], m)):
        if member in seated:
            continue
        options = sorted(by_member[member], key=lambda p: (
            p.km is None, p.km if p.km is not None else 0.0, p.leader))
        for p in options:
            if load.get(p.leader, 0) < data.max_members:
                chosen.append(p)
                seated.add(member)
                load[p.leader] = load.get(p.leader, 0) + 1
                break
    return sorted(chosen, key=lambda p: (p.leader, p.member))


def violations(data: GroupInput, chosen: list[Pair]) -> list[str]:
    """Every rule a plan breaks (empty: none), checked from the input alone: only allowed pairs
    (a leader leading a member), each member in one group at most, no leader over
    ``max_members``, every must-pair made."""
    allowed = {(p.leader, p.member) for p in data.pairs}
    out = []
    seen: dict[str, int] = {}
    load: dict[str, int] = {}
    for p in chosen:
        if (p.leader, p.member) not in allowed:
            out.append(f"not an allowed pair: {p.leader}:{p.member}")
        if data.schools[p.leader].role != "leader" or data.schools[p.member].role != "member":
            out.append(f"roles: {p.leader}:{p.member}")
        seen[p.member] = seen.get(p.member, 0) + 1
        load[p.leader] = load.get(p.leader, 0) + 1
    out += [f"member {m} in {n} groups" for m, n in sorted(seen.items()) if n > 1]
    out += [f"leader {lead} leads {n} > {data.max_members}" for lead, n in sorted(load.items())
            if n > data.max_members]
    made = {(p.leader, p.member) for p in chosen}
    out += [f"must-pair {a}:{b} not made" for a, b in data.must_pair if (a, b) not in made]
    return out


def figures(data: GroupInput, chosen: list[Pair]) -> dict[str, Any]:
    """A plan's figures, counted here from the input (not by the planner's tables): member
    schools placed; pupils in a group (a leader counts once it leads) and their share; rural
    schools in a group; pupils short of the coverage target (exact, as a fraction of the target
    written in decimals); total benefit, net and km."""
    leaders = {p.leader for p in chosen}
    inside = leaders | {p.member for p in chosen}
    pupils = sum(data.schools[s].pupils for s in inside)
    target = None if data.coverage is None else Fraction(str(data.coverage)) * data.pupils
    short = Fraction(0) if target is None else max(Fraction(0), target - pupils)
    return {
        "groups": len(leaders), "members": len(chosen), "members_possible": len(need(data)),
        "member_schools": len(data.members), "pupils_in_groups": pupils,
        "pupils": data.pupils, "pupils_share": pupils / data.pupils if data.pupils else None,
        "rural_in_groups": sum(1 for s in inside if data.schools[s].location == "rural"),
        "rural": sum(1 for s in data.schools.values() if s.location == "rural"),
        "short": short,
        "benefit": sum(p.benefit for p in chosen), "net": sum(p.net for p in chosen),
        "km": sum(p.km or 0.0 for p in chosen),
    }


def not_worse(milp: dict[str, Any], hand: dict[str, Any]) -> bool:
    """The MILP's plan is no worse than the greedy's on the MILP's own lexicographic objective:
    fewer pupils short of the target, or as few and more members, or as many and at least the
    net (within the solver's proven gap).

    >>> a = {"short": 0, "members": 3, "net": 1.0}
    >>> not_worse(a, {**a, "members": 4}), not_worse(a, {**a, "short": 5, "members": 4})
    (False, True)
    >>> not_worse(a, {**a, "net": 1.0 + 1e-9}), not_worse(a, {**a, "net": 1.1})
    (True, False)
    """
    if milp["short"] != hand["short"]:
        return milp["short"] < hand["short"]
    if milp["members"] != hand["members"]:
        return milp["members"] > hand["members"]
    return milp["net"] >= hand["net"] - NET_TOLERANCE * max(1.0, abs(hand["net"]))


def milp_pairs(plan, data: GroupInput) -> list[Pair]:
    """The pairs the planner chose, read back from its ``groups`` table."""
    index = {(p.leader, p.member): p for p in data.pairs}
    rows = plan.groups.filter(plan.groups["county"] == data.county)
    return sorted((index[(r["leader_id"], r["member_id"])] for r in rows.iter_rows(named=True)),
                  key=lambda p: (p.leader, p.member))


def compare(data: GroupInput, milp: list[Pair], hand: list[Pair]) -> dict[str, Any]:
    """Both plans checked against the rules and compared: their figures, the ratios MILP /
    greedy, and whether the MILP is no worse (an ``AssertionError`` names what is wrong)."""
    for who, chosen in (("MILP", milp), ("greedy", hand)):
        broken = violations(data, chosen)
        assert not broken, f"{data.county}: the {who} plan breaks the rules: {broken[:5]}"
    a, b = figures(data, milp), figures(data, hand)
    better = not_worse(a, b)
    assert better, f"{data.county}: the MILP is worse than the greedy: {a} vs {b}"
    ratios = {k: (a[k] / b[k] if b[k] and a[k] >= 0 and b[k] > 0 else None)
              for k in ("groups", "members", "pupils_share", "rural_in_groups", "benefit",
                        "net", "km")}
    return {"milp": _plain(a), "greedy": _plain(b), "ratio": ratios, "milp_not_worse": better}


def _plain(f: dict[str, Any]) -> dict[str, Any]:
    """For results.json: the exact shortfall as a number of pupils."""
    return {**f, "short": float(f["short"])}


def load_evaluate(path: Path) -> float:
    start = time.perf_counter()
    junheng.evaluate(junheng.load(path))
    return time.perf_counter() - start


def load_plan(path: Path, overrides: dict[str, Any]):
    start = time.perf_counter()
    data = junheng.load(path)
    loaded = time.perf_counter()
    plan = plan_groups(data, time_limit=TIME_LIMIT_S, **overrides)
    done = time.perf_counter()
    return done - start, done - loaded, plan


def run_setting(path: Path, overrides: dict[str, Any], rounds: int) -> dict[str, Any]:
    base_t, total_t, plan_t, levels = [], [], [], []
    plan = None
    for _ in range(rounds):  # alternate, so drift affects both alike; ratios taken per round
        base_t.append(load_evaluate(path))
        total, alone, plan = load_plan(path, overrides)
        total_t.append(total)
        plan_t.append(alone)
        levels.append([lv for county in plan.levels.values() for lv in county])
    assert plan is not None
    (county,) = plan.inputs  # one county
    # The problem the planner solved, as ``group_problem`` built it: the greedy gets the same
    # schools, roles and allowed pairs, so both obey the same rules.
    rules, data = plan.rules, plan.inputs[county]
    start = time.perf_counter()
    hand = greedy(data)
    greedy_s = time.perf_counter() - start
    out = {
        "overrides": overrides, "max_members": rules.max_members, "max_km": rules.max_km,
        "coverage": rules.coverage, "km_weight": rules.km_weight, "county": county,
        "schools": len(data.schools), "leaders": len(data.leaders),
        "members": len(data.members), "pairs": len(data.pairs), "rounds": rounds,
        "load_evaluate_s": statistics.median(base_t),
        "load_plan_s": statistics.median(total_t), "plan_s": statistics.median(plan_t),
        "ratio_to_load_evaluate": statistics.median(
            t / b for t, b in zip(total_t, base_t, strict=True)),
        "proven": plan.proven,
        "levels": [{"objective": lv[0].name, "status": lv[0].status if all(
            x.status == lv[0].status for x in lv) else "mixed",
            "seconds": statistics.median(x.seconds for x in lv)}
            for lv in zip(*levels, strict=True)],
        "greedy_s": greedy_s,
    }
    if not plan.proven:  # not at the optimum: the greedy might still be ahead
        return {**out, "compared": False}
    return {**out, "compared": True, **compare(data, milp_pairs(plan, data), hand)}


def run(path: Path = COUNTY, rounds: int = 5) -> dict[str, Any]:
    load_evaluate(path)  # warm-up: imports, the standard's cache, the file in the page cache
    plan_groups(junheng.load(path), time_limit=TIME_LIMIT_S)
    return {"file": str(path), "settings": {key: run_setting(path, overrides, rounds)
                                            for key, _, _, overrides in SETTINGS}}


def width(text: str) -> int:
    """Terminal columns: a wide (CJK) character takes two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, n: int, right: bool = True) -> str:
    pad = " " * max(0, n - width(text))
    return pad + text if right else text + pad


def _ratio(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}×"


def table(s: dict[str, Any]) -> list[str]:
    """The side-by-side table of one setting (label, MILP, greedy, MILP / greedy)."""
    a, b, r = s["milp"], s["greedy"], s["ratio"]
    rows = [("集团数 groups", f"{a['groups']}", f"{b['groups']}", _ratio(r["groups"])),
            ("成员学校入集团 members placed", f"{a['members']}/{a['member_schools']}",
             f"{b['members']}/{b['member_schools']}", _ratio(r["members"])),
            ("学生覆盖率 pupils' share", f"{a['pupils_share']:.1%}", f"{b['pupils_share']:.1%}",
             _ratio(r["pupils_share"])),
            ("乡村学校覆盖 rural schools", f"{a['rural_in_groups']}/{a['rural']}",
             f"{b['rural_in_groups']}/{b['rural']}", _ratio(r["rural_in_groups"])),
            ("帮扶收益 benefit", f"{a['benefit']:.2f}", f"{b['benefit']:.2f}",
             _ratio(r["benefit"])),
            (f"净收益 net (−{s['km_weight']:g}/km)", f"{a['net']:.2f}", f"{b['net']:.2f}",
             _ratio(r["net"])),
            ("总距离 total km", f"{a['km']:,.1f}", f"{b['km']:,.1f}", _ratio(r["km"]))]
    if s["coverage"] is not None:
        rows.append(("距覆盖目标差 pupils short", f"{a['short']:,.0f}", f"{b['short']:,.0f}",
                     "—"))
    lines = ["  " + _cell("", 32, False) + _cell("MILP", 14) + _cell("贪心 greedy", 16)
             + _cell("MILP/贪心", 12)]
    lines += ["  " + _cell(label, 32, False) + _cell(x, 14) + _cell(y, 16) + _cell(q, 12)
              for label, x, y, q in rows]
    return lines


def lines(r: dict[str, Any]) -> list[str]:
    """The section's printout, Chinese first, at most 80 columns a line."""
    out = []
    for key, zh, en, _ in SETTINGS:
        s = r["settings"][key]
        out.append(f"  {zh}（{en}）")
        out.append(f"    {s['schools']} 所学校 schools：牵头 {s['leaders']} leaders，成员 "
                   f"{s['members']} members，可结对 {s['pairs']:,} pairs")
        out.append(f"    读取+求解 load + plan {s['load_plan_s']:.2f} s | 读取+评估 load + "
                   f"evaluate {s['load_evaluate_s']:.2f} s | {s['ratio_to_load_evaluate']:.2f}×")
        steps = ", ".join(f"{lv['objective']} {lv['seconds']:.2f} s" + (
            "" if lv["status"] == "optimal" else f" ({lv['status']})") for lv in s["levels"])
        proven = "已证最优 proven" if s["proven"] else "未证最优 NOT proven"
        out.append(f"    {proven}：{steps}")
        out.append(f"    中位数 median of {s['rounds']}；max_members {s['max_members']}；贪心 "
                   f"greedy {s['greedy_s'] * 1000:.1f} ms")
        if s["compared"]:
            out += table(s)
            out.append("    两方案均守规则 both plans keep the rules；MILP 按其目标不劣于贪心")
            out.append("    the MILP is no worse than the greedy on its own objective")
        else:
            out.append("    未比较：求解未证最优 not compared: no proven optimum")
    return out


def report(r: dict[str, Any]) -> None:
    for line in lines(r):
        print(line)


if __name__ == "__main__":
    args = sys.argv[1:]
    county = Path(args[1]) if len(args) > 1 else COUNTY
    if not county.exists() and county == COUNTY:
        county.parent.mkdir(parents=True, exist_ok=True)
        junheng.write_sample(county, schools=300, seed=7)
    report(run(county, int(args[0]) if args else 5))
