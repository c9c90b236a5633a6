"""The projection's files (``junheng project -o``): every school year evaluated once, and what
a bureau must act on first.

Built once from a :class:`~junheng.projection.Projection` and a standard — each school year's
:class:`~junheng.evaluate.Evaluation` is computed here once and every table below is read from
it — and rendered by the workbook, the HTML and the JSON alike
(:mod:`junheng.report._projection_files`).

**Year by year** (``ProjectionView.county_years``, ``units``, ``cvs``, ``size_breaches``): per
county, pupils by stage, classes, full-time teachers, the full-time teachers who retired since
the year before, the school–stages meeting the per-school rule, the CVs over their limit, the
schools over the size limit (government item 4), the school–stages over the class size (item 5)
and the resource-allocation verdict; per school–stage, pupils, classes, full-time teachers, each
indicator's value and whether it is met, and the per-school rule; per county, stage and
indicator, the CV against its limit; the breaches of items 4 and 5.

**First breaks** (``ProjectionView.breaks``): what is met in the base year and stops being met
in a projected year — each once, at the first year ``t`` it is not met when it was met in
``t − 1``:

- a school–stage that stops meeting the per-school rule (``kind = "rule"``);
- each indicator of a school–stage that drops from met to not met (``"indicator"``);
- each CV of a county and stage that goes over its limit (``"cv"``);
- each school that goes over the size limit (``"school_size"``) and each school–stage whose
  classes go over the class-size limit (``"class_size"``).

Each carries a reason in Chinese and in English, from what changed between ``t − 1`` and ``t``:
the teachers of the indicator's group who left that school–stage (the teachers the evaluation
counts for it — ``standard.teacher_groups``, full-time only when the standard says so —
read as the fall of the indicator's numerator: without hiring every teacher the count loses
retired; with replacement hiring the fall is said as retirements net of new teachers), and the
change of its pupils. Example:
``2028 年 城关第一小学 体育艺术教师 2 人退休，每百生 0.67 < 0.9``. A value beside its threshold
is given the decimals it needs not to read as the threshold (0.8996 is "0.8996 < 0.9", never
"0.90 < 0.9"). Rows are ordered by year, county, then kind (rule, CV, size, class size,
indicator) and school; what already fails in the base year is the evaluation's rectification
list, not a break.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

import polars as pl

from junheng.evaluate import Evaluation
from junheng.evaluate._evaluation import STAGE_ORDER
from junheng.projection import Projection
from junheng.report._format import fixed, number
from junheng.report.catalogue import Lang, t
from junheng.report.views.rectification import singular_en
from junheng.standards import Indicator, Standard

KINDS = ("rule", "cv", "school_size", "class_size", "indicator")  # the order of the breaks
SIZE_ITEMS = ("school_size", "class_size")  # government items 4 and 5
# Unit words of a per-pupil value (生均 9.62 m²), by the profile's unit key.
PER_PUPIL_UNITS = {"m2": ("m²", "m²"), "yuan": ("元", "yuan"), "teachers": ("人", "teachers"),
                   "rooms": ("间", "rooms"), "computers": ("台", "computers"),
                   "books": ("册", "books")}
MORE_SCHOOLS = 3  # schools named in a CV's reason
# The composite CV's key among the CVs (basic-2012: the mean of a stage's CVs against one limit;
# its indicators' own CVs then have no limit).
COMPOSITE = "composite"


@dataclass(frozen=True)
class CountyYear:
    """One county in one school year."""

    year: int
    county: str
    primary_students: int
    junior_students: int
    classes: int
    teachers: int  # full-time teachers on the staff on 1 September
    retired: int | None  # full-time teachers gone since the year before (None: the base year)
    schools_meeting_rule: int | None
    schools_evaluated: int
    cvs_over: int
    schools_over_size: int | None  # None: the standard has no such item (basic-2012)
    units_over_class_size: int | None
    resources_verdict: str


@dataclass(frozen=True)
class IndicatorYear:
    key: str
    value: float | None
    threshold: float | None
    met: bool | None
    floor_met: bool | None


@dataclass(frozen=True)
class UnitYear:
    """One school–stage in one school year."""

    year: int
    county: str
    school_id: str
    name: str
    stage: str
    students: int
    classes: int | None
    teachers: int  # full-time teachers of the stage
    met_count: int | None
    meets_rule: bool | None
    indicators: tuple[IndicatorYear, ...]


@dataclass(frozen=True)
class CvYear:
    year: int
    county: str
    stage: str
    indicator: str
    cv: float | None
    limit: float | None
    met: bool | None


@dataclass(frozen=True)
class SizeBreach:
    """A school over the size limit (item 4, ``stage`` None) or a school–stage over the class
    size (item 5) in one school year."""

    year: int
    county: str
    school_id: str
    name: str
    stage: str | None
    item: str  # school_size / class_size
    value: float  # pupils (item 4); the largest class, else the average class (item 5)
    limit: float
    students: int
    classes: int | None
    average: bool  # item 5 judged on the average class (no largest class)


@dataclass(frozen=True)
class Break:
    """What is met in ``year − 1`` and not in ``year``, the first time (module docstring)."""

    year: int
    county: str
    kind: str  # rule / indicator / cv / school_size / class_size
    school_id: str | None
    name: str | None
    stage: str | None
    indicator: str | None  # the indicator's key (indicator, cv)
    before: float | None  # indicators met (rule), value, CV, pupils, class size the year before
    after: float | None  # … that year
    limit: float | None  # indicators needed (rule), threshold, CV limit, size limit
    teachers_left: int | None  # teachers of the indicator's group who retired (indicator, cv)
    pupils_before: int | None  # the school–stage's (school's, the county stage's) pupils
    pupils_after: int | None
    reason_zh: str
    reason_en: str

    def reason(self, lang: Lang) -> str:
        return self.reason_zh if lang == "zh" else self.reason_en


@dataclass(frozen=True)
class ProjectionView:
    """The projection of every county, in one language (see the module docstring)."""

    lang: Lang
    standard: Standard
    base_year: int
    years: tuple[int, ...]
    band: str | None
    spread: bool
    counties: tuple[str, ...]
    county_years: tuple[CountyYear, ...]
    units: tuple[UnitYear, ...]
    cvs: tuple[CvYear, ...]
    size_breaches: tuple[SizeBreach, ...]
    breaks: tuple[Break, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return self.standard.indicators

    def indicator_name(self, key: str) -> str:
        """The indicator's name (the composite CV's for ``COMPOSITE``)."""
        if key == COMPOSITE:
            return t("composite", self.lang)
        ind = self.standard.indicator(key)
        return ind.name if self.lang == "zh" else ind.name_en

    def indicator_short(self, key: str) -> str:
        if key == COMPOSITE:
            return t("composite", self.lang)
        ind = self.standard.indicator(key)
        return ind.short if self.lang == "zh" else ind.short_en

    def kind_name(self, brk: Break) -> str:
        return t(f"proj_kind_{brk.kind}", self.lang)

    def what(self, brk: Break) -> str:
        """What broke, in words: the indicator's name, the stage's CV of it, the item."""
        return break_what(self.standard, brk, self.lang)

    def to_dict(self) -> dict[str, Any]:
        """The same content as plain data, numbers unrounded (the JSON file)."""
        from junheng import __version__

        def plain(obj: Any) -> dict[str, Any]:
            return asdict(obj)

        breaks = []
        for b in self.breaks:
            entry = plain(b)
            entry["what_zh"] = break_what(self.standard, b, "zh")
            entry["what_en"] = break_what(self.standard, b, "en")
            breaks.append(entry)
        units = []
        for u in self.units:
            entry = plain(u)
            entry["indicators"] = {i.key: {"value": i.value, "threshold": i.threshold,
                                           "met": i.met, "floor_met": i.floor_met}
                                   for i in u.indicators}
            units.append(entry)
        return {
            "junheng": __version__,
            "standard": self.standard.id,
            "base_year": self.base_year,
            "years": list(self.years),
            "band": self.band,
            "spread": self.spread,
            "first_breaks": breaks,
            "counties": [plain(c) for c in self.county_years],
            "schools": units,
            "cvs": [plain(c) for c in self.cvs],
            "size_breaches": [plain(s) for s in self.size_breaches],
            "notes": list(self.notes),
        }


def break_what(standard: Standard, brk: Break, lang: Lang) -> str:
    """What broke, in words: the indicator's name, the stage's CV of it (小学：生均…), the
    per-school rule, school size, class size."""
    if brk.kind in ("indicator", "cv") and brk.indicator:
        if brk.indicator == COMPOSITE:
            name = t("composite", lang)
        else:
            ind = standard.indicator(brk.indicator)
            name = ind.name if lang == "zh" else ind.name_en
        if brk.kind == "cv":
            return f"{t(brk.stage or '', lang)}{t('colon', lang)}{name}"
        return name
    return t(f"proj_kind_{brk.kind}", lang)


# -- building ------------------------------------------------------------------------------

def build_projection_view(projection: Projection, standard: Standard, lang: Lang = "zh",
                          band: str | None = None,
                          evaluations: dict[int, Evaluation] | None = None) -> ProjectionView:
    """The view of ``projection`` against ``standard`` in ``lang`` (see the module docstring).

    Each school year is evaluated once (``evaluations`` when the caller already has them, by
    year). ``band`` is the cohort model's band (low / central / high), for the titles.

    Examples
    --------
    >>> import junheng, tempfile, pathlib
    >>> from junheng.standards import load_standard
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "county.xlsx"
    >>> _ = junheng.write_sample(path, schools=12, seed=1)
    >>> p = junheng.project(junheng.load(path), years=2, year=2025)
    >>> view = build_projection_view(p, load_standard("quality-2017"))
    >>> [c.year for c in view.county_years]
    [2025, 2026, 2027]
    """
    evaluations = dict(evaluations or {})
    data = {y: projection.dataset(y) for y in projection.years}
    for y in projection.years:
        if y not in evaluations:
            evaluations[y] = projection.evaluate(y, standard)
    years = projection.years
    county_years: list[CountyYear] = []
    units: list[UnitYear] = []
    cvs: list[CvYear] = []
    sizes: list[SizeBreach] = []
    facts: dict[int, _Year] = {}
    for i, y in enumerate(years):
        ev = evaluations[y]
        fact = _Year.read(ev, data[y], standard)
        facts[y] = fact
        retired = None if i == 0 else _retired(data[years[i - 1]], data[y])
        county_years += _county_rows(y, ev, fact, retired)
        units += fact.unit_rows(y)
        cvs += [CvYear(y, r["county"], r["stage"], r["indicator"], r["cv"], r["cv_limit"],
                       r["cv_met"]) for r in fact.cv.values()]
        sizes += fact.size_rows(y)
    hires = projection.hired is not None and projection.hired.height > 0
    builder = _Breaks(standard, facts, years, net=hires)
    breaks = builder.build()
    notes = [t("proj_spread", lang)] if projection.spread else []
    # What the figures are and the assumptions chosen (hiring …), once per county.
    said = dict.fromkeys(projection.note(years[-1], c, spread=False)[0 if lang == "zh" else 1]
                         for c in dict.fromkeys(r.county for r in county_years))
    notes += [*said, t("proj_class_note", lang), t("proj_breaks_note", lang)]
    counties = tuple(dict.fromkeys(c.county for c in county_years))
    band = projection.band if band is None else band
    return ProjectionView(lang, standard, projection.base_year, years, band, projection.spread,
                          counties, tuple(county_years), tuple(units), tuple(cvs),
                          tuple(sizes), tuple(breaks), tuple(notes))


UnitKey = tuple[str, str, str]  # county, school_id, stage


@dataclass
class _Year:
    """One school year's evaluation, read once into dictionaries keyed as the breaks need."""

    units: dict[UnitKey, dict[str, Any]]  # the schools table with classes and teachers
    indicators: dict[tuple[str, str, str, str], dict[str, Any]]  # unit key + indicator key
    cv: dict[tuple[str, str, str], dict[str, Any]]  # county, stage, indicator
    breaches: dict[tuple[str, str, str, str | None], dict[str, Any]]  # item, county, school,
    # stage
    school_pupils: dict[tuple[str, str], int]  # county, school_id → pupils of every stage
    order: dict[str, int]  # indicator key → its order in the standard

    @classmethod
    def read(cls, ev: Evaluation, data: Any, standard: Standard) -> _Year:
        staff = _full_time_by_unit(ev, data)
        units_extra = {(r["county"], r["school_id"], r["stage"]): r for r in ev.units.select(
            "county", "school_id", "stage", "classes", "largest_class").iter_rows(named=True)}
        units: dict[UnitKey, dict[str, Any]] = {}
        for r in ev.schools.sort("county", "school_id",
                                 pl.col("stage").replace_strict(STAGE_ORDER)).iter_rows(
                named=True):
            key = (r["county"], r["school_id"], r["stage"])
            extra = units_extra.get(key, {})
            units[key] = {**r, "classes": extra.get("classes"),
                          "largest_class": extra.get("largest_class"),
                          "teachers": staff.get(key, 0)}
        indicators = {(r["county"], r["school_id"], r["stage"], r["indicator"]): r
                      for r in ev.indicators.iter_rows(named=True)}
        ordered = ev.stages.sort("county", pl.col("stage").replace_strict(STAGE_ORDER),
                                 "indicator_order")
        cv = {(r["county"], r["stage"], r["indicator"]): r
              for r in ordered.iter_rows(named=True)}
        if standard.cv_composite_limits is not None:  # one more CV per stage, last
            for r in ordered.unique(["county", "stage"], keep="first",
                                    maintain_order=True).iter_rows(named=True):
                cv[(r["county"], r["stage"], COMPOSITE)] = {
                    **r, "indicator": COMPOSITE, "cv": r["cv_composite"],
                    "cv_limit": r["cv_composite_limit"], "cv_met": r["cv_composite_met"]}
        breaches = {(r["item"], r["county"], r["school_id"], r["stage"]): r
                    for r in ev.breaches.filter(pl.col("item").is_in(SIZE_ITEMS)).iter_rows(
                        named=True)}
        pupils: dict[tuple[str, str], int] = defaultdict(int)
        for (county, school, _), u in units.items():
            pupils[(county, school)] += u["students"] or 0
        return cls(units, indicators, cv, breaches, dict(pupils),
                   {ind.key: i for i, ind in enumerate(standard.indicators)})

    def unit_rows(self, year: int) -> list[UnitYear]:
        out = []
        by_unit: dict[UnitKey, list[IndicatorYear]] = defaultdict(list)
        for (county, school, stage, key), r in sorted(
                self.indicators.items(), key=lambda kv: self.order.get(kv[0][3], 99)):
            by_unit[(county, school, stage)].append(IndicatorYear(
                key, _finite(r["value"]), r["threshold"], r["met"], r["floor_met"]))
        for key, u in self.units.items():
            out.append(UnitYear(year, key[0], key[1], u["name"] or key[1], key[2],
                                u["students"], u["classes"], u["teachers"], u["met_count"],
                                u["meets_rule"], tuple(by_unit.get(key, ()))))
        return out

    def size_rows(self, year: int) -> list[SizeBreach]:
        out = []
        for (item, county, school, stage), r in self.breaches.items():
            if item == "school_size":
                out.append(SizeBreach(year, county, school, r["name"] or school, None, item,
                                      r["value"], r["limit"],
                                      self.school_pupils.get((county, school), 0), None, False))
                continue
            u = self.units.get((county, school, stage or ""), {})
            students, classes = u.get("students") or 0, u.get("classes")
            average = u.get("largest_class") is None and bool(classes)
            value = students / classes if average and classes else r["value"]
            out.append(SizeBreach(year, county, school, r["name"] or school, stage, item, value,
                                  r["limit"], students, classes, average))
        out.sort(key=lambda s: (s.county, SIZE_ITEMS.index(s.item), s.school_id,
                                STAGE_ORDER.get(s.stage or "", -1)))
        return out


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _full_time_by_unit(ev: Evaluation, data: Any) -> dict[UnitKey, int]:
    """Full-time teachers of each evaluated school–stage; a teaching point merged into its
    central school (``members``) counts there."""
    members = ev.units.select("county", pl.col("school_id").alias("_unit"), "stage",
                              "members").explode("members").rename({"members": "school_id"})
    counts = data.teachers.filter(pl.col("full_time").fill_null(False)).group_by(
        "school_id", "stage").len("n")
    joined = members.join(counts, on=["school_id", "stage"], how="inner").group_by(
        "county", "_unit", "stage").agg(pl.col("n").sum())
    return {(r["county"], r["_unit"], r["stage"]): int(r["n"]) for r in joined.iter_rows(
        named=True)}


