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

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property
from typing import Any

import polars as pl

from junheng._english import mend_plurals
from junheng.evaluate._roster import Tally, group_expr, rotated_ids, tally_teachers
from junheng.evaluate._units import Note
from junheng.model.dataset import Dataset
from junheng.model.schema import COUNTY, COUNTY_LABELS_EN, MULTI_STAGE_TYPES
from junheng.standards import Standard
from junheng.standards._parts import Condition, Item
from junheng.standards.compare import at_least, at_most, below, fewest


@dataclass
class Check:
    """One condition of an item: ``value op threshold`` (booleans as 1.0 / 0.0 with op "is")."""

    key: str
    label: str
    label_en: str
    op: str
    threshold: float | None
    value: float | None
    met: bool | None
    percent: bool = False  # a share, shown as a percentage


@dataclass
class Outcome:
    """An item's result in one county."""

    met: bool | None
    checks: list[Check]
    unknown: int = 0  # schools or teachers whose data is missing
    detail_zh: str = ""
    detail_en: str = ""


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
    def schools(self) -> pl.DataFrame:
        """Each school's county, location and name, to place a count made by school id."""
        return self.dataset.schools.select("school_id", "county", "location",
                                           pl.col("name").alias("school"))

    @cached_property
    def by_county(self) -> dict[str | None, dict[str, int]]:
        """The teacher items' tallies summed per county (None: teachers of no known school)."""
        columns = [c for c in self.tally.units.columns if c not in ("school_id", "stage")]
        sums = self.tally.units.join(self.schools, on="school_id", how="left").group_by(
            "county").agg(pl.col(columns).sum())
        return {r["county"]: r for r in sums.iter_rows(named=True)}

    def total(self, column: str) -> int:
        """A teacher tally over every counted teacher."""
        return int(self.tally.units.get_column(column).sum())

    @cached_property
    def school_units(self) -> pl.DataFrame:
        """One row per evaluated school (a unit school: stages summed; members merged)."""
        null_if_any = [pl.when(pl.col(c).null_count() == 0).then(pl.col(c).sum()).alias(c)
                       for c in ("music_rooms", "art_rooms")]
        return self.units.group_by("county", "school_id", "name", "school_type",
                                   maintain_order=True).agg(
            pl.col("students").sum(), pl.col("classes").sum(), *null_if_any,
            pl.col("members").list.explode(keep_nulls=False, empty_as_null=False).unique()
            .alias("members"))


def _all(values: list[bool | None]) -> bool | None:
    """Three-valued AND: false beats unknown beats true."""
    if any(v is False for v in values):
        return False
    if any(v is None for v in values):
        return None
    return True


def _share_check(key: str, label: str, label_en: str, good: int, known: int, unknown: int,
                 share: float, tolerance: float) -> tuple[Check, bool | None]:
    """``good ≥ share × total``, decided even with unknowns when they cannot change it."""
    total = known + unknown
    if total == 0:
        return Check(key, label, label_en, "≥", share, None, True, percent=True), True
    if not at_least(good + unknown, share * total, tolerance):
        met: bool | None = False  # even if every unknown were good
    elif unknown == 0 or at_least(good, share * total, tolerance):
        met = True
    else:
        met = None
    value = good / known if known else None
    return Check(key, label, label_en, "≥", share, value, met, percent=True), met


def _tally(frame: pl.DataFrame, met: str = "met") -> dict[str, tuple[int, int, int]]:
    """Per county: (met, failed, unknown) counts of a three-valued column."""
    counts = frame.group_by("county").agg(
        pl.col(met).sum().cast(pl.Int64).alias("good"),
        pl.col(met).not_().sum().cast(pl.Int64).alias("bad"),
        pl.col(met).null_count().cast(pl.Int64).alias("unknown"))
    return {r["county"]: (r["good"], r["bad"], r["unknown"]) for r in counts.iter_rows(named=True)}


