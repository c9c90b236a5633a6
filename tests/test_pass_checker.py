"""Tests of ``pass_checker`` (the independent checker of issue 15's path-to-pass plans) on tiny
hand-made counties, each expected value worked out by hand in a comment, and the brute-force
optima of the cases a planner is compared on (``pass_checker.CASES``)."""

from __future__ import annotations

import math
from fractions import Fraction

import polars as pl
import pytest

import junheng
import pass_checker as pc
from conftest import passing_teachers, school_row, stage_row, teachers, write_xlsx

C = pc.COUNTY
P = "primary"
J = "junior"


def _county(units, extra_teachers=(), rooms=None, **school_extra):
    """Tables for single-stage schools: ``units`` = [(school_id, stage, students, figures)], each
    with passing teachers and one music and one art room unless the figures say otherwise."""
    schools, stages, staff = [], [], []
    for sid, stage, n, figures in units:
        schools.append(school_row(sid, stage, **school_extra.get(sid, {})))
        stages.append(stage_row(sid, stage, n, **{"music_rooms": 1, "art_rooms": 1, **figures}))
        staff += passing_teachers(sid, stage, n)
    tables = {"schools": schools, "stages": stages, "teachers": staff + list(extra_teachers)}
    if rooms is not None:
        tables["rooms"] = rooms
    return tables


def _unit(result, sid, stage, county=C):
    return result["counties"][county]["units"][(sid, stage)]


def _cv(result, stage, key, county=C):
    return result["counties"][county]["cv"][stage][key]


# --- the CV ---------------------------------------------------------------------------------------

def test_golden_cv_example_as_teaching_area():
    # STANDARDS.md §1.2 with books → teaching area (m²): pupils and m² (45, 279), (37, 137),
    # (89, 935), (76, 160), (55, 402). X̄ = 1913/302 = 6.334437, S² = 10.652787,
    # S = 3.263861, CV = 0.515257 > 0.50: the teaching-area balance fails.
    pairs = [(45, 279), (37, 137), (89, 935), (76, 160), (55, 402)]
    tables = _county([(f"G{i}", P, n, {"teaching_area_m2": m2})
                      for i, (n, m2) in enumerate(pairs)])
    r = pc.recompute(tables)
    cv = _cv(r, P, "teaching_area_per_student")
    assert cv["mean"] == Fraction(1913, 302)
    assert round(float(cv["s2"]), 6) == 10.652787
    assert round(cv["cv"], 6) == 0.515257
    assert cv["met"] is False
    assert r["counties"][C]["cv_pass"] is False and r["passes"] is False
    # 137 m² for 37 pupils is 3.70 < 0.85 × 4.5 = 3.825: G1 also fails the per-school rule.
    assert _unit(r, "G1", P)["meets_rule"] is False
    # Unweighted forms would give 0.4888 (÷ n) and pass; the checker must not.
    xs = [m2 / n for n, m2 in pairs]
    mean = sum(xs) / 5
    assert round(math.sqrt(sum((x - mean) ** 2 for x in xs) / 5) / mean, 4) == 0.4888


def test_cv_exactly_at_the_limit_passes_primary_fails_junior():
    # Two schools of 100 pupils, 4 and 12 multimedia rooms → 4.0 and 12.0 per 100: X̄ = 8,
    # S² = ½·16 + ½·16 = 16, CV = 4/8 = 0.50 exactly: ≤ 0.50 (primary) holds, ≤ 0.45 (junior)
    # does not. 4 rooms is 4.0 ≥ 2.3 (primary) and ≥ 2.4 (junior): the rule holds everywhere.
    for stage, ok in ((P, True), (J, False)):
        tables = _county([("X", stage, 100, {"multimedia_rooms": 4}),
                          ("Y", stage, 100, {"multimedia_rooms": 12})])
        cv = _cv(pc.recompute(tables), stage, "multimedia_rooms_per100")
        assert (cv["mean"], cv["s2"]) == (8, 16)
        assert cv["met"] is ok