def _retired(before: Any, after: Any) -> dict[str, int]:
    """Full-time teachers on the staff of ``before`` and not of ``after``, by county."""
    gone = before.teachers.filter(pl.col("full_time").fill_null(False)
                                  & ~pl.col("teacher_id").is_in(
                                      after.teachers.get_column("teacher_id").implode()))
    by = gone.join(before.schools.select("school_id", "county"), on="school_id").group_by(
        "county").len("n")
    return {r["county"]: int(r["n"]) for r in by.iter_rows(named=True)}


def _county_rows(year: int, ev: Evaluation, fact: _Year,
                 retired: dict[str, int] | None) -> list[CountyYear]:
    out = []
    items = {i.key for part in ev.standard.parts for i in part.items}
    for row in ev.counties.iter_rows(named=True):
        county = row["county"]
        units = [u for k, u in fact.units.items() if k[0] == county]
        pupils = {stage: sum(u["students"] or 0 for u in units if u["stage"] == stage)
                  for stage in STAGE_ORDER}
        breaches = [k for k in fact.breaches if k[1] == county]
        out.append(CountyYear(
            year, county, pupils.get("primary", 0), pupils.get("junior", 0),
            sum(u["classes"] or 0 for u in units), sum(u["teachers"] for u in units),
            None if retired is None else retired.get(county, 0),
            row["schools_meeting_rule"] if ev.standard.has_school_rule else None,
            row["schools_evaluated"] or 0,
            # A CV with no limit of its own (basic-2012's, under the composite) is never over.
            sum(1 for k, r in fact.cv.items() if k[0] == county and r["cv_met"] is False),
            *(sum(1 for k in breaches if k[0] == item) if item in items else None
              for item in SIZE_ITEMS),
            row["resources_verdict"]))
    return out