def _breach_frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """The schools behind a failed item, one county column for all counties (no teachers)."""
    return pl.DataFrame(rows, schema={k: v for k, v in _BREACH_SCHEMA.items()
                                      if k not in ("part", "item")}, orient="row")


# A rule returns its outcome per county and the schools behind its failures.
RuleResult = tuple[dict[str, "Outcome"], pl.DataFrame]


def _school_outcomes(ctx: Context, judged: pl.DataFrame,
                     breaches: list[dict[str, Any]] | pl.DataFrame,
                     key: str, label: str, label_en: str, unknown_zh: str, unknown_en: str,
                     all_unknown: tuple[str, str] | None = None) -> RuleResult:
    """Outcomes of a per-school (or per-unit) rule from its three-valued ``met`` column."""
    tally = _tally(judged)
    out: dict[str, Outcome] = {}
    for county in ctx.counties:
        good, bad, unknown = tally.get(county, (0, 0, 0))
        if good + bad == 0 and unknown and all_unknown:
            out[county] = Outcome(None, [], unknown, *all_unknown)
            continue
        check, met = _share_check(key, label, label_en, good, good + bad, unknown, 1.0, 0.0)
        out[county] = Outcome(met, [check], unknown,
                              *_unknown_detail(unknown, unknown_zh, unknown_en))
    return out, breaches if isinstance(breaches, pl.DataFrame) else _breach_frame(breaches)


def _unknown_detail(unknown: int, zh: str, en: str) -> tuple[str, str]:
    return (f"{unknown} {zh}", f"{unknown} {en}") if unknown else ("", "")


def _n(value: int | None) -> str:
    return "?" if value is None else str(value)


# --- computed rules ---------------------------------------------------------------------------

