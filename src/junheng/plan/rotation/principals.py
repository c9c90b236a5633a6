"""The principals' two-way exchange list (校长双向交流, STANDARDS.md §3).

Principals and vice-principals who have served ``principal_terms`` full terms of ``term_years``
at their school are paired across a quality (sending) school and a weak (receiving) school of
the same county and stage (a primary school's head with a primary school's), principal with
principal and vice-principal with vice-principal, and swap posts. Model: a bipartite matching, binary p[i, j] for each compatible pair (within
``max_km``), each person in at most one pair; lexicographic objective: (1) most pairs, (2) the
receiving schools that fail the per-school rule first, (3) least total distance.

The list is a proposal beside the teachers' plan: ``--apply`` does not move principals, because
a swap changes the posts the teacher plan balanced.
"""

from __future__ import annotations

import polars as pl

from junheng.plan._geo import Distances
from junheng.plan._milp import Milp, solve_lexicographic
from junheng.standards.compare import at_most
from junheng.standards.plan_rules import RotationRules

ROLES = ("principal", "vice_principal")


def principal_pairs(teachers: pl.DataFrame, roles: pl.DataFrame, failing: set[str],
                    rules: RotationRules, year: int, distances: Distances,
                    time_limit: float = 10.0, within_groups: bool = False) -> pl.DataFrame:
    """The exchange pairs: one row per pair (role, the quality school's and the weak school's
    person and school, km). ``within_groups`` (scope group): a leader's head pairs only with
    a head of one of its own members (the roles' ``school_group``)."""
    served = rules.principal_terms * rules.term_years
    heads = (teachers.filter(pl.col("role").is_in(list(ROLES))
                             & (year - pl.col("school_since") >= served).fill_null(False))
             .join(roles.select("school_id", "county", "name", "school_group",
                                pl.col("role").alias("school_role")), on="school_id")
             .sort("school_id", "teacher_id"))
    senders = [r for r in heads.iter_rows(named=True) if r["school_role"] == "send"]
    receivers = [r for r in heads.iter_rows(named=True) if r["school_role"] == "receive"]
    m = Milp()
    pairs = []
    for a in senders:
        for b in receivers:
            if (a["county"], a["role"], a["stage"]) != (b["county"], b["role"], b["stage"]):
                continue
            if within_groups and a["school_group"] != b["school_group"]:
                continue
            km = distances.km(a["school_id"], b["school_id"])
            if rules.max_km is not None and (km is None or not at_most(km, rules.max_km, 1e-9)):
                continue
            pairs.append((m.var(f"p[{a['teacher_id']},{b['teacher_id']}]", 0, 1, integer=True),
                          a, b, km))
    schema = {"role": pl.String, "county": pl.String, "stage": pl.String,
              "quality_person": pl.String,
              "quality_school_id": pl.String, "quality_school": pl.String,
              "weak_person": pl.String, "weak_school_id": pl.String, "weak_school": pl.String,
              "weak_fails_rule": pl.Boolean, "km": pl.Float64}
    if not pairs:
        return pl.DataFrame(schema=schema)
    for side in ("a", "b"):
        uses: dict[str, list[int]] = {}
        for col, a, b, _ in pairs:
            uses.setdefault((a if side == "a" else b)["teacher_id"], []).append(col)
        for person, cols in uses.items():
            m.row(f"once[{person}]", dict.fromkeys(cols, 1.0), upper=1.0)
    objectives = [
        ("pairs", {col: -1.0 for col, *_ in pairs}),
        ("weak_first", {col: -1.0 for col, _, b, _ in pairs if b["school_id"] in failing}),
        ("distance", {col: km for col, _, _, km in pairs if km}),
    ]
    solution = solve_lexicographic(m, objectives, time_limit).solution
    rows = []
    for col, a, b, km in pairs:
        if solution is not None and solution[col] > 0.5:
            rows.append({"role": a["role"], "county": a["county"], "stage": a["stage"],
                         "quality_person": a["teacher_id"], "quality_school_id": a["school_id"],
                         "quality_school": a["name"], "weak_person": b["teacher_id"],
                         "weak_school_id": b["school_id"], "weak_school": b["name"],
                         "weak_fails_rule": b["school_id"] in failing, "km": km})
    return pl.DataFrame(rows, schema=schema).sort("county", "role", "quality_school_id",
                                                  "quality_person", maintain_order=True)
