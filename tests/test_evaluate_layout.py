"""The evaluation's shortcuts through its own table layout (issue 18), against brute force.

The per-unit counts and the JSON's per-unit indicators are read from the indicator table's
blocks (one block per indicator, each the units in order) instead of grouping it; when the rows
are not laid out so (an evaluation edited by hand, a stage listed twice) they are grouped. Both
ways are checked here against counts and dicts rebuilt row by row in the test.
"""

from __future__ import annotations

import dataclasses
import random
from collections import defaultdict

import polars as pl
import pytest

import junheng

UNIT = ("county", "school_id", "name", "school_type", "location", "stage", "students")


@pytest.fixture(scope="module")
def dataset():
    return junheng.generate_sample(schools=14, seed=3, counties=2)


def brute_units(ev) -> list[tuple]:
    """(unit columns…, met_count, meets_rule) per distinct unit, in order of first row."""
    met, floors, order = defaultdict(int), defaultdict(list), []
    for r in ev.indicators.iter_rows(named=True):
        key = tuple(r[c] for c in UNIT)
        if key not in met:
            order.append(key)
        met[key] += r["met"] is True
        floors[key].append(r["floor_met"])
    std = ev.standard
    out = []
    for key in order:
        students = key[UNIT.index("students")]
        floors_ok = all(f for f in floors[key] if f is not None)
        rule = (met[key] >= std.min_indicators_met and floors_ok) if students > 0 else None
        out.append((*key, met[key] if students > 0 else None, rule))
    return out


@pytest.mark.parametrize("duplicated", [False, True], ids=["laid-out", "stage-twice"])
def test_each_units_counts_are_those_of_its_indicator_rows(dataset, duplicated):
    if duplicated:  # not a validated input: the units are grouped, not read by block
        dataset = dataclasses.replace(dataset, stages=pl.concat(
            [dataset.stages, dataset.stages.head(2)]))
    ev = junheng.evaluate(dataset)
    got = ev.schools.select(*UNIT, "met_count", "meets_rule").rows()
    assert got == brute_units(ev)
    assert len(got) == dataset.stages.height - (2 if duplicated else 0)
    assert any(r[-1] is False for r in got) and any(r[-1] is True for r in got)


def brute_indicators(ev) -> dict[tuple[str, str], dict]:
    """Each unit's JSON indicators, rebuilt from the indicator rows one at a time."""
    out: dict[tuple[str, str], dict] = defaultdict(dict)
    for r in ev.indicators.iter_rows(named=True):
        entry = {"value": r["value"], "threshold": r["threshold"], "met": r["met"],
                 "ratio": r["ratio"]}
        if r["met"] is False:
            whole = r["unit"] in ("teachers", "rooms", "computers", "books")
            entry["shortfall"] = int(r["shortfall"]) if whole else r["shortfall"]
            entry["shortfall_unit"] = r["unit"]
        out[(r["school_id"], r["stage"])][r["indicator"]] = entry
    return out


def test_the_json_gives_each_unit_its_indicators_in_any_row_order(dataset):
    ev = junheng.evaluate(dataset)
    rows = list(range(ev.indicators.height))
    random.Random(5).shuffle(rows)
    shuffled = dataclasses.replace(ev, indicators=ev.indicators[rows])
    keys = [i.key for i in ev.standard.indicators]
    for evaluation in (ev, shuffled):
        expected = brute_indicators(evaluation)  # keys in the order of the rows
        doc = evaluation.to_dict()
        units = [u for c in doc["counties"] for u in c["resources"]["schools"]]
        assert len(units) == len(expected) == ev.schools.height
        for u in units:
            got = u["indicators"]
            want = expected[(u["school_id"], u["stage"])]
            assert list(got.items()) == list(want.items())
            if evaluation is ev:  # laid out: the standard's order
                assert list(got) == keys
        assert any("shortfall" in e for u in units for e in u["indicators"].values())
    assert shuffled.to_json() != ev.to_json()  # the same entries, listed in another order
    assert sorted(shuffled.to_json().splitlines()) == sorted(ev.to_json().splitlines())