def test_cv_one_school_is_zero_and_zero_mean_is_not_met():
    # One school–stage: S² = 0, CV 0. Two schools with no multimedia room: X̄ = 0, CV undefined,
    # not met (and each school is at 0 % of 2.3, so the rule fails too).
    r = pc.recompute(_county([("X", P, 100, {})]))
    assert _cv(r, P, "multimedia_rooms_per100")["s2"] == 0 and r["passes"] is True
    r = pc.recompute(_county([("X", P, 100, {"multimedia_rooms": 0}),
                              ("Y", P, 100, {"multimedia_rooms": 0})]))
    cv = _cv(r, P, "multimedia_rooms_per100")
    assert cv["mean"] == 0 and cv["cv"] is None and cv["met"] is False


# --- the per-school rule and the teachers ---------------------------------------------------------

def test_per_school_rule_floor_is_inclusive_and_exact():
    # 100 pupils: sports 637.5 m² = 6.375 = exactly 85 % of 7.5 → 6 of 7 met, the 7th at 85 %:
    # meets. 637 m² = 6.37 < 6.375: fails. 637.5 m² with 2 multimedia rooms (2.0 < 2.3) → two
    # missed: 6.375 and 2.0/2.3 = 87 % are both ≥ 85 %, but only 5 of 7 are met: fails.
    cases = [({"sports_area_m2": 637.5}, True, 6), ({"sports_area_m2": 637}, False, 6),
             ({"sports_area_m2": 637.5, "multimedia_rooms": 2}, False, 5)]
    for figures, ok, met in cases:
        u = _unit(pc.recompute(_county([("X", P, 100, figures)])), "X", P)
        assert (u["meets_rule"], u["met_count"]) == (ok, met)
    u = _unit(pc.recompute(_county([("X", P, 100, {"sports_area_m2": 637.5})])), "X", P)
    assert u["ratio"]["sports_area_per_student"] == Fraction(85, 100)
    assert u["missed"] == ["sports_area_per_student"]


def test_teacher_groups():
    # Junior, 100 pupils, teachers built by hand (no passing_teachers):
    #   5 bachelor chinese full-time, 1 city backbone            → qualified 5, backbone 1
    #   2 associate music full-time (associate: not qualified for junior) → PE/art 2
    #   3 master pe NOT full-time                                 → counted nowhere
    # qualified 5.0 < 5.3 (94 %), backbone 1.0 ≥ 1.0, PE/art 2.0 ≥ 0.9.
    staff = (teachers("X", J, 1, education="bachelor", backbone="city")
             + teachers("X", J, 4, education="bachelor")
             + teachers("X", J, 2, education="associate", subject="music")
             + teachers("X", J, 3, education="master", subject="pe", full_time="否"))
    tables = {"schools": [school_row("X", J)],
              "stages": [stage_row("X", J, 100, music_rooms=1, art_rooms=1)], "teachers": staff}
    u = _unit(pc.recompute(tables), "X", J)
    assert u["values"]["qualified_teachers_per100"] == 5
    assert u["values"]["backbone_teachers_per100"] == 1
    assert u["values"]["pe_art_teachers_per100"] == 2
    assert u["meets_rule"] is True and u["missed"] == ["qualified_teachers_per100"]
    # The same associates count as qualified in a primary school (associate or higher).
    for t in staff:
        t["stage"] = P
    tables.update(schools=[school_row("X", P)],
                  stages=[stage_row("X", P, 100, music_rooms=1, art_rooms=1)])
    assert _unit(pc.recompute(tables), "X", P)["values"]["qualified_teachers_per100"] == 7


