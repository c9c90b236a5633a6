"""The pupil model of the projection (issue 14): cohorts advance a grade a year, pure functions
over Polars tables.

Grades 1…P are primary and P+1…T junior, T = P + J (China's 6+3: P = 6, J = 3; a 5+4 profile
sets P = 5, J = 4). Year t is projected to t+1 county by county; ``x`` is the un-rounded number
of pupils, ``f`` the band factor (1 central, ``band_low`` low, ``band_high`` high)::

    survival    x[s, g+1, t+1] = x[s, g, t] · σ(g) · f                 primary g+1 ≤ P, junior g ≥ P+1
    transition  x[j, P+1, t+1] = Σ_s x[s, P, t] · σ(P) · f · b[j]       every junior school j
    entry       x[s, 1, t+1]   = E(t+1) · a[s]                          every primary school s
                E(t)           = births(t − A) · ρ · f                  when births are given
                E(base + k)    = Σ_s x[s, 1, base] · γ^k · f            otherwise

- σ(g): survival / migration ratio from grade g to g+1 (``survival_by_grade[g]``, else
  ``survival``); A the entry age (6); ρ the entry ratio; γ the yearly growth of the entrants.
- a[s]: primary school s's share of the county's grade-1 pupils in the base year (equal shares
  when the county has none); b[j]: junior school j's share of the county's grade-P+1 intake in
  the base year (equal shares when none). With ``allocation: shares`` all grade-P graduates of a
  county, a nine-year school's own included, are pooled and go to the junior schools by b; a
  school with only a primary stage gets no junior pupils; a county without a junior school loses
  its graduates.
- ``allocation: catchment``: school s's graduates go to its catchment junior school (the schools
  table's ``feeds_junior``; a school with a junior stage and none given keeps its own); only the
  graduates of schools without one are pooled and shared by b::

    x[j, P+1, t+1] = Σ_{s feeds j} x[s, P, t] · σ(P) · f + b[j] · Σ_{s feeds none} x[s, P, t] · σ(P) · f
- Students: per year, county and grade the school values are rounded by largest remainder: each
  school gets ⌊x⌋, then the N − Σ⌊x⌋ schools with the largest fractions get one more, where
  N = ⌊Σx + ½⌋ (ties: the lower school_id first; fractions compared to 1e-9). The un-rounded x is
  carried from year to year, so rounding never accumulates.
- Classes (max m: 45 primary, 50 junior): a class stays with its cohort (三年级二班 becomes
  四年级二班). A cohort of the base year keeps its class count c while students ≤ c · m;
  otherwise, and for every cohort that enters later, classes = ⌈students / m⌉ (0 for no pupils).
  The base year's rows keep the classes given (⌈students / m⌉ when not given).
- Without pupils by grade, each school–stage's total n over its k grades is spread evenly: each
  grade gets ⌊n/k⌋ and the n mod k lowest grades one more (largest remainder; equal fractions, the
  lower grade first); those rows carry ``spread = true`` (``SPREAD_NOTE`` says it in words).

Examples
--------
One primary school with 40 pupils in each grade and one junior school with 45; with no births
the entrants repeat the base year's grade 1 (γ = 1); the 40 graduates go to the junior school:

>>> grades = pl.DataFrame({
...     "county": ["A"] * 9, "school_id": ["P"] * 6 + ["J"] * 3,
...     "stage": ["primary"] * 6 + ["junior"] * 3, "grade": list(range(1, 10)),
...     "students": [40] * 6 + [45] * 3})
>>> p = project_pupils(grades, 1, base_year=2024)
>>> p.filter(pl.col("year") == 2025, pl.col("school_id") == "J")["students"].to_list()
[40, 45, 45]
>>> stage_totals(p).filter(pl.col("year") == 2025).rows()
[(2025, 'A', 'J', 'junior', 130, 3), (2025, 'A', 'P', 'primary', 240, 6)]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal, Self

import polars as pl

from junheng.errors import InputError, Problem, StandardError
from junheng.standards.params import Rules, param

Band = Literal["low", "central", "high"]
BANDS: tuple[str, ...] = ("low", "central", "high")

SPREAD_NOTE = ("各年级人数由学段总数平均分配（余数给低年级）",
               "pupils by grade spread evenly from the stage totals (the remainder to the lower "
               "grades)")

# The output columns, in order (students and classes are whole numbers).
COLUMNS = ("year", "county", "school_id", "stage", "grade", "students", "classes", "spread")
STAGE_COLUMNS = ("year", "county", "school_id", "stage", "students", "classes")

_KEY = ("county", "school_id", "stage")


@dataclass(frozen=True)
class CohortAssumptions(Rules):
    """The assumptions of the pupil model (the ``projection:`` section of a profile).

    ``survival_by_grade`` maps a grade g (1 … T−1) to the ratio from g to g+1 and overrides
    ``survival`` for that grade; ``calibrate`` fills it from history. Every value is checked on
    construction, all problems at once, in Chinese and English.

    Examples
    --------
    >>> a = CohortAssumptions.build({"entry_ratio": 0.9})
    >>> a.entry_ratio, a.survival_of(6), a.max_class("junior"), a.band_factor("low")
    (0.9, 1.0, 50, 0.95)
    >>> CohortAssumptions(entry_ratio=-0.1)
    Traceback (most recent call last):
    ...
    junheng.errors.StandardError: projection.entry_ratio: 应为 ≥ 0 的数 / must be a number ≥ 0, got -0.1
    """

    SECTION = "projection"
    TITLE = ("学生与教师预测", "pupil and teacher projection")

    primary_years: int = param(
        6, "小学年级数（六三制 6，五四制 5）", "primary grades (6 in the 6+3 system, 5 in 5+4)",
        "int", low=1, high=8, cli=False)
    junior_years: int = param(
        3, "初中年级数（六三制 3，五四制 4）", "junior grades (3 in the 6+3 system, 4 in 5+4)",
        "int", low=1, high=8, cli=False)
    entry_age: int = param(
        6, "入学年龄：一年级新生 = 该年数之前的出生人口 × 入学率",
        "entry age: grade-1 entrants = the births this many years before × the entry ratio",
        "int", low=3, high=9, unit=("岁", "years"), cli=False)
    entry_ratio: float = param(
        1.0, "入学率：一年级新生 ÷ 入学年龄前一年的出生人口（含迁移）",
        "entry ratio: grade-1 entrants ÷ the births entry-age years before (migration included)",
        "number", low=0.0)
    entry_growth: float = param(
        1.0, "无出生人口数据时一年级新生的年增长倍数",
        "yearly growth of the grade-1 entrants when no births are given", "number", low=0.0)
    survival: float = param(
        1.0, "升级保留率：下一年 g+1 年级人数 ÷ 本年 g 年级人数（含迁移）",
        "survival ratio: pupils in grade g+1 next year ÷ pupils in grade g (migration included)",
        "number", low=0.0)
    max_class_primary: int = param(
        45, "小学班额上限", "largest primary class", "int", low=1, high=200,
        unit=("人", "pupils"), cli=False)
    max_class_junior: int = param(
        50, "初中班额上限", "largest junior class", "int", low=1, high=200,
        unit=("人", "pupils"), cli=False)
    band_low: float = param(
        0.95, "低方案：入学率与保留率乘以此系数", "low band: the entry and survival ratios times this",
        "number", low=0.0, high=1.0)
    band_high: float = param(
        1.05, "高方案：入学率与保留率乘以此系数", "high band: the entry and survival ratios times this",
        "number", low=1.0, high=10.0)
    allocation: Literal["shares", "catchment"] = param(
        "shares", "小学毕业生升入初中的分配方式：按基准年各初中招生占比，或按学校表的对口初中",
        "how primary graduates go to junior schools: by each junior school's share of the base "
        "year's intake, or to the junior school each primary school feeds (the schools table's "
        "feeds_junior)", "choice", choices=("shares", "catchment"),
        labels={"shares": "按现有招生占比", "catchment": "按对口初中"})
    hiring: Literal["none", "same", "ratio"] = param(
        "none", "补充教师：不补充；退休一人补一人（同校同学科）；或按编制标准补足",
        "replacement hiring: none; one for each retiree (same school and subject); or up to the "
        "staffing ratio", "choice", choices=("none", "same", "ratio"),
        labels={"none": "不补充", "same": "退一补一", "ratio": "按编制标准补足"})
    staffing_ratio_primary: float = param(
        19.0, "小学编制标准：每名教师对应学生数（中央编办发〔2014〕72号 城乡统一 1:19）",
        "primary staffing ratio: pupils per teacher (the 2014 unified urban–rural standard "
        "1:19)", "number", low=1.0, high=100.0, unit=("人", "pupils"))
    staffing_ratio_junior: float = param(
        13.5, "初中编制标准：每名教师对应学生数（中央编办发〔2014〕72号 1:13.5）",
        "junior staffing ratio: pupils per teacher (the 2014 standard 1:13.5)", "number",
        low=1.0, high=100.0, unit=("人", "pupils"))
    # Not a ``param`` (the vocabulary has no per-grade numbers): checked in ``_problems``.
    survival_by_grade: Mapping[int, float] | None = None

    def __post_init__(self) -> None:
        problems = [p for par in self.params() if (p := par.problem(getattr(self, par.name)))]
        if not problems:
            problems = self._problems()
        if problems:
            raise StandardError([f"{self.SECTION}.{p}" for p in problems])
        if self.survival_by_grade is not None:
            object.__setattr__(self, "survival_by_grade", {
                int(g): float(r) for g, r in sorted(self.survival_by_grade.items())})

    def _problems(self) -> list[str]:
        if self.survival_by_grade is None:
            return []
        top = self.primary_years + self.junior_years
        expected = (f"survival_by_grade: 应为 {{年级 1–{top - 1}: ≥ 0 的数}} / must be "
                    f"{{grade 1–{top - 1}: a number ≥ 0}}")
        if not isinstance(self.survival_by_grade, Mapping):
            return [f"{expected}, got {self.survival_by_grade!r}"]
        return [f"{expected}, got {g!r}: {r!r}" for g, r in self.survival_by_grade.items()
                if not (isinstance(g, int) and not isinstance(g, bool) and 1 <= g < top)
                or not (isinstance(r, int | float | Fraction) and not isinstance(r, bool)
                        and math.isfinite(r) and r >= 0)]

    @classmethod
    def build(cls, section: Mapping[str, Any] | None = None, **overrides: Any) -> Self:
        data = {**(section or {}), **overrides}
        by_grade = data.pop("survival_by_grade", None)
        rules = super().build(data)
        return rules if by_grade is None else dataclasses.replace(rules,
                                                                  survival_by_grade=by_grade)

    def as_dict(self) -> dict[str, Any]:
        return {**super().as_dict(), "survival_by_grade": None if self.survival_by_grade is None
                else dict(self.survival_by_grade)}

    def grades(self, stage: str) -> range:
        """The grades of a stage: 1…P primary, P+1…T junior."""
        if stage == "primary":
            return range(1, self.primary_years + 1)
        return range(self.primary_years + 1, self.primary_years + self.junior_years + 1)

    def staffing_ratio(self, stage: str) -> float:
        return self.staffing_ratio_primary if stage == "primary" else self.staffing_ratio_junior

    def max_class(self, stage: str) -> int:
        return self.max_class_primary if stage == "primary" else self.max_class_junior

    def survival_of(self, grade: int) -> float:
        """σ(g), the ratio from grade g to g+1."""
        return (self.survival_by_grade or {}).get(grade, self.survival)

    def band_factor(self, band: str) -> float:
        """f: 1 for the central band, ``band_low`` / ``band_high`` for the others."""
        if band not in BANDS:
            raise StandardError([f"band: 应为 {' / '.join(BANDS)} 之一 / must be one of "
                                 f"{', '.join(BANDS)}, got {band!r}"])
        return {"low": self.band_low, "central": 1.0, "high": self.band_high}[band]


def spread_stage_totals(stages: pl.DataFrame,
                        assumptions: CohortAssumptions | None = None) -> pl.DataFrame:
    """Pupils by grade from the school–stage totals, spread evenly (largest remainder).

    ``stages``: county, school_id, stage (``primary`` / ``junior``), students (and any other
    column, such as year, carried along). A total n over the stage's k grades gives ⌊n/k⌋ to each
    grade and one more to the n mod k lowest grades. The result has a ``grade`` column, null
    ``classes`` and ``spread = true``.

    Examples
    --------
    >>> s = pl.DataFrame({"county": ["A"], "school_id": ["P"], "stage": ["primary"],
    ...                   "students": [100]})
    >>> spread_stage_totals(s)["students"].to_list()
    [17, 17, 17, 17, 16, 16]
    """
    a = assumptions or CohortAssumptions()
    first = {stage: a.grades(stage).start for stage in ("primary", "junior")}
    count = {stage: len(a.grades(stage)) for stage in ("primary", "junior")}
    k = pl.col("stage").replace_strict(count, return_dtype=pl.Int64)
    out = (stages.drop("grade", "classes", strict=False)
           .with_columns(grade=pl.int_ranges(
               pl.col("stage").replace_strict(first, return_dtype=pl.Int64),
               pl.col("stage").replace_strict(first, return_dtype=pl.Int64) + k))
           .explode("grade")
           .with_columns(
               students=pl.col("students") // k
               + (pl.col("grade") - pl.col("stage").replace_strict(first, return_dtype=pl.Int64)
                  < pl.col("students") % k).cast(pl.Int64),
               classes=pl.lit(None, dtype=pl.Int64), spread=pl.lit(True)))
    return out


def project_pupils(grades: pl.DataFrame, years: int,
                   assumptions: CohortAssumptions | Mapping[str, CohortAssumptions] | None = None,
                   births: pl.DataFrame | None = None, band: Band = "central",
                   base_year: int | None = None,
                   catchment: pl.DataFrame | None = None) -> pl.DataFrame:
    """Pupils and classes per school and grade, from the base year to ``years`` years later.

    ``grades`` (the base year): county, school_id, stage (``primary`` / ``junior``), grade
    (1 … T, within its stage), students (≥ 0), classes (optional, may be null), year (optional:
    one value, the base year; else give ``base_year``). A school–stage's grades not listed have
    no pupils. Without a ``grade`` column the rows are the school–stage totals and are spread
    evenly (``spread_stage_totals``). ``births``: county, year, births — the births A years
    before every projected year are required for each county. ``assumptions``: one for every
    county, or one per county (``calibrate`` returns that mapping). ``catchment``: school_id,
    feeds_junior — used when a county's ``allocation`` is ``catchment``.

    Returns year, county, school_id, stage, grade, students, classes, spread — the base year
    first, then each projected year; formulas in the module docstring. Raises ``InputError``
    (every input problem at once) or ``StandardError`` (a setting).
    """
    if isinstance(years, bool) or not isinstance(years, int) or years < 0:
        raise StandardError([f"years: 应为 ≥ 0 的整数 / must be a whole number ≥ 0, got {years!r}"])
    default = CohortAssumptions()
    for a in (assumptions.values() if isinstance(assumptions, Mapping) else [assumptions]):
        (a or default).band_factor(band)
    base = _base_year(grades, base_year)
    counties = sorted(grades["county"].unique().to_list()) if "county" in grades.columns else []

    def of(county: str) -> CohortAssumptions:
        if isinstance(assumptions, Mapping):
            if county not in assumptions:
                raise StandardError([f"projection: 县区 {county} 没有预测假设 / no assumptions "
                                     f"for county {county}"])
            return assumptions[county]
        return assumptions or default

    problems = _check_grades(grades, {c: of(c) for c in counties})
    if births is not None:
        problems += _check_births(births, {c: of(c) for c in counties}, base, years)
    if problems:
        raise InputError(problems)
    frames = []
    for county in counties:
        a = of(county)
        rows = grades.filter(pl.col("county") == county)
        if "grade" in rows.columns:
            rows = rows.with_columns(spread=pl.lit(False))
        else:
            rows = spread_stage_totals(rows, a)
        county_births = None if births is None else births.filter(pl.col("county") == county)
        frames.append(_project_county(rows, a, county_births, band, base, years, catchment))
    if not frames:
        return pl.DataFrame(schema={"year": pl.Int64, "county": pl.String,
                                    "school_id": pl.String, "stage": pl.String,
                                    "grade": pl.Int64, "students": pl.Int64,
                                    "classes": pl.Int64, "spread": pl.Boolean})
    return pl.concat(frames).sort("year", "county", "school_id", "grade")


def stage_totals(projection: pl.DataFrame) -> pl.DataFrame:
    """Per year and school–stage: Σ students and Σ classes over the grades.

    Returns year, county, school_id, stage, students, classes, sorted in that order.
    """
    return (projection.group_by("year", "county", "school_id", "stage")
            .agg(pl.col("students").sum(), pl.col("classes").sum())
            .sort("year", "county", "school_id", "stage")
            .select(STAGE_COLUMNS))


def calibrate(history: pl.DataFrame, births: pl.DataFrame | None = None,
              base: CohortAssumptions | None = None) -> dict[str, CohortAssumptions]:
    """The assumptions of each county, from two or more years of pupils by grade.

    ``history``: year, county, school_id, grade, students (``grades``' columns plus year). Over
    the pairs of consecutive years (t, t+1) present, per county, exact in fractions and then the
    nearest float::

        σ(g) = Σ_t Σ_s students(g+1, t+1) / Σ_t Σ_s students(g, t)        g = 1 … T−1
        ρ    = Σ_t grade1(t) / Σ_t births(t − A)     over the years t whose births are given
        γ    = Σ_t grade1(t+1) / Σ_t grade1(t)       when no births are given for the county

    A ratio whose denominator is 0 keeps ``base``'s value. When the history was made by constant
    ratios, these are those ratios exactly, and a projection from the first year gives back the
    later years. Other settings come from ``base``.

    Examples
    --------
    >>> h = pl.DataFrame({"year": [2023, 2023, 2024, 2024], "county": ["A"] * 4,
    ...                   "school_id": ["P"] * 4, "grade": [1, 2, 1, 2],
    ...                   "students": [40, 30, 44, 36]})
    >>> a = calibrate(h, base=CohortAssumptions(primary_years=2, junior_years=1))["A"]
    >>> a.survival_by_grade[1], a.entry_growth
    (0.9, 1.1)
    """
    a0 = base or CohortAssumptions()
    missing = [c for c in ("year", "county", "grade", "students") if c not in history.columns]
    if missing:
        raise InputError([Problem("history", None, c, None, "缺少此列", "this column is missing")
                          for c in missing])
    years = set(history["year"].unique().to_list())
    pairs = sorted(t for t in years if t + 1 in years)
    if not pairs:
        raise InputError([Problem("history", None, "year", None, "至少需要连续两年的数据",
                                  "at least two consecutive years are needed")])
    top = a0.primary_years + a0.junior_years
    totals = history.group_by("county", "year", "grade").agg(pl.col("students").sum())
    birth = {} if births is None else {(c, y): b for c, y, b in
                                       births.select("county", "year", "births").iter_rows()}
    result = {}
    for county in sorted(history["county"].unique().to_list()):
        tot = {(y, g): n for c, y, g, n in totals.iter_rows() if c == county}

        def n(t: int, g: int, tot: dict = tot) -> Fraction:
            return Fraction(tot.get((t, g), 0))

        by_grade = dict(a0.survival_by_grade or {})
        for g in range(1, top):
            den = sum(n(t, g) for t in pairs)
            if den > 0:
                by_grade[g] = float(sum(n(t + 1, g + 1) for t in pairs) / den)
        changes: dict[str, Any] = {"survival_by_grade": by_grade}
        known = [t for t in sorted(years) if (county, t - a0.entry_age) in birth]
        if known:
            den = sum(Fraction(birth[(county, t - a0.entry_age)]) for t in known)
            if den > 0:
                changes["entry_ratio"] = float(sum(n(t, 1) for t in known) / den)
        else:
            den = sum(n(t, 1) for t in pairs)
            if den > 0:
                changes["entry_growth"] = float(sum(n(t + 1, 1) for t in pairs) / den)
        result[county] = dataclasses.replace(a0, **changes)
    return result


# --- the model, one county at a time ------------------------------------------------------------

def _project_county(rows: pl.DataFrame, a: CohortAssumptions, births: pl.DataFrame | None,
                    band: str, base: int, years: int,
                    catchment: pl.DataFrame | None = None) -> pl.DataFrame:
    f = a.band_factor(band)
    last_primary, top = a.primary_years, a.primary_years + a.junior_years
    sigma = {g: a.survival_of(g) * f for g in range(1, top)}
    spread = bool(rows["spread"].any())
    # Every grade of every school–stage, 0 when not listed.
    grid = (rows.select(_KEY).unique()
            .with_columns(grade=pl.col("stage").replace_strict(
                {s: list(a.grades(s)) for s in ("primary", "junior")},
                return_dtype=pl.List(pl.Int64)))
            .explode("grade"))
    given = rows.select(*_KEY, pl.col("grade").cast(pl.Int64),
                        x=pl.col("students").cast(pl.Float64))
    state = (grid.join(given, on=[*_KEY, "grade"], how="left")
             .with_columns(pl.col("x").fill_null(0.0)))
    entry_shares = _shares(state, "primary", 1)
    intake_shares = _shares(state, "junior", last_primary + 1)
    first_grade = state.filter(pl.col("grade") == 1)["x"].sum()
    birth = {} if births is None else dict(births.select("year", "births").iter_rows())
    feeds = None
    if a.allocation == "catchment":
        # A school with a junior stage and no catchment school of its own keeps its graduates.
        own = intake_shares.select("school_id", feeds_junior="school_id")
        given = (catchment.select("school_id", "feeds_junior")
                 .filter(pl.col("feeds_junior").is_not_null())
                 if catchment is not None else own.clear())
        feeds = pl.concat([given, own.join(given, on="school_id", how="anti")])

    frames = [state.with_columns(year=pl.lit(base, dtype=pl.Int64))]
    for k in range(1, years + 1):
        t = base + k
        if births is not None:
            entrants = birth[t - a.entry_age] * a.entry_ratio * f
        else:
            entrants = first_grade * a.entry_growth ** k * f
        graduates = state.filter(pl.col("grade") == last_primary)["x"].sum() * sigma[last_primary]
        moved = (state.filter(pl.col("grade") != last_primary, pl.col("grade") != top)
                 .with_columns(x=pl.col("x") * pl.col("grade").replace_strict(
                     sigma, return_dtype=pl.Float64), grade=pl.col("grade") + 1))
        intake = _intake(state, intake_shares, graduates, sigma[last_primary], feeds,
                         last_primary)
        entry = entry_shares.select(*_KEY, grade=pl.lit(1, dtype=pl.Int64),
                                    x=pl.col("share") * entrants)
        state = pl.concat([moved, intake, entry])
        frames.append(state.with_columns(year=pl.lit(t, dtype=pl.Int64)))

    out = _round(pl.concat(frames), ["year", "county", "grade"])
    return _classes(out, rows, a, base).with_columns(spread=pl.lit(spread)).select(COLUMNS)


def _intake(state: pl.DataFrame, shares: pl.DataFrame, graduates: float, survival: float,
            feeds: pl.DataFrame | None, last_primary: int) -> pl.DataFrame:
    """Grade P+1 of next year: each school's graduates to its catchment junior school (when
    ``feeds`` is given), the rest pooled and shared by ``shares``."""
    grade = pl.lit(last_primary + 1, dtype=pl.Int64)
    if feeds is None:
        return shares.select(*_KEY, grade=grade, x=pl.col("share") * graduates)
    leaving = (state.filter(pl.col("grade") == last_primary)
               .join(feeds, on="school_id", how="left")
               .with_columns(x=pl.col("x") * survival))
    pooled = leaving.filter(pl.col("feeds_junior").is_null())["x"].sum()
    fed = (leaving.filter(pl.col("feeds_junior").is_not_null())
           .group_by("feeds_junior").agg(pl.col("x").sum().alias("_fed")))
    return (shares.join(fed, left_on="school_id", right_on="feeds_junior", how="left")
            .select(*_KEY, grade=grade,
                    x=pl.col("share") * pooled + pl.col("_fed").fill_null(0.0)))


def _shares(state: pl.DataFrame, stage: str, grade: int) -> pl.DataFrame:
    """Each school's share of the county's pupils in ``grade`` (equal when there are none)."""
    rows = state.filter(pl.col("stage") == stage, pl.col("grade") == grade)
    total = rows["x"].sum()
    share = pl.col("x") / total if total > 0 else pl.lit(1.0) / pl.len()
    return rows.select(*_KEY, share=share)


def _round(frame: pl.DataFrame, group: list[str]) -> pl.DataFrame:
    """Largest-remainder rounding of ``x`` within each group into ``students``."""
    floor = pl.col("x").floor()
    return (frame.with_columns(_floor=floor, _rem=((pl.col("x") - floor) * 1e9).round())
            .sort([*group, "_rem", "school_id"], descending=[False] * len(group) + [True, False])
            .with_columns(_short=(pl.col("x").sum().over(group) + 0.5).floor()
                          - pl.col("_floor").sum().over(group),
                          _rank=pl.int_range(pl.len()).over(group))
            .with_columns(students=(pl.col("_floor")
                                    + (pl.col("_rank") < pl.col("_short")).cast(pl.Float64))
                          .cast(pl.Int64))
            .drop("x", "_floor", "_rem", "_short", "_rank"))


def _classes(out: pl.DataFrame, rows: pl.DataFrame, a: CohortAssumptions,
             base: int) -> pl.DataFrame:
    """Classes: the base year's as given; a base cohort keeps its count while it fits."""
    if "classes" in rows.columns:
        known = rows.filter(pl.col("classes").is_not_null()).select(
            "school_id", "stage", cohort=base - pl.col("grade").cast(pl.Int64),
            given=pl.col("classes").cast(pl.Int64))
    else:
        known = pl.DataFrame(schema={"school_id": pl.String, "stage": pl.String,
                                     "cohort": pl.Int64, "given": pl.Int64})
    most = pl.col("stage").replace_strict(
        {s: a.max_class(s) for s in ("primary", "junior")}, return_dtype=pl.Int64)
    students = pl.col("students")
    derived = (students + most - 1) // most
    return (out.with_columns(cohort=pl.col("year") - pl.col("grade"))
            .join(known, on=["school_id", "stage", "cohort"], how="left")
            .with_columns(classes=pl.when((pl.col("year") == base) & pl.col("given").is_not_null())
                          .then(pl.col("given"))
                          .when(students == 0).then(0)
                          .when((pl.col("given") > 0) & (students <= pl.col("given") * most))
                          .then(pl.col("given"))
                          .otherwise(derived))
            .drop("cohort", "given"))