def _music_art_rooms(ctx: Context, item: Item) -> RuleResult:
    p = item.params
    per = int(p["classes_per_room"])
    schools = ctx.school_units.with_columns(
        ((pl.col("classes") + per - 1) // per).alias("required"))
    tol = ctx.standard.tolerance
    rooms = ctx.dataset.rooms
    if rooms is not None:
        member_of = schools.select("school_id", "members").explode("members").select(
            pl.col("members").alias("room_school"), pl.col("school_id").alias("unit"))
        full = p["min_area_m2"]
        older = p["older_building_area_m2"]
        minimum = pl.col("room_type").replace_strict(full, return_dtype=pl.Float64)
        if older is not None:
            minimum = pl.when(pl.col("older_building").fill_null(False)).then(
                pl.col("room_type").replace_strict(older, return_dtype=pl.Float64)
            ).otherwise(minimum)
        listed = rooms.join(member_of, left_on="school_id", right_on="room_school",
                            how="inner").group_by("unit").agg(
            ((pl.col("room_type") == "music") & at_least(pl.col("area_m2"), minimum, tol))
            .sum().cast(pl.Int64).alias("music_ok"),
            ((pl.col("room_type") == "art") & at_least(pl.col("area_m2"), minimum, tol))
            .sum().cast(pl.Int64).alias("art_ok"))
        schools = schools.join(listed, left_on="school_id", right_on="unit", how="left")
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
    breaches = [{"county": r["county"], "school_id": r["school_id"], "name": r["name"],
                 "stage": None, "value": float(r["students"]), "limit": float(r["limit"]),
                 "shortfall": float(r["students"] - r["limit"]),
                 "detail_zh": f"在校生 {r['students']:,} 人，超过 {r['limit']:,} 人",
                 "detail_en": f"{r['students']:,} pupils, over {r['limit']:,}"}
                for r in judged.filter(pl.col("met").not_()).sort(
                    "students", descending=True).iter_rows(named=True)]
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
    breaches = []
    for r in judged.filter(pl.col("met").not_()).iter_rows(named=True):
        if r["largest_class"] is not None:
            value = r["largest_class"]
            zh, en = f"最大班额 {value} 人", f"largest class {value}"
        else:
            average = r["students"] / r["classes"]
            value = math.ceil(average)
            zh = f"未填最大班额，但平均班额已达 {average:.1f} 人"
            en = f"no largest class given, but the average is {average:.1f}"
        # Classes to add so that the average fits the limit (0: re-dividing the classes is
        # enough); integer arithmetic, ceil(students / limit) − classes.
        more = max(-(-r["students"] // r["limit"]) - (r["classes"] or 0), 0)
        breaches.append({"county": r["county"], "school_id": r["school_id"], "name": r["name"],
                         "stage": r["stage"], "value": float(value), "limit": float(r["limit"]),
                         "shortfall": float(more),
                         "detail_zh": f"{zh}，超过 {r['limit']} 人",
                         "detail_en": f"{en}, over {r['limit']}"})
    return _school_outcomes(ctx, judged, breaches, "units_meeting", "班额达标学校（学段）比例",
                            "school–stages within the class size", "个学校（学段）未填最大班额",
                            "school–stage(s) without a largest class",
                            ("未填写最大班额", "no largest class given"))


def _teacher_breaches(ctx: Context, failing: pl.DataFrame, zh: str, en: str) -> pl.DataFrame:
    """Failing teachers grouped by county and school: count and ids (ids go to the JSON, not
    the screen). Built in Polars: a province has tens of thousands of such schools."""
    n = pl.col("teachers").list.len()
    return failing.join(ctx.schools, on="school_id", how="left").group_by(
        "county", "school_id", "school").agg(pl.col("teacher_id").sort().alias("teachers")).sort(
        "county", n, "school_id", descending=[False, True, False]).select(
        "county", "school_id", pl.col("school").alias("name"),
        pl.lit(None, dtype=pl.String).alias("stage"), n.cast(pl.Float64).alias("value"),
        pl.lit(0.0).alias("limit"), n.cast(pl.Float64).alias("shortfall"),
        pl.format("{} " + zh, n).alias("detail_zh"),
        pl.format("{} " + en, n).alias("detail_en"), "teachers")


def _teacher_outcomes(ctx: Context, name: str, share: float, key: str, label: str,
                      label_en: str, breach: tuple[str, str],
                      unknown_text: tuple[str, str]) -> RuleResult:
    """Outcomes of a per-teacher item from its tallies (``<name>_good``, ``_bad``,
    ``_unknown`` per county) and the teachers failing it."""
    out: dict[str, Outcome] = {}
    for county in ctx.counties:
        c = ctx.by_county.get(county)
        good, bad = (0, 0) if c is None else (c[f"{name}_good"], c[f"{name}_bad"])
        unknown = 0 if c is None else c["teachers_all"] - good - bad  # counted, item unknown
        check, met = _share_check(key, label, label_en, good, good + bad, unknown, share,
                                  ctx.standard.tolerance)
        out[county] = Outcome(met, [check], unknown, *_unknown_detail(unknown, *unknown_text))
    return out, _teacher_breaches(ctx, ctx.tally.rows[name], *breach)


def _training_hours(ctx: Context, item: Item) -> RuleResult | None:
    p = item.params
    if ctx.total("training_good") + ctx.total("training_bad") == 0:  # nobody's hours known
        return None
    no_start = sorted(((county, c["training_no_start"]) for county, c in ctx.by_county.items()
                       if c["training_no_start"]),
                      key=lambda pair: (pair[0] is not None, pair[0] or ""))
    for county, n in no_start:
        ctx.notes.append(Note(county, f"{n} 名教师未填从教年份，培训学时按满 5 年"
                              f"（{p['hours_5y']:g} 学时）要求",
                              mend_plurals(f"{n} teacher(s) without the year they "
                                           f"started teaching held to the full "
                                           f"{p['hours_5y']:g}-hour requirement")))
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


def _rotation(ctx: Context, item: Item) -> RuleResult | None:
    p = item.params
    rotations = ctx.dataset.rotations
    if rotations is None or ctx.total("rotation_known") == 0:  # nobody's tenure is known
        return None
    tol = ctx.standard.tolerance
    share, backbone_share = float(p["share"]), float(p["backbone_share"])
    group = ctx.standard.teacher_groups.get(p["backbone_group"])  # "all" has no spec
    # Only the rotated teachers' group membership is needed: their rows, not the roster's.
    moved = (rotations.filter(pl.col("school_year") == ctx.year)
             .unique("teacher_id", keep="first", maintain_order=True)
             .join(ctx.dataset.schools.select(pl.col("school_id").alias("from_school_id"),
                                              "county", "location"),
                   on="from_school_id", how="left")
             .join(ctx.tally.rows["rotated"], on="teacher_id", how="left")
             .with_columns((group_expr(group) if group else pl.lit(True)).alias("is_backbone")))
    went = moved.group_by("county").agg(
        pl.len().alias("rotated"),
        pl.col("is_backbone").fill_null(False).sum().cast(pl.Int64).alias("backbone"))
    counts: dict[str | None, dict[str, Any]] = {
        county: {"stay": c["rotation_stay"], "unknown": c["rotation_stay_unknown"]}
        for county, c in ctx.by_county.items()}
    for r in went.iter_rows(named=True):
        counts.setdefault(r["county"], {}).update(r)
    # Eligible teachers who stayed, by school (the tally's, summed over stages).
    eligible_stay = (ctx.tally.units.group_by("school_id").agg(pl.col("rotation_stay").sum())
                     .filter(pl.col("rotation_stay") > 0)
                     .join(ctx.schools, on="school_id", how="left")
                     .select("county", "location", "school_id",
                             pl.col("rotation_stay").alias("stay")))
    # Urban and town schools (the sending side, STANDARDS.md §3) that send fewer than their
    # share; the rule itself judges the county total.
    per_school = (eligible_stay.filter(pl.col("location") != "rural").drop("location")
                  .join(moved.filter(pl.col("location") != "rural")
                        .group_by("county", pl.col("from_school_id").alias("school_id"))
                        .len("went"), on=["county", "school_id"], how="full", coalesce=True)
                  .with_columns(pl.col("stay", "went").fill_null(0))
                  .with_columns((pl.col("stay") + pl.col("went")).alias("eligible"))
                  .filter(~at_least(pl.col("went"), share * pl.col("eligible"), tol))
                  .join(ctx.dataset.schools.select("school_id", "name"), on="school_id",
                        how="left")
                  .sort("county", "eligible", "school_id", descending=[False, True, False]))
    breaches = _breach_frame([
        {"county": r["county"], "school_id": r["school_id"], "name": r["name"], "stage": None,
         "value": float(r["went"]), "limit": share * r["eligible"],
         "shortfall": float(max(fewest(share * r["eligible"], tol) - r["went"], 0)),
         "detail_zh": f"城镇学校，符合条件 {r['eligible']:,} 名，交流 {r['went']:,} 名，"
                      f"不足 {share:.0%}",
         "detail_en": f"urban/town school: {r['eligible']:,} eligible, {r['went']:,} rotated, "
                      f"below {share:.0%}"}
        for r in per_school.iter_rows(named=True)])
    out: dict[str, Outcome] = {}
    for county in ctx.counties:
        c = counts.get(county, {})
        rotated, backbone = c.get("rotated") or 0, c.get("backbone") or 0
        eligible = (c.get("stay") or 0) + rotated
        unknown_n = c.get("unknown") or 0
        c1, m1 = _share_check("rotation_share", "交流轮岗比例", "rotated share of the eligible",
                              rotated, eligible, unknown_n, share, tol)
        c1.value = rotated / eligible if eligible else None
        c2, m2 = _share_check("backbone_share", "骨干教师占交流比例", "backbone share of the rotated",
                              backbone, rotated, 0, backbone_share, tol)
        more = max(0, fewest(share * eligible, tol) - rotated)
        more_backbone = max(0, fewest(backbone_share * (rotated + more), tol) - backbone)
        zh = f"{ctx.year}学年交流 {rotated:,} 名（骨干 {backbone:,} 名），符合交流条件 {eligible:,} 名"
        en = (f"school year {ctx.year}: {rotated:,} rotated ({backbone:,} backbone) of {eligible:,} "
              "eligible")
        if more:
            zh += f"；还需交流 {more} 名，其中骨干教师至少 {more_backbone} 名"
            en += f"; {more} more needed, at least {more_backbone} of them backbone"
        elif more_backbone:
            zh += f"；交流人员中还需增加骨干教师 {more_backbone} 名"
            en += f"; {more_backbone} more backbone teacher(s) needed among the rotated"
        if unknown_n:
            zh += f"；{unknown_n} 名教师未填到本校年份"
            en += f"; {unknown_n} teacher(s) without the year they joined their school"
        out[county] = Outcome(_all([m1, m2]), [c1, c2], unknown_n, zh, en)
    return out, breaches


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
def _condition_text(cond: Condition) -> tuple[str, str, str, bool]:
    """A condition's labels, symbol and whether it is a share: the same in every county, so
    worked out once (a province judges each declared item in thousands of counties)."""
    label = COUNTY.column(cond.column).zh
    if cond.op == "at_least_column":
        label = f"{label}（对比{COUNTY.column(str(cond.value)).zh}）"
        label_en = (f"{COUNTY_LABELS_EN[cond.column]} (against "
                    f"{COUNTY_LABELS_EN[str(cond.value)]})")
    else:
        label_en = COUNTY_LABELS_EN[cond.column]
    return label, label_en, cond.symbol, COUNTY.column(cond.column).kind == "ratio"


def _declared(conditions: tuple[Condition, ...], row: dict[str, Any] | None,
              tolerance: float) -> tuple[bool | None, list[Check], bool]:
    """Judge the declared conditions; the last value says whether any figure was given."""
    checks: list[Check] = []
    given = False
    for cond in conditions:
        label, label_en, symbol, percent = _condition_text(cond)
        value = None if row is None else row.get(cond.column)
        threshold: float | None
        if cond.op == "at_least_column":
            other = None if row is None else row.get(str(cond.value))
            threshold = None if other is None else float(other)
        else:
            threshold = float(cond.value)  # booleans become 1.0 / 0.0
        met: bool | None = None
        if value is not None:
            given = True
            if cond.op == "is":
                met = bool(value) is cond.value
            elif threshold is None:
                met = None
            elif cond.op in ("at_least", "at_least_column"):
                met = at_least(float(value), threshold, tolerance)
            elif cond.op == "at_most":
                met = at_most(float(value), threshold, tolerance)
            else:  # below: strictly
                met = below(float(value), threshold, tolerance)
        checks.append(Check(cond.column, label, label_en, symbol, threshold,
                            None if value is None else float(value), met, percent=percent))
    return _all([c.met for c in checks]), checks, given


# --- the whole of the other parts -------------------------------------------------------------

def _with_fallback(item: Item, outcome: Outcome | None, row: dict[str, Any] | None,
                   tolerance: float) -> tuple[Outcome, str]:
    """The item's outcome and source: computed when the rosters decide it; otherwise the
    declared figures when given; otherwise missing, saying what would decide it."""
    if outcome is not None and (outcome.met is not None or outcome.checks):
        return outcome, "computed"
    met, conditions, given = _declared(item.conditions, row, tolerance)
    if given:
        return Outcome(met, conditions), "declared"
    if outcome is not None:  # computed, but every school or teacher lacked the data
        return outcome, "missing"
    if item.compute:
        return Outcome(met, conditions, 0, *NEEDS[item.compute]), "missing"
    return Outcome(met, conditions, 0,
                   "县级指标表未填写：" + "、".join(c.label for c in conditions),
                   "not declared in the county table (县级指标): "
                   + "; ".join(f"{c.label_en} ({c.label})" for c in conditions)
                   ), "missing"


def evaluate_parts(dataset: Dataset, standard: Standard, units: pl.DataFrame, year: int,
                   counties: list[str], notes: list[Note], tally: Tally | None = None,
                   ) -> dict[str, pl.DataFrame]:
    """The ``items``, ``checks``, ``breaches``, ``vetoes`` and ``parts`` tables (``tally``:
    the teachers counted for ``year``, counted here when not given)."""
    if tally is None:
        tally = tally_teachers(dataset, standard, year, rotated_ids(dataset, year))
    ctx = Context(dataset, standard, units, year, counties, notes, tally)
    declared_rows = ({} if dataset.county is None else
                     {r["county"]: r for r in dataset.county.iter_rows(named=True)})
    items, checks, vetoes, parts = [], [], [], []
    breach_frames = []
    for part in standard.parts:
        verdicts: dict[str, list[bool | None]] = {c: [] for c in counties}
        for item in part.items:
            result = RULES[item.compute](ctx, item) if item.compute else None
            computed = {} if result is None else result[0]
            if result is not None:
                breach_frames.append(result[1].with_columns(
                    pl.lit(part.key).alias("part"), pl.lit(item.key).alias("item"),
                ).select(list(_BREACH_SCHEMA)))
            for county in counties:
                outcome, source = _with_fallback(item, computed.get(county),
                                                 declared_rows.get(county), standard.tolerance)
                verdicts[county].append(outcome.met)
                head = outcome.checks[0] if outcome.checks else None
                items.append({
                    "county": county, "part": part.key, "item": item.key, "number": item.number,
                    "source": source, "met": outcome.met,
                    "value": None if head is None else head.value,
                    "threshold": None if head is None else head.threshold,
                    "op": None if head is None else head.op,
                    "unknown": outcome.unknown,
                    "detail_zh": outcome.detail_zh, "detail_en": outcome.detail_en})
                checks += [{"county": county, "part": part.key, "item": item.key,
                            "check": c.key, "label": c.label, "label_en": c.label_en,
                            "op": c.op, "threshold": c.threshold, "value": c.value, "met": c.met,
                            "percent": c.percent}
                           for c in outcome.checks]
        for county in counties:
            parts.append({"county": county, "part": part.key,
                          "verdict": _verdict(verdicts[county]),
                          "items": len(verdicts[county]),
                          "met": sum(v is True for v in verdicts[county]),
                          "failed": sum(v is False for v in verdicts[county]),
                          "missing": sum(v is None for v in verdicts[county])})
    for county in counties:
        row = declared_rows.get(county)
        for veto in standard.vetoes:
            present = None if row is None else row.get(veto.column)
            vetoes.append({"county": county, "veto": veto.key, "present": present})
    for entry in items:
        entry["detail_en"] = mend_plurals(entry["detail_en"])
    breaches = pl.concat(breach_frames) if breach_frames else pl.DataFrame(schema=_BREACH_SCHEMA)
    return {
        "items": pl.DataFrame(items, schema=_ITEM_SCHEMA, orient="row"),
        "checks": pl.DataFrame(checks, schema=_CHECK_SCHEMA, orient="row"),
        "breaches": _mend_column(breaches, "detail_en"),
        "vetoes": pl.DataFrame(vetoes, schema={"county": pl.String, "veto": pl.String,
                                               "present": pl.Boolean}, orient="row"),
        "parts": pl.DataFrame(parts, schema={"county": pl.String, "part": pl.String,
                                             "verdict": pl.String, "items": pl.Int64,
                                             "met": pl.Int64, "failed": pl.Int64,
                                             "missing": pl.Int64}, orient="row"),
    }


def _mend_column(frame: pl.DataFrame, column: str) -> pl.DataFrame:
    """English "(s)" resolved once per distinct text (a province has thousands of rows, and
    few distinct texts)."""
    texts = frame.get_column(column).drop_nulls().unique().to_list()
    mended = {text: mend_plurals(text) for text in texts}
    if all(k == v for k, v in mended.items()):
        return frame
    return frame.with_columns(pl.col(column).replace(mended))


def _verdict(values: list[bool | None]) -> str:
    met = _all(values)
    return "fail" if met is False else "incomplete" if met is None else "pass"


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
