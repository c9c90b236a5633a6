"""``evaluate(dataset, standard)``: the resource-allocation evaluation and its JSON."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from junheng.evaluate._cv import cv_table
from junheng.evaluate._indicators import indicator_table, school_table
from junheng.evaluate._units import Note, build_units
from junheng.model.dataset import Dataset, Problem
from junheng.model.schema import STAGES
from junheng.standards import INTEGER_UNITS, Standard, load_standard

STAGE_ORDER = {stage: i for i, stage in enumerate(STAGES)}


@dataclass
class Evaluation:
    """The result of evaluating a dataset against a standard.

    Tables (Polars):

    - ``indicators``: one row per school–stage and indicator (value, threshold, met, ratio,
      floor_met, shortfall, unit);
    - ``schools``: one row per school–stage (met_count, meets_rule; null when it has no pupils);
    - ``stages``: one row per county, stage and indicator (county_value = X̄, cv, cv_limit,
      cv_met);
    - ``counties``: one row per county (verdict, resources_verdict, schools_meeting_rule).
    """

    standard: Standard
    units: pl.DataFrame
    indicators: pl.DataFrame
    schools: pl.DataFrame
    stages: pl.DataFrame
    counties: pl.DataFrame
    notes: list[Note] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """The output of DATA-CONTRACT.md as plain Python objects (numbers unrounded)."""
        from junheng import __version__

        # Split each table by county once: filtering per county rescans a province's tables
        # once for each of its counties.
        parts = {name: getattr(self, name).partition_by("county", as_dict=True)
                 for name in ("stages", "schools", "indicators")}
        return {
            "junheng": __version__,
            "standard": self.standard.id,
            "counties": [self._county_dict(row, *(parts[n].get((row["county"],))
                                                  for n in ("stages", "schools", "indicators")))
                         for row in self.counties.iter_rows(named=True)],
            "warnings": [_problem_dict(w) for w in self.warnings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent, allow_nan=False)

    def write_json(self, path: str | Path) -> Path:
        """Write the JSON atomically (temporary file, then rename)."""
        from junheng.io import write_text

        write_text(path, self.to_json() + "\n")
        return Path(path)

    def _county_dict(self, county_row: dict[str, Any], stage_rows: pl.DataFrame | None,
                     units: pl.DataFrame, indicators: pl.DataFrame) -> dict[str, Any]:
        county = county_row["county"]
        if stage_rows is None:  # no pupils anywhere in the county: no CVs
            stage_rows = self.stages.clear()
        stages: dict[str, Any] = {}
        for stage in STAGES:
            rows = stage_rows.filter(pl.col("stage") == stage)
            stage_units = units.filter(pl.col("stage") == stage)
            if stage_units.height == 0:
                continue  # a stage with no schools is absent
            stages[stage] = {
                "schools": stage_units.height,
                "students": int(stage_units.get_column("students").sum()),
                "county_value": {r["indicator"]: _num(r["county_value"])
                                 for r in rows.iter_rows(named=True)},
                "cv": {r["indicator"]: _num(r["cv"]) for r in rows.iter_rows(named=True)},
                "cv_limit": self.standard.cv_limits[stage],
                "cv_met": {r["indicator"]: r["cv_met"] for r in rows.iter_rows(named=True)},
                "schools_meeting_rule": int(stage_units.get_column("meets_rule").sum() or 0),
            }
        by_unit: dict[tuple[str, str], dict[str, Any]] = {}
        for r in indicators.iter_rows(named=True):
            entry: dict[str, Any] = {"value": _num(r["value"]), "threshold": r["threshold"],
                                     "met": r["met"], "ratio": _num(r["ratio"])}
            if r["met"] is False:
                shortfall = _num(r["shortfall"])
                if shortfall is not None and r["unit"] in INTEGER_UNITS:
                    shortfall = int(shortfall)  # whole teachers, whole rooms
                entry["shortfall"] = shortfall
                entry["shortfall_unit"] = r["unit"]
            by_unit.setdefault((r["school_id"], r["stage"]), {})[r["indicator"]] = entry
        schools = [{
            "school_id": u["school_id"], "name": u["name"], "stage": u["stage"],
            "students": u["students"], "indicators": by_unit[(u["school_id"], u["stage"])],
            "met_count": u["met_count"], "meets_rule": u["meets_rule"],
        } for u in units.iter_rows(named=True)]
        return {
            "county": county,
            "verdict": county_row["verdict"],
            "resources": {"verdict": county_row["resources_verdict"], "stages": stages,
                          "schools": schools},
            "notes": [{"zh": n.zh, "en": n.en} for n in self.notes if n.county == county],
        }


def _num(value: float | None) -> float | None:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return None
    return value


def _problem_dict(p: Problem) -> dict[str, Any]:
    return {"table": p.table, "row": p.row, "column": p.column, "value": p.value,
            "message_zh": p.expected_zh, "message_en": p.expected_en}


def evaluate(dataset: Dataset, standard: Standard | str | Path = "quality-2017") -> Evaluation:
    """Evaluate every county of ``dataset`` against ``standard`` (a profile or its name/path).

    Resource allocation of STANDARDS.md §1.1–1.2: indicators per school–stage, the per-school
    rule, the student-weighted CVs, and the verdicts. The other three parts of quality-2017 are
    not evaluated yet, so a county that passes resource allocation is ``incomplete``, not ``pass``.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=20, seed=3)
    >>> result = junheng.evaluate(junheng.load(path))
    >>> result.counties.get_column("verdict").to_list()[0] in ("fail", "incomplete")
    True
    """
    if not isinstance(standard, Standard):
        standard = load_standard(standard)
    units, notes = build_units(dataset, standard)
    indicators = indicator_table(units, standard)
    schools = school_table(indicators, standard)
    stages = cv_table(indicators, standard.cv_limits, standard.tolerance).sort(
        "county", pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order")
    counties = _verdicts(schools, stages)
    return Evaluation(standard, units, indicators, schools, stages, counties, notes,
                      list(dataset.warnings))


def _verdicts(schools: pl.DataFrame, stages: pl.DataFrame) -> pl.DataFrame:
    per_unit = schools.group_by("county").agg(
        pl.col("meets_rule").sum().cast(pl.Int64).alias("schools_meeting_rule"),
        pl.col("meets_rule").is_not_null().sum().cast(pl.Int64).alias("schools_evaluated"),
        (pl.col("meets_rule").fill_null(True)).all().alias("_rule_ok"),
        pl.col("stage").unique().alias("_stages"),
    )
    per_cv = stages.group_by("county").agg(
        pl.col("cv_met").all().alias("_cv_ok"),
        pl.col("stage").unique().alias("_cv_stages"),
    )
    out = per_unit.join(per_cv, on="county", how="left").with_columns(
        # Every stage with units must have CVs (a stage whose units all have 0 pupils has none).
        (pl.col("_rule_ok") & pl.col("_cv_ok").fill_null(False)
         & (pl.col("_stages").list.len() == pl.col("_cv_stages").list.len().fill_null(0)))
        .alias("_pass"))
    resources = pl.when(pl.col("_pass")).then(pl.lit("pass")).otherwise(pl.lit("fail"))
    # Only resource allocation is evaluated so far: passing it leaves the county incomplete.
    verdict = pl.when(pl.col("_pass")).then(pl.lit("incomplete")).otherwise(pl.lit("fail"))
    return out.select("county", verdict.alias("verdict"), resources.alias("resources_verdict"),
                      "schools_meeting_rule", "schools_evaluated").sort("county")