def test_nine_year_school_split_and_zero_pupils():
    # STANDARDS.md §1.1 worked example with teaching area: 166 primary and 210 junior pupils,
    # 23 226 m² given only as the school total: primary share 166 / (166 + 1.1 × 210) = 166/397,
    # primary 9711.63 m², junior 13514.37 m².
    tables = {"schools": [school_row("N", "nine_year", teaching_area_m2=23226)],
              "stages": [stage_row("N", P, 166, teaching_area_m2=None, music_rooms=1,
                                   art_rooms=1),
                         stage_row("N", J, 210, teaching_area_m2=None)],
              "teachers": passing_teachers("N", P, 166) + passing_teachers("N", J, 210)}
    r = pc.recompute(tables)
    assert _unit(r, "N", P)["values"]["teaching_area_per_student"] * 166 == Fraction(
        23226 * 166, 397)
    assert round(float(_unit(r, "N", J)["values"]["teaching_area_per_student"] * 210), 2) \
        == 13514.37
    # Item 3 is per school: 166 // 45 + 210 // 45 = 3 + 4 = 7 classes → 1 room of each, held
    # by the primary row's rooms (the junior row has none).
    assert r["counties"][C]["rooms"]["N"] == {"classes": 7, "need": 1, "music": 1, "art": 1,
                                             "met": True}
    # A stage with 0 pupils is not judged and stays out of the CVs.
    tables = _county([("X", P, 100, {}), ("Z", P, 0, {"multimedia_rooms": 0})])
    r = pc.recompute(tables)
    assert _unit(r, "Z", P)["meets_rule"] is None
    assert _cv(r, P, "multimedia_rooms_per100")["s2"] == 0 and r["passes"] is True


# --- item 3 ---------------------------------------------------------------------------------------

def test_item3_rooms():
    # 13 classes → ceil(13/12) = 2 rooms of each; 1 music, 2 art: fails; +1 music room: passes.
    tables = _county([("X", P, 500, {"classes": 13, "music_rooms": 1, "art_rooms": 2})])
    r = pc.recompute(tables)
    assert r["counties"][C]["rooms"]["X"]["need"] == 2
    assert r["counties"][C]["rooms_pass"] is False and r["counties"][C]["rule_pass"] is True
    assert pc.recompute(tables, [(C, "X", P, "music_rooms", 1)])["passes"] is True
    # 12 classes → 1 of each.
    assert pc.recompute(_county([("X", P, 500, {"classes": 12})]))["passes"] is True
    # Room counts unknown: item 3 unknown (None), and the county does not pass.
    tables = _county([("X", P, 500, {"music_rooms": None, "art_rooms": None})])
    r = pc.recompute(tables)
    assert r["counties"][C]["rooms"]["X"]["met"] is None and r["passes"] is False
    # A school listed in `rooms` is judged on its rooms of ≥ 96 m² (music) / ≥ 90 m² (art):
    # one music room of 96 m² counts, an art room of 89.5 m² does not → art 0 < 1.
    rooms = [{"school_id": "X", "room_type": "music", "area_m2": 96},
             {"school_id": "X", "room_type": "art", "area_m2": 89.5}]
    tables = _county([("X", P, 500, {"music_rooms": 5, "art_rooms": 5})], rooms=rooms)
    got = pc.recompute(tables)["counties"][C]["rooms"]["X"]
    assert (got["music"], got["art"], got["met"]) == (1, 0, False)


# --- actions --------------------------------------------------------------------------------------

def test_actions_change_what_they_should():
    # Primary, 100 pupils, passing_teachers: 6 bachelors (2 backbone, 2 PE, 2 Chinese).
    tables = _county([("X", P, 100, {"sports_area_m2": 700, "multimedia_rooms": 2})])
    before = _unit(pc.recompute(tables), "X", P)["values"]
    actions = [(C, "X", P, "hire_pe_art", 1), (C, "X", P, "hire_qualified", 2),
               (C, "X", P, "appoint_backbone", 2), (C, "X", P, "sports_area_m2", 50.5),
               (C, "X", P, "sports_area_m2", 0.5), (C, "X", P, "multimedia_rooms", 1),
               (C, "X", P, "equipment_yuan", 100), (C, "X", P, "teaching_area_m2", 10)]
    r = pc.recompute(tables, actions)
    after = _unit(r, "X", P)["values"]
    assert r["problems"] == []
    # PE/art hire: +1 PE/art and +1 qualified; 2 qualified hires: +2 qualified (per 100 = count).
    assert after["pe_art_teachers_per100"] == before["pe_art_teachers_per100"] + 1
    assert after["qualified_teachers_per100"] == before["qualified_teachers_per100"] + 3
    assert after["backbone_teachers_per100"] == before["backbone_teachers_per100"] + 2
    # (700 + 51) / 100 = 7.51; rows on the same key add up.
    assert after["sports_area_per_student"] == Fraction(751, 100)
    assert after["multimedia_rooms_per100"] == 3
    assert after["equipment_value_per_student"] == before["equipment_value_per_student"] + 1
    assert after["teaching_area_per_student"] == before["teaching_area_per_student"] + Fraction(
        1, 10)
    # The same as a Polars frame (the planner's form, with cost_yuan).
    frame = pl.DataFrame([{"county": c, "school_id": s, "stage": st, "kind": k,
                           "amount": float(a), "cost_yuan": 0.0}
                          for c, s, st, k, a in actions])
    assert _unit(pc.recompute(tables, frame), "X", P)["values"] == after


