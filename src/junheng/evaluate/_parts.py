"""Government guarantee, education quality, social recognition and the veto list (STANDARDS.md
§1.3–1.5): items computed from the rosters, items declared in the ``county`` table, verdicts.

Every item ends ``met`` true, false, or null (unknown: its data is missing). A computed item is
false as soon as the known data prove a breach, and null when only unknown data could decide it:
a missing figure never passes silently.

Computed rules (parameters from the profile):

- ``music_art_rooms`` (item 3), per school: rooms whose area is at least the minimum
  (``older_building_area_m2`` for rooms marked ``older_building`` when the profile gives it),
  for music and for art each, ≥ ceil(classes / ``classes_per_room``). Schools listed in the
  ``rooms`` table are judged on those rows; others on ``stages.music_rooms`` / ``art_rooms``,
  whose areas are then unknown.
- ``school_size`` (4), per school: compulsory-stage pupils ≤ ``max_students``
  (``max_students_multi_stage`` for nine- and twelve-year schools).
- ``class_size`` (5), per school–stage: ``largest_class`` ≤ ``max_class`` of the stage; when it
  is empty, a stage whose pupils exceed ``max_class × classes`` still fails (some class is larger
  than the average).
- ``training_hours`` (9), per teacher: ``training_hours_5y`` ≥ ``hours_5y`` after at least
  ``service_years`` of service, else ≥ ``hours_per_year`` × years served (service from
  ``career_start``; a teacher without it is held to ``hours_5y``, and the notes say how many).
- ``rotation`` (11), per county and school year: rotated teachers R (distinct teachers in
  ``rotations`` that year, from a school of the county) against the eligible E = full-time
  teachers at their school for ≥ ``tenure_years`` (from ``school_since``) together with R:
  R ≥ ``share`` × |E|, and backbone teachers among R ≥ ``backbone_share`` × R.
- ``certified`` (12): full-time teachers with a certificate ≥ ``share`` × full-time teachers.

School-level items (3–5) follow the evaluation units, so a profile that leaves out small
teaching points or merges them into their central school does so here too; teacher-level items
(9, 11, 12) cover every teacher of the county.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

import polars as pl

from junheng._english import mend_plurals
from junheng.evaluate._roster import Tally, group_expr, tally_teachers
from junheng.evaluate._units import Note
from junheng.model.dataset import Dataset
from junheng.model.runs import sum_by
from junheng.model.schema import COUNTY, COUNTY_LABELS_EN, MULTI_STAGE_TYPES
from junheng.standards import Standard
from junheng.standards._parts import Condition, Item
from junheng.standards.compare import at_least, at_most, below


@dataclass(frozen=True)
class CheckSpec:
    """What one condition of an item is, the same in every county: ``value op threshold``
    (booleans as 1.0 / 0.0 with op "=")."""

    key: str
    label: str
    label_en: str
    op: str
    percent: bool = False  # a share, shown as a percentage


@dataclass
class Outcomes:
    """An item's result in every county, judged at once (a province has thousands of counties).

    ``frame`` has one row per county of ``Context.counties``, in that order: ``met`` (three-
    valued), ``unknown`` (schools or teachers whose data is missing), ``detail_zh``,
    ``detail_en``, ``checked`` (false: the county has no checks), and for the j-th check of
    ``checks``: ``threshold_j``, ``value_j``, ``met_j``.
    """

    frame: pl.DataFrame | pl.LazyFrame  # lazy for the declared figures: run with the rest
    checks: tuple[CheckSpec, ...]


@dataclass
class Context:
    dataset: Dataset
    standard: Standard
    units: pl.DataFrame
    year: int
    counties: list[str]
    notes: list[Note]
    tally: Tally  # the teachers counted once (evaluate/_roster.py)

    @cached_property
    def base(self) -> pl.DataFrame:
        """The counties judged, in order: every item's outcomes are aligned with these rows."""
        return pl.DataFrame({"county": self.counties}, schema={"county": pl.String})

    def per_county(self, counts: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
        """``counts`` (one row per county) aligned with ``base``; a county absent counts 0.
        Lazy counts give a lazy result, run with the other items' queries."""
        base = self.base.lazy() if isinstance(counts, pl.LazyFrame) else self.base
        return base.join(counts, on="county", how="left", maintain_order="left").with_columns(
            pl.exclude("county").fill_null(0))

    @cached_property
    def schools(self) -> pl.DataFrame:
        """Each school's county, location and name, to place a count made by school id."""
        return self.dataset.schools.select("school_id", "county", "location",
                                           pl.col("name").alias("school"))

    @cached_property
    def placed(self) -> pl.DataFrame:
        """The teacher tallies per school and stage with the school's county and location:
        placed once for the county sums and the rotation's schools."""
        return self.tally.units.join(self.schools, on="school_id", how="left")

    @cached_property
    def by_county(self) -> pl.DataFrame:
        """The teacher items' tallies summed per county (a null county: teachers of no known
        school)."""
        columns = [c for c in self.tally.units.columns if c not in ("school_id", "stage")]
        return self.placed.group_by("county").agg(pl.col(columns).sum())

    def total(self, column: str) -> int:
        """A teacher tally over every counted teacher."""
        return int(self.tally.units.get_column(column).sum())

    @cached_property
    def school_units(self) -> pl.DataFrame:
        """One row per evaluated school (a unit school: stages summed; members merged)."""
        null_if_any = [pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).alias(c)
                       for c in ("music_rooms", "art_rooms")]
        # Grouped by the id alone (one text key to hash, not four): a school's county, name
        # and type are the same on each of its units.
        return self.units.group_by("school_id", maintain_order=True).agg(
            pl.col("county", "name", "school_type").first(),
            pl.col("students").sum(), pl.col("classes").sum(), *null_if_any,
            pl.col("members").list.explode(keep_nulls=False, empty_as_null=False).unique()
            .alias("members")).select("county", "school_id", "name", "school_type", "students",
                                      "classes", "music_rooms", "art_rooms", "members")

    @cached_property
    def declared(self) -> pl.DataFrame:
        """The ``county`` table's row of each county judged (all null when it has none), every
        column of the schema present."""
        table = self.dataset.county
        if table is None:
            table = pl.DataFrame(schema={"county": pl.String})
        # One row per county, the last when repeated (as a dict built from the rows keeps it).
        table = table.unique("county", keep="last", maintain_order=True)
        out = self.base.join(table, on="county", how="left", maintain_order="left")
        return out.with_columns(pl.lit(None).alias(c.name) for c in COUNTY.columns
                                if c.name not in out.columns)


