"""From the model's counts to named teachers, and the roster with the moves applied."""

from __future__ import annotations

import hashlib
from dataclasses import replace

import polars as pl

from junheng.model.dataset import Dataset
from junheng.plan.rotation.model import RotationModel

MOVE_SCHEMA = {
    "county": pl.String, "exchange": pl.Int64, "direction": pl.String, "teacher_id": pl.String,
    "stage": pl.String, "subject": pl.String, "backbone": pl.String, "is_backbone": pl.Boolean,
    "groups": pl.List(pl.String), "from_school_id": pl.String, "from_name": pl.String,
    "to_school_id": pl.String, "to_name": pl.String, "km": pl.Float64, "arc": pl.String,
    "form": pl.String, "counted": pl.Boolean, "school_group": pl.String,
}


def _rank(teacher_id: str, seed: int) -> str:
    return hashlib.sha256(f"{seed}:{teacher_id}".encode()).hexdigest()


def name_teachers(model: RotationModel, solution: list[float], pools: dict[int, pl.DataFrame],
                  seed: int, form: str) -> pl.DataFrame:
    """One row per teacher moved, exchanges in pairs: each arc's teachers sent, each followed
    by the teacher who comes back for them (``exchange`` numbers the pairs in a county).

    Of a type's teachers, those longest at their school go first, then a seeded order — the
    same seed always names the same teachers. A move that must bring teachers of a subject
    (where the subject is at risk) takes them first. ``form`` is recorded on each move unless
    its arc has its own (a school group's type: 集团内交流, 学区内交流), and ``school_group``
    names the group an exchange is inside (scope group; else null).
    """
    d = model.data
    moved = model.read(solution)
    needs = model.subjects_arriving(solution)
    order = sorted(moved, key=lambda c: (model.moves[c].arc, model.moves[c].direction != "out",
                                         model.moves[c].type))
    remaining: dict[int, list[dict]] = {}
    chosen: dict[int, list[dict]] = {col: [] for col in order}
    for col in order:
        key = model.moves[col].type
        if key not in remaining:
            pool = pools[key].with_columns(pl.col("teacher_id").map_elements(
                lambda i: _rank(i, seed), return_dtype=pl.String).alias("_rank"))
            remaining[key] = list(pool.sort("school_since", "_rank").iter_rows(named=True))
    # First the teachers of the subjects a move must bring, then the rest in order.
    for col in order:
        pool = remaining[model.moves[col].type]
        for subject, n in sorted(needs.get(col, {}).items()):
            picked = [r for r in pool if r["subject"] == subject][:n]
            chosen[col] += picked
            for r in picked:
                pool.remove(r)
    for col in order:
        pool = remaining[model.moves[col].type]
        more = moved[col] - len(chosen[col])
        chosen[col] += pool[:more]
        del pool[:more]
    by_arc: dict[int, tuple[list[dict], list[dict]]] = {}
    for col in order:
        mv = model.moves[col]
        t = model.types[mv.type]
        side = by_arc.setdefault(mv.arc, ([], []))[0 if mv.direction == "out" else 1]
        side += [{"teacher": r, "groups": sorted(t.groups), "is_backbone": t.backbone,
                  "counted": t.counted} for r in chosen[col]]
    rows = []
    exchange = 0
    for i in sorted(by_arc):
        arc = d.arcs[i]
        out, back = by_arc[i]
        for sent, came in zip(out, back, strict=True):  # the balance rows pair them
            exchange += 1
            for direction, item, source, dest in (("send", sent, arc.sender, arc.receiver),
                                                  ("return", came, arc.receiver, arc.sender)):
                r = item["teacher"]
                rows.append({
                    "county": d.county, "exchange": exchange, "direction": direction,
                    "teacher_id": r["teacher_id"], "stage": arc.stage, "subject": r["subject"],
                    "backbone": r["backbone"], "is_backbone": item["is_backbone"],
                    "groups": item["groups"], "from_school_id": source,
                    "from_name": d.names[source], "to_school_id": dest, "to_name": d.names[dest],
                    "km": arc.km, "arc": arc.kind, "form": arc.form or form,
                    "counted": item["counted"], "school_group": arc.school_group})
    return pl.DataFrame(rows, schema=MOVE_SCHEMA, orient="row")


PREDICTED_SCHEMA = {"school_id": pl.String, "stage": pl.String, "group": pl.String,
                    "teachers": pl.Int64, "meets_rule": pl.Boolean}


def predicted_empty() -> pl.DataFrame:
    return pl.DataFrame(schema=PREDICTED_SCHEMA)


def predicted(model: RotationModel, solution: list[float]) -> pl.DataFrame:
    """The model's own figures after the moves: teachers per group and the rule, per unit."""
    rows = []
    for (k, school, stage), col in model.counts.items():
        z = model.rule.get((school, stage))
        rows.append({"school_id": school, "stage": stage, "group": k,
                     "teachers": round(solution[col]),
                     "meets_rule": None if z is None else solution[z] > 0.5})
    return pl.DataFrame(rows, schema=PREDICTED_SCHEMA, orient="row")


def apply_moves(dataset: Dataset, moves: pl.DataFrame, year: int,
                form: str = "regular_exchange") -> Dataset:
    """The roster after ``moves``: each teacher at the new school since ``year``, and a
    ``rotations`` record for each (the same data contract as the input)."""
    if moves.height == 0:
        return dataset
    dest = moves.select("teacher_id", pl.col("to_school_id").alias("_to"))
    teachers = dataset.teachers.join(dest, on="teacher_id", how="left",
                                     maintain_order="left").with_columns(
        pl.coalesce("_to", "school_id").alias("school_id"),
        pl.when(pl.col("_to").is_not_null()).then(pl.lit(year)).otherwise(
            pl.col("school_since")).cast(dataset.teachers.schema["school_since"])
        .alias("school_since"),
    ).drop("_to")
    records = moves.select(
        "teacher_id", "from_school_id", "to_school_id",
        pl.lit(year, dtype=pl.Int64).alias("school_year"),
        (pl.col("form") if "form" in moves.columns else pl.lit(form)).alias("form"))
    rotations = records if dataset.rotations is None else pl.concat(
        [dataset.rotations, records.cast(dataset.rotations.schema)])
    return replace(dataset, teachers=teachers, rotations=rotations)
