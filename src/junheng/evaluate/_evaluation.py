"""``evaluate(dataset, standard)``: every part of the standard, the verdicts, and the JSON."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from junheng.evaluate._cv import cv_table
from junheng.evaluate._indicators import indicator_table, school_table
from junheng.evaluate._parts import evaluate_parts
from junheng.evaluate._roster import tally_teachers
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

        with _no_gc():
            return self._dict(__version__)

    def _dict(self, version: str) -> dict[str, Any]:
        # Each table is read once, column by column, and split by county in Python: filtering
        # per county (or iterating rows as dicts) costs seconds at a province's size.
        others = _other_parts(self)
        resources = _resources(self)
        notes: dict[str, list[dict[str, str]]] = {}
        for n in self.notes:
            notes.setdefault(n.county, []).append({"zh": n.zh, "en": n.en})
        vetoes = {v.key: v for v in self.standard.vetoes}
        counties = []
        for row in self.counties.iter_rows(named=True):
            county = row["county"]
            stages, schools = resources.get(county, ({}, []))
            counties.append({
                "county": county,
                "verdict": row["verdict"],
                # The veto conditions that occurred: any one makes the county fail.
                "vetoes_present": [{"key": key, "name": vetoes[key].name,
                                    "name_en": vetoes[key].name_en}
                                   for key in row["vetoes_present"]],
                "resources": {"verdict": row["resources_verdict"], "stages": stages,
                              "schools": schools},
                "notes": notes.get(county, []),
                **others.get(county, {})})
        return {
            "junheng": version,
            "standard": self.standard.id,
            "school_year": self.year,
            "counties": counties,
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


def _finite(column: str) -> pl.Expr:
    """The column with NaN and ±inf as null (the JSON's undefined numbers)."""
    return pl.when(pl.col(column).is_finite()).then(pl.col(column)).alias(column)


def _columns(frame: pl.DataFrame, *columns: str | pl.Expr) -> list[list[Any]]:
    """The columns as Python lists (much faster than iterating rows as dicts)."""
    return [s.to_list() for s in frame.select(*columns).get_columns()]


def _where(frame: pl.DataFrame, condition: pl.Expr) -> list[int]:
    """The indices of the rows meeting ``condition``."""
    return frame.select(pl.arg_where(condition)).to_series().to_list()


@contextmanager
def _no_gc() -> Iterator[None]:
    """The cyclic garbage collector paused: building millions of dicts and lists (none of them
    garbage) otherwise triggers collections that rescan all of them, several times over."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _grouped(frame: pl.DataFrame, keys: list[str], entries: list[Any],
             ) -> dict[tuple[Any, ...], list[Any]]:
    """``entries`` (one per row of ``frame``) listed by the rows' ``keys``, in row order; taken
    a run of equal keys at a time (a table built key by key has few runs)."""
    runs = frame.select(pl.struct(keys).rle().alias("_run")).unnest("_run").unnest("value")
    out: dict[tuple[Any, ...], list[Any]] = {}
    start = 0
    for length, *key in zip(*_columns(runs, "len", *keys), strict=True):
        out.setdefault(tuple(key), []).extend(entries[start:start + length])
        start += length
    return out


def _resources(ev: Evaluation) -> dict[str, tuple[dict[str, Any], list[dict[str, Any]]]]:
    """Per county: the resources part's stages (schools, pupils, county values and CVs) and
    its schools, each with its indicators."""
    std = ev.standard
    schools = ev.schools
    per_unit = _unit_indicators(ev.indicators, schools)
    # Per county and stage: the stage table's rows, and the schools' count, pupils and rule.
    composite = std.cv_composite_limits is not None
    extra = [_finite("cv_composite"), "cv_composite_met"] if composite else []
    stage_rows = _grouped(ev.stages, ["county", "stage"], list(zip(*_columns(
        ev.stages, "indicator", _finite("county_value"), _finite("cv"), "cv_met", *extra),
        strict=True)))
    sums = schools.group_by("county", "stage").agg(
        pl.len().alias("n"), pl.col("students").sum(), pl.col("meets_rule").sum())
    totals = {(c, s): (n, students, rule) for c, s, n, students, rule in sums.iter_rows()}
    entries = [{"school_id": school_id, "name": name, "stage": stage, "students": students,
                "indicators": indicators, "met_count": met_count, "meets_rule": meets_rule}
               for school_id, name, stage, students, met_count, meets_rule, indicators in zip(
                   *_columns(schools, "school_id", "name", "stage", "students", "met_count",
                             "meets_rule"), per_unit, strict=True)]
    out: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
        county: ({}, units) for (county,), units in _grouped(schools, ["county"], entries).items()}
    for county, (stages, _) in out.items():
        for stage in STAGES:
            if (county, stage) not in totals:
                continue  # a stage with no schools is absent
            rows = stage_rows.get((county, stage), [])
            n, students, rule = totals[(county, stage)]
            entry: dict[str, Any] = {
                "schools": n, "students": int(students),
                "county_value": {r[0]: r[1] for r in rows}, "cv": {r[0]: r[2] for r in rows}}
            if std.cv_limits is not None:
                entry["cv_limit"] = std.cv_limits[stage]
                entry["cv_met"] = {r[0]: r[3] for r in rows}
            if composite:
                entry["cv_composite"] = rows[0][4] if rows else None
                entry["cv_composite_limit"] = std.cv_composite_limits[stage]
                entry["cv_composite_met"] = bool(rows[0][5]) if rows else False
            if std.has_school_rule:
                entry["schools_meeting_rule"] = int(rule or 0)
            stages[stage] = entry
    return out


def _unit_indicators(indicators: pl.DataFrame, schools: pl.DataFrame) -> list[dict[str, Any]]:
    """Each school–stage's indicators (key → value, threshold, met, ratio, and the shortfall
    when missed), one dict per row of ``schools``."""
    rows = indicators.height
    n = schools.height
    entries = _indicator_entries(indicators)
    keys = ["county", "school_id", "stage"]
    # The indicator table is one block per indicator, each in the schools' order: the
    # entries of a unit are then at the same place in each block. Checked, else grouped.
    blocks = rows // n if n else 0
    laid_out = n > 0 and blocks * n == rows and not schools.select(
        pl.struct("school_id", "stage").is_duplicated().any()).item() and all(
        indicators.slice(b * n, n).select(keys).equals(schools.select(keys))
        and indicators.slice(b * n, n).get_column("indicator").n_unique() == 1
        for b in range(blocks))
    if laid_out:
        names = indicators.get_column("indicator").gather_every(n).to_list()
        return [dict(zip(names, unit, strict=True))
                for unit in zip(*(entries[b * n:(b + 1) * n] for b in range(blocks)),
                                strict=True)]
    by_unit: dict[tuple[str, str, str], dict[str, Any]] = {}
    for county, school_id, stage, key, entry in zip(
            *_columns(indicators, *keys, "indicator"), entries, strict=True):
        by_unit.setdefault((county, school_id, stage), {})[key] = entry
    return [by_unit[key] for key in zip(*_columns(schools, *keys), strict=True)]


def _indicator_entries(indicators: pl.DataFrame) -> list[dict[str, Any]]:
    """One JSON entry per indicator row: value, threshold, met and ratio; and the shortfall
    when missed; only the value for an indicator of the CVs alone (basic-2012)."""
    values, thresholds, mets, ratios = _columns(
        indicators, _finite("value"), "threshold", "met", _finite("ratio"))
    out = [{"value": value, "threshold": threshold, "met": met, "ratio": ratio}
           for value, threshold, met, ratio in zip(values, thresholds, mets, ratios,
                                                   strict=True)]
    missed = indicators.with_row_index("_row").filter(
        pl.col("threshold").is_not_null() & pl.col("met").not_())
    whole = pl.col("unit").is_in(list(INTEGER_UNITS))
    shortfall = pl.col("shortfall")
    for row, unit, whole_n, short in zip(*_columns(
            missed, "_row", "unit",
            # whole teachers, whole rooms
            pl.when(whole & shortfall.is_finite()).then(shortfall.cast(pl.Int64)).alias("_whole"),
            pl.when(~whole).then(_finite("shortfall"))), strict=True):
        entry = out[row]
        entry["shortfall"] = short if whole_n is None else whole_n
        entry["shortfall_unit"] = unit
    for row in _where(indicators, pl.col("threshold").is_null()):
        out[row] = {"value": values[row]}
    return out


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
    tally = tally_teachers(dataset, standard, year)
    units, notes = build_units(dataset, standard, tally.units)
    indicators = indicator_table(units, standard)
    # The indicator table is one block of rows per indicator, each the units in order: the
    # per-unit counts and the CVs' groups are read through that layout.
    schools = school_table(indicators, standard, units)
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
    keys = ["county", "item"]
    # A yes/no check's value and threshold are true/false (stored as 1.0 / 0.0).
    boolean = pl.col("op") == "="
    as_bool = {c: pl.when(boolean).then(pl.col(c) == 1.0) for c in ("value", "threshold")}
    checks = _grouped(ev.checks, keys, [
        {"key": key, "name": name, "op": op, "value": value if flag is None else flag,
         "threshold": threshold if flag_t is None else flag_t, "met": met}
        for key, name, op, value, flag, threshold, flag_t, met in zip(*_columns(
            ev.checks, "check", "label", "op", _finite("value"), as_bool["value"].alias("_v"),
            _finite("threshold"), as_bool["threshold"].alias("_t"), "met"), strict=True)])
    entries = [{"school_id": school_id, "name": name, "value": value, "limit": limit,
                "shortfall": shortfall, "detail_zh": zh, "detail_en": en}
               for school_id, name, value, limit, shortfall, zh, en in zip(*_columns(
                   ev.breaches, "school_id", "name", _finite("value"), _finite("limit"),
                   _finite("shortfall"), "detail_zh", "detail_en"), strict=True)]
    for column in ("stage", "teachers"):
        present = ev.breaches.with_row_index("_row").filter(pl.col(column).is_not_null())
        for row, value in zip(*_columns(present, "_row", column), strict=True):
            entries[row][column] = value
    breaches = _grouped(ev.breaches, keys, entries)
    items = {p.key: {i.key: i for i in p.items} for p in ev.standard.parts}
    for county, part, verdict, met, failed, missing in ev.parts.select(
            "county", "part", "verdict", "met", "failed", "missing").iter_rows():
        out[county][part] = {"verdict": verdict, "items_met": met, "items_failed": failed,
                             "items_missing": missing, "items": []}
    for county, part, key, number, source, met, zh, en, unknown in zip(*_columns(
            ev.items, "county", "part", "item", "number", "source", "met", "detail_zh",
            "detail_en", "unknown"), strict=True):
        spec = items[part][key]
        item_checks = checks.get((county, key), [])
        head = item_checks[0] if item_checks else {}
        entry = {"key": key, "number": number, "name": spec.name,
                 "name_en": spec.name_en, "source": source, "met": met,
                 "value": head.get("value"), "threshold": head.get("threshold"),
                 "checks": item_checks}
        if zh:
            entry["detail_zh"], entry["detail_en"] = zh, en
        if unknown:
            entry["unknown"] = unknown
        if (county, key) in breaches:
            entry["breaches"] = breaches[(county, key)]
        out[county][part]["items"].append(entry)
    names = {v.key: v for v in ev.standard.vetoes}
    for county, veto, present in ev.vetoes.select("county", "veto", "present").iter_rows():
        out[county].setdefault("vetoes", []).append({
            "key": veto, "name": names[veto].name, "name_en": names[veto].name_en,
            "present": present})
    return out