def _formatted(values: pl.Expr, spec: str) -> pl.Expr:
    """Python's ``format(value, spec)`` of each value (``","``: 1,234; ``".1f"``), worked out
    once per distinct value: Polars has neither format, and a province's breaches repeat few
    values.

    >>> frame = pl.DataFrame({"n": [1234567, -999, 1234567], "x": [2.25, 2.35, None]})
    >>> frame.select(_formatted(pl.col("n"), ","), _formatted(pl.col("x"), ".1f")).rows()
    [('1,234,567', '2.2'), ('-999', '2.4'), ('1,234,567', None)]
    """
    return _by_value(values, lambda value: format(value, spec))


def _by_value(values: pl.Expr, text: Callable[[object], str]) -> pl.Expr:
    """``text(value)`` for each non-null value, called once per distinct value."""
    def apply(series: pl.Series) -> pl.Series:
        distinct = series.unique().drop_nulls()
        texts = pl.Series([text(v) for v in distinct.to_list()], dtype=pl.String)
        return series.replace_strict(distinct, texts, default=None, return_dtype=pl.String)

    return values.map_batches(apply, return_dtype=pl.String)


def _thousands(n: pl.Expr) -> pl.Expr:
    """``f"{n:,}"`` for whole numbers."""
    return _formatted(n, ",")


def _share(good: pl.Expr, known: pl.Expr, unknown: pl.Expr, share: float, tolerance: float,
           ) -> tuple[pl.Expr, pl.Expr]:
    """``good ≥ share × total`` per county, decided even with unknowns when they cannot change
    it: the check's value (``good / known``) and its three-valued result."""
    total = known + unknown
    threshold = pl.lit(share, dtype=pl.Float64) * total
    met = (pl.when(total == 0).then(pl.lit(True))
           .when(~at_least(good + unknown, threshold, tolerance)).then(pl.lit(False))
           .when((unknown == 0) | at_least(good, threshold, tolerance)).then(pl.lit(True))
           .otherwise(pl.lit(None, dtype=pl.Boolean)))
    return pl.when(known > 0).then(good / known), met


def _unknown_detail(unknown: pl.Expr, zh: str, en: str) -> list[pl.Expr]:
    """"N <what is unknown>" when N > 0, else empty."""
    return [pl.when(unknown > 0).then(pl.format("{} " + text, unknown)).otherwise(pl.lit(""))
            .alias(name) for name, text in (("detail_zh", zh), ("detail_en", en))]


def _check_columns(j: int, threshold: pl.Expr | float, value: pl.Expr, met: pl.Expr,
                   ) -> list[pl.Expr]:
    return [pl.lit(threshold, dtype=pl.Float64).alias(f"threshold_{j}")
            if isinstance(threshold, float) else threshold.cast(pl.Float64).alias(f"threshold_{j}"),
            value.cast(pl.Float64).alias(f"value_{j}"), met.alias(f"met_{j}")]


_BREACH_COLUMNS = {"county": pl.String, "teachers": pl.List(pl.String), "school_id": pl.String,
                   "name": pl.String, "stage": pl.String, "value": pl.Float64,
                   "limit": pl.Float64, "shortfall": pl.Float64, "detail_zh": pl.String,
                   "detail_en": pl.String}


def _breach_frame(frame: pl.DataFrame, **columns: pl.Expr | str | None) -> pl.DataFrame:
    """The schools behind a failed item, one county column for all counties: each column of
    the breaches table from ``columns`` (an expression, a column name, or None for null)."""
    return frame.select(
        (pl.lit(None) if columns[name] is None else
         pl.col(columns[name]) if isinstance(columns[name], str) else columns[name])
        .cast(dtype).alias(name) for name, dtype in _BREACH_COLUMNS.items())


# A rule returns its outcomes in every county and the schools behind its failures.
RuleResult = tuple[Outcomes, pl.DataFrame]


def _school_outcomes(ctx: Context, judged: pl.DataFrame, breaches: pl.DataFrame,
                     key: str, label: str, label_en: str, unknown_zh: str, unknown_en: str,
                     all_unknown: tuple[str, str] | None = None) -> RuleResult:
    """Outcomes of a per-school (or per-unit) rule from its three-valued ``met`` column: every
    school must meet it; with ``all_unknown``, a county none of whose schools is known has no
    check and says so."""
    counts = ctx.per_county(judged.lazy().group_by("county").agg(
        pl.col("met").sum().cast(pl.Int64).alias("good"),
        pl.col("met").not_().sum().cast(pl.Int64).alias("bad"),
        pl.col("met").null_count().cast(pl.Int64).alias("unknown")))
    good, unknown = pl.col("good"), pl.col("unknown")
    known = good + pl.col("bad")
    value, met = _share(good, known, unknown, 1.0, 0.0)
    blind = ((known == 0) & (unknown > 0)) if all_unknown else pl.lit(False)
    details = _unknown_detail(unknown, unknown_zh, unknown_en)
    if all_unknown:
        details = [pl.when(blind).then(pl.lit(text)).otherwise(d).alias(d.meta.output_name())
                   for text, d in zip(all_unknown, details, strict=True)]
    frame = counts.select(
        pl.when(blind).then(pl.lit(None, dtype=pl.Boolean)).otherwise(met).alias("met"),
        unknown.alias("unknown"), *details, (~blind).alias("checked"),
        *_check_columns(0, 1.0, value, met))
    return Outcomes(frame, (CheckSpec(key, label, label_en, "≥", percent=True),)), breaches


