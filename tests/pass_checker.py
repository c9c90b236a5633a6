"""An independent checker of "path to pass" plans (issue 15), written from STANDARDS.md alone.

A plan is a list of actions ``(county, school_id, stage, kind, amount)`` that add resources to
school–stages at unit prices. This module recomputes, from the rosters and the stage figures, with
exact ``fractions.Fraction`` arithmetic, whether a county passes the resource-allocation part after
the actions (STANDARDS.md §1.1–1.2) together with government-guarantee item 3 (music and art rooms,
§1.3). It never imports ``junheng.evaluate`` nor anything in ``junheng.plan``: a planner bug
cannot hide in a shared helper. (``junheng.load`` may have made the ``Dataset`` it is given; plain
tables, as written by ``conftest.write_xlsx``, work as well.)

Public functions
----------------
- ``recompute(data, actions=(), *, caps=None, appoint_new_hires=False) -> dict``: the seven
  indicator values of every school–stage, the per-school rule, each CV, item 3, and whether the
  county (and the whole input) passes; ``problems`` lists malformed or impossible actions.
- ``cost(actions, prices, hire_years=1) -> Fraction``.
- ``threshold_grid(data, *, caps=None, kinds=KINDS) -> grid``: for each school–stage and kind, the
  amounts that matter for the per-school rule and item 3 (see its docstring).
- ``brute_force(county, prices, grid, hire_years=1, *, caps=None) -> Optimum(min_cost, actions)``
  and ``rule_lower_bound(...)``: the cheapest passing combination on a grid, and the cheapest one
  when the CVs are ignored (a true lower bound when the grid is ``threshold_grid``'s).
- ``check_plan(data, actions, prices, ...) -> list[str]``: everything wrong with a planner's
  ``actions`` table (columns county, school_id, stage, kind, amount, cost_yuan).
- ``shortfall(min_cost, budget)``; ``CASES``: the hand-made counties a planner is compared on.

Action kinds and what they change (a teacher is full-time and of the action's stage):

================== ==========================================================================
teaching_area_m2   + m² of teaching and auxiliary space (stage figure ``teaching_area_m2``)
sports_area_m2     + m² of sports ground (``sports_area_m2``)
equipment_yuan     + 元 of teaching equipment (``equipment_value_yuan``)
multimedia_rooms   + networked multimedia classrooms (``multimedia_rooms``)
music_rooms        + music rooms of the school (item 3; new rooms are of the required area)
art_rooms          + art rooms of the school (item 3)
hire_qualified     + teachers with a qualifying degree (qualified indicator only)
hire_pe_art        + PE/music/art teachers with a qualifying degree (PE/art *and* qualified)
appoint_backbone   existing non-backbone full-time teachers appointed backbone (county level)
================== ==========================================================================

Hires cost their yearly price × ``hire_years``; every other kind costs price × amount once.

Examples
--------
The STANDARDS.md §1.2 golden example (books per pupil, five primary schools):

>>> mean, s2 = cv_parts([(45, Fraction(279, 45)), (37, Fraction(137, 37)),
...                      (89, Fraction(935, 89)), (76, Fraction(160, 76)),
...                      (55, Fraction(402, 55))])
>>> mean
Fraction(1913, 302)
>>> round(math.sqrt(s2) / mean, 6)
0.515257
>>> cv_within(mean, s2, Fraction(1, 2))
False
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, NamedTuple

from conftest import school_row, stage_row, teachers

STAGES = ("primary", "junior")
QUALIFIED = {"primary": {"associate", "bachelor", "master", "doctor"},
             "junior": {"bachelor", "master", "doctor"}}
PE_ART = {"pe", "music", "art"}
FLOOR = Fraction(85, 100)
MIN_MET = 6
CV_LIMIT = {"primary": Fraction(1, 2), "junior": Fraction(45, 100)}
SPLIT_WEIGHTS = {"primary": Fraction(1), "junior": Fraction(11, 10)}
CLASSES_PER_ROOM = 12
ROOM_MIN_AREA = {"music": Fraction(96), "art": Fraction(90)}
TRUE_TEXT = {"true", "1", "yes", "y", "是"}

# (key, numerator, per, thresholds): the numerator is a teacher group ("t:<group>") or a stage
# figure ("f:<column>"); value = numerator × per / students.
INDICATORS: tuple[tuple[str, str, int, dict[str, Fraction]], ...] = (
    ("qualified_teachers_per100", "t:qualified", 100,
     {"primary": Fraction("4.2"), "junior": Fraction("5.3")}),
    ("backbone_teachers_per100", "t:backbone", 100,
     {"primary": Fraction(1), "junior": Fraction(1)}),
    ("pe_art_teachers_per100", "t:pe_art", 100,
     {"primary": Fraction("0.9"), "junior": Fraction("0.9")}),
    ("teaching_area_per_student", "f:teaching_area_m2", 1,
     {"primary": Fraction("4.5"), "junior": Fraction("5.8")}),
    ("sports_area_per_student", "f:sports_area_m2", 1,
     {"primary": Fraction("7.5"), "junior": Fraction("10.2")}),
    ("equipment_value_per_student", "f:equipment_value_yuan", 1,
     {"primary": Fraction(2000), "junior": Fraction(2500)}),
    ("multimedia_rooms_per100", "f:multimedia_rooms", 100,
     {"primary": Fraction("2.3"), "junior": Fraction("2.4")}),
)
INDICATOR_KEYS = tuple(key for key, _, _, _ in INDICATORS)

# kind → the numerators it adds to (hire_pe_art adds to two).
KIND_TARGETS: dict[str, tuple[str, ...]] = {
    "teaching_area_m2": ("f:teaching_area_m2",),
    "sports_area_m2": ("f:sports_area_m2",),
    "equipment_yuan": ("f:equipment_value_yuan",),
    "multimedia_rooms": ("f:multimedia_rooms",),
    "music_rooms": ("r:music",),
    "art_rooms": ("r:art",),
    "hire_qualified": ("t:qualified",),
    "hire_pe_art": ("t:pe_art", "t:qualified"),
    "appoint_backbone": ("t:backbone",),
}
KINDS = tuple(KIND_TARGETS)
HIRE_KINDS = frozenset({"hire_qualified", "hire_pe_art"})
INTEGER_KINDS = frozenset({"multimedia_rooms", "music_rooms", "art_rooms", "hire_qualified",
                           "hire_pe_art", "appoint_backbone"})

Unit = tuple[str, str]          # (school_id, stage)
GridKey = tuple[str, str, str]  # (school_id, stage, kind)


# --- reading ------------------------------------------------------------------------------------

def exact(x: Any) -> Fraction | None:
    """A number as an exact fraction: a float through its shortest repr (0.1 is 1/10).

    >>> exact(0.1), exact("2.5"), exact(None)
    (Fraction(1, 10), Fraction(5, 2), None)
    """
    if x is None:
        return None
    if isinstance(x, bool):
        raise TypeError(f"not a number: {x!r}")
    if isinstance(x, float):
        if math.isnan(x):
            return None
        return Fraction(repr(x))
    if isinstance(x, str):
        x = x.strip()
        return Fraction(x) if x else None
    return Fraction(x)


def _true(x: Any) -> bool:
    if isinstance(x, bool):
        return x
    if isinstance(x, (int, float)):
        return x == 1
    return isinstance(x, str) and x.strip().lower() in TRUE_TEXT


def _rows(table: Any) -> list[dict[str, Any]]:
    if table is None:
        return []
    if hasattr(table, "to_dicts"):
        return table.to_dicts()
    return [dict(r) for r in table]


def _tables(data: Any) -> dict[str, list[dict[str, Any]]]:
    """A ``junheng.Dataset`` or a mapping of tables (lists of dicts or Polars frames), as plain
    rows. Enum cells must be English codes (the Dataset's are)."""
    if isinstance(data, Mapping):
        get = data.get
    else:
        def get(name: str) -> Any:
            return getattr(data, name, None)
    return {name: _rows(get(name)) for name in ("schools", "stages", "teachers", "rooms")}


@dataclass
class _UnitBase:
    county: str
    students: int
    classes: int | None
    counts: dict[str, int]           # qualified, backbone, pe_art, nonbackbone
    figures: dict[str, Fraction | None]


@dataclass
class _Base:
    """The county's state before any action."""
    schools: dict[str, dict[str, Any]]
    units: dict[Unit, _UnitBase]
    rooms: dict[str, dict[str, Fraction | None]]       # school → {"music": n, "art": n}
    classes: dict[str, int | None]                     # school → classes of its stages
    school_units: dict[str, list[str]] = field(default_factory=dict)


def _base(data: Any) -> _Base:
    t = _tables(data)
    schools = {r["school_id"]: r for r in t["schools"]}
    stage_rows = {(r["school_id"], r["stage"]): r for r in t["stages"]}
    school_units: dict[str, list[str]] = defaultdict(list)
    for sid, stage in stage_rows:
        school_units[sid].append(stage)
    for sid in school_units:
        school_units[sid].sort(key=STAGES.index)

    counts: dict[Unit, dict[str, int]] = defaultdict(
        lambda: {"qualified": 0, "backbone": 0, "pe_art": 0, "nonbackbone": 0})
    for tr in t["teachers"]:
        if not _true(tr.get("full_time")):
            continue
        sid, stage = tr["school_id"], tr.get("stage")
        if stage is None and len(school_units.get(sid, [])) == 1:
            stage = school_units[sid][0]
        c = counts[(sid, stage)]
        if tr.get("education") in QUALIFIED.get(stage, ()):
            c["qualified"] += 1
        if tr.get("backbone") not in (None, "none"):
            c["backbone"] += 1
        else:
            c["nonbackbone"] += 1
        if tr.get("subject") in PE_ART:
            c["pe_art"] += 1

    columns = [src[2:] for _, src, _, _ in INDICATORS if src.startswith("f:")]
    units: dict[Unit, _UnitBase] = {}
    for (sid, stage), row in stage_rows.items():
        students = int(exact(row["students"]))
        weighted = sum((SPLIT_WEIGHTS[s] * int(exact(stage_rows[(sid, s)]["students"]))
                        for s in school_units[sid]), Fraction(0))
        figures: dict[str, Fraction | None] = {}
        for col in columns:
            value = exact(row.get(col))
            if value is None:       # the school total, split by weighted pupils (1 : 1.1)
                total = exact(schools[sid].get(col))
                if total is not None:
                    value = (total * SPLIT_WEIGHTS[stage] * students / weighted if weighted
                             else Fraction(0))
            figures[col] = value
        classes = exact(row.get("classes"))
        units[(sid, stage)] = _UnitBase(schools[sid]["county"], students,
                                        None if classes is None else int(classes),
                                        dict(counts[(sid, stage)]), figures)

    rooms: dict[str, dict[str, Fraction | None]] = {}
    classes_by_school: dict[str, int | None] = {}
    listed: dict[str, dict[str, Fraction]] = defaultdict(lambda: {"music": 0, "art": 0})
    for r in t["rooms"]:
        area = exact(r.get("area_m2"))
        kind = r.get("room_type")
        school = listed[r["school_id"]]     # listed, even when this room does not count
        if kind in ROOM_MIN_AREA and area is not None and area >= ROOM_MIN_AREA[kind]:
            school[kind] += 1
    for sid, stages in school_units.items():
        cls = [units[(sid, s)].classes for s in stages]
        classes_by_school[sid] = None if None in cls else sum(cls)
        if sid in listed:
            rooms[sid] = {k: Fraction(v) for k, v in listed[sid].items()}
        else:
            rooms[sid] = {}
            for kind in ("music", "art"):
                cells = [exact(stage_rows[(sid, s)].get(f"{kind}_rooms")) for s in stages]
                known = [c for c in cells if c is not None]
                rooms[sid][kind] = sum(known, Fraction(0)) if known else None
    return _Base(schools, units, rooms, classes_by_school, dict(school_units))


# --- actions ------------------------------------------------------------------------------------

def _action_rows(actions: Any) -> list[dict[str, Any]]:
    """Actions as dicts: a Polars frame, dicts, or tuples (county, school_id, stage, kind,
    amount)."""
    if actions is None:
        return []
    if hasattr(actions, "to_dicts"):
        return actions.to_dicts()
    out = []
    for a in actions:
        if isinstance(a, Mapping):
            out.append(dict(a))
        else:
            county, sid, stage, kind, amount = a
            out.append({"county": county, "school_id": sid, "stage": stage, "kind": kind,
                        "amount": amount})
    return out


def _aggregate(base: _Base, actions: Any, caps: Mapping[GridKey, Any] | None,
               appoint_new_hires: bool) -> tuple[dict[GridKey, Fraction], list[str]]:
    """Sum the amounts per (school, stage, kind) and list what is wrong with the actions."""
    problems: list[str] = []
    total: dict[GridKey, Fraction] = defaultdict(Fraction)
    for i, a in enumerate(_action_rows(actions)):
        sid, stage, kind = a.get("school_id"), a.get("stage"), a.get("kind")
        label = f"action {i} ({sid}, {stage}, {kind})"
        if kind not in KIND_TARGETS:
            problems.append(f"{label}: unknown kind")
            continue
        if (sid, stage) not in base.units:
            problems.append(f"{label}: no such school–stage")
            continue
        county = base.units[(sid, stage)].county
        if a.get("county") != county:
            problems.append(f"{label}: county {a.get('county')!r}, the school is in {county!r}")
        try:
            amount = exact(a.get("amount"))
        except (TypeError, ValueError):
            amount = None
        if amount is None:
            problems.append(f"{label}: amount {a.get('amount')!r} is not a number")
            continue
        if amount < 0:
            problems.append(f"{label}: negative amount {amount}")
        if kind in INTEGER_KINDS and amount.denominator != 1:
            problems.append(f"{label}: {kind} must be a whole number, got {float(amount)}")
        total[(sid, stage, kind)] += amount
    for key, amount in total.items():
        cap = None if caps is None else caps.get(key)
        if cap is not None and amount > exact(cap):
            problems.append(f"{key}: {float(amount):g} exceeds the cap {float(exact(cap)):g}")
    for (sid, stage), u in base.units.items():
        appointed = total.get((sid, stage, "appoint_backbone"), Fraction(0))
        pool = u.counts["nonbackbone"]
        if appoint_new_hires:
            pool += sum(total.get((sid, stage, k), Fraction(0)) for k in HIRE_KINDS)
        if appointed > pool:
            problems.append(f"({sid}, {stage}): {appointed} backbone appointments, only {pool} "
                            "non-backbone full-time teachers")
    return dict(total), problems


# --- the coefficient of variation ---------------------------------------------------------------

def cv_parts(pairs: Iterable[tuple[int | Fraction, Fraction]]) -> tuple[Fraction, Fraction]:
    """(X̄, S²) of (pupils Pi, value Xi) pairs: X̄ = Σ Pi·Xi / P, S² = Σ (Pi/P)(Xi − X̄)²."""
    pairs = [(Fraction(p), Fraction(x)) for p, x in pairs]
    total = sum((p for p, _ in pairs), Fraction(0))
    mean = sum((p * x for p, x in pairs), Fraction(0)) / total
    s2 = sum((p / total * (x - mean) ** 2 for p, x in pairs), Fraction(0))
    return mean, s2


def cv_within(mean: Fraction, s2: Fraction, limit: Fraction) -> bool:
    """CV ≤ limit, exactly: S² ≤ limit²·X̄² with X̄ > 0 (X̄ = 0: CV undefined, not met)."""
    return mean > 0 and s2 <= limit * limit * mean * mean


# --- the recomputation --------------------------------------------------------------------------

def _evaluate(base: _Base, total: Mapping[GridKey, Fraction], *, with_cv: bool = True
              ) -> dict[str, Any]:
    added: dict[Unit, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    room_added: dict[str, dict[str, Fraction]] = defaultdict(lambda: defaultdict(Fraction))
    for (sid, stage, kind), amount in total.items():
        for target in KIND_TARGETS[kind]:
            if target.startswith("r:"):
                room_added[sid][target[2:]] += amount
            else:
                added[(sid, stage)][target] += amount

    counties: dict[str, dict[str, Any]] = {}

    def county_entry(name: str) -> dict[str, Any]:
        return counties.setdefault(name, {"units": {}, "cv": {}, "rooms": {}, "failures": []})

    for (sid, stage), u in sorted(base.units.items()):
        entry = county_entry(u.county)
        if u.students <= 0:
            entry["units"][(sid, stage)] = {"students": u.students, "meets_rule": None}
            continue
        values: dict[str, Fraction | None] = {}
        met: dict[str, bool] = {}
        ratio: dict[str, Fraction | None] = {}
        for key, source, per, thresholds in INDICATORS:
            kind, name = source.split(":")
            numerator = (Fraction(u.counts[name]) if kind == "t" else u.figures[name])
            if numerator is not None:
                numerator += added[(sid, stage)][source]
            value = None if numerator is None else numerator * per / u.students
            values[key] = value
            threshold = thresholds[stage]
            met[key] = value is not None and value >= threshold
            ratio[key] = None if value is None else value / threshold
        met_count = sum(met.values())
        floor_ok = all(r is not None and r >= FLOOR for r in ratio.values())
        ok = met_count >= MIN_MET and floor_ok
        missed = [k for k in INDICATOR_KEYS if not met[k]]
        entry["units"][(sid, stage)] = {"students": u.students, "values": values, "met": met,
                                        "ratio": ratio, "met_count": met_count, "missed": missed,
                                        "meets_rule": ok}
        if not ok:
            entry["failures"].append(
                f"rule: {sid} {stage} meets {met_count}/7, missed "
                + ", ".join(f"{k} {'?' if ratio[k] is None else f'{float(ratio[k]):.1%}'}"
                            for k in missed))

    for entry in counties.values() if with_cv else ():
        for stage in STAGES:
            units = [(k, v) for k, v in entry["units"].items()
                     if k[1] == stage and v["meets_rule"] is not None]
            if not units:
                continue
            limit = CV_LIMIT[stage]
            entry["cv"][stage] = {}
            for key in INDICATOR_KEYS:
                pairs = [(v["students"], v["values"][key]) for _, v in units]
                if any(x is None for _, x in pairs):
                    entry["cv"][stage][key] = {"mean": None, "s2": None, "cv": None,
                                               "limit": limit, "met": False}
                    entry["failures"].append(f"cv: {stage} {key} has unknown values")
                    continue
                mean, s2 = cv_parts(pairs)
                ok = cv_within(mean, s2, limit)
                cv = math.sqrt(s2) / mean if mean > 0 else None
                entry["cv"][stage][key] = {"mean": mean, "s2": s2, "cv": cv, "limit": limit,
                                           "met": ok}
                if not ok:
                    entry["failures"].append(
                        f"cv: {stage} {key} {'undefined' if cv is None else f'{cv:.6f}'} > "
                        f"{float(limit)}")

    for sid, per_kind in sorted(base.rooms.items()):
        u0 = base.units[(sid, base.school_units[sid][0])]
        entry = county_entry(u0.county)
        classes = base.classes[sid]
        need = None if classes is None else -(-classes // CLASSES_PER_ROOM)
        have = {k: (None if v is None else v + room_added[sid][k]) for k, v in per_kind.items()}
        if need is None or None in have.values():
            ok = None
        else:
            ok = all(v >= need for v in have.values())
        entry["rooms"][sid] = {"classes": classes, "need": need, **have, "met": ok}
        if ok is not True:
            entry["failures"].append(f"item 3: {sid} music {have['music']}, art {have['art']}, "
                                     f"need {need} each")

    for entry in counties.values():
        entry["rule_pass"] = all(v["meets_rule"] is not False for v in entry["units"].values())
        entry["cv_pass"] = (all(i["met"] for s in entry["cv"].values() for i in s.values())
                            if with_cv else None)
        entry["rooms_pass"] = all(r["met"] is True for r in entry["rooms"].values())
        entry["passes"] = bool(entry["rule_pass"] and entry["rooms_pass"]
                               and (entry["cv_pass"] or not with_cv))
    return {"counties": counties, "passes": all(c["passes"] for c in counties.values())}


def recompute(data: Any, actions: Any = (), *, caps: Mapping[GridKey, Any] | None = None,
              appoint_new_hires: bool = False) -> dict[str, Any]:
    """The county (or counties) of ``data`` after ``actions``, recomputed from the rosters.

    ``data``: a ``junheng.Dataset`` or a mapping of tables (``schools``, ``stages``,
    ``teachers``, optional ``rooms``) as lists of dicts or Polars frames, English enum codes.
    ``actions``: a Polars frame or rows (dicts or tuples) with county, school_id, stage, kind,
    amount; several rows on one (school, stage, kind) add up. ``caps``: the most each
    (school_id, stage, kind) may receive (0: cannot grow, e.g. sports area with no land).
    ``appoint_new_hires``: whether backbone appointments may go to the new hires too (by default
    only to the roster's non-backbone full-time teachers of the stage).

    Returns ``{"counties": {county: {...}}, "problems": [...], "passes": bool}``; per county:

    - ``units[(school_id, stage)]``: ``students``, ``values`` (Fraction per indicator, None when
      a facility figure is unknown), ``met``, ``ratio`` (value / threshold), ``met_count``,
      ``missed``, ``meets_rule`` (≥ 6 met and every ratio ≥ 0.85; None with 0 pupils: such a
      unit is also left out of the CVs);
    - ``cv[stage][indicator]``: ``mean`` X̄ and ``s2`` S² (Fractions), ``cv`` (float, display
      only), ``limit``, ``met`` (S² ≤ limit²·X̄², X̄ > 0; one school–stage: S² = 0);
    - ``rooms[school_id]``: item 3, per school (classes and rooms of all its compulsory stages):
      ``need`` = ceil(classes / 12), ``music``, ``art``, ``met`` (None when room counts are
      unknown: neither a ``rooms`` row nor a ``music_rooms``/``art_rooms`` cell). A school listed
      in ``rooms`` counts its rooms of at least 96 m² (music) / 90 m² (art);
    - ``rule_pass``, ``cv_pass``, ``rooms_pass`` (an unknown item 3 does not pass) and
      ``passes`` (all three), ``failures`` (one readable line each).

    Top-level ``passes`` requires every county to pass and ``problems`` (unknown kinds or
    school–stages, wrong county, negative or fractional counts, caps exceeded, more backbone
    appointments than non-backbone teachers) to be empty.
    """
    base = _base(data)
    total, problems = _aggregate(base, actions, caps, appoint_new_hires)
    out = _evaluate(base, total)
    out["problems"] = problems
    out["passes"] = out["passes"] and not problems
    return out


def cost(actions: Any, prices: Mapping[str, Any], hire_years: int = 1) -> Fraction:
    """Σ price[kind] × amount, hires (``HIRE_KINDS``) × ``hire_years`` (prices in 元 per unit;
    a hire's price is per year).

    >>> cost([("甲县", "S1", "primary", "hire_pe_art", 2),
    ...       ("甲县", "S1", "primary", "sports_area_m2", 0.5)],
    ...      {"hire_pe_art": 80000, "sports_area_m2": 300}, hire_years=3)
    Fraction(480150, 1)
    """
    total = Fraction(0)
    for a in _action_rows(actions):
        amount = exact(a["amount"])
        if not amount:
            continue
        years = hire_years if a["kind"] in HIRE_KINDS else 1
        total += exact(prices[a["kind"]]) * amount * years
    return total


def shortfall(min_cost: Fraction | None, budget: Any) -> Fraction | None:
    """How much the cheapest passing plan exceeds ``budget`` (0 when it fits; None: no plan)."""
    if min_cost is None:
        return None
    return max(Fraction(0), min_cost - exact(budget))


# --- the grid and the brute force ---------------------------------------------------------------

def _ceil(x: Fraction) -> int:
    return max(0, math.ceil(x))


def threshold_grid(data: Any, *, caps: Mapping[GridKey, Any] | None = None,
                   kinds: Iterable[str] = KINDS, appoint_new_hires: bool = False
                   ) -> dict[GridKey, list[int]]:
    """For every school–stage and kind, the amounts that can matter for the per-school rule and
    item 3: 0 and the least whole amount (teachers, rooms, m², 元) that lifts the indicator the
    kind drives to 85 % and to 100 % of its threshold. PE/art hires also count as qualified
    teachers, so ``hire_pe_art`` also gets max(P_l, Q_m) (PE/art hires covering the qualified
    gap) and ``hire_qualified`` gets max(0, Q_m − p) for every PE/art candidate p, where P_l, Q_m
    are the PE/art and qualified gaps at the levels l, m ∈ {85 %, 100 %}. Music and art rooms go
    on the school's first stage: 0 and the deficit to ceil(classes / 12). Amounts above a cap
    (and appointments beyond the non-backbone teachers) are dropped. Keys whose only candidate is
    0 are left out (``brute_force`` treats a missing key as 0).

    Why the cheapest plan on this grid that meets the per-school rule and item 3 (ignoring the
    CVs) is the cheapest such plan of all whole-unit plans: take any plan meeting them. In each
    school–stage, every indicator reaches some level (below 85 %, 85 %, 100 %), and the rule
    only looks at these levels. Replace each single-kind amount by the least grid amount
    reaching the same level: no more than before, so no dearer (prices ≥ 0). For the teachers,
    the least-cost (q, p) with p ≥ P_l, q + p ≥ Q_m, q, p ≥ 0 whole is one of the two corners
    (max(0, Q_m − P_l), P_l) or (0, max(P_l, Q_m)) — both on the grid. Rooms likewise (item 3
    counts the school's rooms, wherever they are booked). The CVs are not monotone in one
    school's value, so with them the grid's optimum is an upper bound only — the true optimum
    whenever it equals ``rule_lower_bound`` (no CV binds), otherwise only when the grid is
    widened to every whole amount up to (upper bound / price) on the kinds that move the binding
    CV and an argument shows the other kinds cannot help (case ``cv_binds``).
    """
    base = _base(data)
    kinds = set(kinds)
    grid: dict[GridKey, set[int]] = {}
    for (sid, stage), u in base.units.items():
        if u.students <= 0:
            continue
        thresholds = {src: (per, th[stage]) for _, src, per, th in INDICATORS}

        def gaps(source: str, current: Fraction | None, th=thresholds, n=u.students
                 ) -> list[int]:
            per, threshold = th[source]
            if current is None:
                return []
            return [_ceil(level * threshold * n / per - current) for level in (FLOOR, 1)]

        cand: dict[str, set[int]] = {}
        for kind in ("teaching_area_m2", "sports_area_m2", "equipment_yuan", "multimedia_rooms"):
            source = KIND_TARGETS[kind][0]
            cand[kind] = {0, *gaps(source, u.figures[source[2:]])}
        cand["appoint_backbone"] = {0, *gaps("t:backbone", Fraction(u.counts["backbone"]))}
        pe_gaps = gaps("t:pe_art", Fraction(u.counts["pe_art"]))
        q_gaps = gaps("t:qualified", Fraction(u.counts["qualified"]))
        cand["hire_pe_art"] = {0, *pe_gaps, *(max(p, q) for p in pe_gaps for q in q_gaps)}
        cand["hire_qualified"] = {0, *(max(0, q - p) for q in [0, *q_gaps]
                                       for p in cand["hire_pe_art"])}
        for kind, amounts in cand.items():
            cap = None if caps is None else caps.get((sid, stage, kind))
            if cap is not None:
                amounts = {a for a in amounts if a <= exact(cap)}
            if kind == "appoint_backbone" and not appoint_new_hires:
                amounts = {a for a in amounts if a <= u.counts["nonbackbone"]}
            grid[(sid, stage, kind)] = amounts
    for sid, have in base.rooms.items():
        classes = base.classes[sid]
        if classes is None:
            continue
        need = -(-classes // CLASSES_PER_ROOM)
        stage = base.school_units[sid][0]
        for kind in ("music", "art"):
            current = have[kind] if have[kind] is not None else Fraction(0)
            amounts = {0, _ceil(need - current)}
            cap = None if caps is None else caps.get((sid, stage, f"{kind}_rooms"))
            if cap is not None:
                amounts = {a for a in amounts if a <= exact(cap)}
            grid[(sid, stage, f"{kind}_rooms")] = amounts
    return {key: sorted(v) for key, v in sorted(grid.items())
            if key[2] in kinds and v != {0}}


class Optimum(NamedTuple):
    """The cheapest passing combination on a grid (``min_cost`` None: none passes)."""
    min_cost: Fraction | None
    actions: list[dict[str, Any]]


def _search(data: Any, prices: Mapping[str, Any], grid: Mapping[GridKey, Iterable[Any]],
            hire_years: int, caps: Mapping[GridKey, Any] | None, with_cv: bool) -> Optimum:
    base = _base(data)
    counties = {u.county for u in base.units.values()}
    if len(counties) != 1:
        raise ValueError(f"brute_force wants one county, got {sorted(counties)}")
    county = counties.pop()
    keys = sorted(grid)
    for sid, stage, kind in keys:
        if (sid, stage) not in base.units or kind not in KIND_TARGETS:
            raise ValueError(f"grid key {(sid, stage, kind)} names no school–stage or kind")
    choices = [sorted({exact(a) for a in grid[k]}) for k in keys]
    unit_price = {k: exact(prices[k[2]]) * (hire_years if k[2] in HIRE_KINDS else 1)
                  for k in keys}
    combos = []
    for amounts in itertools.product(*choices):
        price = sum((unit_price[k] * a for k, a in zip(keys, amounts, strict=True)),
                    Fraction(0))
        combos.append((price, amounts))
    combos.sort(key=lambda c: c[0])
    for price, amounts in combos:
        total = {k: a for k, a in zip(keys, amounts, strict=True) if a}
        # a grid may hold amounts above a cap: such a combination is not a plan
        if caps is not None and any(caps.get(k) is not None and a > exact(caps[k])
                                    for k, a in total.items()):
            continue
        if _evaluate(base, total, with_cv=with_cv)["passes"]:
            actions = [{"county": county, "school_id": k[0], "stage": k[1], "kind": k[2],
                        "amount": a} for k, a in sorted(total.items())]
            return Optimum(price, actions)
    return Optimum(None, [])


def brute_force(county: Any, prices: Mapping[str, Any], grid: Mapping[GridKey, Iterable[Any]],
                hire_years: int = 1, *, caps: Mapping[GridKey, Any] | None = None) -> Optimum:
    """The cheapest combination of the grid's amounts after which ``county`` passes (rule, CVs
    and item 3), by trying every combination: ``Optimum(min_cost, actions)`` with the nonzero
    actions as dicts (county, school_id, stage, kind, amount); ``(None, [])`` when none passes.

    ``county``: one county's data (a ``Dataset`` or tables, as for ``recompute``); ``grid``:
    {(school_id, stage, kind): candidate amounts}, a missing key meaning 0 only. Ties: the
    first cheapest in the order of ``itertools.product`` over the sorted keys and amounts.

    With ``threshold_grid``'s grid the result is the optimum over all whole-unit plans whenever
    it equals ``rule_lower_bound`` (see ``threshold_grid`` for why); otherwise it is an upper
    bound, exact only on a grid widened as that docstring says. The combinations multiply: keep
    it to counties of 2–3 school–stages.
    """
    return _search(county, prices, grid, hire_years, caps, with_cv=True)


def rule_lower_bound(county: Any, prices: Mapping[str, Any],
                     grid: Mapping[GridKey, Iterable[Any]], hire_years: int = 1, *,
                     caps: Mapping[GridKey, Any] | None = None) -> Optimum:
    """As ``brute_force`` but ignoring the CVs: on ``threshold_grid``'s grid, the least cost of
    any plan meeting the per-school rule and item 3, hence a lower bound of the true optimum."""
    return _search(county, prices, grid, hire_years, caps, with_cv=False)


# --- checking a planner's result ----------------------------------------------------------------

def check_plan(data: Any, actions: Any, prices: Mapping[str, Any], *, hire_years: int = 1,
               caps: Mapping[GridKey, Any] | None = None, budget: Any = None,
               expected_min_cost: Any = None, appoint_new_hires: bool = False) -> list[str]:
    """Everything wrong with a planner's ``actions`` (a Polars frame with county, school_id,
    stage, kind, amount, cost_yuan): the recomputation's problems and failures, each row's
    ``cost_yuan`` against price × amount (× ``hire_years`` for hires), the plan's cost against
    ``budget`` and against ``expected_min_cost`` (the brute force's optimum). Empty: all good.
    Costs are compared with a relative tolerance of 1e-9 (the planner's are floats)."""
    out: list[str] = []
    result = recompute(data, actions, caps=caps, appoint_new_hires=appoint_new_hires)
    out += [f"[action] {p}" for p in result["problems"]]
    for name, c in result["counties"].items():
        out += [f"[{name}] {f}" for f in c["failures"]]

    def close(a: Fraction, b: Fraction) -> bool:
        return abs(a - b) <= Fraction(1, 10**9) * max(abs(a), abs(b), Fraction(1))

    rows = _action_rows(actions)
    for i, a in enumerate(rows):
        if "cost_yuan" not in a:
            break
        if a.get("kind") not in KIND_TARGETS or exact(a.get("amount")) is None:
            continue
        want = cost([a], prices, hire_years)
        got = exact(a["cost_yuan"])
        if got is None or not close(got, want):
            out.append(f"[cost] row {i} ({a.get('school_id')}, {a.get('kind')}): cost_yuan "
                       f"{a['cost_yuan']!r}, price × amount = {float(want):g}")
    try:
        total = cost([a for a in rows if a.get("kind") in KIND_TARGETS], prices, hire_years)
    except (TypeError, ValueError, KeyError) as e:
        return [*out, f"[cost] cannot price the plan: {e!r}"]
    if budget is not None and total > exact(budget) * (1 + Fraction(1, 10**9)):
        out.append(f"[budget] the plan costs {float(total):g} > budget {float(exact(budget)):g}")
    if expected_min_cost is not None and not close(total, exact(expected_min_cost)):
        out.append(f"[optimum] the plan costs {float(total):g}, the optimum is "
                   f"{float(exact(expected_min_cost)):g}")
    return out


# --- the hand-made cases ------------------------------------------------------------------------

COUNTY = "测试县"

PRICES: dict[str, int] = {
    "teaching_area_m2": 3000,      # 元 per m²
    "sports_area_m2": 300,         # 元 per m²
    "equipment_yuan": 1,           # 元 per 元
    "multimedia_rooms": 60000,     # 元 per room
    "music_rooms": 150000,
    "art_rooms": 150000,
    "hire_qualified": 80000,       # 元 per teacher per year
    "hire_pe_art": 80000,          # 元 per teacher per year
    "appoint_backbone": 20000,     # 元 per appointment (training, once)
}


@dataclass
class Case:
    """A tiny county for the planner and the brute force.

    ``tables`` go to ``conftest.write_xlsx`` as they are; ``prices`` hold every kind;
    ``expected_min_cost`` and ``expected_actions`` are the hand-computed optimum (None and []:
    no plan passes); ``caps`` {(school_id, stage, kind): most amount} the limits the planner must
    respect (not in the workbook: the contract has no column for them); ``budget`` (None: no
    budget) and ``expected_shortfall``; ``grid`` the brute force's grid; ``proven_by_bound``:
    the optimum equals ``rule_lower_bound`` on the threshold grid."""
    name: str
    tables: dict[str, list[dict[str, Any]]]
    prices: dict[str, int]
    expected_min_cost: Fraction | None
    expected_actions: list[dict[str, Any]]
    grid: dict[GridKey, list[int]]
    hire_years: int = 1
    caps: dict[GridKey, int] = field(default_factory=dict)
    budget: int | None = None
    expected_shortfall: Fraction | None = None
    proven_by_bound: bool = True


def act(sid: str, stage: str, kind: str, amount: int) -> dict[str, Any]:
    """One action of ``COUNTY`` as a dict."""
    return {"county": COUNTY, "school_id": sid, "stage": stage, "kind": kind, "amount": amount}


def _staff(sid: str, stage: str, n: int, backbone: int, pe_art: int,
           education: str = "bachelor") -> list[dict[str, Any]]:
    """``n`` full-time teachers of ``education``: the first ``backbone`` county backbone, the
    next ``pe_art`` PE teachers, the rest Chinese."""
    out = teachers(sid, stage, n, education=education)
    for i, t in enumerate(out):
        if i < backbone:
            t["backbone"] = "county"
        elif i < backbone + pe_art:
            t["subject"] = "pe"
    return out


def make_floor_cheaper() -> Case:
    """(a) Leaving sports area at ≥ 85 % is cheaper than meeting it.

    S1, primary, 500 pupils: 22 bachelor teachers (qualified 4.4 ≥ 4.2), 6 backbone (1.2 ≥ 1),
    3 PE (0.6 < 0.9; 0.6/0.9 = 66.7 % < 85 %), sports 3300 m² (6.6/7.5 = 88 %); other figures
    stage_row's (teaching 10, equipment 5000, multimedia 25 rooms = 5.0 per 100). S1 misses two
    indicators and one of them is under 85 %: it fails. S2, primary, 500 pupils, meets all seven
    (passing_teachers: 22 qualified, 6 backbone, 6 PE; sports 4000 m² = 8.0).
    Item 3: 11 classes each → 1 music and 1 art room each, held.

    PE/art needs ≥ 0.765 × 5 = 3.825 → 4 teachers (85 %) or 4.5 → 5 (100 %): +1 or +2 hires.
    Sports needs 3187.5 m² (85 %, held) or 3750 m² (100 %): +0 or +450 m².
    Plans: +2 PE/art hires, sports left at 88 %: 2 × 80 000 = 160 000;
           +1 PE/art hire (85 %) and +450 m²: 80 000 + 450 × 300 = 215 000;
           +2 hires and +450 m²: 295 000.
    Optimum 160 000: hire_pe_art 2 at S1 (the hires are bachelors: qualified 24 → 4.8, still met).
    CVs after: PE/art (1.0, 1.2) → X̄ 1.1, S 0.1, CV 0.091; sports (6.6, 8.0) → X̄ 7.3, S 0.7,
    CV 0.096; qualified (4.8, 4.4) → CV 0.043; the rest 0 (equal values) — all ≤ 0.50.
    With hire_years = 3 a hire costs 240 000 and the optimum flips to +1 hire +450 m²:
    240 000 + 135 000 = 375 000 (< 480 000).
    """
    tables = {
        "schools": [school_row("S1"), school_row("S2")],
        "stages": [stage_row("S1", "primary", 500, sports_area_m2=3300, music_rooms=1,
                             art_rooms=1),
                   stage_row("S2", "primary", 500, sports_area_m2=4000, music_rooms=1,
                             art_rooms=1)],
        "teachers": _staff("S1", "primary", 22, backbone=6, pe_art=3)
        + _staff("S2", "primary", 22, backbone=6, pe_art=6),
    }
    return Case("floor_cheaper", tables, dict(PRICES), Fraction(160000),
                [act("S1", "primary", "hire_pe_art", 2)], threshold_grid(tables))


def make_cv_binds() -> Case:
    """(b) Every school–stage meets the rule, but the multimedia CV is over 0.50.

    A, primary, 200 pupils, 4 multimedia rooms: 2.0 per 100 (2.0/2.3 = 87 % ≥ 85 %), its other
    six met (passing_teachers: 10 bachelors = 5.0, 3 backbone = 1.5, 3 PE = 1.5; stage_row's
    figures) → meets the rule. B, primary, 100 pupils, 12 rooms: 12.0 per 100, all seven met.
    Multimedia CV: X̄ = (4 + 12) / 300 × 100 = 16/3; deviations 2 − 16/3 = −10/3 and
    12 − 16/3 = 20/3; S² = (2/3)(100/9) + (1/3)(400/9) = 600/27 = 200/9; CV = √(200/9)/(16/3)
    = (10√2/3)/(16/3) = 0.884 > 0.50.

    With a rooms at A and b at B (per 100: (4 + a)/2 and 12 + b), X̄ = (16 + a + b)/3,
    deviations (a − 20 − 2b)/6 and (20 + 2b − a)/3, so S² = (20 + 2b − a)²/18 and
    CV ≤ 1/2 ⟺ 2(20 + 2b − a)² ≤ (16 + a + b)². For a ≤ 20 + 2b this is
    a(1 + √2) ≥ 20√2 − 16 + b(2√2 − 1): b > 0 only raises the a needed, so b = 0 and
    a ≥ (20√2 − 16)/(1 + √2) = 5.088 → a = 6 (a = 5: 2·225 = 450 > 441; a = 6: 2·196 = 392 ≤
    484). a > 20 costs more. No other kind moves this CV, and the other CVs and every school's
    rule already hold (qualified (5.0, 6.0): CV 0.088; backbone and PE/art (1.5, 2.0): CV 0.14;
    facilities equal per pupil: 0).
    Optimum: multimedia_rooms 6 at A, 6 × 60 000 = 360 000 — A reaches 10 rooms = 5.0 per 100,
    beyond its threshold 2.3 (the threshold alone needs only 1 room: 4.6 → 5). The rule-only
    lower bound is 0, so the threshold grid cannot prove this; the grid here is every a in
    0..10 and b in 0..2, and the argument above does.
    Item 3: A 4 classes, B 2 → 1 music and 1 art room each, held.
    """
    tables = {
        "schools": [school_row("A"), school_row("B")],
        "stages": [stage_row("A", "primary", 200, multimedia_rooms=4, music_rooms=1,
                             art_rooms=1),
                   stage_row("B", "primary", 100, multimedia_rooms=12, music_rooms=1,
                             art_rooms=1)],
        "teachers": _staff("A", "primary", 10, backbone=3, pe_art=3)
        + _staff("B", "primary", 6, backbone=2, pe_art=2),
    }
    grid = {("A", "primary", "multimedia_rooms"): list(range(11)),
            ("B", "primary", "multimedia_rooms"): list(range(3))}
    return Case("cv_binds", tables, dict(PRICES), Fraction(360000),
                [act("A", "primary", "multimedia_rooms", 6)], grid, proven_by_bound=False)


def make_over_budget() -> Case:
    """(c) The cheapest passing plan costs 442 500 元; the budget is 300 000: short 142 500.

    P1, primary, 200 pupils: teaching area 720 m² = 3.6 (80 % < 85 %), the rest met
    (passing_teachers; stage_row's figures) → fails. 85 % is 3.825 × 200 = 765 m² (+45 m²,
    135 000 元); 100 % is 900 m² (+180, 540 000). Cheapest: +45 m², 135 000.
    J1, junior, 300 pupils: equipment 600 000 元 = 2000 (80 %), multimedia 6 rooms = 2.0 per 100
    (83.3 %); the rest met (passing_teachers: 17 bachelors = 5.67 ≥ 5.3, 4 backbone = 1.33,
    4 PE = 1.33; teaching 10, sports 20 per pupil). Equipment 85 %: 2125 × 300 = 637 500
    (+37 500 元), 100 %: 750 000 (+150 000); multimedia 85 %: 6.12 → 7 rooms (+1, 60 000),
    100 %: 7.2 → 8 (+2, 120 000). One of the two may stay at ≥ 85 %:
    equipment 85 % + multimedia 100 % = 37 500 + 120 000 = 157 500;
    equipment 100 % + multimedia 85 % = 150 000 + 60 000 = 210 000; both 100 %: 270 000.
    Cheapest: 157 500. J1 has 6 classes and no art room: item 3 needs 1 (+150 000).
    Optimum 135 000 + 157 500 + 150 000 = 442 500; budget 300 000 → shortfall 142 500.
    One school–stage per stage: every CV is 0.
    """
    tables = {
        "schools": [school_row("P1"), school_row("J1", "junior")],
        "stages": [stage_row("P1", "primary", 200, teaching_area_m2=720, music_rooms=1,
                             art_rooms=1),
                   stage_row("J1", "junior", 300, equipment_value_yuan=600000,
                             multimedia_rooms=6, music_rooms=1, art_rooms=0)],
        "teachers": _staff("P1", "primary", 10, backbone=3, pe_art=3)
        + _staff("J1", "junior", 17, backbone=4, pe_art=4),
    }
    actions = [act("J1", "junior", "art_rooms", 1),
               act("J1", "junior", "equipment_yuan", 37500),
               act("J1", "junior", "multimedia_rooms", 2),
               act("P1", "primary", "teaching_area_m2", 45)]
    return Case("over_budget", tables, dict(PRICES), Fraction(442500), actions,
                threshold_grid(tables), budget=300000, expected_shortfall=Fraction(142500))


def _no_land_tables(sports_n1: int) -> dict[str, list[dict[str, Any]]]:
    return {
        "schools": [school_row("N1"), school_row("N2")],
        "stages": [stage_row("N1", "primary", 400, sports_area_m2=sports_n1,
                             multimedia_rooms=8, music_rooms=1, art_rooms=1),
                   stage_row("N2", "primary", 400, sports_area_m2=4000, multimedia_rooms=12,
                             music_rooms=1, art_rooms=1)],
        "teachers": _staff("N1", "primary", 18, backbone=5, pe_art=5)
        + _staff("N2", "primary", 18, backbone=5, pe_art=5),
    }


NO_LAND_CAPS: dict[GridKey, int] = {("N1", "primary", "sports_area_m2"): 0}


def make_no_land() -> Case:
    """(d) N1 has no land: its sports area cannot grow (cap 0). Feasible.

    N1, primary, 400 pupils: sports 2800 m² = 7.0 (93.3 %), multimedia 8 rooms = 2.0 per 100
    (87 %), the other five met (18 bachelors = 4.5, 5 backbone = 1.25, 5 PE = 1.25; stage_row's
    figures) → misses two, fails. N2, primary, 400 pupils: sports 4000 = 10.0, 12 rooms = 3.0,
    all met. Item 3: 8 classes each → 1 music, 1 art room, held.
    With land, the cheapest fix is sports to 7.5 × 400 = 3000 m² (+200 m² × 300 = 60 000),
    multimedia left at 87 % (multimedia to 100 % needs 9.2 → 10 rooms, +2 = 120 000).
    Without land N1 must meet the other six: multimedia +2 rooms, 120 000, sports left at
    93.3 % ≥ 85 %. Optimum 120 000: multimedia_rooms 2 at N1.
    CVs after: multimedia (2.5, 3.0) → X̄ 2.75, S 0.25, CV 0.091; sports (7.0, 10.0) → X̄ 8.5,
    S 1.5, CV 0.176; the rest 0.
    """
    tables = _no_land_tables(2800)
    return Case("no_land", tables, dict(PRICES), Fraction(120000),
                [act("N1", "primary", "multimedia_rooms", 2)],
                threshold_grid(tables, caps=NO_LAND_CAPS), caps=dict(NO_LAND_CAPS))


def make_no_land_infeasible() -> Case:
    """(d′) As ``no_land`` but N1's sports area is 2400 m² = 6.0 per pupil (80 % < 85 %) and
    cannot grow: N1 can never meet the per-school rule, so no plan passes (infeasible; the
    binding limit is N1's sports area). With land the optimum would be sports to 85 %
    (6.375 × 400 = 2550 m², +150 m² = 45 000) and multimedia to 100 % (+2 rooms, 120 000):
    165 000 (sports to 100 %, +600 m² = 180 000, with multimedia at 87 %: 180 000)."""
    tables = _no_land_tables(2400)
    return Case("no_land_infeasible", tables, dict(PRICES), None, [],
                threshold_grid(tables, caps=NO_LAND_CAPS), caps=dict(NO_LAND_CAPS))


CASES = {
    "floor_cheaper": make_floor_cheaper,
    "cv_binds": make_cv_binds,
    "over_budget": make_over_budget,
    "no_land": make_no_land,
    "no_land_infeasible": make_no_land_infeasible,
}