# --- input checks ---------------------------------------------------------------------------------

def _base_year(grades: pl.DataFrame, base_year: int | None) -> int:
    if "year" in grades.columns:
        found = grades["year"].drop_nulls().unique().to_list()
        if len(found) != 1 or (base_year is not None and found[0] != base_year):
            raise InputError([Problem("grades", None, "year", ", ".join(map(str, found)) or None,
                                      "基准年应为同一年", "the base year must be one year")])
        return int(found[0])
    if base_year is None:
        raise InputError([Problem("grades", None, "year", None, "需要基准年（year 列或 base_year）",
                                  "the base year is needed (a year column or base_year)")])
    return base_year


def _check_grades(grades: pl.DataFrame, of: Mapping[str, CohortAssumptions]) -> list[Problem]:
    need = ["county", "school_id", "stage", "students"]
    missing = [c for c in need if c not in grades.columns]
    if missing:
        return [Problem("grades", None, c, None, "缺少此列", "this column is missing")
                for c in missing]
    by_grade = "grade" in grades.columns
    problems: list[Problem] = []
    seen: set[tuple] = set()
    columns = [*need, *(["grade"] if by_grade else []),
               *(["classes"] if "classes" in grades.columns else [])]
    for i, row in enumerate(grades.select(columns).iter_rows(named=True)):
        line = i + 2  # the header is row 1

        def bad(column: str, zh: str, en: str, row: dict = row, line: int = line) -> None:
            value = row[column]
            problems.append(Problem("grades", line, column,
                                    None if value is None else str(value), zh, en))

        if row["county"] is None or row["school_id"] is None:
            bad("county" if row["county"] is None else "school_id", "不能为空", "must be given")
            continue
        stage = row["stage"]
        if stage not in ("primary", "junior"):
            bad("stage", "应为 primary 或 junior", "must be primary or junior")
            continue
        n = row["students"]
        if not isinstance(n, int) or n < 0:
            bad("students", "应为 ≥ 0 的整数", "must be a whole number ≥ 0")
        c = row.get("classes")
        if c is not None and (not isinstance(c, int) or c < 0):
            bad("classes", "应为 ≥ 0 的整数", "must be a whole number ≥ 0")
        key: tuple = (row["county"], row["school_id"], stage)
        if by_grade:
            allowed = of[row["county"]].grades(stage)
            if row["grade"] not in allowed:
                bad("grade", f"应在本学段的 {allowed.start}–{allowed.stop - 1} 年级",
                    f"must be a grade of its stage, {allowed.start}–{allowed.stop - 1}")
            key = (*key, row["grade"])
        if key in seen:
            bad("school_id", "重复的行", "this row is given twice")
        seen.add(key)
    return problems


def _check_births(births: pl.DataFrame, of: Mapping[str, CohortAssumptions], base: int,
                  years: int) -> list[Problem]:
    missing = [c for c in ("county", "year", "births") if c not in births.columns]
    if missing:
        return [Problem("births", None, c, None, "缺少此列", "this column is missing")
                for c in missing]
    problems = []
    given: dict[tuple, Any] = {}
    for i, (county, year, n) in enumerate(births.select("county", "year", "births").iter_rows()):
        if (county, year) in given:
            problems.append(Problem("births", i + 2, "year", str(year), "该县该年重复",
                                    "this county and year is given twice"))
        if not isinstance(n, int | float) or not math.isfinite(n) or n < 0:
            problems.append(Problem("births", i + 2, "births", None if n is None else str(n),
                                    "应为 ≥ 0 的数", "must be a number ≥ 0"))
        given[(county, year)] = n
    for county, a in of.items():
        for t in range(base + 1, base + years + 1):
            if (county, t - a.entry_age) not in given:
                problems.append(Problem(
                    "births", None, "births", None,
                    f"缺少 {county} {t - a.entry_age} 年出生人口（{t} 年入学）",
                    f"the births of {county} in {t - a.entry_age} are missing (entrants of {t})"))
    return problems