# --- computed rules ---------------------------------------------------------------------------

def _music_art_rooms(ctx: Context, item: Item) -> RuleResult:
    p = item.params
    per = int(p["classes_per_room"])
    schools = ctx.school_units.with_columns(
        ((pl.col("classes") + per - 1) // per).alias("required"))
    tol = ctx.standard.tolerance
    rooms = ctx.dataset.rooms
    if rooms is not None:
        music, art = pl.col("room_type") == "music", pl.col("room_type") == "art"

        def area(by_type: dict[str, float]) -> pl.Expr:
            # By comparison, not a lookup: a province has most of a million rooms, each
            # music or art (an enum of the rooms table); only those two types are counted.
            return pl.when(music).then(pl.lit(float(by_type["music"]))).otherwise(
                pl.lit(float(by_type["art"])))

        minimum = area(p["min_area_m2"])
        if p["older_building_area_m2"] is not None:
            minimum = pl.when(pl.col("older_building").fill_null(False)).then(
                area(p["older_building_area_m2"])).otherwise(minimum)
        full_size = at_least(pl.col("area_m2"), minimum, tol)
        # Each room judged once and counted per school by runs (a school's rooms are listed
        # together), then per unit over its member schools, in the units' order.
        per_school = sum_by(rooms.lazy().select(
            "school_id", (music & full_size).alias("music_ok"), (art & full_size).alias("art_ok")),
            ["school_id"], ["music_ok", "art_ok"], count="_rooms")
        listed = pl.when(pl.col("_rooms").is_not_null().any())  # a member has rooms listed
        found = schools.select(pl.int_range(pl.len()).alias("_unit"), "members").explode(
            "members", empty_as_null=True).join(
            per_school, left_on="members", right_on="school_id", how="left",
            maintain_order="left").group_by("_unit", maintain_order=True).agg(
            listed.then(pl.col(f"{kind}_ok").sum()).cast(pl.Int64).alias(f"{kind}_ok")
            for kind in ("music", "art"))
        schools = schools.with_columns(found.get_column("music_ok"),
                                       found.get_column("art_ok"))
    else:
        schools = schools.with_columns(pl.lit(None, dtype=pl.Int64).alias("music_ok"),
                                       pl.lit(None, dtype=pl.Int64).alias("art_ok"))
    need = pl.col("required")
    is_listed = pl.col("music_ok").is_not_null()
    few = ((pl.col("music_rooms") < need).fill_null(False)
           | (pl.col("art_rooms") < need).fill_null(False))
    judged = schools.with_columns(
        pl.when(is_listed).then((pl.col("music_ok") >= need) & (pl.col("art_ok") >= need))
        .when(need == 0).then(True)
        .when(few).then(False)
        .otherwise(None)  # enough rooms (or none recorded), areas unknown
        .alias("met"))
    # The schools short of rooms, their texts built by Polars: a province has tens of
    # thousands of them. A school listed in the rooms table is judged on its full-size rooms.
    have = {kind: pl.when(is_listed).then(pl.col(f"{kind}_ok")).otherwise(pl.col(f"{kind}_rooms"))
            for kind in ("music", "art")}
    shown = {kind: pl.when(h.is_null()).then(pl.lit("?")).otherwise(h.cast(pl.String))
             for kind, h in have.items()}
    one_class, one_room = pl.col("classes") == 1, need == 1
    how_zh = pl.when(is_listed).then(pl.lit("面积达标的")).otherwise(pl.lit(""))
    how_en = pl.when(is_listed).then(pl.lit("full-size ")).otherwise(pl.lit(""))
    breaches = judged.filter(pl.col("met").not_()).select(
        "county", pl.lit(None, dtype=pl.List(pl.String)).alias("teachers"), "school_id", "name",
        pl.lit(None, dtype=pl.String).alias("stage"),
        pl.min_horizontal(*have.values()).cast(pl.Float64).alias("value"),
        need.cast(pl.Float64).alias("limit"),
        # Rooms to add: music and art each up to the requirement (a type whose rooms are
        # unknown adds nothing known).
        pl.sum_horizontal(*[(need - h).clip(lower_bound=0) for h in have.values()])
        .cast(pl.Float64).alias("shortfall"),
        pl.format("{} 个班，需音乐、美术教室各 {} 间；{}音乐 {} 间、美术 {} 间", "classes", need,
                  how_zh, shown["music"], shown["art"]).alias("detail_zh"),
        pl.format("{} class{} need{} {} music and {} art room{} each; {}music {}, art {}",
                  "classes", pl.when(one_class).then(pl.lit("")).otherwise(pl.lit("es")),
                  pl.when(one_class).then(pl.lit("s")).otherwise(pl.lit("")), need, need,
                  pl.when(one_room).then(pl.lit("")).otherwise(pl.lit("s")), how_en,
                  shown["music"], shown["art"]).alias("detail_en"))
    return _school_outcomes(ctx, judged, breaches, "schools_meeting", "达标学校比例",
                            "schools meeting", "所学校教室面积未知",
                            "school(s) with unknown room areas",
                            ("所有学校的专用教室面积未知（请填写专用教室表）",
                             "no school's room areas are known (fill in the rooms table)"))


def _school_size(ctx: Context, item: Item) -> RuleResult:
    p = item.params
    judged = ctx.school_units.with_columns(
        pl.when(pl.col("school_type").is_in(MULTI_STAGE_TYPES))
        .then(pl.lit(p["max_students_multi_stage"])).otherwise(pl.lit(p["max_students"]))
        .alias("limit")).with_columns((pl.col("students") <= pl.col("limit")).alias("met"))
    students, limit = pl.col("students"), pl.col("limit")
    breaches = _breach_frame(
        judged.filter(pl.col("met").not_()).sort("students", descending=True),
        county="county", teachers=None, school_id="school_id", name="name", stage=None,
        value=students, limit=limit, shortfall=students - limit,
        detail_zh=pl.format("在校生 {} 人，超过 {} 人", _thousands(students), _thousands(limit)),
        detail_en=pl.format("{} pupils, over {}", _thousands(students), _thousands(limit)))
    return _school_outcomes(ctx, judged, breaches, "schools_meeting", "规模达标学校比例",
                            "schools within the size", "", "")


def _class_size(ctx: Context, item: Item) -> RuleResult:
    limits = item.params["max_class"]
    limit = pl.col("limit")
    # The average class over the limit proves a class over it, even with no largest class.
    over_average = (pl.col("classes") > 0) & (pl.col("students") > limit * pl.col("classes"))
    judged = ctx.units.filter(pl.col("students") > 0).with_columns(
        pl.col("stage").replace_strict(limits, return_dtype=pl.Int64).alias("limit"),
    ).with_columns(
        pl.when(pl.col("largest_class").is_not_null()).then(pl.col("largest_class") <= limit)
        .when(over_average).then(False)
        .otherwise(None).alias("met"))
    failing = judged.filter(pl.col("met").not_()).with_columns(
        (pl.col("students") / pl.col("classes")).alias("_average"))
    largest = pl.col("largest_class")
    given = largest.is_not_null()
    # The average to one decimal as Python writes it (round half even on the binary value).
    shown = _formatted(pl.when(~given).then(pl.col("_average")), ".1f")
    # Classes to add so that the average fits the limit (0: re-dividing the classes is
    # enough); integer arithmetic, ceil(students / limit) − classes.
    more = ((pl.col("students") + limit - 1) // limit - pl.col("classes").fill_null(0)).clip(
        lower_bound=0)
    zh = pl.when(given).then(pl.format("最大班额 {} 人", largest)).otherwise(
        pl.format("未填最大班额，但平均班额已达 {} 人", shown))
    en = pl.when(given).then(pl.format("largest class {}", largest)).otherwise(
        pl.format("no largest class given, but the average is {}", shown))
    breaches = _breach_frame(
        failing, county="county", teachers=None, school_id="school_id", name="name",
        stage="stage", value=pl.when(given).then(largest.cast(pl.Float64))
        .otherwise(pl.col("_average").ceil()), limit=limit, shortfall=more,
        detail_zh=pl.format("{}，超过 {} 人", zh, limit),
        detail_en=pl.format("{}, over {}", en, limit))
    return _school_outcomes(ctx, judged, breaches, "units_meeting", "班额达标学校（学段）比例",
                            "school–stages within the class size", "个学校（学段）未填最大班额",
                            "school–stage(s) without a largest class",
                            ("未填写最大班额", "no largest class given"))


def _teacher_breaches(ctx: Context, failing: pl.DataFrame, zh: str, en: str) -> pl.DataFrame:
    """Failing teachers grouped by county and school: count and ids (ids go to the JSON, not
    the screen). Built in Polars: a province has tens of thousands of such schools."""
    n = pl.col("teachers").list.len()
    # Sorted once (each school's ids in order, its rows one run), then grouped by run and
    # placed: sorting inside each group, or grouping on three text keys, costs several times
    # more. The order of the result is total (county, count, school id).
    by_school = failing.select("school_id", "teacher_id").sort("school_id", "teacher_id")
    groups = by_school.group_by(pl.col("school_id").rle_id().alias("_run")).agg(
        pl.col("school_id").first(), pl.col("teacher_id").alias("teachers"))
    return groups.join(ctx.schools, on="school_id", how="left").sort(
        "county", n, "school_id", descending=[False, True, False]).select(
        "county", "school_id", pl.col("school").alias("name"),
        pl.lit(None, dtype=pl.String).alias("stage"), n.cast(pl.Float64).alias("value"),
        pl.lit(0.0).alias("limit"), n.cast(pl.Float64).alias("shortfall"),
        pl.format("{} " + zh, n).alias("detail_zh"),
        _by_value(n, lambda count: mend_plurals(f"{count} {en}")).alias("detail_en"),
        "teachers")


def _teacher_outcomes(ctx: Context, name: str, share: float, key: str, label: str,
                      label_en: str, breach: tuple[str, str],
                      unknown_text: tuple[str, str]) -> RuleResult:
    """Outcomes of a per-teacher item from its tallies (``<name>_good``, ``_bad``,
    ``_unknown`` per county) and the teachers failing it."""
    counts = ctx.per_county(ctx.by_county.lazy().select(
        "county", pl.col(f"{name}_good").alias("good"), pl.col(f"{name}_bad").alias("bad"),
        pl.col("teachers_all").alias("all")))
    good, bad = pl.col("good"), pl.col("bad")
    unknown = pl.col("all") - good - bad  # counted, item unknown
    value, met = _share(good, good + bad, unknown, share, ctx.standard.tolerance)
    frame = counts.select(met.alias("met"), unknown.alias("unknown"),
                          *_unknown_detail(unknown, *unknown_text), pl.lit(True).alias("checked"),
                          *_check_columns(0, share, value, met))
    return (Outcomes(frame, (CheckSpec(key, label, label_en, "≥", percent=True),)),
            _teacher_breaches(ctx, ctx.tally.rows[name], *breach))


def _training_hours(ctx: Context, item: Item) -> RuleResult | None:
    p = item.params
    if ctx.total("training_good") + ctx.total("training_bad") == 0:  # nobody's hours known
        return None
    no_start = ctx.by_county.filter(pl.col("training_no_start") > 0).sort("county").select(
        "county", "training_no_start")
    english: dict[int, str] = {}
    for county, n in no_start.iter_rows():
        if n not in english:
            english[n] = mend_plurals(f"{n} teacher(s) without the year they started teaching "
                                      f"held to the full {p['hours_5y']:g}-hour requirement")
        ctx.notes.append(Note(county, f"{n} 名教师未填从教年份，培训学时按满 5 年"
                              f"（{p['hours_5y']:g} 学时）要求", english[n]))
    return _teacher_outcomes(ctx, "training", 1.0, "teachers_completed", "培训完成率",
                             "training completion", ("名教师培训学时不足",
                                                     "teacher(s) short of training hours"),
                             ("名教师未填培训学时", "teacher(s) without training hours"))


def _certified(ctx: Context, item: Item) -> RuleResult | None:
    if ctx.total("certified_good") + ctx.total("certified_bad") == 0:  # no value known
        return None
    return _teacher_outcomes(ctx, "certified", float(item.params["share"]),
                             "certified_share", "持证上岗率", "certified share",
                             ("名专任教师无教师资格证", "full-time teacher(s) without a certificate"),
                             ("名教师未填教师资格证", "teacher(s) without a certificate value"))


def _fewest(threshold: pl.Expr, tolerance: float) -> pl.Expr:
    """``compare.fewest`` per row: the fewest whole n ≥ 0 with n ≥ threshold (inclusive)."""
    return pl.when(threshold <= 0).then(pl.lit(0, dtype=pl.Int64)).otherwise(
        (threshold - tolerance * threshold.abs()).ceil().clip(lower_bound=0).cast(pl.Int64))


def _rotation(ctx: Context, item: Item) -> RuleResult | None:
    p = item.params
    rotations = ctx.dataset.rotations
    if rotations is None or ctx.total("rotation_known") == 0:  # nobody's tenure is known
        return None
    tol = ctx.standard.tolerance
    share, backbone_share = float(p["share"]), float(p["backbone_share"])
    group = ctx.standard.teacher_groups.get(p["backbone_group"])  # "all" has no spec
    # Only the rotated teachers' group membership is needed: their rows, not the roster's.
    # Each teacher's first record of the year, with the teacher's roster rows (a teacher on
    # two rows counts twice, one on none once).
    moved = (rotations.filter(pl.col("school_year") == ctx.year)
             .filter(pl.col("teacher_id").is_first_distinct())
             .select("teacher_id", "from_school_id")
             .join(ctx.tally.rows["rotated"].select(
                 "teacher_id", (group_expr(group) if group else pl.lit(True)).alias("_backbone")),
                 on="teacher_id", how="left")
             .select("from_school_id", (pl.col("_backbone").fill_null(False) if group
                                        else pl.lit(True)).alias("is_backbone")))
    # Counted per sending school, then placed: the county and location of ~10⁵ schools, not
    # of every record.
    sent = moved.group_by("from_school_id").agg(
        pl.len().cast(pl.Int64).alias("went"),
        pl.col("is_backbone").sum().cast(pl.Int64)).join(
        ctx.schools.select(pl.col("school_id").alias("from_school_id"), "county", "location"),
        on="from_school_id", how="left")
    went = sent.group_by("county").agg(pl.col("went").sum().alias("rotated"),
                                       pl.col("is_backbone").sum().alias("backbone"))
    counts = ctx.per_county(ctx.by_county.select(
        "county", pl.col("rotation_stay").alias("stay"),
        pl.col("rotation_stay_unknown").alias("unknown"))).join(
        went, on="county", how="left", maintain_order="left").with_columns(
        pl.col("rotated", "backbone").fill_null(0))
    # Eligible teachers who stayed, by school (the tally's, summed over stages).
    eligible_stay = ctx.placed.filter(pl.col("rotation_stay") > 0).group_by("school_id").agg(
        pl.col("county", "location").first(), pl.col("rotation_stay").sum().alias("stay"))
    # Urban and town schools (the sending side, STANDARDS.md §3) that send fewer than their
    # share; the rule itself judges the county total.
    per_school = (eligible_stay.filter(pl.col("location") != "rural").drop("location")
                  .join(sent.filter(pl.col("location") != "rural")
                        .select("county", pl.col("from_school_id").alias("school_id"), "went"),
                        on=["county", "school_id"], how="full", coalesce=True)
                  .with_columns(pl.col("stay", "went").fill_null(0))
                  .with_columns((pl.col("stay") + pl.col("went")).alias("eligible"))
                  .filter(~at_least(pl.col("went"), share * pl.col("eligible"), tol))
                  .join(ctx.dataset.schools.select("school_id", "name"), on="school_id",
                        how="left")
                  .sort("county", "eligible", "school_id", descending=[False, True, False]))
    went_n, eligible_n = pl.col("went"), pl.col("eligible")
    percent = f"{share:.0%}"
    breaches = _breach_frame(
        per_school, county="county", teachers=None, school_id="school_id", name="name",
        stage=None, value=went_n, limit=share * eligible_n,
        shortfall=(_fewest(share * eligible_n, tol) - went_n).clip(lower_bound=0),
        detail_zh=pl.format("城镇学校，符合条件 {} 名，交流 {} 名，不足 " + percent,
                            _thousands(eligible_n), _thousands(went_n)),
        detail_en=pl.format("urban/town school: {} eligible, {} rotated, below " + percent,
                            _thousands(eligible_n), _thousands(went_n)))
    rotated, backbone, unknown = pl.col("rotated"), pl.col("backbone"), pl.col("unknown")
    eligible = pl.col("stay") + rotated
    value_1, met_1 = _share(rotated, eligible, unknown, share, tol)
    value_2, met_2 = _share(backbone, rotated, pl.lit(0, dtype=pl.Int64), backbone_share, tol)
    more = (_fewest(share * eligible, tol) - rotated).clip(lower_bound=0)
    more_backbone = (_fewest(backbone_share * (rotated + pl.col("_more")), tol) - backbone).clip(
        lower_bound=0)
    zh = pl.format(f"{ctx.year}学年交流 {{}} 名（骨干 {{}} 名），符合交流条件 {{}} 名",
                   _thousands(rotated), _thousands(backbone), _thousands(eligible))
    en = pl.format(f"school year {ctx.year}: {{}} rotated ({{}} backbone) of {{}} eligible",
                   _thousands(rotated), _thousands(backbone), _thousands(eligible))
    need_zh = (pl.when(pl.col("_more") > 0)
               .then(pl.format("；还需交流 {} 名，其中骨干教师至少 {} 名", "_more", "_more_backbone"))
               .when(pl.col("_more_backbone") > 0)
               .then(pl.format("；交流人员中还需增加骨干教师 {} 名", "_more_backbone"))
               .otherwise(pl.lit("")))
    need_en = (pl.when(pl.col("_more") > 0)
               .then(pl.format("; {} more needed, at least {} of them backbone", "_more",
                               "_more_backbone"))
               .when(pl.col("_more_backbone") > 0)
               .then(pl.format("; {} more backbone teacher(s) needed among the rotated",
                               "_more_backbone"))
               .otherwise(pl.lit("")))
    unknown_zh = pl.when(unknown > 0).then(pl.format("；{} 名教师未填到本校年份", unknown)) \
        .otherwise(pl.lit(""))
    unknown_en = pl.when(unknown > 0).then(
        pl.format("; {} teacher(s) without the year they joined their school", unknown)) \
        .otherwise(pl.lit(""))
    frame = counts.with_columns(more.alias("_more")).with_columns(
        more_backbone.alias("_more_backbone")).select(
        pl.all_horizontal(met_1, met_2).alias("met"), unknown.alias("unknown"),
        pl.concat_str(zh, need_zh, unknown_zh).alias("detail_zh"),
        pl.concat_str(en, need_en, unknown_en).alias("detail_en"),
        pl.lit(True).alias("checked"),
        *_check_columns(0, share, value_1, met_1), *_check_columns(1, backbone_share, value_2,
                                                                  met_2))
    checks = (CheckSpec("rotation_share", "交流轮岗比例", "rotated share of the eligible", "≥",
                        percent=True),
              CheckSpec("backbone_share", "骨干教师占交流比例", "backbone share of the rotated", "≥",
                        percent=True))
    return Outcomes(frame, checks), breaches


# What each rule needs when its data is missing, for the report.
NEEDS: dict[str, tuple[str, str]] = {
    "music_art_rooms": ("需填写专用教室表（每间教室面积）", "fill in the rooms table (each room's area)"),
    "school_size": ("", ""),
    "class_size": ("需填写学段表「最大班额」列", "fill in the stages table's column 最大班额 (largest class)"),
    "training_hours": ("需填写教师表「近五年培训学时」列，或县级指标表「五年360学时培训完成率」",
                       "fill in the teachers table's column 近五年培训学时 (training hours, last five "
                       "years), or the county table's 五年360学时培训完成率 (completion rate)"),
    "rotation": ("需填写交流轮岗记录表和教师表「到本校年份」列，或县级指标表的交流轮岗比例",
                 "fill in the rotations table and the teachers table's column 到本校年份 (year "
                 "joined the school), or the county table's two rotation shares"),
    "certified": ("需填写教师表「教师资格证」列，或县级指标表「专任教师持证上岗率」",
                  "fill in the teachers table's column 教师资格证 (certificate), or the county "
                  "table's 专任教师持证上岗率 (certified share)"),
}

RULES: dict[str, Callable[[Context, Item], RuleResult | None]] = {
    "music_art_rooms": _music_art_rooms,
    "school_size": _school_size,
    "class_size": _class_size,
    "training_hours": _training_hours,
    "rotation": _rotation,
    "certified": _certified,
}


# --- declared items ---------------------------------------------------------------------------

@cache
def _condition_spec(cond: Condition) -> CheckSpec:
    """A condition's key, labels, symbol and whether it is a share: the same in every county."""
    label = COUNTY.column(cond.column).zh
    if cond.op == "at_least_column":
        label = f"{label}（对比{COUNTY.column(str(cond.value)).zh}）"
        label_en = (f"{COUNTY_LABELS_EN[cond.column]} (against "
                    f"{COUNTY_LABELS_EN[str(cond.value)]})")
    else:
        label_en = COUNTY_LABELS_EN[cond.column]
    return CheckSpec(cond.column, label, label_en, cond.symbol,
                     COUNTY.column(cond.column).kind == "ratio")


def _declared(ctx: Context, conditions: tuple[Condition, ...]) -> Outcomes:
    """Judge the declared conditions in every county at once, as column expressions over the
    ``county`` table; ``given`` says whether any of the item's figures was given."""
    tolerance = ctx.standard.tolerance
    columns: list[pl.Expr] = []
    mets: list[pl.Expr] = []
    for j, cond in enumerate(conditions):
        given = pl.col(cond.column)
        value = given.cast(pl.Float64)  # booleans become 1.0 / 0.0
        threshold: pl.Expr | float = (pl.col(str(cond.value)).cast(pl.Float64)
                                      if cond.op == "at_least_column" else float(cond.value))
        if cond.op == "is":
            met = given.cast(pl.Boolean) == cond.value
        elif cond.op in ("at_least", "at_least_column"):
            met = at_least(value, threshold, tolerance)
        elif cond.op == "at_most":
            met = at_most(value, threshold, tolerance)
        else:  # below: strictly
            met = below(value, threshold, tolerance)
        columns += _check_columns(j, threshold, value, met)
        mets.append(met)
    figures = [pl.col(c.column).is_not_null() for c in conditions]
    # Kept to the counties' height even for an item without conditions (literals alone
    # would make one row).
    frame = ctx.declared.lazy().select(
        "county", (pl.all_horizontal(mets) if mets else pl.lit(True)).alias("met"),
        (pl.any_horizontal(figures) if figures else pl.lit(False)).alias("given"),
        *columns).drop("county")
    return Outcomes(frame, tuple(_condition_spec(c) for c in conditions))


# --- the whole of the other parts -------------------------------------------------------------

def _missing_text(item: Item) -> tuple[str, str]:
    """What an item lacks when neither the rosters nor the county table decide it."""
    if item.compute:
        return NEEDS[item.compute]
    specs = [_condition_spec(c) for c in item.conditions]
    return ("县级指标表未填写：" + "、".join(c.label for c in specs),
            "not declared in the county table (县级指标): "
            + "; ".join(f"{c.label_en} ({c.label})" for c in specs))


def _judge(ctx: Context, part: str, item: Item, order: int, computed: Outcomes | None,
           ) -> tuple[pl.LazyFrame, list[pl.LazyFrame]]:
    """The item's row in each county and its checks, every county at once.

    The outcome is computed when the rosters decide it; otherwise the declared figures when
    given; otherwise missing, saying what would decide it (a computed outcome whose every
    school or teacher lacked the data keeps its own detail).
    """
    declared = _declared(ctx, item.conditions)
    # All lazy: a county's ~25 items are then one query (collect_all in evaluate_parts),
    # not a few small ones each.
    frames = [ctx.base.lazy().with_row_index("_c"),
              declared.frame.lazy().rename(lambda c: f"d_{c}")]
    if computed is not None:
        frames.append(computed.frame.lazy().rename(lambda c: f"c_{c}"))
    both = pl.concat(frames, how="horizontal")
    given = pl.col("d_given")

    missing_zh, missing_en = _missing_text(item)
    if computed is None:
        use_computed = pl.lit(False)
        source = pl.when(given).then(pl.lit("declared")).otherwise(pl.lit("missing"))
        met = pl.col("d_met")
        unknown = pl.lit(0, dtype=pl.Int64)
        details = [pl.when(given).then(pl.lit("")).otherwise(pl.lit(text)).alias(name)
                   for name, text in (("detail_zh", missing_zh), ("detail_en", missing_en))]
    else:
        decided = pl.col("c_met").is_not_null() | pl.col("c_checked")
        use_computed = decided | ~given
        source = (pl.when(decided).then(pl.lit("computed"))
                  .when(given).then(pl.lit("declared")).otherwise(pl.lit("missing")))
        met = pl.when(use_computed).then(pl.col("c_met")).otherwise(pl.col("d_met"))
        unknown = pl.when(use_computed).then(pl.col("c_unknown")).otherwise(0)
        details = [pl.when(use_computed).then(pl.col(f"c_{name}")).otherwise(pl.lit("")).alias(
            name) for name in ("detail_zh", "detail_en")]
    def head(prefix: str, column: str, checks: tuple[CheckSpec, ...]) -> pl.Expr:
        """The first check's value, threshold or op (the item row shows it)."""
        if not checks:
            return pl.lit(None, dtype=pl.String if column == "op" else pl.Float64)
        first = pl.lit(checks[0].op) if column == "op" else pl.col(f"{prefix}{column}_0")
        return pl.when(pl.col("c_checked")).then(first) if prefix == "c_" else first

    def pick(column: str) -> pl.Expr:
        mine = head("d_", column, declared.checks)
        if computed is None:
            return mine
        return pl.when(use_computed).then(head("c_", column, computed.checks)).otherwise(mine)

    items = both.select(
        "county", pl.lit(part).alias("part"), pl.lit(item.key).alias("item"),
        pl.lit(item.number, dtype=pl.Int64).alias("number"), source.alias("source"),
        met.alias("met"), pick("value").alias("value"), pick("threshold").alias("threshold"),
        pick("op").alias("op"), unknown.cast(pl.Int64).alias("unknown"), *details)
    checks = []
    sides = [("d_", ~use_computed, declared.checks)]
    if computed is not None:
        sides.append(("c_", use_computed & pl.col("c_checked"), computed.checks))
    for prefix, chosen, specs in sides:
        for j, spec in enumerate(specs):
            checks.append(both.filter(chosen).select(
                pl.lit(order).alias("_k"), "_c", pl.lit(j).alias("_j"),
                "county", pl.lit(part).alias("part"), pl.lit(item.key).alias("item"),
                pl.lit(spec.key).alias("check"), pl.lit(spec.label).alias("label"),
                pl.lit(spec.label_en).alias("label_en"), pl.lit(spec.op).alias("op"),
                pl.col(f"{prefix}threshold_{j}").alias("threshold"),
                pl.col(f"{prefix}value_{j}").alias("value"),
                pl.col(f"{prefix}met_{j}").alias("met"), pl.lit(spec.percent).alias("percent")))
    return items, checks


def evaluate_parts(dataset: Dataset, standard: Standard, units: pl.DataFrame, year: int,
                   counties: list[str], notes: list[Note], tally: Tally | None = None,
                   ) -> dict[str, pl.DataFrame]:
    """The ``items``, ``checks``, ``breaches``, ``vetoes`` and ``parts`` tables (``tally``:
    the teachers counted for ``year``, counted here when not given).

    Each item is judged in every county at once (column expressions over the counties, not a
    loop over them): a province has thousands of counties.
    """
    if tally is None:
        tally = tally_teachers(dataset, standard, year)
    ctx = Context(dataset, standard, units, year, counties, notes, tally)
    items: list[pl.LazyFrame] = []
    checks: list[pl.LazyFrame] = []
    breach_frames = []
    for part in standard.parts:
        for item in part.items:
            result = RULES[item.compute](ctx, item) if item.compute else None
            if result is not None:
                breach_frames.append(result[1].with_columns(
                    pl.lit(part.key).alias("part"), pl.lit(item.key).alias("item"),
                ).select(list(_BREACH_SCHEMA)))
            rows, conditions = _judge(ctx, part.key, item, len(items),
                                      None if result is None else result[0])
            items.append(rows)
            checks += conditions
    item_table, check_table = pl.collect_all([
        _typed(pl.concat(items), _ITEM_SCHEMA),
        _typed(pl.concat(checks).sort("_k", "_c", "_j"), _CHECK_SCHEMA)]) if items else (
        pl.DataFrame(schema=_ITEM_SCHEMA), pl.DataFrame(schema=_CHECK_SCHEMA))
    met = pl.col("met")
    parts = item_table.group_by("part", "county", maintain_order=True).agg(
        pl.len().cast(pl.Int64).alias("items"), met.sum().cast(pl.Int64).alias("met"),
        met.not_().sum().cast(pl.Int64).alias("failed"),
        met.null_count().cast(pl.Int64).alias("missing"),
    ).select("county", "part",
             pl.when(pl.col("failed") > 0).then(pl.lit("fail"))
             .when(pl.col("missing") > 0).then(pl.lit("incomplete"))
             .otherwise(pl.lit("pass")).alias("verdict"), "items", "met", "failed", "missing")
    vetoes = [ctx.declared.with_row_index("_c").select(
        "_c", pl.lit(i).alias("_v"), "county", pl.lit(veto.key).alias("veto"),
        pl.col(veto.column).cast(pl.Boolean).alias("present"))
        for i, veto in enumerate(standard.vetoes)]
    breaches = pl.concat(breach_frames) if breach_frames else pl.DataFrame(schema=_BREACH_SCHEMA)
    return {
        "items": _mend_column(item_table, "detail_en"),
        "checks": check_table,
        # The breaches' English is whole already: only the teacher breaches count with
        # "(s)", mended per distinct count where they are built.
        "breaches": breaches,
        "vetoes": (pl.concat(vetoes).sort("_c", "_v").drop("_c", "_v") if vetoes else
                   pl.DataFrame(schema=_VETO_SCHEMA)),
        "parts": parts if parts.height else pl.DataFrame(schema=_PART_SCHEMA),
    }


def _typed(frame: pl.LazyFrame, schema: dict[str, pl.DataType]) -> pl.LazyFrame:
    return frame.select(pl.col(name).cast(dtype) for name, dtype in schema.items())


def _mend_column(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """English "(s)" resolved once per distinct text (a province has thousands of rows, and
    few distinct texts)."""
    texts = frame.get_column(column).drop_nulls().unique().to_list()
    mended = {text: mend_plurals(text) for text in texts}
    if all(k == v for k, v in mended.items()):
        return frame
    return frame.with_columns(pl.col(column).replace(mended))


_ITEM_SCHEMA = {"county": pl.String, "part": pl.String, "item": pl.String, "number": pl.Int64,
                "source": pl.String, "met": pl.Boolean, "value": pl.Float64,
                "threshold": pl.Float64, "op": pl.String, "unknown": pl.Int64,
                "detail_zh": pl.String, "detail_en": pl.String}
_CHECK_SCHEMA = {"county": pl.String, "part": pl.String, "item": pl.String, "check": pl.String,
                 "label": pl.String, "label_en": pl.String, "op": pl.String,
                 "threshold": pl.Float64, "value": pl.Float64, "met": pl.Boolean,
                 "percent": pl.Boolean}
_BREACH_SCHEMA = {"county": pl.String, "part": pl.String, "item": pl.String,
                  "teachers": pl.List(pl.String), "school_id": pl.String, "name": pl.String,
                  "stage": pl.String, "value": pl.Float64, "limit": pl.Float64,
                  "shortfall": pl.Float64, "detail_zh": pl.String, "detail_en": pl.String}
_VETO_SCHEMA = {"county": pl.String, "veto": pl.String, "present": pl.Boolean}
_PART_SCHEMA = {"county": pl.String, "part": pl.String, "verdict": pl.String, "items": pl.Int64,
                "met": pl.Int64, "failed": pl.Int64, "missing": pl.Int64}
