"""``evaluate(dataset, standard)``: every part of the standard, the verdicts, and the JSON."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from junheng.evaluate._cv import cv_table
from junheng.evaluate._indicators import indicator_table, school_table
from junheng.evaluate._parts import evaluate_parts
from junheng.evaluate._roster import rotated_ids, tally_teachers
from junheng.evaluate._units import Note, build_units, extra_numerator_columns
from junheng.model.calendar import default_year
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
      cv_met; for a composite standard, cv_composite, cv_composite_limit, cv_composite_met);
    - ``counties``: one row per county (verdict, resources_verdict, the other parts' verdicts,
      vetoes present, schools_meeting_rule);
    - ``items``: one row per county and item of the other parts (source computed / declared /
      missing, met, headline value and threshold); ``checks``: every condition of each item;
      ``breaches``: the schools (or teachers, grouped by school) behind a failed item;
      ``vetoes``: each veto condition as declared (null: not declared); ``parts``: per part.
    """

    standard: Standard
    units: pl.DataFrame
    indicators: pl.DataFrame
    schools: pl.DataFrame
    stages: pl.DataFrame
    counties: pl.DataFrame
    items: pl.DataFrame
    checks: pl.DataFrame
    breaches: pl.DataFrame
    vetoes: pl.DataFrame
    parts: pl.DataFrame
    year: int
    notes: list[Note] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    projected_from: int | None = None  # the data's school year, when ``year`` is projected

    def to_dict(self) -> dict[str, Any]:
        """The output of DATA-CONTRACT.md as plain Python objects (numbers unrounded)."""
        from junheng import __version__

        # Split each table by county once: filtering per county rescans a province's tables
        # once for each of its counties.
        parts = {name: getattr(self, name).partition_by("county", as_dict=True)
                 for name in ("stages", "schools", "indicators")}
        others = _other_parts(self)
        return {
            "junheng": __version__,
            "standard": self.standard.id,
            "school_year": self.year,
            "counties": [{**self._county_dict(row, *(parts[n].get((row["county"],))
                                                     for n in ("stages", "schools",
                                                               "indicators"))),
                          **others.get(row["county"], {})}
                         for row in self.counties.iter_rows(named=True)],
            "warnings": [_problem_dict(w) for w in self.warnings],
        }

    def to_json(self, indent: int | None = 2) -> str:
        from junheng.io._json import dumps

        return dumps(self.to_dict(), indent=indent)

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
            entry: dict[str, Any] = {
                "schools": stage_units.height,
                "students": int(stage_units.get_column("students").sum()),
                "county_value": {r["indicator"]: _num(r["county_value"])
                                 for r in rows.iter_rows(named=True)},
                "cv": {r["indicator"]: _num(r["cv"]) for r in rows.iter_rows(named=True)},
            }
            if self.standard.cv_limits is not None:
                entry["cv_limit"] = self.standard.cv_limits[stage]
                entry["cv_met"] = {r["indicator"]: r["cv_met"] for r in rows.iter_rows(named=True)}
            if self.standard.cv_composite_limits is not None:
                first = rows.row(0, named=True) if rows.height else {}
                entry["cv_composite"] = _num(first.get("cv_composite"))
                entry["cv_composite_limit"] = self.standard.cv_composite_limits[stage]
                entry["cv_composite_met"] = bool(first.get("cv_composite_met", False))
            if self.standard.has_school_rule:
                entry["schools_meeting_rule"] = int(stage_units.get_column("meets_rule").sum()
                                                    or 0)
            stages[stage] = entry
        by_unit: dict[tuple[str, str], dict[str, Any]] = {}
        for r in indicators.iter_rows(named=True):
            if r["threshold"] is None:  # an indicator for the CVs only (basic-2012)
                by_unit.setdefault((r["school_id"], r["stage"]), {})[r["indicator"]] = {
                    "value": _num(r["value"])}
                continue
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
        vetoes = {v.key: v for v in self.standard.vetoes}
        return {
            "county": county,
            "verdict": county_row["verdict"],
            # The veto conditions that occurred: any one makes the county fail.
            "vetoes_present": [{"key": key, "name": vetoes[key].name,
                                "name_en": vetoes[key].name_en}
                               for key in county_row["vetoes_present"]],
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


def evaluate(dataset: Dataset, standard: Standard | str | Path = "quality-2017",
             year: int | None = None) -> Evaluation:
    """Evaluate every county of ``dataset`` against ``standard`` (a profile or its name/path).

    Resource allocation (STANDARDS.md §1.1–1.2): indicators per school–stage, the per-school
    rule, the student-weighted CVs (each against its limit, or their mean against a composite
    limit). The other parts (§1.3–1.5): items computed from the rosters or declared in the
    ``county`` table, and the veto list. ``year`` is the school year evaluated (by its starting
    year; default: the latest in ``rotations``, else the one under way).

    County verdict: ``fail`` when any part fails or a veto condition occurred; ``pass`` only when
    every part passes, every veto is declared absent and the standard leaves nothing unmodelled;
    otherwise ``incomplete``.

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
    _require_numerators(dataset, standard)
    year = default_year(dataset) if year is None else year
    # The teachers counted once, for the units and the teacher items alike.
    tally = tally_teachers(dataset, standard, year, rotated_ids(dataset, year))
    units, notes = build_units(dataset, standard, tally.units)
    indicators = indicator_table(units, standard)
    schools = school_table(indicators, standard)
    stages = cv_table(indicators, standard.cv_limits, standard.tolerance,
                      composite_limits=standard.cv_composite_limits).sort(
        "county", pl.col("stage").replace_strict(STAGE_ORDER), "indicator_order")
    counties = sorted(schools.get_column("county").unique().to_list())
    other = evaluate_parts(dataset, standard, units, year, counties, notes, tally)
    verdicts = _verdicts(schools, stages, other["parts"], other["vetoes"], standard)
    return Evaluation(standard, units, indicators, schools, stages, verdicts, other["items"],
                      other["checks"], other["breaches"], other["vetoes"], other["parts"], year,
                      notes, list(dataset.warnings))


def _require_numerators(dataset: Dataset, standard: Standard) -> None:
    """Optional stage columns an indicator of this standard sums (basic-2012: books, computers)
    must be filled on every stage row: a missing figure would silently bend the CV."""
    from junheng.io import InputError
    from junheng.model.schema import TABLES

    problems = []
    for column in extra_numerator_columns(standard):
        ind = next(i for i in standard.indicators if i.numerator == ("column", column))
        empty = dataset.stages.filter(pl.col(column).is_null())
        label = f"{TABLES['stages'].column(column).zh} {column}"
        problems += [Problem("学段 stages", None, label, f"{r['school_id']} {r['stage']}",
                             f"标准 {standard.id} 的指标「{ind.name}」需要此列，学校 {r['school_id']} "
                             f"的{r['stage']}学段为空",
                             f"standard {standard.id} needs this column for {ind.key}; empty "
                             f"for school {r['school_id']}, stage {r['stage']}")
                     for r in empty.iter_rows(named=True)]
    if problems:
        raise InputError(problems, list(dataset.warnings))


def _verdicts(schools: pl.DataFrame, stages: pl.DataFrame, parts: pl.DataFrame,
              vetoes: pl.DataFrame, standard: Standard) -> pl.DataFrame:
    per_unit = schools.group_by("county").agg(
        pl.col("meets_rule").sum().cast(pl.Int64).alias("schools_meeting_rule"),
        pl.col("meets_rule").is_not_null().sum().cast(pl.Int64).alias("schools_evaluated"),
        (pl.col("meets_rule").fill_null(True)).all().alias("_rule_ok"),
        pl.col("stage").unique().alias("_stages"),
    )
    met_column = "cv_composite_met" if standard.cv_composite_limits is not None else "cv_met"
    per_cv = stages.group_by("county").agg(
        pl.col(met_column).all().alias("_cv_ok"),
        pl.col("stage").unique().alias("_cv_stages"),
    )
    out = per_unit.join(per_cv, on="county", how="left").with_columns(
        # Every stage with units must have CVs (a stage whose units all have 0 pupils has none).
        (pl.col("_rule_ok") & pl.col("_cv_ok").fill_null(False)
         & (pl.col("_stages").list.len() == pl.col("_cv_stages").list.len().fill_null(0)))
        .alias("_pass"))
    resources = pl.when(pl.col("_pass")).then(pl.lit("pass")).otherwise(pl.lit("fail"))
    out = out.select("county", resources.alias("resources_verdict"), "schools_meeting_rule",
                     "schools_evaluated")
    for part in standard.parts:
        verdict = parts.filter(pl.col("part") == part.key).select(
            "county", pl.col("verdict").alias(f"{part.key}_verdict"))
        out = out.join(verdict, on="county", how="left")
    veto = vetoes.group_by("county").agg(
        pl.col("veto").filter(pl.col("present").fill_null(False)).alias("vetoes_present"),
        pl.col("present").is_null().any().alias("_veto_unknown"))
    out = out.join(veto, on="county", how="left").with_columns(
        pl.col("vetoes_present").fill_null([]), pl.col("_veto_unknown").fill_null(False))
    verdicts = [pl.col("resources_verdict")] + [pl.col(f"{p.key}_verdict") for p in standard.parts]
    any_fail = pl.any_horizontal([v == "fail" for v in verdicts]) | (
        pl.col("vetoes_present").list.len() > 0)
    all_pass = pl.all_horizontal([v == "pass" for v in verdicts]) & ~pl.col("_veto_unknown")
    # A standard with parts junheng does not model can never be judged a pass.
    complete = len(standard.unmodelled_parts) == 0
    verdict = (pl.when(any_fail).then(pl.lit("fail"))
               .when(all_pass & pl.lit(complete)).then(pl.lit("pass"))
               .otherwise(pl.lit("incomplete")))
    return out.with_columns(verdict.alias("verdict")).drop("_veto_unknown").select(
        "county", "verdict", pl.exclude("county", "verdict")).sort("county")


def _other_parts(ev: Evaluation) -> dict[str, dict[str, Any]]:
    """The JSON of the other parts and the vetoes, by county."""
    out: dict[str, dict[str, Any]] = {c: {} for c in ev.counties.get_column("county")}
    checks: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for c in ev.checks.iter_rows(named=True):
        boolean = c["op"] == "="
        checks.setdefault((c["county"], c["item"]), []).append({
            "key": c["check"], "name": c["label"], "op": c["op"],
            "value": _as_bool(c["value"]) if boolean else _num(c["value"]),
            "threshold": _as_bool(c["threshold"]) if boolean else _num(c["threshold"]),
            "met": c["met"]})
    breaches: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for b in ev.breaches.iter_rows(named=True):
        entry = {"school_id": b["school_id"], "name": b["name"], "value": _num(b["value"]),
                 "limit": _num(b["limit"]), "shortfall": _num(b["shortfall"]),
                 "detail_zh": b["detail_zh"],
                 "detail_en": b["detail_en"]}
        if b["stage"] is not None:
            entry["stage"] = b["stage"]
        if b["teachers"] is not None:
            entry["teachers"] = b["teachers"]
        breaches.setdefault((b["county"], b["item"]), []).append(entry)
    items = {p.key: {i.key: i for i in p.items} for p in ev.standard.parts}
    for part in ev.parts.iter_rows(named=True):
        out[part["county"]][part["part"]] = {
            "verdict": part["verdict"], "items_met": part["met"], "items_failed": part["failed"],
            "items_missing": part["missing"], "items": []}
    for r in ev.items.iter_rows(named=True):
        spec = items[r["part"]][r["item"]]
        item_checks = checks.get((r["county"], r["item"]), [])
        head = item_checks[0] if item_checks else {}
        entry = {"key": r["item"], "number": r["number"], "name": spec.name,
                 "name_en": spec.name_en, "source": r["source"], "met": r["met"],
                 "value": head.get("value"), "threshold": head.get("threshold"),
                 "checks": item_checks}
        if r["detail_zh"]:
            entry["detail_zh"], entry["detail_en"] = r["detail_zh"], r["detail_en"]
        if r["unknown"]:
            entry["unknown"] = r["unknown"]
        if (r["county"], r["item"]) in breaches:
            entry["breaches"] = breaches[(r["county"], r["item"])]
        out[r["county"]][r["part"]]["items"].append(entry)
    names = {v.key: v for v in ev.standard.vetoes}
    for v in ev.vetoes.iter_rows(named=True):
        out[v["county"]].setdefault("vetoes", []).append({
            "key": v["veto"], "name": names[v["veto"]].name, "name_en": names[v["veto"]].name_en,
            "present": v["present"]})
    return out


def _as_bool(value: float | None) -> bool | None:
    return None if value is None else value == 1.0
