"""``project(dataset, years)``: a county's pupils and teachers year by year, as datasets the
evaluation and every planner accept.

For each school year Y = Y₀ … Y₀ + years (Y₀ the evaluated year, :func:`default_year`):

- **Pupils** by school and grade from the cohort model (:mod:`junheng.projection.cohort`): from
  the ``grades`` table when given (rows of earlier school years are history, from which the
  ratios are calibrated per county); a school–stage without grade rows of the base year has
  its pupils spread evenly over its grades; entrants from ``births`` six years earlier when given. The stage's pupils and classes
  are the sums over its grades.
- **Teachers**: a teacher is on the staff of school year Y when their statutory retirement month
  (:mod:`junheng.projection.retirement`, the 2025 gradual increase) is September of Y or later —
  they work through the month they reach the age, and a school year is counted on 1 September.
  A teacher without a birth year or gender is never assumed to retire; one already past the
  age in the base year (still on the roster) is assumed to leave before the next school year.
- **Hiring** (``hiring`` in the assumptions, the profile's ``projection:`` section):
  ``none`` (the default: what happens if nothing is done); ``same``: every teacher who leaves
  before school year Y is replaced for Y by a new teacher in the same post (school, stage,
  subject, full-time or not, education); ``ratio``: per school–stage, new full-time teachers
  are hired for Y up to ⌈pupils(Y) ÷ r⌉ (r the staffing ratio 编制标准 of the stage), first in
  the posts of that year's leavers, then in the school–stage's most common subject with a
  bachelor's degree; nobody is dismissed when pupils fall. A new teacher is not a backbone
  teacher, has a teacher's certificate, no training hours yet, and does not retire within the
  horizon. New teachers' ids are ``新聘-Y-school_id-k``.
- **Everything else is unchanged**: buildings, grounds, equipment and rooms (a plan changes
  them, not the projection); the county table's declared figures. The largest class of a
  projected stage is unknown (null); the class-size item then judges the average class.
  Rotation records belong to their own school year, so a projected year has none.

``Projection.dataset(Y)`` is a normal :class:`~junheng.model.dataset.Dataset` (for Y₀, the input
itself);
``Projection.evaluate(Y)`` evaluates it as that school year.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import polars as pl

from junheng.errors import InputError, Problem
from junheng.evaluate import Evaluation, Note, evaluate
from junheng.model.calendar import default_year
from junheng.model.dataset import Dataset
from junheng.model.schema import GRADES_PRIMARY
from junheng.projection.cohort import (
    CohortAssumptions,
    calibrate,
    project_pupils,
    spread_stage_totals,
    stage_totals,
)
from junheng.projection.retirement import RetirementRules, load_retirement_rules, retirement_dates
from junheng.standards import Standard

SCHOOL_YEAR_STARTS = 9  # September: staff are counted on the first day of the school year


@dataclass
class Projection:
    """Pupils and teachers of every county, year by year (see the module docstring).

    Tables: ``pupils`` (year, county, school_id, stage, grade, students, classes, spread),
    ``stages`` (year, county, school_id, stage, students, classes), ``leaving`` (teacher_id,
    school_id, retirement_year, retirement_month: the teachers who retire within the horizon)
    and ``hired`` (year, then the teachers table's columns: the new teachers, each from the
    school year it joins; empty when ``hiring`` is ``none``).
    ``spread`` is True when some school–stage's grades were spread evenly from its stage total
    (no ``grades`` rows of the base year for it): the output must say so.
    """

    base: Dataset
    base_year: int
    years: tuple[int, ...]
    pupils: pl.DataFrame
    stages: pl.DataFrame
    leaving: pl.DataFrame
    spread: bool
    assumptions: dict[str, CohortAssumptions] = field(default_factory=dict)
    hired: pl.DataFrame | None = None
    band: str = "central"

    def dataset(self, year: int) -> Dataset:
        """The county as projected for school ``year`` (a normal ``Dataset``)."""
        if year not in self.years:
            raise ValueError(f"年份 {year} 不在预测范围 {self.years[0]}–{self.years[-1]} 内 / "
                             f"year {year} is outside the projection {self.years[0]}–"
                             f"{self.years[-1]}")
        base = self.base
        if year == self.base_year:
            return base  # the input itself: its evaluation is today's
        totals = self.stages.filter(pl.col("year") == year).select(
            "school_id", "stage", pl.col("students").alias("_students"),
            pl.col("classes").alias("_classes"))
        stages = (base.stages.join(totals, on=["school_id", "stage"], how="left")
                  .with_columns(pl.col("_students").fill_null(0).cast(base.stages["students"].dtype)
                                    .alias("students"),
                                pl.col("_classes").cast(base.stages["classes"].dtype)
                                .alias("classes"),
                                pl.lit(None, dtype=base.stages["largest_class"].dtype)
                                .alias("largest_class"))
                  .drop("_students", "_classes"))
        staff = base.teachers.filter(~pl.col("teacher_id").is_in(
            self.leaving.filter(_left_by(year)).get_column("teacher_id").implode()))
        if self.hired is not None and self.hired.height:
            staff = pl.concat([staff, self.hired.filter(pl.col("year") <= year).drop("year")])
        return replace(base, stages=stages, teachers=staff, rotations=None, grades=None,
                       warnings=[])

    def evaluate(self, year: int, standard: Standard | str | Path = "quality-2017") -> Evaluation:
        """The evaluation of school ``year`` as projected; a projected year's evaluation notes,
        for every county, that its figures are projected and from what (every report shows
        the notes)."""
        result = evaluate(self.dataset(year), standard, year=year)
        if year != self.base_year:
            result.projected_from = self.base_year
            result.notes[:0] = [Note(county, *self.note(year, county))
                                for county in result.counties.get_column("county").to_list()]
        return result

    def note(self, year: int, county: str, spread: bool = True) -> tuple[str, str]:
        """What a projected year's figures are, in Chinese and English (``spread``: and that
        grades were spread evenly, when they were)."""
        band_zh = {"low": "低方案", "central": "中方案", "high": "高方案"}[self.band]
        a = self.assumptions.get(county)
        hiring = a.hiring if a is not None else "none"
        hiring_zh = {"none": "不补充教师", "same": "退休教师退一补一",
                     "ratio": "按编制标准补充教师"}[hiring]
        hiring_en = {"none": "no teacher hired", "same": "each retiree replaced",
                     "ratio": "teachers hired up to the staffing ratio"}[hiring]
        said = spread and self.spread
        spread_zh = "；各年级人数由学段总数平均分配" if said else ""
        spread_en = "; pupils by grade spread evenly from the stage totals" if said else ""
        return (f"本结果为预测，不是实际数据：由 {self.base_year} 学年数据按{band_zh}推算至 {year} 学年"
                f"（学生按年级升级，教师按法定退休年龄离岗，{hiring_zh}；校舍、场地、设备不变"
                f"{spread_zh}）。",
                f"These figures are projected, not actual: school year {year} projected from "
                f"{self.base_year} ({self.band} scenario: cohorts advance a grade a year, "
                f"teachers leave at the statutory retirement age, {hiring_en}; buildings, "
                f"grounds and equipment unchanged{spread_en}).")

    def summary(self, standard: Standard | str | Path = "quality-2017",
                evaluations: dict[int, Evaluation] | None = None) -> pl.DataFrame:
        """Year by year and county: pupils by stage, classes, full-time teachers, the
        school–stages meeting the per-school rule, the CVs over their limit, the schools over
        the size limit (item 4) and the school–stages with over-size classes (item 5), and the
        resource-allocation verdict — each year evaluated in full.

        Columns: year, county, primary_students, junior_students, classes, teachers,
        schools_meeting_rule, schools_evaluated, cvs_over, schools_over_size,
        units_over_class_size, resources_verdict. ``evaluations``: each year's evaluation when
        the caller has them already (by year), so no year is evaluated twice.
        """
        if not isinstance(standard, Standard):
            from junheng.standards import load_standard

            standard = load_standard(standard)
        rows = []
        for year in self.years:
            ev = (evaluations or {}).get(year) or self.evaluate(year, standard)
            data = self.dataset(year)
            staff = data.teachers.filter(pl.col("full_time")).group_by(
                "school_id").len().join(data.schools.select("school_id", "county"),
                                        on="school_id").group_by("county").agg(
                pl.col("len").sum().alias("teachers"))
            pupils = data.stages.join(data.schools.select("school_id", "county"),
                                      on="school_id").group_by("county").agg(
                pl.col("students").filter(pl.col("stage") == "primary").sum()
                .alias("primary_students"),
                pl.col("students").filter(pl.col("stage") == "junior").sum()
                .alias("junior_students"),
                pl.col("classes").sum().alias("classes"))
            over = ev.stages.filter(pl.col("cv_met").not_()).group_by("county").len("cvs_over")
            breaches = ev.breaches.group_by("county").agg(
                (pl.col("item") == "school_size").sum().alias("schools_over_size"),
                (pl.col("item") == "class_size").sum().alias("units_over_class_size"))
            rows.append(ev.counties.select("county", "schools_meeting_rule", "schools_evaluated",
                                           "resources_verdict")
                        .join(pupils, on="county", how="left")
                        .join(staff, on="county", how="left")
                        .join(over, on="county", how="left")
                        .join(breaches, on="county", how="left")
                        .with_columns(pl.lit(year).alias("year")))
        out = pl.concat(rows, how="diagonal_relaxed")
        return out.select(
            "year", "county", "primary_students", "junior_students", "classes",
            pl.col("teachers").fill_null(0), "schools_meeting_rule", "schools_evaluated",
            *(pl.col(c).fill_null(0).cast(pl.Int64) for c in
              ("cvs_over", "schools_over_size", "units_over_class_size")),
            "resources_verdict").sort("county", "year")


def _left_by(year: int) -> pl.Expr:
    """Retired before 1 September of ``year``: the retirement month is earlier."""
    return ((pl.col("retirement_year") < year)
            | ((pl.col("retirement_year") == year)
               & (pl.col("retirement_month") < SCHOOL_YEAR_STARTS)))


def project(dataset: Dataset, years: int = 5,
            assumptions: CohortAssumptions | None = None, band: str = "central",
            rules: RetirementRules | None = None, year: int | None = None) -> Projection:
    """Project ``dataset`` ``years`` school years ahead (see the module docstring).

    ``assumptions`` are the cohort model's (calibrated per county from the ``grades`` history
    when it has two or more years, else these, else the defaults); ``band`` is ``low``,
    ``central`` or ``high``; ``rules`` the retirement rules (default: the packaged 2025 law);
    ``year`` the base school year (default: the evaluated one).

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=12, seed=1)
    >>> p = project(junheng.load(path), years=3, year=2025)
    >>> p.years, p.spread
    ((2025, 2026, 2027, 2028), True)
    >>> p.dataset(2027).stages.height == junheng.load(path).stages.height
    True
    """
    base_year = default_year(dataset) if year is None else year
    county_of = dataset.schools.select("school_id", "county")
    given, history = _grades(dataset, base_year, county_of)
    # A school–stage with pupils but no grade rows of the base year has its pupils spread
    # evenly over its grades (a grades table may cover only some schools); never dropped.
    totals = dataset.stages.join(county_of, on="school_id").select(
        "county", "school_id", "stage", "students")
    if given is not None:
        _check_sums(given, totals)
        totals = totals.join(given.select("school_id", "stage").unique(),
                             on=["school_id", "stage"], how="anti")
    columns = ["county", "school_id", "stage", "grade", "students", "classes"]
    parts = [] if given is None else [given.select(columns)]
    spread = totals.filter(pl.col("students") > 0).height > 0 or given is None
    if totals.height:
        parts.append(spread_stage_totals(totals, assumptions).select(columns))
    base_grades = pl.concat(parts, how="vertical_relaxed")
    calibrated: dict[str, CohortAssumptions] = {}
    if history is not None and history.get_column("year").n_unique() >= 2:
        with _as_sheets():
            calibrated = calibrate(history, dataset.births, base=assumptions)
    counties = base_grades.get_column("county").unique().to_list()
    per_county = {c: calibrated.get(c, assumptions or CohortAssumptions()) for c in counties}
    catchment = None
    if any(a.allocation == "catchment" for a in per_county.values()):
        if ("feeds_junior" not in dataset.schools.columns
                or dataset.schools.get_column("feeds_junior").is_null().all()):
            raise InputError([Problem(
                "学校 schools", None, "对口初中 feeds_junior", None,
                "按对口初中分配小学毕业生（projection.allocation: catchment）需要学校表的对口初中列",
                "allocating primary graduates by catchment (projection.allocation: catchment) "
                "needs the schools table's feeds_junior column")])
        catchment = dataset.schools.select("school_id", "feeds_junior")
    with _as_sheets():
        pupils = project_pupils(base_grades, years, per_county,
                                births=dataset.births, band=band,  # type: ignore[arg-type]
                                base_year=base_year, catchment=catchment)
    rules = rules or load_retirement_rules()
    dates = retirement_dates(dataset.teachers, rules)
    leaving = (pl.concat([dataset.teachers.select("teacher_id", "school_id"), dates],
                         how="horizontal")
               .filter(pl.col("retirement_year").is_not_null()
                       & (pl.col("retirement_year") <= base_year + years)))
    stages = stage_totals(pupils)
    hired = _hire(dataset, leaving, stages, per_county, base_year, years)
    return Projection(dataset, base_year, tuple(range(base_year, base_year + years + 1)),
                      pupils, stages, leaving, spread, per_county, hired, band)


def _hire(dataset: Dataset, leaving: pl.DataFrame, stages: pl.DataFrame,
          per_county: dict[str, CohortAssumptions], base_year: int,
          years: int) -> pl.DataFrame:
    """The new teachers of every projected year under each county's ``hiring`` (module
    docstring), as rows of the teachers table with the ``year`` they join."""
    teachers = dataset.teachers
    out_schema = {"year": pl.Int64, **teachers.schema}
    county_of = dict(dataset.schools.select("school_id", "county").iter_rows())
    hiring = {c: a.hiring for c, a in per_county.items()}
    if all(h == "none" for h in hiring.values()):
        return pl.DataFrame(schema=out_schema)
    # Every teacher's stage: a teacher without one teaches the school's only stage.
    only = (dataset.stages.group_by("school_id").agg(pl.col("stage").first(),
                                                      pl.len().alias("_n"))
            .filter(pl.col("_n") == 1).select("school_id", _only="stage"))
    staff = (teachers.join(only, on="school_id", how="left")
             .with_columns(pl.col("stage").fill_null(pl.col("_only"))).drop("_only")
             .join(leaving.select("teacher_id", "retirement_year", "retirement_month"),
                   on="teacher_id", how="left"))
    modal = {(r["school_id"], r["stage"]): r["subject"] for r in
             staff.filter(pl.col("full_time")).group_by("school_id", "stage")
             .agg(pl.col("subject").mode().sort().first()).iter_rows(named=True)}
    hires: list[dict] = []
    on_staff = {(s, g): n for s, g, n in staff.filter(pl.col("full_time"))
                .group_by("school_id", "stage").len().iter_rows()}
    for year in range(base_year + 1, base_year + years + 1):
        gone = staff.filter(_left_by(year) & ~(_left_by(year - 1) if year - 1 > base_year
                                               else pl.lit(False)))
        by_unit: dict[tuple[str, str], list[dict]] = {}
        for row in gone.sort("retirement_year", "retirement_month", "teacher_id").iter_rows(
                named=True):
            by_unit.setdefault((row["school_id"], row["stage"]), []).append(row)
            if row["full_time"]:
                on_staff[(row["school_id"], row["stage"])] -= 1
        pupils = {(s, g): n for s, g, n in stages.filter(pl.col("year") == year)
                  .select("school_id", "stage", "students").iter_rows()}
        units = sorted(set(by_unit) | set(pupils))
        count: dict[str, int] = {}  # new teachers of this year per school: their ids
        for school, stage in units:
            policy = hiring.get(county_of.get(school, ""), "none")
            posts = by_unit.get((school, stage), [])
            if policy == "same":
                new = posts
            elif policy == "ratio":
                ratio = Fraction(str(per_county[county_of[school]].staffing_ratio(stage)))
                need = math.ceil(Fraction(pupils.get((school, stage), 0)) / ratio)
                short = max(0, need - on_staff.get((school, stage), 0))
                template = {"school_id": school, "stage": stage, "full_time": True,
                            "subject": modal.get((school, stage), "other"),
                            "education": "bachelor"}
                full = [p for p in posts if p["full_time"]]
                new = full[:short] + [template] * max(0, short - len(full))
            else:
                continue
            for post in new:
                count[school] = count.get(school, 0) + 1
                hires.append(_new_teacher(post, year, count[school], teachers.columns))
                if post["full_time"]:
                    on_staff[(school, stage)] = on_staff.get((school, stage), 0) + 1
    if not hires:
        return pl.DataFrame(schema=out_schema)
    return pl.DataFrame(hires, schema=out_schema, orient="row")


def _new_teacher(post: dict, year: int, k: int, columns: list[str]) -> dict:
    """A new teacher in ``post`` (school, stage, subject, full-time, education) from ``year``."""
    fresh = {"teacher_id": f"新聘-{year}-{post['school_id']}-{k}", "backbone": "none",
             "gender": None, "birth_year": None, "birth_month": None, "school_since": year,
             "schools_served": 1, "title": "none", "certified": True, "role": "teacher",
             "career_start": year, "training_hours_5y": 0.0}
    row = {c: fresh[c] if c in fresh else post.get(c) for c in columns}
    return {"year": year, **row}


# The cohort model names its input tables; the user knows them as the template's sheets.
SHEETS = {"births": "出生人口 births", "history": "年级学生 grades", "grades": "年级学生 grades"}


@contextlib.contextmanager
def _as_sheets() -> Iterator[None]:
    try:
        yield
    except InputError as exc:
        raise InputError([replace(p, table=SHEETS.get(p.table, p.table))
                          for p in exc.problems], exc.warnings) from None


def _check_sums(given: pl.DataFrame, totals: pl.DataFrame) -> None:
    """The base year's grade rows of a school–stage add up to its pupils in the stages table:
    otherwise the projection would start from another county than the evaluation."""
    sums = given.group_by("school_id", "stage").agg(pl.col("students").sum().alias("_sum"))
    wrong = sums.join(totals, on=["school_id", "stage"]).filter(
        pl.col("_sum") != pl.col("students")).sort("school_id", "stage")
    if wrong.height:
        raise InputError([Problem(
            "年级学生 grades", None, f"学校标识码 school_id {r['school_id']}", f"{r['_sum']:,}",
            f"各年级学生数合计 {r['_sum']:,} 人，与学段表{'小学' if r['stage'] == 'primary' else '初中'}"
            f"在校生 {r['students']:,} 人不符",
            f"the grades add up to {r['_sum']:,} pupils, the stages table gives the "
            f"{r['stage']} stage {r['students']:,}") for r in wrong.iter_rows(named=True)])


def _grades(dataset: Dataset, base_year: int,
            county_of: pl.DataFrame) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    """The base year's pupils by grade, and the history (every year, base included), from the
    ``grades`` table; (None, None) without it."""
    if dataset.grades is None or dataset.grades.height == 0:
        return None, None
    rows = (dataset.grades.join(county_of, on="school_id")
            .with_columns(pl.col("school_year").fill_null(base_year).alias("year"),
                          pl.when(pl.col("grade") <= GRADES_PRIMARY).then(pl.lit("primary"))
                          .otherwise(pl.lit("junior")).alias("stage"))
            .select("year", "county", "school_id", "stage", "grade", "students", "classes"))
    base = rows.filter(pl.col("year") == base_year)
    history = rows.filter(pl.col("year") <= base_year)
    _check_history(rows, base, base_year)
    return (base if base.height else None), history


MAX_NAMED = 10  # school ids named in one problem


def _check_history(rows: pl.DataFrame, base: pl.DataFrame, base_year: int) -> None:
    """Grade rows after the base year would be silently unused; a history year that covers
    only some of the base year's schools would make the county's ratios compare different
    sets of schools (a county that seems to double in a year): both are located problems."""
    problems = []
    later = sorted(rows.filter(pl.col("year") > base_year).get_column("year").unique())
    if later:
        problems.append(Problem(
            "年级学生 grades", None, "学年 school_year", ", ".join(map(str, later)),
            f"晚于基准学年 {base_year}：预测从基准学年开始（可用 --year 选择基准学年）",
            f"after the base school year {base_year}: the projection starts from the base year "
            "(choose it with --year)"))
    schools = set(base.get_column("school_id"))
    for (year,), part in rows.filter(pl.col("year") < base_year).group_by("year"):
        missing = sorted(schools - set(part.get_column("school_id")))
        if missing:
            named = "、".join(missing[:MAX_NAMED]) + (" …" if len(missing) > MAX_NAMED else "")
            problems.append(Problem(
                "年级学生 grades", None, "学年 school_year", str(year),
                f"该学年缺少 {len(missing)} 所学校的年级数据（{named}）：历史年份须包含基准学年的全部"
                "学校，否则请删去该学年",
                f"this year lacks the grades of {len(missing)} of the base year's schools "
                f"({named}): a history year must cover every school of the base year, or be "
                "left out"))
    if problems:
        raise InputError(sorted(problems, key=lambda p: str(p.value)))