def test_bad_actions_are_problems():
    tables = _county([("X", P, 100, {})])
    bad = [(C, "X", P, "demolish", 1), (C, "Q", P, "hire_pe_art", 1),
           ("别县", "X", P, "hire_pe_art", 1), (C, "X", P, "sports_area_m2", -5),
           (C, "X", P, "multimedia_rooms", 0.5), (C, "X", P, "appoint_backbone", 5)]
    r = pc.recompute(tables, bad, caps={("X", P, "sports_area_m2"): 0,
                                        ("X", P, "hire_pe_art"): 0})
    text = "\n".join(r["problems"])
    # passing_teachers(100): 6 teachers, 2 backbone → 4 may be appointed, not 5.
    for needle in ("unknown kind", "no such school–stage", "county '别县'", "negative amount",
                   "must be a whole number", "exceeds the cap", "only 4 non-backbone"):
        assert needle in text
    assert r["passes"] is False
    # 4 appointments are fine; with appoint_new_hires, hires join the pool.
    assert pc.recompute(tables, [(C, "X", P, "appoint_backbone", 4)])["problems"] == []
    both = [(C, "X", P, "appoint_backbone", 5), (C, "X", P, "hire_qualified", 1)]
    assert pc.recompute(tables, both)["problems"]
    assert pc.recompute(tables, both, appoint_new_hires=True)["problems"] == []


def test_cost_and_shortfall():
    # 2 PE/art hires × 80 000 × 3 years + 450 m² × 300 + 1 music room 150 000
    # = 480 000 + 135 000 + 150 000 = 765 000.
    actions = [(C, "S1", P, "hire_pe_art", 2), (C, "S1", P, "sports_area_m2", 450),
               (C, "S1", P, "music_rooms", 1), (C, "S1", P, "appoint_backbone", 0)]
    assert pc.cost(actions, pc.PRICES, hire_years=3) == 765000
    assert pc.cost(actions, pc.PRICES) == 160000 + 135000 + 150000
    assert pc.cost([(C, "S1", P, "equipment_yuan", 0.1)], {"equipment_yuan": 3}) == Fraction(
        3, 10)
    assert pc.shortfall(Fraction(442500), 300000) == 142500
    assert pc.shortfall(Fraction(100), 300000) == 0
    assert pc.shortfall(None, 300000) is None


# --- the grid -------------------------------------------------------------------------------------