# -- the first breaks ----------------------------------------------------------------------

class _Breaks:
    def __init__(self, standard: Standard, facts: dict[int, _Year],
                 years: tuple[int, ...], net: bool = False) -> None:
        self.std = standard
        # With replacement hiring the fall of a group is retirements net of new teachers.
        self.net = net
        self.retired_key = "proj_r_fewer" if net else "proj_r_retired"
        self.facts = facts
        self.years = years
        self.ind = {i.key: i for i in standard.indicators}
        self.order = {i.key: n for n, i in enumerate(standard.indicators)}
        base = facts[years[0]]
        stages_of: dict[tuple[str, str], int] = defaultdict(int)
        for county, school, _ in base.units:
            stages_of[(county, school)] += 1
        self.multi_stage = {k for k, n in stages_of.items() if n > 1}

    def build(self) -> list[Break]:
        seen: set[tuple] = set()
        out: list[Break] = []

        def first(key: tuple) -> bool:
            if key in seen:
                return False
            seen.add(key)
            return True

        for prev_year, year in zip(self.years, self.years[1:], strict=False):
            prev, cur = self.facts[prev_year], self.facts[year]
            for key, u in cur.units.items():
                p = prev.units.get(key)
                if p is None:
                    continue
                if p["meets_rule"] is True and u["meets_rule"] is False \
                        and first(("rule", *key)):
                    out.append(self.rule_break(year, key, p, u, prev, cur))
            for key, r in cur.indicators.items():
                p = prev.indicators.get(key)
                if p is not None and p["met"] is True and r["met"] is False \
                        and first(("indicator", *key)):
                    out.append(self.indicator_break(year, key, p, r))
            for key, r in cur.cv.items():
                p = prev.cv.get(key)
                if p is not None and p["cv_met"] is True and r["cv_met"] is not True \
                        and first(("cv", *key)):
                    out.append(self.cv_break(year, key, p, r, prev, cur))
            for key, r in cur.breaches.items():
                if key not in prev.breaches and first(key):
                    out.append(self.size_break(year, key, r, prev, cur))
        out.sort(key=lambda b: (b.year, b.county, KINDS.index(b.kind), b.school_id or "",
                                STAGE_ORDER.get(b.stage or "", -1),
                                self.order.get(b.indicator or "", -1)))
        return out

    # -- words ------------------------------------------------------------------------------
    def school(self, county: str, school_id: str, name: str | None, stage: str | None,
               lang: Lang) -> str:
        """The school's name; with its stage when it has two (a nine-year school)."""
        shown = name or school_id
        if stage is not None and (county, school_id) in self.multi_stage:
            stage_word = t(stage, lang)
            return f"{shown}（{stage_word}）" if lang == "zh" else f"{shown} ({stage_word.lower()})"
        return shown

    def prefix(self, year: int, school: str, lang: Lang) -> str:
        return t("proj_r_prefix", lang, year=year, school=school)

    def group(self, ind: Indicator, n: int, lang: Lang) -> str:
        if lang == "zh":
            return ind.short
        return singular_en(ind.short_en) if n == 1 else ind.short_en

    def retired(self, groups: list[tuple[Indicator, int]], lang: Lang) -> str | None:
        """体育艺术教师 2 人、骨干教师 1 人退休 / loses 2 PE/art teachers and 1 backbone teacher
        to retirement (None when nobody left)."""
        parts = [t("proj_r_group", lang, group=self.group(ind, n, lang), n=f"{n:,}")
                 for ind, n in groups if n]
        if not parts:
            return None
        if lang == "zh":
            return t(self.retired_key, lang, groups="、".join(parts))
        listed = parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"
        return t(self.retired_key, lang, groups=listed)

    @staticmethod
    def pupils(a: int, b: int, lang: Lang) -> str | None:
        if a == b:
            return None
        return t("proj_r_pupils_up" if b > a else "proj_r_pupils_down", lang, a=f"{a:,}",
                 b=f"{b:,}")

    def comparison(self, ind: Indicator, value: float, threshold: float, lang: Lang,
                   named: bool = False) -> str:
        v, thr = shown_against(value, threshold), plain_number(threshold)
        if ind.per_students == 100:
            text = t("proj_r_per100", lang, v=v, t=thr)
        elif ind.per_students == 1:
            zh, en = PER_PUPIL_UNITS.get(ind.unit, ("", ind.unit))
            text = t("proj_r_per_pupil", lang, v=v, t=thr, u=zh if lang == "zh" else en)
        else:
            text = t("proj_r_per_other", lang, v=v, t=thr, u=ind.value_unit(lang))
        if named:
            text = t("proj_r_named", lang, name=ind.short if lang == "zh" else ind.short_en,
                     comparison=text)
        return text

    def teachers_left(self, ind: Indicator, before: dict[str, Any],
                      after: dict[str, Any]) -> int | None:
        """Teachers of the indicator's group who left, net of new teachers of the group (the
        fall of its numerator); None for an indicator that counts no teachers."""
        if ind.numerator[0] != "teachers":
            return None
        return max(0, round((before["numerator"] or 0) - (after["numerator"] or 0)))

    def floor_text(self, lang: Lang) -> str:
        return number(self.std.floor_ratio or 0.0, "rate")

    # -- one kind each ----------------------------------------------------------------------
    def indicator_break(self, year: int, key: tuple[str, str, str, str], before: dict,
                        after: dict) -> Break:
        county, school_id, stage, ind_key = key
        ind = self.ind[ind_key]
        left = self.teachers_left(ind, before, after)
        reasons = {}
        for lang in ("zh", "en"):
            school = self.school(county, school_id, after["name"], stage, lang)
            changes = self.changes(ind, left, before["students"], after["students"], lang)
            comparison = self.comparison(ind, after["value"], after["threshold"], lang)
            reasons[lang] = self.sentence(year, school, changes, comparison, lang)
        return Break(year, county, "indicator", school_id, after["name"] or school_id, stage,
                     ind_key, _finite(before["value"]), _finite(after["value"]),
                     after["threshold"], left, before["students"], after["students"],
                     reasons["zh"], reasons["en"])

    def changes(self, ind: Indicator | None, left: int | None, a: int, b: int,
                lang: Lang) -> list[str]:
        out = []
        retired = self.retired([(ind, left or 0)], lang) if ind is not None else None
        if retired:
            out.append(retired)
        pupils = self.pupils(a, b, lang)
        if pupils:
            out.append(pupils)
        return out

    def sentence(self, year: int, school: str, changes: list[str], tail: str,
                 lang: Lang) -> str:
        """2028 年 学校 体育艺术教师 2 人退休，每百生 0.67 < 0.9 / 2028: school loses 2 PE/art
        teachers to retirement; 0.67 per 100 pupils < 0.9."""
        head = self.prefix(year, school, lang)
        if lang == "zh":
            return f"{head} {'，'.join([*changes, tail])}"
        if changes:
            return f"{head} {' and '.join(changes)}; {tail}"
        return f"{head}: {tail}"

    def rule_break(self, year: int, key: UnitKey, before: dict, after: dict, prev: _Year,
                   cur: _Year) -> Break:
        county, school_id, stage = key
        changed = []
        for ind in self.std.indicators:
            b = prev.indicators.get((*key, ind.key))
            a = cur.indicators.get((*key, ind.key))
            if a is None or b is None:
                continue
            if (b["met"] is True and a["met"] is False) or (
                    b["floor_met"] is True and a["floor_met"] is False):
                changed.append((ind, b, a))
        k = self.std.min_indicators_met or 0
        n = sum(i.thresholds is not None for i in self.std.indicators)
        m0, m1 = before["met_count"], after["met_count"]
        reasons = {}
        for lang in ("zh", "en"):
            school = self.school(county, school_id, after["name"], stage, lang)
            changes = []
            retired = self.retired([(ind, self.teachers_left(ind, b, a) or 0)
                                    for ind, b, a in changed], lang)
            if retired:
                changes.append(retired)
            pupils = self.pupils(before["students"], after["students"], lang)
            if pupils:
                changes.append(pupils)
            counts = f"{m0} → {m1}" if m0 != m1 else f"{m1}"
            rule = t("proj_r_rule", lang, counts=counts, n=n, k=k, floor=self.floor_text(lang))
            comparisons = []
            for ind, _, a in changed:
                text = self.comparison(ind, a["value"], a["threshold"], lang, named=True)
                if a["floor_met"] is False:
                    text += t("proj_r_below_floor", lang, floor=self.floor_text(lang))
                comparisons.append(text)
            detail = ("；" if lang == "zh" else "; ").join(comparisons)
            head = self.prefix(year, school, lang)
            if lang == "zh":
                lead = "，".join([*changes, rule])
                reasons[lang] = f"{head} {lead}" + (f"：{detail}" if detail else "")
            else:
                lead = " and ".join(changes)
                reasons[lang] = (f"{head} {lead}, and {rule}" if lead else f"{head} {rule}") \
                    + (f": {detail}" if detail else "")
        return Break(year, county, "rule", school_id, after["name"] or school_id, stage, None,
                     m0, m1, k, None, before["students"], after["students"], reasons["zh"],
                     reasons["en"])

    def cv_break(self, year: int, key: tuple[str, str, str], before: dict, after: dict,
                 prev: _Year, cur: _Year) -> Break:
        county, stage, ind_key = key
        if ind_key == COMPOSITE:
            return self.composite_break(year, key, before, after, prev, cur)
        ind = self.ind[ind_key]
        rows = []  # (school_id, name, teachers left, pupils before, pupils after)
        for (c, school_id, s, k), a in cur.indicators.items():
            if (c, s, k) != (county, stage, ind_key):
                continue
            b = prev.indicators.get((c, school_id, s, k))
            if b is None:
                continue
            rows.append((school_id, a["name"] or school_id, self.teachers_left(ind, b, a),
                         b["students"], a["students"]))
        p0 = sum(r[3] or 0 for r in rows)
        p1 = sum(r[4] or 0 for r in rows)
        left = None if ind.numerator[0] != "teachers" else sum(r[2] or 0 for r in rows)
        if left:  # the schools that lost the group's teachers, most first
            named = sorted((r for r in rows if r[2]), key=lambda r: (-r[2], r[0]))
        else:  # the schools whose pupils changed most
            named = sorted((r for r in rows if r[3] != r[4]),
                           key=lambda r: (-abs((r[4] or 0) - (r[3] or 0)), r[0]))
        cv0, cv1 = _finite(before["cv"]), _finite(after["cv"])
        shown_cv = number(cv1, "cv") if cv1 is None else shown_against(cv1, after["cv_limit"],
                                                                        3)
        reasons = {}
        for lang in ("zh", "en"):
            stage_word = t(stage, lang) if lang == "zh" else t(stage, lang).lower()
            head = t("proj_r_cv", lang, year=year, county=county, stage=stage_word,
                     indicator=ind.short if lang == "zh" else ind.short_en,
                     a=number(cv0, "cv"), b=shown_cv, limit=number(after["cv_limit"], "limit"))
            parts = []
            for school_id, name, n, a, b in named[:MORE_SCHOOLS]:
                school = self.school(county, school_id, name, stage, lang)
                if left:
                    key = "proj_r_cv_fewer" if self.net else "proj_r_cv_retired"
                    parts.append(t(key, lang, school=school,
                                   group=self.group(ind, n or 0, lang), n=f"{n:,}"))
                else:
                    parts.append(t("proj_r_cv_pupils", lang, school=school, a=f"{a or 0:,}",
                                   b=f"{b or 0:,}"))
            sep = "、" if lang == "zh" else ", "
            text = sep.join(parts)
            if len(named) > MORE_SCHOOLS:
                more = t("proj_r_more_schools", lang, n=len(named) - MORE_SCHOOLS)
                text += more if lang == "zh" else f" {more}"
            reasons[lang] = head + (("：" if lang == "zh" else ": ") + text if text else "")
        return Break(year, county, "cv", None, None, stage, ind_key, _finite(before["cv"]),
                     _finite(after["cv"]), after["cv_limit"], left, p0, p1, reasons["zh"],
                     reasons["en"])

    def composite_break(self, year: int, key: tuple[str, str, str], before: dict,
                        after: dict, prev: _Year, cur: _Year) -> Break:
        """The composite CV (basic-2012) over its limit: its figures and the stage's pupils."""
        county, stage, _ = key
        pupils = [sum(u["students"] or 0 for k, u in y.units.items()
                      if k[0] == county and k[2] == stage) for y in (prev, cur)]
        cv0, cv1 = _finite(before["cv"]), _finite(after["cv"])
        shown_cv = number(cv1, "cv") if cv1 is None else shown_against(cv1, after["cv_limit"],
                                                                        3)
        reasons = {}
        for lang in ("zh", "en"):
            stage_word = t(stage, lang) if lang == "zh" else t(stage, lang).lower()
            reasons[lang] = t("proj_r_cv", lang, year=year, county=county, stage=stage_word,
                              indicator=t("composite", lang), a=number(cv0, "cv"), b=shown_cv,
                              limit=number(after["cv_limit"], "limit"))
        return Break(year, county, "cv", None, None, stage, COMPOSITE, cv0, cv1,
                     after["cv_limit"], None, pupils[0], pupils[1], reasons["zh"],
                     reasons["en"])

    def size_break(self, year: int, key: tuple[str, str, str, str | None], row: dict,
                   prev: _Year, cur: _Year) -> Break:
        item, county, school_id, stage = key
        name = row["name"] or school_id
        limit = row["limit"]
        reasons = {}
        if item == "school_size":
            a = prev.school_pupils.get((county, school_id), 0)
            b = cur.school_pupils.get((county, school_id), 0)
            for lang in ("zh", "en"):
                tail = t("proj_r_size", lang, a=f"{a:,}", b=f"{b:,}", limit=f"{limit:,.0f}")
                reasons[lang] = f"{self.prefix(year, name, lang)} {tail}"
            return Break(year, county, item, school_id, name, None, None, a, b, limit, None,
                         a, b, reasons["zh"], reasons["en"])
        ukey = (county, school_id, stage or "")
        u0, u1 = prev.units.get(ukey, {}), cur.units.get(ukey, {})
        a, b = u0.get("students") or 0, u1.get("students") or 0
        c0, c1 = u0.get("classes"), u1.get("classes")
        largest = u1.get("largest_class")
        value = float(largest) if largest is not None else (b / c1 if c1 else row["value"])
        before = (float(u0["largest_class"]) if u0.get("largest_class") is not None
                  else a / c0 if c0 else None)
        for lang in ("zh", "en"):
            school = self.school(county, school_id, name, stage, lang)
            if largest is not None:
                tail = t("proj_r_class_largest", lang, v=f"{largest:,}",
                         limit=f"{limit:,.0f}")
            else:
                tail = t("proj_r_class_average", lang, a=f"{a:,}", b=f"{b:,}",
                         c0="—" if c0 is None else f"{c0:,}", c1="—" if c1 is None
                         else f"{c1:,}", avg=shown_against(value, limit, 1),
                         limit=f"{limit:,.0f}")
            reasons[lang] = f"{self.prefix(year, school, lang)} {tail}"
        return Break(year, county, item, school_id, name, stage, None, before, value, limit,
                     None, a, b, reasons["zh"], reasons["en"])


# -- figures -------------------------------------------------------------------------------

def plain_number(value: float) -> str:
    """A threshold or limit as the standard writes it: ``0.9``, ``4.2``, ``2,000``.

    >>> plain_number(0.9), plain_number(2000.0), plain_number(10.2)
    ('0.9', '2,000', '10.2')
    """
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def shown_against(value: float, against: float | None, digits: int | None = None) -> str:
    """``value`` with ``digits`` decimals (an indicator's: 2 under 100, else 0), and more when
    it would otherwise read as ``against`` — a value that misses never shows as its threshold.

    >>> shown_against(0.6667, 0.9), shown_against(0.8996, 0.9), shown_against(1999.6, 2000)
    ('0.67', '0.8996', '1,999.6')
    >>> shown_against(0.4501, 0.45, 3)
    '0.4501'
    """
    if digits is None:
        digits = 0 if abs(value) >= 100 else 2
    text = fixed(value, digits)
    extra = 0
    while against is not None and value != against and _reads_as(text, against) and extra < 8:
        extra += 1
        text = fixed(value, digits + extra)
    return text


def _reads_as(text: str, against: float) -> bool:
    return float(text.replace(",", "")) == float(f"{against:.10g}")