def test_grid_has_the_teacher_corner_where_pe_art_hires_cover_the_qualified_gap():
    # Primary, 100 pupils, 6 full-time teachers with secondary education (none qualified),
    # 2 of them backbone, none PE/art: qualified 0 and PE/art 0 are both missed.
    # Qualified: 85 % 3.57 → 4 teachers, 100 % 4.2 → 5. PE/art: 0.765 → 1 and 0.9 → 1.
    # One of the two may stay at ≥ 85 %; PE/art hires count as qualified too.
    # With PE/art hires at 50 000 and qualified hires at 80 000:
    #   (q, p) = (3, 1): qualified 4 (85 %), PE 1 → 240 000 + 50 000 = 290 000
    #   (q, p) = (0, 4): qualified 4, PE 4      → 200 000           ← optimum
    #   (q, p) = (0, 5) / (4, 1): 250 000 / 370 000.
    staff = (teachers("X", P, 2, education="secondary", backbone="county")
             + teachers("X", P, 4, education="secondary"))
    tables = {"schools": [school_row("X")],
              "stages": [stage_row("X", P, 100, music_rooms=1, art_rooms=1)], "teachers": staff}
    prices = {**pc.PRICES, "hire_pe_art": 50000}
    # Grid: p ∈ {0, P_l = 1, max(P_l, Q_m) = 4, 5}; q ∈ {0} ∪ {max(0, Q_m − p)} with
    # Q_m ∈ {4, 5}: 4, 3, 0, 5, 4, 1, 0 → {0, 1, 3, 4, 5}.
    grid = pc.threshold_grid(tables)
    assert grid == {("X", P, "hire_pe_art"): [0, 1, 4, 5],
                    ("X", P, "hire_qualified"): [0, 1, 3, 4, 5]}
    opt = pc.brute_force(tables, prices, grid)
    assert opt.min_cost == 200000
    assert opt.actions == [{"county": C, "school_id": "X", "stage": P, "kind": "hire_pe_art",
                            "amount": 4}]
    assert pc.rule_lower_bound(tables, prices, grid).min_cost == 200000
    # Every whole (q, p) up to 6 each: the same optimum.
    wide = {("X", P, "hire_pe_art"): range(7), ("X", P, "hire_qualified"): range(7)}
    assert pc.brute_force(tables, prices, wide).min_cost == 200000
    # With both hires at 80 000, (3, 1) and (0, 4) tie at 4 × 80 000 = 320 000; (0, 5) costs
    # 400 000. The optimum is 320 000.
    assert pc.brute_force(tables, pc.PRICES, grid).min_cost == 320000


def test_grid_respects_caps_and_the_backbone_pool():
    # Primary, 100 pupils: backbone 0 of 6 → 85 % and 100 % both need 1 appointment; sports
    # 600 m² (6.0, 80 %): 85 % needs +38 m² (637.5 → 638), 100 % +150; cap sports at 100.
    staff = teachers("X", P, 6, education="bachelor", subject="pe")
    tables = {"schools": [school_row("X")],
              "stages": [stage_row("X", P, 100, sports_area_m2=600, music_rooms=1,
                                   art_rooms=1)],
              "teachers": staff}
    grid = pc.threshold_grid(tables, caps={("X", P, "sports_area_m2"): 100})
    assert grid == {("X", P, "appoint_backbone"): [0, 1], ("X", P, "sports_area_m2"): [0, 38]}
    # Backbone to 100 % (20 000) and sports to 85 % (38 × 300 = 11 400): 31 400.
    assert pc.brute_force(tables, pc.PRICES, grid).min_cost == 31400
    # 200 pupils and one full-time teacher, a backbone one (backbone 0.5 per 100 < 0.85):
    # appointments would need +1 (1.7 → 2 and 2.0 → 2), but there is no non-backbone full-time
    # teacher to appoint, so the grid has none — unless new hires may be appointed.
    tables["teachers"] = (teachers("X", P, 1, education="bachelor", backbone="county")
                          + teachers("X", P, 5, full_time="否"))
    tables["stages"] = [stage_row("X", P, 200, music_rooms=1, art_rooms=1)]
    assert ("X", P, "appoint_backbone") not in pc.threshold_grid(tables)
    grid = pc.threshold_grid(tables, appoint_new_hires=True)
    assert grid[("X", P, "appoint_backbone")] == [0, 1]


# --- the cases a planner is compared on -----------------------------------------------------------

@pytest.mark.parametrize("name", sorted(pc.CASES))
def test_case_brute_force_matches_the_hand_optimum(name):
    case = pc.CASES[name]()
    caps = case.caps or None
    assert pc.recompute(case.tables, caps=caps)["passes"] is False   # every case needs a plan
    opt = pc.brute_force(case.tables, case.prices, case.grid, case.hire_years, caps=caps)
    assert opt.min_cost == case.expected_min_cost
    assert opt.actions == case.expected_actions
    if case.expected_min_cost is None:
        return
    after = pc.recompute(case.tables, case.expected_actions, caps=caps)
    assert after["passes"] is True and after["problems"] == []
    assert pc.cost(case.expected_actions, case.prices, case.hire_years) == case.expected_min_cost
    # The lower bound (rule and item 3 only, on the threshold grid) proves it where no CV binds.
    bound = pc.rule_lower_bound(case.tables, case.prices,
                                pc.threshold_grid(case.tables, caps=caps), case.hire_years,
                                caps=caps)
    assert (bound.min_cost == case.expected_min_cost) is case.proven_by_bound


def test_floor_cheaper_details():
    case = pc.make_floor_cheaper()
    r = pc.recompute(case.tables, case.expected_actions)
    u = _unit(r, "S1", P)
    # PE/art 3 + 2 = 5 → 1.0 ≥ 0.9; qualified 22 + 2 = 24 → 4.8; sports 6.6 left at 88 %.
    assert u["values"]["pe_art_teachers_per100"] == 1
    assert u["values"]["qualified_teachers_per100"] == Fraction(48, 10)
    assert u["missed"] == ["sports_area_per_student"]
    assert u["ratio"]["sports_area_per_student"] == Fraction(88, 100)
    # Meeting all seven is dearer: +2 hires and +450 m² = 295 000.
    all_seven = [*case.expected_actions, (C, "S1", P, "sports_area_m2", 450)]
    assert pc.cost(all_seven, case.prices) == 295000
    # Three years of salary per hire: the optimum flips to 1 hire (PE/art at 4 → 0.8, 88.9 %)
    # and +450 m²: 240 000 + 135 000 = 375 000 < 2 × 240 000 = 480 000.
    opt = pc.brute_force(case.tables, case.prices, case.grid, hire_years=3)
    assert opt.min_cost == 375000
    assert [(a["kind"], a["amount"]) for a in opt.actions] == [("hire_pe_art", 1),
                                                              ("sports_area_m2", 450)]
    # The threshold grid's answer holds against every whole m² from 0 to 450 and 0–3 hires.
    wide = {("S1", P, "hire_pe_art"): range(4), ("S1", P, "sports_area_m2"): range(451)}
    assert pc.brute_force(case.tables, case.prices, wide).min_cost == 160000


def test_cv_binds_details():
    case = pc.make_cv_binds()
    before = pc.recompute(case.tables)
    assert before["counties"][C]["rule_pass"] is True                    # every school meets it
    cv = _cv(before, P, "multimedia_rooms_per100")
    # X̄ = 16/3, S² = 200/9, CV = 0.884.
    assert (cv["mean"], cv["s2"]) == (Fraction(16, 3), Fraction(200, 9))
    assert round(cv["cv"], 3) == 0.884
    # a = 5 rooms: 2(20 − 5)² = 450 > (16 + 5)² = 441, still over; a = 6: 392 ≤ 484.
    five = pc.recompute(case.tables, [(C, "A", P, "multimedia_rooms", 5)])
    assert five["passes"] is False
    six = pc.recompute(case.tables, case.expected_actions)
    cv = _cv(six, P, "multimedia_rooms_per100")
    # a = 6: X̄ = 22/3, S² = 14²/18 = 98/9, CV = √(98/9)/(22/3) = 7√2/22 = 0.450.
    assert (cv["mean"], cv["s2"]) == (Fraction(22, 3), Fraction(98, 9))
    assert round(cv["cv"], 4) == 0.45
    # A reaches 10 rooms / 200 pupils = 5.0 per 100, beyond the threshold 2.3, which 1 room
    # (5 rooms → 2.5) would already meet.
    assert _unit(six, "A", P)["values"]["multimedia_rooms_per100"] == 5
    assert pc.threshold_grid(case.tables) == {("A", P, "multimedia_rooms"): [0, 1]}
    assert pc.brute_force(case.tables, case.prices, pc.threshold_grid(case.tables)).min_cost \
        is None                                # the threshold grid alone finds no passing plan


def test_over_budget_details():
    case = pc.make_over_budget()
    opt = pc.brute_force(case.tables, case.prices, case.grid)
    assert opt.min_cost == 442500 and case.budget == 300000
    assert pc.shortfall(opt.min_cost, case.budget) == case.expected_shortfall == 142500
    # J1's other pairing (equipment 100 %, multimedia 85 %) passes but costs 52 500 more.
    other = [(C, "J1", J, "art_rooms", 1), (C, "J1", J, "equipment_yuan", 150000),
             (C, "J1", J, "multimedia_rooms", 1), (C, "P1", P, "teaching_area_m2", 45)]
    assert pc.recompute(case.tables, other)["passes"] is True
    assert pc.cost(other, case.prices) == 442500 + 52500


def test_no_land_details():
    case = pc.make_no_land()
    # Without the cap, sports to 100 % (+200 m², 60 000) would be the cheaper fix.
    free = pc.brute_force(case.tables, case.prices, pc.threshold_grid(case.tables))
    assert free.min_cost == 60000
    assert [(a["kind"], a["amount"]) for a in free.actions] == [("sports_area_m2", 200)]
    assert pc.recompute(case.tables, free.actions, caps=case.caps)["problems"] == [
        "('N1', 'primary', 'sports_area_m2'): 200 exceeds the cap 0"]
    # The infeasible variant: with land it would cost 165 000; without, no plan passes.
    bad = pc.make_no_land_infeasible()
    free = pc.brute_force(bad.tables, bad.prices, pc.threshold_grid(bad.tables))
    assert free.min_cost == 165000
    assert pc.rule_lower_bound(bad.tables, bad.prices, bad.grid, caps=bad.caps).min_cost is None


@pytest.mark.parametrize("name", sorted(pc.CASES))
def test_case_workbook_reads_back_the_same(name, tmp_path):
    # The workbook the planner will be given holds the same county: junheng.load's Dataset
    # recomputes to the same values as the tables.
    case = pc.CASES[name]()
    dataset = junheng.load(write_xlsx(tmp_path / f"{name}.xlsx", case.tables))
    a, b = pc.recompute(case.tables), pc.recompute(dataset)
    assert a["counties"].keys() == b["counties"].keys() == {C}
    for key in ("units", "cv", "rooms", "failures"):
        assert a["counties"][C][key] == b["counties"][C][key]
    if case.expected_min_cost is not None:
        assert pc.recompute(dataset, case.expected_actions, caps=case.caps)["passes"] is True


def test_check_plan_on_a_planner_frame():
    case = pc.make_over_budget()

    def frame(actions, years=1):
        return pl.DataFrame([{**a, "amount": float(a["amount"]),
                              "cost_yuan": float(pc.cost([a], case.prices, years))}
                             for a in actions])

    good = frame(case.expected_actions)
    assert pc.check_plan(case.tables, good, case.prices,
                         expected_min_cost=case.expected_min_cost) == []
    problems = pc.check_plan(case.tables, good, case.prices, budget=case.budget)
    assert problems == ["[budget] the plan costs 442500 > budget 300000"]
    # A wrong cost_yuan, a dearer plan, and a plan that fails are all reported.
    wrong = good.with_columns(pl.when(pl.col("kind") == "art_rooms").then(1.0)
                              .otherwise(pl.col("cost_yuan")).alias("cost_yuan"))
    assert any(p.startswith("[cost] row 0 (J1, art_rooms)")
               for p in pc.check_plan(case.tables, wrong, case.prices))
    dear = frame([*case.expected_actions, pc.act("P1", P, "teaching_area_m2", 1)])
    assert pc.check_plan(case.tables, dear, case.prices, expected_min_cost=442500) == [
        "[optimum] the plan costs 445500, the optimum is 442500"]
    short = frame(case.expected_actions[:3])
    assert any("P1 primary" in p for p in pc.check_plan(case.tables, short, case.prices))
